-- The vital missions' words (docs/search.md): a text search in the default
-- order starts with the vital missions that match it. With only the GIN
-- index of every mission, the search read the 200 open vital missions (a
-- heap page each) and tested the text on each, since ANDing
-- missions_open_idx with that index's bitmap read a frequent word's whole
-- posting list (19 728 missions for fiscalité); this index holds the vital
-- missions alone, a few hundred rows: the matches come from it, 3 to 60
-- buffers instead of 204.
CREATE INDEX missions_vital_search_idx ON missions USING gin (search) WHERE status = 'open' AND vital_category IS NOT NULL;
