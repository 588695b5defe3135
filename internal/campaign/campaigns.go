package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// BuiltInTemplate is the drive of spring 2020, shipped with the schema:
// staff may edit it but not delete it.
const BuiltInTemplate = "tous-confines-tous-engages"

// Audiences of a campaign.
const (
	AudienceAll         = "all"
	AudienceDepartments = "departments"
	AudienceSites       = "sites"
)

// Mission scopes of a campaign.
const (
	ScopeAll    = "all"
	ScopeCauses = "causes"
	ScopeListed = "listed"
)

// Template pre-fills a campaign. Staff curate templates for every company;
// texts come in both languages and a campaign takes its company's.
type Template struct {
	Code                 string    `json:"code"`
	NameFR               string    `json:"name_fr"`
	NameEN               string    `json:"name_en"`
	DescriptionFR        string    `json:"description_fr"`
	DescriptionEN        string    `json:"description_en"`
	Crisis               bool      `json:"crisis"` // vital missions pinned first, with sanitary rules and the redirect
	RemoteFirst          bool      `json:"remote_first"`
	GoalParticipationPct *int      `json:"goal_participation_pct,omitempty"` // share of the audience expected to take part
	GoalHoursPerPerson   *float64  `json:"goal_hours_per_person,omitempty"`
	DurationDays         int       `json:"duration_days"`
	MaxActivePerEmployee int       `json:"max_active_per_employee"`
	AutoApproveHours     float64   `json:"auto_approve_hours"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// TemplateInput is a change to a template: the fields given replace the
// template's, the others stay. A goal of 0 removes it.
type TemplateInput struct {
	NameFR               *string  `json:"name_fr"`
	NameEN               *string  `json:"name_en"`
	DescriptionFR        *string  `json:"description_fr"`
	DescriptionEN        *string  `json:"description_en"`
	Crisis               *bool    `json:"crisis"`
	RemoteFirst          *bool    `json:"remote_first"`
	GoalParticipationPct *int     `json:"goal_participation_pct"`
	GoalHoursPerPerson   *float64 `json:"goal_hours_per_person"`
	DurationDays         *int     `json:"duration_days"`
	MaxActivePerEmployee *int     `json:"max_active_per_employee"`
	AutoApproveHours     *float64 `json:"auto_approve_hours"`
}

func (in TemplateInput) applyTo(t *Template) {
	set(&t.NameFR, in.NameFR)
	set(&t.NameEN, in.NameEN)
	set(&t.DescriptionFR, in.DescriptionFR)
	set(&t.DescriptionEN, in.DescriptionEN)
	set(&t.Crisis, in.Crisis)
	set(&t.RemoteFirst, in.RemoteFirst)
	set(&t.DurationDays, in.DurationDays)
	set(&t.MaxActivePerEmployee, in.MaxActivePerEmployee)
	set(&t.AutoApproveHours, in.AutoApproveHours)
	if in.GoalParticipationPct != nil {
		t.GoalParticipationPct = nonZero(*in.GoalParticipationPct)
	}
	if in.GoalHoursPerPerson != nil {
		t.GoalHoursPerPerson = nonZero(*in.GoalHoursPerPerson)
	}
}

// set replaces *dst with *v when v is given.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// nonZero is a pointer to v, nil for the zero value (a goal removed).
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// Normalize trims a template's texts, fills defaults and checks the rules
// a person can break; the error names the field.
func (t *Template) Normalize() error {
	t.Code = strings.TrimSpace(t.Code)
	for _, s := range []*string{&t.NameFR, &t.NameEN, &t.DescriptionFR, &t.DescriptionEN} {
		*s = strings.TrimSpace(*s)
	}
	if t.DurationDays == 0 {
		t.DurationDays = 60
	}
	if t.MaxActivePerEmployee == 0 {
		t.MaxActivePerEmployee = 2
	}
	// Every rule is checked, so that the template form shows all its
	// mistakes at once.
	var bad errs.Checks
	check := bad.Check
	check(!templateCode(t.Code), "code", "the code must be 1 to 60 lowercase letters, digits and hyphens")
	check(t.NameFR == "" || utf8.RuneCountInString(t.NameFR) > 200, "name_fr", "the French name is required (200 characters at most)")
	check(t.NameEN == "" || utf8.RuneCountInString(t.NameEN) > 200, "name_en", "the English name is required (200 characters at most)")
	check(utf8.RuneCountInString(t.DescriptionFR) > 20000, "description_fr", "the description is longer than 20 000 characters")
	check(utf8.RuneCountInString(t.DescriptionEN) > 20000, "description_en", "the description is longer than 20 000 characters")
	check(t.GoalParticipationPct != nil && (*t.GoalParticipationPct < 1 || *t.GoalParticipationPct > 100),
		"goal_participation_pct", "the participation goal is a percentage, 1 to 100")
	check(t.GoalHoursPerPerson != nil && (*t.GoalHoursPerPerson <= 0 || *t.GoalHoursPerPerson > 10000),
		"goal_hours_per_person", "the hours goal per person must be above 0 and at most 10 000")
	check(t.DurationDays < 1 || t.DurationDays > maxCampaignDays, "duration_days", "a campaign lasts 1 to %d days", maxCampaignDays)
	check(t.MaxActivePerEmployee < 1 || t.MaxActivePerEmployee > 100,
		"max_active_per_employee", "the limit of active participations must be between 1 and 100")
	check(t.AutoApproveHours < 0 || t.AutoApproveHours > 24, "auto_approve_hours", "the auto-approval threshold must be between 0 and 24 hours")
	return bad.Err()
}

func templateCode(s string) bool {
	if s == "" || len(s) > 60 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// maxCampaignDays bounds a campaign's length: figures have one point a day.
const maxCampaignDays = 731

// Day is a calendar date, written 2006-01-02 in JSON; a full RFC 3339
// time is accepted too and keeps its date.
type Day struct{ time.Time }

// DayOf returns the date of t, at midnight UTC.
func DayOf(t time.Time) Day {
	y, m, d := t.Date()
	return Day{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// MarshalJSON writes the date alone.
func (d Day) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.Format(time.DateOnly) + `"`), nil
}

// UnmarshalJSON reads 2006-01-02 or an RFC 3339 time.
func (d *Day) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return &json.UnmarshalTypeError{Value: "date " + s, Type: reflect.TypeFor[Day]()}
		}
	}
	*d = DayOf(t)
	return nil
}

// Scan reads a date column (database/sql), so that stores read Days
// without a copy of the type that holds them.
func (d *Day) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Day{}
	case time.Time:
		*d = DayOf(v)
	default:
		return fmt.Errorf("campaign.Day: cannot scan %T", src)
	}
	return nil
}

// CampaignInput is what an HR admin sends to create or change a campaign:
// the fields present replace the campaign's, the others stay. A goal or an
// allowance of 0 removes it.
type CampaignInput struct {
	Template             *string      `json:"template"` // creation only: pre-fill from this template
	Name                 *string      `json:"name"`
	Description          *string      `json:"description"`
	StartsOn             *Day         `json:"starts_on"`
	EndsOn               *Day         `json:"ends_on"`
	Audience             *string      `json:"audience"`
	AudienceValues       *[]string    `json:"audience_values"`
	MissionScope         *string      `json:"mission_scope"`
	MissionCauses        *[]string    `json:"mission_causes"`
	MissionIDs           *[]uuid.UUID `json:"mission_ids"`
	GoalParticipants     *int         `json:"goal_participants"`
	GoalHours            *float64     `json:"goal_hours"`
	MaxActivePerEmployee *int         `json:"max_active_per_employee"`
	AllowanceHours       *float64     `json:"allowance_hours"`
	AutoApproveHours     *float64     `json:"auto_approve_hours"`
	Crisis               *bool        `json:"crisis"`
	RemoteFirst          *bool        `json:"remote_first"`
	WorkTime             *bool        `json:"work_time"`
	ResponseDays         *int         `json:"response_days"`
}

// DecodeCampaignInput reads a JSON body strictly: an unknown field is an
// error naming it, so that a typo is not silently ignored.
func DecodeCampaignInput(body []byte) (CampaignInput, error) {
	var in CampaignInput
	if len(bytes.TrimSpace(body)) == 0 {
		return in, nil
	}
	return in, DecodeStrict(body, &in, "campaign")
}

// DecodeStrict decodes a JSON document into v, refusing unknown fields,
// with an errs.Invalid naming the field at fault.
func DecodeStrict(body []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		e := errs.Wrap(err, errs.Invalid, "the %s is not valid JSON: %s", what, strings.TrimPrefix(err.Error(), "json: "))
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			e.Field = te.Field
		} else if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			e.Field = strings.Trim(f, `"`)
			e.Message = "unknown field " + f
		}
		return e
	}
	return nil
}

// apply copies the fields present in in onto c.
// Check is the error Update would answer for in on c, with nothing saved:
// a form that could not read some of its inputs still shows the others'
// mistakes.
func (in CampaignInput) Check(c Campaign) error {
	c.MissionIDs = slices.Clone(c.MissionIDs)
	in.apply(&c)
	return c.Normalize()
}

func (in CampaignInput) apply(c *Campaign) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, in.Name)
	set(&c.Description, in.Description)
	set(&c.Audience, in.Audience)
	set(&c.MissionScope, in.MissionScope)
	if in.StartsOn != nil {
		c.StartsOn = in.StartsOn.Time
	}
	if in.EndsOn != nil {
		c.EndsOn = in.EndsOn.Time
	}
	if in.AudienceValues != nil {
		c.AudienceValues = *in.AudienceValues
	}
	if in.MissionCauses != nil {
		c.MissionCauses = *in.MissionCauses
	}
	if in.MissionIDs != nil {
		c.MissionIDs = *in.MissionIDs
	}
	if in.GoalParticipants != nil {
		c.GoalParticipants = nilIfZero(*in.GoalParticipants)
	}
	if in.GoalHours != nil {
		c.GoalHours = nilIfZeroF(*in.GoalHours)
	}
	if in.AllowanceHours != nil {
		c.AllowanceHours = nilIfZeroF(*in.AllowanceHours)
	}
	if in.MaxActivePerEmployee != nil {
		c.MaxActivePerEmployee = *in.MaxActivePerEmployee
	}
	if in.AutoApproveHours != nil {
		c.AutoApproveHours = *in.AutoApproveHours
	}
	if in.Crisis != nil {
		c.Crisis = *in.Crisis
	}
	if in.RemoteFirst != nil {
		c.RemoteFirst = *in.RemoteFirst
	}
	if in.WorkTime != nil {
		c.WorkTime = *in.WorkTime
	}
	if in.ResponseDays != nil {
		c.ResponseDays = *in.ResponseDays
	}
}

// positiveInt keeps a goal; 0 (or less) removes it. A negative value is
// kept so that Normalize names it.
// nilIfZero reads a goal or an allowance: 0 means none; any other value,
// negative included, is kept for Normalize to judge.
func nilIfZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func nilIfZeroF(f float64) *float64 {
	if f == 0 {
		return nil
	}
	return &f
}

// Defaults of a campaign made from scratch. Normalize fills none: a limit
// set to 0 is refused, never silently replaced.
const (
	DefaultMaxActivePerEmployee = 2
	DefaultResponseDays         = 7
)

// Normalize trims a campaign's texts, fills the empty lists and checks
// every rule a person can break; the error names the field.
func (c *Campaign) Normalize() error {
	c.Name = strings.TrimSpace(c.Name)
	c.Description = strings.TrimSpace(c.Description)
	if c.Audience == "" {
		c.Audience = AudienceAll
	}
	if c.MissionScope == "" {
		c.MissionScope = ScopeAll
	}
	c.AudienceValues = cleanList(c.AudienceValues)
	c.MissionCauses = cleanList(c.MissionCauses)
	if c.MissionIDs == nil {
		c.MissionIDs = []uuid.UUID{}
	}
	c.MissionIDs = slices.Compact(sortedIDs(c.MissionIDs))
	// Every rule is checked, so that a form shows all its mistakes at
	// once; a field is named once, by its first broken rule.
	var bad errs.Checks
	check := bad.Check
	check(c.Name == "" || utf8.RuneCountInString(c.Name) > 200, "name", "the name is required (200 characters at most)")
	check(utf8.RuneCountInString(c.Description) > 20000, "description", "the description is longer than 20 000 characters")
	check(c.StartsOn.IsZero(), "starts_on", "the start date is required (2006-01-02)")
	check(c.EndsOn.IsZero(), "ends_on", "the end date is required (2006-01-02)")
	if !c.StartsOn.IsZero() {
		check(c.EndsOn.Before(c.StartsOn), "ends_on", "the campaign ends before it starts")
		check(c.EndsOn.Sub(c.StartsOn) > maxCampaignDays*24*time.Hour, "ends_on", "a campaign lasts %d days at most", maxCampaignDays)
	}
	check(c.Audience != AudienceAll && c.Audience != AudienceDepartments && c.Audience != AudienceSites,
		"audience", "audience %q is not one of all, departments, sites", c.Audience)
	check(c.Audience == AudienceDepartments && len(c.AudienceValues) == 0, "audience_values", "name the departments the campaign is for")
	check(c.Audience == AudienceSites && len(c.AudienceValues) == 0, "audience_values", "name the sites the campaign is for")
	check(c.MissionScope != ScopeAll && c.MissionScope != ScopeCauses && c.MissionScope != ScopeListed,
		"mission_scope", "mission_scope %q is not one of all, causes, listed", c.MissionScope)
	check(c.MissionScope == ScopeCauses && len(c.MissionCauses) == 0, "mission_causes", "choose at least one cause")
	check(c.MissionScope == ScopeListed && len(c.MissionIDs) == 0, "mission_ids", "choose at least one mission")
	check(len(c.MissionIDs) > 1000, "mission_ids", "a campaign lists 1 000 missions at most")
	check(c.GoalParticipants != nil && (*c.GoalParticipants < 1 || *c.GoalParticipants > 10_000_000),
		"goal_participants", "the participants goal must be a positive number")
	check(c.GoalHours != nil && (*c.GoalHours <= 0 || *c.GoalHours > 99_999_999), "goal_hours", "the hours goal must be a positive number")
	check(c.MaxActivePerEmployee < 1 || c.MaxActivePerEmployee > 100,
		"max_active_per_employee", "the limit of active participations must be between 1 and 100")
	check(c.AllowanceHours != nil && (*c.AllowanceHours <= 0 || *c.AllowanceHours > 99_999),
		"allowance_hours", "the allowance must be a positive number of hours")
	check(c.AutoApproveHours < 0 || c.AutoApproveHours > 24, "auto_approve_hours", "the auto-approval threshold must be between 0 and 24 hours")
	check(c.ResponseDays < 1 || c.ResponseDays > 365, "response_days", "the response time must be between 1 and 365 days")
	for _, v := range c.AudienceValues {
		check(utf8.RuneCountInString(v) > 200, "audience_values", "%q is longer than 200 characters", v)
	}
	for _, code := range c.MissionCauses {
		_, ok := taxonomy.CauseByCode(code)
		check(!ok, "mission_causes", "cause %q is not in the list of causes", code)
	}
	if err := bad.Err(); err != nil {
		return err
	}
	if c.MissionScope != ScopeCauses {
		c.MissionCauses = []string{}
	}
	if c.MissionScope != ScopeListed {
		c.MissionIDs = []uuid.UUID{}
	}
	if c.Audience == AudienceAll {
		c.AudienceValues = []string{}
	}
	c.StartsOn, c.EndsOn = DayOf(c.StartsOn).Time, DayOf(c.EndsOn).Time
	return nil
}

// cleanList trims, drops empty and duplicate entries, keeping the order.
func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func sortedIDs(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// FromTemplate pre-fills a campaign from a template, in the company's
// locale: texts, dates from today for the template's duration, goals
// (participants = the template's share of the audience, rounded up; hours
// = hours per person × that goal), limits and flags.
func FromTemplate(t *Template, locale string, today time.Time, audienceSize int) Campaign {
	c := Campaign{TemplateCode: t.Code, Name: t.NameFR, Description: t.DescriptionFR,
		Audience: AudienceAll, MissionScope: ScopeAll, AudienceValues: []string{}, MissionCauses: []string{},
		MissionIDs: []uuid.UUID{}, MaxActivePerEmployee: t.MaxActivePerEmployee, AutoApproveHours: t.AutoApproveHours,
		Crisis: t.Crisis, RemoteFirst: t.RemoteFirst, ResponseDays: DefaultResponseDays}
	if locale == "en" {
		c.Name, c.Description = t.NameEN, t.DescriptionEN
	}
	start := DayOf(today).Time
	c.StartsOn, c.EndsOn = start, start.AddDate(0, 0, t.DurationDays)
	c.GoalParticipants, c.GoalHours = templateGoals(t, audienceSize)
	return c
}

// templateGoals turns a template's relative goals into a company's.
func templateGoals(t *Template, audienceSize int) (*int, *float64) {
	if t.GoalParticipationPct == nil || audienceSize == 0 {
		return nil, nil
	}
	n := int(math.Ceil(float64(*t.GoalParticipationPct) * float64(audienceSize) / 100))
	if t.GoalHoursPerPerson == nil {
		return &n, nil
	}
	h := math.Round(*t.GoalHoursPerPerson*float64(n)*10) / 10
	return &n, &h
}

// CanMove reports whether the campaign may become to: the one rule behind
// launching, closing, reopening and archiving, and the buttons offering them.
func (c *Campaign) CanMove(to string) bool { return slices.Contains(campaignMoves[c.Status], to) }

// Transition moves a campaign to another status if the state machine
// allows it (errs.Conflict otherwise), and stamps the first launch.
func (c *Campaign) Transition(to string, now time.Time) error {
	if !c.CanMove(to) {
		return errs.E(errs.Conflict, "a campaign that is %s cannot become %s", c.Status, to)
	}
	c.Status = to
	if to == Active && c.LaunchedAt == nil {
		c.LaunchedAt = &now
	}
	return nil
}

// Viewer is who reads campaigns: HR admins see all of their company's,
// employees only the active ones meant for them.
type Viewer struct {
	MemberID uuid.UUID
	HRAdmin  bool
}

// CampaignFilter selects campaigns of the company in the context.
type CampaignFilter struct {
	ID     *uuid.UUID
	Status string
	// ForMember, when set, keeps the active campaigns whose audience
	// includes this member (by department or site, letter case ignored).
	ForMember *uuid.UUID
}

// Invitee is a member of a campaign's audience to be mailed at launch.
type Invitee struct {
	MemberID uuid.UUID
	Email    string
	Name     string
}

// Launch is what a launch did: the campaign, the people it invited for the
// first time (and those whose earlier mail had failed), the company's name
// and locale for the mail.
type Launch struct {
	Campaign *Campaign
	Invitees []Invitee
	Company  string
	Locale   string
}

// SanitaryRule is one of the rules a volunteer acknowledges before a vital
// mission on site.
type SanitaryRule struct {
	Position int    `json:"position"`
	TextFR   string `json:"text_fr"`
	TextEN   string `json:"text_en"`
}

// CampaignStore keeps templates and campaigns. Campaign methods work on the
// company in the context (errs.NotFound for another company's campaign,
// as for a missing one); template methods on the platform's list.
type CampaignStore interface {
	Templates(ctx context.Context) ([]Template, error)
	Template(ctx context.Context, code string) (*Template, error)
	CreateTemplate(ctx context.Context, t *Template) error
	// UpdateTemplate changes a template under a row lock.
	UpdateTemplate(ctx context.Context, code string, fn func(*Template) error) (*Template, error)
	// DeleteTemplate fails with errs.Conflict while campaigns were made from it.
	DeleteTemplate(ctx context.Context, code string) error

	// AudienceSize counts the active members of an audience.
	AudienceSize(ctx context.Context, audience string, values []string) (int, error)
	// VisibleMissions returns those of ids that the company may see.
	VisibleMissions(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error)
	CreateCampaign(ctx context.Context, c *Campaign) error
	Campaigns(ctx context.Context, f CampaignFilter) ([]Campaign, error)
	// UpdateCampaign changes a campaign under a row lock.
	UpdateCampaign(ctx context.Context, id uuid.UUID, fn func(*Campaign) error) (*Campaign, error)
	// Launch changes a campaign under a row lock with fn, then, if it is
	// active, records the invitation of every active member of its
	// audience not yet invited, in the same transaction; it returns them
	// with those whose mail failed a while ago, to be mailed after commit.
	Launch(ctx context.Context, id uuid.UUID, fn func(*Campaign) error) (*Launch, error)
	// Mailed records that these invitations went out.
	Mailed(ctx context.Context, campaignID uuid.UUID, members []uuid.UUID) error
	// CampaignMissions lists the missions of a campaign visible to the
	// company: vital ones first in a crisis, remote ones first when asked.
	CampaignMissions(ctx context.Context, c *Campaign, limit int) ([]catalog.Mission, error)
	// CampaignPlaces gives the places left of the missions CampaignMissions
	// lists, by mission.
	CampaignPlaces(ctx context.Context, c *Campaign, limit int) (map[uuid.UUID]int, error)
	// MissionPlaces gives the places left of these missions, by mission
	// (a missing one is left out).
	MissionPlaces(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int, error)
	// CampaignMission is one of those; errs.NotFound for any other.
	CampaignMission(ctx context.Context, c *Campaign, missionID uuid.UUID) (*catalog.Mission, error)
	// SanitaryRules are the health ministry's rules shown with vital missions.
	SanitaryRules(ctx context.Context) ([]SanitaryRule, error)
	// Redirect records a click-through to a mission's external sign-up and
	// returns its address (errs.NotFound for a mission without one).
	// Redirect returns a mission's external sign-up address once decide
	// accepts whether it needs the sanitary acknowledgement, and counts the
	// click for the company.
	Redirect(ctx context.Context, missionID uuid.UUID, campaignID, memberID *uuid.UUID, decide func(requiresAck bool) error) (string, error)
}

// CampaignMissions lists the missions of a campaign visible to its
// audience (the allocation's candidates).
func (s *Service) CampaignMissions(ctx context.Context, c *Campaign, limit int) ([]catalog.Mission, error) {
	return s.st.Campaigns.CampaignMissions(ctx, c, limit)
}

// CampaignPlaces gives the places left of the missions CampaignMissions
// lists, by mission: all that sign-ups change of them.
func (s *Service) CampaignPlaces(ctx context.Context, c *Campaign, limit int) (map[uuid.UUID]int, error) {
	return s.st.Campaigns.CampaignPlaces(ctx, c, limit)
}

// MissionPlaces gives the places left of these missions, by mission.
func (s *Service) MissionPlaces(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int, error) {
	return s.st.Campaigns.MissionPlaces(ctx, ids)
}

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
	err := s.Unit(ctx, func(ctx context.Context) error {
		if err := s.st.Campaigns.CreateCampaign(ctx, &c); err != nil {
			return err
		}
		return s.Audit(ctx, campaignEvent(ctx, ActionCampaignCreated, &c, nil))
	})
	if err != nil {
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
	var out *Campaign
	err := s.Unit(ctx, func(ctx context.Context) error {
		c, err := s.st.Campaigns.UpdateCampaign(ctx, id, func(c *Campaign) error {
			if c.Status == Archived {
				return errs.E(errs.Conflict, "an archived campaign cannot change")
			}
			in.apply(c)
			return c.Normalize()
		})
		if err != nil {
			return err
		}
		out = c
		return s.Audit(ctx, campaignEvent(ctx, ActionCampaignSettings, c, nil))
	})
	return out, err
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
	var out *Campaign
	err := s.Unit(ctx, func(ctx context.Context) error {
		from := ""
		c, err := s.st.Campaigns.UpdateCampaign(ctx, id, func(c *Campaign) error {
			if to == Active && c.Status != Closed {
				return errs.E(errs.Conflict, "only a closed campaign can be reopened; this one is %s (launch it instead)", c.Status)
			}
			from = c.Status
			return c.Transition(to, s.Now())
		})
		if err != nil {
			return err
		}
		out = c
		return s.Audit(ctx, campaignEvent(ctx, ActionCampaignStatus, c, map[string]string{"status_from": from, "status_to": c.Status}))
	})
	return out, err
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
		if first {
			if err := s.Audit(ctx, campaignEvent(ctx, ActionCampaignLaunched, l.Campaign, map[string]string{"invited": strconv.Itoa(res.Invited)})); err != nil {
				return err
			}
		}
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

// MissionDetail is one mission of a campaign as its page shows it.
type MissionDetail struct {
	Campaign *Campaign
	Mission  *catalog.Mission
	// SanitaryRules are shown when the mission needs their acknowledgement.
	SanitaryRules []SanitaryRule
}

// Mission returns a mission of a campaign the viewer sees: errs.NotFound
// for one the campaign does not cover or the company may not see, exactly
// as for one that does not exist.
func (s *Service) Mission(ctx context.Context, v Viewer, campaignID, missionID uuid.UUID) (*MissionDetail, error) {
	c, err := s.Get(ctx, v, campaignID)
	if err != nil {
		return nil, err
	}
	m, err := s.st.Campaigns.CampaignMission(ctx, c, missionID)
	if err != nil {
		return nil, err
	}
	out := &MissionDetail{Campaign: c, Mission: m}
	if m.RequiresSanitaryAck {
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

// LaunchResult is what a launch did.
type LaunchResult struct {
	Campaign *Campaign `json:"campaign"`
	Invited  int       `json:"invited"` // mailed by this launch
	Failed   int       `json:"failed"`  // mails that failed; the next launch retries them
}

// CampaignMissions is a campaign's list of missions, with the sanitary
// rules when vital missions are pinned.
type CampaignMissions struct {
	Missions      []catalog.Mission `json:"missions"`
	SanitaryRules []SanitaryRule    `json:"sanitary_rules,omitempty"`
}
