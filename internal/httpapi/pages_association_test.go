package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// missionForm is a valid remote mission as the form sends it.
func missionForm(title string) url.Values {
	return url.Values{"title": {title}, "description": {"Au téléphone, deux fois par semaine."}, "format": {"remote"},
		"date_kind": {"ongoing"}, "commitment_kind": {"total"}, "places": {"2"}, "visibility": {"all"}, "publish": {"1"},
		"skill": {"finance.accounting"}, "level": {"3"}, "required-0": {"1"}}
}

// The association's pages work without JavaScript: the skill picker's
// buttons change the form without saving it, a form sent back keeps what
// was typed with the error next to its field, and decisions that need a
// reason ask for it.
func TestAssociationPagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	assoc, other := verifiedAssociation(t, env, "Les Restos du quartier"), verifiedAssociation(t, env, "Autre asso")
	pp := people{t: t, db: env.App}
	b := browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(false, &assoc))}
	base := "/associations/" + assoc.String()

	// The home page speaks English when asked, with every message found.
	en := b
	en.lang = "en"
	if res, page := en.get(base); res.StatusCode != 200 || !strings.Contains(page, "Your association") || !strings.Contains(page, "verified") {
		t.Fatalf("home in English: %d\n%s", res.StatusCode, page)
	}
	res, page := b.post(base, url.Values{"description": {"Nouvelle description"}, "lat": {"quarante-huit"}, "lon": {"2.35"}})
	if res.StatusCode != 422 || !strings.Contains(page, `id="lat-error"`) || !strings.Contains(page, "Nouvelle description") ||
		!strings.Contains(page, `aria-describedby="lat-error coords-hint"`) {
		t.Fatalf("profile with bad coordinates: %d; want 422 with the error next to them and the description kept:\n%s", res.StatusCode, page)
	}

	// The picker: a search, a pick, a removal; none saves.
	form := missionForm("Appeler les aînés")
	form.Set("skill_query", "réseaux")
	form.Set("find", "1")
	res, page = b.post(base+"/missions", form)
	if res.StatusCode != 200 || !strings.Contains(page, `name="pick" value="communication.social-media"`) || !strings.Contains(page, "Appeler les aînés") {
		t.Fatalf("search a skill: %d; want the social-media skill offered, the title kept:\n%s", res.StatusCode, page)
	}
	form.Del("find")
	form.Set("pick", "communication.social-media")
	res, page = b.post(base+"/missions", form)
	if res.StatusCode != 200 || strings.Count(page, `name="skill" value=`) != 2 || !strings.Contains(page, `<option value="3" selected>`) {
		t.Fatalf("pick a skill: %d; want two skill rows, the first one's level kept:\n%s", res.StatusCode, page)
	}
	form.Del("pick")
	form["skill"] = []string{"finance.accounting", "communication.social-media"}
	form["level"] = []string{"3", "2"}
	form.Set("remove", "0")
	res, page = b.post(base+"/missions", form)
	if res.StatusCode != 200 || strings.Count(page, `name="skill" value=`) != 1 || strings.Contains(page, `name="skill" value="finance.accounting"`) {
		t.Fatalf("remove a skill: %d; want only social media left:\n%s", res.StatusCode, page)
	}
	// Enter in the search box searches; elsewhere (an empty search) it saves.
	form = missionForm("Appeler les aînés")
	form.Set("enter", "1")
	form.Set("skill_query", "compta")
	if res, page = b.post(base+"/missions", form); res.StatusCode != 200 || !strings.Contains(page, `value="finance.accounting"`) {
		t.Fatalf("enter in the search box: %d; want the search's results:\n%s", res.StatusCode, page)
	}
	cat := catalog.NewService(postgres.NewCatalogStore(env.App), nil, "")
	if ms, _ := cat.Missions(context.Background(), assoc); len(ms) != 0 {
		t.Fatalf("the picker saved a mission: %+v", ms)
	}

	// Errors come back next to their field, with everything kept.
	form = missionForm("")
	res, page = b.post(base+"/missions", form)
	if res.StatusCode != 400 || !strings.Contains(page, `id="title-error"`) || !strings.Contains(page, `name="skill" value="finance.accounting"`) ||
		!strings.Contains(page, "deux fois par semaine") {
		t.Fatalf("a mission without a title: %d; want 400 with the error next to the title and the rest kept:\n%s", res.StatusCode, page)
	}
	form = missionForm("Appeler les aînés")
	form.Set("places", "beaucoup")
	if res, page = b.post(base+"/missions", form); res.StatusCode != 422 || !strings.Contains(page, `id="places-error"`) || !strings.Contains(page, `value="beaucoup"`) {
		t.Fatalf("places not a number: %d:\n%s", res.StatusCode, page)
	}
	form = missionForm("Appeler les aînés")
	form.Set("visibility", "listed")
	form.Set("visible_to", "no-such-company-"+uuid.NewString()[:6])
	if res, page = b.post(base+"/missions", form); res.StatusCode != 422 || !strings.Contains(page, `id="visible_to-error"`) {
		t.Fatalf("an unknown company: %d:\n%s", res.StatusCode, page)
	}
	form = missionForm("Appeler les aînés")
	form.Set("enter", "1")
	if res, _ = b.post(base+"/missions", form); res.StatusCode != 303 {
		t.Fatalf("enter with nothing to search: %d; want the mission saved", res.StatusCode)
	}
	ms, err := cat.Missions(context.Background(), assoc)
	if err != nil || len(ms) != 1 || ms[0].Status != catalog.MissionOpen || len(ms[0].Skills) != 1 || ms[0].Skills[0].Level != 3 {
		t.Fatalf("saved missions: %+v, %v; want one open mission with accounting at level 3", ms, err)
	}
	m := ms[0]

	// A mission reserved to a company names it by its address.
	tn := newTenant(t, env.App, "Initech")
	form = missionForm("Appeler les aînés")
	form.Set("visibility", "listed")
	form.Set("visible_to", strings.ToUpper(tn.Slug))
	if res, _ = b.post(base+"/missions/"+m.ID.String(), form); res.StatusCode != 303 {
		t.Fatalf("reserve the mission: %d", res.StatusCode)
	}
	if res, page = b.get(base + "/missions/" + m.ID.String()); res.StatusCode != 200 || !strings.Contains(page, `value="`+tn.Slug+`"`) {
		t.Fatalf("the reserved mission's form: %d; want the company's address:\n%s", res.StatusCode, page)
	}
	form.Set("places", "0")
	if res, page = b.post(base+"/missions/"+m.ID.String(), form); res.StatusCode != 400 || !strings.Contains(page, `id="places-error"`) {
		t.Fatalf("no place: %d:\n%s", res.StatusCode, page)
	}
	for _, step := range []struct{ action, want string }{{"close", catalog.MissionClosed}, {"open", catalog.MissionOpen}} {
		if res, _ := b.post(base+"/missions/"+m.ID.String()+"/"+step.action, url.Values{}); res.StatusCode != 303 {
			t.Fatalf("%s: %d", step.action, res.StatusCode)
		}
		if got, _ := cat.MissionOf(context.Background(), &assoc, m.ID); got.Status != step.want {
			t.Fatalf("after %s: %s", step.action, got.Status)
		}
	}

	// Decisions and hours that need more say so.
	p := uuid.Must(uuid.NewV7())
	member := pp.member(tn, "employee")
	campaignID := activeCampaign(t, env.App, tn, campaignSpec{})
	if err := env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'pending')`, p, campaignID, member, m.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	res, page = b.post(base+"/applicants/"+p.String()+"/refuse", url.Values{"reason": {"other"}, "detail": {"  "}, "status": {"pending"}})
	if res.StatusCode != 422 || !strings.Contains(page, `id="detail-`+p.String()+`-error"`) || !strings.Contains(page, `<option value="other" selected>`) ||
		!strings.Contains(page, "<details class=\"refuse\" open>") {
		t.Fatalf("refuse without a word: %d; want the error next to the message, the reason kept, the form open:\n%s", res.StatusCode, page)
	}
	if res, page = b.get(base + "/applicants?status=refused"); res.StatusCode != 200 || !strings.Contains(page, `id="applicants-empty"`) {
		t.Fatalf("filter on refused: %d; want the empty state:\n%s", res.StatusCode, page)
	}
	if res, page = b.post(base+"/hours/approve", url.Values{}); res.StatusCode != 422 || !strings.Contains(page, `id="hours-error"`) {
		t.Fatalf("confirm no hours: %d:\n%s", res.StatusCode, page)
	}

	// Validated, the volunteer logs hours; the association rejects them.
	if res, _ = b.post(base+"/applicants/"+p.String()+"/validate", url.Values{"status": {"pending"}}); res.StatusCode != 303 ||
		!strings.Contains(res.Header.Get("Location"), "status=pending") {
		t.Fatalf("validate: %d to %q; want back to the filtered list", res.StatusCode, res.Header.Get("Location"))
	}
	// Validated just now: hours are logged from today (the acceptance) on.
	today := time.Now().UTC().Format("2006-01-02")
	res, logged := do(t, app, "POST", tn.Slug+".localhost", "/api/v1/participations/"+p.String()+"/hours",
		`{"worked_on":"`+today+`","hours":2}`, pp.session(tn, member))
	if res.StatusCode != 201 {
		t.Fatalf("log hours: %d %v", res.StatusCode, logged)
	}
	hours := logged["id"].(string)
	if res, page = b.get(base + "/hours"); res.StatusCode != 200 || !strings.Contains(page, `formaction="`+base+`/hours/`+hours+`/reject"`) {
		t.Fatalf("hours page: %d:\n%s", res.StatusCode, page)
	}
	if res, _ = b.post(base+"/hours/"+hours+"/reject", url.Values{"ids": {hours}}); res.StatusCode != 303 {
		t.Fatalf("reject the hours: %d", res.StatusCode)
	}
	res, mine := do(t, app, "GET", tn.Slug+".localhost", "/api/v1/me/hours", "", pp.session(tn, member))
	if res.StatusCode != 200 || !strings.Contains(fmt.Sprint(mine["hours"]), "rejected") {
		t.Fatalf("the volunteer's hours: %d %v; want rejected", res.StatusCode, mine)
	}
	if res, page = b.post(base+"/hours/"+hours+"/reject", url.Values{}); res.StatusCode != 409 || !strings.Contains(page, `id="hours-error"`) {
		t.Fatalf("reject twice: %d; want 409 said on the page:\n%s", res.StatusCode, page)
	}

	// Another association's manager reaches none of this.
	stranger := browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(false, &other))}
	for _, path := range []string{base, base + "/missions", base + "/missions/" + m.ID.String(), base + "/applicants", base + "/hours"} {
		if res, _ := stranger.get(path); res.StatusCode != 403 && res.StatusCode != 404 {
			t.Errorf("another association's manager on %s: %d; want refused", path, res.StatusCode)
		}
	}
	if res, _ := stranger.post(base+"/applicants/"+p.String()+"/validate", url.Values{}); res.StatusCode != 403 && res.StatusCode != 404 {
		t.Errorf("another association's manager validating: %d; want refused", res.StatusCode)
	}
}

// Sign-up happens on the platform's address; a form sent back never
// holds the password.
func TestAssociationSignUpPage(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	onCompany := browserless{t: t, app: app, host: tn.Slug + ".localhost"}
	if res, _ := onCompany.get("/associations/sign-up"); res.StatusCode != 404 {
		t.Fatalf("sign-up on a company's address: %d; want 404", res.StatusCode)
	}
	b := browserless{t: t, app: app, host: "localhost"}
	if res, page := b.get("/associations/sign-up"); res.StatusCode != 200 || !strings.Contains(page, `href="/sign-in"`) {
		t.Fatalf("sign-up page: %d\n%s", res.StatusCode, page)
	}
	form := url.Values{"email": {"pas-une-adresse"}, "full_name": {"Nadia"}, "password": {"un mot de passe secret"},
		"name": {"Les Amis"}, "legal_id": {fmt.Sprintf("W%09d", rand.IntN(1_000_000_000))}, "city": {"Lyon"}}
	res, page := b.post("/associations/sign-up", form)
	if res.StatusCode != 400 || !strings.Contains(page, `id="email-error"`) || !strings.Contains(page, `value="Les Amis"`) ||
		strings.Contains(page, "un mot de passe secret") {
		t.Fatalf("a bad address: %d; want the error next to it, the rest kept but the password:\n%s", res.StatusCode, page)
	}
	form.Set("email", "nadia-"+uuid.NewString()[:8]+"@example.com")
	form.Set("password", "court")
	if res, page = b.post("/associations/sign-up", form); res.StatusCode != 400 || !strings.Contains(page, `id="password-error"`) {
		t.Fatalf("a short password: %d:\n%s", res.StatusCode, page)
	}
	form.Set("password", "correct horse battery")
	res, _ = b.post("/associations/sign-up", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(loc, "/associations/sign-up?") {
		t.Fatalf("sign up: %d to %q", res.StatusCode, loc)
	}
	if res, page := b.get(loc); res.StatusCode != 200 || !strings.Contains(page, form.Get("email")) {
		t.Fatalf("after sign-up: %d; want the address to check:\n%s", res.StatusCode, page)
	}
	// A crafted link cannot put its words in the page.
	if res, page := b.get("/associations/sign-up?sent=" + url.QueryEscape("appelez le 0800 000 000")); res.StatusCode != 200 ||
		strings.Contains(page, "0800") || !strings.Contains(page, `id="signup-sent"`) {
		t.Fatalf("a crafted address: %d; want the generic sentence:\n%s", res.StatusCode, page)
	}
	// The same association signs up again: it already has a manager.
	form.Set("email", "other-"+uuid.NewString()[:8]+"@example.com")
	if res, page = b.post("/associations/sign-up", form); res.StatusCode != 400 || !strings.Contains(page, `id="legal_id-error"`) {
		t.Fatalf("an association already managed: %d; want the error next to the legal id:\n%s", res.StatusCode, page)
	}
}

// A manager invites a co-manager from the association's home page; a bad
// address comes back next to its field, kept; the invited person gets a
// link; another association's manager cannot invite anyone here.
func TestAssociationInvitesACoManager(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	srv := mailtest.Start(t)
	pp := people{t: t, db: env.App}
	assoc, other := verifiedAssociation(t, env, ""), verifiedAssociation(t, env, "")
	manager := browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(false, &assoc))}
	home := "/associations/" + assoc.String()

	res, page := manager.post(home+"/managers", url.Values{"email": {"pas-une-adresse"}, "full_name": {"Léa"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="manager_email-error"`) ||
		!strings.Contains(page, `value="pas-une-adresse"`) || !strings.Contains(page, `value="Léa"`) {
		t.Fatalf("a bad address: %d; want it refused next to the field, kept:\n%s", res.StatusCode, page)
	}
	colleague := mailtest.Address(t)
	if res, _ := manager.post(home+"/managers", url.Values{"email": {colleague}, "full_name": {"Léa"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d; want 303", res.StatusCode)
	}
	if m := srv.WaitFor(t, colleague, 5*time.Second); m.Link("/auth/invitation") == "" {
		t.Errorf("the invitation mail has no link: %+v", m)
	}
	if _, page := manager.get(home + "?invited=" + url.QueryEscape(colleague)); !strings.Contains(page, `id="manager-invited"`) {
		t.Errorf("no word that the invitation was sent")
	}
	stranger := browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(false, &other))}
	if res, _ := stranger.post(home+"/managers", url.Values{"email": {mailtest.Address(t)}}); res.StatusCode != http.StatusNotFound &&
		res.StatusCode != http.StatusForbidden {
		t.Errorf("another association's manager inviting here: %d; want refused", res.StatusCode)
	}
}
