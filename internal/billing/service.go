package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/tenants"
)

// Config is billing's configuration (README, docs/billing.md).
type Config struct {
	// SecretKey is Stripe's secret key (STRIPE_SECRET_KEY); empty turns
	// billing off.
	SecretKey string
	// WebhookSecret signs the webhooks (STRIPE_WEBHOOK_SECRET, whsec_…).
	WebhookSecret string
	// APIBase is Stripe's API address (STRIPE_API_BASE), stripe-mock's in
	// tests; empty for Stripe's own.
	APIBase string
	Plans   []Plan
	// Trial is how long a company tries Vendredi from onboarding (30 days).
	Trial time.Duration
	// Grace is how long HR may still change things after a failed payment
	// (BILLING_GRACE, 14 days).
	Grace time.Duration
	// SeatDebounce is the least time between two seat updates of one
	// company (BILLING_SEAT_DEBOUNCE, 5 minutes).
	SeatDebounce time.Duration
	// SuspendNotice is how long a company whose subscription ended keeps
	// its site before it is suspended (BILLING_SUSPEND_NOTICE, 7 days).
	SuspendNotice time.Duration
}

// On reports whether billing is on.
func (c Config) On() bool { return c.SecretKey != "" }

// WithDefaults fills the durations and plans left unset.
func (c Config) WithDefaults() Config {
	if c.Plans == nil {
		c.Plans = DefaultPlans()
	}
	if c.Trial == 0 {
		c.Trial = 30 * 24 * time.Hour
	}
	if c.Grace == 0 {
		c.Grace = 14 * 24 * time.Hour
	}
	if c.SeatDebounce == 0 {
		c.SeatDebounce = 5 * time.Minute
	}
	if c.SuspendNotice == 0 {
		c.SuspendNotice = 7 * 24 * time.Hour
	}
	return c
}

// Store keeps the accounts, invoices and events. Failure codes:
// errs.NotFound for an unknown account, customer or event.
type Store interface {
	// InTx runs fn as one unit of work (joins the one of ctx).
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Ensure creates the company's account, trialing until trialEnds,
	// unless it has one, and returns it.
	Ensure(ctx context.Context, tenantID uuid.UUID, trialEnds time.Time) (*Account, error)
	Account(ctx context.Context, tenantID uuid.UUID) (*Account, error)
	// Update changes an account under a row lock, in the unit of ctx.
	Update(ctx context.Context, tenantID uuid.UUID, fn func(*Account) error) (*Account, error)
	TenantOfCustomer(ctx context.Context, customerID string) (uuid.UUID, error)
	// SaveEvent stores a verified event; false when its id was stored
	// already (a replay).
	SaveEvent(ctx context.Context, e *RawEvent) (bool, error)
	Event(ctx context.Context, id string) (*RawEvent, error)
	EventDone(ctx context.Context, id string, tenantID *uuid.UUID, outcome string) error
	// SaveInvoice writes an invoice unless a newer event wrote it.
	SaveInvoice(ctx context.Context, inv *Invoice) error
	Invoices(ctx context.Context, tenantID uuid.UUID, limit int) ([]Invoice, error)
	// ActiveSeats counts the active members of the company of ctx.
	ActiveSeats(ctx context.Context) (int, error)
	// HRAdmins are the active HR admins of the company of ctx.
	HRAdmins(ctx context.Context) ([]mail.Address, error)
	// Record appends to the audit log of the company of ctx.
	Record(ctx context.Context, ev identity.Event) error
	Figures(ctx context.Context) (*Figures, error)
	Companies(ctx context.Context) ([]CompanyState, error)
	// Subscribed lists the companies with a subscription, for the seat
	// reconciliation.
	Subscribed(ctx context.Context) ([]uuid.UUID, error)
}

// Companies is the platform's directory as billing uses it.
type Companies interface {
	ByID(ctx context.Context, id uuid.UUID) (*tenants.Tenant, error)
	SetStatus(ctx context.Context, slug string, st tenants.Status) (*tenants.Tenant, error)
}

// Stripe is what billing asks of Stripe. Every call that creates or
// changes something carries an idempotency key.
type Stripe interface {
	CreateCustomer(ctx context.Context, in CustomerInput) (string, error)
	CreateCheckout(ctx context.Context, in CheckoutInput) (string, error)
	CreatePortal(ctx context.Context, customerID, returnURL, key string) (string, error)
	SetQuantity(ctx context.Context, subscriptionID, itemID string, quantity int, key string) error
}

// CustomerInput is a company becoming a Stripe customer.
type CustomerInput struct {
	TenantID         uuid.UUID
	Name, Email, Key string
}

// CheckoutInput is a Checkout Session for a subscription.
type CheckoutInput struct {
	TenantID                   uuid.UUID
	CustomerID, Price          string
	Quantity                   int
	Plan                       string
	Interval                   Interval
	SuccessURL, CancelURL, Key string
}

// Jobs enqueues billing's background work (internal/jobs).
type Jobs interface {
	// EventReceived works a stored event.
	EventReceived(ctx context.Context, id string) error
	// CustomerNeeded creates the company's Stripe customer.
	CustomerNeeded(ctx context.Context, tenantID uuid.UUID) error
	// SeatsChanged syncs the quantity after debounce, once for any number
	// of calls within it.
	SeatsChanged(ctx context.Context, tenantID uuid.UUID, debounce time.Duration) error
	// SuspendAt suspends the company at at if its subscription is still over.
	SuspendAt(ctx context.Context, tenantID uuid.UUID, at time.Time) error
}

// Service runs billing.
type Service struct {
	cfg         Config
	store       Store
	stripe      Stripe
	jobs        Jobs
	companies   Companies
	mail        mail.Sender
	employeeMay func(obj, act string) bool
	// CompanyURL is a company's address (PUBLIC_URL under its slug).
	CompanyURL func(slug string) string
	// Now is the clock (tests move it).
	Now func() time.Time
}

// NewService wires billing. employeeMay tells whether the employee role may
// do an action (policies' matrix): such actions are never refused.
func NewService(cfg Config, store Store, stripe Stripe, jobs Jobs, companies Companies, sender mail.Sender,
	employeeMay func(obj, act string) bool) *Service {
	return &Service{cfg: cfg.WithDefaults(), store: store, stripe: stripe, jobs: jobs, companies: companies, mail: sender,
		employeeMay: employeeMay, CompanyURL: func(slug string) string { return "" }, Now: time.Now}
}

// On reports whether billing is on.
func (s *Service) On() bool { return s != nil && s.cfg.On() }

// Config is the configuration in force.
func (s *Service) Config() Config { return s.cfg }

// Plans are the plans offered.
func (s *Service) Plans() []Plan { return s.cfg.Plans }

// errOff answers billing's operations when billing is off.
var errOff = errs.E(errs.NotFound, "Billing is not enabled on this platform.")

// Onboarded starts a new company's trial and asks for its Stripe customer,
// in the unit of work of ctx (the onboarding's).
func (s *Service) Onboarded(ctx context.Context, t *tenants.Tenant) error {
	if !s.On() {
		return nil
	}
	ctx = tenants.NewContext(ctx, t)
	if _, err := s.store.Ensure(ctx, t.ID, s.Now().Add(s.cfg.Trial)); err != nil {
		return err
	}
	if err := s.store.Record(ctx, identity.Event{ActorKind: "system", Action: ActionTrialStarted, Object: "billing",
		Detail: map[string]string{"trial_ends": s.Now().Add(s.cfg.Trial).UTC().Format(time.DateOnly)}}); err != nil {
		return err
	}
	return s.jobs.CustomerNeeded(ctx, t.ID)
}

// Audit actions of billing.
const (
	ActionTrialStarted    = "billing_trial_started"
	ActionCustomerCreated = "billing_customer_created"
	ActionCheckout        = "billing_checkout_started"
	ActionSubscription    = "billing_subscription_changed"
	ActionPaymentFailed   = "billing_payment_failed"
	ActionInvoicePaid     = "billing_invoice_paid"
	ActionSeats           = "billing_seats_changed"
	ActionSuspended       = "billing_suspended"
	ActionResumed         = "billing_resumed"
	ActionTrialWillEnd    = "billing_trial_will_end"
)

// account returns the company's account, starting a trial for a company
// onboarded before billing was turned on.
func (s *Service) account(ctx context.Context, t *tenants.Tenant) (*Account, error) {
	a, err := s.store.Account(ctx, t.ID)
	if errs.Is(err, errs.NotFound) {
		return s.store.Ensure(ctx, t.ID, s.Now().Add(s.cfg.Trial))
	}
	return a, err
}

// CreateCustomer gives the company its Stripe customer, once: the key is
// the company's, so that a retry, or a checkout racing the job, gets the
// same customer.
func (s *Service) CreateCustomer(ctx context.Context, tenantID uuid.UUID) (string, error) {
	if !s.On() {
		return "", errOff
	}
	t, err := s.companies.ByID(ctx, tenantID)
	if err != nil {
		return "", err
	}
	ctx = tenants.NewContext(ctx, t)
	a, err := s.account(ctx, t)
	if err != nil {
		return "", err
	}
	if a.CustomerID != "" {
		return a.CustomerID, nil
	}
	email := ""
	if admins, err := s.store.HRAdmins(ctx); err == nil && len(admins) > 0 {
		email = admins[0].Email
	}
	id, err := s.stripe.CreateCustomer(ctx, CustomerInput{TenantID: t.ID, Name: t.Name, Email: email, Key: "vendredi-customer-" + t.ID.String()})
	if err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "Stripe could not be reached; please retry.")
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		_, err := s.store.Update(ctx, t.ID, func(a *Account) error {
			if a.CustomerID == "" {
				a.CustomerID = id
			}
			return nil
		})
		if err != nil {
			return err
		}
		return s.store.Record(ctx, identity.Event{ActorKind: "system", Action: ActionCustomerCreated, Object: "billing",
			Detail: map[string]string{"customer": id}})
	})
	return id, err
}

// State is what the billing page shows.
type State struct {
	On       bool      `json:"enabled"`
	Plan     *Plan     `json:"-"`
	Account  *Account  `json:"-"`
	Seats    int       `json:"seats"`
	Invoices []Invoice `json:"invoices"`
	// NextInvoice is the date of the next invoice: the period's end, or
	// the trial's.
	NextInvoice *time.Time `json:"next_invoice,omitempty"`
	InGrace     bool       `json:"in_grace"`
	ReadOnly    bool       `json:"read_only"`
	// GraceEnds is when a company in grace becomes read-only.
	GraceEnds *time.Time `json:"grace_ends,omitempty"`
}

// State reads the billing state of the company of ctx.
func (s *Service) State(ctx context.Context) (*State, error) {
	if !s.On() {
		return &State{}, nil
	}
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, t)
	if err != nil {
		return nil, err
	}
	st := &State{On: true, Account: a}
	if p, ok := planByKey(s.cfg.Plans, a.Plan); ok {
		st.Plan = p
	}
	if st.Seats, err = s.store.ActiveSeats(ctx); err != nil {
		return nil, err
	}
	if st.Invoices, err = s.store.Invoices(ctx, t.ID, 24); err != nil {
		return nil, err
	}
	now := s.Now()
	switch {
	case a.CurrentPeriodEnd != nil && a.Status != Canceled:
		st.NextInvoice = a.CurrentPeriodEnd
	case Trial(a):
		te := a.TrialEndsAt
		st.NextInvoice = &te
	}
	st.InGrace, st.ReadOnly = InGrace(a, now, s.cfg.Grace), ReadOnly(a, now, s.cfg.Grace)
	if g := GraceStart(a); g != nil && (st.InGrace || st.ReadOnly) {
		end := g.Add(s.cfg.Grace)
		st.GraceEnds = &end
	}
	return st, nil
}

// Notice is what HR pages show of billing, if anything: nil when nothing
// is owed or billing is off.
func (s *Service) Notice(ctx context.Context) *State {
	if !s.On() {
		return nil
	}
	t, ok := tenants.FromContext(ctx)
	if !ok {
		return nil
	}
	a, err := s.store.Account(ctx, t.ID)
	if err != nil {
		return nil
	}
	now := s.Now()
	st := &State{On: true, Account: a, InGrace: InGrace(a, now, s.cfg.Grace), ReadOnly: ReadOnly(a, now, s.cfg.Grace)}
	if !st.InGrace && !st.ReadOnly {
		return nil
	}
	if g := GraceStart(a); g != nil {
		end := g.Add(s.cfg.Grace)
		st.GraceEnds = &end
	}
	return st
}

// Gate is billing's one check on every route, beside its permission
// (authz.Options.Gate): plan features and read-only administration. Routes
// of no company (the platform, associations) pass.
func (s *Service) Gate(ctx context.Context, obj, act, route string) error {
	if !s.On() {
		return nil
	}
	t, ok := tenants.FromContext(ctx)
	if !ok {
		return nil
	}
	if _, ok := FeatureOf(obj, act, route); !ok && !AdminWrite(s.employeeMay, obj, act) {
		return nil // nothing to read
	}
	a, err := s.store.Account(ctx, t.ID)
	if errs.Is(err, errs.NotFound) {
		return nil // no account yet: a trial starts on the billing page
	}
	if err != nil {
		return err
	}
	return Refuses(s.cfg.Plans, a, s.Now(), s.cfg.Grace, s.employeeMay, obj, act, route)
}

// CheckoutRequest is an HR admin choosing a plan.
type CheckoutRequest struct {
	Plan     string
	Interval Interval
	// ReturnURL is the billing page, where Stripe sends the admin back.
	ReturnURL string
}

// Checkout opens a Stripe Checkout Session for the company of ctx and
// returns its address: the subscription's quantity is the active seats.
func (s *Service) Checkout(ctx context.Context, actor *identity.Principal, in CheckoutRequest) (string, error) {
	if !s.On() {
		return "", errOff
	}
	t, err := tenants.Require(ctx)
	if err != nil {
		return "", err
	}
	p, ok := planByKey(s.cfg.Plans, in.Plan)
	if !ok {
		return "", errs.Field("plan", "choose a plan: essentiel or entreprise")
	}
	if in.Interval == "" {
		in.Interval = Monthly
	}
	if in.Interval != Monthly && in.Interval != Yearly {
		return "", errs.Field("interval", "choose a billing interval: month or year")
	}
	price := p.Prices[in.Interval]
	if price == "" {
		return "", errs.Field("interval", "this plan has no price for this interval; choose another")
	}
	a, err := s.account(ctx, t)
	if err != nil {
		return "", err
	}
	if a.SubscriptionID != "" && a.Status != Canceled && a.Status != IncompleteExpired {
		return "", errs.E(errs.Conflict, "Your company already has a subscription: change it in the customer portal.")
	}
	customer := a.CustomerID
	if customer == "" {
		if customer, err = s.CreateCustomer(ctx, t.ID); err != nil {
			return "", err
		}
	}
	seats, err := s.store.ActiveSeats(ctx)
	if err != nil {
		return "", err
	}
	q := Quantity(s.cfg.Plans, p.Key, seats)
	url, err := s.stripe.CreateCheckout(ctx, CheckoutInput{TenantID: t.ID, CustomerID: customer, Price: price, Quantity: q,
		Plan: p.Key, Interval: in.Interval, SuccessURL: in.ReturnURL + "?checkout=done", CancelURL: in.ReturnURL,
		Key: "vendredi-checkout-" + uuid.NewString()})
	if err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "Stripe could not be reached; please retry.")
	}
	if err := s.record(ctx, actor, ActionCheckout, map[string]string{"plan": p.Key, "interval": string(in.Interval),
		"quantity": fmt.Sprint(q)}); err != nil {
		return "", err
	}
	return url, nil
}

// Portal opens the Stripe Customer Portal (card, plan, invoices,
// cancellation) for the company of ctx and returns its address.
func (s *Service) Portal(ctx context.Context, returnURL string) (string, error) {
	if !s.On() {
		return "", errOff
	}
	t, err := tenants.Require(ctx)
	if err != nil {
		return "", err
	}
	a, err := s.account(ctx, t)
	if err != nil {
		return "", err
	}
	customer := a.CustomerID
	if customer == "" {
		if customer, err = s.CreateCustomer(ctx, t.ID); err != nil {
			return "", err
		}
	}
	url, err := s.stripe.CreatePortal(ctx, customer, returnURL, "vendredi-portal-"+uuid.NewString())
	if err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "Stripe could not be reached; please retry.")
	}
	return url, nil
}

func (s *Service) record(ctx context.Context, actor *identity.Principal, action string, detail map[string]string) error {
	ev := identity.Event{ActorKind: "system", Action: action, Object: "billing", Detail: detail}
	if actor != nil {
		ev.ActorKind, ev.ActorID, ev.ActorLabel = actor.Kind, &actor.ID, actor.Label()
	}
	return s.store.Record(ctx, ev)
}

// MembersChanged is called when a company's head count may have changed
// (an invitation accepted, a member disabled or enabled, an import): the
// subscription's quantity follows after the debounce, once for any number
// of changes.
func (s *Service) MembersChanged(ctx context.Context) {
	if !s.On() {
		return
	}
	t, ok := tenants.FromContext(ctx)
	if !ok {
		return
	}
	if err := s.jobs.SeatsChanged(ctx, t.ID, s.cfg.SeatDebounce); err != nil {
		slog.WarnContext(ctx, "billing: seat sync not queued; the hourly pass will catch up", "company", t.Slug, "err", err)
	}
}

// SyncSeats sets the subscription's quantity to the company's active seats
// (the plan's minimum at least), with proration, when it differs.
// jobKey makes the Stripe call idempotent across the job's retries.
func (s *Service) SyncSeats(ctx context.Context, tenantID uuid.UUID, jobKey string) error {
	if !s.On() {
		return nil
	}
	t, err := s.companies.ByID(ctx, tenantID)
	if err != nil {
		return err
	}
	ctx = tenants.NewContext(ctx, t)
	a, err := s.store.Account(ctx, t.ID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	seats, err := s.store.ActiveSeats(ctx)
	if err != nil {
		return err
	}
	q := Quantity(s.cfg.Plans, a.Plan, seats)
	if !NeedsSeatSync(a, q) {
		return nil
	}
	if err := s.stripe.SetQuantity(ctx, a.SubscriptionID, a.SubscriptionItemID, q,
		fmt.Sprintf("vendredi-seats-%s-%d-%s", a.SubscriptionID, q, jobKey)); err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Update(ctx, t.ID, func(a *Account) error { a.SeatsSynced = q; return nil }); err != nil {
			return err
		}
		return s.store.Record(ctx, identity.Event{ActorKind: "system", Action: ActionSeats, Object: "billing",
			Detail: map[string]string{"seats": fmt.Sprint(seats), "quantity": fmt.Sprint(q), "from": fmt.Sprint(a.SeatsSynced)}})
	})
	if err != nil {
		return err
	}
	if now, err := s.store.ActiveSeats(ctx); err == nil && Quantity(s.cfg.Plans, a.Plan, now) != q {
		return ErrSeatsMoved
	}
	return nil
}

// ErrSeatsMoved says that the head count moved while the seats were
// synced: the sync runs again after the debounce.
var ErrSeatsMoved = errors.New("billing: the seats moved during the sync")

// ReconcileSeats queues a seat sync for every subscribed company: the
// safety net behind the changes that queue one themselves.
func (s *Service) ReconcileSeats(ctx context.Context) error {
	if !s.On() {
		return nil
	}
	ids, err := s.store.Subscribed(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.jobs.SeatsChanged(ctx, id, 0); err != nil {
			return err
		}
	}
	return nil
}

// Figures are the platform's billing figures.
func (s *Service) Figures(ctx context.Context) (*Figures, error) {
	if !s.On() {
		return &Figures{ByStatus: map[Status]int{}, Currency: "eur"}, nil
	}
	return s.store.Figures(ctx)
}

// Companies lists every company's billing state, for staff.
func (s *Service) Companies(ctx context.Context) ([]CompanyState, error) {
	if !s.On() {
		return nil, nil
	}
	return s.store.Companies(ctx)
}

// Company is one company's billing state for staff; nil without one.
func (s *Service) Company(ctx context.Context, t *tenants.Tenant) (*State, error) {
	if !s.On() {
		return &State{}, nil
	}
	return s.State(tenants.NewContext(ctx, t))
}
