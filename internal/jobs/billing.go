package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vendredi-app/vendredi/internal/billing"
)

// Billing's background work: the webhook events (stored by the handler,
// worked here), the Stripe customer of a new company, the seat count
// (debounced), the suspension after a subscription ended, and an hourly
// seat reconciliation.

// Billing is what billing's workers call (billing.Service).
type Billing interface {
	Process(ctx context.Context, eventID string) error
	CreateCustomer(ctx context.Context, tenantID uuid.UUID) (string, error)
	SyncSeats(ctx context.Context, tenantID uuid.UUID, jobKey string) error
	SuspendIfCanceled(ctx context.Context, tenantID uuid.UUID) error
	ReconcileSeats(ctx context.Context) error
}

// BillingEventArgs works one stored Stripe event.
type BillingEventArgs struct {
	Event string `json:"event_id"`
}

// Kind implements river.JobArgs.
func (BillingEventArgs) Kind() string { return "billing_event" }

// BillingCustomerArgs creates a company's Stripe customer.
type BillingCustomerArgs struct {
	Tenant uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (BillingCustomerArgs) Kind() string { return "billing_customer" }

// BillingSeatsArgs sets a company's subscription quantity to its seats.
type BillingSeatsArgs struct {
	Tenant uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (BillingSeatsArgs) Kind() string { return "billing_seats" }

// BillingSuspendArgs suspends a company whose subscription ended, after
// the notice.
type BillingSuspendArgs struct {
	Tenant uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (BillingSuspendArgs) Kind() string { return "billing_suspend" }

// BillingReconcileArgs queues a seat sync for every subscribed company.
type BillingReconcileArgs struct{}

// Kind implements river.JobArgs.
func (BillingReconcileArgs) Kind() string { return "billing_reconcile" }

// waiting are the states in which a seat job is still to finish: a second
// change then finds it and adds nothing (the debounce). River requires the
// running state among them: a change during a sync is caught by the job
// itself, which runs again after the debounce when the count moved while
// it ran (billing.ErrSeatsMoved), and by the hourly reconciliation.
var waiting = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable}

// BillingJobs is billing.Jobs on the queue.
type BillingJobs struct{ q *Queue }

// BillingJobs returns billing's queue.
func (q *Queue) BillingJobs() BillingJobs { return BillingJobs{q: q} }

var _ billing.Jobs = BillingJobs{}

// EventReceived implements billing.Jobs; unique by event, for good
// measure behind the events table's key.
func (b BillingJobs) EventReceived(ctx context.Context, id string) error {
	_, err := b.q.Insert(ctx, BillingEventArgs{Event: id}, &river.InsertOpts{MaxAttempts: 20, UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// CustomerNeeded implements billing.Jobs.
func (b BillingJobs) CustomerNeeded(ctx context.Context, tenantID uuid.UUID) error {
	_, err := b.q.Insert(ctx, BillingCustomerArgs{Tenant: tenantID}, &river.InsertOpts{MaxAttempts: 20,
		UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// SeatsChanged implements billing.Jobs: one job per company waits for the
// debounce; the changes made meanwhile find it and add nothing, so Stripe
// is called at most once per company per debounce.
func (b BillingJobs) SeatsChanged(ctx context.Context, tenantID uuid.UUID, debounce time.Duration) error {
	_, err := b.q.Insert(ctx, BillingSeatsArgs{Tenant: tenantID}, &river.InsertOpts{ScheduledAt: at(time.Now().Add(debounce)),
		MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waiting}})
	return err
}

// SuspendAt implements billing.Jobs.
func (b BillingJobs) SuspendAt(ctx context.Context, tenantID uuid.UUID, when time.Time) error {
	_, err := b.q.Insert(ctx, BillingSuspendArgs{Tenant: tenantID}, &river.InsertOpts{ScheduledAt: at(when), MaxAttempts: 10,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waiting}})
	return err
}

// at is when a job should run: a time already past runs it at once
// (River would otherwise wait for its scheduler to promote it).
func at(t time.Time) time.Time {
	if !t.After(time.Now().Add(time.Second)) {
		return time.Time{}
	}
	return t
}

func (q *Queue) addBillingWorkers(w *river.Workers) {
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[BillingEventArgs]) error {
		if q.svc.Billing == nil {
			return nil
		}
		return q.svc.Billing.Process(ctx, j.Args.Event)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[BillingCustomerArgs]) error {
		if q.svc.Billing == nil {
			return nil
		}
		_, err := q.svc.Billing.CreateCustomer(ctx, j.Args.Tenant)
		return err
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[BillingSeatsArgs]) error {
		if q.svc.Billing == nil {
			return nil
		}
		err := q.svc.Billing.SyncSeats(ctx, j.Args.Tenant, fmt.Sprintf("%d-%d", j.ID, j.Attempt))
		if errors.Is(err, billing.ErrSeatsMoved) {
			return river.JobSnooze(q.svc.BillingDebounce)
		}
		return err
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[BillingSuspendArgs]) error {
		if q.svc.Billing == nil {
			return nil
		}
		return q.svc.Billing.SuspendIfCanceled(ctx, j.Args.Tenant)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[BillingReconcileArgs]) error {
		if q.svc.Billing == nil {
			return nil
		}
		return q.svc.Billing.ReconcileSeats(ctx)
	}))
}
