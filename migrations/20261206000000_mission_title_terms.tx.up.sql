-- The words of each open mission's title, newest first: the posting lists
-- a text search walks for a page of title matches (internal/postgres
-- search.go, walkHits). A word in one title in 165 (comptabilité, 570
-- of 94 000) made the search walk 2 646 entries of the newest-first index,
-- testing each title, to fill a page of 21: 3.5 of the 4 ms it cost
-- PostgreSQL. The list of one of the text's words holds every match, in
-- the page's order; a single word's page is its first 21 entries.
--
-- Which companies see a mission is not here: the search reads each entry's
-- mission by primary key and applies the visibility rule there. The words
-- are the title's tsvector's lexemes (app.french_unaccent), so a word of
-- the text is found under the lexeme websearch_to_tsquery gives it.
CREATE TABLE mission_title_terms (
    lexeme     text        NOT NULL,
    created_at timestamptz NOT NULL,
    mission_id uuid        NOT NULL,
    PRIMARY KEY (lexeme, created_at, mission_id)
);

-- Kept in the transaction that writes the mission: the entries of an open
-- mission, none of another. Only a change of status to or from open, or
-- of the title's words, touches them; a sign-up that changes places_left
-- does not.
CREATE FUNCTION app.mission_title_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'open' THEN
        DELETE FROM mission_title_terms AS t
         WHERE t.lexeme = ANY (tsvector_to_array(OLD.search_title))
           AND t.created_at = OLD.created_at AND t.mission_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'open' THEN
        INSERT INTO mission_title_terms (lexeme, created_at, mission_id)
        SELECT l, NEW.created_at, NEW.id FROM unnest(tsvector_to_array(NEW.search_title)) AS l;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER missions_title_terms AFTER INSERT OR DELETE ON missions
    FOR EACH ROW EXECUTE FUNCTION app.mission_title_terms();
CREATE TRIGGER missions_title_terms_changed AFTER UPDATE ON missions
    FOR EACH ROW WHEN ((OLD.status = 'open') IS DISTINCT FROM (NEW.status = 'open')
        OR NEW.status = 'open' AND (OLD.search_title, OLD.created_at) IS DISTINCT FROM (NEW.search_title, NEW.created_at))
    EXECUTE FUNCTION app.mission_title_terms();

INSERT INTO mission_title_terms (lexeme, created_at, mission_id)
SELECT l, m.created_at, m.id FROM missions AS m, unnest(tsvector_to_array(m.search_title)) AS l
 WHERE m.status = 'open';

-- The word whose list the search walks for a text's title matches: NULL
-- when no list holds them all, for a text with an "or" or a negation (a
-- match of 'a' | 'b' may have either word), only stop words, or a
-- backslash (escaped in the query's text; the parser splits words on it,
-- so none was seen here). Of the words every match has, the one with the
-- shortest list, counted up to 128 entries (about 0.1 ms for two words
-- among 100 000 missions; up to 512 took 0.25): every match is in each
-- list, so the shortest has them densest. Past 128, the longest word, as
-- the likelier to be rare. The lexemes are read from the query's text
-- form ('soutien' & 'scolair', quotes doubled within). In PL/pgSQL,
-- whose statements' plans a session keeps: written in SQL, the function
-- was planned at each search.
CREATE FUNCTION app.search_lead(q tsquery) RETURNS text LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF q::text ~ '[|!\\]' THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT w.lexeme
              FROM (SELECT DISTINCT replace(r.m[1], '''''', '''') AS lexeme
                      FROM regexp_matches(q::text, '''((?:[^'']|'''')*)''', 'g') AS r(m)) AS w
             ORDER BY (SELECT count(*) FROM (SELECT 1 FROM mission_title_terms AS t WHERE t.lexeme = w.lexeme LIMIT 128) AS n),
                      length(w.lexeme) DESC, w.lexeme
             LIMIT 1);
END $$;

GRANT SELECT, INSERT, DELETE ON mission_title_terms TO {{.AppRole}};
GRANT EXECUTE ON FUNCTION app.search_lead(tsquery) TO {{.AppRole}};
