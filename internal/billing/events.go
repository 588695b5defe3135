package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// RawEvent is a webhook event as received and verified.
type RawEvent struct {
	ID          string
	Type        string
	Created     time.Time
	Payload     []byte
	ProcessedAt *time.Time
	Outcome     string
}

// Event types handled; any other is stored and ignored.
const (
	EventCheckoutCompleted   = "checkout.session.completed"
	EventSubscriptionCreated = "customer.subscription.created"
	EventSubscriptionUpdated = "customer.subscription.updated"
	EventSubscriptionDeleted = "customer.subscription.deleted"
	EventTrialWillEnd        = "customer.subscription.trial_will_end"
	EventInvoicePaid         = "invoice.paid"
	EventPaymentFailed       = "invoice.payment_failed"
)

// ErrSignature answers a webhook whose signature does not verify: forged,
// signed with another secret, or too old (replayed after the tolerance).
var ErrSignature = errs.E(errs.Invalid, "the Stripe-Signature header does not verify")

// Receive verifies a webhook's signature on its raw body against the
// endpoint's secret (timestamp tolerance: 5 minutes), stores the event by
// id and queues its work, in one transaction. A replayed event (an id
// already stored) changes nothing. It does no slow work: Stripe gets its
// answer at once.
func (s *Service) Receive(ctx context.Context, body []byte, signature string) (replay bool, err error) {
	if !s.On() || s.cfg.WebhookSecret == "" {
		return false, errOff
	}
	ev, err := webhook.ConstructEventWithOptions(body, signature, s.cfg.WebhookSecret,
		// The events' fields read here are stable across API versions; an
		// endpoint on another version than the library's is accepted.
		webhook.ConstructEventOptions{Tolerance: webhook.DefaultTolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		return false, errs.Wrap(err, errs.Invalid, "the Stripe-Signature header does not verify")
	}
	if ev.ID == "" || ev.Type == "" {
		return false, errs.Field("id", "the event has no id or type")
	}
	raw := &RawEvent{ID: ev.ID, Type: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC(), Payload: body}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		inserted, err := s.store.SaveEvent(ctx, raw)
		if err != nil || !inserted {
			replay = !inserted
			return err
		}
		return s.jobs.EventReceived(ctx, ev.ID)
	})
	return replay, err
}

// Process applies a stored event, once: its outcome is kept with it.
func (s *Service) Process(ctx context.Context, id string) error {
	raw, err := s.store.Event(ctx, id)
	if err != nil {
		return err
	}
	if raw.ProcessedAt != nil {
		return nil
	}
	var ev stripe.Event
	if err := json.Unmarshal(raw.Payload, &ev); err != nil {
		return s.store.EventDone(ctx, id, nil, "unreadable: "+err.Error())
	}
	in, err := parseEvent(&ev)
	if err != nil {
		return s.store.EventDone(ctx, id, nil, "unreadable: "+err.Error())
	}
	if in == nil {
		return s.store.EventDone(ctx, id, nil, "ignored")
	}
	tenantID := in.TenantID
	if in.CustomerID != "" {
		if id, err := s.store.TenantOfCustomer(ctx, in.CustomerID); err == nil {
			tenantID = id
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	if tenantID == uuid.Nil {
		return s.store.EventDone(ctx, id, nil, "no company for customer "+in.CustomerID)
	}
	t, err := s.companies.ByID(ctx, tenantID)
	if errs.Is(err, errs.NotFound) {
		return s.store.EventDone(ctx, id, nil, "company gone")
	}
	if err != nil {
		return err
	}
	ctx = tenants.NewContext(ctx, t)
	if _, err := s.account(ctx, t); err != nil {
		return err
	}
	var after []func(context.Context) error
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var outcome string
		var events []identity.Event
		_, err := s.store.Update(ctx, t.ID, func(a *Account) error {
			outcome, events, after = s.apply(a, in)
			return nil
		})
		if err != nil {
			return err
		}
		if in.Invoice != nil {
			inv := *in.Invoice
			inv.TenantID = t.ID
			if err := s.store.SaveInvoice(ctx, &inv); err != nil {
				return err
			}
		}
		for _, e := range events {
			if err := s.store.Record(ctx, e); err != nil {
				return err
			}
		}
		for _, f := range after {
			if err := f(ctx); err != nil {
				return err
			}
		}
		return s.store.EventDone(ctx, id, &t.ID, outcome)
	})
	return err
}

// event is what billing reads of a Stripe event.
type event struct {
	ID, Type   string
	Created    time.Time
	CustomerID string
	TenantID   uuid.UUID
	// Subscription's state (subscription and checkout events).
	SubscriptionID, ItemID, Price string
	Status                        Status
	Quantity                      int
	AmountCents                   int64
	Currency                      string
	Interval                      Interval
	PeriodEnd                     *time.Time
	Plan                          string // checkout metadata
	Invoice                       *Invoice
}

// parseEvent reads a handled event; nil for a type billing ignores.
func parseEvent(ev *stripe.Event) (*event, error) {
	out := &event{ID: ev.ID, Type: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC()}
	if ev.Data == nil {
		return nil, fmt.Errorf("no data")
	}
	switch out.Type {
	case EventCheckoutCompleted:
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
			return nil, err
		}
		if cs.Customer != nil {
			out.CustomerID = cs.Customer.ID
		}
		if cs.Subscription != nil {
			out.SubscriptionID = cs.Subscription.ID
		}
		out.TenantID, _ = uuid.Parse(cs.ClientReferenceID)
		out.Plan = cs.Metadata["plan"]
		out.Interval = Interval(cs.Metadata["interval"])
	case EventSubscriptionCreated, EventSubscriptionUpdated, EventSubscriptionDeleted, EventTrialWillEnd:
		var sub stripe.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil {
			return nil, err
		}
		out.SubscriptionID, out.Status, out.Currency = sub.ID, Status(sub.Status), string(sub.Currency)
		if sub.Customer != nil {
			out.CustomerID = sub.Customer.ID
		}
		out.TenantID, _ = uuid.Parse(sub.Metadata["tenant_id"])
		if sub.CurrentPeriodEnd > 0 {
			t := time.Unix(sub.CurrentPeriodEnd, 0).UTC()
			out.PeriodEnd = &t
		}
		if sub.Items != nil && len(sub.Items.Data) > 0 {
			it := sub.Items.Data[0]
			out.ItemID, out.Quantity = it.ID, int(it.Quantity)
			if it.Price != nil {
				out.Price = it.Price.ID
				out.AmountCents = it.Price.UnitAmount * it.Quantity
				if it.Price.Recurring != nil {
					out.Interval = Interval(it.Price.Recurring.Interval)
				}
			}
		}
		if out.Type == EventSubscriptionDeleted {
			out.Status = Canceled
		}
		if !out.Status.known() {
			return nil, fmt.Errorf("unknown subscription status %q", sub.Status)
		}
	case EventInvoicePaid, EventPaymentFailed:
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return nil, err
		}
		if inv.Customer != nil {
			out.CustomerID = inv.Customer.ID
		}
		if inv.Subscription != nil {
			out.SubscriptionID = inv.Subscription.ID
		}
		amount := inv.AmountDue
		if out.Type == EventInvoicePaid {
			amount = inv.AmountPaid
		}
		out.Invoice = &Invoice{ID: inv.ID, Number: inv.Number, Status: string(inv.Status), AmountCents: amount,
			Currency: string(inv.Currency), Created: time.Unix(inv.Created, 0).UTC(), PDFURL: inv.InvoicePDF,
			HostedURL: inv.HostedInvoiceURL, EventAt: out.Created}
		if inv.Created == 0 {
			out.Invoice.Created = out.Created
		}
		if inv.ID == "" {
			return nil, fmt.Errorf("invoice without id")
		}
	default:
		return nil, nil
	}
	return out, nil
}

// apply changes the account by the event, newer state only, and returns
// the event's outcome, its audit entries and what to do with it in the same
// unit of work (mails, a scheduled suspension, a resumption).
func (s *Service) apply(a *Account, ev *event) (string, []identity.Event, []func(context.Context) error) {
	var (
		audit []identity.Event
		after []func(context.Context) error
	)
	from := a.Status
	note := func(action string, detail map[string]string) {
		if detail == nil {
			detail = map[string]string{}
		}
		detail["event"] = ev.ID
		audit = append(audit, identity.Event{ActorKind: "system", ActorLabel: "Stripe", Action: action, Object: "billing", Detail: detail})
	}
	if a.CustomerID == "" && ev.CustomerID != "" {
		a.CustomerID = ev.CustomerID
	}
	switch ev.Type {
	case EventCheckoutCompleted:
		if ev.SubscriptionID != "" && (a.SubscriptionID == "" || a.Status == Canceled || a.Status == IncompleteExpired) {
			a.SubscriptionID = ev.SubscriptionID
		}
		if !Newer(ev.Created, a.SubscriptionAt) {
			return "stale", nil, nil
		}
		if ev.Plan != "" {
			a.Plan = ev.Plan
		}
		if ev.Interval != "" {
			a.Interval = ev.Interval
		}
		a.Status, a.SubscriptionAt, a.CanceledAt = Active, ev.Created, nil
		s.overlay(a)
		note(ActionSubscription, map[string]string{"from": string(from), "to": string(a.Status), "plan": a.Plan})
		after = append(after, s.resumeIfSuspended(a))
	case EventSubscriptionCreated, EventSubscriptionUpdated, EventSubscriptionDeleted:
		if a.SubscriptionID != "" && ev.SubscriptionID != a.SubscriptionID && a.Status != Canceled && ev.Type != EventSubscriptionCreated {
			return "another subscription", nil, nil
		}
		if !Newer(ev.Created, a.SubscriptionAt) {
			return "stale", nil, nil
		}
		a.SubscriptionID, a.SubscriptionAt = ev.SubscriptionID, ev.Created
		if ev.ItemID != "" {
			a.SubscriptionItemID, a.Quantity, a.SeatsSynced, a.AmountCents = ev.ItemID, ev.Quantity, ev.Quantity, ev.AmountCents
		}
		if p, iv, ok := planOf(s.cfg.Plans, ev.Price); ok {
			a.Plan, a.Interval = p.Key, iv
		} else if ev.Interval == Monthly || ev.Interval == Yearly {
			a.Interval = ev.Interval
		}
		if ev.Currency != "" {
			a.Currency = ev.Currency
		}
		a.CurrentPeriodEnd = ev.PeriodEnd
		a.Status = ev.Status
		switch a.Status {
		case PastDue, Unpaid:
			if a.PastDueSince == nil {
				t := ev.Created
				a.PastDueSince = &t
			}
		case Active, Trialing:
			a.PastDueSince = nil
		}
		if a.Status == Canceled {
			if a.CanceledAt == nil {
				t := ev.Created
				a.CanceledAt = &t
			}
			tenantID, at := a.TenantID, ev.Created.Add(s.cfg.SuspendNotice)
			after = append(after, func(ctx context.Context) error { return s.jobs.SuspendAt(ctx, tenantID, at) },
				s.mailAdmins(mailCanceled, at))
		} else {
			a.CanceledAt = nil
			after = append(after, s.resumeIfSuspended(a))
		}
		s.overlay(a)
		note(ActionSubscription, map[string]string{"from": string(from), "to": string(a.Status), "plan": a.Plan,
			"quantity": fmt.Sprint(a.Quantity)})
	case EventTrialWillEnd:
		note(ActionTrialWillEnd, nil)
		end := a.TrialEndsAt
		if ev.PeriodEnd != nil {
			end = *ev.PeriodEnd
		}
		after = append(after, s.mailAdmins(mailTrialEnds, end))
	case EventInvoicePaid:
		if !Newer(ev.Created, a.PaymentAt) {
			return "stale", nil, nil
		}
		a.PaymentAt, a.PastDueSince = ev.Created, nil
		if a.Status == PastDue || a.Status == Unpaid {
			a.Status = Active
		}
		note(ActionInvoicePaid, map[string]string{"invoice": ev.Invoice.ID, "amount_cents": fmt.Sprint(ev.Invoice.AmountCents),
			"from": string(from), "to": string(a.Status)})
		after = append(after, s.resumeIfSuspended(a))
	case EventPaymentFailed:
		if !Newer(ev.Created, a.PaymentAt) {
			return "stale", nil, nil
		}
		a.PaymentAt = ev.Created
		if a.PastDueSince == nil {
			t := ev.Created
			a.PastDueSince = &t
		}
		if a.Status == Active || a.Status == Trialing {
			a.Status = PastDue
		}
		note(ActionPaymentFailed, map[string]string{"invoice": ev.Invoice.ID, "amount_cents": fmt.Sprint(ev.Invoice.AmountCents),
			"from": string(from), "to": string(a.Status)})
		after = append(after, s.mailAdmins(mailPaymentFailed, a.PastDueSince.Add(s.cfg.Grace)))
	}
	return "applied", audit, after
}

// overlay lets the newer of the two clocks decide whether money is owed:
// a payment newer than the subscription's last state says more than it.
func (s *Service) overlay(a *Account) {
	if !a.PaymentAt.After(a.SubscriptionAt) {
		return
	}
	switch {
	case a.PastDueSince == nil && (a.Status == PastDue || a.Status == Unpaid):
		a.Status = Active
	case a.PastDueSince != nil && a.Status == Active:
		a.Status = PastDue
	}
}

// resumeIfSuspended resumes a company that billing suspended, once its
// subscription lives again.
func (s *Service) resumeIfSuspended(a *Account) func(context.Context) error {
	if !a.SuspendedByBilling || a.Status == Canceled {
		return func(context.Context) error { return nil }
	}
	a.SuspendedByBilling = false
	return func(ctx context.Context) error {
		t, err := tenants.Require(ctx)
		if err != nil {
			return err
		}
		if _, err := s.companies.SetStatus(ctx, t.Slug, tenants.Active); err != nil {
			return err
		}
		return s.store.Record(ctx, identity.Event{ActorKind: "system", ActorLabel: "Stripe", Action: ActionResumed, Object: "tenant:" + t.Slug})
	}
}

// SuspendIfCanceled suspends the company whose subscription ended, after
// the notice, unless it subscribed again meanwhile.
func (s *Service) SuspendIfCanceled(ctx context.Context, tenantID uuid.UUID) error {
	if !s.On() {
		return nil
	}
	t, err := s.companies.ByID(ctx, tenantID)
	if err != nil {
		return err
	}
	ctx = tenants.NewContext(ctx, t)
	return s.store.InTx(ctx, func(ctx context.Context) error {
		suspend := false
		_, err := s.store.Update(ctx, t.ID, func(a *Account) error {
			if a.Status == Canceled && a.CanceledAt != nil && !s.Now().Before(a.CanceledAt.Add(s.cfg.SuspendNotice)) &&
				t.Status == tenants.Active {
				a.SuspendedByBilling, suspend = true, true
			}
			return nil
		})
		if err != nil || !suspend {
			return err
		}
		if _, err := s.companies.SetStatus(ctx, t.Slug, tenants.Suspended); err != nil {
			return err
		}
		return s.store.Record(ctx, identity.Event{ActorKind: "system", Action: ActionSuspended, Object: "tenant:" + t.Slug})
	})
}
