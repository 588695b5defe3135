package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// problemFields are the fields a problem+json answer lists as invalid.
func problemFields(body map[string]any) []string {
	var out []string
	list, _ := body["errors"].([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m["field"].(string))
		}
	}
	return out
}

func missing(page string, wants ...string) []string {
	var out []string
	for _, w := range wants {
		if !strings.Contains(page, w) {
			out = append(out, w)
		}
	}
	return out
}

// A form with several mistakes shows them all in one answer, each next to
// its field, with what was typed kept; the API lists every invalid field.
// Nothing is saved meanwhile.
func TestFormsShowEveryMistakeAtOnce(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	pp := people{t: t, db: env.App}
	host := tn.Slug + ".localhost"
	adminID := pp.member(tn, "hr_admin")
	admin := browserless{t: t, app: app, host: host, session: pp.session(tn, adminID)}
	employee := browserless{t: t, app: app, host: host, session: pp.session(tn, pp.member(tn, "employee"))}

	start, end := time.Now().AddDate(0, 0, 7).Format(time.DateOnly), time.Now().AddDate(0, 1, 7).Format(time.DateOnly)
	res, created := do(t, app, "POST", host, "/api/v1/campaigns",
		`{"name":"Printemps solidaire","starts_on":"`+start+`","ends_on":"`+end+`"}`, admin.session)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create a campaign: %d %v", res.StatusCode, created)
	}
	id := created["id"].(string)
	settings := "/admin/campaigns/" + id + "/settings"

	t.Run("campaign settings, on the page", func(t *testing.T) {
		form := url.Values{"name": {""}, "description": {"Deux heures par semaine."}, "starts_on": {start},
			"ends_on": {time.Now().Format(time.DateOnly)}, "audience": {"all"}, "audience_values": {""}, "mission_scope": {"all"},
			"goal_participants": {"beaucoup"}, "goal_hours": {"-3"}, "max_active_per_employee": {"0"}, "auto_approve_hours": {"4"}}
		res, page := admin.post(settings, form)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("four mistakes: %d; want 400", res.StatusCode)
		}
		if m := missing(page, `id="name-error"`, `id="ends_on-error"`, `id="goal_participants-error"`, `id="goal_hours-error"`,
			`id="max_active_per_employee-error"`, `value="beaucoup"`, `value="-3"`); len(m) > 0 {
			t.Errorf("the settings page lacks %q: want every mistake next to its field, all kept", m)
		}
		if _, page := admin.get(settings); !strings.Contains(page, `value="Printemps solidaire"`) {
			t.Error("a refused form changed the campaign's name")
		}
	})

	t.Run("campaign settings, on the API", func(t *testing.T) {
		res, body := do(t, app, "PATCH", host, "/api/v1/campaigns/"+id, `{"name":"","max_active_per_employee":0,"goal_hours":-1}`, admin.session)
		got := problemFields(body)
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != "application/problem+json" ||
			strings.Join(got, ",") != "name,goal_hours,max_active_per_employee" {
			t.Errorf("three mistakes: %d %s fields %q; want 400 problem+json listing name, goal_hours, max_active_per_employee",
				res.StatusCode, res.Header.Get("Content-Type"), got)
		}
	})

	t.Run("profile: a refused number comes back as typed", func(t *testing.T) {
		form := url.Values{"hours_per_week": {"4"}, "radius_km": {"25"}, "home_city": {"Lyon"}, "formats": {"remote"}}
		if res, _ := employee.post("/me/profile", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save the profile: %d", res.StatusCode)
		}
		form.Set("radius_km", "abc")
		form.Set("hours_per_week", "70")
		form.Del("formats")
		res, page := employee.post("/me/profile", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("three mistakes: %d; want 422", res.StatusCode)
		}
		if m := missing(page, `value="abc"`, `value="70"`, `id="radius-error"`, `id="hpw-error"`, `id="formats-error"`); len(m) > 0 {
			t.Errorf("the profile page lacks %q: want the values as typed and every mistake next to its field", m)
		}
		if strings.Contains(page, `id="radius_km" name="radius_km" inputmode="numeric" value="0"`) {
			t.Error(`the radius "abc" came back as 0`)
		}
		if _, page := employee.get("/me/profile"); !strings.Contains(page, `value="25"`) {
			t.Error("a refused profile was saved")
		}
	})

	t.Run("company onboarding", func(t *testing.T) {
		staff := browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(true, nil))}
		res, page := staff.post("/platform/companies", url.Values{"name": {""}, "slug": {"A B"}, "locale": {"fr"},
			"email_domains": {""}, "admin_email": {"pas-une-adresse"}, "admin_name": {"Ada"}, "accent": {"vert"}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("four mistakes: %d; want 400", res.StatusCode)
		}
		if m := missing(page, `id="name-error"`, `id="slug-error"`, `id="admin_email-error"`, `id="accent-error"`,
			`value="pas-une-adresse"`); len(m) > 0 {
			t.Errorf("the onboarding page lacks %q: want every mistake next to its field, all kept", m)
		}
	})

	t.Run("a mission", func(t *testing.T) {
		assoc := verifiedAssociation(t, env, "")
		manager := browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(false, &assoc))}
		res, page := manager.post("/associations/"+assoc.String()+"/missions", url.Values{"title": {""}, "format": {"remote"},
			"places": {"beaucoup"}, "commitment_kind": {"total"}, "commitment_hours": {"5000"}, "date_kind": {"ongoing"},
			"visibility": {"all"}, "postal_code": {"123"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("four mistakes: %d; want 422", res.StatusCode)
		}
		if m := missing(page, `id="title-error"`, `id="places-error"`, `id="commitment_hours-error"`, `id="postal_code-error"`,
			`value="beaucoup"`); len(m) > 0 {
			t.Errorf("the mission form lacks %q: want every mistake next to its field, all kept", m)
		}
	})
}

// Resending an invitation right after its mail is refused: the API says
// 429 with Retry-After, the people page says it on the invitation's row.
func TestResendingAnInvitationTooSoon(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	srv := mailtest.Start(t)
	tn := newTenant(t, env.App, "Initech")
	pp := people{t: t, db: env.App}
	host := tn.Slug + ".localhost"
	admin := browserless{t: t, app: app, host: host, session: pp.session(tn, pp.member(tn, "hr_admin"))}
	email := mailtest.Address(t)
	res, inv := do(t, app, "POST", host, "/api/v1/invitations", `{"email":"`+email+`"}`, admin.session)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("invite: %d %v", res.StatusCode, inv)
	}
	srv.WaitFor(t, email, 5*time.Second)
	id := inv["id"].(string)

	res, body := do(t, app, "POST", host, "/api/v1/invitations/"+id+"/resend", "", admin.session)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Content-Type") != "application/problem+json" ||
		res.Header.Get("Retry-After") == "" || res.Header.Get("Retry-After") > "60" || body["code"] != "too_many" {
		t.Errorf("an API resend right after the invitation: %d %s Retry-After %q %v; want 429 problem+json with Retry-After",
			res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Retry-After"), body)
	}
	res, page := admin.post("/admin/invitations/"+id+"/resend", url.Values{})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "vient d&#39;être envoyée à "+email) {
		t.Errorf("a page resend right after the invitation: %d; want the people page saying it was just sent", res.StatusCode)
	}
	ageInvitations(t, env.App, tn.Slug)
	if res, _ := admin.post("/admin/invitations/"+id+"/resend", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a resend a minute later: %d; want it sent", res.StatusCode)
	}
	srv.WaitFor(t, email, 5*time.Second)
}

// Launching asks first, and says when the first day is ahead that launching
// opens the campaign today; creating from the template says it made a
// draft; a launch says how many were invited.
func TestActionsAskFirstAndSayWhatTheyDid(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	mission(t, env, missionSpec{title: "Tenir la comptabilité"}) // a campaign needs a mission to be launched
	pp := people{t: t, db: env.App}
	host := tn.Slug + ".localhost"
	admin := browserless{t: t, app: app, host: host, session: pp.session(tn, pp.member(tn, "hr_admin"))}

	res, _ := admin.post("/admin/campaigns", url.Values{})
	to := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(to, "created=") {
		t.Fatalf("create from the template: %d to %q; want the list saying what was created", res.StatusCode, to)
	}
	_, list := admin.get(to)
	if m := missing(list, `id="created-flash"`, "Brouillon « Tous confinés, Tous engagés » créé", "rien n&#39;est envoyé",
		`<details class="confirm">`, `class="launch"`); len(m) > 0 {
		t.Errorf("the campaigns list after creating lacks %q", m)
	}
	if strings.Contains(list, "Lancer « Tous confinés") {
		t.Error("the button that creates a draft still says it launches")
	}

	start := time.Now().AddDate(0, 0, 10)
	res, created := do(t, app, "POST", host, "/api/v1/campaigns", `{"name":"Automne","starts_on":"`+start.Format(time.DateOnly)+
		`","ends_on":"`+start.AddDate(0, 1, 0).Format(time.DateOnly)+`"}`, admin.session)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", res.StatusCode, created)
	}
	id := created["id"].(string)
	early := "Son premier jour est le " + start.Format("02/01/2006") + " : la lancer maintenant ouvre les inscriptions dès aujourd&#39;hui"
	if _, page := admin.get("/admin/campaigns/" + id + "/settings"); !strings.Contains(page, early) || !strings.Contains(page, `<summary id="launch-now">`) {
		t.Errorf("the settings of a campaign starting in 10 days: want the launch behind a confirmation saying it opens today")
	}
	if _, page := admin.get("/admin/campaigns"); !strings.Contains(page, early) {
		t.Errorf("the campaigns list: want the launch's confirmation saying it opens today")
	}
	res, _ = admin.post("/admin/campaigns/"+id+"/launch", url.Values{})
	to = res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(to, "launched=") {
		t.Fatalf("launch: %d to %q", res.StatusCode, to)
	}
	if _, page := admin.get(to); !strings.Contains(page, `id="launched-flash"`) || !strings.Contains(page, "Campagne lancée : 1 invitation envoyée.") {
		t.Errorf("the dashboard after the launch: want it to say how many were invited")
	}
}
