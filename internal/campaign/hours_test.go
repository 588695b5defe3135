package campaign

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

func TestDecideHours(t *testing.T) {
	t.Parallel()
	now := time.Date(2020, 4, 10, 12, 0, 0, 0, time.UTC)
	day := func(d int) Day { return DayOf(now.AddDate(0, 0, d)) }
	snap := func() *HourSnapshot {
		// A campaign from day -30 to day +30, accepted on day -20.
		accepted := now.AddDate(0, 0, -20)
		return &HourSnapshot{Now: now, ParticipationStatus: Validated, CampaignName: "Drive",
			AllowanceHours: ptr(10.0), AutoApproveHours: 2, Committed: 7,
			CampaignStarts: day(-30), CampaignEnds: day(30), Accepted: &accepted}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*HourSnapshot)
		in     HourInput
		status string
		code   errs.Code
		field  string
	}{
		{"under the threshold: approved at once", nil, HourInput{WorkedOn: day(-1), Hours: 2}, HoursApproved, "", ""},
		{"above it: pending", nil, HourInput{WorkedOn: day(-1), Hours: 2.5}, HoursPending, "", ""},
		{"no threshold: pending", func(s *HourSnapshot) { s.AutoApproveHours = 0 }, HourInput{WorkedOn: day(0), Hours: 1}, HoursPending, "", ""},
		{"today somewhere on Earth is not the future", nil, HourInput{WorkedOn: day(1), Hours: 1}, HoursApproved, "", ""},
		{"up to the allowance exactly", nil, HourInput{WorkedOn: day(-1), Hours: 3}, HoursPending, "", ""},
		{"done participations too", func(s *HourSnapshot) { s.ParticipationStatus = Done }, HourInput{WorkedOn: day(-1), Hours: 1}, HoursApproved, "", ""},
		{"no allowance: no cap", func(s *HourSnapshot) { s.AllowanceHours = nil; s.Committed = 500 }, HourInput{WorkedOn: day(-1), Hours: 8}, HoursPending, "", ""},
		{"over the allowance", nil, HourInput{WorkedOn: day(-1), Hours: 3.25}, "", errs.Conflict, ""},
		{"the future", nil, HourInput{WorkedOn: day(2), Hours: 1}, "", errs.Invalid, "worked_on"},
		{"no date", nil, HourInput{Hours: 1}, "", errs.Invalid, "worked_on"},
		{"more than a day", nil, HourInput{WorkedOn: day(-1), Hours: 24.5}, "", errs.Invalid, "hours"},
		{"nothing", nil, HourInput{WorkedOn: day(-1), Hours: 0}, "", errs.Invalid, "hours"},
		{"a day already full", func(s *HourSnapshot) { s.SameDay = 23 }, HourInput{WorkedOn: day(-1), Hours: 2}, "", errs.Invalid, "hours"},
		{"not validated yet", func(s *HourSnapshot) { s.ParticipationStatus = Pending }, HourInput{WorkedOn: day(-1), Hours: 1}, "", errs.Conflict, ""},
		{"cancelled", func(s *HourSnapshot) { s.ParticipationStatus = Cancelled }, HourInput{WorkedOn: day(-1), Hours: 1}, "", errs.Conflict, ""},
		// The window: the campaign's and the mission's dates, from the
		// acceptance, up to today.
		{"the day of the acceptance", nil, HourInput{WorkedOn: day(-20), Hours: 1}, HoursApproved, "", ""},
		{"before the acceptance", nil, HourInput{WorkedOn: day(-21), Hours: 1}, "", errs.Invalid, "worked_on"},
		{"1999, long before the campaign", func(s *HourSnapshot) { s.Accepted = nil }, HourInput{WorkedOn: DayOf(time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)), Hours: 1}, "", errs.Invalid, "worked_on"},
		{"before the campaign", func(s *HourSnapshot) { s.Accepted = nil }, HourInput{WorkedOn: day(-31), Hours: 1}, "", errs.Invalid, "worked_on"},
		{"the campaign's first day", func(s *HourSnapshot) { s.Accepted = nil }, HourInput{WorkedOn: day(-30), Hours: 1}, HoursApproved, "", ""},
		{"after the campaign ended", func(s *HourSnapshot) { s.CampaignEnds = day(-5) }, HourInput{WorkedOn: day(-4), Hours: 1}, "", errs.Invalid, "worked_on"},
		{"before the mission started", func(s *HourSnapshot) { d := day(-3); s.MissionStarts = &d }, HourInput{WorkedOn: day(-4), Hours: 1}, "", errs.Invalid, "worked_on"},
		{"after the mission ended", func(s *HourSnapshot) { d := day(-3); s.MissionEnds = &d }, HourInput{WorkedOn: day(-2), Hours: 1}, "", errs.Invalid, "worked_on"},
		{"the mission's last day", func(s *HourSnapshot) { d := day(-3); s.MissionEnds = &d }, HourInput{WorkedOn: day(-3), Hours: 1}, HoursApproved, "", ""},
	} {
		s := snap()
		if tc.edit != nil {
			tc.edit(s)
		}
		got, err := DecideHours(s, &tc.in)
		var e *errs.Error
		switch {
		case tc.code == "" && (err != nil || got != tc.status):
			t.Errorf("%s: %q, %v; want %s", tc.name, got, err, tc.status)
		case tc.code != "" && (!asErr(err, &e) || e.Code != tc.code || e.Field != tc.field):
			t.Errorf("%s: %v; want %s naming %q", tc.name, err, tc.code, tc.field)
		}
	}
}

func TestAssociationTravelsInTheContext(t *testing.T) {
	t.Parallel()
	if _, ok := AssociationFrom(context.Background()); ok {
		t.Fatal("a bare context acts for no association")
	}
	id := uuid.Must(uuid.NewV7())
	if got, ok := AssociationFrom(ForAssociation(context.Background(), id)); !ok || got != id {
		t.Fatalf("got %s %v; want %s", got, ok, id)
	}
	if _, ok := AssociationFrom(ForAssociation(context.Background(), uuid.Nil)); ok {
		t.Fatal("the nil id is no association")
	}
}
