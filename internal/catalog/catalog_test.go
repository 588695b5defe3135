package catalog

import (
	"errors"
	"testing"

	"github.com/vendredi-app/vendredi/internal/errs"
)

func valid() Mission {
	lat, lon := 48.85, 2.35
	return Mission{Title: "Préparer les colis", Format: OnSite, Lat: &lat, Lon: &lon, Places: 4, PlacesLeft: 4,
		Cause: "emergency", Skills: []SkillNeed{{Skill: "logistics.food-distribution", Level: 1, Required: true}}}
}

func TestMissionRules(t *testing.T) {
	t.Parallel()
	m := valid()
	if err := m.Normalize(); err != nil {
		t.Fatalf("a valid mission: %v", err)
	}
	if m.DateKind != "ongoing" || m.Visibility != "all" || m.CommitmentKind != "total" {
		t.Fatalf("defaults not filled: %+v", m)
	}
	invalid := map[string]func(*Mission){
		"title":          func(m *Mission) { m.Title = "  " },
		"format":         func(m *Mission) { m.Format = "sometimes" },
		"cause":          func(m *Mission) { m.Cause = "pets" },
		"places":         func(m *Mission) { m.Places = 0 },
		"lat":            func(m *Mission) { m.Lat = nil },
		"skills":         func(m *Mission) { m.Skills = append(m.Skills, SkillNeed{Skill: "juggling", Level: 2}) },
		"vital_category": func(m *Mission) { m.VitalCategory = "gardening" },
		"visible_to":     func(m *Mission) { m.Visibility = "listed" },
		"slots":          func(m *Mission) { m.DateKind = "one_off" },
		"postal_code":    func(m *Mission) { m.PostalCode = "7500" },
		"external_url":   func(m *Mission) { m.ExternalURL = "javascript:alert(1)" },
	}
	for field, breakIt := range invalid {
		m := valid()
		breakIt(&m)
		err := m.Normalize()
		var e *errs.Error
		if !errs.Is(err, errs.Invalid) || !asErr(err, &e) || e.Field != field {
			t.Errorf("breaking %s: %v; want invalid naming %s", field, err, field)
		}
	}
	vital := valid()
	vital.VitalCategory = "food_aid"
	if err := vital.Normalize(); err != nil || !vital.RequiresSanitaryAck {
		t.Errorf("a vital mission on site must require the sanitary acknowledgement: %v %+v", err, vital)
	}
}

// An association that names a city we know needs no coordinates.
func TestMissionPlacedByItsCity(t *testing.T) {
	t.Parallel()
	m := valid()
	m.Lat, m.Lon, m.City = nil, nil, "lyon"
	if err := m.Normalize(); err != nil || m.Lat == nil || *m.Lat < 45.7 || *m.Lat > 45.8 || *m.Lon < 4.8 || *m.Lon > 4.9 {
		t.Fatalf("on site in Lyon: %v, placed at %v,%v", err, m.Lat, m.Lon)
	}
	m = valid()
	m.Lat, m.Lon, m.City = nil, nil, "Atlantis"
	var e *errs.Error
	if err := m.Normalize(); !asErr(err, &e) || e.Field != "lat" {
		t.Errorf("on site in an unknown city without coordinates: %v; want the place asked for", err)
	}
}

func asErr(err error, e **errs.Error) bool { return errors.As(err, e) }

func TestPlacesEvents(t *testing.T) {
	t.Parallel()
	cases := map[[2]int]string{{3, 2}: "", {2, 1}: "almost_full", {1, 0}: "full", {2, 0}: "full", {0, 1}: "reopened", {5, 5}: ""}
	for c, want := range cases {
		if got := PlacesEvent(c[0], c[1]); got != want {
			t.Errorf("%d -> %d: %q; want %q", c[0], c[1], got, want)
		}
	}
}
