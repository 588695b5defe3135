package campaign

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// The reminders of a validated participation with a date: to the volunteer
// 48 h and 2 h before (fewer no-shows), and to the association 24 h after
// the end, the question of who came, whose answer makes the participation
// done or no-show and feeds the figures.
const (
	Remind48h  = "48h"
	Remind2h   = "2h"
	Attendance = "attendance"
)

// Reminder is one reminder due.
type Reminder struct {
	Kind          string // Remind48h, Remind2h or Attendance
	Participation Participation
	StartsAt      time.Time
	EndsAt        time.Time
	// Where: the mission's format and address, or its link (a remote
	// mission signed up for elsewhere).
	Format      string
	Address     string
	ExternalURL string
	// AssociationID and Managers (their addresses) receive the attendance
	// question.
	AssociationID uuid.UUID
	Managers      []string
}

// ReminderDue is the rule of when a reminder goes (the view
// app.due_reminders says the same in SQL): the 48 h one between 48 h and
// 2 h before the start, to a volunteer validated before that window opened
// (the others just had the validation mail); the 2 h one in the last two
// hours; the attendance question from 24 h after the end, for a month.
func ReminderDue(kind string, start, end time.Time, decided *time.Time, now time.Time) bool {
	switch kind {
	case Remind48h:
		return !now.Before(start.Add(-48*time.Hour)) && now.Before(start.Add(-2*time.Hour)) &&
			(decided == nil || decided.Before(start.Add(-48*time.Hour)))
	case Remind2h:
		return !now.Before(start.Add(-2*time.Hour)) && now.Before(start)
	case Attendance:
		return !now.Before(end.Add(24*time.Hour)) && now.Before(end.Add(30*24*time.Hour))
	}
	return false
}

// ReminderStore finds and records reminders, under the company of ctx.
type ReminderStore interface {
	// CompaniesWithDueReminders lists the companies that have a reminder
	// due (across the platform: the minute's pass).
	CompaniesWithDueReminders(ctx context.Context) ([]uuid.UUID, error)
	// DueReminders lists the company's reminders due now, not sent yet.
	DueReminders(ctx context.Context) ([]Reminder, error)
	// RecordReminder records r as sent; false when another pass did.
	RecordReminder(ctx context.Context, r *Reminder) (bool, error)
}

// ReminderNotifier mails reminders.
type ReminderNotifier interface {
	// Reminder tells the volunteer of r where and when, and how to cancel.
	Reminder(ctx context.Context, r *Reminder) error
	// AttendanceQuestion asks the association's managers who came.
	AttendanceQuestion(ctx context.Context, r *Reminder) error
}

// Reminders sends the reminders.
type Reminders struct {
	store    ReminderStore
	notifier ReminderNotifier
	// Unit records a reminder and queues its mail as one unit of work.
	Unit Unit
	// Now is the clock; tests may set it.
	Now func() time.Time
}

// NewReminders wires the reminders to their store and mailbox.
func NewReminders(store ReminderStore, notifier ReminderNotifier) *Reminders {
	return &Reminders{store: store, notifier: notifier, Unit: NoUnit, Now: time.Now}
}

// Companies lists the companies that have a reminder due.
func (s *Reminders) Companies(ctx context.Context) ([]uuid.UUID, error) {
	return s.store.CompaniesWithDueReminders(ctx)
}

// Send sends the due reminders of the company of ctx, each once: its
// record and its mail are one unit of work, so a pass that dies halfway,
// or two passes at once, neither lose nor double one. It returns how many
// went.
func (s *Reminders) Send(ctx context.Context) (int, error) {
	due, err := s.store.DueReminders(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	now := s.Now()
	for i := range due {
		r := &due[i]
		if !ReminderDue(r.Kind, r.StartsAt, r.EndsAt, r.Participation.DecidedAt, now) {
			continue
		}
		err := s.Unit(ctx, func(ctx context.Context) error {
			first, err := s.store.RecordReminder(ctx, r)
			if err != nil || !first {
				return err
			}
			if r.Kind == Attendance {
				if len(r.Managers) == 0 {
					return nil
				}
				err = s.notifier.AttendanceQuestion(ctx, r)
			} else {
				err = s.notifier.Reminder(ctx, r)
			}
			if errs.Is(err, errs.Invalid) { // an address no mail can reach: recorded, logged
				slog.WarnContext(ctx, "reminder not mailed", "participation", r.Participation.ID, "kind", r.Kind, "err", err)
				return nil
			}
			if err == nil {
				sent++
			}
			return err
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// CanRecordAttendance reports whether the association may say whether the
// volunteer of p came: a validated participation whose date has passed.
func CanRecordAttendance(p *Participation, now time.Time) bool {
	return p.Status == Validated && p.EndsAt != nil && !now.Before(*p.EndsAt)
}

// Attend records whether the volunteer of a validated participation came,
// once its date has passed: done or no-show (JeVeuxAider's states), which
// the figures count.
func (s *Participations) Attend(ctx context.Context, associationID, id uuid.UUID, came bool) (*Participation, error) {
	return s.store.Attend(ctx, associationID, id, func(p *Participation) error {
		if !CanRecordAttendance(p, s.now()) {
			if p.Status == Validated {
				return errs.E(errs.Conflict, "the mission has not taken place yet: say who came once it has")
			}
			return errs.E(errs.Conflict, "only a validated participation can be done or a no-show; this one is %s", p.Status)
		}
		to := NoShow
		if came {
			to = Done
		}
		return p.Move(to)
	})
}
