package wiring

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/billing"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/policies"
	"github.com/vendredi-app/vendredi/tenants"
)

// newBilling wires billing: off (every check passes) without a Stripe key.
func newBilling(db *postgres.DB, cfg billing.Config, q *jobs.Queue, companies *postgres.TenantStore, sender mail.Sender,
	links tenants.Addresses) (*billing.Service, error) {
	matrix, err := policies.Load()
	if err != nil {
		return nil, err
	}
	// What the employee role may do is never refused for a company's
	// billing: volunteers are not punished for their company's card.
	employeeMay := func(obj, act string) bool { return matrix.Allows("employee", obj, act) }
	var stripe billing.Stripe
	if c := billing.NewStripeClient(cfg); c != nil {
		stripe = c
	}
	bill := billing.NewService(cfg, postgres.NewBillingStore(db), stripe, q.BillingJobs(), companies, sender, employeeMay)
	bill.CompanyURL = links.Company
	return bill, nil
}

// billingWork is the service for the workers; nil when billing is off.
func billingWork(bill *billing.Service) jobs.Billing {
	if !bill.On() {
		return nil
	}
	return bill
}

// onboardHook starts a new company's trial and asks for its Stripe
// customer in the very transaction that creates the company.
type onboardHook struct {
	identity.Platform
	db   *postgres.DB
	bill *billing.Service
}

func (o onboardHook) Onboard(ctx context.Context, t *tenants.Tenant, logo *tenants.Logo, admin *identity.Person, tokenHash []byte,
	expires time.Time) error {
	return o.db.InTx(ctx, func(ctx context.Context) error {
		if err := o.Platform.Onboard(ctx, t, logo, admin, tokenHash, expires); err != nil {
			return err
		}
		return o.bill.Onboarded(ctx, t)
	})
}

// seatWatch tells billing that a company's head count may have changed:
// an invitation accepted or an address verified (RedeemToken), a member
// disabled or enabled (Update). The seat sync is debounced, so a
// needless signal costs nothing.
type seatWatch struct {
	identity.Members
	bill *billing.Service
}

func (w seatWatch) Update(ctx context.Context, id uuid.UUID, fn func(*identity.Person) error) (*identity.Person, error) {
	p, err := w.Members.Update(ctx, id, fn)
	if err == nil {
		w.bill.MembersChanged(ctx)
	}
	return p, err
}

func (w seatWatch) RedeemToken(ctx context.Context, hash []byte, purpose string, fn func(*identity.Person) error) (*identity.Person, error) {
	p, err := w.Members.RedeemToken(ctx, hash, purpose, fn)
	if err == nil && (purpose == identity.PurposeInvite || purpose == identity.PurposeVerify) {
		w.bill.MembersChanged(ctx)
	}
	return p, err
}
