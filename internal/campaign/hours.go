package campaign

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Statuses of logged hours.
const (
	HoursPending  = "pending"
	HoursApproved = "approved"
	HoursRejected = "rejected"
)

// AutoApprover is the decided_by of hours approved on entry, under the
// campaign's threshold.
const AutoApprover = "auto"

// HourLog is time an employee gave on one participation, one day.
type HourLog struct {
	ID              uuid.UUID  `json:"id"`
	ParticipationID uuid.UUID  `json:"participation_id"`
	CampaignID      uuid.UUID  `json:"campaign_id"`
	MemberID        uuid.UUID  `json:"member_id"`
	MissionID       uuid.UUID  `json:"mission_id"`
	WorkedOn        Day        `json:"worked_on"`
	Hours           float64    `json:"hours"`
	Note            string     `json:"note,omitempty"`
	Status          string     `json:"status"`
	DecidedBy       string     `json:"decided_by,omitempty"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	// Shown with lists; filled by reads.
	MemberName   string `json:"member_name,omitempty"`
	MissionTitle string `json:"mission_title,omitempty"`
	CampaignName string `json:"campaign_name,omitempty"`
}

// HourInput is an entry an employee logs.
type HourInput struct {
	WorkedOn Day     `json:"worked_on"`
	Hours    float64 `json:"hours"`
	Note     string  `json:"note"`
}

// HourSnapshot is what an entry is decided on, read in the transaction
// that writes it, under the lock of the employee (so that two entries sent
// at once cannot both slip under the allowance).
type HourSnapshot struct {
	Now time.Time
	// ParticipationStatus is the status of the employee's participation.
	ParticipationStatus string
	CampaignName        string
	AllowanceHours      *float64
	AutoApproveHours    float64
	// Committed are the employee's approved and pending hours in the
	// campaign, before this entry.
	Committed float64
	// SameDay are the employee's approved and pending hours on the
	// entry's date, on any participation.
	SameDay float64
	// The window the hours may fall in (HoursWindow).
	CampaignStarts, CampaignEnds Day
	MissionStarts, MissionEnds   *Day
	// Accepted is when the association validated the participation.
	Accepted *time.Time
}

// HoursOpen reports whether hours may be logged, or approved, on a
// participation of this status: one the association validated, running or
// done. Hours of a cancelled or refused participation are never approved.
func HoursOpen(participationStatus string) bool {
	return participationStatus == Validated || participationStatus == Done
}

// HoursWindow is the first and last days on which hours may have been
// given: within the campaign's dates and the mission's, not before the
// participation was accepted, and not after today (anywhere on Earth).
func HoursWindow(s *HourSnapshot) (first, last Day) {
	first, last = s.CampaignStarts, s.CampaignEnds
	if s.MissionStarts != nil && s.MissionStarts.After(first.Time) {
		first = *s.MissionStarts
	}
	if s.Accepted != nil {
		if d := DayOf(*s.Accepted); d.After(first.Time) {
			first = d
		}
	}
	if s.MissionEnds != nil && s.MissionEnds.Before(last.Time) {
		last = *s.MissionEnds
	}
	if today := DayOf(latestToday(s.Now)); today.Before(last.Time) {
		last = today
	}
	return first, last
}

// DecideHours applies the logging rules and returns the status the entry
// starts in: approved at once under the campaign's threshold, else
// pending. Failure codes: errs.Invalid naming the field (a date in the
// future, more than 24 hours); errs.Conflict (a participation not yet
// validated, an allowance exceeded).
func DecideHours(s *HourSnapshot, in *HourInput) (string, error) {
	in.Note = strings.TrimSpace(in.Note)
	in.Hours = math.Round(in.Hours*100) / 100
	switch {
	case in.WorkedOn.IsZero():
		return "", errs.Field("worked_on", "the date worked is required (2006-01-02)")
	case in.WorkedOn.After(latestToday(s.Now)):
		return "", errs.Field("worked_on", "%s is in the future: log hours once they are given", in.WorkedOn.Format(time.DateOnly))
	case in.Hours <= 0 || in.Hours > 24:
		return "", errs.Field("hours", "hours must be above 0 and at most 24")
	case s.SameDay+in.Hours > 24:
		return "", errs.Field("hours", "with this entry you would log %s hours on %s: a day has 24",
			hoursText(s.SameDay+in.Hours), in.WorkedOn.Format(time.DateOnly))
	case utf8.RuneCountInString(in.Note) > 2000:
		return "", errs.Field("note", "the note is longer than 2 000 characters")
	case !HoursOpen(s.ParticipationStatus):
		return "", errs.E(errs.Conflict, "hours are logged on a validated participation; this one is %s", s.ParticipationStatus)
	case outside(in.WorkedOn, s):
		first, last := HoursWindow(s)
		return "", errs.Field("worked_on", "hours on this mission are logged between %s and %s (the campaign's and the mission's dates, from your acceptance)",
			first.Format(time.DateOnly), last.Format(time.DateOnly))
	}
	if s.AllowanceHours != nil && s.Committed+in.Hours > *s.AllowanceHours+1e-9 {
		left := math.Max(0, *s.AllowanceHours-s.Committed)
		return "", errs.E(errs.Conflict, "this entry would bring your hours in %q to %s, over its allowance of %s hours (%s left, approved and pending hours count)",
			s.CampaignName, hoursText(s.Committed+in.Hours), hoursText(*s.AllowanceHours), hoursText(left))
	}
	if s.AutoApproveHours > 0 && in.Hours <= s.AutoApproveHours {
		return HoursApproved, nil
	}
	return HoursPending, nil
}

func outside(d Day, s *HourSnapshot) bool {
	first, last := HoursWindow(s)
	return d.Before(first.Time) || d.After(last.Time)
}

// latestToday is the date that is today somewhere on Earth (UTC+14): the
// company's time zone is unknown, and a date "in the future" must be so for
// everyone before an entry is refused for it.
func latestToday(now time.Time) time.Time { return DayOf(now.UTC().Add(14 * time.Hour)).Time }

func hoursText(h float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", h), "0"), ".")
}

// Outcomes of one id in a bulk approval.
const (
	OutcomeApproved        = "approved"
	OutcomeAlreadyApproved = "already_approved"
	OutcomeRejected        = "rejected" // it had been rejected: approvals are not reversals
	OutcomeNotFound        = "not_found"
	// OutcomeParticipationEnded: the participation was cancelled or
	// refused since the hours were logged; they are not approved.
	OutcomeParticipationEnded = "participation_ended"
)

// HourOutcome is what became of one entry of a bulk approval.
type HourOutcome struct {
	ID      uuid.UUID `json:"id"`
	Outcome string    `json:"outcome"`
}

// HourFilter selects the company's hours for HR admins.
type HourFilter struct {
	Status     string
	CampaignID *uuid.UUID
	Limit      int
}

// HoursBalance sums an employee's hours in one campaign.
type HoursBalance struct {
	CampaignID     uuid.UUID `json:"campaign_id"`
	CampaignName   string    `json:"campaign_name"`
	Approved       float64   `json:"approved"`
	Pending        float64   `json:"pending"`
	AllowanceHours *float64  `json:"allowance_hours,omitempty"`
	// Left is what the allowance still admits (approved and pending count).
	Left *float64 `json:"left,omitempty"`
}

// HourStore keeps logged hours.
type HourStore interface {
	// LogHours reads the snapshot of the member's own participation (errs.NotFound
	// for anyone else's) under the member's lock, asks decide, and writes.
	LogHours(ctx context.Context, memberID, participationID uuid.UUID, in *HourInput,
		decide func(*HourSnapshot) (string, error)) (*HourLog, error)
	// MemberHours lists a member's entries, newest first, and their balance per campaign.
	MemberHours(ctx context.Context, memberID uuid.UUID) ([]HourLog, []HoursBalance, error)
	// Hours lists the entries of the company of the context or, acting for
	// an association (ForAssociation), of its missions, oldest first.
	Hours(ctx context.Context, f HourFilter) ([]HourLog, error)
	// ApproveHours approves pending entries, one outcome per id, in the
	// company of the context or, when the context acts for an association
	// (ForAssociation), the entries on that association's missions from
	// every company.
	ApproveHours(ctx context.Context, ids []uuid.UUID, by string) ([]HourOutcome, error)
	// RejectHours rejects a pending entry of the company (errs.Conflict
	// once decided).
	RejectHours(ctx context.Context, id uuid.UUID, by string) (*HourLog, error)
}

type associationKey struct{}

// ForAssociation returns ctx acting for an association's managers: stores
// that honour it (HourStore.ApproveHours) reach the rows of that
// association's missions, from every company, and no others.
func ForAssociation(ctx context.Context, associationID uuid.UUID) context.Context {
	return context.WithValue(ctx, associationKey{}, associationID)
}

// AssociationFrom returns the association ctx acts for, if any.
func AssociationFrom(ctx context.Context) (uuid.UUID, bool) {
	id, ok := ctx.Value(associationKey{}).(uuid.UUID)
	return id, ok && id != uuid.Nil
}

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

// RejectHours rejects a pending entry.
func (s *Service) RejectHours(ctx context.Context, id uuid.UUID, by string) (*HourLog, error) {
	return s.st.Hours.RejectHours(ctx, id, by)
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
