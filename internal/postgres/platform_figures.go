package postgres

import (
	"context"
	"database/sql"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/platform"
)

// The staff's figures scan into the platform package's types.
type (
	PlatformFigures = platform.Figures
	VitalMission    = platform.VitalMission
	CompanyPeople   = platform.CompanyPeople
	Signer          = platform.Signer
)

// PlatformFigureStore reads across the platform for its staff.
//
// The companies' rows stay behind row-level security: functions of the
// database (migration 16, running as the app role) walk the companies one
// by one, naming each in turn as the transaction's tenant, so that every
// count sees one company's rows; one read-only transaction gives the sums
// one snapshot. The walk is in the server: no round trip per company.
type PlatformFigureStore struct{ db *DB }

// NewPlatformFigureStore returns a PlatformFigureStore on db.
func NewPlatformFigureStore(db *DB) *PlatformFigureStore { return &PlatformFigureStore{db: db} }

// snapshot runs fn in a read-only transaction that sees one snapshot of
// the database for all its statements.
func (s *PlatformFigureStore) snapshot(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return translate(s.db.RunInTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, fn))
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
		// The walk across the companies happens in the server, under each
		// company's row-level security in turn (migration 16).
		if err := tx.NewRaw(`SELECT coalesce(sum(people), 0), coalesce(sum(invited), 0), coalesce(sum(participations), 0),
				coalesce(sum(participations_30), 0), coalesce(sum(hours), 0), coalesce(sum(hours_30), 0)
			FROM app.company_figures()`).Scan(ctx, &f.People, &f.Invited, &f.Participations, &f.Participations30,
			&f.Hours, &f.Hours30); err != nil {
			return err
		}
		var clicks []struct {
			MissionID uuid.UUID `bun:"mission_id"`
			N         int       `bun:"n"`
			N30       int       `bun:"n30"`
		}
		if err := tx.NewRaw(`SELECT mission_id, sum(n) AS n, sum(n_30) AS n30 FROM app.company_redirects()
			GROUP BY mission_id`).Scan(ctx, &clicks); err != nil {
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
	if err != nil {
		return nil, err
	}
	return f, nil
}

// PeopleByCompany counts each company's members, by company id.
func (s *PlatformFigureStore) PeopleByCompany(ctx context.Context) (map[uuid.UUID]CompanyPeople, error) {
	var rows []struct {
		TenantID uuid.UUID `bun:"tenant_id"`
		People   int       `bun:"people"`
		Invited  int       `bun:"invited"`
	}
	err := s.snapshot(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT tenant_id, people, invited FROM app.company_figures()").Scan(ctx, &rows)
	})
	out := make(map[uuid.UUID]CompanyPeople, len(rows))
	for _, r := range rows {
		out[r.TenantID] = CompanyPeople{Active: r.People, Invited: r.Invited}
	}
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
