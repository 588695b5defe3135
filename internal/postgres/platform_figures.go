package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// PlatformFigures are the numbers platform staff follow, across every
// company.
type PlatformFigures struct {
	CompaniesActive    int
	CompaniesSuspended int
	// People are the companies' members who joined; Invited, those whose
	// invitation is not accepted yet. Disabled members count in neither.
	People  int
	Invited int
	// Associations counts associations by status (draft, pending_review,
	// verified, rejected, suspended), every status present.
	Associations map[string]int
	// OpenMissions are the missions employees can sign up for (or be
	// redirected from): open, and vital or of a verified association.
	OpenMissions int
	// Participations are sign-ups in any status; hours are those logged
	// and not rejected. "30" means in the last 30 days (sign-up date, day
	// worked).
	Participations, Participations30 int
	Hours, Hours30                   float64
	// Vital are the vital missions with their click-throughs to the
	// Réserve Civique; Redirects and Redirects30 are their sums.
	Vital                  []VitalMission
	Redirects, Redirects30 int
	At                     time.Time
}

// VitalMission is a vital mission as staff list it.
type VitalMission struct {
	ID          uuid.UUID `bun:"id"`
	Category    string    `bun:"vital_category"`
	LabelFR     string    `bun:"label_fr"`
	LabelEN     string    `bun:"label_en"`
	Title       string    `bun:"title"`
	Status      string    `bun:"status"`
	Format      string    `bun:"format"`
	ExternalURL string    `bun:"external_url"`
	Redirects   int       `bun:"-"`
	Redirects30 int       `bun:"-"`
}

// CompanyPeople counts a company's members.
type CompanyPeople struct {
	Active, Invited int
}

// Signer is a manager of an association, the first of whom signed it up.
type Signer struct {
	AssociationID uuid.UUID `bun:"association_id"`
	FullName      string    `bun:"full_name"`
	Email         string    `bun:"email"`
	Since         time.Time `bun:"created_at"`
}

// PlatformFigureStore reads across the platform for its staff.
//
// The companies' rows stay behind row-level security: the reads walk the
// companies one by one inside a single read-only transaction, naming each in
// turn as the transaction's tenant, so that every statement sees one
// company's rows and the sums come from one snapshot.
type PlatformFigureStore struct{ db *DB }

// NewPlatformFigureStore returns a PlatformFigureStore on db.
func NewPlatformFigureStore(db *DB) *PlatformFigureStore { return &PlatformFigureStore{db: db} }

// snapshot runs fn in a read-only transaction that sees one snapshot of
// the database for all its statements.
func (s *PlatformFigureStore) snapshot(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return translate(s.db.RunInTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, fn))
}

// eachTenant calls fn once per company, with tx bound to that company.
func eachTenant(ctx context.Context, tx bun.Tx, fn func(id uuid.UUID) error) error {
	var ids []uuid.UUID
	if err := tx.NewRaw("SELECT id FROM tenants ORDER BY id").Scan(ctx, &ids); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, true)", id.String()); err != nil {
			return err
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	// Nothing after the walk may see the last company's rows.
	_, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', '', true)")
	return err
}

const vitalMissionsSQL = `SELECT m.id, m.vital_category, v.label_fr, v.label_en, m.title, m.status, m.format, m.external_url
	FROM missions m JOIN vital_categories v ON v.code = m.vital_category
	ORDER BY v.position, m.created_at, m.id`

// VitalMissions lists the vital missions in the official order, whatever
// their status.
func (s *PlatformFigureStore) VitalMissions(ctx context.Context) ([]VitalMission, error) {
	var out []VitalMission
	err := s.db.NewRaw(vitalMissionsSQL).Scan(ctx, &out)
	return out, translate(err)
}

// Figures counts the platform's companies, people, associations, missions,
// participations, hours and vital redirects.
func (s *PlatformFigureStore) Figures(ctx context.Context) (*PlatformFigures, error) {
	f := &PlatformFigures{Associations: map[string]int{"draft": 0, "pending_review": 0, "verified": 0, "rejected": 0, "suspended": 0}}
	err := s.snapshot(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(`SELECT now(),
				count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'suspended')
			FROM tenants`).Scan(ctx, &f.At, &f.CompaniesActive, &f.CompaniesSuspended); err != nil {
			return err
		}
		var byStatus []struct {
			Status string `bun:"status"`
			N      int    `bun:"n"`
		}
		if err := tx.NewRaw("SELECT status, count(*) AS n FROM associations GROUP BY status").Scan(ctx, &byStatus); err != nil {
			return err
		}
		for _, r := range byStatus {
			f.Associations[r.Status] = r.N
		}
		if err := tx.NewRaw(`SELECT count(*) FROM missions m LEFT JOIN associations a ON a.id = m.association_id
			WHERE m.status = 'open' AND (m.vital_category IS NOT NULL OR a.status = 'verified')`).Scan(ctx, &f.OpenMissions); err != nil {
			return err
		}
		if err := tx.NewRaw(vitalMissionsSQL).Scan(ctx, &f.Vital); err != nil {
			return err
		}
		index := make(map[uuid.UUID]int, len(f.Vital))
		for i, v := range f.Vital {
			index[v.ID] = i
		}
		return eachTenant(ctx, tx, func(uuid.UUID) error {
			var c struct {
				People           int     `bun:"people"`
				Invited          int     `bun:"invited"`
				Participations   int     `bun:"participations"`
				Participations30 int     `bun:"participations30"`
				Hours            float64 `bun:"hours"`
				Hours30          float64 `bun:"hours30"`
			}
			if err := tx.NewRaw(`SELECT
					(SELECT count(*) FROM members WHERE status = 'active') AS people,
					(SELECT count(*) FROM members WHERE status IN ('invited', 'pending_verification')) AS invited,
					(SELECT count(*) FROM participations) AS participations,
					(SELECT count(*) FROM participations WHERE created_at > now() - interval '30 days') AS participations30,
					(SELECT coalesce(sum(hours), 0) FROM hour_logs WHERE status <> 'rejected') AS hours,
					(SELECT coalesce(sum(hours), 0) FROM hour_logs WHERE status <> 'rejected'
						AND worked_on > current_date - 30) AS hours30`).Scan(ctx, &c); err != nil {
				return err
			}
			f.People += c.People
			f.Invited += c.Invited
			f.Participations += c.Participations
			f.Participations30 += c.Participations30
			f.Hours += c.Hours
			f.Hours30 += c.Hours30
			var clicks []struct {
				MissionID uuid.UUID `bun:"mission_id"`
				N         int       `bun:"n"`
				N30       int       `bun:"n30"`
			}
			if err := tx.NewRaw(`SELECT mission_id, count(*) AS n, count(*) FILTER (WHERE at > now() - interval '30 days') AS n30
				FROM redirect_clicks GROUP BY mission_id`).Scan(ctx, &clicks); err != nil {
				return err
			}
			for _, k := range clicks {
				if i, ok := index[k.MissionID]; ok {
					f.Vital[i].Redirects += k.N
					f.Vital[i].Redirects30 += k.N30
				}
				f.Redirects += k.N
				f.Redirects30 += k.N30
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// PeopleByCompany counts each company's members, by company id.
func (s *PlatformFigureStore) PeopleByCompany(ctx context.Context) (map[uuid.UUID]CompanyPeople, error) {
	out := map[uuid.UUID]CompanyPeople{}
	err := s.snapshot(ctx, func(ctx context.Context, tx bun.Tx) error {
		return eachTenant(ctx, tx, func(id uuid.UUID) error {
			var c CompanyPeople
			if err := tx.NewRaw(`SELECT count(*) FILTER (WHERE status = 'active'),
					count(*) FILTER (WHERE status IN ('invited', 'pending_verification'))
				FROM members`).Scan(ctx, &c.Active, &c.Invited); err != nil {
				return err
			}
			out[id] = c
			return nil
		})
	})
	return out, err
}

// Signers returns the managers of the associations given, the one who
// signed the association up first, by association id.
func (s *PlatformFigureStore) Signers(ctx context.Context, associations []uuid.UUID) (map[uuid.UUID][]Signer, error) {
	out := map[uuid.UUID][]Signer{}
	if len(associations) == 0 {
		return out, nil
	}
	var rows []Signer
	err := s.db.NewRaw(`SELECT am.association_id, a.full_name, a.email, am.created_at
		FROM association_managers am JOIN accounts a ON a.id = am.account_id
		WHERE am.association_id IN (?) ORDER BY am.created_at, a.email`, bun.List(associations)).Scan(ctx, &rows)
	for _, r := range rows {
		out[r.AssociationID] = append(out[r.AssociationID], r)
	}
	return out, translate(err)
}
