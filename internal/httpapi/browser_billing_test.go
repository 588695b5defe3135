package httpapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/billing"
	"github.com/vendredi-app/vendredi/internal/billing/billingtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// TestBrowserBillingSubscribe: the HR admin opens billing, subscribes, is
// sent to Stripe Checkout, and once the signed checkout.session.completed
// (and the subscription it creates) arrive, sees the plan active.
//
// Chromium resolves no name but this machine's: Stripe's Checkout page is
// answered by the test itself (the DevTools fetch domain), so the browser
// never leaves the machine.
func TestBrowserBillingSubscribe(t *testing.T) {
	t.Parallel()
	cfg := billingtest.Config(t)
	ctx := browser(t, chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost, EXCLUDE 127.0.0.1"))
	env := pgtest.Private(t)
	port := serveLive(t, func(publicURL string) *fiber.App {
		app, _ := billingServer(t, env, cfg, publicURL)
		return app
	})
	tn := newTenant(t, env.App, "Stripeco")
	memberWithPassword(t, env.App, tn, "rh@stripeco.example", "Rachel Hoarau", "hr_admin")
	site := "http://" + tn.Slug + ".localhost:" + port
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var (
		mu       sync.Mutex
		checkout string
	)
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			mu.Lock()
			checkout = e.Request.URL
			mu.Unlock()
			page := "<!doctype html><html lang=en><title>Stripe Checkout (test)</title><h1 id=stripe>Stripe Checkout (test)</h1></html>"
			go func() {
				_ = chromedp.Run(ctx, fetch.FulfillRequest(e.RequestID, 200).
					WithResponseHeaders([]*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}}).
					WithBody(base64.StdEncoding.EncodeToString([]byte(page))))
			}()
		}
	})
	var status string
	err := chromedp.Run(ctx,
		fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "https://checkout.stripe.com/*"}}),
		signIn(site, "rh@stripeco.example"),
		chromedp.Navigate(site+"/admin/billing"),
		chromedp.WaitVisible("#subscribe", chromedp.ByQuery),
		chromedp.Text("#billing-status", &status, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("billing page: %v", err)
	}
	if status != "Essai" {
		t.Fatalf("status %q before subscribing, want Essai (the trial)", status)
	}
	screenshot(t, ctx, "billing-trial")
	err = chromedp.Run(ctx,
		chromedp.Click("#plan-entreprise", chromedp.ByQuery),
		chromedp.Click("#subscribe", chromedp.ByQuery),
		chromedp.WaitVisible("#stripe", chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	mu.Lock()
	sent := checkout
	mu.Unlock()
	if !strings.HasPrefix(sent, "https://checkout.stripe.com/") {
		t.Fatalf("sent to %q, want Stripe Checkout", sent)
	}

	// Stripe tells the product, signed, that the session completed.
	a, err := postgres.NewBillingStore(env.App).Account(tenants.NewContext(context.Background(), tn), tn.ID)
	if err != nil || a.CustomerID == "" {
		t.Fatalf("no customer after checkout: %v %+v", err, a)
	}
	now := time.Now()
	for i, ev := range []struct {
		typ string
		obj map[string]any
	}{
		{billing.EventCheckoutCompleted, billingtest.CheckoutSession("cs_browser", a.CustomerID, "sub_browser", tn.ID.String(), "entreprise", "month")},
		{billing.EventSubscriptionCreated, billingtest.Subscription("sub_browser", a.CustomerID, "active", billingtest.EntrepriseMonthly, 20, 800, "month",
			now.Add(30*24*time.Hour))},
	} {
		body := billingtest.Event("evt_browser_"+strconv.Itoa(i), ev.typ, now.Add(time.Duration(i)*time.Second), ev.obj)
		req, _ := http.NewRequest("POST", "http://localhost:"+port+"/webhooks/stripe", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", billingtest.Sign(body, billingtest.WebhookSecret, time.Now()))
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("webhook %s: %v %v", ev.typ, err, res)
		}
		_ = res.Body.Close()
	}
	waitFor(t, "the subscription active", func() bool {
		a, err := postgres.NewBillingStore(env.App).Account(tenants.NewContext(context.Background(), tn), tn.ID)
		return err == nil && a.Status == billing.Active && a.Quantity == 20
	})
	var plan string
	err = chromedp.Run(ctx,
		chromedp.Navigate(site+"/admin/billing?checkout=done"),
		chromedp.WaitVisible("#portal", chromedp.ByQuery),
		chromedp.Text("#billing-status", &status, chromedp.ByQuery),
		chromedp.Text("#billing-plan", &plan, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("billing page after checkout: %v", err)
	}
	if status != "Actif" || !strings.Contains(plan, "Entreprise") {
		t.Fatalf("after checkout.session.completed: status %q, plan %q; want Actif, Entreprise", status, plan)
	}
	screenshot(t, ctx, "billing-active")
}
