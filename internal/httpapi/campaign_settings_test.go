package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// An HR admin sets a campaign up in the browser before publishing it: a
// bad number or date comes back next to its field with everything kept,
// a rule of the campaign too; then the campaign is scheduled for its first
// day.
func TestHRAdminSetsACampaignUp(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	mission(t, env, missionSpec{title: "Tenir la comptabilité"}) // a campaign needs a mission to be published
	pp := people{t: t, db: env.App}
	host := tn.Slug + ".localhost"
	admin := browserless{t: t, app: app, host: host, session: pp.session(tn, pp.member(tn, "hr_admin"))}
	employee := browserless{t: t, app: app, host: host, session: pp.session(tn, pp.member(tn, "employee"))}

	if res, _ := admin.post("/admin/campaigns", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create from the template: %d", res.StatusCode)
	}
	_, list := admin.get("/admin/campaigns")
	i := strings.Index(list, `/settings">`)
	if i < 0 {
		t.Fatalf("no settings link on the campaigns page:\n%s", list)
	}
	settings := list[strings.LastIndex(list[:i], `href="`)+len(`href="`) : i+len("/settings")]
	if res, _ := employee.get(settings); res.StatusCode != http.StatusForbidden {
		t.Errorf("an employee opening the settings: %d; want 403", res.StatusCode)
	}
	start := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	end := time.Now().AddDate(0, 1, 7).Format(time.DateOnly)
	form := url.Values{"name": {"Printemps solidaire"}, "description": {"Deux heures par semaine."}, "starts_on": {start},
		"ends_on": {end}, "audience": {"departments"}, "audience_values": {"Finance, Ressources humaines"},
		"mission_scope": {"all"}, "goal_participants": {"beaucoup"}, "goal_hours": {"120"}, "max_active_per_employee": {"2"},
		"auto_approve_hours": {"4"}, "allowance_hours": {""}}
	res, page := admin.post(settings, form)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="goal_participants-error"`) ||
		!strings.Contains(page, `value="beaucoup"`) || !strings.Contains(page, `value="Finance, Ressources humaines"`) {
		t.Fatalf("a goal that is not a number: %d; want it refused next to the field, all kept:\n%s", res.StatusCode, page)
	}
	form.Set("goal_participants", "25")
	form.Set("ends_on", time.Now().Format(time.DateOnly)) // before the start
	if res, page := admin.post(settings, form); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="ends_on-error"`) {
		t.Fatalf("an end before the start: %d; want it refused next to the end date:\n%s", res.StatusCode, page)
	}
	form.Set("ends_on", end)
	if res, _ := admin.post(settings, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	_, page = admin.get(settings + "?saved=1")
	for _, want := range []string{`value="Printemps solidaire"`, `value="25"`, `value="120"`, `value="` + start + `"`,
		`<option value="departments" selected>`, `value="Finance, Ressources humaines"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the saved settings lack %s", want)
		}
	}
	id := strings.TrimSuffix(strings.TrimPrefix(settings, "/admin/campaigns/"), "/settings")
	if res, _ := admin.post("/admin/campaigns/"+id+"/schedule", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d", res.StatusCode)
	}
	if _, page := admin.get(settings + "?scheduled=1"); !strings.Contains(page, `id="settings-scheduled"`) || !strings.Contains(page, "Programmée") ||
		strings.Contains(page, `id="schedule"`) {
		t.Errorf("after scheduling: want the word said, the status shown and no second schedule button")
	}
	if _, err := uuid.Parse(id); err != nil {
		t.Errorf("settings link %q", settings)
	}
}
