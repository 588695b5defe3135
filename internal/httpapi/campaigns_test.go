package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// company is one tenant of a campaign test, with its HR admin signed in.
type company struct {
	t       *testing.T
	env     *pgtest.Env
	app     *fiber.App
	tn      *tenants.Tenant
	host    string
	adminID uuid.UUID
	admin   string // the HR admin's session
}

func newCompany(t *testing.T, env *pgtest.Env, app *fiber.App, locale string) *company {
	t.Helper()
	tn := createTenant(t, env.App, "co-"+uuid.NewString()[:8], "Company "+locale, locale)
	c := &company{t: t, env: env, app: app, tn: tn, host: tn.Slug + ".localhost"}
	c.adminID, _ = c.person("hr_admin", "RH", "Paris", identity.StatusActive)
	c.admin = people{t: t, db: env.App}.session(tn, c.adminID)
	return c
}

// person adds a member with a mailbox of their own on the test mailpit.
func (c *company) person(role, department, site, status string) (uuid.UUID, string) {
	c.t.Helper()
	email := mailtest.Address(c.t)
	return addMember(c.t, c.env.App, c.tn, identity.Person{Email: email, FullName: "Person " + email[:8], Role: role,
		Department: department, Site: site, Status: status}), email
}

// employee adds an active employee and signs them in.
func (c *company) employee(department, site string) (uuid.UUID, string) {
	id, _ := c.person("employee", department, site, identity.StatusActive)
	return id, people{t: c.t, db: c.env.App}.session(c.tn, id)
}

func (c *company) ctx() context.Context { return tenants.NewContext(context.Background(), c.tn) }

// call sends a request to the company's host and fails the test on an
// unexpected status.
func (c *company) call(method, path, body, session string, want int) map[string]any {
	c.t.Helper()
	res, out := do(c.t, c.app, method, c.host, path, body, session)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: %d %v; want %d", method, path, res.StatusCode, out, want)
	}
	return out
}

// exec runs SQL in the company's transaction: seeding participations and
// hours directly, since the sign-up flow is another part of the product.
func (c *company) exec(query string, args ...any) {
	c.t.Helper()
	if err := c.env.App.TenantTx(c.ctx(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}); err != nil {
		c.t.Fatal(err)
	}
}

// participation inserts a participation and returns its id.
func (c *company) participation(campaign, member, mission uuid.UUID, status string, created time.Time) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	var decided any
	if status != "pending" && status != "waiting" {
		decided = created.Add(time.Hour)
	}
	c.exec(`INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status, created_at, decided_at)
		VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?)`, id, campaign, member, mission, status, created, decided)
	return id
}

// campaign creates a campaign from a JSON body and returns its id.
func (c *company) campaign(body string) uuid.UUID {
	c.t.Helper()
	out := c.call("POST", "/api/v1/campaigns", body, c.admin, 201)
	return uuid.MustParse(out["id"].(string))
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

// later is a campaign's end, well within its longest length.
func later() string { return time.Now().UTC().AddDate(0, 6, 0).Format(time.DateOnly) }

func ids(list []any) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = v.(map[string]any)["id"].(string)
	}
	return out
}

func TestCampaignFromTheBuiltInTemplateIsPrefilled(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)

	for _, tc := range []struct {
		locale, name, text string
	}{
		{"fr", "Tous confinés, Tous engagés", "mettons nos compétences au service des associations"},
		{"en", "All confined, all engaged", "let us lend our skills to associations"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			co := newCompany(t, env, app, tc.locale)
			for range 9 { // 10 active members with the admin; invited and disabled ones do not count
				co.person("employee", "", "", identity.StatusActive)
			}
			co.person("employee", "", "", identity.StatusInvited)
			co.person("employee", "", "", identity.StatusDisabled)

			list := co.call("GET", "/api/v1/templates", "", co.admin, 200)["templates"].([]any)
			if list[0].(map[string]any)["code"] != "tous-confines-tous-engages" {
				t.Fatalf("templates: %v; want the built-in first", list)
			}
			before := today()
			out := co.call("POST", "/api/v1/campaigns", `{"template":"tous-confines-tous-engages"}`, co.admin, 201)
			after := today()
			start := out["starts_on"].(string)[:10]
			if start != before && start != after {
				t.Errorf("starts_on %s; want today (%s)", start, before)
			}
			s, _ := time.Parse(time.DateOnly, start)
			if end := out["ends_on"].(string)[:10]; end != s.AddDate(0, 0, 60).Format(time.DateOnly) {
				t.Errorf("ends_on %s; want 60 days after %s", end, start)
			}
			want := map[string]any{"name": tc.name, "status": "draft", "template": "tous-confines-tous-engages",
				"goal_participants": 2.0, "goal_hours": 20.0, "max_active_per_employee": 2.0, "auto_approve_hours": 4.0,
				"crisis": true, "remote_first": true, "audience": "all", "mission_scope": "all"}
			for k, v := range want {
				if out[k] != v {
					t.Errorf("%s = %v; want %v (20%% of 10 active members; 10 h each)", k, out[k], v)
				}
			}
			if !strings.Contains(out["description"].(string), tc.text) {
				t.Errorf("description %q; want the template's %s text", out["description"], tc.locale)
			}
		})
	}

	t.Run("the fields given override the template", func(t *testing.T) {
		co := newCompany(t, env, app, "fr")
		out := co.call("POST", "/api/v1/campaigns", `{"template":"tous-confines-tous-engages","name":"Printemps solidaire",
			"allowance_hours":14,"goal_participants":0}`, co.admin, 201)
		if out["name"] != "Printemps solidaire" || out["allowance_hours"] != 14.0 || out["goal_participants"] != nil || out["crisis"] != true {
			t.Fatalf("override: %v", out)
		}
	})
	t.Run("bad input names the field", func(t *testing.T) {
		co := newCompany(t, env, app, "fr")
		for body, field := range map[string]string{
			`{"template":"nope"}`: "template",
			`{"name":"X","starts_on":"2020-03-17","ends_on":"2020-03-01"}`:                                                                     "ends_on",
			`{"name":"X","starts_on":"2020-03-17","ends_on":"2020-05-11","audience":"departments"}`:                                            "audience_values",
			`{"name":"X","starts_on":"2020-03-17","ends_on":"2020-05-11","mission_scope":"causes"}`:                                            "mission_causes",
			`{"name":"X","starts_on":"2020-03-17","ends_on":"2020-05-11","mission_causes":["nope"],"mission_scope":"causes"}`:                  "mission_causes",
			`{"name":"X","starts_on":"2020-03-17","ends_on":"2020-05-11","mission_scope":"listed","mission_ids":["` + uuid.NewString() + `"]}`: "mission_ids",
			`{"name":"X","starts_on":"yesterday"}`:                                                                                             "starts_on",
			`{"nmae":"X"}`:                                                                                                                     "nmae",
		} {
			res, out := do(t, app, "POST", co.host, "/api/v1/campaigns", body, co.admin)
			errs, _ := out["errors"].([]any)
			if res.StatusCode != 400 || len(errs) != 1 || errs[0].(map[string]any)["field"] != field {
				t.Errorf("%s: %d %v; want 400 naming %s", body, res.StatusCode, out, field)
			}
		}
	})
}

func TestCampaignTransitions(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	mission(t, env, missionSpec{visibleTo: &co.tn.ID})
	newCampaign := func() string {
		return co.campaign(`{"name":"Drive","starts_on":"` + today() + `","ends_on":"` + later() + `"}`).String()
	}
	path := func(id, action string) string { return "/api/v1/campaigns/" + id + "/" + action }

	t.Run("valid moves are accepted", func(t *testing.T) {
		id := newCampaign()
		for _, step := range []struct{ action, status string }{
			{"schedule", "scheduled"}, {"launch", "active"}, {"close", "closed"}, {"reopen", "active"},
			{"close", "closed"}, {"archive", "archived"},
		} {
			out := co.call("POST", path(id, step.action), "", co.admin, 200)
			if st, _ := out["status"].(string); st != step.status {
				if c, ok := out["campaign"].(map[string]any); !ok || c["status"] != step.status {
					t.Fatalf("%s: %v; want %s", step.action, out, step.status)
				}
			}
		}
		draft := newCampaign()
		co.call("POST", path(draft, "archive"), "", co.admin, 200)
	})
	t.Run("invalid moves are refused with 409", func(t *testing.T) {
		active := newCampaign()
		co.call("POST", path(active, "launch"), "", co.admin, 200)
		archived := newCampaign()
		co.call("POST", path(archived, "archive"), "", co.admin, 200)
		draft := newCampaign()
		for _, tc := range []struct{ id, action string }{
			{draft, "close"}, {draft, "reopen"}, {active, "schedule"}, {active, "archive"}, {active, "reopen"},
			{archived, "launch"}, {archived, "schedule"}, {archived, "reopen"},
		} {
			res, out := do(t, app, "POST", co.host, path(tc.id, tc.action), "", co.admin)
			if res.StatusCode != 409 {
				t.Errorf("%s on a %s campaign: %d %v; want 409", tc.action, map[string]string{draft: "draft", active: "active", archived: "archived"}[tc.id], res.StatusCode, out)
			}
		}
		res, _ := do(t, app, "PATCH", co.host, "/api/v1/campaigns/"+archived, `{"name":"Again"}`, co.admin)
		if res.StatusCode != 409 {
			t.Errorf("editing an archived campaign: %d; want 409", res.StatusCode)
		}
	})
	t.Run("a campaign without missions is not published", func(t *testing.T) {
		co := newCompany(t, env, app, "fr")
		id := co.campaign(`{"name":"Empty","starts_on":"` + today() + `","ends_on":"` + later() + `","mission_scope":"causes","mission_causes":["culture"]}`)
		co.exec("UPDATE campaigns SET mission_causes = '{zzz-none}' WHERE id = ?", id)
		co.call("POST", path(id.String(), "launch"), "", co.admin, 409)
	})
}

func TestLaunchMailsTheAudienceOnce(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	srv := mailtest.Start(t)
	co := newCompany(t, env, app, "fr")
	mission(t, env, missionSpec{visibleTo: &co.tn.ID})
	_, finance1 := co.person("employee", "Finance", "Lyon", identity.StatusActive)
	_, finance2 := co.person("employee", "finance", "Paris", identity.StatusActive) // letter case ignored
	_, disabled := co.person("employee", "Finance", "Lyon", identity.StatusDisabled)
	_, it := co.person("employee", "IT", "Lyon", identity.StatusActive)
	id := co.campaign(`{"template":"tous-confines-tous-engages","audience":"departments","audience_values":["Finance"]}`)

	out := co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)
	if out["invited"] != 2.0 || out["failed"] != 0.0 {
		t.Fatalf("launch: %v; want 2 invited (the active Finance members)", out)
	}
	link := "http://" + co.host + "/campaigns/" + id.String()
	for _, to := range []string{finance1, finance2} {
		m := srv.WaitFor(t, to, 10*time.Second)
		for _, want := range []string{"Tous confinés, Tous engagés", "Réserve Civique", "un mètre", link} {
			if !strings.Contains(m.Text, want) && !strings.Contains(m.Subject, want) {
				t.Errorf("mail to %s lacks %q:\n%s\n%s", to, want, m.Subject, m.Text)
			}
		}
		if m.Link(link) == "" {
			t.Errorf("mail to %s: no link to the campaign page %s in %v", to, link, m.Links)
		}
	}

	// A relaunch mails only who joined the audience since.
	_, newcomer := co.person("employee", "Finance", "Lille", identity.StatusActive)
	out = co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)
	if out["invited"] != 1.0 {
		t.Fatalf("relaunch: %v; want the newcomer only", out)
	}
	srv.WaitFor(t, newcomer, 10*time.Second)
	for to, want := range map[string]int{finance1: 1, finance2: 1, disabled: 0, it: 0} {
		if got := len(srv.Messages(t, to)); got != want {
			t.Errorf("%s received %d mails; want %d", to, got, want)
		}
	}
	out = co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)
	if out["invited"] != 0.0 {
		t.Fatalf("third launch: %v; want nobody", out)
	}
}

func TestAnotherCompanysCampaignIsNotFound(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	acme, globex := newCompany(t, env, app, "fr"), newCompany(t, env, app, "en")
	mission(t, env, missionSpec{visibleTo: &acme.tn.ID})
	theirs := acme.campaign(`{"name":"Acme drive","starts_on":"` + today() + `","ends_on":"` + later() + `"}`)
	acme.call("POST", "/api/v1/campaigns/"+theirs.String()+"/launch", "", acme.admin, 200)
	missing := uuid.Must(uuid.NewV7())
	for _, r := range []struct{ method, path, body string }{
		{"GET", "", ""}, {"PATCH", "", `{"name":"Mine now"}`}, {"POST", "/launch", ""}, {"POST", "/close", ""},
		{"POST", "/archive", ""}, {"GET", "/missions", ""}, {"GET", "/figures", ""}, {"GET", "/participations.csv", ""},
	} {
		for _, id := range []uuid.UUID{theirs, missing} {
			res, out := do(t, app, r.method, globex.host, "/api/v1/campaigns/"+id.String()+r.path, r.body, globex.admin)
			if res.StatusCode != 404 || out["detail"] != "no such campaign" {
				t.Errorf("%s %s of %s: %d %v; want the 404 of a missing campaign", r.method, r.path,
					map[uuid.UUID]string{theirs: "Acme's campaign", missing: "a missing campaign"}[id], res.StatusCode, out)
			}
		}
	}
	if list := globex.call("GET", "/api/v1/campaigns", "", globex.admin, 200)["campaigns"].([]any); len(list) != 0 {
		t.Fatalf("Globex lists %d campaigns; want none", len(list))
	}
	if got := acme.call("GET", "/api/v1/campaigns/"+theirs.String(), "", acme.admin, 200); got["name"] != "Acme drive" {
		t.Fatalf("Acme's own: %v", got)
	}
}

func TestEmployeesSeeTheActiveCampaignsMeantForThem(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	mission(t, env, missionSpec{visibleTo: &co.tn.ID})
	_, lyon := co.employee("Sales", "Lyon")
	_, paris := co.employee("Sales", "Paris")
	forLyon := co.campaign(`{"name":"Lyon","starts_on":"` + today() + `","ends_on":"` + later() + `","audience":"sites","audience_values":["LYON"]}`)
	all := co.campaign(`{"name":"All","starts_on":"` + today() + `","ends_on":"` + later() + `"}`)
	draft := co.campaign(`{"name":"Draft","starts_on":"` + today() + `","ends_on":"` + later() + `"}`)
	for _, id := range []uuid.UUID{forLyon, all} {
		co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)
	}
	for session, want := range map[string][]uuid.UUID{lyon: {all, forLyon}, paris: {all}} {
		got := ids(co.call("GET", "/api/v1/campaigns", "", session, 200)["campaigns"].([]any))
		if len(got) != len(want) {
			t.Errorf("employee sees %v; want %v", got, want)
		}
	}
	co.call("GET", "/api/v1/campaigns/"+forLyon.String(), "", paris, 404)
	co.call("GET", "/api/v1/campaigns/"+draft.String(), "", lyon, 404)
	co.call("GET", "/api/v1/campaigns/"+forLyon.String(), "", lyon, 200)
	if n := len(co.call("GET", "/api/v1/campaigns", "", co.admin, 200)["campaigns"].([]any)); n != 3 {
		t.Errorf("the HR admin sees %d campaigns; want all 3", n)
	}
}

func TestCampaignMissionsPinVitalOnesWithTheirRulesAndCountRedirects(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	assoc := verifiedAssociation(t, env, "")
	onSite := mission(t, env, missionSpec{assoc: &assoc, format: "on_site", title: "Sur place"})
	remote := mission(t, env, missionSpec{assoc: &assoc, format: "remote", title: "À distance"})
	private := mission(t, env, missionSpec{assoc: &assoc, format: "hybrid", visibleTo: &co.tn.ID})
	elsewhere := uuid.Must(uuid.NewV7())
	other := mission(t, env, missionSpec{assoc: &assoc, visibleTo: &elsewhere})
	food := mission(t, env, missionSpec{vital: "food_aid", format: "on_site"})
	phone := mission(t, env, missionSpec{vital: "isolated_people", format: "remote"})
	_, employee := co.employee("", "")

	id := co.campaign(fmt.Sprintf(`{"template":"tous-confines-tous-engages","mission_scope":"listed","mission_ids":["%s","%s"]}`, onSite, remote))
	co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)
	out := co.call("GET", "/api/v1/campaigns/"+id.String()+"/missions", "", employee, 200)
	list := out["missions"].([]any)
	got := ids(list)
	pos := map[string]int{}
	for i, m := range got {
		pos[m] = i
	}
	for _, m := range []uuid.UUID{onSite, remote, private, food, phone} {
		if _, ok := pos[m.String()]; !ok {
			t.Errorf("mission %s is missing from %v", m, got)
		}
	}
	if _, ok := pos[other.String()]; ok {
		t.Error("another company's private mission is listed")
	}
	// Vital ones first in their official order; then remote before the rest.
	if !(pos[food.String()] < pos[phone.String()] && pos[phone.String()] < pos[remote.String()] && pos[remote.String()] < pos[onSite.String()]) {
		t.Errorf("order %v; want food aid, isolated people, then remote before on site", got)
	}
	first := list[pos[food.String()]].(map[string]any)
	if first["requires_sanitary_ack"] != true || !strings.HasPrefix(first["external_url"].(string), "https://") {
		t.Errorf("vital mission on site: %v; want the sanitary acknowledgement and the redirect", first)
	}
	if rules := out["sanitary_rules"].([]any); len(rules) != 5 {
		t.Errorf("sanitary rules: %v; want the five", rules)
	}

	// On site: the sanitary rules are acknowledged before the redirect, and
	// a refused redirect is not counted.
	if out := co.call("POST", "/api/v1/missions/"+food.String()+"/redirect", `{"campaign_id":"`+id.String()+`"}`, employee, 400); fmt.Sprint(out["errors"]) == "" || !strings.Contains(fmt.Sprint(out["errors"]), "sanitary_ack") {
		t.Fatalf("redirect without the acknowledgement: %v; want an error naming sanitary_ack", out)
	}
	for range 2 {
		out := co.call("POST", "/api/v1/missions/"+food.String()+"/redirect", `{"campaign_id":"`+id.String()+`","sanitary_ack":true}`, employee, 200)
		if !strings.HasPrefix(out["url"].(string), "https://covid19.reserve-civique.gouv.fr/") {
			t.Fatalf("redirect: %v", out)
		}
	}
	co.call("POST", "/api/v1/missions/"+remote.String()+"/redirect", "", employee, 404) // signs up here, no redirect
	if f := co.call("GET", "/api/v1/campaigns/"+id.String()+"/figures", "", co.admin, 200); f["vital_redirects"] != 2.0 {
		t.Errorf("figures count %v redirects; want 2", f["vital_redirects"])
	}
}

func TestProfileIsTheCallersOwnAndValidated(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	karim, karimSession := co.employee("IT", "Lyon")
	_, zoe := co.employee("IT", "Paris")

	t.Run("defaults, then saved and read back", func(t *testing.T) {
		out := co.call("GET", "/api/v1/me/profile", "", karimSession, 200)
		if out["member_id"] != karim.String() || out["radius_km"] != 20.0 || out["updated_at"] != nil {
			t.Fatalf("default profile: %v", out)
		}
		body := `{"skills":[{"skill":"it.web-dev","level":3},{"skill":"communication.writing","level":1}],
			"hours_per_week":4,"days":["fri","mon"],"formats":["remote","on_site"],"home_lat":45.76,"home_lon":4.84,
			"home_city":"Lyon","radius_km":15,"languages":["FR","en"],"causes":["education"],"member_id":"` + uuid.NewString() + `"}`
		co.call("PUT", "/api/v1/me/profile", body, karimSession, 200)
		out = co.call("GET", "/api/v1/me/profile", "", karimSession, 200)
		if out["member_id"] != karim.String() || len(out["skills"].([]any)) != 2 || out["radius_km"] != 15.0 ||
			fmt.Sprint(out["days"]) != "[mon fri]" || fmt.Sprint(out["languages"]) != "[fr en]" || out["updated_at"] == nil {
			t.Fatalf("saved profile: %v", out)
		}
		// Someone else's is untouched: the member id of the body is ignored.
		if other := co.call("GET", "/api/v1/me/profile", "", zoe, 200); other["updated_at"] != nil {
			t.Fatalf("another employee's profile changed: %v", other)
		}
	})
	t.Run("bad input names the field", func(t *testing.T) {
		for body, field := range map[string]string{
			`{"skills":[{"skill":"it.web-dev","level":2},{"skill":"juggling","level":2}]}`: "skills[1].skill",
			`{"skills":[{"skill":"it.web-dev","level":5}]}`:                                "skills[0].level",
			`{"skills":[{"skill":"it.web-dev","level":0}]}`:                                "skills[0].level",
			`{"formats":["teleport"]}`:                                                     "formats",
			`{"formats":[]}`:                                                               "formats",
			`{"radius_km":5000}`:                                                           "radius_km",
			`{"radius_km":-1}`:                                                             "radius_km",
			`{"languages":["fr","french"]}`:                                                "languages",
			`{"languages":["xx"]}`:                                                         "languages",
			`{"causes":["education","knitting"]}`:                                          "causes",
			`{"days":["someday"]}`:                                                         "days",
			`{"hours_per_week":99}`:                                                        "hours_per_week",
			`{"home_lat":45}`:                                                              "home_lat",
			`{"radius_km":"far"}`:                                                          "radius_km",
		} {
			res, out := do(t, app, "PUT", co.host, "/api/v1/me/profile", body, zoe)
			errs, _ := out["errors"].([]any)
			if res.StatusCode != 400 || len(errs) != 1 || errs[0].(map[string]any)["field"] != field {
				t.Errorf("%s: %d %v; want 400 naming %s", body, res.StatusCode, out, field)
			}
		}
	})
}

// hoursWorld is a launched campaign with an allowance of 10 hours and
// auto-approval up to 2, an employee with a validated participation, a
// colleague with theirs, and a pending one.
type hoursWorld struct {
	co                        *company
	campaign                  uuid.UUID
	mine, theirs, notYet      uuid.UUID
	employee, colleague       string
	employeeID                uuid.UUID
	missionA, missionB, third uuid.UUID
}

func newHoursWorld(t *testing.T, env *pgtest.Env, app *fiber.App) *hoursWorld {
	co := newCompany(t, env, app, "fr")
	assoc := verifiedAssociation(t, env, "")
	w := &hoursWorld{co: co}
	w.missionA = mission(t, env, missionSpec{assoc: &assoc})
	w.missionB = mission(t, env, missionSpec{assoc: &assoc})
	w.third = mission(t, env, missionSpec{assoc: &assoc})
	w.campaign = co.campaign(`{"name":"Hours","starts_on":"` + time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly) + `","ends_on":"` + later() + `",
		"allowance_hours":10,"auto_approve_hours":2}`)
	co.call("POST", "/api/v1/campaigns/"+w.campaign.String()+"/launch", "", co.admin, 200)
	var colleague uuid.UUID
	w.employeeID, w.employee = co.employee("", "")
	colleague, w.colleague = co.employee("", "")
	// Accepted a month ago: hours are logged from the acceptance on.
	since := time.Now().AddDate(0, 0, -30)
	w.mine = co.participation(w.campaign, w.employeeID, w.missionA, "validated", since)
	w.notYet = co.participation(w.campaign, w.employeeID, w.missionB, "pending", since)
	w.theirs = co.participation(w.campaign, colleague, w.missionA, "validated", since)
	return w
}

func (w *hoursWorld) log(participation uuid.UUID, session, date string, hours float64, want int) map[string]any {
	return w.co.call("POST", "/api/v1/participations/"+participation.String()+"/hours",
		fmt.Sprintf(`{"worked_on":%q,"hours":%v,"note":"call"}`, date, hours), session, want)
}

func TestHours(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	// Other days within the participation's window (accepted 30 days ago).
	daysAgo := func(n int) string { return time.Now().UTC().AddDate(0, 0, -n).Format(time.DateOnly) }

	t.Run("only on one's own validated participation", func(t *testing.T) {
		t.Parallel()
		w := newHoursWorld(t, env, app)
		w.log(w.theirs, w.employee, yesterday, 1, 404)
		w.log(uuid.Must(uuid.NewV7()), w.employee, yesterday, 1, 404)
		w.log(w.notYet, w.employee, yesterday, 1, 409)
		w.log(w.mine, w.employee, time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly), 1, 400)
		w.log(w.mine, w.employee, yesterday, 25, 400)
		w.log(w.mine, w.employee, yesterday, 0, 400)
		// Another company's employee cannot even see the participation.
		other := newCompany(t, env, app, "en")
		_, stranger := other.employee("", "")
		res, _ := do(t, app, "POST", other.host, "/api/v1/participations/"+w.mine.String()+"/hours",
			`{"worked_on":"`+yesterday+`","hours":1}`, stranger)
		if res.StatusCode != 404 {
			t.Fatalf("another company's employee: %d; want 404", res.StatusCode)
		}
	})
	t.Run("auto-approved under the threshold, pending above", func(t *testing.T) {
		t.Parallel()
		w := newHoursWorld(t, env, app)
		if out := w.log(w.mine, w.employee, yesterday, 2, 201); out["status"] != "approved" || out["decided_by"] != "auto" {
			t.Fatalf("2 h under a 2 h threshold: %v; want approved at once", out)
		}
		if out := w.log(w.mine, w.employee, yesterday, 2.5, 201); out["status"] != "pending" {
			t.Fatalf("2.5 h: %v; want pending", out)
		}
	})
	t.Run("an entry over the allowance is refused", func(t *testing.T) {
		t.Parallel()
		w := newHoursWorld(t, env, app)
		w.log(w.mine, w.employee, yesterday, 6, 201)
		w.log(w.mine, w.employee, daysAgo(10), 3, 201)
		res, out := do(t, app, "POST", w.co.host, "/api/v1/participations/"+w.mine.String()+"/hours",
			`{"worked_on":"`+daysAgo(9)+`","hours":1.5}`, w.employee)
		if res.StatusCode != 409 || !strings.Contains(out["detail"].(string), "allowance of 10 hours (1 left") {
			t.Fatalf("over the allowance: %d %v; want 409 saying 1 hour is left", res.StatusCode, out)
		}
		w.log(w.mine, w.employee, daysAgo(9), 1, 201)
		mine := w.co.call("GET", "/api/v1/me/hours", "", w.employee, 200)
		b := mine["balances"].([]any)[0].(map[string]any)
		if len(mine["hours"].([]any)) != 3 || b["pending"] != 9.0 || b["approved"] != 1.0 || b["left"] != 0.0 {
			t.Fatalf("my hours: %v", mine)
		}
	})
	t.Run("HR admins approve in bulk, with an outcome per id", func(t *testing.T) {
		t.Parallel()
		w := newHoursWorld(t, env, app)
		a := w.log(w.mine, w.employee, yesterday, 3, 201)["id"].(string)
		b := w.log(w.theirs, w.colleague, yesterday, 4, 201)["id"].(string)
		auto := w.log(w.mine, w.employee, daysAgo(8), 1, 201)["id"].(string)
		rejected := w.log(w.theirs, w.colleague, daysAgo(7), 3, 201)["id"].(string)
		w.co.call("POST", "/api/v1/hours/"+rejected+"/reject", "", w.co.admin, 200)
		w.co.call("POST", "/api/v1/hours/"+rejected+"/reject", "", w.co.admin, 409)

		queue := w.co.call("GET", "/api/v1/hours?status=pending", "", w.co.admin, 200)["hours"].([]any)
		if got := ids(queue); len(got) != 2 || got[0] != a || got[1] != b {
			t.Fatalf("pending queue %v; want %s, %s", got, a, b)
		}
		other := newHoursWorld(t, env, app)
		foreign := other.log(other.mine, other.employee, yesterday, 3, 201)["id"].(string)
		missing := uuid.NewString()
		out := w.co.call("POST", "/api/v1/hours/approve", fmt.Sprintf(`{"ids":[%q,%q,%q,%q,%q,%q]}`, a, b, auto, rejected, foreign, missing), w.co.admin, 200)
		want := []string{"approved", "approved", "already_approved", "rejected", "not_found", "not_found"}
		for i, r := range out["results"].([]any) {
			if r.(map[string]any)["outcome"] != want[i] {
				t.Errorf("outcome %d: %v; want %s", i, r, want[i])
			}
		}
		if out["approved"] != 2.0 {
			t.Errorf("approved %v; want 2", out["approved"])
		}
		if q := other.co.call("GET", "/api/v1/hours?status=pending", "", other.co.admin, 200)["hours"].([]any); len(q) != 1 {
			t.Fatalf("the other company's entry was touched: %v", q)
		}
		if q := w.co.call("GET", "/api/v1/hours?status=pending", "", w.co.admin, 200)["hours"].([]any); len(q) != 0 {
			t.Fatalf("still pending after approval: %v", q)
		}
		w.co.call("GET", "/api/v1/hours?status=pending", "", w.employee, 403)
	})
}

func TestFiguresMatchTheSeededParticipations(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	a1, a2 := verifiedAssociation(t, env, ""), verifiedAssociation(t, env, "")
	mA := mission(t, env, missionSpec{assoc: &a1, skill: "it.web-dev"})
	mB := mission(t, env, missionSpec{assoc: &a1})
	mC := mission(t, env, missionSpec{assoc: &a2, skill: "communication.writing"})
	vital := mission(t, env, missionSpec{vital: "food_aid", format: "on_site"})
	m1, s1 := co.employee("", "")
	m2, _ := co.employee("", "")
	m3, _ := co.employee("", "")
	co.person("employee", "", "", identity.StatusActive) // invited, never signs up
	// Recent dates: pending applications older than a week would be
	// flagged late by the participations' tests sharing the database.
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -6)
	date := func(d int) string { return start.AddDate(0, 0, d-1).Format(time.DateOnly) }
	id := co.campaign(`{"name":"Figures","starts_on":"` + date(1) + `","ends_on":"` + date(7) + `","goal_participants":4,"goal_hours":20}`)
	co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)

	day := func(d int, h int) time.Time { return start.AddDate(0, 0, d-1).Add(time.Duration(h) * time.Hour) }
	p1 := co.participation(id, m1, mA, "validated", day(1, 9))
	co.participation(id, m1, mB, "pending", day(2, 10))
	co.participation(id, m2, mA, "refused", day(2, 11))
	p3 := co.participation(id, m3, mC, "done", day(3, 23))
	co.participation(id, m3, mB, "cancelled", day(3, 8))
	hours := func(p, m, member uuid.UUID, on string, h float64, status string) {
		co.exec(`INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?)`, uuid.Must(uuid.NewV7()), p, member, m, on, h, status)
	}
	hours(p1, mA, m1, date(2), 3, "approved")
	hours(p1, mA, m1, date(3), 2, "pending")
	hours(p3, mC, m3, date(3), 5, "approved")
	hours(p3, mC, m3, date(4), 1, "rejected")
	co.call("POST", "/api/v1/missions/"+vital.String()+"/redirect", `{"campaign_id":"`+id.String()+`","sanitary_ack":true}`, s1, 200)

	// Another company's activity on the same missions changes nothing.
	other := newCompany(t, env, app, "en")
	oid := other.campaign(`{"name":"Other","starts_on":"` + date(1) + `","ends_on":"` + date(7) + `"}`)
	om, os := other.employee("", "")
	other.call("POST", "/api/v1/campaigns/"+oid.String()+"/launch", "", other.admin, 200)
	other.participation(oid, om, mA, "validated", day(1, 9))
	other.call("POST", "/api/v1/missions/"+vital.String()+"/redirect", `{"campaign_id":"`+oid.String()+`","sanitary_ack":true}`, os, 200)

	f := co.call("GET", "/api/v1/campaigns/"+id.String()+"/figures", "", co.admin, 200)
	for k, v := range map[string]float64{"invited": 5, "audience_size": 5, "participants": 2, "participation_rate": 0.4,
		"hours_logged": 10, "hours_approved": 8, "missions_helped": 2, "associations_helped": 2, "vital_redirects": 1} {
		if f[k] != v {
			t.Errorf("%s = %v; want %v", k, f[k], v)
		}
	}
	apps := f["applications"].(map[string]any)
	for k, v := range map[string]float64{"validated": 1, "pending": 1, "refused": 1, "done": 1, "cancelled": 1, "waiting": 0, "no_show": 0} {
		if apps[k] != v {
			t.Errorf("applications[%s] = %v; want %v", k, apps[k], v)
		}
	}
	if s := fmt.Sprint(f["skills_mobilised"]); s != "[map[participants:1 skill:communication.writing] map[participants:1 skill:it.web-dev]]" {
		t.Errorf("skills: %s", s)
	}
	goals := f["goals"].(map[string]any)
	if p := goals["participants"].(map[string]any); p["ratio"] != 0.5 || p["reached"] != 2.0 {
		t.Errorf("participants goal: %v", p)
	}
	if h := goals["hours"].(map[string]any); h["ratio"] != 0.4 {
		t.Errorf("hours goal: %v", h)
	}
	days := f["by_day"].([]any)
	if len(days) != 7 {
		t.Fatalf("by_day has %d days; want the 7 of the campaign", len(days))
	}
	var apps2, logged float64
	for _, d := range days {
		apps2 += d.(map[string]any)["applications"].(float64)
		logged += d.(map[string]any)["hours_logged"].(float64)
	}
	d19 := days[2].(map[string]any)
	if apps2 != 5 || logged != 10 || d19["date"] != date(3) || d19["hours_logged"] != 7.0 || d19["hours_approved"] != 5.0 ||
		d19["applications"] != 2.0 {
		t.Errorf("by day: %v; want 5 applications and 10 hours in all, 2 applications and 7 hours on the third day", days)
	}
	if math.IsNaN(f["participation_rate"].(float64)) {
		t.Error("rate is NaN")
	}
}

// csvOf fetches an export and returns its status and body.
func csvOf(t *testing.T, app *fiber.App, host, path, session string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Host = host
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: session})
	res, err := app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestParticipationsExportStreamsTheFilteredRowsOfTheCompany(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	assoc := verifiedAssociation(t, env, "")
	mA := mission(t, env, missionSpec{assoc: &assoc, title: "=HYPERLINK(\"evil\")"})
	// Recent dates, for the reason given in the figures' test.
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -5)
	at := func(d int) time.Time { return start.AddDate(0, 0, d).Add(9 * time.Hour) }
	date := func(d int) string { return start.AddDate(0, 0, d).Format(time.DateOnly) }
	stamp := func(d, h int) string {
		return start.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
	}
	id := co.campaign(`{"name":"Export","starts_on":"` + date(0) + `","ends_on":"` + date(30) + `"}`)
	ada, _ := co.person("employee", "R&D", "Lyon", identity.StatusActive)
	bob, _ := co.person("employee", "Ventes, Export", "Paris", identity.StatusActive)
	p1 := co.participation(id, ada, mA, "validated", at(1))
	co.participation(id, bob, mA, "pending", at(3))
	co.exec(`INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status)
		VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, 2.5, 'approved')`, uuid.Must(uuid.NewV7()), p1, ada, mA, date(2))

	other := newCompany(t, env, app, "en")
	oc := other.campaign(`{"name":"Other","starts_on":"` + date(0) + `","ends_on":"` + date(30) + `"}`)
	stranger, _ := other.person("employee", "R&D", "Lyon", identity.StatusActive)
	other.participation(oc, stranger, mA, "validated", at(1))

	base := "/api/v1/campaigns/" + id.String() + "/participations.csv"
	res, body := csvOf(t, app, co.host, base, co.admin)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("export: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")), "\n")
	if lines[0] != "employee,email,department,site,mission,association,status,applied at,decided at,hours approved" {
		t.Errorf("header: %s", lines[0])
	}
	if len(lines) != 3 || !strings.Contains(lines[1], `,R&D,Lyon,"'=HYPERLINK(""evil"")",`) ||
		!strings.Contains(lines[1], ",validated,"+stamp(1, 9)+","+stamp(1, 10)+",2.5") ||
		!strings.Contains(lines[2], `"Ventes, Export",Paris`) || !strings.HasSuffix(strings.TrimSpace(lines[2]), ",pending,"+stamp(3, 9)+",,0") {
		t.Errorf("rows:\n%s", strings.Join(lines, "\n"))
	}
	if strings.Contains(body, other.tn.Slug) || strings.Count(body, "R&D") != 1 {
		t.Errorf("another company's row is in the export:\n%s", body)
	}
	for query, want := range map[string]int{"?status=pending": 1, "?status=validated": 1, "?status=refused": 0,
		"?from=" + date(2): 1, "?to=" + date(2): 1, "?from=" + date(1) + "&to=" + date(3): 2, "?from=" + date(4): 0} {
		_, body := csvOf(t, app, co.host, base+query, co.admin)
		if n := len(strings.Split(strings.TrimSpace(body), "\n")) - 1; n != want {
			t.Errorf("%s: %d rows; want %d\n%s", query, n, want, body)
		}
	}
	for _, query := range []string{"?status=lost", "?from=17/03/2020", "?from=" + date(2) + "&to=" + date(1)} {
		if res, _ := csvOf(t, app, co.host, base+query, co.admin); res.StatusCode != 400 {
			t.Errorf("%s: %d; want 400", query, res.StatusCode)
		}
	}

	// The HR admin's download, from the dashboard, speaks their language
	// and gives the company's time (Paris), not the API's UTC codes.
	paris, _ := time.LoadLocation("Europe/Paris")
	local := func(d, h int) string {
		return start.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour).In(paris).Format("2006-01-02 15:04:05")
	}
	admin := browserless{t: t, app: app, host: co.host, session: co.admin}
	if _, page := admin.get("/admin/campaigns/" + id.String()); !strings.Contains(page, `href="/admin/campaigns/`+id.String()+`/participations.csv"`) {
		t.Errorf("the dashboard offers no download of the participations")
	}
	for lang, want := range map[string][2]string{
		"fr": {"Salarié,Adresse e-mail,Service,Site,Mission,Association,Statut,Inscrit le (Europe/Paris),Décidé le (Europe/Paris),Heures approuvées", ",validée," + local(1, 9) + "," + local(1, 10) + ",2.5"},
		"en": {"Employee,Email address,Department,Site,Mission,Association,Status,Applied at (Europe/Paris),Decided at (Europe/Paris),Hours approved", ",validated," + local(1, 9) + "," + local(1, 10) + ",2.5"},
	} {
		admin.lang = lang
		res, body := admin.get("/admin/campaigns/" + id.String() + "/participations.csv")
		lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")), "\n")
		if res.StatusCode != 200 || lines[0] != want[0] || len(lines) != 3 || !strings.Contains(lines[1], want[1]) {
			t.Errorf("%s download: %d\n%s\nwant the header %s and a row with %s", lang, res.StatusCode, body, want[0], want[1])
		}
	}
}

func TestStaffCurateTemplatesThatHRAdminsStartFrom(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	code := "rentree-" + uuid.NewString()[:8]
	call := func(method, path, body string, want int) map[string]any {
		t.Helper()
		res, out := do(t, app, method, "localhost", path, body, staff)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d %v; want %d", method, path, res.StatusCode, out, want)
		}
		return out
	}
	call("POST", "/api/v1/platform/templates", `{"code":"`+code+`","name_fr":"Rentrée solidaire","name_en":"Back to school",
		"goal_participation_pct":50,"duration_days":30}`, 201)
	call("POST", "/api/v1/platform/templates", `{"code":"`+code+`","name_fr":"Again","name_en":"Again"}`, 409)
	call("POST", "/api/v1/platform/templates", `{"code":"Bad Code","name_fr":"X","name_en":"X"}`, 400)
	if out := call("PATCH", "/api/v1/platform/templates/"+code, `{"duration_days":45}`, 200); out["duration_days"] != 45.0 || out["name_fr"] != "Rentrée solidaire" {
		t.Fatalf("patch: %v", out)
	}
	call("PATCH", "/api/v1/platform/templates/"+code, `{"goal_participation_pct":150}`, 400)

	co := newCompany(t, env, app, "en")
	co.person("employee", "", "", identity.StatusActive)
	out := co.call("POST", "/api/v1/campaigns", `{"template":"`+code+`"}`, co.admin, 201)
	if out["name"] != "Back to school" || out["goal_participants"] != 1.0 {
		t.Fatalf("campaign from the new template: %v; want its English name and half of 2 members", out)
	}
	call("DELETE", "/api/v1/platform/templates/"+code, "", 409) // a campaign was made from it
	call("DELETE", "/api/v1/platform/templates/tous-confines-tous-engages", "", 409)
	call("DELETE", "/api/v1/platform/templates/nothing-here", "", 404)
}

func TestLaunchMailSpeaksTheCompanysLanguage(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	srv := mailtest.Start(t)
	co := newCompany(t, env, app, "en")
	mission(t, env, missionSpec{visibleTo: &co.tn.ID})
	_, to := co.person("employee", "", "", identity.StatusActive)
	id := co.campaign(`{"template":"tous-confines-tous-engages","starts_on":"2020-03-17","ends_on":"2020-05-11"}`)
	co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)
	m := srv.WaitFor(t, to, 10*time.Second)
	if !strings.Contains(m.Subject, "launches “All confined, all engaged”") ||
		!strings.Contains(m.Text, "from 17\u00a0March 2020 to 11\u00a0May 2020") || !strings.Contains(m.Text, "one metre apart") {
		t.Fatalf("English mail:\n%s\n%s", m.Subject, m.Text)
	}
}
