package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mecenat"
)

// MecenatStore implements mecenat.Store: the reference figures (platform
// data) and the company's costs, turnovers and hours.
type MecenatStore struct{ db *DB }

// NewMecenatStore returns a MecenatStore on db.
func NewMecenatStore(db *DB) *MecenatStore { return &MecenatStore{db: db} }

var _ mecenat.Store = (*MecenatStore)(nil)

// costsTx is TenantTx with the costs lock open (app.costs): the only way
// to the company's hourly costs. Callers are reached through the "costs"
// permission alone.
func (s *MecenatStore) costsTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.costs', 'on', true)"); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
}

const referenceCols = `year, pass_monthly_cents, cap_pass_multiple, rate_bp, upper_rate_bp, upper_tier_cents, floor_cents,
	turnover_bp, carry_years, beneficiary_list_cents, source, updated_at, updated_by`

type referenceRow struct {
	Year            int       `bun:"year"`
	PassMonthly     int64     `bun:"pass_monthly_cents"`
	CapPassMultiple int       `bun:"cap_pass_multiple"`
	RateBP          int       `bun:"rate_bp"`
	UpperRateBP     int       `bun:"upper_rate_bp"`
	UpperTier       int64     `bun:"upper_tier_cents"`
	Floor           int64     `bun:"floor_cents"`
	TurnoverBP      int       `bun:"turnover_bp"`
	CarryYears      int       `bun:"carry_years"`
	BeneficiaryList int64     `bun:"beneficiary_list_cents"`
	Source          string    `bun:"source"`
	UpdatedAt       time.Time `bun:"updated_at"`
	UpdatedBy       string    `bun:"updated_by"`
}

// References lists the years' figures, in order.
func (s *MecenatStore) References(ctx context.Context) ([]mecenat.Reference, error) {
	var rows []referenceRow
	if err := s.db.NewRaw("SELECT "+referenceCols+" FROM mecenat_reference ORDER BY year").Scan(ctx, &rows); err != nil {
		return nil, translate(err)
	}
	out := make([]mecenat.Reference, len(rows))
	for i, r := range rows {
		out[i] = mecenat.Reference{Year: r.Year, PassMonthly: mecenat.Cents(r.PassMonthly), CapPassMultiple: r.CapPassMultiple,
			RateBP: r.RateBP, UpperRateBP: r.UpperRateBP, UpperTier: mecenat.Cents(r.UpperTier), Floor: mecenat.Cents(r.Floor),
			TurnoverBP: r.TurnoverBP, CarryYears: r.CarryYears, BeneficiaryList: mecenat.Cents(r.BeneficiaryList),
			Source: r.Source, UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
	}
	return out, nil
}

// SaveReference inserts or replaces a year's figures.
func (s *MecenatStore) SaveReference(ctx context.Context, r *mecenat.Reference) error {
	return translate(s.db.NewRaw(`INSERT INTO mecenat_reference (`+referenceCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)
		ON CONFLICT (year) DO UPDATE SET pass_monthly_cents = excluded.pass_monthly_cents,
			cap_pass_multiple = excluded.cap_pass_multiple, rate_bp = excluded.rate_bp, upper_rate_bp = excluded.upper_rate_bp,
			upper_tier_cents = excluded.upper_tier_cents, floor_cents = excluded.floor_cents, turnover_bp = excluded.turnover_bp,
			carry_years = excluded.carry_years, beneficiary_list_cents = excluded.beneficiary_list_cents, source = excluded.source,
			updated_at = now(), updated_by = excluded.updated_by
		RETURNING updated_at`,
		r.Year, r.PassMonthly, r.CapPassMultiple, r.RateBP, r.UpperRateBP, r.UpperTier, r.Floor, r.TurnoverBP, r.CarryYears,
		r.BeneficiaryList, r.Source, r.UpdatedBy).Scan(ctx, &r.UpdatedAt))
}

// giftLinesSQL are the company's approved hours on association missions
// (the vital missions of the national platform have no association to
// give to), with what values them. Parameter: the last year.
const giftLinesSQL = `SELECT h.id AS hour_log_id, h.participation_id, h.member_id, mb.full_name AS member_name,
		mb.department, mb.site, c.id AS campaign_id, c.name AS campaign_name, m.id AS mission_id, m.title AS mission_title,
		a.id AS association_id, a.name AS association, a.legal_id, coalesce(m.cause, '') AS cause, h.worked_on,
		(h.hours * 100)::bigint AS hours, coalesce(p.work_time, c.work_time) AS work_time,
		coalesce(ca.special_rate, false) AS special_rate, ` + disputedSQL + ` AS disputed,
		mc.hourly_cents AS own_cost, b.hourly_cents AS band_cost, st.default_hourly_cents AS default_cost
	FROM hour_logs h
	JOIN participations p ON p.tenant_id = h.tenant_id AND p.id = h.participation_id
	JOIN campaigns c ON c.tenant_id = p.tenant_id AND c.id = p.campaign_id
	JOIN members mb ON mb.tenant_id = h.tenant_id AND mb.id = h.member_id
	JOIN missions m ON m.id = h.mission_id
	JOIN associations a ON a.id = m.association_id
	LEFT JOIN causes ca ON ca.code = m.cause
	LEFT JOIN mecenat_member_costs mc ON mc.tenant_id = h.tenant_id AND mc.member_id = h.member_id
	LEFT JOIN mecenat_cost_bands b ON b.tenant_id = mc.tenant_id AND b.id = mc.band_id
	LEFT JOIN mecenat_settings st ON st.tenant_id = h.tenant_id
	WHERE h.status = 'approved' AND h.worked_on < make_date(?::int + 1, 1, 1)`

// disputedSQL says whether an association disputes the line (alias h).
const disputedSQL = `EXISTS (SELECT 1 FROM mecenat_disputes d WHERE d.tenant_id = h.tenant_id AND d.hour_log_id = h.id)`

func centsPtr(v *int64) *mecenat.Cents {
	if v == nil {
		return nil
	}
	c := mecenat.Cents(*v)
	return &c
}

// Lines reads the company's gift lines up to the end of year until.
func (s *MecenatStore) Lines(ctx context.Context, until int) ([]mecenat.Line, error) {
	// The columns are named as mecenat.Line's fields: bun fills the
	// domain type without a row type copied field by field.
	out := []mecenat.Line{}
	err := s.costsTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(giftLinesSQL, until).Scan(ctx, &out)
	})
	return out, err
}

// Turnovers are the company's declared turnovers by year.
func (s *MecenatStore) Turnovers(ctx context.Context) (map[int]mecenat.Cents, error) {
	out := map[int]mecenat.Cents{}
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			Year     int   `bun:"year"`
			Turnover int64 `bun:"turnover_cents"`
		}
		if err := tx.NewRaw("SELECT year, turnover_cents FROM mecenat_turnovers").Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out[r.Year] = mecenat.Cents(r.Turnover)
		}
		return nil
	})
	return out, err
}

// SetTurnover declares or removes a year's turnover.
func (s *MecenatStore) SetTurnover(ctx context.Context, year int, turnover *mecenat.Cents) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if turnover == nil {
			_, err := tx.ExecContext(ctx, "DELETE FROM mecenat_turnovers WHERE year = ?", year)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO mecenat_turnovers (tenant_id, year, turnover_cents)
			VALUES (app.current_tenant_id(), ?, ?)
			ON CONFLICT (tenant_id, year) DO UPDATE SET turnover_cents = excluded.turnover_cents, updated_at = now()`,
			year, int64(*turnover))
		return err
	})
}

// Costs reads the company's cost book: people with a cost of their own or
// a band, by name.
func (s *MecenatStore) Costs(ctx context.Context) (*mecenat.CostBook, error) {
	book := &mecenat.CostBook{Bands: []mecenat.Band{}, People: []mecenat.PersonCost{}}
	err := s.costsTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var dflt []int64
		if err := tx.NewRaw("SELECT default_hourly_cents FROM mecenat_settings WHERE default_hourly_cents IS NOT NULL").
			Scan(ctx, &dflt); err != nil {
			return err
		}
		if len(dflt) == 1 {
			d := mecenat.Cents(dflt[0])
			book.Default = &d
		}
		var bands []struct {
			ID     uuid.UUID `bun:"id"`
			Name   string    `bun:"name"`
			Hourly int64     `bun:"hourly_cents"`
			People int       `bun:"people"`
		}
		if err := tx.NewRaw(`SELECT b.id, b.name, b.hourly_cents,
				(SELECT count(*) FROM mecenat_member_costs mc WHERE mc.tenant_id = b.tenant_id AND mc.band_id = b.id) AS people
			FROM mecenat_cost_bands b ORDER BY lower(b.name)`).Scan(ctx, &bands); err != nil {
			return err
		}
		for _, b := range bands {
			book.Bands = append(book.Bands, mecenat.Band{ID: b.ID, Name: b.Name, Hourly: mecenat.Cents(b.Hourly), People: b.People})
		}
		var people []struct {
			MemberID uuid.UUID  `bun:"member_id"`
			Name     string     `bun:"full_name"`
			Email    string     `bun:"email"`
			Hourly   *int64     `bun:"hourly_cents"`
			BandID   *uuid.UUID `bun:"band_id"`
			Band     string     `bun:"band"`
		}
		if err := tx.NewRaw(`SELECT mc.member_id, mb.full_name, mb.email, mc.hourly_cents, mc.band_id, coalesce(b.name, '') AS band
			FROM mecenat_member_costs mc
			JOIN members mb ON mb.tenant_id = mc.tenant_id AND mb.id = mc.member_id
			LEFT JOIN mecenat_cost_bands b ON b.tenant_id = mc.tenant_id AND b.id = mc.band_id
			ORDER BY lower(mb.full_name), mb.id`).Scan(ctx, &people); err != nil {
			return err
		}
		for _, p := range people {
			book.People = append(book.People, mecenat.PersonCost{MemberID: p.MemberID, Name: p.Name, Email: p.Email,
				Hourly: centsPtr(p.Hourly), BandID: p.BandID, Band: p.Band})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return book, nil
}

// SetDefaultCost sets or removes the company's default hourly cost.
func (s *MecenatStore) SetDefaultCost(ctx context.Context, hourly *mecenat.Cents) error {
	return s.costsTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mecenat_settings (tenant_id, default_hourly_cents)
			VALUES (app.current_tenant_id(), ?)
			ON CONFLICT (tenant_id) DO UPDATE SET default_hourly_cents = excluded.default_hourly_cents, updated_at = now()`, hourly)
		return err
	})
}

// SaveBand inserts or changes a band; a name taken by another band of the
// company is a conflict.
func (s *MecenatStore) SaveBand(ctx context.Context, b *mecenat.Band) error {
	err := s.costsTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if b.ID == uuid.Nil {
			b.ID = uuid.Must(uuid.NewV7())
			_, err := tx.ExecContext(ctx, `INSERT INTO mecenat_cost_bands (tenant_id, id, name, hourly_cents)
				VALUES (app.current_tenant_id(), ?, ?, ?)`, b.ID, b.Name, int64(b.Hourly))
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE mecenat_cost_bands SET name = ?, hourly_cents = ? WHERE id = ?", b.Name, int64(b.Hourly), b.ID)
		if err != nil {
			return err
		}
		if rowsAffected(res) == 0 {
			return errs.E(errs.NotFound, "no such band")
		}
		return nil
	})
	if errs.Is(err, errs.Conflict) {
		return errs.Wrap(err, errs.Conflict, "a band of this name exists already")
	}
	return err
}

// DeleteBand removes a band, and with it its people's link to it.
func (s *MecenatStore) DeleteBand(ctx context.Context, id uuid.UUID) error {
	return s.costsTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM mecenat_cost_bands WHERE id = ?", id)
		if err != nil {
			return err
		}
		if rowsAffected(res) == 0 {
			return errs.E(errs.NotFound, "no such band")
		}
		return nil
	})
}

// ApplyCosts sets the people's costs of a file in one transaction.
func (s *MecenatStore) ApplyCosts(ctx context.Context, rows []mecenat.CostRow) ([]mecenat.CostOutcome, error) {
	var out []mecenat.CostOutcome
	err := s.costsTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		members := map[string]uuid.UUID{}
		var ms []struct {
			ID    uuid.UUID `bun:"id"`
			Email string    `bun:"email"`
		}
		if err := tx.NewRaw("SELECT id, email FROM members").Scan(ctx, &ms); err != nil {
			return err
		}
		for _, m := range ms {
			members[m.Email] = m.ID
		}
		bands := map[string]uuid.UUID{}
		var bs []struct {
			ID   uuid.UUID `bun:"id"`
			Name string    `bun:"name"`
		}
		if err := tx.NewRaw("SELECT id, name FROM mecenat_cost_bands").Scan(ctx, &bs); err != nil {
			return err
		}
		for _, b := range bs {
			bands[strings.ToLower(b.Name)] = b.ID
		}
		for _, r := range rows {
			o := mecenat.CostOutcome{Line: r.Line, Email: r.Email, Outcome: mecenat.CostApplied}
			id, ok := members[r.Email]
			var band *uuid.UUID
			if b, found := bands[strings.ToLower(r.Band)]; found {
				band = &b
			}
			switch {
			case !ok:
				o.Outcome, o.Reason = mecenat.CostRejected, mecenat.ReasonUnknownPerson
			case r.Band != "" && band == nil:
				o.Outcome, o.Reason = mecenat.CostRejected, mecenat.ReasonUnknownBand
			default:
				var hourly *int64
				if r.Hourly != nil {
					h := int64(*r.Hourly)
					hourly = &h
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO mecenat_member_costs (tenant_id, member_id, hourly_cents, band_id)
					VALUES (app.current_tenant_id(), ?, ?, ?)
					ON CONFLICT (tenant_id, member_id) DO UPDATE SET hourly_cents = excluded.hourly_cents,
						band_id = excluded.band_id, updated_at = now()`, id, hourly, band); err != nil {
					return err
				}
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// SetWorkTime overrides a participation's working-time say.
func (s *MecenatStore) SetWorkTime(ctx context.Context, participationID uuid.UUID, workTime *bool) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE participations SET work_time = ?, updated_at = now() WHERE id = ?", workTime, participationID)
		if err != nil {
			return err
		}
		if rowsAffected(res) == 0 {
			return errs.E(errs.NotFound, "no such participation")
		}
		return nil
	})
}

// Engagements reads a member's approved hours by participation.
func (s *MecenatStore) Engagements(ctx context.Context, member uuid.UUID) ([]mecenat.Engagement, error) {
	var out []mecenat.Engagement
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			Mission     string    `bun:"mission"`
			Association string    `bun:"association"`
			Campaign    string    `bun:"campaign"`
			From        time.Time `bun:"first"`
			To          time.Time `bun:"last"`
			Hours       int64     `bun:"hours"`
		}
		if err := tx.NewRaw(`SELECT m.title AS mission, coalesce(a.name, m.organizer) AS association, c.name AS campaign,
				min(h.worked_on) AS first, max(h.worked_on) AS last, (sum(h.hours) * 100)::bigint AS hours
			FROM hour_logs h
			JOIN participations p ON p.tenant_id = h.tenant_id AND p.id = h.participation_id
			JOIN campaigns c ON c.tenant_id = p.tenant_id AND c.id = p.campaign_id
			JOIN missions m ON m.id = h.mission_id
			LEFT JOIN associations a ON a.id = m.association_id
			WHERE h.member_id = ? AND h.status = 'approved'
			GROUP BY p.id, m.title, a.name, m.organizer, c.name
			ORDER BY first, mission`, member).Scan(ctx, &rows); err != nil {
			return err
		}
		out = make([]mecenat.Engagement, len(rows))
		for i, r := range rows {
			out[i] = mecenat.Engagement{MissionTitle: r.Mission, Association: r.Association, CampaignName: r.Campaign,
				From: r.From, To: r.To, Hours: mecenat.Centihours(r.Hours)}
		}
		return nil
	})
	return out, err
}

// ActiveMembers counts the company's active members.
func (s *MecenatStore) ActiveMembers(ctx context.Context) (int, error) {
	var n int
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM members WHERE status = 'active'").Scan(ctx, &n)
	})
	return n, err
}

// SpecialCauses lists the causes at the full rate whatever the amount.
func (s *MecenatStore) SpecialCauses(ctx context.Context) ([]string, error) {
	out := []string{}
	err := s.db.NewRaw("SELECT code FROM causes WHERE special_rate ORDER BY code").Scan(ctx, &out)
	return out, translate(err)
}

// SetSpecialCauses marks special among shown, in one transaction.
func (s *MecenatStore) SetSpecialCauses(ctx context.Context, shown, special []string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var known int
		if err := tx.NewRaw("SELECT count(*) FROM causes WHERE code = ANY(?)", pgArray(shown)).Scan(ctx, &known); err != nil {
			return err
		}
		if known != len(shown) {
			return errs.Field("special_causes", "a cause is not one of the reference causes")
		}
		_, err := tx.ExecContext(ctx, "UPDATE causes SET special_rate = (code = ANY(?)) WHERE code = ANY(?)", pgArray(special), pgArray(shown))
		return err
	})
}
