package billing

import (
	"context"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// StripeClient is Stripe through stripe-go, on cfg's key and API address.
type StripeClient struct{ api *client.API }

var _ Stripe = (*StripeClient)(nil)

// NewStripeClient returns the client of cfg (nil when billing is off).
func NewStripeClient(cfg Config) *StripeClient {
	if !cfg.On() {
		return nil
	}
	bc := &stripe.BackendConfig{HTTPClient: &http.Client{Timeout: 20 * time.Second},
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError}}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(cfg.APIBase)
	}
	backends := &stripe.Backends{API: stripe.GetBackendWithConfig(stripe.APIBackend, bc),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, bc), Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, bc)}
	return &StripeClient{api: client.New(cfg.SecretKey, backends)}
}

// CreateCustomer implements Stripe.
func (c *StripeClient) CreateCustomer(ctx context.Context, in CustomerInput) (string, error) {
	p := &stripe.CustomerParams{Name: stripe.String(in.Name), Metadata: map[string]string{"tenant_id": in.TenantID.String()}}
	if in.Email != "" {
		p.Email = stripe.String(in.Email)
	}
	p.Context = ctx
	p.SetIdempotencyKey(in.Key)
	cu, err := c.api.Customers.New(p)
	if err != nil {
		return "", err
	}
	return cu.ID, nil
}

// CreateCheckout implements Stripe.
func (c *StripeClient) CreateCheckout(ctx context.Context, in CheckoutInput) (string, error) {
	meta := map[string]string{"tenant_id": in.TenantID.String(), "plan": in.Plan, "interval": string(in.Interval)}
	p := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:          stripe.String(in.CustomerID),
		ClientReferenceID: stripe.String(in.TenantID.String()),
		SuccessURL:        stripe.String(in.SuccessURL),
		CancelURL:         stripe.String(in.CancelURL),
		LineItems:         []*stripe.CheckoutSessionLineItemParams{{Price: stripe.String(in.Price), Quantity: stripe.Int64(int64(in.Quantity))}},
		SubscriptionData:  &stripe.CheckoutSessionSubscriptionDataParams{Metadata: meta},
		Metadata:          meta,
	}
	p.Context = ctx
	p.SetIdempotencyKey(in.Key)
	cs, err := c.api.CheckoutSessions.New(p)
	if err != nil {
		return "", err
	}
	return cs.URL, nil
}

// CreatePortal implements Stripe.
func (c *StripeClient) CreatePortal(ctx context.Context, customerID, returnURL, key string) (string, error) {
	p := &stripe.BillingPortalSessionParams{Customer: stripe.String(customerID), ReturnURL: stripe.String(returnURL)}
	p.Context = ctx
	p.SetIdempotencyKey(key)
	ps, err := c.api.BillingPortalSessions.New(p)
	if err != nil {
		return "", err
	}
	return ps.URL, nil
}

// SetQuantity implements Stripe: the seat count changes with proration.
func (c *StripeClient) SetQuantity(ctx context.Context, subscriptionID, itemID string, quantity int, key string) error {
	p := &stripe.SubscriptionParams{
		Items:             []*stripe.SubscriptionItemsParams{{ID: stripe.String(itemID), Quantity: stripe.Int64(int64(quantity))}},
		ProrationBehavior: stripe.String("create_prorations"),
	}
	p.Context = ctx
	p.SetIdempotencyKey(key)
	_, err := c.api.Subscriptions.Update(subscriptionID, p)
	return err
}
