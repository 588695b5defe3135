-- Indexes of the discovery search (docs/search.md, internal/postgres/search.go).
--
-- Newest first, (created_at, id) being the keyset: the default order of the
-- missions that are not vital, and the order of the undated missions (date
-- sort) and of the remote ones (distance sort). The search reads a page
-- straight from this index and stops; without it, every open mission is
-- joined and sorted before the first row comes out.
CREATE INDEX missions_open_newest_idx ON missions (created_at DESC, id DESC) WHERE status = 'open';
