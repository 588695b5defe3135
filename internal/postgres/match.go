package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/matching"
)

// MatchStore implements campaign.MatchStore.
type MatchStore struct{ db *DB }

// NewMatchStore returns a campaign.MatchStore on db.
func NewMatchStore(db *DB) *MatchStore { return &MatchStore{db: db} }

var _ campaign.MatchStore = (*MatchStore)(nil)

// Candidates reads the campaign's audience with their profiles, in one
// query: skills, live participations in the campaign and declined missions
// come as arrays.
func (s *MatchStore) Candidates(ctx context.Context, c *campaign.Campaign, memberID *uuid.UUID) ([]campaign.Candidate, error) {
	var rows []struct {
		ID         uuid.UUID   `bun:"id"`
		Department string      `bun:"department"`
		Site       string      `bun:"site"`
		Saved      bool        `bun:"saved"`
		Hours      *float64    `bun:"hours_per_week"`
		Formats    []string    `bun:"formats,array"`
		HomeLat    *float64    `bun:"home_lat"`
		HomeLon    *float64    `bun:"home_lon"`
		Radius     *int        `bun:"radius_km"`
		Causes     []string    `bun:"causes,array"`
		Skills     []string    `bun:"skills,array"`
		Levels     []int       `bun:"levels,array"`
		Declined   []uuid.UUID `bun:"declined,array"`
		Held       []uuid.UUID `bun:"held,array"`
		HeldIn     []uuid.UUID `bun:"held_in,array"`
	}
	// One employee (recommendations, at every request) goes with bind
	// parameters, prepared once; the whole company (an allocation) with
	// its values written in, planned for the company's size.
	err := s.db.TenantRead(ctx, func(ctx context.Context, tx bun.IDB) error {
		if memberID != nil {
			return s.db.selectArgs(ctx, tx, &rows, candidatesSQL("$1")+` AND m.id = $2`, c.ID, *memberID)
		}
		return tx.NewRaw(candidatesSQL("?")+` ORDER BY m.id`, c.ID).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, err
	}
	out := make([]campaign.Candidate, 0, len(rows))
	for _, r := range rows {
		if !c.InAudience(r.Department, r.Site) {
			continue
		}
		p := campaign.DefaultProfile(r.ID)
		if r.Saved {
			p.HoursPerWeek, p.Formats, p.HomeLat, p.HomeLon, p.Causes = *r.Hours, r.Formats, r.HomeLat, r.HomeLon, r.Causes
			p.RadiusKM = *r.Radius
			for i := range r.Skills {
				p.Skills = append(p.Skills, campaign.ProfileSkill{Skill: r.Skills[i], Level: r.Levels[i]})
			}
		}
		live := make([]campaign.LiveParticipation, len(r.Held))
		for i := range r.Held {
			live[i] = campaign.LiveParticipation{MissionID: r.Held[i], CampaignID: r.HeldIn[i]}
		}
		out = append(out, campaign.Candidate{MemberID: r.ID, Profile: *p, Declined: r.Declined, Live: live})
	}
	return out, nil
}

// candidatesSQL reads a company's active members with their profiles and
// what they hold (alias m), for the campaign of campaignParam.
func candidatesSQL(campaignParam string) string {
	return `SELECT m.id, m.department, m.site, p.member_id IS NOT NULL AS saved, p.hours_per_week::float8 AS hours_per_week,
				p.formats, p.home_lat, p.home_lon, p.radius_km, p.causes,
				ARRAY(SELECT ps.skill FROM profile_skills ps WHERE ` + ownRows("ps") + ` AND ps.member_id = m.id ORDER BY ps.skill) AS skills,
				ARRAY(SELECT ps.level FROM profile_skills ps WHERE ` + ownRows("ps") + ` AND ps.member_id = m.id ORDER BY ps.skill) AS levels,
				ARRAY(SELECT pr.mission_id FROM proposals pr WHERE ` + ownRows("pr") + ` AND pr.member_id = m.id AND pr.campaign_id = ` + campaignParam + `
					AND pr.status = 'declined') AS declined,
				ARRAY(SELECT pa.mission_id FROM participations pa WHERE ` + ownRows("pa") + ` AND pa.member_id = m.id
					AND pa.status IN ` + liveStatuses + ` ORDER BY pa.id) AS held,
				ARRAY(SELECT pa.campaign_id FROM participations pa WHERE ` + ownRows("pa") + ` AND pa.member_id = m.id
					AND pa.status IN ` + liveStatuses + ` ORDER BY pa.id) AS held_in
			FROM members m LEFT JOIN profiles p ON ` + ownRows("p") + ` AND p.member_id = m.id
			WHERE ` + ownRows("m") + ` AND m.status = 'active'`
}

const runCols = `id, campaign_id, status, stage, done, total, employees, missions, pairs, total_score, proposals, error, started_at, finished_at`

type runRow struct {
	ID         uuid.UUID  `bun:"id"`
	CampaignID uuid.UUID  `bun:"campaign_id"`
	Status     string     `bun:"status"`
	Stage      string     `bun:"stage"`
	Done       int        `bun:"done"`
	Total      int        `bun:"total"`
	Employees  int        `bun:"employees"`
	Missions   int        `bun:"missions"`
	Pairs      int        `bun:"pairs"`
	TotalScore int64      `bun:"total_score"`
	Proposals  int        `bun:"proposals"`
	Error      string     `bun:"error"`
	StartedAt  time.Time  `bun:"started_at"`
	FinishedAt *time.Time `bun:"finished_at"`
}

func (r runRow) run() *campaign.Run {
	return &campaign.Run{ID: r.ID, CampaignID: r.CampaignID, Status: r.Status, Stage: r.Stage, Done: r.Done, Total: r.Total,
		Employees: r.Employees, Missions: r.Missions, Pairs: r.Pairs, TotalScore: r.TotalScore, Proposals: r.Proposals,
		Error: r.Error, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt}
}

// StartRun records a running allocation; a second one for the same
// campaign is refused while the first runs (a unique partial index).
func (s *MatchStore) StartRun(ctx context.Context, campaignID, by uuid.UUID) (*campaign.Run, error) {
	var row runRow
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO allocation_runs (tenant_id, id, campaign_id, started_by) VALUES (app.current_tenant_id(), ?, ?, ?)
			RETURNING `+runCols, uuid.Must(uuid.NewV7()), campaignID, by).Scan(ctx, &row)
	})
	if errs.Is(err, errs.Conflict) {
		return nil, errs.E(errs.Conflict, "an allocation of this campaign is already running")
	}
	if err != nil {
		return nil, err
	}
	return row.run(), nil
}

// ReportProgress records how far a run is.
func (s *MatchStore) ReportProgress(ctx context.Context, runID uuid.UUID, p matching.Progress) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE allocation_runs SET stage = ?, done = ?, total = ? WHERE id = ?", p.Stage, p.Done, p.Total, runID)
		return err
	})
}

// FinishRun supersedes the campaign's open proposals and stores the run's.
func (s *MatchStore) FinishRun(ctx context.Context, run *campaign.Run, props []campaign.Proposal) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = 'superseded' WHERE campaign_id = ? AND status = 'proposed'`,
			run.CampaignID); err != nil {
			return err
		}
		for _, p := range props {
			expl, err := json.Marshal(p.Explanation)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO proposals (tenant_id, id, run_id, campaign_id, member_id, mission_id, score, explanation)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?::jsonb)`, p.ID, p.RunID, p.CampaignID, p.MemberID, p.MissionID,
				p.Score, string(expl)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE allocation_runs SET status = 'done', stage = 'done', finished_at = now(), employees = ?,
			missions = ?, pairs = ?, total_score = ?, proposals = ? WHERE id = ?`,
			run.Employees, run.Missions, run.Pairs, run.TotalScore, run.Proposals, run.ID)
		return err
	})
}

// FailRun records why a run stopped.
func (s *MatchStore) FailRun(ctx context.Context, runID uuid.UUID, msg string) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE allocation_runs SET status = 'failed', error = ?, finished_at = now() WHERE id = ?", msg, runID)
		return err
	})
}

// LatestRun returns the campaign's last run with its proposals by status.
func (s *MatchStore) LatestRun(ctx context.Context, campaignID uuid.UUID) (*campaign.Run, error) {
	var run *campaign.Run
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row runRow
		if err := tx.NewRaw(`SELECT `+runCols+` FROM allocation_runs WHERE campaign_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`,
			campaignID).Scan(ctx, &row); err != nil {
			return notFound(err, "this campaign was never allocated")
		}
		run = row.run()
		var counts []struct {
			Status string `bun:"status"`
			N      int    `bun:"n"`
		}
		if err := tx.NewRaw("SELECT status, count(*) AS n FROM proposals WHERE run_id = ? GROUP BY status", run.ID).Scan(ctx, &counts); err != nil {
			return err
		}
		run.ByStatus = map[string]int{}
		for _, c := range counts {
			run.ByStatus[c.Status] = c.N
		}
		return nil
	})
	return run, err
}

type proposalRow struct {
	ID          uuid.UUID `bun:"id"`
	RunID       uuid.UUID `bun:"run_id"`
	CampaignID  uuid.UUID `bun:"campaign_id"`
	MemberID    uuid.UUID `bun:"member_id"`
	MissionID   uuid.UUID `bun:"mission_id"`
	Mission     string    `bun:"mission"`
	Association string    `bun:"association"`
	Score       int       `bun:"score"`
	Explanation []byte    `bun:"explanation"`
	Status      string    `bun:"status"`
	CreatedAt   time.Time `bun:"created_at"`
}

func (r proposalRow) proposal() campaign.Proposal {
	p := campaign.Proposal{ID: r.ID, RunID: r.RunID, CampaignID: r.CampaignID, MemberID: r.MemberID, MissionID: r.MissionID,
		Mission: r.Mission, Association: r.Association, Score: r.Score, Status: r.Status, CreatedAt: r.CreatedAt}
	_ = json.Unmarshal(r.Explanation, &p.Explanation)
	return p
}

const proposalSelect = `SELECT pr.id, pr.run_id, pr.campaign_id, pr.member_id, pr.mission_id, m.title AS mission,
	coalesce(a.name, m.organizer) AS association, pr.score, pr.explanation::text AS explanation, pr.status, pr.created_at
	FROM proposals pr JOIN missions m ON m.id = pr.mission_id LEFT JOIN associations a ON a.id = m.association_id`

// MemberProposals lists an employee's proposals, open ones first.
func (s *MatchStore) MemberProposals(ctx context.Context, memberID uuid.UUID) ([]campaign.Proposal, error) {
	var rows []proposalRow
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(proposalSelect+` WHERE pr.member_id = ? AND pr.status <> 'superseded'
			ORDER BY pr.status <> 'proposed', pr.score DESC, pr.created_at DESC`, memberID).Scan(ctx, &rows)
	})
	out := make([]campaign.Proposal, len(rows))
	for i, r := range rows {
		out[i] = r.proposal()
	}
	return out, err
}

// RunProposals lists a run's proposals, best score first.
func (s *MatchStore) RunProposals(ctx context.Context, runID uuid.UUID, limit int) ([]campaign.Proposal, error) {
	var rows []proposalRow
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(proposalSelect+` WHERE pr.run_id = ? ORDER BY pr.score DESC, pr.id LIMIT ?`, runID, limit).Scan(ctx, &rows)
	})
	out := make([]campaign.Proposal, len(rows))
	for i, r := range rows {
		out[i] = r.proposal()
	}
	return out, err
}

// DecideProposal moves an open proposal of the member.
func (s *MatchStore) DecideProposal(ctx context.Context, memberID, id uuid.UUID, status string) (*campaign.Proposal, error) {
	var out *campaign.Proposal
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var cur string
		if err := tx.NewRaw("SELECT status FROM proposals WHERE id = ? AND member_id = ? FOR UPDATE", id, memberID).Scan(ctx, &cur); err != nil {
			return notFound(err, "no such proposal")
		}
		if cur != "proposed" {
			return errs.E(errs.Conflict, "this proposal was already %s", strings.ReplaceAll(cur, "_", " "))
		}
		if _, err := tx.ExecContext(ctx, "UPDATE proposals SET status = ?, decided_at = now() WHERE id = ?", status, id); err != nil {
			return err
		}
		var row proposalRow
		if err := tx.NewRaw(proposalSelect+" WHERE pr.id = ?", id).Scan(ctx, &row); err != nil {
			return err
		}
		p := row.proposal()
		out = &p
		return nil
	})
	return out, err
}
