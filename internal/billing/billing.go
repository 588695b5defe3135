// Package billing is how companies pay for Vendredi: plans and the features
// they open, a 30-day trial from onboarding, a Stripe customer per company,
// subscriptions per active seat bought through Stripe Checkout and managed
// in the Customer Portal, and the subscription's state as Stripe's signed
// webhooks report it: stored by event id (a replay changes nothing), applied
// only when newer than what was applied (order does not matter), worked in
// the background.
//
// The rules are predicates on an Account (ReadOnly, InGrace, Refuses,
// Allows…), tested by table; the Service runs them against a Store and a
// Stripe client. With no Stripe key billing is off: every predicate lets
// everything through and the product runs as without billing.
package billing

import (
	"time"

	"github.com/google/uuid"
)

// Status is a subscription's status, Stripe's words.
type Status string

const (
	Trialing          Status = "trialing"
	Active            Status = "active"
	PastDue           Status = "past_due"
	Unpaid            Status = "unpaid"
	Canceled          Status = "canceled"
	Incomplete        Status = "incomplete"
	IncompleteExpired Status = "incomplete_expired"
	Paused            Status = "paused"
)

// Statuses are the statuses staff count companies by, in that order.
var Statuses = []Status{Trialing, Active, PastDue, Canceled}

// known reports whether s is a status Stripe may send.
func (s Status) known() bool {
	switch s {
	case Trialing, Active, PastDue, Unpaid, Canceled, Incomplete, IncompleteExpired, Paused:
		return true
	}
	return false
}

// Account is a company's billing state.
type Account struct {
	TenantID           uuid.UUID
	CustomerID         string
	SubscriptionID     string
	SubscriptionItemID string
	Plan               string // a Plan's Key; empty while trialing without one
	Interval           Interval
	Status             Status
	TrialEndsAt        time.Time
	CurrentPeriodEnd   *time.Time
	// Quantity is the subscription's quantity as Stripe reported it;
	// SeatsSynced the one this product last asked for.
	Quantity    int
	SeatsSynced int
	// AmountCents is what the subscription bills per Interval.
	AmountCents        int64
	Currency           string
	PastDueSince       *time.Time
	CanceledAt         *time.Time
	SuspendedByBilling bool
	// SubscriptionAt and PaymentAt are the `created` of the newest event
	// applied to the subscription's state and to the payment state.
	SubscriptionAt time.Time
	PaymentAt      time.Time
	CreatedAt      time.Time
}

// Invoice is one of a company's invoices as Stripe reported it.
type Invoice struct {
	ID          string    `json:"id"`
	TenantID    uuid.UUID `json:"-"`
	Number      string    `json:"number"`
	Status      string    `json:"status"`
	AmountCents int64     `json:"amount_cents"`
	Currency    string    `json:"currency"`
	Created     time.Time `json:"created"`
	PDFURL      string    `json:"pdf_url"`
	HostedURL   string    `json:"hosted_url"`
	EventAt     time.Time `json:"-"`
}

// Figures are the platform's billing figures for staff.
type Figures struct {
	// MRRCents is the monthly recurring revenue of the subscriptions that
	// bill (active and past due), a yearly one counting for a twelfth.
	MRRCents int64          `json:"mrr_cents"`
	Currency string         `json:"currency"`
	ByStatus map[Status]int `json:"by_status"`
	// Seats are the seats the billing subscriptions pay for.
	Seats int `json:"seats"`
}

// CompanyState is one company's billing state for staff.
type CompanyState struct {
	TenantID uuid.UUID `json:"-"`
	Slug     string    `json:"slug"`
	Name     string    `json:"name"`
	Account
}
