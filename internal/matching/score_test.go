package matching_test

import (
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/matching"
)

var (
	paris = matching.GeoPoint{Lat: 48.8566, Lon: 2.3522}
	lyon  = matching.GeoPoint{Lat: 45.7640, Lon: 4.8357}
	// about 10 km from central Paris
	montreuil = matching.GeoPoint{Lat: 48.8638, Lon: 2.4485}
)

func day(d int) time.Time { return time.Date(2020, 4, d, 0, 0, 0, 0, time.UTC) }

func webMission(mod func(*matching.Mission)) matching.Mission {
	m := matching.Mission{
		ID: "m1", Cause: "solidarity", Format: matching.Remote, HoursPerWeek: 3,
		Start: day(1), End: day(30), PlacesLeft: 2, Places: 2,
		Skills: []matching.SkillNeed{{Code: "it.web-dev", Level: 2, Required: true}},
	}
	if mod != nil {
		mod(&m)
	}
	return m
}

func webEmployee(mod func(*matching.Employee)) matching.Employee {
	e := matching.Employee{
		ID: "e1", Skills: []matching.SkillLevel{{Code: "it.web-dev", Level: 3}},
		Causes: []string{"solidarity"}, Home: paris, RadiusKm: 20, HoursPerWeek: 4,
	}
	if mod != nil {
		mod(&e)
	}
	return e
}

func TestEligibility(t *testing.T) {
	camp := matching.Campaign{MaxPerEmployee: 1}
	onSiteNear := func(m *matching.Mission) { m.Format, m.Place = matching.OnSite, montreuil }
	cases := []struct {
		name string
		emp  func(*matching.Employee)
		mis  func(*matching.Mission)
		want matching.Reason
	}{
		// eligible
		{"remote mission, any format", nil, nil, matching.Eligible},
		{"remote-only employee, remote mission", func(e *matching.Employee) { e.Format = matching.RemoteOnly }, nil, matching.Eligible},
		{"on-site mission within the radius", nil, onSiteNear, matching.Eligible},
		{"hours needed equal to hours offered", func(e *matching.Employee) { e.HoursPerWeek = 3 }, nil, matching.Eligible},
		{"availability overlapping the dates", func(e *matching.Employee) { e.AvailableFrom, e.AvailableTo = day(20), day(28) }, nil, matching.Eligible},
		{"no radius stated, mission 10 km away", func(e *matching.Employee) { e.RadiusKm = 0 }, onSiteNear, matching.Eligible},
		{"a mission asking no skill", func(e *matching.Employee) { e.Skills = nil }, func(m *matching.Mission) { m.Skills = nil }, matching.Eligible},
		// ineligible, with the reason
		{"remote-only employee, on-site mission", func(e *matching.Employee) { e.Format = matching.RemoteOnly }, onSiteNear, matching.ReasonFormat},
		{"on-site-only employee, remote mission", func(e *matching.Employee) { e.Format = matching.OnSiteOnly }, nil, matching.ReasonFormat},
		{"on-site mission beyond the radius", nil, func(m *matching.Mission) { m.Format, m.Place = matching.OnSite, lyon }, matching.ReasonDistance},
		{"on-site mission, employee 10 km away with a 5 km radius", func(e *matching.Employee) { e.RadiusKm = 5 }, onSiteNear, matching.ReasonDistance},
		{"mission over before availability starts", func(e *matching.Employee) { e.AvailableFrom = day(30).AddDate(0, 0, 1) }, nil, matching.ReasonDates},
		{"mission starts after availability ends", func(e *matching.Employee) { e.AvailableTo = day(1).AddDate(0, 0, -1) }, nil, matching.ReasonDates},
		{"more hours per week than offered", func(e *matching.Employee) { e.HoursPerWeek = 2 }, nil, matching.ReasonHours},
		{"no places left", nil, func(m *matching.Mission) { m.PlacesLeft = 0 }, matching.ReasonFull},
		{"campaign limit reached", func(e *matching.Employee) { e.Taken = 1 }, nil, matching.ReasonLimit},
		{"declined before", func(e *matching.Employee) { e.Declined = []string{"m1"} }, nil, matching.ReasonDeclined},
		{"no skill of the mission, nor a close one", func(e *matching.Employee) {
			e.Skills = []matching.SkillLevel{{Code: "finance.accounting", Level: 4}}
		}, nil, matching.ReasonNoSkill},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, m := webEmployee(tc.emp), webMission(tc.mis)
			ex := matching.Evaluate(camp, &e, &m)
			if ex.Reason != tc.want || ex.Eligible != (tc.want == matching.Eligible) {
				t.Fatalf("got eligible=%v reason=%q, want reason %q", ex.Eligible, ex.Reason, tc.want)
			}
			if !ex.Eligible && ex.Score != 0 {
				t.Fatalf("ineligible pair scored %d", ex.Score)
			}
		})
	}
}

func score(t *testing.T, c matching.Campaign, e matching.Employee, m matching.Mission) matching.Explanation {
	t.Helper()
	ex := matching.Evaluate(c, &e, &m)
	if !ex.Eligible {
		t.Fatalf("pair not eligible: %s", ex.Reason)
	}
	if want := min(100, max(0, ex.SkillPoints+ex.CausePoints+ex.VitalBoost-ex.PopularityPenalty)); ex.Score != want {
		t.Fatalf("score %d is not the sum of its parts %+v", ex.Score, ex)
	}
	return ex
}

func TestScoreWeighsSkillsByImportanceAndLevel(t *testing.T) {
	camp := matching.Campaign{}
	two := func(m *matching.Mission) {
		m.Skills = []matching.SkillNeed{
			{Code: "it.web-dev", Level: 2, Required: true},
			{Code: "design.graphic-design", Level: 2},
		}
	}
	withSkills := func(s ...matching.SkillLevel) func(*matching.Employee) {
		return func(e *matching.Employee) { e.Skills = s }
	}
	both := score(t, camp, webEmployee(withSkills(matching.SkillLevel{Code: "it.web-dev", Level: 2}, matching.SkillLevel{Code: "design.graphic-design", Level: 2})), webMission(two))
	required := score(t, camp, webEmployee(withSkills(matching.SkillLevel{Code: "it.web-dev", Level: 2})), webMission(two))
	nice := score(t, camp, webEmployee(withSkills(matching.SkillLevel{Code: "design.graphic-design", Level: 2})), webMission(two))
	if !(both.Score > required.Score && required.Score > nice.Score) {
		t.Fatalf("scores both=%d required-only=%d nice-only=%d: want both > required > nice", both.Score, required.Score, nice.Score)
	}
	if both.Coverage != 1 || both.SkillPoints != matching.SkillPoints {
		t.Fatalf("full coverage gave %v, %d points", both.Coverage, both.SkillPoints)
	}
	if len(nice.Missing) != 1 || nice.Missing[0] != "it.web-dev" {
		t.Fatalf("missing = %v, want [it.web-dev]", nice.Missing)
	}
	// The explanation lists the mission's skills as it asks for them.
	asked := [][3]any{{"it.web-dev", true, matching.Level(2)}, {"design.graphic-design", false, matching.Level(2)}}
	for i, sm := range nice.Skills {
		if i >= len(asked) || [3]any{sm.Code, sm.Required, sm.Need} != asked[i] {
			t.Fatalf("explained skills %+v, want %v", nice.Skills, asked)
		}
	}
	if len(nice.Skills) != len(asked) {
		t.Fatalf("explained skills %+v, want %v", nice.Skills, asked)
	}

	at := func(l matching.Level) matching.Explanation {
		return score(t, camp, webEmployee(withSkills(matching.SkillLevel{Code: "it.web-dev", Level: l})), webMission(func(m *matching.Mission) {
			m.Skills = []matching.SkillNeed{{Code: "it.web-dev", Level: 3, Required: true}}
		}))
	}
	exact, below1, below2 := at(3), at(2), at(1)
	if !(exact.Score > below1.Score && below1.Score > below2.Score && below2.Score > 0) {
		t.Fatalf("level 3/2/1 for a level-3 need scored %d/%d/%d: want decreasing and positive", exact.Score, below1.Score, below2.Score)
	}
	if k := below1.Skills[0].Kind; k != matching.MatchBelowLevel || below1.Skills[0].Credit != 0.5 {
		t.Fatalf("one level below: kind %s credit %v, want below_level 0.5", k, below1.Skills[0].Credit)
	}

	sibling := score(t, camp, webEmployee(withSkills(matching.SkillLevel{Code: "it.mobile-dev", Level: 4})), webMission(nil))
	if sibling.Score <= 0 || sibling.Score >= below2.Score {
		t.Fatalf("same-family skill scored %d: want some credit, less than the skill itself at a low level (%d)", sibling.Score, below2.Score)
	}
	sm := sibling.Skills[0]
	if sm.Kind != matching.MatchFamily || sm.Via != "it.mobile-dev" || sm.Credit != 0.3 {
		t.Fatalf("same-family explanation %+v", sm)
	}
}

func TestScoreCausesBoostAndPopularity(t *testing.T) {
	base := score(t, matching.Campaign{}, webEmployee(nil), webMission(nil))
	if !base.CauseMatch || base.CausePoints != matching.CausePoints {
		t.Fatalf("shared cause: %+v", base)
	}
	other := score(t, matching.Campaign{}, webEmployee(func(e *matching.Employee) { e.Causes = []string{"sport"} }), webMission(nil))
	if other.CauseMatch || other.Score >= base.Score {
		t.Fatalf("cause not shared scored %d, shared %d", other.Score, base.Score)
	}
	vital := func(m *matching.Mission) { m.Vital = true }
	calm := score(t, matching.Campaign{}, webEmployee(nil), webMission(vital))
	crisis := score(t, matching.Campaign{Crisis: true}, webEmployee(nil), webMission(vital))
	if calm.VitalBoost != 0 || crisis.VitalBoost != matching.VitalBoostPoints || crisis.Score <= calm.Score {
		t.Fatalf("vital mission: boost %d outside a crisis, %d in one (scores %d, %d)", calm.VitalBoost, crisis.VitalBoost, calm.Score, crisis.Score)
	}
	popular := func(m *matching.Mission) { m.Places, m.PlacesLeft = 10, 1 }
	quiet := func(m *matching.Mission) { m.Places, m.PlacesLeft = 10, 9 }
	spread := matching.Campaign{SpreadVolunteers: true}
	p := score(t, spread, webEmployee(nil), webMission(popular))
	q := score(t, spread, webEmployee(nil), webMission(quiet))
	off := score(t, matching.Campaign{}, webEmployee(nil), webMission(popular))
	if !(p.PopularityPenalty > q.PopularityPenalty && p.Score < q.Score) || off.PopularityPenalty != 0 {
		t.Fatalf("popularity penalties: popular %d, quiet %d, switched off %d", p.PopularityPenalty, q.PopularityPenalty, off.PopularityPenalty)
	}
}

func TestScoreBelowCampaignThresholdIsNotEligible(t *testing.T) {
	e, m := webEmployee(func(e *matching.Employee) {
		e.Skills = []matching.SkillLevel{{Code: "it.mobile-dev", Level: 1}}
		e.Causes = []string{"sport"}
	}), webMission(nil)
	ex := matching.Evaluate(matching.Campaign{MinScore: 50}, &e, &m)
	if ex.Eligible || ex.Reason != matching.ReasonLowScore || ex.Score == 0 {
		t.Fatalf("got %+v, want a positive score below 50 marked below_threshold", ex)
	}
}
