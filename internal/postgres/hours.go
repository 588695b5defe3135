package postgres

import (
	"time"

	"context"
	"math"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// HourStore implements campaign.HourStore: employees' hours in the company
// of the context; approvals there or, for an association's managers, on
// the association's missions from every company.
type HourStore struct{ db *DB }

// NewHourStore returns a campaign.HourStore on db.
func NewHourStore(db *DB) *HourStore { return &HourStore{db: db} }

var _ campaign.HourStore = (*HourStore)(nil)

// LogHours writes an entry on the member's own participation, decided on
// a snapshot read under the member's row lock: two entries sent at once
// queue there, so the second sees the first when checking the allowance.
// The lock comes first, as in every participation change, so that the two
// never deadlock.
func (s *HourStore) LogHours(ctx context.Context, memberID, participationID uuid.UUID, in *campaign.HourInput,
	decide func(*campaign.HourSnapshot) (string, error)) (*campaign.HourLog, error) {
	var out *campaign.HourLog
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var locked bool
		if err := tx.NewRaw("SELECT true FROM members WHERE id = ? FOR UPDATE", memberID).Scan(ctx, &locked); err != nil {
			return notFound(err, "no such participation")
		}
		var p struct {
			Status      string     `bun:"status"`
			CampaignID  uuid.UUID  `bun:"campaign_id"`
			MissionID   uuid.UUID  `bun:"mission_id"`
			Campaign    string     `bun:"campaign"`
			Allowance   *float64   `bun:"allowance"`
			AutoApprove float64    `bun:"auto_approve"`
			Mission     string     `bun:"mission"`
			CStarts     time.Time  `bun:"c_starts"`
			CEnds       time.Time  `bun:"c_ends"`
			MStarts     *time.Time `bun:"m_starts"`
			MEnds       *time.Time `bun:"m_ends"`
			Accepted    *time.Time `bun:"accepted"`
		}
		// The member's own: anyone else's participation is not found.
		if err := tx.NewRaw(`SELECT p.status, p.campaign_id, p.mission_id, c.name AS campaign,
				c.allowance_hours::float8 AS allowance, c.auto_approve_hours::float8 AS auto_approve, m.title AS mission,
				c.starts_on AS c_starts, c.ends_on AS c_ends, m.starts_on AS m_starts, m.ends_on AS m_ends, p.decided_at AS accepted
			FROM participations p JOIN campaigns c ON c.tenant_id = p.tenant_id AND c.id = p.campaign_id
			JOIN missions m ON m.id = p.mission_id
			WHERE p.id = ? AND p.member_id = ?`, participationID, memberID).Scan(ctx, &p); err != nil {
			return notFound(err, "no such participation")
		}
		snap := &campaign.HourSnapshot{ParticipationStatus: p.Status, CampaignName: p.Campaign,
			AllowanceHours: p.Allowance, AutoApproveHours: p.AutoApprove, Accepted: p.Accepted,
			CampaignStarts: campaign.DayOf(p.CStarts), CampaignEnds: campaign.DayOf(p.CEnds),
			MissionStarts: dayPtr(p.MStarts), MissionEnds: dayPtr(p.MEnds)}
		if err := tx.NewRaw(`SELECT
				coalesce(sum(h.hours) FILTER (WHERE pp.campaign_id = ?), 0)::float8,
				coalesce(sum(h.hours) FILTER (WHERE h.worked_on = ?), 0)::float8
			FROM hour_logs h JOIN participations pp ON pp.tenant_id = h.tenant_id AND pp.id = h.participation_id
			WHERE h.member_id = ? AND h.status IN ('pending', 'approved')`,
			p.CampaignID, in.WorkedOn.Time, memberID).Scan(ctx, &snap.Committed, &snap.SameDay); err != nil {
			return err
		}
		status, err := decide(snap)
		if err != nil {
			return err
		}
		h := &campaign.HourLog{ID: uuid.Must(uuid.NewV7()), ParticipationID: participationID, CampaignID: p.CampaignID,
			MemberID: memberID, MissionID: p.MissionID, WorkedOn: in.WorkedOn, Hours: in.Hours, Note: in.Note, Status: status,
			MissionTitle: p.Mission, CampaignName: p.Campaign}
		if status == campaign.HoursApproved {
			h.DecidedBy = campaign.AutoApprover
		}
		if err := tx.NewRaw(`INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours,
				note, status, decided_by, decided_at)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? = 'approved' THEN now() END)
			RETURNING created_at, decided_at`,
			h.ID, h.ParticipationID, h.MemberID, h.MissionID, h.WorkedOn.Time, h.Hours, h.Note, h.Status, h.DecidedBy,
			h.Status).Scan(ctx, &h.CreatedAt, &h.DecidedAt); err != nil {
			return err
		}
		out = h
		return nil
	})
	return out, err
}

const hourCols = `h.id, h.participation_id, p.campaign_id, h.member_id, h.mission_id, h.worked_on, h.hours::float8 AS hours,
	h.note, h.status, h.decided_by, h.decided_at, h.created_at, mb.full_name AS member_name, m.title AS mission_title,
	coalesce(c.name, '') AS campaign_name`

const hourFrom = ` FROM hour_logs h
	JOIN participations p ON p.tenant_id = h.tenant_id AND p.id = h.participation_id
	-- An association does not see companies' campaigns: the name stays empty for it.
	LEFT JOIN campaigns c ON c.tenant_id = p.tenant_id AND c.id = p.campaign_id
	JOIN members mb ON mb.tenant_id = h.tenant_id AND mb.id = h.member_id
	JOIN missions m ON m.id = h.mission_id`

// listHours reads entries; the columns are named as campaign.HourLog's
// fields, which bun fills without a copy of the type.
func listHours(ctx context.Context, tx bun.IDB, where string, args ...any) ([]campaign.HourLog, error) {
	out := []campaign.HourLog{} // an empty list, not null, in JSON
	if err := tx.NewRaw("SELECT "+hourCols+hourFrom+" WHERE "+where, args...).Scan(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// MemberHours lists the member's entries, newest first, and a balance for
// each campaign where they have a validated or done participation or hours.
func (s *HourStore) MemberHours(ctx context.Context, memberID uuid.UUID) (list []campaign.HourLog, balances []campaign.HoursBalance, err error) {
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if list, err = listHours(ctx, tx, "h.member_id = ? ORDER BY h.worked_on DESC, h.created_at DESC, h.id LIMIT 1000", memberID); err != nil {
			return err
		}
		var rows []struct {
			CampaignID   uuid.UUID `bun:"campaign_id"`
			CampaignName string    `bun:"campaign_name"`
			Allowance    *float64  `bun:"allowance"`
			Approved     float64   `bun:"approved"`
			Pending      float64   `bun:"pending"`
		}
		if err := tx.NewRaw(`SELECT c.id AS campaign_id, c.name AS campaign_name, c.allowance_hours::float8 AS allowance,
				coalesce(sum(h.hours) FILTER (WHERE h.status = 'approved'), 0)::float8 AS approved,
				coalesce(sum(h.hours) FILTER (WHERE h.status = 'pending'), 0)::float8 AS pending
			FROM campaigns c
			JOIN participations p ON p.tenant_id = c.tenant_id AND p.campaign_id = c.id AND p.member_id = ?
			LEFT JOIN hour_logs h ON h.tenant_id = p.tenant_id AND h.participation_id = p.id
			WHERE p.status IN ('validated', 'done') OR h.id IS NOT NULL
			GROUP BY c.id, c.name, c.allowance_hours, c.starts_on
			ORDER BY c.starts_on DESC, c.id`, memberID).Scan(ctx, &rows); err != nil {
			return err
		}
		balances = make([]campaign.HoursBalance, len(rows))
		for i, r := range rows {
			b := campaign.HoursBalance{CampaignID: r.CampaignID, CampaignName: r.CampaignName, Approved: r.Approved,
				Pending: r.Pending, AllowanceHours: r.Allowance}
			if r.Allowance != nil {
				left := math.Max(0, *r.Allowance-r.Approved-r.Pending)
				b.Left = &left
			}
			balances[i] = b
		}
		return nil
	})
	return list, balances, err
}

// Hours lists the company's entries that pass f, oldest first: the
// approval queue of HR admins.
func (s *HourStore) Hours(ctx context.Context, f campaign.HourFilter) (out []campaign.HourLog, err error) {
	err = s.decisionTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		out, err = listHours(ctx, tx, `(?::text = '' OR h.status = ?) AND (?::uuid IS NULL OR p.campaign_id = ?)
			ORDER BY h.created_at, h.id LIMIT ?`, f.Status, f.Status, f.CampaignID, f.CampaignID, f.Limit)
		return err
	})
	return out, err
}

// decisionTx runs fn where hours are decided: for the association ctx
// acts for (campaign.ForAssociation), the rows of its missions from every
// company; otherwise the company of ctx.
func (s *HourStore) decisionTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if assoc, ok := campaign.AssociationFrom(ctx); ok {
		return s.db.AssociationTx(ctx, assoc, fn)
	}
	if _, ok := tenants.FromContext(ctx); ok {
		return s.db.TenantTx(ctx, fn)
	}
	return errs.E(errs.Internal, "hours are decided for a company or an association; the context has neither")
}

func dayPtr(t *time.Time) *campaign.Day {
	if t == nil {
		return nil
	}
	d := campaign.DayOf(*t)
	return &d
}

// hoursOpen is campaign.HoursOpen in SQL, for hour_logs h: its
// participation is validated or done. Hours of a cancelled or refused
// participation are never approved.
const hoursOpen = `EXISTS (SELECT 1 FROM participations hp WHERE hp.tenant_id = h.tenant_id AND hp.id = h.participation_id
	AND hp.status IN ('validated', 'done'))`

// ApproveHours approves the pending entries among ids and says, for each
// id in order, what became of it. Entries outside the company (or the
// association) are not found, as missing ones.
func (s *HourStore) ApproveHours(ctx context.Context, ids []uuid.UUID, by string) ([]campaign.HourOutcome, error) {
	out := make([]campaign.HourOutcome, len(ids))
	err := s.decisionTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var approved []uuid.UUID
		if err := tx.NewRaw(`UPDATE hour_logs h SET status = 'approved', decided_by = ?, decided_at = now()
			WHERE h.id = ANY(?) AND h.status = 'pending' AND `+hoursOpen+` RETURNING h.id`, by, pgArray(ids)).Scan(ctx, &approved); err != nil {
			return err
		}
		// A new statement, a new snapshot: it sees what concurrent
		// decisions committed while the update waited on their rows.
		var rows []struct {
			ID     uuid.UUID `bun:"id"`
			Status string    `bun:"status"`
		}
		if err := tx.NewRaw("SELECT id, status FROM hour_logs WHERE id = ANY(?)", pgArray(ids)).Scan(ctx, &rows); err != nil {
			return err
		}
		status := make(map[uuid.UUID]string, len(rows))
		for _, r := range rows {
			status[r.ID] = r.Status
		}
		done := make(map[uuid.UUID]bool, len(approved))
		for _, id := range approved {
			done[id] = true
		}
		for i, id := range ids {
			o := campaign.HourOutcome{ID: id, Outcome: campaign.OutcomeNotFound}
			switch {
			case done[id]:
				o.Outcome = campaign.OutcomeApproved
			case status[id] == campaign.HoursApproved:
				o.Outcome = campaign.OutcomeAlreadyApproved
			case status[id] == campaign.HoursRejected:
				o.Outcome = campaign.OutcomeRejected
			case status[id] == campaign.HoursPending:
				o.Outcome = campaign.OutcomeParticipationEnded
			}
			out[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RejectHours rejects a pending entry, in the company or association of
// ctx as ApproveHours.
func (s *HourStore) RejectHours(ctx context.Context, id uuid.UUID, by string) (*campaign.HourLog, error) {
	var out *campaign.HourLog
	err := s.decisionTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var status string
		if err := tx.NewRaw("SELECT status FROM hour_logs WHERE id = ? FOR UPDATE", id).Scan(ctx, &status); err != nil {
			return notFound(err, "no such hours entry")
		}
		if status != campaign.HoursPending {
			return errs.E(errs.Conflict, "these hours were already %s: a decision is taken once", status)
		}
		var h campaign.HourLog
		if err := tx.NewRaw(`UPDATE hour_logs h SET status = 'rejected', decided_by = ?, decided_at = now() WHERE h.id = ?
			RETURNING h.id, h.participation_id, h.member_id, h.mission_id, h.worked_on, h.hours::float8 AS hours, h.note,
				h.status, h.decided_by, h.decided_at, h.created_at`, by, id).Scan(ctx, &h); err != nil {
			return err
		}
		out = &h
		return nil
	})
	return out, err
}
