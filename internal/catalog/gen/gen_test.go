package gen_test

import (
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/catalog/gen"
)

func TestSameOptionsSameWorld(t *testing.T) {
	t.Parallel()
	o := gen.Options{Seed: 7, Missions: 600, Companies: []uuid.UUID{uuid.MustParse("0193a000-0000-7000-8000-000000000001")}}
	a, b := gen.Generate(o), gen.Generate(o)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two worlds of the same options differ")
	}
	o.Seed = 8
	if c := gen.Generate(o); c.Missions[0].ID == a.Missions[0].ID || c.Missions[0].Title == a.Missions[0].Title && c.Missions[1].Title == a.Missions[1].Title {
		t.Fatal("another seed gives the same world")
	}
}

func TestGeneratedMissionsAreValidAndRealistic(t *testing.T) {
	t.Parallel()
	company := uuid.MustParse("0193a000-0000-7000-8000-000000000001")
	w := gen.Generate(gen.Options{Seed: 1, Missions: 3000, Companies: []uuid.UUID{company}})
	if len(w.Missions) != 3000 || len(w.Associations) != 1000 {
		t.Fatalf("%d missions, %d associations; want 3000 and 1000", len(w.Missions), len(w.Associations))
	}
	assocs, legal := map[uuid.UUID]bool{}, map[string]bool{}
	verified := 0
	for _, a := range w.Associations {
		if assocs[a.ID] || legal[a.LegalID] {
			t.Fatalf("association %s (%s) twice", a.Name, a.LegalID)
		}
		assocs[a.ID], legal[a.LegalID] = true, true
		if a.Status == catalog.AssociationVerified {
			verified++
		}
	}
	if verified < 800 || verified == len(w.Associations) {
		t.Errorf("%d of %d associations verified; want about nine in ten", verified, len(w.Associations))
	}
	ids := map[uuid.UUID]bool{}
	count := map[string]int{}
	for i := range w.Missions {
		m := w.Missions[i]
		if err := m.Normalize(); err != nil {
			t.Fatalf("mission %d (%q) is invalid: %v", i, m.Title, err)
		}
		if ids[m.ID] || m.AssociationID == nil || !assocs[*m.AssociationID] {
			t.Fatalf("mission %d: duplicate id or unknown association", i)
		}
		ids[m.ID] = true
		count[m.Format]++
		count[m.Status]++
		count[m.Visibility]++
		if m.VitalCategory != "" {
			count["vital"]++
		}
		if len(m.Skills) > 0 {
			count["skill:"+m.Skills[0].Skill]++
		}
		if m.Visibility == "listed" && (len(m.VisibleTo) != 1 || m.VisibleTo[0] != company) {
			t.Fatalf("mission %d is listed for %v", i, m.VisibleTo)
		}
	}
	onSite := count[catalog.OnSite] + count[catalog.Hybrid]
	switch {
	case onSite < 800 || onSite > 1200:
		t.Errorf("%d of 3000 missions on site or hybrid; want about a third", onSite)
	case count["vital"] == 0 || count["listed"] == 0 || count[catalog.MissionFull] == 0 || count[catalog.MissionClosed] == 0:
		t.Errorf("no vital, listed, full or closed mission: %v", count)
	case count[catalog.MissionOpen] < 2700:
		t.Errorf("%d open missions of 3000; want most", count[catalog.MissionOpen])
	}
	// Zipf: the most asked-for skill leads by far.
	top, total := 0, 0
	for k, n := range count {
		if len(k) > 6 && k[:6] == "skill:" {
			top, total = max(top, n), total+n
		}
	}
	if top*10 < total {
		t.Errorf("the most popular skill leads %d missions of %d; want Zipf-like popularity", top, total)
	}
}
