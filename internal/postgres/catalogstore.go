package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
)

var _ catalog.Store = (*CatalogStore)(nil)

type associationRow struct {
	ID              uuid.UUID  `bun:"id"`
	Name            string     `bun:"name"`
	LegalID         string     `bun:"legal_id"`
	Description     string     `bun:"description"`
	Causes          []string   `bun:"causes,array"`
	Address         string     `bun:"address"`
	PostalCode      string     `bun:"postal_code"`
	City            string     `bun:"city"`
	Lat             *float64   `bun:"lat"`
	Lon             *float64   `bun:"lon"`
	Website         string     `bun:"website"`
	LogoURL         string     `bun:"logo_url"`
	Status          string     `bun:"status"`
	RejectionReason string     `bun:"rejection_reason"`
	SubmittedAt     *time.Time `bun:"submitted_at"`
	ReviewedAt      *time.Time `bun:"reviewed_at"`
	CreatedAt       time.Time  `bun:"created_at"`
}

const associationCols = `id, name, legal_id, description, causes, address, postal_code, city, lat, lon, website, logo_url,
	status, rejection_reason, submitted_at, reviewed_at, created_at`

func (r associationRow) domain() catalog.Association {
	return catalog.Association{ID: r.ID, Name: r.Name, LegalID: r.LegalID, Description: r.Description, Causes: r.Causes,
		Address: r.Address, PostalCode: r.PostalCode, City: r.City, Lat: r.Lat, Lon: r.Lon, Website: r.Website,
		LogoURL: r.LogoURL, Status: r.Status, RejectionReason: r.RejectionReason, SubmittedAt: r.SubmittedAt,
		ReviewedAt: r.ReviewedAt, CreatedAt: r.CreatedAt}
}

// Association returns one association.
func (s *CatalogStore) Association(ctx context.Context, id uuid.UUID) (*catalog.Association, error) {
	var row associationRow
	if err := s.db.NewRaw("SELECT "+associationCols+" FROM associations WHERE id = ?", id).Scan(ctx, &row); err != nil {
		return nil, notFound(err, "no such association")
	}
	a := row.domain()
	return &a, nil
}

func notFound(err error, msg string) error {
	if err = translate(err); errs.Is(err, errs.NotFound) {
		return errs.Wrap(err, errs.NotFound, "%s", msg)
	}
	return err
}

// UpdateAssociation changes an association under a row lock.
func (s *CatalogStore) UpdateAssociation(ctx context.Context, id uuid.UUID, fn func(*catalog.Association) error) (*catalog.Association, error) {
	var out catalog.Association
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row associationRow
		if err := tx.NewRaw("SELECT "+associationCols+" FROM associations WHERE id = ? FOR UPDATE", id).Scan(ctx, &row); err != nil {
			return notFound(err, "no such association")
		}
		a := row.domain()
		if err := fn(&a); err != nil {
			return err
		}
		causes := a.Causes
		if causes == nil {
			causes = []string{}
		}
		_, err := tx.ExecContext(ctx, `UPDATE associations SET name = ?, description = ?, causes = ?, address = ?,
			postal_code = ?, city = ?, lat = ?, lon = ?, website = ?, logo_url = ?, status = ?, rejection_reason = ?,
			submitted_at = ?, reviewed_at = ? WHERE id = ?`,
			a.Name, a.Description, pgArray(causes), a.Address, a.PostalCode, a.City, a.Lat, a.Lon, a.Website, a.LogoURL,
			a.Status, a.RejectionReason, a.SubmittedAt, a.ReviewedAt, a.ID)
		out = a
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Associations lists associations in a status, oldest submission first.
func (s *CatalogStore) Associations(ctx context.Context, status string, limit int) ([]catalog.Association, error) {
	var rows []associationRow
	err := s.db.NewRaw("SELECT "+associationCols+` FROM associations WHERE status = ?
		ORDER BY submitted_at NULLS LAST, created_at, id LIMIT ?`, status, limit).Scan(ctx, &rows)
	out := make([]catalog.Association, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, translate(err)
}

// missionRow is a mission as read from missions joined to its association.
type missionRow struct {
	ID                  uuid.UUID   `bun:"id"`
	AssociationID       *uuid.UUID  `bun:"association_id"`
	Association         string      `bun:"association"`
	Organizer           string      `bun:"organizer"`
	Title               string      `bun:"title"`
	Description         string      `bun:"description"`
	Cause               *string     `bun:"cause"`
	Format              string      `bun:"format"`
	Address             string      `bun:"address"`
	PostalCode          string      `bun:"postal_code"`
	City                string      `bun:"city"`
	Lat                 *float64    `bun:"lat"`
	Lon                 *float64    `bun:"lon"`
	CommitmentKind      string      `bun:"commitment_kind"`
	CommitmentHours     float64     `bun:"commitment_hours"`
	DurationWeeks       *int        `bun:"duration_weeks"`
	DateKind            string      `bun:"date_kind"`
	StartsOn            *time.Time  `bun:"starts_on"`
	EndsOn              *time.Time  `bun:"ends_on"`
	Recurrence          string      `bun:"recurrence"`
	Places              int         `bun:"places"`
	PlacesLeft          int         `bun:"places_left"`
	Status              string      `bun:"status"`
	Visibility          string      `bun:"visibility"`
	VisibleTo           []uuid.UUID `bun:"visible_to,array"`
	VitalCategory       *string     `bun:"vital_category"`
	ExternalURL         string      `bun:"external_url"`
	RequiresSanitaryAck bool        `bun:"requires_sanitary_ack"`
	FlaggedReason       string      `bun:"flagged_reason"`
	Source              string      `bun:"source"`
	ExternalID          *string     `bun:"external_id"`
	CreatedAt           time.Time   `bun:"created_at"`
	UpdatedAt           time.Time   `bun:"updated_at"`
}

const missionCols = `m.id, m.association_id, coalesce(a.name, m.organizer) AS association, m.organizer, m.title, m.description,
	m.cause, m.format, m.address, m.postal_code, m.city, m.lat, m.lon, m.commitment_kind, m.commitment_hours::float8 AS commitment_hours,
	m.duration_weeks, m.date_kind, m.starts_on, m.ends_on, m.recurrence, m.places, m.places_left, m.status, m.visibility,
	m.visible_to, m.vital_category, m.external_url, m.requires_sanitary_ack, m.flagged_reason, m.source, m.external_id,
	m.created_at, m.updated_at`

func (r missionRow) domain() catalog.Mission {
	m := catalog.Mission{ID: r.ID, AssociationID: r.AssociationID, Association: r.Association, Organizer: r.Organizer,
		Title: r.Title, Description: r.Description, Format: r.Format, Address: r.Address, PostalCode: r.PostalCode,
		City: r.City, Lat: r.Lat, Lon: r.Lon, CommitmentKind: r.CommitmentKind, CommitmentHours: r.CommitmentHours,
		DurationWeeks: r.DurationWeeks, DateKind: r.DateKind, StartsOn: r.StartsOn, EndsOn: r.EndsOn, Recurrence: r.Recurrence,
		Places: r.Places, PlacesLeft: r.PlacesLeft, Status: r.Status, Visibility: r.Visibility, VisibleTo: r.VisibleTo,
		ExternalURL: r.ExternalURL, RequiresSanitaryAck: r.RequiresSanitaryAck, FlaggedReason: r.FlaggedReason,
		Source: r.Source, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Skills: []catalog.SkillNeed{}}
	if r.Cause != nil {
		m.Cause = *r.Cause
	}
	if r.VitalCategory != nil {
		m.VitalCategory = *r.VitalCategory
	}
	if r.ExternalID != nil {
		m.ExternalID = *r.ExternalID
	}
	return m
}

// loadSkills fills the skills of missions in one query.
func loadSkills(ctx context.Context, db bun.IDB, ms []catalog.Mission) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(ms))
	at := make(map[uuid.UUID]int, len(ms))
	for i, m := range ms {
		ids[i], at[m.ID] = m.ID, i
	}
	var rows []struct {
		MissionID uuid.UUID `bun:"mission_id"`
		Skill     string    `bun:"skill"`
		Level     int       `bun:"level"`
		Required  bool      `bun:"required"`
	}
	if err := db.NewRaw(`SELECT mission_id, skill, level, required FROM mission_skills WHERE mission_id = ANY(?)
		ORDER BY mission_id, required DESC, level DESC, skill`, pgArray(ids)).Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		i := at[r.MissionID]
		ms[i].Skills = append(ms[i].Skills, catalog.SkillNeed{Skill: r.Skill, Level: r.Level, Required: r.Required})
	}
	return nil
}

func (s *CatalogStore) missions(ctx context.Context, db bun.IDB, where string, args ...any) ([]catalog.Mission, error) {
	var rows []missionRow
	err := db.NewRaw(`SELECT `+missionCols+` FROM missions m LEFT JOIN associations a ON a.id = m.association_id
		WHERE `+where, args...).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]catalog.Mission, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, translate(loadSkills(ctx, db, out))
}

// Missions lists an association's missions, newest first.
func (s *CatalogStore) Missions(ctx context.Context, associationID uuid.UUID) ([]catalog.Mission, error) {
	return s.missions(ctx, s.db, "m.association_id = ? ORDER BY m.created_at DESC, m.id", associationID)
}

// MissionOf returns a mission, of the association when one is given.
func (s *CatalogStore) MissionOf(ctx context.Context, associationID *uuid.UUID, id uuid.UUID) (*catalog.Mission, error) {
	ms, err := s.missions(ctx, s.db, "m.id = ? AND (?::uuid IS NULL OR m.association_id = ?)", id, associationID, associationID)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, errs.E(errs.NotFound, "no such mission")
	}
	return &ms[0], nil
}

// CreateMission inserts a mission with its skills and slots.
func (s *CatalogStore) CreateMission(ctx context.Context, m *catalog.Mission) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(`INSERT INTO missions (id, association_id, organizer, title, description, cause, format, address,
				postal_code, city, lat, lon, commitment_kind, commitment_hours, duration_weeks, date_kind, starts_on, ends_on,
				recurrence, places, places_left, status, visibility, visible_to, vital_category, external_url,
				requires_sanitary_ack, source, external_id)
			VALUES (?, ?, ?, ?, ?, nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, ?, ?, nullif(?, ''))
			RETURNING created_at, updated_at`,
			m.ID, m.AssociationID, m.Organizer, m.Title, m.Description, m.Cause, m.Format, m.Address, m.PostalCode, m.City,
			m.Lat, m.Lon, m.CommitmentKind, m.CommitmentHours, m.DurationWeeks, m.DateKind, m.StartsOn, m.EndsOn,
			m.Recurrence, m.Places, m.PlacesLeft, m.Status, m.Visibility, pgArray(nonNilIDs(m.VisibleTo)), m.VitalCategory,
			m.ExternalURL, m.RequiresSanitaryAck, m.Source, m.ExternalID).Scan(ctx, &m.CreatedAt, &m.UpdatedAt); err != nil {
			return err
		}
		return writeChildren(ctx, tx, m)
	})
}

func nonNilIDs(ids []uuid.UUID) []uuid.UUID {
	if ids == nil {
		return []uuid.UUID{}
	}
	return ids
}

// writeChildren replaces a mission's skills and slots.
func writeChildren(ctx context.Context, tx bun.Tx, m *catalog.Mission) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM mission_skills WHERE mission_id = ?", m.ID); err != nil {
		return err
	}
	for _, sk := range m.Skills {
		if _, err := tx.ExecContext(ctx, "INSERT INTO mission_skills (mission_id, skill, level, required) VALUES (?, ?, ?, ?)",
			m.ID, sk.Skill, sk.Level, sk.Required); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM mission_slots WHERE mission_id = ?", m.ID); err != nil {
		return err
	}
	for _, sl := range m.Slots {
		if _, err := tx.ExecContext(ctx, "INSERT INTO mission_slots (mission_id, id, starts_at, ends_at) VALUES (?, ?, ?, ?)",
			m.ID, sl.ID, sl.StartsAt, sl.EndsAt); err != nil {
			return err
		}
	}
	return nil
}

// UpdateMission changes a mission under a row lock and records its events.
func (s *CatalogStore) UpdateMission(ctx context.Context, associationID *uuid.UUID, id uuid.UUID, fn func(*catalog.Mission) ([]catalog.Event, error)) (*catalog.Mission, error) {
	var out *catalog.Mission
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var locked bool
		if err := tx.NewRaw(`SELECT true FROM missions WHERE id = ? AND (?::uuid IS NULL OR association_id = ?) FOR UPDATE`,
			id, associationID, associationID).Scan(ctx, &locked); err != nil {
			return notFound(err, "no such mission")
		}
		ms, err := s.missions(ctx, tx, "m.id = ?", id)
		if err != nil {
			return err
		}
		m := &ms[0]
		evs, err := fn(m)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE missions SET title = ?, description = ?, cause = nullif(?, ''), format = ?,
				address = ?, postal_code = ?, city = ?, lat = ?, lon = ?, commitment_kind = ?, commitment_hours = ?,
				duration_weeks = ?, date_kind = ?, starts_on = ?, ends_on = ?, recurrence = ?, places = ?, places_left = ?,
				status = ?, visibility = ?, visible_to = ?, external_url = ?, requires_sanitary_ack = ?, flagged_reason = ?,
				flagged_at = CASE WHEN ? = 'flagged' THEN coalesce(flagged_at, now()) END, updated_at = now()
			WHERE id = ?`,
			m.Title, m.Description, m.Cause, m.Format, m.Address, m.PostalCode, m.City, m.Lat, m.Lon, m.CommitmentKind,
			m.CommitmentHours, m.DurationWeeks, m.DateKind, m.StartsOn, m.EndsOn, m.Recurrence, m.Places, m.PlacesLeft,
			m.Status, m.Visibility, pgArray(nonNilIDs(m.VisibleTo)), m.ExternalURL, m.RequiresSanitaryAck, m.FlaggedReason,
			m.Status, m.ID); err != nil {
			return err
		}
		if err := writeChildren(ctx, tx, m); err != nil {
			return err
		}
		for _, ev := range evs {
			if _, err := tx.ExecContext(ctx, "INSERT INTO mission_events (id, mission_id, kind, detail) VALUES (?, ?, ?, ?)",
				uuid.Must(uuid.NewV7()), m.ID, ev.Kind, ev.Detail); err != nil {
				return err
			}
		}
		out = m
		return nil
	})
	return out, err
}

// PendingEvents returns events not mailed yet, oldest first, with their
// missions and the addresses of the active managers of their missions'
// associations: three statements, whatever their number.
func (s *CatalogStore) PendingEvents(ctx context.Context, limit int) ([]catalog.PendingEvent, error) {
	var rows []struct {
		ID        uuid.UUID `bun:"id"`
		MissionID uuid.UUID `bun:"mission_id"`
		Kind      string    `bun:"kind"`
		Detail    string    `bun:"detail"`
		Managers  []string  `bun:"managers,array"`
	}
	// Claimed in one statement: callers at the same moment (the passes of
	// several servers, the periodic job) skip each other's events.
	err := s.db.NewRaw(`WITH claimed AS (
			UPDATE mission_events SET claimed_until = now() + interval '1 minute'
			WHERE id IN (SELECT id FROM mission_events
				WHERE notified_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
				ORDER BY at, id LIMIT ? FOR UPDATE SKIP LOCKED)
			RETURNING id, mission_id, kind, detail, at)
		SELECT e.id, e.mission_id, e.kind, e.detail,
			ARRAY(SELECT ac.email FROM missions m JOIN association_managers am ON am.association_id = m.association_id
				JOIN accounts ac ON ac.id = am.account_id AND ac.status = 'active'
				WHERE m.id = e.mission_id ORDER BY ac.email) AS managers
		FROM claimed e ORDER BY e.at, e.id`, limit).Scan(ctx, &rows)
	if err != nil || len(rows) == 0 {
		return nil, translate(err)
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.MissionID
	}
	ms, err := s.missions(ctx, s.db, "m.id = ANY(?)", pgArray(ids))
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]*catalog.Mission, len(ms))
	for i := range ms {
		byID[ms[i].ID] = &ms[i]
	}
	out := make([]catalog.PendingEvent, 0, len(rows))
	for _, r := range rows {
		m, ok := byID[r.MissionID]
		if !ok { // deleted since: its events went with it
			continue
		}
		out = append(out, catalog.PendingEvent{ID: r.ID, Kind: r.Kind, Detail: r.Detail, Mission: *m, Managers: r.Managers})
	}
	return out, nil
}

// MarkNotified records that events were mailed, in the unit of work of
// ctx if any (with the mails it queued).
func (s *CatalogStore) MarkNotified(ctx context.Context, ids ...uuid.UUID) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE mission_events SET notified_at = now() WHERE id = ANY(?)", pgArray(ids))
		return err
	})
}

// pgArray passes a Go slice as a PostgreSQL array.
func pgArray(v any) any { return pgdialect.Array(v) }
