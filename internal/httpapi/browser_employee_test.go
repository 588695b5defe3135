package httpapi_test

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// TestBrowserEmployeeJourney clicks through an employee's journey: the
// campaign with its vital missions first, a sign-up that needs the
// sanitary rules acknowledged, the history, a cancellation, the profile.
func TestBrowserEmployeeJourney(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	tn, _ := b.leoAtInitech()
	assoc := verifiedAssociation(t, b.env, "Les Restos du quartier")
	onSite := uuid.Must(uuid.NewV7())
	if err := b.env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, title, format, city, lat, lon, places, places_left, status, requires_sanitary_ack)
			VALUES (?, ?, 'Trier les dons au local', 'on_site', 'Paris', 48.85, 2.35, 3, 3, 'open', true)`, onSite, assoc)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	vitalMission(t, b.env, "Aide alimentaire et d'urgence", "food_aid")
	campaignID := activeCampaign(t, b.env.App, tn, campaignSpec{name: "Tous confinés, Tous engagés",
		description: "Prêtez vos compétences aux associations.", maxActive: 3, missions: []uuid.UUID{onSite}, crisis: true})
	site := b.site(tn.Slug)
	ctx := b.signedIn(90*time.Second, site, leoEmail)

	card := "#m-" + onSite.String()
	var firstH2, rules, ackError, ackDescribed, history, status string
	err := chromedp.Run(ctx,
		chromedp.Navigate(site+"/campaigns/"+campaignID.String()),
		chromedp.WaitVisible("#vital-title", chromedp.ByQuery),
		chromedp.Text("main h2", &firstH2, chromedp.ByQuery),
		chromedp.Text("#sanitary-rules", &rules, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("sign in and open the campaign: %v", err)
	}
	if firstH2 != "Les quatre missions vitales" || !strings.Contains(rules, "Règles sanitaires") || len(rules) < 40 {
		t.Fatalf("first heading %q, rules %q; want the vital missions first, with the sanitary rules", firstH2, rules)
	}
	screenshot(t, ctx, "campaign-1280")
	// The card leads to the mission's page, where the sign-up form lives.
	err = chromedp.Run(ctx,
		chromedp.Click(card+" h3 a", chromedp.ByQuery),
		chromedp.WaitVisible("#apply .apply", chromedp.ByQuery),
		chromedp.Click("#apply .apply button[type=submit]", chromedp.ByQuery),
		fieldError("ack", "aria-describedby", &ackError, &ackDescribed),
	)
	if err != nil {
		t.Fatalf("apply without the acknowledgement: %v", err)
	}
	if !strings.Contains(ackError, "règles sanitaires") || ackDescribed != "ack-error" {
		t.Fatalf("error %q, described by %q; want the message next to the checkbox", ackError, ackDescribed)
	}
	screenshot(t, ctx, "apply-error-1280")
	err = chromedp.Run(ctx,
		chromedp.Click("#ack", chromedp.ByQuery),
		chromedp.Click("#apply .apply button[type=submit]", chromedp.ByQuery),
		shown(".participation", &history),
	)
	if err != nil {
		t.Fatalf("apply with the acknowledgement: %v", err)
	}
	if !strings.Contains(history, "Trier les dons au local") || !strings.Contains(history, "en attente de validation") {
		t.Fatalf("my participations: %q; want the mission, pending validation", history)
	}
	screenshot(t, ctx, "participations-1280")
	err = chromedp.Run(ctx,
		chromedp.Click(".participation .cancel summary", chromedp.ByQuery), // the cancellation asks first
		chromedp.Click(".participation .cancel button", chromedp.ByQuery),
		chromedp.WaitVisible(".status-cancelled", chromedp.ByQuery),
		chromedp.Text(".participation .status", &status, chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(status, "annulée") {
		t.Fatalf("cancel: %v, status %q; want annulée", err, status)
	}

	var skill, flash string
	err = chromedp.Run(ctx,
		chromedp.Navigate(site+"/me/profile"),
		chromedp.WaitVisible("h1", chromedp.ByQuery),
		chromedp.Click(`button[name="add"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#skill-0", chromedp.ByQuery),
		chromedp.SetValue("#skill-0", "finance.accounting", chromedp.ByQuery),
		chromedp.SetValue("#level-0", "3", chromedp.ByQuery),
		chromedp.Click("#save-profile", chromedp.ByQuery),
		shown(".flash", &flash),
		chromedp.Value("#skill-0", &skill, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	if skill != "finance.accounting" || !strings.Contains(flash, "enregistré") {
		t.Fatalf("profile saved %q with skill %q; want finance.accounting kept", flash, skill)
	}
	screenshot(t, ctx, "profile-1280")
	// On a phone, each page fits its width.
	for _, p := range []struct{ path, wait, name string }{
		{"/campaigns/" + campaignID.String(), "#vital-title", "campaign-390"},
		{"/me/profile", "h1", "profile-390"},
		{"/me/participations", "h1", "participations-390"},
	} {
		var wide bool
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(site+p.path),
			chromedp.WaitVisible(p.wait, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide)); err != nil {
			t.Fatalf("%s at 390 px: %v", p.path, err)
		}
		screenshot(t, ctx, p.name)
		if wide {
			t.Errorf("%s scrolls sideways at 390 px", p.path)
		}
	}
}

// TestEmployeePagesWithoutJavaScript posts the pages' forms as a browser
// without JavaScript does: the Réserve Civique click-through is counted
// and redirected, a full mission offers its waiting list.
func TestEmployeePagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	pp := people{t: t, db: env.App}
	session := pp.session(tn, pp.member(tn, "employee"))
	host := tn.Slug + ".localhost"
	assoc := verifiedAssociation(t, env, "Asso")
	full := mission(t, env, missionSpec{assoc: &assoc, title: "Appeler les aînés", places: 1, full: true})
	accounting := mission(t, env, missionSpec{assoc: &assoc, title: "Tenir la comptabilité", places: 2, skill: "finance.accounting"})
	vital := vitalMission(t, env, "Solidarité de proximité", "local_solidarity")
	campaignID := activeCampaign(t, env.App, tn, campaignSpec{maxActive: 3, missions: []uuid.UUID{full, accounting}, crisis: true})
	remoteVolunteer(t, app, host, session, "finance.accounting")
	b := browserless{t: t, app: app, host: host, session: session}
	if res, page := b.get("/campaigns/" + campaignID.String() + "?format=remote"); res.StatusCode != 200 ||
		!strings.Contains(page, "Correspond à vos compétences : Comptabilité") {
		t.Fatalf("campaign page: %d; want the accounting mission explained by the skill:\n%s", res.StatusCode, page)
	}
	// In English, the vital mission speaks the official English texts.
	en := b
	en.lang = "en"
	if _, page := en.get("/campaigns/" + campaignID.String()); !strings.Contains(page, "<h3>Neighbourhood solidarity</h3>") ||
		!strings.Contains(page, "Do the shopping of essential goods") || strings.Contains(page, "Solidarité de proximité") {
		t.Errorf("the English campaign page does not show the vital mission in English:\n%s", page)
	}
	res, _ := b.post("/missions/"+vital.String()+"/redirect", url.Values{"campaign_id": {campaignID.String()}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "https://www.jeveuxaider.gouv.fr/" {
		t.Fatalf("Réserve Civique link: %d to %q; want 303 to the national platform", res.StatusCode, res.Header.Get("Location"))
	}
	apply := "/campaigns/" + campaignID.String() + "/apply"
	res, page := b.post(apply, url.Values{"mission_id": {full.String()}, "motivation": {"J'ai du temps"}})
	if res.StatusCode != 409 || !strings.Contains(page, `name="waiting_list" value="1"`) || !strings.Contains(page, "J&#39;ai du temps") {
		t.Fatalf("applying to a full mission: %d; want 409 offering the waiting list with the motivation kept:\n%s", res.StatusCode, page)
	}
	res, _ = b.post(apply, url.Values{"mission_id": {full.String()}, "waiting_list": {"1"}})
	if res.StatusCode != 303 {
		t.Fatalf("joining the waiting list: %d; want 303", res.StatusCode)
	}
	if res, page := b.get("/me/participations"); res.StatusCode != 200 || !strings.Contains(page, "sur liste d&#39;attente") {
		t.Fatalf("my participations: %d; want the waiting list in words:\n%s", res.StatusCode, page)
	}
}
