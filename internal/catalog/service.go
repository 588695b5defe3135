package catalog

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Store keeps associations and missions. Failure codes: errs.NotFound for
// an unknown id (or one outside the association given), errs.Conflict for a
// change that clashes with the current state (a legal id taken, places
// below those already held).
type Store interface {
	Association(ctx context.Context, id uuid.UUID) (*Association, error)
	// UpdateAssociation changes an association under a row lock.
	UpdateAssociation(ctx context.Context, id uuid.UUID, fn func(*Association) error) (*Association, error)
	// Associations lists associations in a status, oldest submission first.
	Associations(ctx context.Context, status string, limit int) ([]Association, error)

	// Missions lists an association's missions, drafts and closed included.
	Missions(ctx context.Context, associationID uuid.UUID) ([]Mission, error)
	// MissionOf returns a mission of the association (nil: any mission).
	MissionOf(ctx context.Context, associationID *uuid.UUID, id uuid.UUID) (*Mission, error)
	CreateMission(ctx context.Context, m *Mission) error
	// UpdateMission changes a mission under a row lock; events returned by
	// fn (almost full, full, flagged …) are recorded in the same
	// transaction, to be mailed after it.
	UpdateMission(ctx context.Context, associationID *uuid.UUID, id uuid.UUID, fn func(*Mission) ([]Event, error)) (*Mission, error)

	// PendingEvents claims, for a minute, events not yet mailed and not
	// claimed by another caller, and returns them with the addresses of
	// their mission's managers; MarkNotified records they were mailed. An
	// event whose claim runs out unmailed is claimed again.
	PendingEvents(ctx context.Context, limit int) ([]PendingEvent, error)
	MarkNotified(ctx context.Context, ids ...uuid.UUID) error
}

// Event is something a mission's managers must hear of.
type Event struct {
	Kind   string // almost_full, full, flagged, reopened
	Detail string
}

// PendingEvent is an event waiting to be mailed.
type PendingEvent struct {
	ID       uuid.UUID
	Kind     string
	Detail   string
	Mission  Mission
	Managers []string // email addresses
}

// Notifier tells an association's managers about their mission.
type Notifier interface {
	MissionEvent(ctx context.Context, to []string, ev PendingEvent) error
}

// Service runs the catalogue's flows.
type Service struct {
	store    Store
	notifier Notifier
	// BaseURL is the platform's address, for links in mails.
	BaseURL string
	// Unit runs fn as one unit of work (postgres.DB.InTx): an event's
	// mails are queued, and the event marked mailed, together. The
	// default runs fn as it is.
	Unit func(ctx context.Context, fn func(ctx context.Context) error) error

	pending soon // NotifySoon's passes
}

// NewService wires the catalogue to its store and the managers' mailbox.
func NewService(store Store, notifier Notifier, baseURL string) *Service {
	return &Service{store: store, notifier: notifier, BaseURL: baseURL,
		Unit: func(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }}
}

// Association returns an association; errs.NotFound if it is unknown.
func (s *Service) Association(ctx context.Context, id uuid.UUID) (*Association, error) {
	return s.store.Association(ctx, id)
}

// Associations lists associations in a status, oldest submission first.
func (s *Service) Associations(ctx context.Context, status string, limit int) ([]Association, error) {
	return s.store.Associations(ctx, status, limit)
}

// Missions lists an association's missions, drafts and closed included.
func (s *Service) Missions(ctx context.Context, associationID uuid.UUID) ([]Mission, error) {
	return s.store.Missions(ctx, associationID)
}

// MissionOf returns a mission of the association (nil: any mission, for
// staff); errs.NotFound for one outside it, as for an unknown one.
func (s *Service) MissionOf(ctx context.Context, associationID *uuid.UUID, id uuid.UUID) (*Mission, error) {
	return s.store.MissionOf(ctx, associationID, id)
}

// UpdateProfile changes what a manager may change of their association.
// A rejected association's edit does not resubmit it: Submit does.
func (s *Service) UpdateProfile(ctx context.Context, id uuid.UUID, in Association) (*Association, error) {
	return s.store.UpdateAssociation(ctx, id, func(a *Association) error {
		if in.Name = strings.TrimSpace(in.Name); in.Name != "" {
			if utf8.RuneCountInString(in.Name) > 200 {
				return errs.Field("name", "the name is longer than 200 characters")
			}
			a.Name = in.Name
		}
		if in.Description != "" {
			a.Description = strings.TrimSpace(in.Description)
		}
		if in.Causes != nil {
			for _, c := range in.Causes {
				if !knownCause(c) {
					return errs.Field("causes", "cause %q is not in the list of causes", c)
				}
			}
			a.Causes = in.Causes
		}
		if in.PostalCode != "" && !postalRE.MatchString(in.PostalCode) {
			return errs.Field("postal_code", "postal code %q is not five digits", in.PostalCode)
		}
		if in.Lat != nil || in.Lon != nil {
			if in.Lat == nil || in.Lon == nil || *in.Lat < -90 || *in.Lat > 90 || *in.Lon < -180 || *in.Lon > 180 {
				return errs.Field("lat", "give both lat (±90) and lon (±180)")
			}
			a.Lat, a.Lon = in.Lat, in.Lon
		}
		for _, f := range []struct {
			dst *string
			v   string
		}{{&a.Address, in.Address}, {&a.PostalCode, in.PostalCode},
			{&a.City, in.City}, {&a.Website, in.Website}, {&a.LogoURL, in.LogoURL}} {
			if v := strings.TrimSpace(f.v); v != "" {
				*f.dst = v
			}
		}
		return nil
	})
}

// Submit sends an association to staff's review queue.
func (s *Service) Submit(ctx context.Context, id uuid.UUID) (*Association, error) {
	return s.store.UpdateAssociation(ctx, id, func(a *Association) error {
		switch a.Status {
		case AssociationDraft, AssociationRejected:
		case AssociationPendingReview:
			return nil
		default:
			return errs.E(errs.Conflict, "an association that is %s cannot be submitted for review", a.Status)
		}
		if strings.TrimSpace(a.Description) == "" {
			return errs.Field("description", "describe the association before asking for review")
		}
		now := time.Now()
		a.Status, a.SubmittedAt, a.RejectionReason = AssociationPendingReview, &now, ""
		return nil
	})
}

// Review is staff's decision on an association: verify, or reject with a
// reason the managers will read. Suspending a verified association takes
// its missions away from employees at once.
func (s *Service) Review(ctx context.Context, id uuid.UUID, decision, reason string) (*Association, error) {
	reason = strings.TrimSpace(reason)
	return s.store.UpdateAssociation(ctx, id, func(a *Association) error {
		now := time.Now()
		switch decision {
		case "verify":
			if a.Status != AssociationPendingReview && a.Status != AssociationSuspended {
				return errs.E(errs.Conflict, "only an association pending review (or suspended) can be verified; this one is %s", a.Status)
			}
			a.Status, a.RejectionReason = AssociationVerified, ""
		case "reject":
			if a.Status != AssociationPendingReview {
				return errs.E(errs.Conflict, "only an association pending review can be rejected; this one is %s", a.Status)
			}
			if reason == "" {
				return errs.Field("reason", "say why, so that the association can put it right")
			}
			a.Status, a.RejectionReason = AssociationRejected, reason
		case "suspend":
			if a.Status != AssociationVerified {
				return errs.E(errs.Conflict, "only a verified association can be suspended; this one is %s", a.Status)
			}
			if reason == "" {
				return errs.Field("reason", "say why the association is suspended")
			}
			a.Status, a.RejectionReason = AssociationSuspended, reason
		default:
			return errs.Field("decision", "decision %q is not one of verify, reject, suspend", decision)
		}
		a.ReviewedAt = &now
		return nil
	})
}

// CreateMission posts a need of an association, as a draft or open.
func (s *Service) CreateMission(ctx context.Context, associationID uuid.UUID, m *Mission, publish bool) error {
	m.ID = uuid.Must(uuid.NewV7())
	m.AssociationID = &associationID
	m.VitalCategory, m.ExternalURL, m.Source, m.ExternalID = "", "", "", ""
	m.PlacesLeft = m.Places
	m.Status = MissionDraft
	if publish {
		m.Status = MissionOpen
	}
	if err := m.Normalize(); err != nil {
		return err
	}
	return s.store.CreateMission(ctx, m)
}

// ChangeMission edits a mission. Places may shrink only down to those
// already held; the places left follow and may announce "almost full" or
// "full" to the managers.
func (s *Service) ChangeMission(ctx context.Context, associationID *uuid.UUID, id uuid.UUID, edit func(*Mission) error) (*Mission, error) {
	m, err := s.store.UpdateMission(ctx, associationID, id, func(m *Mission) ([]Event, error) {
		if m.Status == MissionFlagged {
			return nil, errs.E(errs.Conflict, "this mission was flagged by the platform: contact Vendredi to reopen it")
		}
		before := *m
		held := m.Places - m.PlacesLeft
		if err := edit(m); err != nil {
			return nil, err
		}
		// What the platform decides stays as it was.
		m.ID, m.AssociationID, m.Status = before.ID, before.AssociationID, before.Status
		m.Source, m.ExternalID, m.FlaggedReason = before.Source, before.ExternalID, before.FlaggedReason
		if associationID != nil {
			m.VitalCategory, m.ExternalURL = before.VitalCategory, before.ExternalURL
		}
		if err := m.Normalize(); err != nil {
			return nil, err
		}
		if m.Places < held {
			return nil, errs.Field("places", "%d volunteers already hold a place: places cannot go below that", held)
		}
		m.PlacesLeft = m.Places - held
		return placesEvents(before.PlacesLeft, m), nil
	})
	if err != nil {
		return nil, err
	}
	s.NotifySoon()
	return m, nil
}

// placesEvents moves a mission between open and full with its places and
// says what the managers must hear.
func placesEvents(before int, m *Mission) []Event {
	kind := PlacesEvent(before, m.PlacesLeft)
	switch {
	case kind == "full" && m.Status == MissionOpen:
		m.Status = MissionFull
	case kind == "reopened" && m.Status == MissionFull:
		m.Status = MissionOpen
	}
	if kind == "" || kind == "reopened" {
		return nil
	}
	return []Event{{Kind: kind}}
}

// SetStatus publishes (open), closes or reopens a mission.
func (s *Service) SetStatus(ctx context.Context, associationID *uuid.UUID, id uuid.UUID, status string) (*Mission, error) {
	return s.store.UpdateMission(ctx, associationID, id, func(m *Mission) ([]Event, error) {
		switch {
		case m.Status == MissionFlagged:
			return nil, errs.E(errs.Conflict, "this mission was flagged by the platform: contact Vendredi to reopen it")
		case status == MissionOpen && m.PlacesLeft == 0:
			m.Status = MissionFull
		case status == MissionOpen || status == MissionClosed:
			m.Status = status
		default:
			return nil, errs.Field("status", "status %q is not one of open, closed", status)
		}
		return nil, nil
	})
}

// Flag closes a mission the platform found wrong and tells its managers.
// (The volunteers who had signed up are told by the participations work,
// which listens for flagged missions.)
func (s *Service) Flag(ctx context.Context, id uuid.UUID, reason string) (*Mission, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errs.Field("reason", "say why the mission is flagged: its managers and volunteers will read it")
	}
	m, err := s.store.UpdateMission(ctx, nil, id, func(m *Mission) ([]Event, error) {
		if m.Status == MissionFlagged {
			return nil, errs.E(errs.Conflict, "this mission is already flagged")
		}
		m.Status, m.FlaggedReason = MissionFlagged, reason
		return []Event{{Kind: "flagged", Detail: reason}}, nil
	})
	if err != nil {
		return nil, err
	}
	s.NotifySoon()
	return m, nil
}

// NotifySoon mails the events not mailed yet in the background, soon
// after the change that recorded them and off its request's path: the
// change is answered without waiting for the mails to be queued. Changes
// that come while a pass runs are taken up by one more pass after it,
// not one each. What a pass misses (the process stops) the periodic pass
// mails (NotifyPending); nothing is lost, since the events are rows.
func (s *Service) NotifySoon() {
	s.pending.ask(func() {
		// A page of events at a time, each within its claim's minute,
		// until one is not full.
		for {
			if s.notifyWithin(time.Minute) < eventsPerPass {
				return
			}
		}
	})
}

// notifyWithin is NotifyPending bounded by d.
func (s *Service) notifyWithin(d time.Duration) int {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return s.NotifyPending(ctx)
}

// eventsPerPass is how many events NotifyPending claims at most.
const eventsPerPass = 100

// NotifyPending mails the events not mailed yet, eventsPerPass at most,
// and says how many it mailed. Their mails are queued with the record
// that they were mailed (Unit), so that one is never without the other:
// all of a pass's events at once and, should that fail (a mail refused,
// say), each alone, so that one costs the others nothing.
// It runs after changes (NotifySoon) and on a timer, so that a mail
// server down for a while delays the mails but loses none. Errors are
// left for the next round.
func (s *Service) NotifyPending(ctx context.Context) int {
	evs, err := s.store.PendingEvents(ctx, eventsPerPass)
	if err != nil {
		slog.WarnContext(ctx, "mission events: cannot read the pending ones", "err", err)
		return 0
	}
	if len(evs) == 0 || s.mailEvents(ctx, evs...) == nil {
		return len(evs)
	}
	sent := 0
	for _, ev := range evs {
		if err := s.mailEvents(ctx, ev); err != nil {
			slog.WarnContext(ctx, "mission event not mailed; will retry", "event", ev.ID, "kind", ev.Kind, "err", err)
			continue
		}
		sent++
	}
	return sent
}

// mailEvents queues the events' mails and records them mailed, in one
// unit of work.
func (s *Service) mailEvents(ctx context.Context, evs ...PendingEvent) error {
	return s.Unit(ctx, func(ctx context.Context) error {
		ids := make([]uuid.UUID, len(evs))
		for i, ev := range evs {
			if len(ev.Managers) > 0 {
				if err := s.notifier.MissionEvent(ctx, ev.Managers, ev); err != nil {
					return err
				}
			}
			ids[i] = ev.ID
		}
		return s.store.MarkNotified(ctx, ids...)
	})
}

// soon runs a function in the background when asked, one run at a time:
// the asks that come during a run make one more run after it.
type soon struct {
	asked, running atomic.Bool
}

func (k *soon) ask(run func()) {
	k.asked.Store(true)
	if !k.running.CompareAndSwap(false, true) {
		return // the run going on sees asked when it ends
	}
	go func() {
		for {
			for k.asked.Swap(false) {
				run()
			}
			k.running.Store(false)
			// An ask made between the last Swap and the Store found a run
			// going on and left it to it: take it up, unless an ask after
			// the Store started a run of its own.
			if !k.asked.Load() || !k.running.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}
