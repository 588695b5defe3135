package campaign

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/matching"
)

// Candidate is an employee of a campaign's audience as matching sees them.
type Candidate struct {
	MemberID uuid.UUID
	Profile  Profile
	Declined []uuid.UUID // missions they declined when proposed
	// Live are their live participations (waiting, pending, validated) in
	// any campaign: Holds and TakenIn, the sign-up's own rules, tell which
	// missions the allocation must not propose and how many more it may.
	Live []LiveParticipation
}

// Run is one allocation of a campaign, as the HR admin follows it.
type Run struct {
	ID         uuid.UUID      `json:"id"`
	CampaignID uuid.UUID      `json:"campaign_id"`
	Status     string         `json:"status"` // running, done, failed
	Stage      string         `json:"stage"`
	Done       int            `json:"done"`
	Total      int            `json:"total"`
	Employees  int            `json:"employees"`
	Missions   int            `json:"missions"`
	Pairs      int            `json:"pairs"`
	TotalScore int64          `json:"total_score"`
	Proposals  int            `json:"proposals"`
	ByStatus   map[string]int `json:"proposals_by_status,omitempty"`
	Error      string         `json:"error,omitempty"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
}

// Proposal is a mission proposed to an employee by an allocation.
type Proposal struct {
	ID          uuid.UUID            `json:"id"`
	RunID       uuid.UUID            `json:"run_id"`
	CampaignID  uuid.UUID            `json:"campaign_id"`
	MemberID    uuid.UUID            `json:"member_id"`
	MissionID   uuid.UUID            `json:"mission_id"`
	Mission     string               `json:"mission"`
	Association string               `json:"association"`
	Score       int                  `json:"score"`
	Explanation matching.Explanation `json:"explanation"`
	Status      string               `json:"status"` // proposed, accepted, declined, superseded
	CreatedAt   time.Time            `json:"created_at"`
}

// Recommended is a mission ranked for an employee, with why.
type Recommended struct {
	Mission     catalog.Mission      `json:"mission"`
	Score       int                  `json:"score"`
	Explanation matching.Explanation `json:"explanation"`
}

// MatchStore keeps allocation runs and proposals and reads matching's
// inputs. Failure codes: errs.Conflict when a run of the campaign is
// already going; errs.NotFound for another employee's proposal.
type MatchStore interface {
	Candidates(ctx context.Context, c *Campaign, memberID *uuid.UUID) ([]Candidate, error)
	StartRun(ctx context.Context, campaignID, by uuid.UUID) (*Run, error)
	ReportProgress(ctx context.Context, runID uuid.UUID, p matching.Progress) error
	// FinishRun supersedes the campaign's open proposals and stores the new ones.
	FinishRun(ctx context.Context, run *Run, proposals []Proposal) error
	FailRun(ctx context.Context, runID uuid.UUID, msg string) error
	LatestRun(ctx context.Context, campaignID uuid.UUID) (*Run, error)
	MemberProposals(ctx context.Context, memberID uuid.UUID) ([]Proposal, error)
	// RunProposals lists a run's proposals, best score first, at most limit.
	RunProposals(ctx context.Context, runID uuid.UUID, limit int) ([]Proposal, error)
	// DecideProposal moves a proposed proposal of the member to status and returns it.
	DecideProposal(ctx context.Context, memberID, id uuid.UUID, status string) (*Proposal, error)
}

// Matchmaker ranks missions for employees and allocates whole campaigns.
type Matchmaker struct {
	store          MatchStore
	campaign       func(ctx context.Context, v Viewer, id uuid.UUID) (*Campaign, error)
	missions       func(ctx context.Context, c *Campaign, limit int) ([]catalog.Mission, error)
	participations *Participations
	// Ran is told how each allocation ended (nil or its error) and how
	// long it took, for the operators' figures.
	Ran func(err error, d time.Duration)
	// CatalogueVersion, when set, says which version of the missions and
	// campaigns the server knows (raised on every change, on every
	// server), and whether it knows it: Recommend then ranks against an
	// index built once per campaign and version (matchcache.go).
	CatalogueVersion func() (version uint64, known bool)
	// Places, when set, reads the places left of the campaign's missions
	// (those missions gives): an index past placesTTL is then renewed by
	// moving its places instead of being built again.
	Places func(ctx context.Context, c *Campaign, limit int) (map[uuid.UUID]int, error)
	// MissionPlaces, when set, reads the places left of these missions:
	// an index's renewal reads those of the missions PlacesMoved named.
	MissionPlaces func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int, error)
	// Unit and Audit record who started an allocation in the company's
	// audit log, with the run's start.
	Unit    Unit
	Audit   Auditor
	indexes indexCache
}

// NewMatchmaker wires matching to the campaign's reads and to sign-ups.
func NewMatchmaker(store MatchStore, campaign func(context.Context, Viewer, uuid.UUID) (*Campaign, error),
	missions func(context.Context, *Campaign, int) ([]catalog.Mission, error), participations *Participations) *Matchmaker {
	return &Matchmaker{store: store, campaign: campaign, missions: missions, participations: participations,
		Ran: func(error, time.Duration) {}, Unit: NoUnit, Audit: noAudit}
}

// maxMissions bounds what one campaign offers to matching.
const maxMissions = 20000

// MatchingCampaign is the engine's view of a campaign.
func MatchingCampaign(c *Campaign) matching.Campaign {
	return matching.Campaign{MaxPerEmployee: c.MaxActivePerEmployee, Crisis: c.Crisis, SpreadVolunteers: true, MinScore: 1}
}

// MatchingMission converts a mission; false for one whose sign-up happens
// elsewhere (a vital mission's redirect), which matching never proposes.
func MatchingMission(m *catalog.Mission) (matching.Mission, bool) {
	if m.ExternalURL != "" || m.Places == 0 {
		return matching.Mission{}, false
	}
	mm := matching.Mission{ID: m.ID.String(), Cause: m.Cause, PlacesLeft: m.PlacesLeft, Places: m.Places,
		Vital: m.VitalCategory != "", Format: matching.Remote}
	if m.AssociationID != nil {
		mm.Association = m.AssociationID.String()
	}
	if m.Format != catalog.Remote && m.Lat != nil && m.Lon != nil {
		mm.Format, mm.Place = matching.OnSite, matching.GeoPoint{Lat: *m.Lat, Lon: *m.Lon}
	}
	switch {
	case m.CommitmentKind == "per_week":
		mm.HoursPerWeek = m.CommitmentHours
	case m.DurationWeeks != nil && *m.DurationWeeks > 0:
		mm.HoursPerWeek = m.CommitmentHours / float64(*m.DurationWeeks)
	}
	if m.StartsOn != nil {
		mm.Start = *m.StartsOn
	}
	if m.EndsOn != nil {
		mm.End = *m.EndsOn
	}
	for _, s := range m.Skills {
		mm.Skills = append(mm.Skills, matching.SkillNeed{Code: s.Skill, Level: matching.Level(s.Level), Required: s.Required})
	}
	return mm, true
}

// MatchingEmployee converts a candidate.
func MatchingEmployee(c *Candidate, campaignID uuid.UUID) matching.Employee {
	p := &c.Profile
	e := matching.Employee{ID: c.MemberID.String(), Causes: p.Causes, HoursPerWeek: p.HoursPerWeek,
		RadiusKm: float64(p.RadiusKM), Taken: TakenIn(c.Live, campaignID), Format: matching.AnyFormat}
	remote, onSite := false, false
	for _, f := range p.Formats {
		if f == catalog.Remote {
			remote = true
		} else {
			onSite = true
		}
	}
	switch {
	case remote && !onSite:
		e.Format = matching.RemoteOnly
	case onSite && !remote:
		e.Format = matching.OnSiteOnly
	}
	if p.HomeLat != nil && p.HomeLon != nil {
		e.Home = matching.GeoPoint{Lat: *p.HomeLat, Lon: *p.HomeLon}
	} else if e.Format != matching.RemoteOnly {
		// No home: on-site distances cannot be measured, so remote only.
		e.Format = matching.RemoteOnly
	}
	for _, s := range p.Skills {
		e.Skills = append(e.Skills, matching.SkillLevel{Code: s.Skill, Level: matching.Level(s.Level)})
	}
	// Neither a mission declined nor one already held is proposed: the
	// engine leaves out the pairs it is told are declined.
	for _, d := range c.Declined {
		e.Declined = append(e.Declined, d.String())
	}
	for _, l := range c.Live { // the missions it Holds
		e.Declined = append(e.Declined, l.MissionID.String())
	}
	return e
}

// inputs loads a campaign's missions for matching, keeping the catalogue
// records to show with the results.
func (mm *Matchmaker) inputs(ctx context.Context, c *Campaign) ([]matching.Mission, map[string]*catalog.Mission, error) {
	ms, err := mm.missions(ctx, c, maxMissions)
	if err != nil {
		return nil, nil, err
	}
	out := make([]matching.Mission, 0, len(ms))
	byID := make(map[string]*catalog.Mission, len(ms))
	for i := range ms {
		if m, ok := MatchingMission(&ms[i]); ok && (ms[i].Status == catalog.MissionOpen) {
			out = append(out, m)
			byID[m.ID] = &ms[i]
		}
	}
	return out, byID, nil
}

// Recommend ranks the campaign's missions for the employee, best first,
// each with the reasons of its score. The campaign and its index come from
// memory: a request reads the employee, nothing else.
func (mm *Matchmaker) Recommend(ctx context.Context, memberID, campaignID uuid.UUID, k int) ([]Recommended, error) {
	if k < 1 || k > 50 {
		return nil, errs.Field("k", "k must be between 1 and 50")
	}
	e, err := mm.index(ctx, campaignID, func(ctx context.Context) (*Campaign, error) {
		return mm.campaign(ctx, Viewer{MemberID: memberID}, campaignID)
	})
	if err != nil {
		return nil, err
	}
	c := e.campaign
	// The index may have been read for another employee: the campaign's
	// status and audience are checked for this one here.
	if c.Status != Active {
		return nil, errs.E(errs.NotFound, "no such campaign")
	}
	cands, err := mm.store.Candidates(ctx, c, &memberID) // keeps the campaign's audience only
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, errs.E(errs.NotFound, "no such campaign")
	}
	emp := MatchingEmployee(&cands[0], c.ID)
	recs := e.ix.RecommendExplained(&emp, k)
	out := make([]Recommended, len(recs))
	for i, r := range recs {
		out[i] = Recommended{Mission: *e.byID[r.MissionID], Score: r.Score, Explanation: r.Explanation}
	}
	return out, nil
}

// StartAllocation starts a campaign's allocation in the background and
// returns its run at once; LatestRun follows its progress. The run keeps
// going if the request that started it ends.
func (mm *Matchmaker) StartAllocation(ctx context.Context, campaignID, by uuid.UUID) (*Run, error) {
	c, err := mm.campaign(ctx, Viewer{HRAdmin: true}, campaignID)
	if err != nil {
		return nil, err
	}
	if c.Status != Active && c.Status != Scheduled && c.Status != Draft {
		return nil, errs.E(errs.Conflict, "a %s campaign takes no more proposals", c.Status)
	}
	var run *Run
	err = mm.Unit(ctx, func(ctx context.Context) error {
		if run, err = mm.store.StartRun(ctx, campaignID, by); err != nil {
			return err
		}
		return mm.Audit(ctx, campaignEvent(ctx, ActionAllocationRun, c, nil))
	})
	if err != nil {
		return nil, err
	}
	// The allocation fills in a run of its own: the caller answers with
	// this one while it runs (a shared one raced the response's encoding).
	bg := *run
	go mm.allocate(context.WithoutCancel(ctx), c, &bg)
	return run, nil
}

func (mm *Matchmaker) allocate(ctx context.Context, c *Campaign, run *Run) {
	start, failed := time.Now(), error(nil)
	defer func() { mm.Ran(failed, time.Since(start)) }()
	fail := func(err error) {
		failed = err
		slog.ErrorContext(ctx, "allocation failed", "campaign", c.ID, "run", run.ID, "err", err)
		if err := mm.store.FailRun(ctx, run.ID, errs.MessageOf(err)); err != nil {
			slog.ErrorContext(ctx, "allocation: cannot record the failure", "err", err)
		}
	}
	missions, byID, err := mm.inputs(ctx, c)
	if err != nil {
		fail(err)
		return
	}
	cands, err := mm.store.Candidates(ctx, c, nil)
	if err != nil {
		fail(err)
		return
	}
	employees := make([]matching.Employee, len(cands))
	for i := range cands {
		employees[i] = MatchingEmployee(&cands[i], c.ID)
	}
	mc := MatchingCampaign(c)
	last := time.Time{}
	alloc, err := matching.Allocate(ctx, mc, missions, employees, func(p matching.Progress) {
		// A row update per second at most: progress is for people to see.
		if time.Since(last) > time.Second || p.Done == p.Total {
			last = time.Now()
			if err := mm.store.ReportProgress(ctx, run.ID, p); err != nil {
				slog.WarnContext(ctx, "allocation progress not recorded", "err", err)
			}
		}
	})
	if err != nil {
		fail(err)
		return
	}
	empByID := make(map[string]*matching.Employee, len(employees))
	for i := range employees {
		empByID[employees[i].ID] = &employees[i]
	}
	props := make([]Proposal, 0, len(alloc.Proposals))
	for _, p := range alloc.Proposals {
		m := byID[p.MissionID]
		mm2, _ := MatchingMission(m)
		props = append(props, Proposal{ID: uuid.Must(uuid.NewV7()), RunID: run.ID, CampaignID: c.ID,
			MemberID: uuid.MustParse(p.EmployeeID), MissionID: m.ID, Score: p.Score,
			Explanation: matching.Evaluate(mc, empByID[p.EmployeeID], &mm2)})
	}
	run.Employees, run.Missions, run.Pairs, run.TotalScore, run.Proposals = len(employees), len(missions), alloc.Pairs, alloc.TotalScore, len(props)
	if err := mm.store.FinishRun(ctx, run, props); err != nil {
		fail(err)
	}
}

// LatestRun returns the campaign's last allocation.
func (mm *Matchmaker) LatestRun(ctx context.Context, campaignID uuid.UUID) (*Run, error) {
	return mm.store.LatestRun(ctx, campaignID)
}

// RunProposals lists what a run proposed, best score first, for the HR
// admins who ran it.
func (mm *Matchmaker) RunProposals(ctx context.Context, runID uuid.UUID, limit int) ([]Proposal, error) {
	return mm.store.RunProposals(ctx, runID, limit)
}

// Proposals lists the employee's proposals.
func (mm *Matchmaker) Proposals(ctx context.Context, memberID uuid.UUID) ([]Proposal, error) {
	return mm.store.MemberProposals(ctx, memberID)
}

// Accept signs the employee up for the proposed mission, through the same
// rules and locks as any sign-up (a place may have gone meanwhile: the
// error says so and the proposal stays open).
func (mm *Matchmaker) Accept(ctx context.Context, memberID, id uuid.UUID, sanitaryAck bool) (*Participation, error) {
	ps, err := mm.store.MemberProposals(ctx, memberID)
	if err != nil {
		return nil, err
	}
	var prop *Proposal
	for i := range ps {
		if ps[i].ID == id {
			prop = &ps[i]
		}
	}
	if prop == nil {
		return nil, errs.E(errs.NotFound, "no such proposal")
	}
	if prop.Status != "proposed" {
		return nil, errs.E(errs.Conflict, "this proposal was already %s", prop.Status)
	}
	p, err := mm.participations.Apply(ctx, memberID, ApplyInput{CampaignID: prop.CampaignID, MissionID: prop.MissionID, SanitaryAck: sanitaryAck})
	if err != nil {
		return nil, err
	}
	if _, err := mm.store.DecideProposal(ctx, memberID, id, "accepted"); err != nil {
		return nil, err
	}
	return p, nil
}

// Decline turns a proposal down: the mission is not proposed to the
// employee again, and its place is free for the next run.
func (mm *Matchmaker) Decline(ctx context.Context, memberID, id uuid.UUID) (*Proposal, error) {
	return mm.store.DecideProposal(ctx, memberID, id, "declined")
}
