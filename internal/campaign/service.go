package campaign

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/geo"
)

// Mailer sends the mails of campaigns. Package mail implements it
// (mail.CampaignMails): mail already depends on this package for the
// volunteers' notices, so this one cannot depend on mail.
type Mailer interface {
	// CampaignLaunch invites one member of the audience to the campaign.
	CampaignLaunch(ctx context.Context, to Invitee, m LaunchMail) error
}

// LaunchMail is what the invitation to a launched campaign says.
type LaunchMail struct {
	Company  string
	Locale   string // the company's
	Campaign *Campaign
	Link     string // the campaign's page on the company's host
}

// Stores are the storage the campaign flows need.
type Stores struct {
	Campaigns CampaignStore
	Profiles  ProfileStore
	Hours     HourStore
	Figures   FigureStore
}

// Service runs campaigns, templates, profiles, hours and figures.
type Service struct {
	st     Stores
	mailer Mailer
	// Now is the clock; tests may set it.
	Now func() time.Time
	// Unit runs a launch and its invitations as one unit of work.
	Unit Unit
	// Launched, when set, is told of a campaign's first launch within its
	// unit of work (the company's chat channel is told, queued with it).
	Launched func(ctx context.Context, c *Campaign, link string) error
}

// NewService wires the flows to their stores and the mail seam.
func NewService(st Stores, mailer Mailer) *Service {
	return &Service{st: st, mailer: mailer, Now: time.Now, Unit: NoUnit}
}

// CampaignMissions lists the missions of a campaign visible to its
// audience (the allocation's candidates).
func (s *Service) CampaignMissions(ctx context.Context, c *Campaign, limit int) ([]catalog.Mission, error) {
	return s.st.Campaigns.CampaignMissions(ctx, c, limit)
}

// ExportCSV writes a campaign's participations as CSV (ExportFilter).
func (s *Service) ExportCSV(ctx context.Context, campaignID uuid.UUID, f ExportFilter, w io.Writer) error {
	return WriteCSV(ctx, s.st.Figures, campaignID, f, w)
}

// --- templates (platform staff) ---

// Templates lists the templates, the built-in one first.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	return s.st.Campaigns.Templates(ctx)
}

// Template returns one template.
func (s *Service) Template(ctx context.Context, code string) (*Template, error) {
	return s.st.Campaigns.Template(ctx, code)
}

// CreateTemplate adds a template (errs.Conflict for a code taken).
func (s *Service) CreateTemplate(ctx context.Context, t *Template) error {
	if err := t.Normalize(); err != nil {
		return err
	}
	return s.st.Campaigns.CreateTemplate(ctx, t)
}

// UpdateTemplate applies a JSON document onto a template: the fields
// present replace the template's; the code stays.
func (s *Service) UpdateTemplate(ctx context.Context, code string, body []byte) (*Template, error) {
	return s.st.Campaigns.UpdateTemplate(ctx, code, func(t *Template) error {
		if err := DecodeStrict(body, t, "template"); err != nil {
			return err
		}
		t.Code = code
		return t.Normalize()
	})
}

// DeleteTemplate removes a template no campaign was made from. The
// built-in drive stays: every company may start from it.
func (s *Service) DeleteTemplate(ctx context.Context, code string) error {
	if code == BuiltInTemplate {
		return errs.E(errs.Conflict, "the built-in template %q cannot be deleted; edit it instead", code)
	}
	return s.st.Campaigns.DeleteTemplate(ctx, code)
}

// --- campaigns (HR admins; employees read) ---

// Create makes a draft campaign of the company in the context, from a
// template (pre-filled in the company's locale, then the fields given) or
// from scratch.
func (s *Service) Create(ctx context.Context, by uuid.UUID, locale string, in CampaignInput) (*Campaign, error) {
	c := Campaign{MaxActivePerEmployee: DefaultMaxActivePerEmployee, ResponseDays: DefaultResponseDays}
	var tpl *Template
	if in.Template != nil && *in.Template != "" {
		t, err := s.st.Campaigns.Template(ctx, *in.Template)
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Field("template", "there is no template %q", *in.Template)
		}
		if err != nil {
			return nil, err
		}
		tpl = t
		c = FromTemplate(t, locale, s.Now(), 0)
	}
	in.apply(&c)
	if tpl != nil && in.GoalParticipants == nil {
		// Goals follow the audience the campaign ends up with.
		n, err := s.st.Campaigns.AudienceSize(ctx, c.Audience, cleanList(c.AudienceValues))
		if err != nil {
			return nil, err
		}
		goalP, goalH := templateGoals(tpl, n)
		c.GoalParticipants = goalP
		if in.GoalHours == nil {
			c.GoalHours = goalH
		}
	}
	c.ID, c.Status, c.CreatedAt = uuid.Must(uuid.NewV7()), Draft, s.Now()
	if by != uuid.Nil {
		c.CreatedBy = &by
	}
	if err := s.check(ctx, &c); err != nil {
		return nil, err
	}
	if err := s.st.Campaigns.CreateCampaign(ctx, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// check normalizes a campaign and checks that its listed missions exist
// and are visible to the company.
func (s *Service) check(ctx context.Context, c *Campaign) error {
	if err := c.Normalize(); err != nil {
		return err
	}
	if len(c.MissionIDs) == 0 {
		return nil
	}
	ok, err := s.st.Campaigns.VisibleMissions(ctx, c.MissionIDs)
	if err != nil {
		return err
	}
	for _, id := range c.MissionIDs {
		if !slices.Contains(ok, id) {
			return errs.Field("mission_ids", "there is no mission %s open to the company", id)
		}
	}
	return nil
}

// List returns the campaigns the viewer may see: all of the company's for
// HR admins (in one status if given), the active ones meant for them for
// employees.
func (s *Service) List(ctx context.Context, v Viewer, status string) ([]Campaign, error) {
	f := CampaignFilter{Status: status}
	if status != "" && !slices.Contains([]string{Draft, Scheduled, Active, Closed, Archived}, status) {
		return nil, errs.Field("status", "status %q is not one of draft, scheduled, active, closed, archived", status)
	}
	if !v.HRAdmin {
		f = CampaignFilter{ForMember: &v.MemberID}
	}
	return s.st.Campaigns.Campaigns(ctx, f)
}

// Get returns a campaign the viewer may see; any other answers
// errs.NotFound, as a missing one (another company's included).
func (s *Service) Get(ctx context.Context, v Viewer, id uuid.UUID) (*Campaign, error) {
	f := CampaignFilter{ID: &id}
	if !v.HRAdmin {
		f.ForMember = &v.MemberID
	}
	list, err := s.st.Campaigns.Campaigns(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.E(errs.NotFound, "no such campaign")
	}
	return &list[0], nil
}

// Update changes a campaign's settings; its status moves only through the
// transitions. An archived campaign is read-only.
func (s *Service) Update(ctx context.Context, id uuid.UUID, in CampaignInput) (*Campaign, error) {
	if in.Template != nil {
		return nil, errs.Field("template", "a campaign's template is chosen at creation")
	}
	if in.MissionIDs != nil && len(*in.MissionIDs) > 0 {
		ok, err := s.st.Campaigns.VisibleMissions(ctx, uniqueIDs(*in.MissionIDs))
		if err != nil {
			return nil, err
		}
		for _, mid := range *in.MissionIDs {
			if !slices.Contains(ok, mid) {
				return nil, errs.Field("mission_ids", "there is no mission %s open to the company", mid)
			}
		}
	}
	return s.st.Campaigns.UpdateCampaign(ctx, id, func(c *Campaign) error {
		if c.Status == Archived {
			return errs.E(errs.Conflict, "an archived campaign cannot change")
		}
		in.apply(c)
		return c.Normalize()
	})
}

// Move changes a campaign's status: schedule, close, archive, or reopen
// (a closed campaign back to active, without mailing anyone again).
// Invalid transitions are errs.Conflict.
func (s *Service) Move(ctx context.Context, id uuid.UUID, to string) (*Campaign, error) {
	if to == Scheduled {
		if err := s.needMissions(ctx, id); err != nil {
			return nil, err
		}
	}
	return s.st.Campaigns.UpdateCampaign(ctx, id, func(c *Campaign) error {
		if to == Active && c.Status != Closed {
			return errs.E(errs.Conflict, "only a closed campaign can be reopened; this one is %s (launch it instead)", c.Status)
		}
		return c.Transition(to, s.Now())
	})
}

// needMissions refuses to publish a campaign that offers no mission.
func (s *Service) needMissions(ctx context.Context, id uuid.UUID) error {
	c, err := s.Get(ctx, Viewer{HRAdmin: true}, id)
	if err != nil {
		return err
	}
	if c.Status == Active {
		return nil
	}
	ms, err := s.st.Campaigns.CampaignMissions(ctx, c, 1)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return errs.E(errs.Conflict, "the campaign offers no mission yet: widen its missions before publishing it")
	}
	return nil
}

// LaunchResult is what a launch did.
type LaunchResult struct {
	Campaign *Campaign `json:"campaign"`
	Invited  int       `json:"invited"` // mailed by this launch
	Failed   int       `json:"failed"`  // mails that failed; the next launch retries them
}

// Launch opens a draft or scheduled campaign for sign-ups and invites
// every active member of its audience, once: the activation, the
// invitations' mails (queued, see Mailer) and their record are one unit of
// work, so that a launch either mails everyone it records or nobody.
// Launching an active campaign again mails only the members who joined the
// audience since (and those whose mail could not be queued): nobody gets
// it twice. baseURL is the company's address, for the link to the campaign.
func (s *Service) Launch(ctx context.Context, id uuid.UUID, baseURL string) (*LaunchResult, error) {
	if err := s.needMissions(ctx, id); err != nil {
		return nil, err
	}
	var res *LaunchResult
	// A client that goes away does not stop the launch halfway.
	err := s.Unit(context.WithoutCancel(ctx), func(ctx context.Context) error {
		first := false
		l, err := s.st.Campaigns.Launch(ctx, id, func(c *Campaign) error {
			if c.Status == Active {
				return nil
			}
			if c.Status == Closed {
				return errs.E(errs.Conflict, "a closed campaign is reopened, not launched")
			}
			first = true
			return c.Transition(Active, s.Now())
		})
		if err != nil {
			return err
		}
		m := LaunchMail{Company: l.Company, Locale: l.Locale, Campaign: l.Campaign,
			Link: strings.TrimSuffix(baseURL, "/") + "/campaigns/" + l.Campaign.ID.String()}
		if first && s.Launched != nil {
			if err := s.Launched(ctx, l.Campaign, m.Link); err != nil {
				return err
			}
		}
		mailed, err := s.invite(ctx, l.Invitees, m)
		if err != nil {
			return err
		}
		res = &LaunchResult{Campaign: l.Campaign, Invited: len(mailed), Failed: len(l.Invitees) - len(mailed)}
		if len(mailed) > 0 {
			return s.st.Campaigns.Mailed(ctx, l.Campaign.ID, mailed)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// StartDue launches the company's scheduled campaigns whose first day has
// come, as their HR admin would, and, for the running ones, mails whoever
// they have not reached yet: a mail that failed, a colleague who joined
// since. baseURL is the company's address, for the mail's link. A campaign
// that cannot start (no mission left) stays scheduled, and is logged.
func (s *Service) StartDue(ctx context.Context, baseURL string) []LaunchResult {
	var out []LaunchResult
	today := s.Now()
	for _, status := range []string{Scheduled, Active} {
		list, err := s.List(ctx, Viewer{HRAdmin: true}, status)
		if err != nil {
			slog.WarnContext(ctx, "campaigns to start or mail not read", "err", err)
			return out
		}
		for _, c := range list {
			if c.StartsOn.After(today) {
				continue
			}
			res, err := s.Launch(ctx, c.ID, baseURL)
			if err != nil {
				slog.WarnContext(ctx, "campaign not started or mailed", "campaign", c.ID, "err", err)
				continue
			}
			if status == Scheduled || res.Invited+res.Failed > 0 {
				out = append(out, *res)
			}
		}
	}
	return out
}

// invite queues the invitees' mails and returns who got one. An address
// the mail seam refuses is skipped and logged (a later launch tries it
// again); any other failure fails the launch.
func (s *Service) invite(ctx context.Context, to []Invitee, m LaunchMail) ([]uuid.UUID, error) {
	var mailed []uuid.UUID
	for _, inv := range to {
		err := s.mailer.CampaignLaunch(ctx, inv, m)
		if errs.Is(err, errs.Invalid) {
			slog.WarnContext(ctx, "campaign invitation not mailed; the next launch retries", "campaign", m.Campaign.ID,
				"member", inv.MemberID, "err", err)
			continue
		}
		if err != nil {
			return nil, err
		}
		mailed = append(mailed, inv.MemberID)
	}
	return mailed, nil
}

// CampaignMissions is a campaign's list of missions, with the sanitary
// rules when vital missions are pinned.
type CampaignMissions struct {
	Missions      []catalog.Mission `json:"missions"`
	SanitaryRules []SanitaryRule    `json:"sanitary_rules,omitempty"`
}

// Missions lists the missions of a campaign the viewer may see.
func (s *Service) Missions(ctx context.Context, v Viewer, id uuid.UUID) (*CampaignMissions, error) {
	c, err := s.Get(ctx, v, id)
	if err != nil {
		return nil, err
	}
	ms, err := s.st.Campaigns.CampaignMissions(ctx, c, 200)
	if err != nil {
		return nil, err
	}
	out := &CampaignMissions{Missions: ms}
	if out.Missions == nil {
		out.Missions = []catalog.Mission{}
	}
	if c.Crisis {
		if out.SanitaryRules, err = s.st.Campaigns.SanitaryRules(ctx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Redirect records that an employee followed a mission's link to its
// external sign-up (a vital mission on the national platform) and returns
// the link. campaignID, when given, must be a campaign the viewer sees.
func (s *Service) Redirect(ctx context.Context, v Viewer, missionID uuid.UUID, campaignID *uuid.UUID, sanitaryAck bool) (string, error) {
	if campaignID != nil {
		if _, err := s.Get(ctx, v, *campaignID); err != nil {
			return "", err
		}
	}
	var member *uuid.UUID
	if v.MemberID != uuid.Nil {
		member = &v.MemberID
	}
	return s.st.Campaigns.Redirect(ctx, missionID, campaignID, member, func(requiresAck bool) error {
		return SanitaryAck(requiresAck, sanitaryAck)
	})
}

// --- profiles (each employee, their own) ---

// Profile returns the member's profile, the defaults if never saved.
func (s *Service) Profile(ctx context.Context, member uuid.UUID) (*Profile, error) {
	p, err := s.st.Profiles.Profile(ctx, member)
	if err != nil || p != nil {
		return p, err
	}
	return DefaultProfile(member), nil
}

// SaveProfile applies a JSON document onto the member's profile (the
// fields present replace the saved ones) and saves it whole. The member is
// the caller, whatever the document says.
func (s *Service) SaveProfile(ctx context.Context, member uuid.UUID, body []byte) (*Profile, error) {
	p, err := s.Profile(ctx, member)
	if err != nil {
		return nil, err
	}
	city, placed := p.HomeCity, p.HomeLat != nil && p.HomeLon != nil
	var lat, lon float64
	if placed {
		lat, lon = *p.HomeLat, *p.HomeLon
	}
	if err := DecodeStrict(body, p, "profile"); err != nil {
		return nil, err
	}
	p.MemberID = member
	// A city without coordinates of its own is placed from the gazetteer, or
	// left unplaced: coordinates of a former home would measure wrong.
	given := p.HomeLat != nil && p.HomeLon != nil && (!placed || *p.HomeLat != lat || *p.HomeLon != lon)
	if !given && (strings.TrimSpace(p.HomeCity) != city || p.HomeLat == nil) {
		p.HomeLat, p.HomeLon = nil, nil
		if c, ok := geo.Lookup(p.HomeCity); ok {
			p.HomeLat, p.HomeLon = &c.Lat, &c.Lon
		}
	}
	if p.Skills == nil {
		p.Skills = []ProfileSkill{}
	}
	if err := p.Normalize(); err != nil {
		return nil, err
	}
	if err := s.st.Profiles.SaveProfile(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// --- hours ---

// LogHours records hours an employee gave on their own participation
// (errs.NotFound for anyone else's); approved at once under the
// campaign's threshold.
func (s *Service) LogHours(ctx context.Context, member, participationID uuid.UUID, in HourInput) (*HourLog, error) {
	now := s.Now()
	return s.st.Hours.LogHours(ctx, member, participationID, &in, func(snap *HourSnapshot) (string, error) {
		snap.Now = now
		return DecideHours(snap, &in)
	})
}

// MyHours lists the member's entries and balances.
func (s *Service) MyHours(ctx context.Context, member uuid.UUID) ([]HourLog, []HoursBalance, error) {
	return s.st.Hours.MemberHours(ctx, member)
}

// Hours lists the company's entries for HR admins.
func (s *Service) Hours(ctx context.Context, f HourFilter) ([]HourLog, error) {
	if f.Status != "" && f.Status != HoursPending && f.Status != HoursApproved && f.Status != HoursRejected {
		return nil, errs.Field("status", "status %q is not one of pending, approved, rejected", f.Status)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 500
	}
	return s.st.Hours.Hours(ctx, f)
}

// ApproveHours approves entries in bulk, one outcome per id.
func (s *Service) ApproveHours(ctx context.Context, ids []uuid.UUID, by string) ([]HourOutcome, error) {
	switch {
	case len(ids) == 0:
		return nil, errs.Field("ids", "give the ids of the hours to approve")
	case len(ids) > 1000:
		return nil, errs.Field("ids", "approve 1 000 entries at most at once")
	}
	return s.st.Hours.ApproveHours(ctx, uniqueIDs(ids), by)
}

// uniqueIDs drops repeated ids, keeping the first of each in place.
func uniqueIDs(ids []uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// RejectHours rejects a pending entry.
func (s *Service) RejectHours(ctx context.Context, id uuid.UUID, by string) (*HourLog, error) {
	return s.st.Hours.RejectHours(ctx, id, by)
}

// --- figures ---

// Figures returns the figures of a campaign of the company.
func (s *Service) Figures(ctx context.Context, id uuid.UUID) (*Figures, error) {
	_, f, err := s.figures(ctx, id)
	return f, err
}

// figures reads a campaign and its figures, completed.
func (s *Service) figures(ctx context.Context, id uuid.UUID) (*Campaign, *Figures, error) {
	c, err := s.Get(ctx, Viewer{HRAdmin: true}, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.st.Figures.Figures(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	f.Complete(c)
	return c, f, nil
}
