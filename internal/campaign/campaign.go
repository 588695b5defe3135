// Package campaign is the heart of Vendredi: an HR admin's drive (a
// campaign, such as "Tous confinés, Tous engagés"), the employees' skills
// profiles, their participations in missions, and the hours they give.
// Types, rules and state machines live here; storage and transport
// elsewhere.
package campaign

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Campaign statuses.
const (
	Draft     = "draft"
	Scheduled = "scheduled"
	Active    = "active"
	Closed    = "closed"
	Archived  = "archived"
)

// campaignMoves are the valid status transitions of a campaign.
var campaignMoves = map[string][]string{
	Draft:     {Scheduled, Active, Archived},
	Scheduled: {Draft, Active, Archived},
	Active:    {Closed},
	Closed:    {Active, Archived},
	Archived:  {},
}

// Campaign is a company's drive.
type Campaign struct {
	ID                   uuid.UUID   `json:"id"`
	TemplateCode         string      `json:"template,omitempty"`
	Name                 string      `json:"name"`
	Description          string      `json:"description"`
	StartsOn             time.Time   `json:"starts_on"`
	EndsOn               time.Time   `json:"ends_on"`
	Status               string      `json:"status"`
	Audience             string      `json:"audience"` // all | departments | sites
	AudienceValues       []string    `json:"audience_values"`
	MissionScope         string      `json:"mission_scope"` // all | causes | listed
	MissionCauses        []string    `json:"mission_causes"`
	MissionIDs           []uuid.UUID `json:"mission_ids"`
	GoalParticipants     *int        `json:"goal_participants,omitempty"`
	GoalHours            *float64    `json:"goal_hours,omitempty"`
	MaxActivePerEmployee int         `json:"max_active_per_employee"`
	AllowanceHours       *float64    `json:"allowance_hours,omitempty"`
	AutoApproveHours     float64     `json:"auto_approve_hours"`
	Crisis               bool        `json:"crisis"` // vital missions pinned first and boosted
	RemoteFirst          bool        `json:"remote_first"`
	// WorkTime says the hours are given on paid working time: only those
	// are a gift in kind (mécénat de compétences); free-time hours stay
	// volunteering. A participation may say otherwise (HR's override).
	WorkTime     bool       `json:"work_time"`
	ResponseDays int        `json:"response_days"` // pending longer than this is flagged
	CreatedBy    *uuid.UUID `json:"created_by,omitempty"`
	LaunchedAt   *time.Time `json:"launched_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Participation statuses. Waiting is the waiting list of a full mission;
// pending and validated hold a place.
const (
	Waiting   = "waiting"
	Pending   = "pending"
	Validated = "validated"
	Refused   = "refused"
	Cancelled = "cancelled"
	Done      = "done"
	NoShow    = "no_show"
)

// HoldsPlace reports whether a participation in this status takes one of
// the mission's places.
func HoldsPlace(status string) bool { return status == Pending || status == Validated }

// Live reports whether a participation still counts for the employee's
// limit and for the one-per-mission rule.
func Live(status string) bool { return status == Waiting || HoldsPlace(status) }

var participationMoves = map[string][]string{
	Waiting:   {Pending, Cancelled, Refused},
	Pending:   {Validated, Refused, Cancelled},
	Validated: {Cancelled, Done, NoShow},
	Refused:   {},
	Cancelled: {},
	Done:      {},
	NoShow:    {},
}

// Refusal reasons (JeVeuxAider's).
var RefusalReasons = []string{"no_response", "requirements_not_met", "changed_mind", "mission_ended", "other"}

// Participation is an employee's sign-up to a mission within a campaign.
type Participation struct {
	ID            uuid.UUID  `json:"id"`
	TenantID      uuid.UUID  `json:"-"`
	CampaignID    uuid.UUID  `json:"campaign_id"`
	MemberID      uuid.UUID  `json:"member_id"`
	MissionID     uuid.UUID  `json:"mission_id"`
	SlotID        *uuid.UUID `json:"slot_id,omitempty"`
	Status        string     `json:"status"`
	Motivation    string     `json:"motivation,omitempty"`
	SanitaryAckAt *time.Time `json:"sanitary_ack_at,omitempty"`
	RefusalReason string     `json:"refusal_reason,omitempty"`
	CancelReason  string     `json:"cancel_reason,omitempty"`
	ReasonDetail  string     `json:"reason_detail,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	// AnswerBy is when the association should have answered a pending
	// application (its campaign's response time); FlaggedLateAt when it
	// was reminded that it had not.
	AnswerBy      *time.Time `json:"answer_by,omitempty"`
	FlaggedLateAt *time.Time `json:"flagged_late_at,omitempty"`
	// StartsAt and EndsAt are the participation's slot, or its one-off
	// mission's day; nil when the mission has no date.
	StartsAt *time.Time `json:"starts_at,omitempty"`
	EndsAt   *time.Time `json:"ends_at,omitempty"`
	// CalendarSequence is the SEQUENCE of its calendar event, raised by
	// the database on every change of status or slot.
	CalendarSequence int `json:"-"`
	// Shown with lists; filled by reads, not stored.
	MissionTitle string `json:"mission_title,omitempty"`
	Association  string `json:"association,omitempty"`
	MemberName   string `json:"member_name,omitempty"`
	MemberEmail  string `json:"member_email,omitempty"`
	Company      string `json:"company,omitempty"`
	Locale       string `json:"-"` // the company's, for mails
	// WaitingPosition is the place on the waiting list (1 = next), when waiting.
	WaitingPosition int `json:"waiting_position,omitempty"`
}

// AnswerBy is when an application made (or promoted) at now should be
// answered, under a campaign's response time of days days.
func AnswerBy(now time.Time, days int) *time.Time {
	if days <= 0 {
		days = DefaultResponseDays
	}
	t := now.AddDate(0, 0, days)
	return &t
}

// Late reports whether the association left the application unanswered
// past its response time (lateApplication in SQL).
func (p *Participation) Late(now time.Time) bool {
	return p.Status == Pending && p.AnswerBy != nil && p.AnswerBy.Before(now)
}

// CanMove reports whether the participation may become to: the one rule
// behind every action a page offers (cancel, validate, refuse, attend).
func (p *Participation) CanMove(to string) bool {
	return slices.Contains(participationMoves[p.Status], to)
}

// Move changes a participation's status if the state machine allows it.
func (p *Participation) Move(to string) error {
	if !p.CanMove(to) {
		return errs.E(errs.Conflict, "a participation that is %s cannot become %s", p.Status, to)
	}
	p.Status = to
	return nil
}

// Covers reports whether a mission the company sees is among the
// campaign's missions (its scope; SQL twin: postgres.campaignScopeSQL):
// every mission, those of its causes, or those it lists; the company's
// private missions (listed for it) belong to every campaign, and in a
// crisis so do the vital missions.
func (c *Campaign) Covers(mission uuid.UUID, cause *string, vital, private bool) bool {
	if private || (vital && c.Crisis) {
		return true
	}
	switch c.MissionScope {
	case ScopeCauses:
		return cause != nil && slices.Contains(c.MissionCauses, *cause)
	case ScopeListed:
		return slices.Contains(c.MissionIDs, mission)
	}
	return true
}
