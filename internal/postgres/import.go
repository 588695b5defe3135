package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// Importer stores the missions of import files (catalog.Importer): each
// mission in its own transaction, so that one rejected mission never
// blocks the others and a long file holds no lock for long.
type Importer struct{ db *DB }

// NewImporter returns an Importer on db.
func NewImporter(db *DB) *Importer { return &Importer{db: db} }

var _ catalog.Importer = (*Importer)(nil)

var importSourceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)

// importOrg is an association looked up by legal id, once per import.
type importOrg struct {
	ID     uuid.UUID `bun:"id"`
	Name   string    `bun:"name"`
	Status string    `bun:"status"`
}

// Import implements catalog.Importer. A failure of the database stops it
// with the error; the missions stored before it stay, and importing the
// file again updates them.
func (im *Importer) Import(ctx context.Context, source string, file io.ReadSeeker) (*catalog.ImportReport, error) {
	if !importSourceRE.MatchString(source) {
		return nil, errs.Field("source", "source must name where the missions come from: 1 to 40 lower-case letters, digits, '.', '_' or '-' (e.g. api-engagement)")
	}
	rep := &catalog.ImportReport{Results: []catalog.ImportResult{}}
	orgs := map[string]*importOrg{}
	seen := map[string]int{}
	err := catalog.ReadImport(file, catalog.MaxImport, func(it catalog.ImportItem) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		res := catalog.ImportResult{Index: it.Index, ExternalID: it.ExternalID}
		err := error(it.Err)
		if it.Err == nil {
			if first, dup := seen[it.ExternalID]; dup {
				err = errs.Field("clientId", "clientId %q is already the mission at index %d of this file", it.ExternalID, first)
			} else {
				seen[it.ExternalID] = it.Index
				res.MissionID, res.Outcome, err = im.store(ctx, source, &it, orgs)
			}
		}
		var e *errs.Error
		switch {
		case err == nil:
		case errors.As(err, &e) && (e.Code == errs.Invalid || e.Code == errs.Conflict || e.Code == errs.NotFound):
			res.Outcome, res.Reason, res.Field, res.MissionID = catalog.ImportRejected, e.Message, e.Field, uuid.Nil
		default:
			return err // the database, not the mission: stop
		}
		switch res.Outcome {
		case catalog.ImportCreated:
			rep.Created++
		case catalog.ImportUpdated:
			rep.Updated++
		default:
			rep.Rejected++
		}
		rep.Results = append(rep.Results, res)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// organization finds a mission's association by its legal id; only a
// verified one may have missions imported.
func (im *Importer) organization(ctx context.Context, key catalog.ImportKey, cache map[string]*importOrg) (*importOrg, error) {
	org, ok := cache[key.LegalID]
	if !ok {
		var rows []importOrg
		if err := im.db.NewRaw("SELECT id, name, status FROM associations WHERE legal_id = ?", key.LegalID).Scan(ctx, &rows); err != nil {
			return nil, translate(err)
		}
		if len(rows) > 0 {
			org = &rows[0]
		}
		cache[key.LegalID] = org
	}
	switch {
	case org == nil:
		return nil, errs.Field(key.Field, "no association with %s %s is on Vendredi: it must sign up and be verified first", key.Field, key.LegalID)
	case org.Status != catalog.AssociationVerified:
		return nil, errs.Field(key.Field, "the association %s (%s) is %s, not verified: its missions cannot be imported yet", org.Name, key.LegalID, org.Status)
	}
	return org, nil
}

// store creates or updates (same source and external id) one mission.
// An update keeps what happened since the first import: the places taken
// (places left follow the new number of places), the status of a closed
// or flagged mission, the visibility staff chose, the creation date.
func (im *Importer) store(ctx context.Context, source string, it *catalog.ImportItem, orgs map[string]*importOrg) (uuid.UUID, string, error) {
	org, err := im.organization(ctx, it.Organization, orgs)
	if err != nil {
		return uuid.Nil, "", err
	}
	m := &it.Mission
	var out struct {
		ID      uuid.UUID `bun:"id"`
		Created bool      `bun:"created"`
	}
	err = im.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`INSERT INTO missions (id, association_id, title, description, cause, format, address, postal_code, city,
				lat, lon, date_kind, starts_on, ends_on, places, places_left, status, visibility, source, external_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 'all', ?, ?)
			ON CONFLICT (source, external_id) DO UPDATE SET
				title = EXCLUDED.title, description = EXCLUDED.description, cause = EXCLUDED.cause, format = EXCLUDED.format,
				address = EXCLUDED.address, postal_code = EXCLUDED.postal_code, city = EXCLUDED.city,
				lat = EXCLUDED.lat, lon = EXCLUDED.lon, date_kind = EXCLUDED.date_kind,
				starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on,
				places = EXCLUDED.places,
				places_left = greatest(0, EXCLUDED.places - (missions.places - missions.places_left)),
				status = CASE WHEN missions.status NOT IN ('open', 'full') THEN missions.status
					WHEN EXCLUDED.places - (missions.places - missions.places_left) > 0 THEN 'open' ELSE 'full' END,
				updated_at = now()
			WHERE missions.association_id = EXCLUDED.association_id
			RETURNING id, xmax = 0 AS created`,
			uuid.Must(uuid.NewV7()), org.ID, m.Title, m.Description, nullIfEmpty(m.Cause), m.Format, m.Address, m.PostalCode, m.City,
			m.Lat, m.Lon, m.DateKind, m.StartsOn, m.EndsOn, m.Places, m.PlacesLeft, source, it.ExternalID).Scan(ctx, &out)
		if errors.Is(err, sql.ErrNoRows) {
			// The update's WHERE refused: an import never moves a mission
			// from one association to another.
			return errs.Field(it.Organization.Field, "clientId %q of source %s is a mission of another association than %s", it.ExternalID, source, org.Name)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM mission_skills WHERE mission_id = ?", out.ID); err != nil {
			return err
		}
		if len(m.Skills) == 0 {
			return nil
		}
		codes, levels, required := make([]string, len(m.Skills)), make([]int, len(m.Skills)), make([]bool, len(m.Skills))
		for i, s := range m.Skills {
			codes[i], levels[i], required[i] = s.Skill, s.Level, s.Required
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO mission_skills (mission_id, skill, level, required)
			SELECT ?, * FROM unnest(?::text[], ?::int[], ?::bool[])`, out.ID, pgdialect.Array(codes), pgdialect.Array(levels), pgdialect.Array(required))
		return err
	})
	if err != nil {
		return uuid.Nil, "", err
	}
	if out.Created {
		return out.ID, catalog.ImportCreated, nil
	}
	return out.ID, catalog.ImportUpdated, nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// LoadReport counts the rows BulkLoad added.
type LoadReport struct {
	Associations int
	Missions     int
	Skills       int
}

// BulkLoad writes associations and missions with their skills, as they
// are (generated data, already checked: see catalog/gen), in one
// transaction: COPY into temporary tables, then one INSERT … ON CONFLICT DO
// NOTHING per table, so that loading the same data twice adds nothing.
// Zero creation dates become now.
func BulkLoad(ctx context.Context, db *DB, assocs []catalog.Association, missions []catalog.Mission) (LoadReport, error) {
	var rep LoadReport
	conn, err := db.DB.DB.Conn(ctx)
	if err != nil {
		return rep, translate(err)
	}
	defer conn.Close()
	now := time.Now()
	orNow := func(t time.Time) time.Time {
		if t.IsZero() {
			return now
		}
		return t
	}
	err = conn.Raw(func(driverConn any) error {
		tx, err := pgxConn(driverConn).Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit: a no-op

		// Every mission and association there already: nothing to add,
		// and nothing read. Loading 100 000 missions again took 12.7 s
		// to add nothing, and filled the shared buffers with the whole
		// table at every make bench-search.
		var missing int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM unnest($1::uuid[]) AS i(id) WHERE NOT EXISTS (SELECT FROM missions m WHERE m.id = i.id))
			+ (SELECT count(*) FROM unnest($2::uuid[]) AS i(id) WHERE NOT EXISTS (SELECT FROM associations a WHERE a.id = i.id))`,
			ids(missions, func(m *catalog.Mission) uuid.UUID { return m.ID }), ids(assocs, func(a *catalog.Association) uuid.UUID { return a.ID })).Scan(&missing); err != nil {
			return err
		}
		if missing == 0 {
			return nil
		}

		assocCols := []string{"id", "name", "legal_id", "description", "causes", "address", "postal_code", "city", "lat", "lon", "status", "created_at"}
		missionCols := []string{"id", "association_id", "organizer", "title", "description", "cause", "format", "address", "postal_code",
			"city", "lat", "lon", "commitment_kind", "commitment_hours", "duration_weeks", "date_kind", "starts_on", "ends_on", "recurrence",
			"places", "places_left", "status", "visibility", "visible_to", "vital_category", "external_url", "requires_sanitary_ack",
			"source", "external_id", "created_at", "updated_at"}
		skillCols := []string{"mission_id", "skill", "level", "required"}
		type table struct {
			name, into string
			cols       []string
			n          int
			row        func(i int) []any
			added      *int
		}
		tables := []table{
			{"load_associations", "associations", assocCols, len(assocs), func(i int) []any {
				a := &assocs[i]
				causes := a.Causes
				if causes == nil {
					causes = []string{}
				}
				return []any{a.ID, a.Name, a.LegalID, a.Description, causes, a.Address, a.PostalCode, a.City, a.Lat, a.Lon, a.Status, orNow(a.CreatedAt)}
			}, &rep.Associations},
			{"load_missions", "missions", missionCols, len(missions), func(i int) []any {
				m := &missions[i]
				visibleTo := m.VisibleTo
				if visibleTo == nil {
					visibleTo = []uuid.UUID{}
				}
				return []any{m.ID, m.AssociationID, m.Organizer, m.Title, m.Description, nullIfEmpty(m.Cause), m.Format, m.Address,
					m.PostalCode, m.City, m.Lat, m.Lon, m.CommitmentKind, m.CommitmentHours, m.DurationWeeks, m.DateKind, m.StartsOn,
					m.EndsOn, m.Recurrence, m.Places, m.PlacesLeft, m.Status, m.Visibility, visibleTo, nullIfEmpty(m.VitalCategory),
					m.ExternalURL, m.RequiresSanitaryAck, m.Source, nullIfEmpty(m.ExternalID), orNow(m.CreatedAt), orNow(m.UpdatedAt)}
			}, &rep.Missions},
		}
		var skills [][]any
		for i := range missions {
			for _, s := range missions[i].Skills {
				skills = append(skills, []any{missions[i].ID, s.Skill, s.Level, s.Required})
			}
		}
		// The skills go in before their missions (their foreign key is
		// checked at the commit): each mission's trigger then finds them
		// as the mission is inserted and fills its skill_codes, where
		// skills inserted after it had every mission rewritten by their
		// statement's trigger (migration 20261204000001).
		tables = slices.Insert(tables, 1, table{"load_skills", "mission_skills", skillCols, len(skills),
			func(i int) []any { return skills[i] }, &rep.Skills})
		if _, err := tx.Exec(ctx, "SET CONSTRAINTS mission_skills_mission_id_fkey DEFERRED"); err != nil {
			return err
		}
		for _, t := range tables {
			list := strings.Join(t.cols, ", ") // our own column names
			if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE %s ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA", t.name, list, t.into)); err != nil {
				return err
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromSlice(t.n, func(i int) ([]any, error) { return t.row(i), nil })); err != nil {
				return fmt.Errorf("copy into %s: %w", t.into, err)
			}
			tag, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s ON CONFLICT DO NOTHING", t.into, list, list, t.name))
			if err != nil {
				return fmt.Errorf("insert into %s: %w", t.into, err)
			}
			*t.added = int(tag.RowsAffected())
		}
		return tx.Commit(ctx)
	})
	return rep, translate(err)
}

// ids lists the ids of xs.
func ids[T any](xs []T, id func(*T) uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, len(xs))
	for i := range xs {
		out[i] = id(&xs[i])
	}
	return out
}
