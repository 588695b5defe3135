package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// Rules users hit when they were written twice and drifted: each fixed in
// its one home, each tested here through the product's interface.

// browse sends what a browser sends: a page (Accept text/html), a form
// body when form is not empty, the session cookie when there is one.
func browse(t *testing.T, app *fiber.App, method, host, path, form, session string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(form))
	req.Host = host
	req.Header.Set("Accept", "text/html")
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "vendredi_session", Value: session})
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// The mail that tells an association its mission is full links to the
// mission's page, which opens for its manager (it linked to no route).
func TestMissionFullMailLinksToTheMissionPage(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	mails := mailtest.Start(t)
	pp := people{t: t, db: env.App}
	assoc := verifiedAssociation(t, env, "")
	managerID := pp.account(false, &assoc)
	manager := pp.session(nil, managerID)
	m := mission(t, env, missionSpec{assoc: &assoc, title: "Traduire des fiches", format: "remote", places: 1})
	co := newCompany(t, env, app, "fr")
	campaignID := activeCampaign(t, env.App, co.tn, campaignSpec{missions: []uuid.UUID{m}})
	_, employee := co.employee("RH", "Paris")
	if res, body := do(t, app, "POST", co.host, "/api/v1/campaigns/"+campaignID.String()+"/participations", `{"mission_id":"`+m.String()+`"}`, employee); res.StatusCode != 201 {
		t.Fatalf("apply: %d %v", res.StatusCode, body)
	}
	mail := mails.WaitFor(t, managerID.String()+"@example.org", 10*time.Second)
	u, err := url.Parse(mail.Link("/missions/"))
	if err != nil || u.Path != "/associations/"+assoc.String()+"/missions/"+m.String() {
		t.Fatalf("the full mission's mail %q links %v; want the mission's page", mail.Subject, mail.Links)
	}
	if res, _ := browse(t, app, "GET", "localhost", u.Path, "", manager); res.StatusCode != 200 {
		t.Fatalf("the manager opens the mail's link %s: %d; want 200", u.Path, res.StatusCode)
	}
}

// Hours fall within the campaign's and the mission's dates, from the
// acceptance: 1999 is refused (it was approved and counted). And HR never
// approves hours of a participation cancelled since they were logged.
func TestHoursKeepToTheirWindowAndLiveParticipations(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	m := mission(t, env, missionSpec{title: "Comptabilité", format: "remote"})
	campaignID := activeCampaign(t, env.App, co.tn, campaignSpec{missions: []uuid.UUID{m}, since: 10})
	memberID, employee := co.employee("RH", "Paris")
	p := co.participation(campaignID, memberID, m, "validated", time.Now().AddDate(0, 0, -5))
	logHours := func(day string) (*http.Response, map[string]any) {
		return do(t, app, "POST", co.host, "/api/v1/participations/"+p.String()+"/hours", `{"worked_on":"`+day+`","hours":1}`, employee)
	}
	if res, body := logHours("1999-01-01"); res.StatusCode != 400 {
		t.Fatalf("hours on 1999-01-01: %d %v; want 400", res.StatusCode, body)
	}
	if res, body := logHours(time.Now().AddDate(0, 0, -7).Format(time.DateOnly)); res.StatusCode != 400 {
		t.Fatalf("hours before the acceptance: %d %v; want 400", res.StatusCode, body)
	}
	res, body := logHours(time.Now().AddDate(0, 0, -1).Format(time.DateOnly))
	if res.StatusCode != 201 {
		t.Fatalf("hours yesterday: %d %v; want 201", res.StatusCode, body)
	}
	hourID := body["id"].(string)
	// Pending (the campaign approves nothing by itself), then the
	// participation is cancelled: the mission was withdrawn.
	co.exec("UPDATE hour_logs SET status = 'pending', decided_by = '', decided_at = NULL WHERE id = ?", hourID)
	co.exec("UPDATE participations SET status = 'cancelled' WHERE id = ?", p)
	res, body = do(t, app, "POST", co.host, "/api/v1/hours/approve", `{"ids":["`+hourID+`"]}`, co.admin)
	outcomes, _ := body["results"].([]any)
	if res.StatusCode != 200 || len(outcomes) != 1 || outcomes[0].(map[string]any)["outcome"] != "participation_ended" {
		t.Fatalf("HR approves hours of a cancelled participation: %d %v; want the outcome participation_ended", res.StatusCode, body)
	}
	var status string
	if err := env.App.TenantTx(co.ctx(), func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT status FROM hour_logs WHERE id = ?", hourID).Scan(ctx, &status)
	}); err != nil || status != "pending" {
		t.Fatalf("the entry is %q (%v); want still pending", status, err)
	}
}

// A limit of 0 missions per employee is refused, naming the field; it was
// silently replaced by 2.
func TestCampaignLimitOfZeroIsRefused(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	id := co.campaign(`{"template":"tous-confines-tous-engages"}`)
	for _, body := range []string{`{"max_active_per_employee":0}`, `{"max_active_per_employee":-1}`} {
		res, out := do(t, app, "PATCH", co.host, "/api/v1/campaigns/"+id.String(), body, co.admin)
		errors, _ := out["errors"].([]any)
		if res.StatusCode != 400 || len(errors) != 1 || errors[0].(map[string]any)["field"] != "max_active_per_employee" {
			t.Errorf("%s: %d %v; want 400 naming max_active_per_employee", body, res.StatusCode, out)
		}
	}
	if res, out := do(t, app, "POST", co.host, "/api/v1/campaigns", `{"name":"Drive","starts_on":"`+today()+`","ends_on":"`+later()+`","max_active_per_employee":0}`, co.admin); res.StatusCode != 400 {
		t.Errorf("a new campaign with a limit of 0: %d %v; want 400", res.StatusCode, out)
	}
	if res, out := do(t, app, "POST", co.host, "/api/v1/campaigns", `{"name":"Drive","starts_on":"`+today()+`","ends_on":"`+later()+`"}`, co.admin); res.StatusCode != 201 || out["max_active_per_employee"] != 2.0 {
		t.Errorf("a new campaign without a limit: %d %v; want 201 with the default 2", res.StatusCode, out)
	}
}

// An application left unanswered past its campaign's response time shows
// as late to the association, in the API and on the applicants page.
func TestLateApplicationsShowToTheAssociation(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	assoc := verifiedAssociation(t, env, "")
	manager := pp.session(nil, pp.account(false, &assoc))
	m := mission(t, env, missionSpec{assoc: &assoc, title: "Traduire des fiches", format: "remote"})
	co := newCompany(t, env, app, "fr")
	campaignID := activeCampaign(t, env.App, co.tn, campaignSpec{missions: []uuid.UUID{m}})
	co.exec("UPDATE campaigns SET response_days = 3 WHERE id = ?", campaignID)
	_, employee := co.employee("RH", "Paris")
	res, body := do(t, app, "POST", co.host, "/api/v1/campaigns/"+campaignID.String()+"/participations", `{"mission_id":"`+m.String()+`"}`, employee)
	if res.StatusCode != 201 {
		t.Fatalf("apply: %d %v", res.StatusCode, body)
	}
	answerBy, err := time.Parse(time.RFC3339Nano, body["answer_by"].(string))
	if err != nil || time.Until(answerBy) < 71*time.Hour || time.Until(answerBy) > 73*time.Hour {
		t.Fatalf("answer_by %v (%v); want in 3 days, the campaign's response time", body["answer_by"], err)
	}
	page := func() string {
		res, html := browse(t, app, "GET", "localhost", "/associations/"+assoc.String()+"/applicants", "", manager)
		if res.StatusCode != 200 {
			t.Fatalf("applicants page: %d", res.StatusCode)
		}
		return html
	}
	if strings.Contains(page(), "Réponse attendue depuis") {
		t.Fatal("a fresh application shows as late")
	}
	co.exec("UPDATE participations SET answer_by = now() - interval '1 day' WHERE campaign_id = ?", campaignID)
	if p := page(); !strings.Contains(p, "Réponse attendue depuis le "+time.Now().AddDate(0, 0, -1).Format("02/01/2006")) {
		t.Errorf("a late application does not say so on the applicants page")
	}
}

// The allocation never proposes a mission the employee already holds (here
// through another campaign): accepting it would fail, as sign-up refuses a
// second participation in one mission.
func TestAllocationSkipsMissionsAlreadyHeld(t *testing.T) {
	t.Parallel()
	// Places left on the web mission after she holds one: the allocation
	// would propose it to her if it did not know she holds it.
	d := newMatchingDrive(t, 5, map[string]string{"developer": "it.web-dev"})
	other := activeCampaign(t, d.env.App, d.tn, campaignSpec{name: "Autre", missions: []uuid.UUID{d.webdev}})
	res, body := do(t, d.app, "POST", d.host, "/api/v1/campaigns/"+other.String()+"/participations",
		`{"mission_id":"`+d.webdev.String()+`"}`, d.sessions["developer"])
	if res.StatusCode != 201 {
		t.Fatalf("the developer signs up through the other campaign: %d %v", res.StatusCode, body)
	}
	base := "/api/v1/campaigns/" + d.campaignID.String()
	if res, body := do(t, d.app, "POST", d.host, base+"/allocation", "", d.admin); res.StatusCode != 202 {
		t.Fatalf("start allocation: %d %v", res.StatusCode, body)
	}
	var run map[string]any
	waitFor(t, "the allocation finishes", func() bool {
		_, run = do(t, d.app, "GET", d.host, base+"/allocation", "", d.admin)
		return run["status"] == "done" || run["status"] == "failed"
	})
	_, body = do(t, d.app, "GET", d.host, "/api/v1/me/proposals", "", d.sessions["developer"])
	for _, p := range body["proposals"].([]any) {
		if p.(map[string]any)["mission"] == "Refaire le site" {
			t.Fatalf("the developer is proposed the mission she holds: %v (run %v)", p, run)
		}
	}
}

// Whoever goes on site acknowledges the sanitary rules: on an
// association's on-site mission before signing up, on a vital mission
// before the redirect to la Réserve Civique (neither was ever asked).
func TestSanitaryRulesAreAcknowledgedBeforeGoingOnSite(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	assoc := verifiedAssociation(t, env, "")
	// An association's on-site mission, created through the API as its
	// manager would: the rule comes from the mission's format.
	pp := people{t: t, db: env.App}
	manager := pp.session(nil, pp.account(false, &assoc))
	res, body := do(t, app, "POST", "localhost", "/api/v1/associations/"+assoc.String()+"/missions",
		`{"title":"Distribuer des colis","description":"Au local.","format":"on_site","cause":"solidarity","city":"Paris","lat":48.85,"lon":2.35,"places":3}`, manager)
	if res.StatusCode != 201 || body["requires_sanitary_ack"] != true {
		t.Fatalf("an on-site mission: %d %v; want created, asking for the sanitary acknowledgement", res.StatusCode, body)
	}
	onSite := uuid.MustParse(body["id"].(string))
	if res, body := do(t, app, "POST", "localhost", "/api/v1/associations/"+assoc.String()+"/missions/"+onSite.String()+"/open", "", manager); res.StatusCode >= 300 {
		t.Fatalf("open the mission: %d %v", res.StatusCode, body)
	}
	food := mission(t, env, missionSpec{vital: "food_aid", format: "on_site"})
	campaignID := activeCampaign(t, env.App, co.tn, campaignSpec{missions: []uuid.UUID{onSite, food}})
	_, employee := co.employee("RH", "Paris")
	apply := func(ack string) (*http.Response, map[string]any) {
		return do(t, app, "POST", co.host, "/api/v1/campaigns/"+campaignID.String()+"/participations",
			`{"mission_id":"`+onSite.String()+`"`+ack+`}`, employee)
	}
	res, body = apply("")
	if res.StatusCode != 400 || !strings.Contains(fmt.Sprint(body["errors"]), "sanitary_ack") {
		t.Errorf("sign-up on site without the acknowledgement: %d %v; want 400 naming sanitary_ack", res.StatusCode, body)
	}
	if res, body := apply(`,"sanitary_ack":true`); res.StatusCode != 201 || body["sanitary_ack_at"] == nil {
		t.Errorf("sign-up with it: %d %v; want 201 with the acknowledgement's time", res.StatusCode, body)
	}

	// The page: the vital card asks for the acknowledgement, and its
	// absence comes back next to the check box.
	redirect := "/missions/" + food.String() + "/redirect"
	res, _ = browse(t, app, "POST", co.host, redirect, "campaign_id="+campaignID.String(), employee)
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.Contains(loc, "ack_missing="+food.String()) {
		t.Fatalf("redirect without the acknowledgement: %d to %q; want back to the card", res.StatusCode, loc)
	}
	if _, html := browse(t, app, "GET", co.host, res.Header.Get("Location"), "", employee); !strings.Contains(html, `id="vack-`+food.String()+`-error"`) {
		t.Errorf("the campaign page does not show the missing acknowledgement next to the vital mission's check box")
	}
	res, _ = browse(t, app, "POST", co.host, redirect, "campaign_id="+campaignID.String()+"&sanitary_ack=1", employee)
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "https://covid19.reserve-civique.gouv.fr/") {
		t.Fatalf("redirect with the acknowledgement: %d to %q; want la Réserve Civique", res.StatusCode, res.Header.Get("Location"))
	}
}
