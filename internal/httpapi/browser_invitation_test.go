package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
)

// The first HR admin of a new company opens the invitation from their
// mail, gets the password wrong once, joins and lands on the campaigns;
// they invite an employee, who joins without their cookies, lands on the
// running campaign with an invitation to fill their skills profile, fills
// it and finds the campaign's missions.
func TestBrowserInvitations(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	bg := context.Background()
	pp := people{t: t, db: b.env.App}
	staff := pp.session(nil, pp.account(true, nil))
	slug := "inv-" + uuid.NewString()[:8]
	domain := slug + ".example"
	rose, leo := "rose@"+domain, "leo@"+domain

	// Platform staff onboard the company; its first HR admin is invited.
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:"+b.port+"/api/v1/platform/companies", strings.NewReader(
		`{"slug": "`+slug+`", "name": "Soylent", "locale": "fr", "email_domains": ["`+domain+`"], "admin_email": "`+rose+`", "admin_name": "Rose"}`))
	req.Host = "localhost:" + b.port
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: staff})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("onboard: %d; want 201", res.StatusCode)
	}
	tn, err := postgres.NewTenantStore(b.env.App).BySlug(bg, slug)
	if err != nil {
		t.Fatal(err)
	}
	books := mission(t, b.env, missionSpec{title: "Tenir la comptabilité de l'épicerie solidaire", cause: "solidarity", skill: "finance.accounting"})
	campaignID := activeCampaign(t, b.env.App, tn, campaignSpec{name: "Tous confinés, Tous engagés",
		description: "Prêtez vos compétences aux associations.", maxActive: 3, missions: []uuid.UUID{books}, crisis: true})
	mails := mailtest.Start(t)
	link := mails.WaitFor(t, rose, 10*time.Second).Link("/auth/invitation")
	if !strings.HasPrefix(link, b.site(slug)+"/auth/invitation?token=") {
		t.Fatalf("invitation link %q; want the company's invitation page", link)
	}
	ctx := b.page(120 * time.Second)

	// A password too short: the error is next to it, the name is kept.
	var pwError, kept, invalid, described string
	err = chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible("#password", chromedp.ByQuery),
		typeInto("#full_name", "Rose Martin", "#password", "court"),
		chromedp.Click("#link-submit", chromedp.ByQuery),
		fieldError("password", "aria-invalid", &pwError, &invalid),
		chromedp.Value("#full_name", &kept, chromedp.ByQuery),
		chromedp.AttributeValue("#password", "aria-describedby", &described, nil, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("accept with a short password: %v", err)
	}
	if !strings.Contains(pwError, "10 caractères") || kept != "Rose Martin" || invalid != "true" || !strings.Contains(described, "password-error") {
		t.Fatalf("short password: error %q, name kept %q, aria-invalid %q, described by %q; want the error tied to the field and the name kept",
			pwError, kept, invalid, described)
	}
	screenshot(t, ctx, "invitation-error-1280")
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844)); err == nil {
		screenshot(t, ctx, "invitation-error-390")
	}

	// The right password: Rose is signed in on the HR campaigns.
	var where, who string
	err = chromedp.Run(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.SendKeys("#password", "correct horse battery", chromedp.ByQuery),
		chromedp.Click("#link-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#setup", chromedp.ByQuery),
		chromedp.Location(&where),
		chromedp.Text(".who", &who, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	if where != b.site(slug)+"/admin" || who != "Rose Martin" {
		t.Fatalf("after joining: at %q as %q; want the HR home and its setup checklist, signed in as Rose Martin", where, who)
	}
	screenshot(t, ctx, "hr-landing-1280")

	// Rose invites Léo from the people page.
	err = chromedp.Run(ctx,
		chromedp.Click(`.hr-nav a[href="/admin/people"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#invite-submit", chromedp.ByQuery),
		typeInto("#email", leo, "#full_name", "Léo"),
		chromedp.Click("#invite-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#invited-flash", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("invite Léo: %v", err)
	}
	leoLink := mails.WaitFor(t, leo, 10*time.Second).Link("/auth/invitation")

	// Léo joins on the same computer once Rose's cookies are gone (headless
	// Chromium here opens no second browser context).
	var notice string
	err = chromedp.Run(ctx,
		network.ClearBrowserCookies(),
		chromedp.Navigate(leoLink),
		chromedp.WaitVisible("#password", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("Léo opens his link: %v", err)
	}
	screenshot(t, ctx, "invitation-1280")
	err = chromedp.Run(ctx,
		typeInto("#full_name", "Léo Martin", "#password", "une phrase de passe"),
		chromedp.Click("#link-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#profile-notice", chromedp.ByQuery),
		chromedp.Location(&where),
		chromedp.Text(".who", &who, chromedp.ByQuery),
		chromedp.Text("#profile-notice", &notice, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("Léo joins: %v", err)
	}
	if where != b.site(slug)+"/campaigns/"+campaignID.String() || who != "Léo Martin" || !strings.Contains(notice, "profil") {
		t.Fatalf("Léo lands at %q as %q with %q; want the running campaign, signed in, invited to fill his profile", where, who, notice)
	}
	screenshot(t, ctx, "employee-landing-1280")

	// He follows the notice, adds a skill and finds the campaign's missions.
	var page string
	var notices int
	err = chromedp.Run(ctx,
		chromedp.Click("#profile-notice a", chromedp.ByQuery),
		chromedp.WaitVisible(`button[name="add"]`, chromedp.ByQuery),
		chromedp.Click(`button[name="add"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#skill-0", chromedp.ByQuery),
		chromedp.SetValue("#skill-0", "finance.accounting", chromedp.ByQuery),
		chromedp.SetValue("#level-0", "3", chromedp.ByQuery),
		chromedp.Click("#save-profile", chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Navigate(b.site(slug)+"/campaigns/"+campaignID.String()),
		chromedp.WaitVisible("h1", chromedp.ByQuery),
		chromedp.Text("main", &page, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#profile-notice").length`, &notices),
	)
	if err != nil {
		t.Fatalf("fill the profile and come back: %v", err)
	}
	if !strings.Contains(page, "Tenir la comptabilité de l'épicerie solidaire") || notices != 0 {
		t.Fatalf("campaign page after the profile (%d notices):\n%s\nwant the mission listed and the notice gone", notices, page)
	}
	screenshot(t, ctx, "employee-campaign-1280")
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(leoLink), chromedp.WaitVisible("h1", chromedp.ByQuery)); err == nil {
		screenshot(t, ctx, "invitation-used-390")
	}
}
