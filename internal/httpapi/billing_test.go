package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/vendredi-app/vendredi/internal/billing"
	"github.com/vendredi-app/vendredi/internal/billing/billingtest"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/logging"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/internal/wiring"
	"github.com/vendredi-app/vendredi/tenants"
)

// billingServer is the whole server as serve builds it, with billing on
// against stripe-mock, its workers running, at publicURL.
func billingServer(t testing.TB, env *pgtest.Env, cfg billing.Config, publicURL string) (*fiber.App, *wiring.Services) {
	t.Helper()
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	log, err := logging.New(logs, "json", slog.LevelWarn)
	if err != nil {
		t.Fatal(err)
	}
	smtp, err := mail.NewSMTP(mail.Config{URL: mailtest.Start(t).SMTPURL(), From: "Vendredi <no-reply@vendredi.test>"})
	if err != nil {
		t.Fatal(err)
	}
	idc := identity.DefaultConfig()
	idc.Hash = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	services, err := wiring.New(context.Background(), env.App, smtp, wiring.Config{PublicURL: publicURL, Identity: idc, Billing: cfg,
		Jobs: jobs.Options{Work: true, ListenURL: env.AppURL, Periodic: []*river.PeriodicJob{}, FetchPoll: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := services.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = services.Stop(10 * time.Second) })
	app, err := httpapi.New(httpapi.Config{BaseDomain: "localhost", Links: services.Links, Logger: log,
		TrustedProxies: []string{"0.0.0.0", "127.0.0.1"}}, services.Deps)
	if err != nil {
		t.Fatal(err)
	}
	return app, services
}

// billingWorld is a company with an HR admin and an employee on a server
// with billing on.
type billingWorld struct {
	t        *testing.T
	env      *pgtest.Env
	app      *fiber.App
	services *wiring.Services
	tn       *tenants.Tenant
	hr, emp  string // sessions
	host     string
}

func newBillingWorld(t *testing.T, cfg billing.Config) *billingWorld {
	t.Helper()
	// A database of its own: the queue's workers are this server's alone,
	// and stripe-mock's fixed customer id is taken once.
	env := pgtest.Private(t)
	app, services := billingServer(t, env, cfg, "http://localhost")
	tn := newTenant(t, env.App, "Billco")
	pp := people{t: t, db: env.App}
	return &billingWorld{t: t, env: env, app: app, services: services, tn: tn, host: tn.Slug + ".localhost",
		hr: pp.session(tn, pp.member(tn, "hr_admin")), emp: pp.session(tn, pp.member(tn, "employee"))}
}

// post sends a signed event to the webhook endpoint on the bare domain,
// signed at signedAt with secret.
func (w *billingWorld) post(body []byte, secret string, signedAt time.Time) (*http.Response, map[string]any) {
	w.t.Helper()
	req := httptest.NewRequest("POST", "/webhooks/stripe", strings.NewReader(string(body)))
	req.Host = "localhost"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", billingtest.Sign(body, secret, signedAt))
	res, err := w.app.Test(req, 10000)
	if err != nil {
		w.t.Fatal(err)
	}
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

// send posts a validly signed event and waits until the workers have
// worked it.
func (w *billingWorld) send(id, typ string, created time.Time, object map[string]any) {
	w.t.Helper()
	id = w.u(id)
	res, out := w.post(billingtest.Event(id, typ, created, object), billingtest.WebhookSecret, time.Now())
	if res.StatusCode != 200 {
		w.t.Fatalf("event %s (%s): %d %v", id, typ, res.StatusCode, out)
	}
	w.processed(id)
}

func (w *billingWorld) processed(id string) string {
	w.t.Helper()
	if !strings.HasSuffix(id, w.u("")) {
		id = w.u(id)
	}
	var outcome string
	waitFor(w.t, "event "+id+" worked", func() bool {
		e, err := postgres.NewBillingStore(w.env.App).Event(context.Background(), id)
		if err != nil || e.ProcessedAt == nil {
			return false
		}
		outcome = e.Outcome
		return true
	})
	return outcome
}

// u makes an id of Stripe's (event, customer, subscription) unique to the
// world: the package's tests share a database.
func (w *billingWorld) u(id string) string { return id + "_" + w.tn.Slug }

func (w *billingWorld) account() *billing.Account {
	w.t.Helper()
	a, err := postgres.NewBillingStore(w.env.App).Account(tenants.NewContext(context.Background(), w.tn), w.tn.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *billingWorld) api(method, path, body, session string) (*http.Response, map[string]any) {
	w.t.Helper()
	return do(w.t, w.app, method, w.host, path, body, session)
}

// subscribe makes the company a customer with a subscription, through
// the events Checkout sends.
func (w *billingWorld) subscribe(customer, sub, price string, quantity int, at time.Time) {
	w.t.Helper()
	w.send("evt_cs_"+sub, billing.EventCheckoutCompleted, at, billingtest.CheckoutSession("cs_"+sub, customer, sub, w.tn.ID.String(), "entreprise", "month"))
	w.send("evt_created_"+sub, billing.EventSubscriptionCreated, at.Add(time.Second),
		billingtest.Subscription(sub, customer, "active", price, quantity, 800, "month", at.Add(30*24*time.Hour)))
}

func auditActions(t *testing.T, w *billingWorld) []string {
	t.Helper()
	_, out := w.api("GET", "/api/v1/audit?limit=100", "", w.hr)
	var acts []string
	events, _ := out["events"].([]any)
	for _, e := range events {
		if a, _ := e.(map[string]any)["action"].(string); strings.HasPrefix(a, "billing_") {
			acts = append(acts, a)
		}
	}
	return acts
}

func TestBillingWebhooksAreVerifiedStoredOnceAndAnsweredAtOnce(t *testing.T) {
	t.Parallel()
	w := newBillingWorld(t, billingtest.Config(t))
	w.api("GET", "/api/v1/billing", "", w.hr) // the trial starts
	sub := billingtest.Subscription(w.u("sub_sig"), w.u("cus_sig"), "active", billingtest.EntrepriseMonthly, 25, 800, "month", time.Now().Add(720*time.Hour))
	sub["metadata"] = map[string]any{"tenant_id": w.tn.ID.String()}
	body := billingtest.Event(w.u("evt_sig_1"), billing.EventSubscriptionCreated, time.Now(), sub)

	t.Run("forged signature", func(t *testing.T) {
		res, out := w.post(body, "whsec_not_the_secret", time.Now())
		if res.StatusCode != 400 || out["code"] != "invalid" {
			t.Fatalf("forged: %d %v, want 400", res.StatusCode, out)
		}
		tampered := []byte(strings.Replace(string(body), `"quantity":25`, `"quantity":1`, 1))
		req := httptest.NewRequest("POST", "/webhooks/stripe", strings.NewReader(string(tampered)))
		req.Host = "localhost"
		req.Header.Set("Stripe-Signature", billingtest.Sign(body, billingtest.WebhookSecret, time.Now()))
		if res, _ := w.app.Test(req, 10000); res.StatusCode != 400 {
			t.Fatalf("a body changed after signing: %d, want 400", res.StatusCode)
		}
	})
	t.Run("stale timestamp", func(t *testing.T) {
		if res, out := w.post(body, billingtest.WebhookSecret, time.Now().Add(-10*time.Minute)); res.StatusCode != 400 {
			t.Fatalf("signed 10 minutes ago: %d %v, want 400", res.StatusCode, out)
		}
	})
	if _, err := postgres.NewBillingStore(w.env.App).Event(context.Background(), w.u("evt_sig_1")); err == nil {
		t.Fatal("a refused event was stored")
	}

	t.Run("valid, then replayed", func(t *testing.T) {
		start := time.Now()
		res, out := w.post(body, billingtest.WebhookSecret, time.Now())
		if res.StatusCode != 200 || out["replay"] != false {
			t.Fatalf("valid: %d %v", res.StatusCode, out)
		}
		t.Logf("webhook answered in %v", time.Since(start))
		if got := w.processed(w.u("evt_sig_1")); got != "applied" {
			t.Fatalf("outcome %q, want applied", got)
		}
		a := w.account()
		if a.Status != billing.Active || a.Quantity != 25 || a.Plan != "entreprise" || a.SubscriptionID != w.u("sub_sig") {
			t.Fatalf("after subscription.created: %+v", a)
		}
		before := auditActions(t, w)
		// Stripe resends the same event: same id, signed anew.
		res, out = w.post(body, billingtest.WebhookSecret, time.Now())
		if res.StatusCode != 200 || out["replay"] != true {
			t.Fatalf("replay: %d %v, want 200 and replay", res.StatusCode, out)
		}
		time.Sleep(500 * time.Millisecond) // what a second job would have done by now
		if after := auditActions(t, w); len(after) != len(before) {
			t.Fatalf("a replay added audit entries: %v then %v", before, after)
		}
		if b := w.account(); b.SubscriptionAt != a.SubscriptionAt || b.Quantity != 25 {
			t.Fatalf("a replay changed the account: %+v", b)
		}
	})
	t.Run("the same event eight times at once", func(t *testing.T) {
		upd := billingtest.Subscription(w.u("sub_sig"), w.u("cus_sig"), "active", billingtest.EntrepriseMonthly, 26, 800, "month",
			time.Now().Add(720*time.Hour))
		body := billingtest.Event(w.u("evt_sig_2"), billing.EventSubscriptionUpdated, time.Now().Add(time.Second), upd)
		firsts := make(chan bool, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, out := w.post(body, billingtest.WebhookSecret, time.Now())
				firsts <- res.StatusCode == 200 && out["replay"] == false
			}()
		}
		wg.Wait()
		close(firsts)
		n := 0
		for f := range firsts {
			if f {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d of 8 concurrent deliveries were taken as new, want 1", n)
		}
		w.processed(w.u("evt_sig_2"))
		if a := w.account(); a.Quantity != 26 {
			t.Fatalf("quantity %d after the update, want 26", a.Quantity)
		}
	})
	t.Run("unknown type", func(t *testing.T) {
		res, _ := w.post(billingtest.Event(w.u("evt_unknown"), "customer.tax_id.created", time.Now(), map[string]any{"id": "txi_1"}),
			billingtest.WebhookSecret, time.Now())
		if res.StatusCode != 200 {
			t.Fatalf("unknown type: %d, want 200", res.StatusCode)
		}
		if got := w.processed("evt_unknown"); got != "ignored" {
			t.Fatalf("unknown type outcome %q, want ignored", got)
		}
	})
	t.Run("only on the bare domain", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/webhooks/stripe", strings.NewReader(string(body)))
		req.Host = w.host
		req.Header.Set("Stripe-Signature", billingtest.Sign(body, billingtest.WebhookSecret, time.Now()))
		if res, _ := w.app.Test(req, 10000); res.StatusCode != 404 {
			t.Fatalf("on a company's host: %d, want 404", res.StatusCode)
		}
	})
}

func TestBillingEventsOutOfOrderNeverOverwriteNewerState(t *testing.T) {
	t.Parallel()
	w := newBillingWorld(t, billingtest.Config(t))
	w.api("GET", "/api/v1/billing", "", w.hr)
	t0 := time.Now().Add(-time.Hour)
	w.send("evt_cs", billing.EventCheckoutCompleted, t0, billingtest.CheckoutSession(w.u("cs_1"), w.u("cus_ooo"), w.u("sub_ooo"), w.tn.ID.String(), "entreprise", "month"))
	// updated (newer) arrives before created (older).
	w.send("evt_upd", billing.EventSubscriptionUpdated, t0.Add(2*time.Minute),
		billingtest.Subscription(w.u("sub_ooo"), w.u("cus_ooo"), "active", billingtest.EntrepriseMonthly, 30, 800, "month", t0.Add(720*time.Hour)))
	w.send("evt_crt", billing.EventSubscriptionCreated, t0.Add(time.Minute),
		billingtest.Subscription(w.u("sub_ooo"), w.u("cus_ooo"), "incomplete", billingtest.EntrepriseMonthly, 20, 800, "month", t0.Add(720*time.Hour)))
	if a := w.account(); a.Status != billing.Active || a.Quantity != 30 {
		t.Fatalf("created after updated: %s × %d, want active × 30 (the newer state)", a.Status, a.Quantity)
	}
	if got := w.processed("evt_crt"); got != "stale" {
		t.Fatalf("the older event's outcome is %q, want stale", got)
	}
	// A newer invoice.paid, then an older payment_failed.
	w.send("evt_paid", billing.EventInvoicePaid, t0.Add(10*time.Minute), billingtest.Invoice(w.u("in_2"), w.u("cus_ooo"), w.u("sub_ooo"), "paid", 24000, t0.Add(10*time.Minute)))
	w.send("evt_failed_old", billing.EventPaymentFailed, t0.Add(5*time.Minute), billingtest.Invoice(w.u("in_1"), w.u("cus_ooo"), w.u("sub_ooo"), "open", 24000, t0.Add(5*time.Minute)))
	if a := w.account(); a.Status != billing.Active || a.PastDueSince != nil {
		t.Fatalf("an old payment_failed after a newer invoice.paid: %s, past due since %v; want active", a.Status, a.PastDueSince)
	}
	// Both invoices are listed, newest first, with their PDF.
	_, out := w.api("GET", "/api/v1/billing", "", w.hr)
	inv, _ := out["invoices"].([]any)
	if len(inv) != 2 || inv[0].(map[string]any)["id"] != w.u("in_2") || !strings.Contains(inv[0].(map[string]any)["pdf_url"].(string), "/pdf") {
		t.Fatalf("invoices: %v", out["invoices"])
	}
}

// TestBillingJourney drives a company through trial → subscribed →
// payment failed → read-only after the grace period → paid → active, by
// signed webhooks only, and checks what HR admins and employees can do at
// each step.
func TestBillingJourney(t *testing.T) {
	t.Parallel()
	cfg := billingtest.Config(t)
	cfg.Grace = time.Hour
	w := newBillingWorld(t, cfg)
	invite := func(email string) int {
		res, _ := w.api("POST", "/api/v1/invitations", `{"email":"`+email+`","full_name":"New Person"}`, w.hr)
		return res.StatusCode
	}

	// Trial.
	res, st := w.api("GET", "/api/v1/billing", "", w.hr)
	if res.StatusCode != 200 || st["status"] != "trialing" || st["enabled"] != true || st["trial_ends"] == nil {
		t.Fatalf("trial: %d %v", res.StatusCode, st)
	}
	if res, _ := w.api("GET", "/api/v1/billing", "", w.emp); res.StatusCode != 403 {
		t.Fatalf("an employee reads billing: %d, want 403", res.StatusCode)
	}
	// Checkout: stripe-mock answers a session; its address is Stripe's.
	res, out := w.api("POST", "/api/v1/billing/checkout", `{"plan":"entreprise","interval":"month"}`, w.hr)
	if res.StatusCode != 201 || !strings.HasPrefix(fmt.Sprint(out["url"]), "https://") {
		t.Fatalf("checkout: %d %v", res.StatusCode, out)
	}
	if res, out := w.api("POST", "/api/v1/billing/checkout", `{"plan":"gold"}`, w.hr); res.StatusCode != 400 ||
		!strings.Contains(fmt.Sprint(out["errors"]), "field:plan") {
		t.Fatalf("an unknown plan: %d %v, want 400 naming plan", res.StatusCode, out)
	}
	customer := w.account().CustomerID
	if !strings.HasPrefix(customer, "cus_") {
		t.Fatalf("no Stripe customer after checkout: %q", customer)
	}

	// Subscribed.
	t0 := time.Now().Add(-3 * time.Hour)
	w.subscribe(customer, w.u("sub_j"), billingtest.EntrepriseMonthly, 20, t0)
	_, st = w.api("GET", "/api/v1/billing", "", w.hr)
	if st["status"] != "active" || st["subscribed"] != true || st["plan"].(map[string]any)["key"] != "entreprise" || st["next_invoice"] == nil {
		t.Fatalf("subscribed: %v", st)
	}
	res, out = w.api("POST", "/api/v1/billing/portal", "", w.hr)
	if res.StatusCode != 201 || !strings.HasPrefix(fmt.Sprint(out["url"]), "https://") {
		t.Fatalf("portal: %d %v", res.StatusCode, out)
	}

	// Payment failed two hours ago: the grace period (an hour) is over.
	w.send("evt_fail", billing.EventPaymentFailed, t0.Add(time.Hour), billingtest.Invoice(w.u("in_f"), customer, w.u("sub_j"), "open", 16000, t0.Add(time.Hour)))
	_, st = w.api("GET", "/api/v1/billing", "", w.hr)
	if st["status"] != "past_due" || st["read_only"] != true {
		t.Fatalf("after the grace period: %v", st)
	}
	if code := invite("late@billco.example"); code != 403 {
		t.Fatalf("HR invites while read-only: %d, want 403", code)
	}
	_, out = w.api("POST", "/api/v1/invitations", `{"email":"late@billco.example","full_name":"Late"}`, w.hr)
	if out["detail"] != billing.MsgReadOnly {
		t.Fatalf("the refusal says %q, want %q", out["detail"], billing.MsgReadOnly)
	}
	hrPage := browserless{t: t, app: w.app, host: w.host, session: w.hr}
	if _, page := hrPage.get("/admin/people"); !strings.Contains(page, `id="billing-banner"`) || !strings.Contains(page, "lecture seule") {
		t.Fatal("HR pages carry no read-only banner")
	}
	if res, _ := w.api("GET", "/api/v1/members", "", w.hr); res.StatusCode != 200 {
		t.Fatalf("HR reads while read-only: %d, want 200", res.StatusCode)
	}
	if res, out := w.api("PUT", "/api/v1/me/profile", `{"hours_per_week":2}`, w.emp); res.StatusCode != 200 {
		t.Fatalf("an employee saves her profile while the company is read-only: %d %v, want 200", res.StatusCode, out)
	}
	empPage := browserless{t: t, app: w.app, host: w.host, session: w.emp}
	if _, page := empPage.get("/me/profile"); strings.Contains(page, "billing-banner") {
		t.Fatal("an employee sees the billing banner")
	}
	if res, _ := w.api("POST", "/api/v1/billing/portal", "", w.hr); res.StatusCode != 201 {
		t.Fatalf("HR opens the portal to pay while read-only: %d, want 201", res.StatusCode)
	}

	// Paid: everything back.
	w.send("evt_paid", billing.EventInvoicePaid, t0.Add(2*time.Hour), billingtest.Invoice(w.u("in_f"), customer, w.u("sub_j"), "paid", 16000, t0.Add(time.Hour)))
	_, st = w.api("GET", "/api/v1/billing", "", w.hr)
	if st["status"] != "active" || st["read_only"] != false {
		t.Fatalf("after invoice.paid: %v", st)
	}
	if code := invite("back@billco.example"); code != 201 {
		t.Fatalf("HR invites once paid: %d, want 201", code)
	}
	if _, page := hrPage.get("/admin/people"); strings.Contains(page, "billing-banner") {
		t.Fatal("the banner stays after payment")
	}
	want := []string{"billing_invoice_paid", "billing_payment_failed", "billing_subscription_changed", "billing_subscription_changed",
		"billing_checkout_started", "billing_customer_created"}
	got := auditActions(t, w)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("audit log: %v, want %v", got, want)
	}
}

func TestBillingCancellationSuspendsAfterNoticeAndPaymentResumes(t *testing.T) {
	t.Parallel()
	cfg := billingtest.Config(t)
	cfg.SuspendNotice = time.Second
	w := newBillingWorld(t, cfg)
	w.api("GET", "/api/v1/billing", "", w.hr)
	t0 := time.Now().Add(-time.Hour)
	w.subscribe(w.u("cus_can"), w.u("sub_can"), billingtest.EssentielMonthly, 8, t0)
	w.send("evt_del", billing.EventSubscriptionDeleted, t0.Add(time.Minute),
		billingtest.Subscription(w.u("sub_can"), w.u("cus_can"), "canceled", billingtest.EssentielMonthly, 8, 500, "month", t0))
	waitFor(t, "the company suspended after the notice", func() bool {
		tn, err := postgres.NewTenantStore(w.env.App).ByID(context.Background(), w.tn.ID)
		return err == nil && tn.Status == tenants.Suspended
	})
	if !w.account().SuspendedByBilling {
		t.Fatal("the suspension is not marked as billing's")
	}
	// A new subscription's paid invoice restores the company.
	w.send("evt_new", billing.EventSubscriptionCreated, t0.Add(2*time.Minute),
		billingtest.Subscription(w.u("sub_new"), w.u("cus_can"), "active", billingtest.EssentielMonthly, 8, 500, "month", t0.Add(720*time.Hour)))
	w.send("evt_new_paid", billing.EventInvoicePaid, t0.Add(3*time.Minute), billingtest.Invoice(w.u("in_new"), w.u("cus_can"), w.u("sub_new"), "paid", 4000, t0))
	tn, err := postgres.NewTenantStore(w.env.App).ByID(context.Background(), w.tn.ID)
	if err != nil || tn.Status != tenants.Active || w.account().Status != billing.Active {
		t.Fatalf("after a new paid subscription: company %v (%v), account %s", tn, err, w.account().Status)
	}
}

func TestBillingPlanFeaturesAndSeats(t *testing.T) {
	t.Parallel()
	cfg := billingtest.Config(t)
	cfg.SeatDebounce = 2 * time.Second
	w := newBillingWorld(t, cfg)
	// During the trial every feature is open.
	if res, out := w.api("POST", "/api/v1/api-tokens", `{"name":"trial","role":"employee"}`, w.hr); res.StatusCode != 201 {
		t.Fatalf("API token during the trial: %d %v", res.StatusCode, out)
	}
	w.subscribe(w.u("cus_seat"), w.u("sub_seat"), billingtest.EssentielMonthly, 5, time.Now().Add(-time.Hour))
	if a := w.account(); a.Plan != "essentiel" {
		t.Fatalf("plan %q, want essentiel", a.Plan)
	}
	res, out := w.api("POST", "/api/v1/api-tokens", `{"name":"essentiel","role":"employee"}`, w.hr)
	if res.StatusCode != 403 || out["detail"] != billing.MsgFeature {
		t.Fatalf("API token on Essentiel: %d %v, want 403: %s", res.StatusCode, out, billing.MsgFeature)
	}

	// Six more members become active, one by one: one seat job, once.
	pp := people{t: t, db: w.env.App}
	var ids []uuid.UUID
	for range 6 {
		ids = append(ids, pp.member(w.tn, "employee"))
	}
	for _, id := range ids {
		if res, out := w.api("PATCH", "/api/v1/members/"+id.String(), `{"department":"Sales"}`, w.hr); res.StatusCode != 200 {
			t.Fatalf("change member: %d %v", res.StatusCode, out)
		}
	}
	var jobsQueued int
	if err := w.env.App.QueryRowContext(context.Background(),
		"SELECT count(*) FROM river_job WHERE kind = 'billing_seats' AND args->>'tenant_id' = ?", w.tn.ID.String()).Scan(&jobsQueued); err != nil {
		t.Fatal(err)
	}
	if jobsQueued != 1 {
		t.Fatalf("%d seat jobs for six changes, want 1 (debounced)", jobsQueued)
	}
	// 2 members + 6 = 8 active seats, above Essentiel's minimum of 5.
	waitFor(t, "seats synced", func() bool { return w.account().SeatsSynced == 8 })
	got := auditActions(t, w)
	if len(got) == 0 || got[0] != billing.ActionSeats {
		t.Fatalf("the seat change is not in the audit log: %v", got)
	}
}

func TestBillingOffLeavesTheProductAsItWas(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	res, page := w.admin.get("/admin/billing")
	if res.StatusCode != 200 || !strings.Contains(page, `id="billing-off"`) {
		t.Fatalf("billing page with billing off: %d", res.StatusCode)
	}
	res, out := do(t, w.app, "GET", w.admin.host, "/api/v1/billing", "", w.admin.session)
	if res.StatusCode != 200 || out["enabled"] != false {
		t.Fatalf("billing API with billing off: %d %v", res.StatusCode, out)
	}
	req := httptest.NewRequest("POST", "/webhooks/stripe", strings.NewReader("{}"))
	req.Host = "localhost"
	if res, _ := w.app.Test(req, 10000); res.StatusCode != 404 {
		t.Fatalf("webhook with billing off: %d, want 404", res.StatusCode)
	}
	if res, out := do(t, w.app, "POST", w.admin.host, "/api/v1/api-tokens", `{"name":"off","role":"employee"}`, w.admin.session); res.StatusCode != 201 {
		t.Fatalf("API token with billing off: %d %v", res.StatusCode, out)
	}
}

func TestBillingOnboardingStartsTrialAndCustomerAndStaffSeeFigures(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t)
	app, _ := billingServer(t, env, billingtest.Config(t), "http://localhost")
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	slug := "onb-" + uuid.NewString()[:6]
	res, out := do(t, app, "POST", "localhost", "/api/v1/platform/companies",
		`{"slug":"`+slug+`","name":"Onboarded","admin_email":"rh@`+slug+`.example","admin_name":"RH"}`, staff)
	if res.StatusCode != 201 {
		t.Fatalf("onboard: %d %v", res.StatusCode, out)
	}
	tn, err := postgres.NewTenantStore(env.App).BySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewBillingStore(env.App)
	var a *billing.Account
	waitFor(t, "the Stripe customer created by the onboarding's job", func() bool {
		a, err = store.Account(tenants.NewContext(context.Background(), tn), tn.ID)
		return err == nil && a.CustomerID != ""
	})
	if a.Status != billing.Trialing || time.Until(a.TrialEndsAt) < 29*24*time.Hour || time.Until(a.TrialEndsAt) > 30*24*time.Hour+time.Minute {
		t.Fatalf("after onboarding: %s until %v, want a 30-day trial", a.Status, a.TrialEndsAt)
	}
	res, out = do(t, app, "GET", "localhost", "/api/v1/platform/billing", "", staff)
	figs, _ := out["figures"].(map[string]any)
	if res.StatusCode != 200 || figs == nil || figs["by_status"].(map[string]any)["trialing"].(float64) < 1 {
		t.Fatalf("staff figures: %d %v", res.StatusCode, out)
	}
	res, out = do(t, app, "GET", "localhost", "/api/v1/platform/companies/"+slug+"/billing", "", staff)
	if res.StatusCode != 200 || out["company"].(map[string]any)["status"] != "trialing" {
		t.Fatalf("staff company billing: %d %v", res.StatusCode, out)
	}
	page := browserless{t: t, app: app, host: "localhost", session: staff}
	if res, body := page.get("/platform/billing"); res.StatusCode != 200 || !strings.Contains(body, `id="fig-mrr"`) || !strings.Contains(body, "Onboarded") {
		t.Fatalf("staff billing page: %d", res.StatusCode)
	}
	if res, body := page.get("/platform/companies/" + slug + "/billing"); res.StatusCode != 200 || !strings.Contains(body, `id="billing-status"`) {
		t.Fatalf("staff company billing page: %d", res.StatusCode)
	}
}
