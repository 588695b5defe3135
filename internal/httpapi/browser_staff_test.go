package httpapi_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// staffWorld is what the staff find on the platform before they start.
type staffWorld struct {
	db                  *postgres.DB
	staffEmail          string
	welcome, dubious    uuid.UUID // associations waiting for review
	vital               uuid.UUID
	initech             *tenants.Tenant
	pngPath, adminEmail string
}

func newStaffWorld(t *testing.T, db *postgres.DB) *staffWorld {
	t.Helper()
	ctx := context.Background()
	w := &staffWorld{db: db, staffEmail: "sam@vendredi.test", adminEmail: mailtest.Address(t),
		welcome: uuid.Must(uuid.NewV7()), dubious: uuid.Must(uuid.NewV7()), vital: uuid.Must(uuid.NewV7())}
	if err := postgres.NewAccountDirectory(db).Create(ctx, &identity.Person{ID: uuid.Must(uuid.NewV7()), Email: w.staffEmail,
		FullName: "Sam Staff", Status: identity.StatusActive, Staff: true, PasswordHash: passwordHash(t)}, "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// A company already on the platform: its slug is taken. One person
	// joined, one is invited; one sign-up with hours and two click-throughs
	// to the vital mission.
	w.initech = createTenant(t, db, "initech", "Initech", "fr", "initech.example")
	verified, open := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	managers := []uuid.UUID{uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())}
	if err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO associations (id, name, legal_id, description, city, website, status, submitted_at) VALUES
				(?, 'Les Restos du Quartier', 'W751234567', 'Repas chauds pour les personnes à la rue.', 'Paris', 'https://restos-quartier.example', 'pending_review', now() - interval '2 days'),
				(?, 'Club des amis', '12345678901234', '', 'Lyon', '', 'pending_review', now() - interval '1 day'),
				(?, 'Lire ensemble', 'W759999999', 'Soutien scolaire.', 'Paris', '', 'verified', now() - interval '9 days')`,
				[]any{w.welcome, w.dubious, verified}},
			{`INSERT INTO accounts (id, email, full_name, status) VALUES (?, 'lea@restos-quartier.example', 'Léa Martin', 'active'),
				(?, 'bob@club.example', 'Bob Durand', 'pending_verification')`, []any{managers[0], managers[1]}},
			{`INSERT INTO association_managers (association_id, account_id) VALUES (?, ?), (?, ?)`,
				[]any{w.welcome, managers[0], w.dubious, managers[1]}},
			{`INSERT INTO missions (id, association_id, organizer, title, format, vital_category, external_url, places, places_left, status) VALUES
				(?, NULL, 'Réserve Civique', 'Distribution alimentaire', 'remote', 'food_aid', 'https://covid19.reserve-civique.gouv.fr/food_aid', 0, 0, 'open'),
				(?, ?, '', 'Aide aux devoirs à distance', 'remote', NULL, '', 5, 5, 'open')`, []any{w.vital, open, verified}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	member, campaignID, participation := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	if err := db.TenantTx(tenants.NewContext(ctx, w.initech), func(ctx context.Context, tx bun.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO members (tenant_id, id, email, full_name, role, status) VALUES
				(app.current_tenant_id(), ?, 'peter@initech.example', 'Peter Gibbons', 'employee', 'active'),
				(app.current_tenant_id(), gen_random_uuid(), 'milton@initech.example', 'Milton', 'employee', 'invited')`, []any{member}},
			{`INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status) VALUES (app.current_tenant_id(), ?, 'Tous confinés', current_date - 5, current_date + 50, 'active')`,
				[]any{campaignID}},
			{`INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status) VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'validated')`,
				[]any{participation, campaignID, member, open}},
			{`INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status)
				VALUES (app.current_tenant_id(), gen_random_uuid(), ?, ?, ?, current_date - 1, 2.5, 'approved')`, []any{participation, member, open}},
			{`INSERT INTO redirect_clicks (tenant_id, id, campaign_id, member_id, mission_id) VALUES
				(app.current_tenant_id(), gen_random_uuid(), ?, ?, ?), (app.current_tenant_id(), gen_random_uuid(), ?, ?, ?)`,
				[]any{campaignID, member, w.vital, campaignID, member, w.vital}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A small logo, as a designer would send it.
	img := image.NewRGBA(image.Rect(0, 0, 48, 48))
	for x := range 48 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{0x1a, 0x6b, 0x4f, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	w.pngPath = filepath.Join(t.TempDir(), "acme.png")
	if err := os.WriteFile(w.pngPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return w
}

// Platform staff onboard a company with its branding, review the
// associations waiting, edit a vital mission and a campaign template, and
// read the platform's figures, all in the browser.
func TestBrowserStaffJourney(t *testing.T) {
	t.Parallel()
	var w *staffWorld
	b := newBrowserTestOn(t, func() *pgtest.Env {
		// A database of the test's own: the staff's figures count the whole
		// platform, which the package's shared database, written by
		// parallel tests, cannot hold still.
		e := pgtest.Private(t)
		w = newStaffWorld(t, e.App)
		return e
	})
	db, site := b.env.App, b.site("")
	ctx := b.page(120 * time.Second)

	// Sign in: staff land on the platform's figures, then open the
	// companies from the staff menu. A first try with a slug already
	// taken comes back with the error next to the slug, the rest kept.
	var slugError, slugInvalid, keptName, keptDomains, keptAdmin, keptAccent string
	err := chromedp.Run(ctx,
		signIn(site, w.staffEmail),
		chromedp.WaitVisible(".staff-nav", chromedp.ByQuery),
		chromedp.Click(`.staff-nav a[href="/platform/companies"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#onboard", chromedp.ByQuery),
		typeInto("#name", "Acme Corp", "#slug", "initech", "#email_domains", "example.com, acme.example"),
		chromedp.SetValue("#locale", "en", chromedp.ByQuery),
		typeInto("#admin_email", w.adminEmail, "#admin_name", "Alice Admin"),
		chromedp.SetValue("#accent", "#1a6b4f", chromedp.ByQuery),
		chromedp.Click("#onboard-submit", chromedp.ByQuery),
		fieldError("slug", "aria-invalid", &slugError, &slugInvalid),
		values(map[string]*string{"#name": &keptName, "#email_domains": &keptDomains, "#admin_email": &keptAdmin, "#accent": &keptAccent}),
	)
	if err != nil {
		t.Fatalf("onboard with a slug taken: %v", err)
	}
	if !strings.Contains(slugError, "initech") || slugInvalid != "true" || keptName != "Acme Corp" ||
		keptDomains != "example.com, acme.example" || keptAdmin != w.adminEmail || keptAccent != "#1a6b4f" {
		t.Fatalf("slug taken: error %q (invalid %q), kept name %q, domains %q, admin %q, accent %q; want the slug named and everything typed kept",
			slugError, slugInvalid, keptName, keptDomains, keptAdmin, keptAccent)
	}
	screenshot(t, ctx, "companies-error-1280")

	// Emptied, the slug is made from the name; the logo goes with it.
	var onboarded, companies string
	err = chromedp.Run(ctx,
		chromedp.Clear("#slug", chromedp.ByQuery),
		chromedp.SetUploadFiles("#logo", []string{w.pngPath}, chromedp.ByQuery),
		chromedp.Click("#onboard-submit", chromedp.ByQuery),
		shown("#onboarded", &onboarded),
		chromedp.Text("#companies", &companies, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("onboard: %v", err)
	}
	if !strings.Contains(onboarded, "Acme Corp") || !strings.Contains(onboarded, w.adminEmail) || !strings.Contains(companies, "acme-corp") {
		t.Fatalf("after onboarding: confirmation %q, list %q; want Acme Corp, the admin's address and the slug made from the name", onboarded, companies)
	}
	var logoWidth int
	if err := chromedp.Run(ctx, chromedp.Poll(`(() => { const i = document.querySelector("#company-acme-corp img.company-logo");
		return i && i.complete ? i.naturalWidth : 0 })()`, &logoWidth, chromedp.WithPollingTimeout(5*time.Second))); err != nil || logoWidth != 48 {
		t.Fatalf("Acme Corp's logo in the list: %v, %d px wide; want the 48 px PNG shown", err, logoWidth)
	}
	screenshot(t, ctx, "companies-1280")
	acme, err := postgres.NewTenantStore(db).BySlug(context.Background(), "acme-corp")
	if err != nil || acme.Accent != "#1a6b4f" || acme.LogoVersion == "" || acme.Locale != "en" {
		t.Fatalf("acme-corp stored as %+v (%v); want the accent #1a6b4f, a logo and English", acme, err)
	}
	invitation := mailtest.Start(t).WaitFor(t, w.adminEmail, 10*time.Second)
	if link := invitation.Link("acme-corp.localhost"); !strings.Contains(link, "/auth/invitation") {
		t.Fatalf("invitation mail %q with links %v; want a link to accept it on acme-corp's address", invitation.Subject, invitation.Links)
	}

	// Suspend Initech from the list, then resume it.
	var changed string
	err = chromedp.Run(ctx,
		chromedp.Click(`#company-initech button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#company-initech form[action="/platform/companies/initech/resume"]`, chromedp.ByQuery),
		chromedp.Text("#changed", &changed, chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(changed, "Initech") || !strings.Contains(changed, "suspendue") {
		t.Fatalf("suspend Initech: %v, message %q", err, changed)
	}
	err = chromedp.Run(ctx,
		chromedp.Click(`#company-initech button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#company-initech form[action="/platform/companies/initech/suspend"]`, chromedp.ByQuery),
		chromedp.Text("#changed", &changed, chromedp.ByQuery),
	)
	if err != nil || !strings.Contains(changed, "de nouveau active") {
		t.Fatalf("resume Initech: %v, message %q", err, changed)
	}

	// The review queue: verify one association; refuse the other, first
	// without a reason (the error shows next to the reason), then with one.
	welcome, dubious := "#assoc-"+w.welcome.String(), "#assoc-"+w.dubious.String()
	var queue, verified, reasonError, reasonInvalid, rejected, empty string
	err = chromedp.Run(ctx,
		chromedp.Click(`.staff-nav a[href="/platform/associations"]`, chromedp.ByQuery),
		chromedp.WaitVisible(welcome, chromedp.ByQuery),
		chromedp.Text(".review-list", &queue, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("open the review queue: %v", err)
	}
	for _, want := range []string{"Les Restos du Quartier", "W751234567", "Paris", "https://restos-quartier.example", "Repas chauds",
		"Léa Martin", "lea@restos-quartier.example", "Club des amis", "12345678901234", "Bob Durand"} {
		if !strings.Contains(queue, want) {
			t.Fatalf("review queue %q; want %q in it", queue, want)
		}
	}
	screenshot(t, ctx, "associations-1280")
	err = chromedp.Run(ctx,
		chromedp.Click(welcome+" form.verify button", chromedp.ByQuery),
		shown("#reviewed", &verified),
		chromedp.Click(dubious+" form.reject button", chromedp.ByQuery),
		fieldError("reason-"+w.dubious.String(), "aria-invalid", &reasonError, &reasonInvalid),
	)
	if err != nil {
		t.Fatalf("verify, then refuse without a reason: %v", err)
	}
	if !strings.Contains(verified, "Les Restos du Quartier") || reasonError == "" || reasonInvalid != "true" {
		t.Fatalf("verified %q; refusal without a reason: error %q, aria-invalid %q; want the name, then an error on the reason", verified, reasonError, reasonInvalid)
	}
	screenshot(t, ctx, "associations-error-1280")
	err = chromedp.Run(ctx,
		chromedp.SendKeys("#reason-"+w.dubious.String(), "Pas de description ni de site : dites-nous ce que fait l'association.", chromedp.ByQuery),
		chromedp.Click(dubious+" form.reject button", chromedp.ByQuery),
		shown("#reviewed", &rejected),
		shown("#empty", &empty),
	)
	if err != nil || !strings.Contains(rejected, "Club des amis") || empty == "" {
		t.Fatalf("refuse with a reason: %v, message %q, empty queue %q", err, rejected, empty)
	}
	store := catalog.Store(postgres.NewCatalogStore(db))
	if a, err := store.Association(context.Background(), w.welcome); err != nil || a.Status != catalog.AssociationVerified {
		t.Fatalf("Les Restos du Quartier: %+v (%v); want verified", a, err)
	}
	if a, err := store.Association(context.Background(), w.dubious); err != nil || a.Status != catalog.AssociationRejected ||
		!strings.HasPrefix(a.RejectionReason, "Pas de description") {
		t.Fatalf("Club des amis: %+v (%v); want rejected with the reason typed", a, err)
	}
	var rejectedTab string
	if err := chromedp.Run(ctx,
		chromedp.Click(`.tabs a[href="/platform/associations?status=rejected"]`, chromedp.ByQuery),
		shown(dubious, &rejectedTab),
	); err != nil || !strings.Contains(rejectedTab, "Pas de description") {
		t.Fatalf("the rejected tab: %v, %q; want the association with its reason", err, rejectedTab)
	}

	// A vital mission: an address left empty is refused next to it, then
	// the new title is saved.
	var labelEN, urlError, saved string
	newTitle := "Distribution alimentaire et colis d'urgence"
	err = chromedp.Run(ctx,
		chromedp.Click(`.staff-nav a[href="/platform/missions"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#mission-"+w.vital.String(), chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("open the vital missions: %v", err)
	}
	screenshot(t, ctx, "missions-1280")
	err = chromedp.Run(ctx,
		chromedp.Click("#mission-"+w.vital.String()+" a.button", chromedp.ByQuery),
		chromedp.WaitVisible("#mission-form", chromedp.ByQuery),
		chromedp.Text("#label-en", &labelEN, chromedp.ByQuery),
		chromedp.SetValue("#title", newTitle, chromedp.ByQuery),
		chromedp.Clear("#external_url", chromedp.ByQuery),
		chromedp.Click("#mission-submit", chromedp.ByQuery),
		shown("#external_url-error", &urlError),
	)
	if err != nil || labelEN != "Food and emergency aid" || urlError == "" {
		t.Fatalf("edit the vital mission without its address: %v, English label %q, error %q", err, labelEN, urlError)
	}
	screenshot(t, ctx, "mission-error-1280")
	err = chromedp.Run(ctx,
		chromedp.SendKeys("#external_url", "https://covid19.reserve-civique.gouv.fr/missions/aide-alimentaire", chromedp.ByQuery),
		chromedp.Click("#mission-submit", chromedp.ByQuery),
		shown("#saved", &saved),
	)
	if err != nil || !strings.Contains(saved, newTitle) {
		t.Fatalf("save the vital mission: %v, message %q", err, saved)
	}
	if m, err := store.MissionOf(context.Background(), nil, w.vital); err != nil || m.Title != newTitle ||
		m.ExternalURL != "https://covid19.reserve-civique.gouv.fr/missions/aide-alimentaire" {
		t.Fatalf("vital mission stored as %+v (%v); want the new title and address", m, err)
	}

	// The built-in template's English description.
	newDescription := "Confined or not, lend your skills to associations, remotely."
	err = chromedp.Run(ctx,
		chromedp.Click(`.staff-nav a[href="/platform/templates"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#template-tous-confines-tous-engages", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("open the templates: %v", err)
	}
	screenshot(t, ctx, "templates-1280")
	err = chromedp.Run(ctx,
		chromedp.Click("#template-tous-confines-tous-engages a", chromedp.ByQuery),
		chromedp.WaitVisible("#template-form", chromedp.ByQuery),
		chromedp.SetValue("#description_en", newDescription, chromedp.ByQuery),
		chromedp.Click("#template-submit", chromedp.ByQuery),
		shown("#saved", &saved),
	)
	if err != nil || !strings.Contains(saved, "Tous confinés, Tous engagés") {
		t.Fatalf("save the template: %v, message %q", err, saved)
	}
	tpl, err := postgres.NewCampaignStore(db).Template(context.Background(), "tous-confines-tous-engages")
	if err != nil || tpl.DescriptionEN != newDescription || !strings.HasPrefix(tpl.DescriptionFR, "Confinés, en télétravail") ||
		tpl.GoalParticipationPct == nil || *tpl.GoalParticipationPct != 20 {
		t.Fatalf("template stored as %+v (%v); want the new English description, the rest as it was", tpl, err)
	}

	// The figures, as the platform now stands.
	figures := map[string]string{
		"#fig-companies-active": "2", "#fig-companies-suspended": "0", "#fig-people-active": "1", "#fig-people-invited": "2",
		"#fig-assoc-pending_review": "0", "#fig-assoc-verified": "2", "#fig-assoc-rejected": "1", "#fig-open-missions": "2",
		"#fig-participations30": "1", "#fig-participations": "1", "#fig-hours30": "2,5", "#fig-hours": "2,5",
		"#fig-redirects30": "2", "#fig-redirects": "2",
	}
	if err := chromedp.Run(ctx,
		chromedp.Click(`.staff-nav a[href="/platform"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#fig-vital", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("open the figures: %v", err)
	}
	for sel, want := range figures {
		var got string
		if err := chromedp.Run(ctx, chromedp.Text(sel, &got, chromedp.ByQuery)); err != nil || strings.TrimSpace(got) != want {
			t.Errorf("figure %s: %q (%v); want %s", sel, got, err, want)
		}
	}
	screenshot(t, ctx, "figures-1280")

	// Every page on a phone.
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, path, wait string }{
		{"figures", "/platform", "#fig-vital"},
		{"companies", "/platform/companies", "#companies"},
		{"associations", "/platform/associations?status=verified", ".review-list"},
		{"missions", "/platform/missions", ".vital-list"},
		{"mission", "/platform/missions/" + w.vital.String(), "#mission-form"},
		{"templates", "/platform/templates", "#templates"},
		{"template", "/platform/templates/tous-confines-tous-engages", "#template-form"},
	} {
		var overflow bool
		if err := chromedp.Run(ctx, chromedp.Navigate(site+p.path), chromedp.WaitVisible(p.wait, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)); err != nil {
			t.Fatalf("%s at 390 px: %v", p.name, err)
		}
		if overflow {
			t.Errorf("%s at 390 px scrolls sideways", p.name)
		}
		screenshot(t, ctx, p.name+"-390")
	}
}
