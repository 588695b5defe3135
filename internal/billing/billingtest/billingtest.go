// Package billingtest helps billing's tests: stripe-mock's address, a
// billing configuration on it, and webhook events signed exactly as Stripe
// signs them (Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.body">).
//
// stripe-mock is stateless: it answers every call with Stripe's fixtures.
// The product's state therefore comes from the signed events the tests
// post, as in production it comes from Stripe's webhooks.
package billingtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"

	"github.com/vendredi-app/vendredi/internal/billing"
)

// WebhookSecret is the tests' endpoint secret.
const WebhookSecret = "whsec_vendredi_test_secret"

// Prices are the tests' Stripe Price ids.
const (
	EssentielMonthly  = "price_essentiel_month"
	EssentielYearly   = "price_essentiel_year"
	EntrepriseMonthly = "price_entreprise_month"
	EntrepriseYearly  = "price_entreprise_year"
)

// StripeURL is stripe-mock's address (VENDREDI_TEST_STRIPE_URL, which make
// test and .ci/run set). Unset, the test is skipped, except in CI, where it
// fails: CI cannot go green without billing's tests.
func StripeURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("VENDREDI_TEST_STRIPE_URL"); u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("VENDREDI_TEST_STRIPE_URL is unset: make test starts stripe-mock and sets it")
	}
	t.Skip("billing tests need stripe-mock: run them with make test, or start `go tool stripe-mock` and set VENDREDI_TEST_STRIPE_URL")
	return ""
}

// Config is billing on stripe-mock with the tests' secret and prices.
func Config(t testing.TB) billing.Config {
	t.Helper()
	plans, err := billing.ParsePrices(billing.DefaultPlans(), fmt.Sprintf("essentiel:month=%s,essentiel:year=%s,entreprise:month=%s,entreprise:year=%s",
		EssentielMonthly, EssentielYearly, EntrepriseMonthly, EntrepriseYearly))
	if err != nil {
		t.Fatal(err)
	}
	return billing.Config{SecretKey: "sk_test_vendredi", WebhookSecret: WebhookSecret, APIBase: StripeURL(t), Plans: plans}
}

// Sign is the Stripe-Signature header of payload signed with secret at at.
func Sign(payload []byte, secret string, at time.Time) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", at.Unix())
	mac.Write(payload)
	return fmt.Sprintf("t=%d,v1=%s", at.Unix(), hex.EncodeToString(mac.Sum(nil)))
}

// Event is a webhook event's body.
func Event(id, typ string, created time.Time, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "created": created.Unix(),
		"api_version": stripe.APIVersion, "livemode": false, "pending_webhooks": 1, "data": map[string]any{"object": object}})
	if err != nil {
		panic(err)
	}
	return b
}

// Subscription is a subscription object of one item.
func Subscription(id, customer, status, price string, quantity int, unitCents int64, interval string, periodEnd time.Time) map[string]any {
	return map[string]any{"id": id, "object": "subscription", "customer": customer, "status": status, "currency": "eur",
		"current_period_end": periodEnd.Unix(),
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_" + id, "object": "subscription_item",
			"quantity": quantity, "price": map[string]any{"id": price, "object": "price", "unit_amount": unitCents, "currency": "eur",
				"recurring": map[string]any{"interval": interval}}}}}}
}

// Invoice is an invoice object.
func Invoice(id, customer, subscription, status string, cents int64, created time.Time) map[string]any {
	return map[string]any{"id": id, "object": "invoice", "customer": customer, "subscription": subscription, "status": status,
		"number": "VEN-" + id, "amount_due": cents, "amount_paid": map[bool]int64{true: cents}[status == "paid"], "currency": "eur",
		"created": created.Unix(), "invoice_pdf": "https://pay.stripe.com/invoice/" + id + "/pdf",
		"hosted_invoice_url": "https://invoice.stripe.com/i/" + id}
}

// CheckoutSession is a completed Checkout Session of tenant.
func CheckoutSession(id, customer, subscription, tenant, plan, interval string) map[string]any {
	return map[string]any{"id": id, "object": "checkout.session", "mode": "subscription", "customer": customer,
		"subscription": subscription, "client_reference_id": tenant, "status": "complete", "payment_status": "paid",
		"metadata": map[string]any{"tenant_id": tenant, "plan": plan, "interval": interval}}
}
