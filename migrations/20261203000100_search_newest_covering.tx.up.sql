-- The newest-first index of open missions carries what a search tests
-- before the places left (docs/search.md): the title's tsvector, the
-- visibility rule's columns, format, cause and association. A text search
-- in the newest-first order walks it for a bounded number of rows and tests
-- the title on the index entries alone (an index-only scan), then reads only
-- the matches' rows: a word in 1 to 3 % of the titles found its page by
-- reading 900 to 3 000 heap pages (one per row walked, or one per match
-- through the GIN bitmap) where the walk reads 30 to 160 index pages.
--
-- places_left stays out of it, as out of every index: a sign-up's update
-- must stay HOT (migration 20261202000010). Every included column changes
-- only when an indexed one does, or rarely (listable, format).
DROP INDEX missions_open_newest_idx;
CREATE INDEX missions_open_newest_idx ON missions (created_at DESC, id DESC)
    INCLUDE (search_title, vital_category, association_id, listable, visibility, visible_to, format, cause)
    WHERE status = 'open';
