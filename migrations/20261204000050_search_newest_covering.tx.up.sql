-- The newest-first index of open missions carries what a search tests
-- before the places left (docs/search.md): the title's tsvector, the
-- visibility rule's columns, format, cause and association. A text search
-- in the default or relevance order walks it for a bounded number of rows
-- and tests the title on the index entries alone (an index-only scan),
-- then reads only the matches' rows: its plan is the same whatever the
-- words, so that the search goes prepared and PostgreSQL keeps one generic
-- plan for every text (Search.walkHits). Before, the planner chose a walk
-- of the heap or the title's GIN bitmap by its estimate of the word, for
-- every search: half its CPU, and 900 to 3 000 heap pages read for a word
-- in 1 to 3 % of the titles where the walk reads 30 to 160 index pages.
-- (The same index as migration 20261203000100, reverted on 2026-12-02
-- while text searches were still planned at each call.)
--
-- places_left stays out of it, as out of every index: a sign-up's update
-- must stay HOT (migration 20261202000010). Every included column changes
-- only when an indexed one does, or rarely (listable, format).
DROP INDEX missions_open_newest_idx;
CREATE INDEX missions_open_newest_idx ON missions (created_at DESC, id DESC)
    INCLUDE (search_title, vital_category, association_id, listable, visibility, visible_to, format, cause)
    WHERE status = 'open';
