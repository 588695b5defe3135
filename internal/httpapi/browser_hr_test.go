package httpapi_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// An HR admin invites people one by one and from a file, starts "Tous
// confinés, Tous engagés" and follows it on its dashboard, all in the browser.
func TestBrowserHRJourney(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	env := pgtest.New(t)
	port := liveServer(t, env)
	slug := "hr-" + uuid.NewString()[:8]
	domain := slug + ".example" // email domains are unique across companies
	tn, err := tenants.New(slug, "Globex", []string{domain}, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewTenantStore(env.App).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	hash, err := identity.NewService(identity.DefaultConfig(), nil, nil, nil, nil, nil, nil).HashPassword("p", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewMemberDirectory(env.App).Create(tenants.NewContext(context.Background(), tn), &identity.Person{
		ID: uuid.Must(uuid.NewV7()), Email: "hank@" + domain + "", FullName: "Hank Scorpio", Role: "hr_admin",
		Status: "active", PasswordHash: hash}, "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	mission(t, env, missionSpec{title: "Appels aux personnes isolées"}) // a drive needs a mission to launch
	csv := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csv, []byte("email,name,department\nmarge@"+domain+",Marge,Finance\nhomer@elsewhere.example,Homer,Plant\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	site := "http://" + tn.Slug + ".localhost:" + port
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	// Sign in, then follow the header's link to the people page.
	var fieldError, kept, invalid string
	err = chromedp.Run(ctx,
		chromedp.Navigate(site+"/sign-in"),
		chromedp.SendKeys("#email", "hank@"+domain, chromedp.ByQuery),
		chromedp.SendKeys("#password", "correct horse battery", chromedp.ByQuery),
		chromedp.Submit("#password", chromedp.ByQuery),
		chromedp.WaitVisible(".who", chromedp.ByQuery),
		chromedp.Navigate(site+"/admin/people"),
		chromedp.WaitVisible(`.hr-nav a[href="/admin/people"]`, chromedp.ByQuery),
		chromedp.SendKeys("#email", "lisa@wrong.example", chromedp.ByQuery),
		chromedp.SendKeys("#full_name", "Lisa", chromedp.ByQuery),
		chromedp.Click("#invite-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#email-error", chromedp.ByQuery),
		chromedp.Text("#email-error", &fieldError, chromedp.ByQuery),
		chromedp.Value("#email", &kept, chromedp.ByQuery),
		chromedp.AttributeValue("#email", "aria-invalid", &invalid, nil, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("invite at a wrong domain: %v", err)
	}
	if !strings.Contains(fieldError, domain) || kept != "lisa@wrong.example" || invalid != "true" {
		t.Fatalf("wrong domain: error %q, kept %q, aria-invalid %q; want the domain named, the address kept, the field invalid", fieldError, kept, invalid)
	}
	screenshot(t, ctx, "invite-error-1280")

	var invitations, report string
	err = chromedp.Run(ctx,
		chromedp.SetValue("#email", "bart@"+domain, chromedp.ByQuery),
		chromedp.Click("#invite-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#invited-flash", chromedp.ByQuery),
		chromedp.Text("#invitations", &invitations, chromedp.ByQuery),
		chromedp.SetUploadFiles("#file", []string{csv}, chromedp.ByQuery),
		chromedp.Click("#import-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#import-report", chromedp.ByQuery),
		chromedp.Text("#import-report", &report, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("invite and import: %v", err)
	}
	if !strings.Contains(invitations, "bart@"+domain) {
		t.Fatalf("invitations %q; want bart listed", invitations)
	}
	if !strings.Contains(report, "marge@"+domain) || !strings.Contains(report, "invité") ||
		!strings.Contains(report, "homer@elsewhere.example") || !strings.Contains(report, "refusé") {
		t.Fatalf("import report %q; want marge invited and homer rejected", report)
	}
	screenshot(t, ctx, "people-1280")

	// Start the drive from the header, launch it, open its dashboard.
	var figures, status string
	var charts int
	err = chromedp.Run(ctx,
		chromedp.Click(`.hr-nav a[href="/admin/campaigns"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#create-tcte", chromedp.ByQuery),
		chromedp.Click("#create-tcte", chromedp.ByQuery),
		chromedp.WaitVisible("button.launch", chromedp.ByQuery),
		chromedp.Click("button.launch", chromedp.ByQuery),
		chromedp.WaitVisible("#figures", chromedp.ByQuery),
		chromedp.Text("#figures", &figures, chromedp.ByQuery),
		chromedp.Text("#run-status", &status, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("svg.bars rect").length`, &charts),
	)
	if err != nil {
		t.Fatalf("launch and dashboard: %v", err)
	}
	if !strings.Contains(figures, "Participants") || !strings.Contains(figures, "Invités") || charts == 0 {
		t.Fatalf("dashboard figures %q, %d chart bars; want the figures and an SVG chart", figures, charts)
	}
	screenshot(t, ctx, "dashboard-1280")
	err = chromedp.Run(ctx,
		chromedp.Click("#allocate", chromedp.ByQuery),
		// The status becomes a live region once a run exists.
		chromedp.WaitVisible(`#run-status[role="status"]`, chromedp.ByQuery),
		chromedp.Text("#run-status", &status, chromedp.ByQuery),
	)
	if err != nil || strings.Contains(status, "jamais") {
		t.Fatalf("run the allocation: %v, status %q", err, status)
	}
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible("#figures", chromedp.ByQuery)); err == nil {
		screenshot(t, ctx, "dashboard-390")
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(site+"/admin/people"), chromedp.WaitVisible("#invitations", chromedp.ByQuery)); err == nil {
		screenshot(t, ctx, "people-390")
	}
}
