package campaign

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
)

func ptr[T any](v T) *T { return &v }

func TestFromTemplateTurnsRelativeGoalsIntoTheCompanys(t *testing.T) {
	t.Parallel()
	tpl := &Template{Code: BuiltInTemplate, NameFR: "Tous confinés, Tous engagés", NameEN: "All confined, all engaged",
		DescriptionFR: "fr", DescriptionEN: "en", Crisis: true, RemoteFirst: true, GoalParticipationPct: ptr(20),
		GoalHoursPerPerson: ptr(10.0), DurationDays: 60, MaxActivePerEmployee: 2, AutoApproveHours: 4}
	now := time.Date(2020, 3, 17, 22, 30, 0, 0, time.UTC)
	c := FromTemplate(tpl, "en", now, 7)
	switch {
	case c.Name != "All confined, all engaged" || c.Description != "en":
		t.Errorf("texts %q %q; want the English ones", c.Name, c.Description)
	case !c.StartsOn.Equal(time.Date(2020, 3, 17, 0, 0, 0, 0, time.UTC)) || !c.EndsOn.Equal(time.Date(2020, 5, 16, 0, 0, 0, 0, time.UTC)):
		t.Errorf("dates %s..%s; want 2020-03-17..2020-05-16", c.StartsOn, c.EndsOn)
	case c.GoalParticipants == nil || *c.GoalParticipants != 2 || c.GoalHours == nil || *c.GoalHours != 20:
		t.Errorf("goals %v %v; want 2 participants (20%% of 7, rounded up) and 20 hours", c.GoalParticipants, c.GoalHours)
	case !c.Crisis || !c.RemoteFirst || c.MaxActivePerEmployee != 2 || c.AutoApproveHours != 4 || c.TemplateCode != BuiltInTemplate:
		t.Errorf("flags and limits not copied: %+v", c)
	}
	if err := c.Normalize(); err != nil {
		t.Fatalf("a campaign from a template is valid: %v", err)
	}
	if c := FromTemplate(tpl, "fr", now, 0); c.GoalParticipants != nil || c.Name != tpl.NameFR {
		t.Errorf("an empty audience has no goal; French texts in French: %+v", c)
	}
}

func TestCampaignRulesNameTheField(t *testing.T) {
	t.Parallel()
	start := time.Date(2020, 3, 17, 0, 0, 0, 0, time.UTC)
	valid := func() Campaign {
		return Campaign{Name: "Drive", StartsOn: start, EndsOn: start.AddDate(0, 2, 0),
			MaxActivePerEmployee: DefaultMaxActivePerEmployee, ResponseDays: DefaultResponseDays}
	}
	for field, edit := range map[string]func(*Campaign){
		"name":                    func(c *Campaign) { c.Name = "  " },
		"ends_on":                 func(c *Campaign) { c.EndsOn = start.AddDate(3, 0, 0) },
		"audience":                func(c *Campaign) { c.Audience = "friends" },
		"audience_values":         func(c *Campaign) { c.Audience, c.AudienceValues = AudienceSites, []string{" "} },
		"mission_scope":           func(c *Campaign) { c.MissionScope = "some" },
		"goal_participants":       func(c *Campaign) { c.GoalParticipants = ptr(-3) },
		"allowance_hours":         func(c *Campaign) { c.AllowanceHours = ptr(-1.0) },
		"auto_approve_hours":      func(c *Campaign) { c.AutoApproveHours = 25 },
		"max_active_per_employee": func(c *Campaign) { c.MaxActivePerEmployee = 101 },
		"response_days":           func(c *Campaign) { c.ResponseDays = 0 },
	} {
		c := valid()
		edit(&c)
		var e *errs.Error
		if err := c.Normalize(); !asErr(err, &e) || e.Field != field {
			t.Errorf("%s: %v; want an error naming it", field, err)
		}
	}
	// A limit of 0 is refused, never replaced by the default.
	zero := valid()
	zero.MaxActivePerEmployee = 0
	var e *errs.Error
	if err := zero.Normalize(); !asErr(err, &e) || e.Field != "max_active_per_employee" || zero.MaxActivePerEmployee != 0 {
		t.Errorf("a limit of 0: %v, now %d; want refused, naming max_active_per_employee", err, zero.MaxActivePerEmployee)
	}
	c := valid()
	c.Audience, c.AudienceValues = AudienceDepartments, []string{" Finance", "Finance", "IT "}
	c.MissionCauses = []string{"education"}
	if err := c.Normalize(); err != nil || len(c.AudienceValues) != 2 || len(c.MissionCauses) != 0 {
		t.Errorf("normalized %+v (%v); want trimmed, deduplicated values and no causes outside the causes scope", c, err)
	}
}

func asErr(err error, e **errs.Error) bool {
	x, ok := err.(*errs.Error)
	*e = x
	return ok
}

func TestTransitionStampsTheFirstLaunchOnly(t *testing.T) {
	t.Parallel()
	first := time.Date(2020, 3, 17, 9, 0, 0, 0, time.UTC)
	c := Campaign{Status: Draft}
	if err := c.Transition(Closed, first); !errs.Is(err, errs.Conflict) {
		t.Fatalf("draft -> closed: %v; want a conflict", err)
	}
	for i, to := range []string{Active, Closed, Active} {
		if err := c.Transition(to, first.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if c.LaunchedAt == nil || !c.LaunchedAt.Equal(first) {
		t.Fatalf("launched at %v; want the first launch, %s", c.LaunchedAt, first)
	}
}

func TestDayReadsDatesAndTimesAndWritesDates(t *testing.T) {
	t.Parallel()
	var in struct{ A, B Day }
	if err := json.Unmarshal([]byte(`{"A":"2020-03-17","B":"2020-03-17T23:30:00+01:00"}`), &in); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(in)
	if string(out) != `{"A":"2020-03-17","B":"2020-03-17"}` {
		t.Fatalf("round trip: %s", out)
	}
	var bad struct {
		D Day `json:"starts_on"`
	}
	var e *errs.Error
	if err := DecodeStrict([]byte(`{"starts_on":"17/03/2020"}`), &bad, "campaign"); !asErr(err, &e) || e.Field != "starts_on" {
		t.Fatalf("a bad date: %v; want an error naming starts_on", err)
	}
}
