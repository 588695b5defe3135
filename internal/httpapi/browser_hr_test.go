package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/tenants"
)

// An HR admin invites people one by one and from a file, starts "Tous
// confinés, Tous engagés" and follows it on its dashboard, all in the browser.
func TestBrowserHRJourney(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	slug := "hr-" + uuid.NewString()[:8]
	domain := slug + ".example" // email domains are unique across companies
	tn := createTenant(t, b.env.App, slug, "Globex", "fr", domain)
	memberWithPassword(t, b.env.App, tn, "hank@"+domain, "Hank Scorpio", "hr_admin")
	mission(t, b.env, missionSpec{title: "Appels aux personnes isolées"}) // a drive needs a mission to launch
	csv := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csv, []byte("email,name,department\nmarge@"+domain+",Marge,Finance\nhomer@elsewhere.example,Homer,Plant\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	site := b.site(tn.Slug)

	// Sign in, then follow the header's link to the people page.
	ctx := b.signedIn(90*time.Second, site, "hank@"+domain)
	var emailError, kept, invalid string
	err := chromedp.Run(ctx,
		chromedp.Navigate(site+"/admin/people"),
		chromedp.WaitVisible(`.hr-nav a[href="/admin/people"]`, chromedp.ByQuery),
		typeInto("#email", "lisa@wrong.example", "#full_name", "Lisa"),
		chromedp.Click("#invite-submit", chromedp.ByQuery),
		fieldError("email", "aria-invalid", &emailError, &invalid),
		chromedp.Value("#email", &kept, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("invite at a wrong domain: %v", err)
	}
	if !strings.Contains(emailError, domain) || kept != "lisa@wrong.example" || invalid != "true" {
		t.Fatalf("wrong domain: error %q, kept %q, aria-invalid %q; want the domain named, the address kept, the field invalid", emailError, kept, invalid)
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
		shown("#import-report", &report),
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
		chromedp.WaitVisible("#created-flash", chromedp.ByQuery),
		chromedp.Click(".hr-campaigns details.confirm summary", chromedp.ByQuery), // the launch asks first
		chromedp.WaitVisible("button.launch", chromedp.ByQuery),
		chromedp.Click("button.launch", chromedp.ByQuery),
		chromedp.WaitVisible("#launched-flash", chromedp.ByQuery),
		shown("#figures", &figures),
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

// An HR admin manages people (resend and withdraw an invitation, promote
// and demote, deactivate and reactivate, and is stopped from leaving the
// company without an HR admin), makes an API token that works once copied and stops when
// revoked, reads all of it in the audit log, and sees the approved hours
// by cause and the allocation's proposals on the dashboard.
func TestBrowserHRAdministration(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	bg := context.Background()
	slug := "hra-" + uuid.NewString()[:8]
	domain := slug + ".example"
	tn := createTenant(t, b.env.App, slug, "Globex", "fr", domain)
	tctx := tenants.NewContext(bg, tn)
	person := func(name, email, role string) uuid.UUID {
		return addMember(t, b.env.App, tn, identity.Person{Email: email, FullName: name, Role: role})
	}
	hank := memberWithPassword(t, b.env.App, tn, "hank@"+domain, "Hank Scorpio", "hr_admin")
	marge := person("Marge Bouvier", "marge@"+domain, "employee")
	ned := person("Ned Flanders", "ned@"+domain, "employee")
	lisa := person("Lisa Simpson", "lisa@"+domain, "employee")
	health := mission(t, b.env, missionSpec{title: "Appeler les aînés isolés", cause: "health"})
	school := mission(t, b.env, missionSpec{title: "Soutien scolaire à distance", cause: "education"})
	books := mission(t, b.env, missionSpec{title: "Tenir la comptabilité du foyer", cause: "solidarity", skill: "finance.accounting"})
	campaignID := activeCampaign(t, b.env.App, tn, campaignSpec{name: "Tous confinés, Tous engagés", maxActive: 3,
		missions: []uuid.UUID{health, school, books}, crisis: true})
	err := b.env.App.TenantTx(tctx, func(ctx context.Context, tx bun.Tx) error {
		// Approved hours count by the mission's cause; pending ones do not.
		for _, h := range []struct {
			member, mission uuid.UUID
			hours           float64
			status          string
		}{{marge, health, 2, "approved"}, {marge, health, 1.5, "approved"}, {marge, health, 5, "pending"}, {ned, school, 1.5, "approved"}} {
			pid := uuid.Must(uuid.NewV7())
			if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'done')`, pid, campaignID, h.member, h.mission); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, current_date, ?, ?)`, uuid.Must(uuid.NewV7()), pid, h.member, h.mission, h.hours, h.status); err != nil {
				return err
			}
		}
		// Lisa's skills fit the books: the allocation proposes them to her.
		if _, err := tx.ExecContext(ctx, `INSERT INTO profiles (tenant_id, member_id) VALUES (app.current_tenant_id(), ?)`, lisa); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO profile_skills (tenant_id, member_id, skill, level)
			VALUES (app.current_tenant_id(), ?, 'finance.accounting', 3)`, lisa); err != nil {
			return err
		}
		// Old failed sign-ins fill more than a page of the log.
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (tenant_id, id, at, actor_kind, actor_label, action, ip)
			SELECT app.current_tenant_id(), gen_random_uuid(), timestamptz '2020-03-17 09:00:00+01' + n * interval '1 minute',
				'anonymous', 'intrus@' || ?, 'sign_in_failed', '198.51.100.7'
			FROM generate_series(1, 55) n`, domain)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	site := b.site(tn.Slug)
	ctx := b.page(120 * time.Second)
	// submit clicks a form's button and waits for the page it leads to,
	// not the page still showing (which may hold the same ids).
	submit := func(sel string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Evaluate(`document.body.dataset.stale = "1"`, nil),
			chromedp.Click(sel, chromedp.ByQuery),
			chromedp.WaitVisible(`body:not([data-stale])`, chromedp.ByQuery),
		}
	}
	text := func(sel string) string {
		t.Helper()
		var s string
		if err := chromedp.Run(ctx, chromedp.Text(sel, &s, chromedp.ByQuery)); err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}

	// Resend, then withdraw, an invitation.
	bart := "bart@" + domain
	err = chromedp.Run(ctx,
		signIn(site, "hank@"+domain),
		chromedp.Navigate(site+"/admin/people"),
		typeInto("#email", bart, "#full_name", "Bart"),
		chromedp.Click("#invite-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#invited-flash", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	invited, err := postgres.NewMemberDirectory(b.env.App).ByEmail(tctx, bart)
	if err != nil {
		t.Fatal(err)
	}
	mails := mailtest.Start(t)
	first := mails.WaitFor(t, bart, 10*time.Second).Link("/auth/invitation")
	inv := invited.ID.String()
	ageInvitations(t, b.env.App, slug) // past the resend throttle
	err = chromedp.Run(ctx,
		submit("#resend-"+inv),
		chromedp.WaitVisible("#done-flash", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("resend: %v", err)
	}
	if flash := text("#done-flash"); !strings.Contains(flash, "renvoyée") || !strings.Contains(flash, bart) {
		t.Fatalf("after resending: %q; want the invitation said sent again to bart", flash)
	}
	second := mails.WaitFor(t, bart, 10*time.Second).Link("/auth/invitation")
	if second == "" || second == first {
		t.Fatalf("resent link %q; want a new link (the first was %q)", second, first)
	}
	screenshot(t, ctx, "people-actions-1280")
	var rows int
	err = chromedp.Run(ctx,
		chromedp.Click("#revoke-"+inv, chromedp.ByQuery),
		chromedp.WaitVisible("#revoke-confirm-"+inv, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("open the withdrawal: %v", err)
	}
	if confirm := text("#revoke-confirm-" + inv); !strings.Contains(confirm, "retirer l'invitation de "+bart) {
		t.Fatalf("confirmation button %q; want the withdrawal said in words, with the address", confirm)
	}
	screenshot(t, ctx, "revoke-confirm-1280")
	err = chromedp.Run(ctx,
		submit("#revoke-confirm-"+inv),
		chromedp.WaitVisible("#done-flash", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#inv-`+inv+`").length`, &rows),
	)
	if err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	if flash := text("#done-flash"); rows != 0 || !strings.Contains(flash, "retirée") || strings.Contains(text("#inv-h + *"), bart) {
		t.Fatalf("after withdrawing: flash %q, %d rows left; want bart gone from the invitations", flash, rows)
	}

	// Promote Marge, then make her an employee again.
	role := func(id uuid.UUID) string { return text("#member-" + id.String() + " .role") }
	m := marge.String()
	err = chromedp.Run(ctx,
		submit("#promote-"+m),
		chromedp.WaitVisible("#done-flash", chromedp.ByQuery),
	)
	if err != nil || role(marge) != "Administrateur RH" {
		t.Fatalf("promote: %v, role %q", err, role(marge))
	}
	err = chromedp.Run(ctx,
		chromedp.Click("#demote-"+m, chromedp.ByQuery),
		submit("#demote-confirm-"+m),
		chromedp.WaitVisible("#done-flash", chromedp.ByQuery),
	)
	if err != nil || role(marge) != "Salarié" || !strings.Contains(text("#done-flash"), "Désormais salarié") {
		t.Fatalf("demote: %v, role %q", err, role(marge))
	}
	// Ned leaves for a while: deactivated, then back.
	status := func(id uuid.UUID) string { return text("#member-" + id.String() + " .member-status") }
	n := ned.String()
	err = chromedp.Run(ctx,
		chromedp.Click("#disable-"+n, chromedp.ByQuery),
		submit("#disable-confirm-"+n),
	)
	if err != nil || status(ned) != "Désactivé" {
		t.Fatalf("deactivate: %v, status %q", err, status(ned))
	}
	if err := chromedp.Run(ctx, submit("#enable-"+n)); err != nil || status(ned) != "Actif" {
		t.Fatalf("reactivate: %v, status %q", err, status(ned))
	}
	// Hank is now the only HR admin: the database keeps him one.
	h := hank.String()
	err = chromedp.Run(ctx,
		chromedp.Click("#demote-"+h, chromedp.ByQuery),
		submit("#demote-confirm-"+h),
		chromedp.WaitVisible("#row-error", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("demote the last HR admin: %v", err)
	}
	if msg := text("#member-" + h + " #row-error"); !strings.Contains(msg, "au moins un administrateur RH actif") || role(hank) != "Administrateur RH" {
		t.Fatalf("the last HR admin demoting himself: %q, role %q; want the rule said in his row and the role kept", msg, role(hank))
	}
	screenshot(t, ctx, "last-admin-1280")

	// An API token: refused without a name, shown once, works, then stops.
	call := func(token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:"+b.port+"/api/v1/members", nil)
		req.Host = tn.Slug + ".localhost:" + b.port
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	var token, nameError string
	err = chromedp.Run(ctx,
		chromedp.Click(`.hr-nav a[href="/admin/tokens"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#tokens-empty", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("tokens page: %v", err)
	}
	screenshot(t, ctx, "tokens-empty-1280")
	err = chromedp.Run(ctx,
		submit("#create-token"),
		shown("#name-error", &nameError),
		chromedp.SendKeys("#name", "Synchro SIRH", chromedp.ByQuery),
		chromedp.SetValue("#role", "hr_admin", chromedp.ByQuery),
		submit("#create-token"),
		chromedp.WaitVisible("#token-value", chromedp.ByQuery),
		chromedp.Value("#token-value", &token, chromedp.ByQuery),
	)
	if err != nil || nameError == "" {
		t.Fatalf("create a token: %v (name error %q)", err, nameError)
	}
	if w := text("#token-warning"); !strings.Contains(w, "Copiez ce jeton maintenant") {
		t.Fatalf("warning %q; want the token said shown once", w)
	}
	screenshot(t, ctx, "token-created-1280")
	if code, body := call(token); code != http.StatusOK || !strings.Contains(body, "hank@"+domain) {
		t.Fatalf("members with the new token: %d %s; want 200 with the members", code, body)
	}
	var tokenRow string
	var shown int
	err = chromedp.Run(ctx,
		chromedp.Navigate(site+"/admin/tokens"),
		chromedp.WaitVisible("#tokens", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#token-value").length`, &shown),
		chromedp.AttributeValue("#tokens tbody tr", "id", &tokenRow, nil, chromedp.ByQuery),
	)
	if err != nil || shown != 0 || !strings.Contains(text("#tokens"), token[:12]) {
		t.Fatalf("the list after creating: %v, token shown %d times; want it listed by its start only", err, shown)
	}
	tokenID := strings.TrimPrefix(tokenRow, "token-")
	err = chromedp.Run(ctx,
		chromedp.Click("#revoke-"+tokenID, chromedp.ByQuery),
		submit("#revoke-confirm-"+tokenID),
		chromedp.WaitVisible("#revoked-flash", chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(text("#"+tokenRow+" .token-status"), "Révoqué") {
		t.Fatalf("revoke the token: %v", err)
	}
	if code, _ := call(token); code != http.StatusUnauthorized {
		t.Fatalf("members with the revoked token: %d; want 401", code)
	}
	screenshot(t, ctx, "tokens-1280")

	// The audit log lists all of it, newest first, a page at a time.
	err = chromedp.Run(ctx,
		chromedp.Click(`.hr-nav a[href="/admin/audit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#audit", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("audit log: %v", err)
	}
	log := text("#audit")
	// Sentences, each naming who acted (by name) and on what.
	for _, want := range []string{"Hank Scorpio a révoqué le jeton d'API", "Hank Scorpio a créé le jeton d'API",
		"Hank Scorpio a changé le rôle ou le statut de ", "Hank Scorpio a retiré l'invitation de",
		"Hank Scorpio a invité " + bart, "Hank Scorpio a ouvert une session", "Administrateur RH"} {
		if !strings.Contains(log, want) {
			t.Fatalf("audit log lacks %q:\n%s", want, log)
		}
	}
	if newest := text("#audit tbody tr .what"); !strings.HasPrefix(newest, "Hank Scorpio a révoqué le jeton d'API") {
		t.Fatalf("newest event %q; want the token's revocation first", newest)
	}
	screenshot(t, ctx, "audit-1280")
	err = chromedp.Run(ctx,
		submit("#audit-older"),
		chromedp.WaitVisible("#audit-newest", chromedp.ByQuery),
	)
	if older := text("#audit"); err != nil || strings.Contains(older, "jeton d'API") || !strings.Contains(older, "Connexion refusée") ||
		!strings.Contains(older, "17/03/2020") {
		t.Fatalf("older page: %v\n%s\nwant only the old refused sign-ins", err, older)
	}

	// The dashboard: approved hours by cause, and who the allocation proposes where.
	var causeBars int
	err = chromedp.Run(ctx,
		chromedp.Navigate(site+"/admin/campaigns/"+campaignID.String()),
		chromedp.WaitVisible("#by-cause", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#hours-by-cause-svg rect").length`, &causeBars),
	)
	if err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	var causes [][]string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("#hours-by-cause-table tbody tr")].map(r => [...r.cells].map(c => c.textContent))`, &causes)); err != nil {
		t.Fatal(err)
	}
	if causeBars != 2 || fmt.Sprint(causes) != "[[Santé 3,5] [Éducation pour tous 1,5]]" {
		t.Fatalf("hours by cause: %d bars, table %v; want Santé 3,5 then Éducation pour tous 1,5 (approved only, written the French way)", causeBars, causes)
	}
	if err := chromedp.Run(ctx, submit("#allocate"), chromedp.WaitVisible("#run-status", chromedp.ByQuery)); err != nil {
		t.Fatalf("allocate: %v", err)
	}
	var found bool
	for range 40 {
		if err := chromedp.Run(ctx, chromedp.Evaluate(`!!document.querySelector("#proposals")`, &found)); err != nil || found {
			break
		}
		time.Sleep(250 * time.Millisecond)
		_ = chromedp.Run(ctx, chromedp.Reload(), chromedp.WaitVisible("#run-status", chromedp.ByQuery))
	}
	if !found {
		t.Fatalf("no proposals after the run; status %q", text("#run-status"))
	}
	if p := text("#proposals"); !strings.Contains(p, "Lisa Simpson") || !strings.Contains(p, "Tenir la comptabilité du foyer") {
		t.Fatalf("proposals %q; want Lisa proposed the books", p)
	}
	screenshot(t, ctx, "dashboard-by-cause-1280")

	// The same pages on a phone.
	for _, p := range []struct{ path, wait, name string }{
		{"/admin/campaigns/" + campaignID.String(), "#by-cause", "dashboard-by-cause-390"},
		{"/admin/tokens", "#tokens", "tokens-390"},
		{"/admin/audit", "#audit", "audit-390"},
		{"/admin/people", "#members", "people-actions-390"},
	} {
		var wide bool
		err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(site+p.path),
			chromedp.WaitVisible(p.wait, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide))
		if err != nil {
			t.Fatalf("%s at 390 px: %v", p.path, err)
		}
		screenshot(t, ctx, p.name)
		if wide {
			t.Errorf("%s scrolls sideways at 390 px", p.path)
		}
	}
}
