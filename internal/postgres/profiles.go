package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// ProfileStore implements campaign.ProfileStore on the company of the
// context. Every method takes the member explicitly and touches that
// member's rows only; the HTTP layer passes the caller's id.
type ProfileStore struct{ db *DB }

// NewProfileStore returns a campaign.ProfileStore on db.
func NewProfileStore(db *DB) *ProfileStore { return &ProfileStore{db: db} }

var _ campaign.ProfileStore = (*ProfileStore)(nil)

type profileRow struct {
	MemberID     uuid.UUID `bun:"member_id"`
	HoursPerWeek float64   `bun:"hours_per_week"`
	Days         []string  `bun:"days,array"`
	Formats      []string  `bun:"formats,array"`
	HomeLat      *float64  `bun:"home_lat"`
	HomeLon      *float64  `bun:"home_lon"`
	HomeCity     string    `bun:"home_city"`
	RadiusKM     int       `bun:"radius_km"`
	Languages    []string  `bun:"languages,array"`
	Causes       []string  `bun:"causes,array"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// Profile returns the member's saved profile, nil when there is none.
func (s *ProfileStore) Profile(ctx context.Context, memberID uuid.UUID) (*campaign.Profile, error) {
	var out *campaign.Profile
	err := s.db.TenantRead(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []profileRow
		if err := s.db.selectArgs(ctx, tx, &rows, `SELECT member_id, hours_per_week::float8 AS hours_per_week, days, formats,
				home_lat, home_lon, home_city, radius_km, languages, causes, updated_at
			FROM profiles WHERE member_id = $1`, memberID); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		r := rows[0]
		p := &campaign.Profile{MemberID: r.MemberID, HoursPerWeek: r.HoursPerWeek, Days: nonNilStrings(r.Days),
			Formats: nonNilStrings(r.Formats), HomeLat: r.HomeLat, HomeLon: r.HomeLon, HomeCity: r.HomeCity,
			RadiusKM: r.RadiusKM, Languages: nonNilStrings(r.Languages), Causes: nonNilStrings(r.Causes),
			UpdatedAt: &r.UpdatedAt, Skills: []campaign.ProfileSkill{}}
		if err := s.db.selectArgs(ctx, tx, &p.Skills, `SELECT skill, level FROM profile_skills WHERE member_id = $1 ORDER BY skill`,
			memberID); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, err
}

// SaveProfile writes the whole profile and its skills in one transaction.
func (s *ProfileStore) SaveProfile(ctx context.Context, p *campaign.Profile) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var at time.Time
		if err := tx.NewRaw(`INSERT INTO profiles (tenant_id, member_id, hours_per_week, days, formats, home_lat, home_lon,
				home_city, radius_km, languages, causes, updated_at)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
			ON CONFLICT (tenant_id, member_id) DO UPDATE SET hours_per_week = EXCLUDED.hours_per_week, days = EXCLUDED.days,
				formats = EXCLUDED.formats, home_lat = EXCLUDED.home_lat, home_lon = EXCLUDED.home_lon,
				home_city = EXCLUDED.home_city, radius_km = EXCLUDED.radius_km, languages = EXCLUDED.languages,
				causes = EXCLUDED.causes, updated_at = now()
			RETURNING updated_at`,
			p.MemberID, p.HoursPerWeek, pgArray(nonNilStrings(p.Days)), pgArray(nonNilStrings(p.Formats)), p.HomeLat, p.HomeLon,
			p.HomeCity, p.RadiusKM, pgArray(nonNilStrings(p.Languages)), pgArray(nonNilStrings(p.Causes))).Scan(ctx, &at); err != nil {
			return err
		}
		p.UpdatedAt = &at
		if _, err := tx.ExecContext(ctx, "DELETE FROM profile_skills WHERE member_id = ?", p.MemberID); err != nil {
			return err
		}
		if len(p.Skills) == 0 {
			return nil
		}
		skills, levels := make([]string, len(p.Skills)), make([]int, len(p.Skills))
		for i, sk := range p.Skills {
			skills[i], levels[i] = sk.Skill, sk.Level
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO profile_skills (tenant_id, member_id, skill, level)
			SELECT app.current_tenant_id(), ?, s, l FROM unnest(?::text[], ?::int[]) AS x(s, l)`,
			p.MemberID, pgArray(skills), pgArray(levels))
		return err
	})
}
