package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// volunteerCompany is a company taking part in a drive, with one employee
// whose profile holds the given skills.
type volunteerCompany struct {
	tn       *tenants.Tenant
	campaign uuid.UUID
	member   uuid.UUID
	session  string
}

func newVolunteerCompany(t *testing.T, env *pgtest.Env, company, employee string, skills []campaign.ProfileSkill) *volunteerCompany {
	t.Helper()
	tn := newTenant(t, env.App, company)
	v := &volunteerCompany{tn: tn, member: addMember(t, env.App, tn, identity.Person{Email: mailtest.Address(t), FullName: employee,
		Role: identity.RoleEmployee})}
	if err := postgres.NewProfileStore(env.App).SaveProfile(tenants.NewContext(context.Background(), tn),
		&campaign.Profile{MemberID: v.member, Skills: skills}); err != nil {
		t.Fatal(err)
	}
	v.campaign = activeCampaign(t, env.App, tn, campaignSpec{name: "Tous confinés, Tous engagés", since: 5})
	v.session = people{t: t, db: env.App}.session(tn, v.member)
	return v
}

// call sends a JSON request to the live server as the company's employee
// and returns the decoded answer, failing on another status than want.
func (v *volunteerCompany) call(t *testing.T, port, method, path, body string, want int) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, "http://127.0.0.1:"+port+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = v.tn.Slug + ".localhost:" + port
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: v.session})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s; want %d", method, path, res.StatusCode, b, want)
	}
	return out
}

// phone screenshots the page as it is (a form sent back, say) at 390 px,
// then goes back to the desktop width, and fails when it scrolls sideways.
func phone(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var overflow bool
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if overflow {
		t.Errorf("%s scrolls sideways", name)
	}
	screenshot(t, ctx, name)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserAssociationJourney clicks through an association manager's
// journey: sign-up (a bad legal id first), the mailed link, sign-in, the
// association described and submitted after staff sent it back, a mission
// posted with two skills from the picker and edited, then applicants from
// two companies answered and the hours of the one validated confirmed.
func TestBrowserAssociationJourney(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	site := b.site("")
	bg := context.Background()
	email := mailtest.Address(t)
	legal := fmt.Sprintf("W%09d", rand.IntN(1_000_000_000))
	ctx := b.page(3 * time.Minute)

	// Sign up, first with a legal id that is neither RNA nor SIRET.
	var legalError, legalDescribed, keptName, keptEmail, keptDescription, keptPassword string
	err := chromedp.Run(ctx,
		chromedp.Navigate(site+"/associations/sign-up"),
		chromedp.WaitVisible("#signup-submit", chromedp.ByQuery),
		typeInto("#full_name", "Nadia Benali", "#email", email, "#password", password, "#name", "Les Amis du Quartier",
			"#legal_id", "W12", "#city", "Lyon", "#description", "Aide aux devoirs et épicerie solidaire."),
		chromedp.Click("#signup-submit", chromedp.ByQuery),
		fieldError("legal_id", "aria-describedby", &legalError, &legalDescribed),
		values(map[string]*string{"#name": &keptName, "#email": &keptEmail, "#description": &keptDescription, "#password": &keptPassword}),
	)
	if err != nil {
		t.Fatalf("sign up with a bad legal id: %v", err)
	}
	if !strings.Contains(legalError, "RNA") || !strings.Contains(legalError, "SIRET") || !strings.Contains(legalDescribed, "legal_id-error") {
		t.Fatalf("legal id error %q, described by %q; want the RNA/SIRET rule next to the field", legalError, legalDescribed)
	}
	if keptName != "Les Amis du Quartier" || keptEmail != email || !strings.Contains(keptDescription, "épicerie") || keptPassword != "" {
		t.Fatalf("kept name %q, email %q, description %q, password %q; want what was typed kept, never the password",
			keptName, keptEmail, keptDescription, keptPassword)
	}
	screenshot(t, ctx, "signup-error-1280")
	phone(t, ctx, "signup-error-390")
	var sent string
	err = chromedp.Run(ctx,
		chromedp.SetValue("#legal_id", legal, chromedp.ByQuery),
		chromedp.SendKeys("#password", password, chromedp.ByQuery),
		chromedp.Click("#signup-submit", chromedp.ByQuery),
		shown("#signup-sent", &sent),
	)
	if err != nil || !strings.Contains(sent, email) {
		t.Fatalf("sign up: %v, page says %q; want the mailbox to check", err, sent)
	}
	screenshot(t, ctx, "signup-sent-1280")
	phone(t, ctx, "signup-sent-390")
	var assoc uuid.UUID
	var status string
	if err := b.env.Owner.NewRaw("SELECT id, status FROM associations WHERE legal_id = ?", legal).Scan(bg, &assoc, &status); err != nil {
		t.Fatalf("the association is not stored: %v", err)
	}

	// The mailed link confirms the address and signs in; the person signs
	// out and back in with the password they chose.
	link := mailtest.Start(t).WaitFor(t, email, 10*time.Second).Link("/auth/verify")
	if link == "" {
		t.Fatal("the mail has no /auth/verify link")
	}
	var who string
	err = chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible("main form button[type=submit]", chromedp.ByQuery),
		chromedp.Click("main form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(".who", chromedp.ByQuery),
		chromedp.Click(`form[action="/sign-out"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/sign-in"]`, chromedp.ByQuery),
		signIn(site, email),
		chromedp.Text(".who", &who, chromedp.ByQuery),
	)
	if err != nil || who != "Nadia Benali" {
		t.Fatalf("verify, sign out and in: %v, signed in as %q", err, who)
	}

	// Staff send the association back with a reason; the manager reads it,
	// describes the association and submits it again.
	home := site + "/associations/" + assoc.String()
	review := catalog.NewService(postgres.NewCatalogStore(b.env.App), nil, "")
	if _, err := review.Review(bg, assoc, "reject", "Décrivez vos actions auprès des familles."); err != nil {
		t.Fatalf("staff reject: %v", err)
	}
	var statusText, reason string
	err = chromedp.Run(ctx,
		chromedp.Navigate(home),
		chromedp.WaitVisible("#status", chromedp.ByQuery),
		chromedp.Text("#status-h", &statusText, chromedp.ByQuery),
		chromedp.Text("#rejection-reason", &reason, chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(statusText, "refusée") || reason != "Décrivez vos actions auprès des familles." {
		t.Fatalf("home after the rejection: %v, status %q, reason %q", err, statusText, reason)
	}
	screenshot(t, ctx, "home-rejected-1280")
	err = chromedp.Run(ctx,
		chromedp.SetValue("#description", "Aide aux devoirs pour 40 familles du quartier, épicerie solidaire le samedi.", chromedp.ByQuery),
		chromedp.Click("#cause-education", chromedp.ByQuery),
		chromedp.SetValue("#website", "https://amis-du-quartier.example", chromedp.ByQuery),
		chromedp.Click("#save-profile", chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Click("#submit-review", chromedp.ByQuery),
		chromedp.WaitVisible(".assoc-status.status-pending_review", chromedp.ByQuery),
		chromedp.Text("#status-h", &statusText, chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(statusText, "en attente de vérification") {
		t.Fatalf("describe and submit: %v, status %q", err, statusText)
	}
	stored, err := review.Association(bg, assoc)
	if err != nil || stored.Status != catalog.AssociationPendingReview || !strings.Contains(stored.Description, "40 familles") ||
		len(stored.Causes) != 1 || stored.Causes[0] != "education" || stored.Website != "https://amis-du-quartier.example" {
		t.Fatalf("stored association: %+v, %v; want it pending review with its description, cause and website", stored, err)
	}
	if _, err := review.Review(bg, assoc, "verify", ""); err != nil {
		t.Fatalf("staff verify: %v", err)
	}
	err = chromedp.Run(ctx, chromedp.Reload(), chromedp.WaitVisible("#status", chromedp.ByQuery), chromedp.Text("#status-h", &statusText, chromedp.ByQuery))
	if err != nil || !strings.Contains(statusText, "vérifiée") {
		t.Fatalf("home once verified: %v, status %q", err, statusText)
	}
	screenshot(t, ctx, "home-1280")

	// No mission yet: the list says what to do. A mission on site without
	// its place comes back with the error next to it and nothing lost.
	var empty, skillRow0, skillRow1, latError, keptTitle string
	var rows int
	err = chromedp.Run(ctx,
		chromedp.Click(`.assoc-nav a[href$="/missions"]`, chromedp.ByQuery),
		shown("#missions-empty", &empty),
	)
	if err != nil || !strings.Contains(empty, "première mission") {
		t.Fatalf("empty missions: %v, %q", err, empty)
	}
	screenshot(t, ctx, "missions-empty-1280")
	err = chromedp.Run(ctx,
		chromedp.Click("#new-mission", chromedp.ByQuery),
		chromedp.WaitVisible("#save-mission", chromedp.ByQuery),
		typeInto("#title", "Tenir la comptabilité de l'épicerie", "#description", "Saisir les achats et les dons, préparer le bilan annuel."),
		chromedp.SetValue("#cause", "solidarity", chromedp.ByQuery),
		// The picker: search a skill by a word of its name, add the match.
		// (Enter in the search box searches, as the button next to it.)
		chromedp.SendKeys("#skill_query", "compta"+kb.Enter, chromedp.ByQuery),
		chromedp.WaitVisible("#skill-results button.pick", chromedp.ByQuery),
		chromedp.Click("#skill-results button.pick", chromedp.ByQuery),
		chromedp.WaitVisible("#level-0", chromedp.ByQuery),
		// …and one from the list of every skill.
		chromedp.SetValue("#skill_new", "communication.writing", chromedp.ByQuery),
		chromedp.Click("#add-skill", chromedp.ByQuery),
		chromedp.WaitVisible("#level-1", chromedp.ByQuery),
		chromedp.SetValue("#level-0", "3", chromedp.ByQuery),
		chromedp.Click("#required-1", chromedp.ByQuery),
		chromedp.Click("#format-on_site", chromedp.ByQuery),
		chromedp.SetValue("#places", "3", chromedp.ByQuery),
		// A town the gazetteer does not know, and no coordinates.
		chromedp.SetValue("#city", "Vaulx-en-Velin", chromedp.ByQuery),
		chromedp.Click("#save-mission", chromedp.ByQuery),
		shown("#lat-error", &latError),
		chromedp.Value("#title", &keptTitle, chromedp.ByQuery),
		chromedp.Text("#need-0", &skillRow0, chromedp.ByQuery),
		chromedp.Text("#need-1", &skillRow1, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll(".skill-need").length`, &rows),
	)
	if err != nil {
		t.Fatalf("post a mission on site without its place: %v", err)
	}
	if latError == "" || keptTitle != "Tenir la comptabilité de l'épicerie" || rows != 2 || skillRow0 != "Comptabilité" || skillRow1 != "Rédaction" {
		t.Fatalf("error %q, title %q, %d skills (%q, %q); want the place asked for next to it and everything kept",
			latError, keptTitle, rows, skillRow0, skillRow1)
	}
	screenshot(t, ctx, "mission-error-1280")
	phone(t, ctx, "mission-error-390")
	var flash string
	err = chromedp.Run(ctx,
		// A city it knows is enough: no coordinates needed.
		chromedp.SetValue("#city", "Lyon", chromedp.ByQuery),
		chromedp.Click("#save-mission", chromedp.ByQuery),
		shown("#missions-flash", &flash),
	)
	if err != nil || !strings.Contains(flash, "Tenir la comptabilité") {
		t.Fatalf("create the mission: %v, %q", err, flash)
	}
	ms, err := review.Missions(bg, assoc)
	if err != nil || len(ms) != 1 {
		t.Fatalf("stored missions: %v, %v", ms, err)
	}
	m := ms[0]
	if m.Status != catalog.MissionOpen || m.Places != 3 || m.Format != catalog.OnSite || m.Lat == nil || *m.Lat < 45.7 || *m.Lat > 45.8 || len(m.Skills) != 2 ||
		m.Skills[0] != (catalog.SkillNeed{Skill: "finance.accounting", Level: 3, Required: true}) ||
		m.Skills[1] != (catalog.SkillNeed{Skill: "communication.writing", Level: 2, Required: false}) {
		t.Fatalf("stored mission: %+v; want it open on site, 3 places, accounting (3, required) and writing (2, nice to have)", m)
	}
	screenshot(t, ctx, "missions-1280")
	var places string
	err = chromedp.Run(ctx,
		chromedp.Click("#m-"+m.ID.String()+" h2 a", chromedp.ByQuery),
		chromedp.WaitVisible("#save-mission", chromedp.ByQuery),
		chromedp.Value("#places", &places, chromedp.ByQuery),
	)
	if err != nil || places != "3" {
		t.Fatalf("open the mission: %v, places %q", err, places)
	}
	screenshot(t, ctx, "mission-edit-1280")
	err = chromedp.Run(ctx,
		// Enter in any other field saves.
		chromedp.Clear("#places", chromedp.ByQuery),
		chromedp.SendKeys("#places", "4"+kb.Enter, chromedp.ByQuery),
		chromedp.WaitVisible("#missions-flash", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("edit the places: %v", err)
	}
	if got, err := review.MissionOf(bg, &assoc, m.ID); err != nil || got.Places != 4 || got.PlacesLeft != 4 || len(got.Skills) != 2 {
		t.Fatalf("mission after the edit: %+v, %v; want 4 places, skills kept", got, err)
	}

	// No applicant yet.
	err = chromedp.Run(ctx,
		chromedp.Click(`.assoc-nav a[href$="/applicants"]`, chromedp.ByQuery),
		shown("#applicants-empty", &empty),
	)
	if err != nil || !strings.Contains(empty, "Aucune candidature") {
		t.Fatalf("empty applicants: %v, %q", err, empty)
	}
	screenshot(t, ctx, "applicants-empty-1280")

	// Employees of two companies apply.
	initech := newVolunteerCompany(t, b.env, "Initech", "Léa Martin", []campaign.ProfileSkill{{Skill: "finance.accounting", Level: 4}, {Skill: "it.web-dev", Level: 2}})
	globex := newVolunteerCompany(t, b.env, "Globex", "Hugo Petit", []campaign.ProfileSkill{{Skill: "communication.writing", Level: 1}})
	apply := func(v *volunteerCompany) string {
		out := v.call(t, b.port, "POST", "/api/v1/campaigns/"+v.campaign.String()+"/participations",
			`{"mission_id":"`+m.ID.String()+`","motivation":"Je veux aider.","sanitary_ack":true}`, 201)
		return out["id"].(string)
	}
	lea, hugo := apply(initech), apply(globex)
	var leaCard, hugoCard string
	err = chromedp.Run(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible("#to-decide", chromedp.ByQuery),
		chromedp.Text("#p-"+lea, &leaCard, chromedp.ByQuery),
		chromedp.Text("#p-"+hugo, &hugoCard, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("applicants: %v", err)
	}
	if !strings.Contains(leaCard, "Léa Martin") || !strings.Contains(leaCard, "Initech") || !strings.Contains(leaCard, "Comptabilité") ||
		strings.Contains(leaCard, "Développement") || strings.Contains(leaCard, "Rédaction") {
		t.Fatalf("Léa's card: %q; want her, Initech, and accounting as her only matching skill", leaCard)
	}
	if !strings.Contains(hugoCard, "Hugo Petit") || !strings.Contains(hugoCard, "Globex") || !strings.Contains(hugoCard, "Rédaction") {
		t.Fatalf("Hugo's card: %q; want him, Globex, and writing", hugoCard)
	}
	screenshot(t, ctx, "applicants-1280")

	// Refuse Hugo: without a reason the form asks for one, next to it.
	card := "#p-" + hugo
	var detailError, detailDescribed string
	err = chromedp.Run(ctx,
		chromedp.Click(card+" details.refuse summary", chromedp.ByQuery),
		chromedp.Click(card+" details.refuse button[type=submit]", chromedp.ByQuery),
		fieldError("detail-"+hugo, "aria-describedby", &detailError, &detailDescribed),
	)
	if err != nil || detailError == "" || !strings.Contains(detailDescribed, "detail-"+hugo+"-error") {
		t.Fatalf("refuse without a reason: %v, error %q, described by %q", err, detailError, detailDescribed)
	}
	screenshot(t, ctx, "refuse-error-1280")
	phone(t, ctx, "refuse-error-390")
	err = chromedp.Run(ctx,
		chromedp.SetValue("#reason-"+hugo, "requirements_not_met", chromedp.ByQuery),
		chromedp.SendKeys("#detail-"+hugo, "Nous cherchons quelqu'un de confirmé en comptabilité.", chromedp.ByQuery),
		chromedp.Click(card+" details.refuse button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#decided #p-"+hugo, chromedp.ByQuery),
		chromedp.Click("#p-"+lea+" form.validate button", chromedp.ByQuery),
		chromedp.WaitVisible("#decided #p-"+lea, chromedp.ByQuery),
		chromedp.Text("#applicants-flash", &flash, chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(flash, "Léa Martin") {
		t.Fatalf("refuse Hugo, validate Léa: %v, %q", err, flash)
	}
	ps, err := postgres.NewParticipationStore(b.env.App).OfAssociation(bg, assoc, nil, "")
	if err != nil || len(ps) != 2 {
		t.Fatalf("participations: %v, %v", ps, err)
	}
	for _, p := range ps {
		switch p.ID.String() {
		case lea:
			if p.Status != campaign.Validated {
				t.Errorf("Léa: %s; want validated", p.Status)
			}
		case hugo:
			if p.Status != campaign.Refused || p.RefusalReason != "requirements_not_met" || !strings.Contains(p.ReasonDetail, "confirmé") {
				t.Errorf("Hugo: %s %q %q; want refused for requirements not met, with the message", p.Status, p.RefusalReason, p.ReasonDetail)
			}
		}
	}

	// Léa logs hours (from today, her acceptance); the manager confirms them.
	today := time.Now().UTC().Format("2006-01-02")
	hours := initech.call(t, b.port, "POST", "/api/v1/participations/"+lea+"/hours", `{"worked_on":"`+today+`","hours":3.5,"note":"Saisie du trimestre"}`, 201)
	var row string
	err = chromedp.Run(ctx,
		chromedp.Click(`.assoc-nav a[href$="/hours"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#hours", chromedp.ByQuery),
		chromedp.Text("#h-"+hours["id"].(string), &row, chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(row, "Léa Martin") || !strings.Contains(row, "3,5") || !strings.Contains(row, "Saisie du trimestre") {
		t.Fatalf("hours to confirm: %v, row %q", err, row)
	}
	screenshot(t, ctx, "hours-1280")
	phone(t, ctx, "hours-pending-390")
	err = chromedp.Run(ctx,
		chromedp.Click("#check-"+hours["id"].(string), chromedp.ByQuery),
		chromedp.Click("#approve-checked", chromedp.ByQuery),
		shown("#hours-flash", &flash),
		chromedp.WaitVisible("#hours-empty", chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(flash, "1") {
		t.Fatalf("confirm the hours: %v, %q", err, flash)
	}
	mine := initech.call(t, b.port, "GET", "/api/v1/me/hours", "", 200)
	if !strings.Contains(fmt.Sprint(mine["hours"]), "approved") {
		t.Fatalf("Léa's hours: %v; want approved", mine)
	}

	// In English, on the applicants page.
	var nav string
	err = chromedp.Run(ctx,
		chromedp.Navigate(home+"/applicants"),
		chromedp.Click(`button[value="en"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value="fr"]`, chromedp.ByQuery),
		chromedp.Text(".assoc-nav", &nav, chromedp.ByQuery),
		chromedp.Text("#p-"+hugo, &hugoCard, chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(nav, "Applicants") || !strings.Contains(hugoCard, "Requirements not met") ||
		!strings.Contains(hugoCard, "Nous cherchons quelqu'un de confirmé") {
		t.Fatalf("applicants in English: %v, nav %q, card %q", err, nav, hugoCard)
	}
	screenshot(t, ctx, "applicants-en-1280")
	if err := chromedp.Run(ctx, chromedp.Click(`button[value="fr"]`, chromedp.ByQuery), chromedp.WaitVisible(`button[value="en"]`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}

	// The same pages on a phone.
	for _, p := range []struct{ name, path, wait string }{
		{"home", "", "#status"}, {"missions", "/missions", "#missions"}, {"mission-new", "/missions/new", "#save-mission"},
		{"mission-edit", "/missions/" + m.ID.String(), "#save-mission"}, {"applicants", "/applicants", "#decided"},
		{"hours", "/hours", "#hours-empty"},
	} {
		if err := chromedp.Run(ctx, chromedp.Navigate(home+p.path), chromedp.WaitVisible(p.wait, chromedp.ByQuery)); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		phone(t, ctx, p.name+"-390")
	}
}
