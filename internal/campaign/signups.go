package campaign

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Participations runs sign-ups, cancellations and associations' decisions,
// and tells the volunteers what happened: the mails are queued in the
// change's unit of work, so that a change that rolls back mails nobody and
// one that commits mails for sure.
type Participations struct {
	store    ParticipationStore
	notifier Notifier
	// AfterPlaces runs after a change of places, to mail the "almost full"
	// and "full" events the store recorded (the catalogue's outbox).
	AfterPlaces func(ctx context.Context)
	// SignedUp is told the status of each sign-up taken (a place or the
	// waiting list), for the operators' figures.
	SignedUp func(status string)
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
	return &Participations{store: store, notifier: notifier, AfterPlaces: func(context.Context) {}, SignedUp: func(string) {}, Unit: NoUnit}
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
	p, err := s.store.Apply(ctx, memberID, in, func(snap *Snapshot) (string, error) { return DecideApply(snap, in) })
	if err != nil {
		return nil, err
	}
	s.SignedUp(p.Status)
	if p.Status == Pending { // a place was taken: "almost full" or "full" may be due
		s.AfterPlaces(ctx)
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
	s.AfterPlaces(ctx)
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
	s.AfterPlaces(ctx)
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
