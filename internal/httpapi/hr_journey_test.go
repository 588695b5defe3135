package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// pendingEntry gives member a validated participation on mission in
// campaignID and logs hours on it, waiting for approval; it returns the
// entry's id.
func pendingEntry(t *testing.T, env *pgtest.Env, tn *tenants.Tenant, campaignID, member, mission uuid.UUID, hours float64, note string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	err := env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		pid := uuid.Must(uuid.NewV7())
		if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'validated')`, pid, campaignID, member, mission); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status, note)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, current_date, ?, 'pending', ?)`, id, pid, member, mission, hours, note)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// HR's queue lists and decides the company's own pending hours only:
// another company's entry, even on the same mission, is neither shown nor
// approved, and rejecting it answers 404 as a missing one would.
func TestHRHoursQueueActsOnTheCompanysEntriesOnly(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	other := newTenant(t, w.env.App, "Umbrella")
	otherAdmin := browserless{t: t, app: w.app, host: other.Slug + ".localhost", session: w.people.session(other, w.people.member(other, "hr_admin"))}
	m := mission(t, w.env, missionSpec{title: "Trier les dons"})
	ours, theirs := activeCampaign(t, w.env.App, w.tn, campaignSpec{}), activeCampaign(t, w.env.App, other, campaignSpec{})
	alice, bob := w.people.member(w.tn, "employee"), w.people.member(w.tn, "employee")
	first := pendingEntry(t, w.env, w.tn, ours, alice, m, 6, "inventaire")
	second := pendingEntry(t, w.env, w.tn, ours, bob, m, 7.5, "")
	foreign := pendingEntry(t, w.env, other, theirs, w.people.member(other, "employee"), m, 8, "")

	res, page := w.admin.get("/admin/hours")
	if res.StatusCode != 200 || !strings.Contains(page, "h-"+first.String()) || !strings.Contains(page, "h-"+second.String()) ||
		!strings.Contains(page, "Trier les dons") || !strings.Contains(page, "inventaire") || !strings.Contains(page, "7,5") {
		t.Fatalf("the queue: %d; want both entries with mission, note and hours in French", res.StatusCode)
	}
	if strings.Contains(page, foreign.String()) {
		t.Fatal("the queue lists another company's entry")
	}
	if !strings.Contains(page, `href="/admin/hours" aria-current="page"`) {
		t.Error("the HR nav does not lead to the queue")
	}

	// Approving the checked entries: ours is approved, theirs is not.
	res, _ = w.admin.post("/admin/hours/approve", url.Values{"ids": {first.String(), foreign.String()}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/hours?approved=1" {
		t.Fatalf("approve the checked: %d %s; want one approved", res.StatusCode, res.Header.Get("Location"))
	}
	if _, page := w.admin.get("/admin/hours?approved=1"); strings.Contains(page, "h-"+first.String()) || !strings.Contains(page, "h-"+second.String()) ||
		!strings.Contains(page, "1 déclaration approuvée.") {
		t.Fatal("after approving the first: want it gone from the queue, the second still there and the count said")
	}
	if _, page := otherAdmin.get("/admin/hours"); !strings.Contains(page, "h-"+foreign.String()) {
		t.Fatal("another company's entry left the queue of its own company: it was approved by a stranger")
	}
	if res, _ := w.admin.post("/admin/hours/"+foreign.String()+"/reject", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("reject another company's entry: %d; want 404", res.StatusCode)
	}
	if _, page := otherAdmin.get("/admin/hours"); !strings.Contains(page, "h-"+foreign.String()) {
		t.Fatal("another company's entry was rejected by a stranger")
	}

	// Nothing checked: said next to the buttons, nothing approved.
	res, page = w.admin.post("/admin/hours/approve", url.Values{})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Cochez au moins une déclaration") || !strings.Contains(page, "h-"+second.String()) {
		t.Fatalf("approve nothing: %d; want 422, the reason and the queue", res.StatusCode)
	}
	res, _ = w.admin.post("/admin/hours/"+second.String()+"/reject", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/hours?rejected=1" {
		t.Fatalf("reject: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// Decided once: a second decision is refused, said on the page.
	if res, page := w.admin.post("/admin/hours/"+second.String()+"/reject", url.Values{}); res.StatusCode != http.StatusConflict || !strings.Contains(page, `id="hours-error"`) {
		t.Fatalf("reject again: %d; want 409 and the reason on the page", res.StatusCode)
	}
	if _, page := w.admin.get("/admin/hours"); !strings.Contains(page, `id="hours-empty"`) {
		t.Fatal("the queue once decided: want its empty state")
	}

	// An employee has no queue.
	if res, _ := w.as("employee").get("/admin/hours"); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Fatalf("an employee's /admin/hours: %d; want it refused", res.StatusCode)
	}
}

// An HR admin signs in to their admin home; an employee, or anyone sent
// to sign in from a page, lands where they were going.
func TestSignInLandsHRAdminsOnTheirHome(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := createTenant(t, env.App, "co-"+uuid.NewString()[:8], "Hooli", "fr")
	memberWithPassword(t, env.App, tn, "gavin@hooli.example", "Gavin", "hr_admin")
	memberWithPassword(t, env.App, tn, "richard@hooli.example", "Richard", "employee")
	page := browserless{t: t, app: app, host: tn.Slug + ".localhost"}
	for _, c := range []struct {
		email, next, want string
	}{
		{"gavin@hooli.example", "", "/admin"},
		{"gavin@hooli.example", "/admin/people", "/admin/people"},
		{"richard@hooli.example", "", "/"},
	} {
		res, _ := page.signIn(c.email, password, c.next)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != c.want {
			t.Errorf("%s signing in (next %q): %d to %q; want %q", c.email, c.next, res.StatusCode, res.Header.Get("Location"), c.want)
		}
	}
}

// A new company's admin home lists what is left to set up, each step
// linking to where it is done, and ticks each once done; the campaigns show
// with their sign-ups and hours.
func TestHRHomeChecklistTicksWhatIsDone(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	w.admin.lang = "en"
	res, page := w.admin.get("/admin")
	if res.StatusCode != 200 || strings.Count(page, `class="todo"`) != 3 || !strings.Contains(page, `id="glance-empty"`) ||
		!strings.Contains(page, `href="/admin/people"`) || !strings.Contains(page, `href="/admin/branding"`) || !strings.Contains(page, `href="/admin/campaigns">Launch`) {
		t.Fatalf("a new company's home: %d; want three steps to do, each linking to its page, and no campaign", res.StatusCode)
	}

	// Someone invited: the first step is done, the others still to do.
	w.people.member(w.tn, "employee")
	if _, page := w.admin.get("/admin"); !strings.Contains(page, `id="step-invite" class="done"`) || !strings.Contains(page, `id="step-branding" class="todo"`) {
		t.Fatal("after an invitation: want the invite step ticked and the branding one not")
	}
	if res, _ := w.admin.post("/admin/branding", url.Values{"accent": {"#1f5130"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("branding: %d", res.StatusCode)
	}
	m := mission(t, w.env, missionSpec{title: "Cours de français"})
	id := activeCampaign(t, w.env.App, w.tn, campaignSpec{name: "Printemps solidaire"})
	pendingEntry(t, w.env, w.tn, id, w.people.member(w.tn, "employee"), m, 4.5, "")
	res, page = w.admin.get("/admin")
	if res.StatusCode != 200 || strings.Contains(page, `id="setup"`) || !strings.Contains(page, `id="setup-done"`) {
		t.Fatalf("everything set up: %d; want the checklist replaced by its done line", res.StatusCode)
	}
	glance := page[strings.Index(page, `id="g-`+id.String()):]
	if !strings.Contains(glance, "Printemps solidaire") || !strings.Contains(glance, "Active") || !strings.Contains(glance, "<dd>1</dd>") ||
		!strings.Contains(glance, "<dd>4.5 h</dd>") {
		t.Fatal("the campaign at a glance: want its name, status, one person signed up and 4.5 h waiting")
	}
}
