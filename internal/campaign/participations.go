package campaign

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// ApplyInput is an employee's sign-up request.
type ApplyInput struct {
	CampaignID  uuid.UUID  `json:"-"`
	MissionID   uuid.UUID  `json:"mission_id"`
	SlotID      *uuid.UUID `json:"slot_id,omitempty"`
	Motivation  string     `json:"motivation"`
	SanitaryAck bool       `json:"sanitary_ack"`
	// WaitingList accepts a place on the waiting list when the mission is
	// full; without it a full mission answers errs.Conflict "full".
	WaitingList bool `json:"waiting_list"`
}

// Snapshot is what a sign-up is decided on, read under the locks of the
// employee and of the mission, so that the decision still holds at commit.
type Snapshot struct {
	Now      time.Time
	Campaign Campaign
	Member   struct {
		ID         uuid.UUID
		Status     string
		Department string
		Site       string
	}
	Mission struct {
		ID                  uuid.UUID
		Status              string // open, full, closed, flagged, draft
		Format              string
		PlacesLeft          int
		RequiresSanitaryAck bool
		ExternalURL         string
		InScope             bool // visible to the company and within the campaign's missions
		EndsOn              *time.Time
		Slots               []SlotTime
	}
	// Live are the employee's live participations in any campaign.
	Live []LiveParticipation
}

// SlotTime is a dated slot.
type SlotTime struct {
	ID       uuid.UUID
	StartsAt time.Time
	EndsAt   time.Time
}

// LiveParticipation is one of the employee's waiting, pending or
// validated participations.
type LiveParticipation struct {
	CampaignID uuid.UUID
	MissionID  uuid.UUID
	OnSite     bool
	Slot       *SlotTime
}

// Why a sign-up is refused. Each refusal of DecideApply wraps one of these
// (errors.Is) under its errs code: callers branch on them, never on the
// message, which is for people and is translated.
var (
	ErrCampaignNotOpen   = errors.New("campaign not open for sign-ups")
	ErrCampaignEnded     = errors.New("campaign ended")
	ErrMemberInactive    = errors.New("member not active")
	ErrNotInAudience     = errors.New("member outside the campaign's audience")
	ErrMissionOutOfScope = errors.New("mission outside the campaign")
	ErrSignUpElsewhere   = errors.New("sign-up on the national platform")
	ErrMissionClosed     = errors.New("mission takes no volunteers")
	ErrMissionEnded      = errors.New("mission ended")
	ErrSanitaryAck       = errors.New("sanitary rules not acknowledged")
	ErrMotivationTooLong = errors.New("motivation too long")
	ErrSlotMissing       = errors.New("no slot chosen")
	ErrSlotUnknown       = errors.New("slot not of the mission")
	ErrSlotStarted       = errors.New("slot started")
	ErrAlreadySignedUp   = errors.New("already signed up for the mission")
	ErrOnSiteOverlap     = errors.New("on site elsewhere at that time")
	ErrCampaignLimit     = errors.New("campaign's limit of missions reached")
	ErrMissionFull       = errors.New("mission full")
)

// refuse is a refusal of the sign-up rules: the sentinel to branch on, the
// code for the transports, the sentence for people.
func refuse(why error, code errs.Code, format string, args ...any) *errs.Error {
	return errs.Wrap(why, code, format, args...)
}

// refuseField is a refusal about one input of the form.
func refuseField(why error, field, format string, args ...any) *errs.Error {
	e := errs.Field(field, format, args...)
	e.Err = why
	return e
}

// DecideApply applies the sign-up rules to a snapshot and returns the
// status the participation starts in: pending (it holds a place) or
// waiting. Each refusal wraps its own sentinel (above); the codes are
// errs.Invalid (a missing acknowledgement, a bad slot, a long motivation),
// errs.Forbidden (an inactive account), errs.NotFound (a mission outside
// the campaign, a campaign not meant for the employee) and errs.Conflict
// (closed campaign or mission, full, limit reached, a second sign-up, two
// on-site slots at once).
func DecideApply(s *Snapshot, in ApplyInput) (string, error) {
	c, m := &s.Campaign, &s.Mission
	today := s.Now.Truncate(24 * time.Hour)
	switch {
	case c.Status != Active:
		return "", refuse(ErrCampaignNotOpen, errs.Conflict, "the campaign %q is not open for sign-ups (it is %s)", c.Name, c.Status)
	case today.After(c.EndsOn):
		return "", refuse(ErrCampaignEnded, errs.Conflict, "the campaign %q ended on %s", c.Name, c.EndsOn.Format("2006-01-02"))
	case s.Member.Status != "active":
		return "", refuse(ErrMemberInactive, errs.Forbidden, "your account is not active")
	case !inAudience(c, s.Member.Department, s.Member.Site):
		return "", refuse(ErrNotInAudience, errs.NotFound, "no such campaign")
	case !m.InScope:
		return "", refuse(ErrMissionOutOfScope, errs.NotFound, "no such mission in this campaign")
	case m.ExternalURL != "":
		return "", refuse(ErrSignUpElsewhere, errs.Conflict, "sign-up for this mission happens on the national platform: follow its link")
	case m.Status != "open" && m.Status != "full":
		return "", refuse(ErrMissionClosed, errs.Conflict, "this mission no longer takes volunteers")
	case m.EndsOn != nil && today.After(*m.EndsOn):
		return "", refuse(ErrMissionEnded, errs.Conflict, "this mission has ended")
	case SanitaryAck(m.RequiresSanitaryAck, in.SanitaryAck) != nil:
		return "", SanitaryAck(m.RequiresSanitaryAck, in.SanitaryAck)
	case utf8.RuneCountInString(in.Motivation) > 2000:
		return "", refuseField(ErrMotivationTooLong, "motivation", "the motivation is longer than 2 000 characters")
	}
	var slot *SlotTime
	if len(m.Slots) > 0 {
		if in.SlotID == nil {
			return "", refuseField(ErrSlotMissing, "slot_id", "choose one of the mission's time slots")
		}
		i := slices.IndexFunc(m.Slots, func(sl SlotTime) bool { return sl.ID == *in.SlotID })
		if i < 0 {
			return "", refuseField(ErrSlotUnknown, "slot_id", "this time slot is not one of the mission's")
		}
		if !m.Slots[i].StartsAt.After(s.Now) {
			return "", refuseField(ErrSlotStarted, "slot_id", "this time slot has already started")
		}
		slot = &m.Slots[i]
	}
	if Holds(s.Live, m.ID) {
		return "", refuse(ErrAlreadySignedUp, errs.Conflict, "you already signed up for this mission")
	}
	for _, p := range s.Live {
		if slot != nil && m.Format != "remote" && p.OnSite && p.Slot != nil &&
			p.Slot.StartsAt.Before(slot.EndsAt) && slot.StartsAt.Before(p.Slot.EndsAt) {
			return "", refuse(ErrOnSiteOverlap, errs.Conflict, "you are already signed up on site at that time")
		}
	}
	if Remaining(c, s.Live) == 0 {
		return "", refuse(ErrCampaignLimit, errs.Conflict, "you already take part in %d missions of this campaign, its limit", TakenIn(s.Live, c.ID))
	}
	if m.PlacesLeft > 0 && m.Status == "open" {
		return Pending, nil
	}
	if !in.WaitingList {
		return "", refuse(ErrMissionFull, errs.Conflict, "this mission is full: you can join its waiting list")
	}
	return Waiting, nil
}

// Holds reports whether the employee holds the mission in one of their
// live participations (waiting, pending, validated): sign-up refuses a
// second one (ErrAlreadySignedUp) and the allocation never proposes it.
func Holds(live []LiveParticipation, mission uuid.UUID) bool {
	return slices.ContainsFunc(live, func(p LiveParticipation) bool { return p.MissionID == mission })
}

// TakenIn counts the employee's live participations in the campaign: at
// its MaxActivePerEmployee, sign-up refuses another (ErrCampaignLimit) and
// the allocation proposes no more.
func TakenIn(live []LiveParticipation, campaign uuid.UUID) int {
	n := 0
	for _, p := range live {
		if p.CampaignID == campaign {
			n++
		}
	}
	return n
}

// Remaining is how many more missions of the campaign the employee may
// take on (0: DecideApply refuses with ErrCampaignLimit), so that a page
// can say so before the click.
func Remaining(c *Campaign, live []LiveParticipation) int {
	return max(c.MaxActivePerEmployee-TakenIn(live, c.ID), 0)
}

// LiveOf are the live ones (Live) of an employee's participations, as the
// sign-up rules count them.
func LiveOf(ps []Participation) []LiveParticipation {
	var out []LiveParticipation
	for _, p := range ps {
		if Live(p.Status) {
			out = append(out, LiveParticipation{CampaignID: p.CampaignID, MissionID: p.MissionID})
		}
	}
	return out
}

// SanitaryAck refuses to go on with a mission that needs the sanitary
// acknowledgement (catalog.Mission.NeedsSanitaryAck) without it: a
// sign-up, or the redirect to a vital mission's national sign-up.
func SanitaryAck(required, given bool) error {
	if required && !given {
		return refuseField(ErrSanitaryAck, "sanitary_ack", "acknowledge the sanitary rules to sign up for this mission on site")
	}
	return nil
}

func inAudience(c *Campaign, department, site string) bool {
	switch c.Audience {
	case "departments":
		return slices.ContainsFunc(c.AudienceValues, func(v string) bool { return strings.EqualFold(v, department) })
	case "sites":
		return slices.ContainsFunc(c.AudienceValues, func(v string) bool { return strings.EqualFold(v, site) })
	}
	return true
}

// InAudience reports whether a member of this department and site is
// among the campaign's audience.
func (c *Campaign) InAudience(department, site string) bool { return inAudience(c, department, site) }

// Decision is an association's answer to an application.
type Decision struct {
	Validate bool
	Reason   string // a RefusalReasons entry, when refusing
	Detail   string
}

// Check validates a decision's input.
func (d Decision) Check() error {
	if d.Validate {
		return nil
	}
	if !slices.Contains(RefusalReasons, d.Reason) {
		return errs.Field("reason", "reason %q is not one of %s", d.Reason, strings.Join(RefusalReasons, ", "))
	}
	if d.Reason == "other" && strings.TrimSpace(d.Detail) == "" {
		return errs.Field("detail", "say why, for the volunteer")
	}
	return nil
}

// Change is what a participation change did: the participation, and the
// waiting one promoted to the freed place, if any.
type Change struct {
	Participation *Participation
	Promoted      *Participation
}

// ParticipationStore keeps participations and the places they hold. Every
// method is one transaction that locks, in this order, the employee and
// the mission, so that concurrent sign-ups, cancellations and decisions
// never overbook nor deadlock. A freed place goes, in the same
// transaction, to the first on the waiting list, whatever their company.
type ParticipationStore interface {
	// Apply reads the snapshot under the locks, asks decide, and writes;
	// noted says whether the sign-up left the mission almost full or full,
	// news for its managers.
	Apply(ctx context.Context, memberID uuid.UUID, in ApplyInput, decide func(*Snapshot) (string, error)) (p *Participation, noted bool, err error)
	// Cancel cancels an employee's own live participation (errs.NotFound
	// for anyone else's).
	Cancel(ctx context.Context, memberID, id uuid.UUID, reason string) (*Change, error)
	// Decide validates or refuses an application to a mission of the
	// association (errs.NotFound outside it).
	Decide(ctx context.Context, associationID, id uuid.UUID, d Decision) (*Change, error)
	// Attend locks a participation of the association's missions
	// (errs.NotFound outside it), lets decide move it, and stores its new
	// status.
	Attend(ctx context.Context, associationID, id uuid.UUID, decide func(p *Participation) error) (*Participation, error)
	// CancelFlagged cancels every live participation of flagged missions
	// and returns them, for the volunteers to be told.
	CancelFlagged(ctx context.Context) ([]Participation, error)

	// FlagLate marks the applications left unanswered past their
	// campaign's response time, once, and returns them with who must hear
	// of it.
	FlagLate(ctx context.Context) ([]LateApplication, error)

	Mine(ctx context.Context, memberID uuid.UUID) ([]Participation, error)
	// OfCampaign lists a campaign's participations; errs.NotFound when the
	// company has no such campaign.
	OfCampaign(ctx context.Context, campaignID uuid.UUID, status string) ([]Participation, error)
	OfAssociation(ctx context.Context, associationID uuid.UUID, missionID *uuid.UUID, status string) ([]Participation, error)
	// ApplicantSkills returns, for the given participations in the
	// association's missions, the applicants' skills that their mission
	// asks for, required ones first; none for participations outside it.
	ApplicantSkills(ctx context.Context, associationID uuid.UUID, participations []uuid.UUID) (map[uuid.UUID][]ApplicantSkill, error)
}

// LateApplication is an application left unanswered too long.
type LateApplication struct {
	Participation
	AssociationID uuid.UUID
	Managers      []string // the association's managers' addresses
	HRAdmins      []string // the company's HR admins' addresses
	CompanySlug   string
}

// Notifier tells volunteers what happened to their participation.
type Notifier interface {
	// LateApplications reminds managers (forAssociation) or HR admins of
	// applications left unanswered for days days.
	LateApplications(ctx context.Context, to []string, forAssociation bool, days int, lines []string, link string) error
	// Participation tells the employee of p about event (promoted,
	// validated, refused, mission_flagged).
	Participation(ctx context.Context, p *Participation, event string) error
}

// Participations runs sign-ups, cancellations and associations' decisions,
// and tells the volunteers what happened: the mails are queued in the
// change's unit of work, so that a change that rolls back mails nobody and
// one that commits mails for sure.
type Participations struct {
	store    ParticipationStore
	notifier Notifier
	// AfterPlaces runs after a change of places, to have the "almost full"
	// and "full" events the store recorded mailed (the catalogue's
	// outbox). It must not wait for the mails: the change is answered
	// first.
	AfterPlaces func()
	// SignedUp is told the status of each sign-up taken (a place or the
	// waiting list), for the operators' figures.
	SignedUp func(status string)
	// PlacesMoved is told, after the commit, the mission whose places
	// left a sign-up, a cancellation or a decision may have moved
	// (Matchmaker.PlacesMoved: the recommendations' ranking follows).
	PlacesMoved func(mission uuid.UUID)
	// Unit runs a change and its mails as one unit of work.
	Unit Unit
	// Now is the clock; tests may set it.
	Now func() time.Time
}

func (s *Participations) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Unit runs fn as one unit of work: the store calls made and the mails
// queued with the ctx it passes commit, or roll back, together
// (postgres.DB.InTx). NoUnit, the default, runs fn as it is.
type Unit func(ctx context.Context, fn func(ctx context.Context) error) error

// NoUnit runs fn without a common transaction.
func NoUnit(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }

// NewParticipations wires the flows to their store and the volunteers' mailbox.
func NewParticipations(store ParticipationStore, notifier Notifier) *Participations {
	return &Participations{store: store, notifier: notifier, AfterPlaces: func() {}, SignedUp: func(string) {},
		PlacesMoved: func(uuid.UUID) {}, Unit: NoUnit}
}

// Mine lists a member's participations, newest first.
func (s *Participations) Mine(ctx context.Context, memberID uuid.UUID) ([]Participation, error) {
	return s.store.Mine(ctx, memberID)
}

// OfAssociation lists the participations in an association's missions (of
// one mission and one status when given).
func (s *Participations) OfAssociation(ctx context.Context, associationID uuid.UUID, missionID *uuid.UUID, status string) ([]Participation, error) {
	return s.store.OfAssociation(ctx, associationID, missionID, status)
}

// ApplicantSkills returns, for participations in the association's
// missions, the applicants' skills their mission asks for.
func (s *Participations) ApplicantSkills(ctx context.Context, associationID uuid.UUID, participations []uuid.UUID) (map[uuid.UUID][]ApplicantSkill, error) {
	return s.store.ApplicantSkills(ctx, associationID, participations)
}

// OfCampaign lists the participations of one of the company's campaigns,
// of one status if status is not empty; errs.NotFound for a campaign the
// company does not have, as for any other unknown object.
func (s *Participations) OfCampaign(ctx context.Context, campaignID uuid.UUID, status string) ([]Participation, error) {
	return s.store.OfCampaign(ctx, campaignID, status)
}

// Apply signs the employee up for a mission within a campaign of their
// company: a place if one is left, else the waiting list if they accept it.
func (s *Participations) Apply(ctx context.Context, memberID uuid.UUID, in ApplyInput) (*Participation, error) {
	in.Motivation = strings.TrimSpace(in.Motivation)
	p, noted, err := s.store.Apply(ctx, memberID, in, func(snap *Snapshot) (string, error) { return DecideApply(snap, in) })
	if err != nil {
		return nil, err
	}
	s.SignedUp(p.Status)
	if p.Status != Waiting {
		s.PlacesMoved(p.MissionID)
	}
	if noted { // "almost full" or "full": the managers are mailed
		s.AfterPlaces()
	}
	return p, nil
}

// Cancel cancels the employee's own participation; a held place goes to
// the first on the waiting list, who is told.
func (s *Participations) Cancel(ctx context.Context, memberID, id uuid.UUID, reason string) (*Participation, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 {
		return nil, errs.Field("reason", "the reason is longer than 500 characters")
	}
	var ch *Change
	err := s.Unit(ctx, func(ctx context.Context) (err error) {
		if ch, err = s.store.Cancel(ctx, memberID, id, reason); err != nil {
			return err
		}
		return s.tellAll(ctx, ch, "")
	})
	if err != nil {
		return nil, err
	}
	s.PlacesMoved(ch.Participation.MissionID)
	s.AfterPlaces()
	return ch.Participation, nil
}

// Decide validates or refuses an application to a mission of the
// association; the volunteer is told, and so is the next on the waiting
// list when a refusal frees a place.
func (s *Participations) Decide(ctx context.Context, associationID, id uuid.UUID, d Decision) (*Participation, error) {
	if err := d.Check(); err != nil {
		return nil, err
	}
	event := "refused"
	if d.Validate {
		event = "validated"
	}
	var ch *Change
	err := s.Unit(ctx, func(ctx context.Context) (err error) {
		if ch, err = s.store.Decide(ctx, associationID, id, d); err != nil {
			return err
		}
		return s.tellAll(ctx, ch, event)
	})
	if err != nil {
		return nil, err
	}
	s.PlacesMoved(ch.Participation.MissionID)
	s.AfterPlaces()
	return ch.Participation, nil
}

// tellAll mails the volunteer of a change about event (none when empty),
// and the one promoted from the waiting list.
func (s *Participations) tellAll(ctx context.Context, ch *Change, event string) error {
	if event != "" {
		if err := s.tell(ctx, ch.Participation, event); err != nil {
			return err
		}
	}
	if ch.Promoted != nil {
		return s.tell(ctx, ch.Promoted, "promoted")
	}
	return nil
}

// tell queues a volunteer's mail with the change. A mail that cannot be
// sent at all (an address the mail seam refuses) is logged and the change
// kept: the volunteer still sees it in their space. Any other failure fails
// the change, which is then retried whole.
func (s *Participations) tell(ctx context.Context, p *Participation, event string) error {
	err := s.notifier.Participation(ctx, p, event)
	if errs.Is(err, errs.Invalid) {
		slog.WarnContext(ctx, "participation mail not sent", "participation", p.ID, "event", event, "err", err)
		return nil
	}
	return err
}

// CancelFlagged cancels the participations of flagged missions and tells
// their volunteers; it runs right after a flag and on a timer.
func (s *Participations) CancelFlagged(ctx context.Context) int {
	var ps []Participation
	err := s.Unit(ctx, func(ctx context.Context) (err error) {
		ps, err = s.store.CancelFlagged(ctx)
		if err != nil {
			return err
		}
		for i := range ps {
			if err := s.tell(ctx, &ps[i], "mission_flagged"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		ps = nil
		slog.WarnContext(ctx, "cancelling the participations of flagged missions", "err", err)
	}
	return len(ps)
}

// FlagLate reminds associations of the applications they left unanswered
// past their campaign's response time, and the HR admins of the companies
// whose employees wait: JeVeuxAider's response time, made visible. Each
// application is flagged once. links gives the association's and the
// company's addresses.
func (s *Participations) FlagLate(ctx context.Context, associationLink func(uuid.UUID) string, companyLink func(*LateApplication) string) int {
	late, err := s.store.FlagLate(ctx)
	if err != nil {
		slog.WarnContext(ctx, "flagging late applications", "err", err)
		return 0
	}
	byAssoc := map[uuid.UUID][]*LateApplication{}
	byCompany := map[uuid.UUID][]*LateApplication{}
	for i := range late {
		l := &late[i]
		byAssoc[l.AssociationID] = append(byAssoc[l.AssociationID], l)
		byCompany[l.TenantID] = append(byCompany[l.TenantID], l)
	}
	for id, ls := range byAssoc {
		lines := make([]string, len(ls))
		for i, l := range ls {
			lines[i] = l.MemberName + " — " + l.MissionTitle + " (" + l.Company + ")"
		}
		if err := s.notifier.LateApplications(ctx, ls[0].Managers, true, daysWaited(ls, s.now()), lines, associationLink(id)); err != nil {
			slog.WarnContext(ctx, "late applications: association not told", "association", id, "err", err)
		}
	}
	for _, ls := range byCompany {
		lines := make([]string, len(ls))
		for i, l := range ls {
			lines[i] = l.MemberName + " — " + l.MissionTitle + " (" + l.Association + ")"
		}
		if err := s.notifier.LateApplications(ctx, ls[0].HRAdmins, false, daysWaited(ls, s.now()), lines, companyLink(ls[0])); err != nil {
			slog.WarnContext(ctx, "late applications: HR admins not told", "company", ls[0].Company, "err", err)
		}
	}
	return len(late)
}

// daysWaited is how many whole days every one of the applications has
// waited at least: what a reminder about them all may truthfully say.
func daysWaited(ls []*LateApplication, now time.Time) int {
	least := -1
	for _, l := range ls {
		if d := int(now.Sub(l.CreatedAt) / (24 * time.Hour)); least < 0 || d < least {
			least = d
		}
	}
	return max(least, 1)
}
