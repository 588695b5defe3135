package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// FigureStore implements campaign.FigureStore on the company of the
// context: a campaign of another company has no participations here.
type FigureStore struct{ db *DB }

// NewFigureStore returns a campaign.FigureStore on db.
func NewFigureStore(db *DB) *FigureStore { return &FigureStore{db: db} }

var _ campaign.FigureStore = (*FigureStore)(nil)

// helpedSQL are the statuses of a participation that helped a mission.
const helpedSQL = `('validated', 'done')`

// Figures counts a campaign's figures in one transaction, so that they
// agree with each other. Days are UTC days.
func (s *FigureStore) Figures(ctx context.Context, c *campaign.Campaign) (*campaign.Figures, error) {
	f := &campaign.Figures{CampaignID: c.ID, Applications: map[string]int{}}
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT count(*) FROM members mb WHERE mb.status = 'active' AND "+audienceSQL,
			audienceArgs(c.Audience, c.AudienceValues)...).Scan(ctx, &f.AudienceSize); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT
				(SELECT count(*) FROM campaign_invitations WHERE campaign_id = ?),
				(SELECT count(DISTINCT member_id) FROM participations WHERE campaign_id = ? AND status IN ('pending', 'validated', 'done')),
				(SELECT count(DISTINCT p.mission_id) FROM participations p WHERE p.campaign_id = ? AND p.status IN `+helpedSQL+`),
				(SELECT count(DISTINCT m.association_id) FROM participations p JOIN missions m ON m.id = p.mission_id
					WHERE p.campaign_id = ? AND p.status IN `+helpedSQL+`),
				(SELECT count(*) FROM redirect_clicks WHERE campaign_id = ?)`,
			c.ID, c.ID, c.ID, c.ID, c.ID).Scan(ctx, &f.Invited, &f.Participants, &f.MissionsHelped, &f.AssociationsHelped,
			&f.Redirects); err != nil {
			return err
		}
		var byStatus []struct {
			Status string `bun:"status"`
			N      int    `bun:"n"`
		}
		if err := tx.NewRaw("SELECT status, count(*) AS n FROM participations WHERE campaign_id = ? GROUP BY status", c.ID).
			Scan(ctx, &byStatus); err != nil {
			return err
		}
		for _, r := range byStatus {
			f.Applications[r.Status] = r.N
		}
		if err := tx.NewRaw(`SELECT coalesce(sum(h.hours) FILTER (WHERE h.status IN ('pending', 'approved')), 0)::float8,
				coalesce(sum(h.hours) FILTER (WHERE h.status = 'approved'), 0)::float8
			FROM hour_logs h JOIN participations p ON p.tenant_id = h.tenant_id AND p.id = h.participation_id
			WHERE p.campaign_id = ?`, c.ID).Scan(ctx, &f.HoursLogged, &f.HoursApproved); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT ms.skill, count(DISTINCT p.member_id) AS participants
			FROM participations p JOIN mission_skills ms ON ms.mission_id = p.mission_id
			WHERE p.campaign_id = ? AND p.status IN `+helpedSQL+`
			GROUP BY ms.skill ORDER BY participants DESC, ms.skill LIMIT 100`, c.ID).Scan(ctx, &f.Skills); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT coalesce(m.cause, '') AS cause, sum(h.hours)::float8 AS hours_approved
			FROM hour_logs h JOIN participations p ON p.tenant_id = h.tenant_id AND p.id = h.participation_id
			JOIN missions m ON m.id = h.mission_id
			WHERE p.campaign_id = ? AND h.status = 'approved'
			GROUP BY 1 ORDER BY hours_approved DESC, cause`, c.ID).Scan(ctx, &f.HoursByCause); err != nil {
			return err
		}
		var days []struct {
			Day           time.Time `bun:"day"`
			Applications  int       `bun:"applications"`
			HoursLogged   float64   `bun:"hours_logged"`
			HoursApproved float64   `bun:"hours_approved"`
		}
		if err := tx.NewRaw(`WITH days AS (
				SELECT generate_series(?::date, ?::date, interval '1 day')::date AS day
			), apps AS (
				SELECT (p.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
				FROM participations p WHERE p.campaign_id = ? GROUP BY 1
			), hrs AS (
				SELECT h.worked_on AS day,
					sum(h.hours) FILTER (WHERE h.status IN ('pending', 'approved')) AS logged,
					sum(h.hours) FILTER (WHERE h.status = 'approved') AS approved
				FROM hour_logs h JOIN participations p ON p.tenant_id = h.tenant_id AND p.id = h.participation_id
				WHERE p.campaign_id = ? GROUP BY 1
			)
			SELECT days.day, coalesce(apps.n, 0) AS applications, coalesce(hrs.logged, 0)::float8 AS hours_logged,
				coalesce(hrs.approved, 0)::float8 AS hours_approved
			FROM days LEFT JOIN apps USING (day) LEFT JOIN hrs USING (day) ORDER BY days.day`,
			c.StartsOn.Format(time.DateOnly), c.EndsOn.Format(time.DateOnly), c.ID, c.ID).Scan(ctx, &days); err != nil {
			return err
		}
		f.ByDay = make([]campaign.DayFigures, len(days))
		for i, d := range days {
			f.ByDay[i] = campaign.DayFigures{Date: campaign.DayOf(d.Day), Applications: d.Applications,
				HoursLogged: d.HoursLogged, HoursApproved: d.HoursApproved}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// exportBatch is how many rows each FETCH brings from the cursor.
const exportBatch = 500

// EachParticipation walks the campaign's participations that pass f,
// oldest application first, through a server-side cursor fetched in
// batches: memory holds one batch, whatever the campaign's size. The
// transaction stays open while fn writes (to a client, for an export).
func (s *FigureStore) EachParticipation(ctx context.Context, campaignID uuid.UUID, f campaign.ExportFilter,
	fn func(*campaign.ExportRow) error) error {
	var from, to *string
	if f.From != nil {
		d := f.From.Format(time.DateOnly)
		from = &d
	}
	if f.To != nil {
		d := f.To.Format(time.DateOnly)
		to = &d
	}
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw(`DECLARE participations_export NO SCROLL CURSOR FOR
			SELECT mb.full_name, mb.email, mb.department, mb.site, m.title, coalesce(a.name, m.organizer), p.status,
				p.created_at, p.decided_at,
				coalesce((SELECT sum(h.hours) FROM hour_logs h WHERE h.tenant_id = p.tenant_id AND h.participation_id = p.id
					AND h.status = 'approved'), 0)::float8
			FROM participations p
			JOIN members mb ON mb.tenant_id = p.tenant_id AND mb.id = p.member_id
			JOIN missions m ON m.id = p.mission_id
			LEFT JOIN associations a ON a.id = m.association_id
			WHERE p.campaign_id = ? AND (?::text = '' OR p.status = ?)
			  AND (?::date IS NULL OR (p.created_at AT TIME ZONE 'UTC')::date >= ?::date)
			  AND (?::date IS NULL OR (p.created_at AT TIME ZONE 'UTC')::date <= ?::date)
			ORDER BY p.created_at, p.id`,
			campaignID, f.Status, f.Status, from, from, to, to).Exec(ctx); err != nil {
			return err
		}
		var r campaign.ExportRow
		for {
			rows, err := tx.QueryContext(ctx, "FETCH ? FROM participations_export", exportBatch)
			if err != nil {
				return err
			}
			n, err := eachRow(rows, func(rows *sql.Rows) error {
				r.DecidedAt = nil
				if err := rows.Scan(&r.Employee, &r.Email, &r.Department, &r.Site, &r.Mission, &r.Association, &r.Status,
					&r.AppliedAt, &r.DecidedAt, &r.HoursApproved); err != nil {
					return err
				}
				return fn(&r)
			})
			if err != nil || n < exportBatch {
				return err
			}
		}
	})
}

// eachRow calls fn for each row and closes rows; it returns how many rows
// there were.
func eachRow(rows *sql.Rows, fn func(*sql.Rows) error) (int, error) {
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		if err := fn(rows); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

// Breakdown cuts a campaign's participations (pending, validated or done)
// by the employees' department and site, the missions' association, and
// lists its vital missions with their redirects, in one transaction.
func (s *FigureStore) Breakdown(ctx context.Context, campaignID uuid.UUID) (*campaign.Breakdown, error) {
	b := &campaign.Breakdown{}
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		by := func(label string, dst *[]campaign.Slice) error {
			return tx.NewRaw(`SELECT `+label+` AS label, count(DISTINCT p.member_id) AS people,
					coalesce(sum(h.hours) FILTER (WHERE h.status = 'approved'), 0)::float8 AS hours
				FROM participations p
				JOIN members mb ON mb.tenant_id = p.tenant_id AND mb.id = p.member_id
				JOIN missions m ON m.id = p.mission_id
				LEFT JOIN associations a ON a.id = m.association_id
				LEFT JOIN hour_logs h ON h.tenant_id = p.tenant_id AND h.participation_id = p.id
				WHERE p.campaign_id = ? AND p.status IN ('pending', 'validated', 'done')
				GROUP BY 1 ORDER BY hours DESC, people DESC, label LIMIT 200`, campaignID).Scan(ctx, dst)
		}
		if err := by("mb.department", &b.ByDepartment); err != nil {
			return err
		}
		if err := by("mb.site", &b.BySite); err != nil {
			return err
		}
		if err := by("coalesce(a.name, m.organizer)", &b.ByAssociation); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT m.title AS label, count(r.id)::int AS clicks
			FROM redirect_clicks r JOIN missions m ON m.id = r.mission_id
			WHERE r.campaign_id = ? AND m.vital_category IS NOT NULL
			GROUP BY m.title ORDER BY clicks DESC, label`, campaignID).Scan(ctx, &b.Vital)
	})
	if err != nil {
		return nil, err
	}
	for _, s := range []*[]campaign.Slice{&b.ByDepartment, &b.BySite, &b.ByAssociation, &b.Vital} {
		if *s == nil {
			*s = []campaign.Slice{}
		}
	}
	return b, nil
}
