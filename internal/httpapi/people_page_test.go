package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vendredi-app/vendredi/internal/identity"
)

// A company of 120 people: the people page lists them fifty at a time with
// links between the pages, and finds someone by name, accents aside, or by
// department.
func TestPeoplePagePagesAndSearches(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	env, tn, admin := w.env, w.tn, w.admin
	for i := range 119 {
		department := "Finance"
		if i%3 == 0 {
			department = "Logistique"
		}
		addMember(t, env.App, tn, identity.Person{Email: fmt.Sprintf("p%03d@%s.example", i, tn.Slug), FullName: fmt.Sprintf("Personne %03d", i),
			Role: identity.RoleEmployee, Status: identity.StatusActive, Department: department})
	}
	addMember(t, env.App, tn, identity.Person{Email: "helene@" + tn.Slug + ".example", FullName: "Hélène Bézier",
		Role: identity.RoleEmployee, Status: identity.StatusActive, Department: "Juridique"})
	rows := func(page string) int { return strings.Count(page, `<tr id="member-`) }

	_, page := admin.get("/admin/people")
	if rows(page) != 50 || !strings.Contains(page, "121 personnes") || !strings.Contains(page, `id="members-next"`) ||
		strings.Contains(page, `id="members-prev"`) {
		t.Fatalf("first page: %d rows; want 50 of 121, a link to the next page only", rows(page))
	}
	_, page = admin.get("/admin/people?page=3")
	if rows(page) != 21 || strings.Contains(page, `id="members-next"`) || !strings.Contains(page, `id="members-prev"`) {
		t.Errorf("last page: %d rows; want the 21 left and a link back", rows(page))
	}
	if _, page = admin.get("/admin/people?q=helene+bezier"); rows(page) != 1 || !strings.Contains(page, "Hélène Bézier") {
		t.Errorf("search without accents: %d rows; want Hélène", rows(page))
	}
	if _, page = admin.get("/admin/people?q=logistique"); rows(page) != 40 {
		t.Errorf("search by department: %d rows; want the 40 of Logistique", rows(page))
	}
	if _, page = admin.get("/admin/people?q=nobody-here"); rows(page) != 0 || !strings.Contains(page, `id="members-none"`) {
		t.Errorf("a search that finds nobody does not say so")
	}
}
