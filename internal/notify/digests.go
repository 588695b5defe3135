package notify

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // weeks start on Monday morning in Paris, whatever the server's zone files

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/tenants"
)

// Recipient is a person a digest goes to.
type Recipient struct {
	ID    uuid.UUID `bun:"id"`
	Email string    `bun:"email"`
	Name  string    `bun:"full_name"`
}

// HRFigures are a company's week, for its HR admins' digest.
type HRFigures struct {
	SignUps      int              // sign-ups made during the week
	Validated    int              // of which validated by now
	Hours        float64          // hours logged during the week
	HoursPending int              // entries still waiting for approval
	Ending       []EndingCampaign // active campaigns ending within a week
}

// EndingCampaign is a running campaign near its end.
type EndingCampaign struct {
	ID     uuid.UUID `bun:"id"`
	Name   string    `bun:"name"`
	EndsOn time.Time `bun:"ends_on"`
}

// Empty reports whether there is nothing to tell: no digest then.
func (f *HRFigures) Empty() bool {
	return f.SignUps == 0 && f.Hours == 0 && f.HoursPending == 0 && len(f.Ending) == 0
}

// AssociationFigures are an association's week, for its managers.
type AssociationFigures struct {
	AssociationID uuid.UUID
	Association   string
	// Applicants waiting for an answer, applied during the week:
	// "Karim Benali — Soutien scolaire (Acme)".
	Applicants     []string
	HoursToConfirm int // hour entries of its missions waiting for approval
}

// Empty reports whether there is nothing to tell.
func (f *AssociationFigures) Empty() bool { return len(f.Applicants) == 0 && f.HoursToConfirm == 0 }

// DigestStore reads the weeks and records the digests sent.
type DigestStore interface {
	// HRFigures reads the company of ctx's week [from, to).
	HRFigures(ctx context.Context, from, to time.Time) (*HRFigures, error)
	// HRAdmins are the company of ctx's active HR admins.
	HRAdmins(ctx context.Context) ([]Recipient, error)
	// Managers are the active managers of verified associations, with the
	// associations each manages.
	Managers(ctx context.Context) (map[Recipient][]uuid.UUID, error)
	// AssociationFigures reads an association's week [from, to).
	AssociationFigures(ctx context.Context, associationID uuid.UUID, from, to time.Time) (*AssociationFigures, error)
	// MarkSent records p's digest of week in the transaction of ctx,
	// false when it was already recorded (sent before).
	MarkSent(ctx context.Context, p Person, week time.Time) (bool, error)
}

// DigestMailer renders and queues the digests; unsubscribe is the token of
// the recipient's one-click link.
type DigestMailer interface {
	HRDigest(ctx context.Context, to Recipient, t *tenants.Tenant, week time.Time, f *HRFigures, unsubscribe string) error
	AssociationDigest(ctx context.Context, to Recipient, week time.Time, f []AssociationFigures, unsubscribe string) error
}

// Digests send the weekly digests: to each company's HR admins, and to
// associations' managers. Each person gets at most one a week (recorded in
// the transaction that queues it), none when there is nothing to tell, and
// none when they turned digests off.
type Digests struct {
	store  DigestStore
	prefs  *Preferences
	mailer DigestMailer
	// Unit records a digest and queues its mail as one unit of work.
	Unit func(ctx context.Context, fn func(ctx context.Context) error) error
	// Figures posts the company's week to its chat channel (queued), if
	// set; it is called once per company and week.
	Figures func(ctx context.Context, week time.Time, f *HRFigures) error
}

// NewDigests wires the digests.
func NewDigests(store DigestStore, prefs *Preferences, mailer DigestMailer) *Digests {
	return &Digests{store: store, prefs: prefs, mailer: mailer,
		Unit: func(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }}
}

var paris = mustLocation("Europe/Paris")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// DigestHour is when, on Monday in Paris, the week's digests go.
const DigestHour = 7

// WeekOf is the Monday (midnight, Paris) of the week of t: a digest's week,
// the day it goes, about the seven days before.
func WeekOf(t time.Time) time.Time {
	t = t.In(paris)
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	y, m, d := t.AddDate(0, 0, -back).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, paris)
}

// DigestDue reports whether the digests of t's week may go: from Monday
// DigestHour on.
func DigestDue(t time.Time) bool {
	return !t.Before(WeekOf(t).Add(DigestHour * time.Hour))
}

// NextDigest is the first digest time after t, for the periodic job.
func NextDigest(t time.Time) time.Time {
	next := WeekOf(t).Add(DigestHour * time.Hour)
	for !next.After(t) {
		next = WeekOf(next.AddDate(0, 0, 8)).Add(DigestHour * time.Hour)
	}
	return next
}

// Company sends the HR admins' digests of the company of ctx for week
// (its Monday) and returns how many were queued.
func (d *Digests) Company(ctx context.Context, week time.Time) (int, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return 0, err
	}
	f, err := d.store.HRFigures(ctx, week.AddDate(0, 0, -7), week)
	if err != nil {
		return 0, err
	}
	if f.Empty() {
		return 0, nil
	}
	if d.Figures != nil {
		if err := d.Figures(ctx, week, f); err != nil {
			return 0, err
		}
	}
	admins, err := d.store.HRAdmins(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, a := range admins {
		ok, err := d.send(ctx, Member(t.ID, a.ID), week, func(ctx context.Context, token string) error {
			return d.mailer.HRDigest(ctx, a, t, week, f, token)
		})
		if err != nil {
			return sent, fmt.Errorf("digest of %s: %w", a.Email, err)
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// Associations sends the managers' digests for week, one per manager
// covering every association they manage, and returns how many were
// queued. ctx carries no company.
func (d *Digests) Associations(ctx context.Context, week time.Time) (int, error) {
	managers, err := d.store.Managers(ctx)
	if err != nil {
		return 0, err
	}
	cache := map[uuid.UUID]*AssociationFigures{}
	sent := 0
	for m, ids := range managers {
		var list []AssociationFigures
		for _, id := range ids {
			f, ok := cache[id]
			if !ok {
				if f, err = d.store.AssociationFigures(ctx, id, week.AddDate(0, 0, -7), week); err != nil {
					return sent, err
				}
				cache[id] = f
			}
			if !f.Empty() {
				list = append(list, *f)
			}
		}
		if len(list) == 0 {
			continue
		}
		ok, err := d.send(ctx, Account(m.ID), week, func(ctx context.Context, token string) error {
			return d.mailer.AssociationDigest(ctx, m, week, list, token)
		})
		if err != nil {
			return sent, fmt.Errorf("digest of %s: %w", m.Email, err)
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// send queues one person's digest unless they turned digests off or have
// had this week's: the record and the mail are one unit of work.
func (d *Digests) send(ctx context.Context, p Person, week time.Time, mail func(ctx context.Context, token string) error) (bool, error) {
	wants, err := d.prefs.Wants(ctx, p, Digest)
	if err != nil || !wants {
		return false, err
	}
	token, err := d.prefs.UnsubscribeToken(ctx, p, Digest)
	if err != nil {
		return false, err
	}
	sent := false
	err = d.Unit(ctx, func(ctx context.Context) error {
		first, err := d.store.MarkSent(ctx, p, week)
		if err != nil || !first {
			return err
		}
		sent = true
		return mail(ctx, token)
	})
	return sent, err
}
