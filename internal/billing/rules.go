package billing

import (
	"strings"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// The rules, as predicates on an Account. Each is one function, so that
// grepping its name finds every place it decides.

// Messages of the refusals, one sentence each (translated in
// web/i18n/errors.fr.json).
const (
	MsgReadOnly = "Your company's subscription is unpaid: administration is read-only until the payment goes through. " +
		"Update the card on the billing page; employees keep taking part and logging hours."
	MsgCanceled = "Your company's subscription has ended: administration is read-only. Subscribe again on the billing page."
	MsgFeature  = "Your plan does not include this feature: choose the Entreprise plan on the billing page."
)

// GraceStart is when the company's grace period began: its first unpaid
// payment, or the end of a trial nobody subscribed after. Nil when nothing
// is owed.
func GraceStart(a *Account) *time.Time {
	switch a.Status {
	case PastDue, Unpaid:
		if a.PastDueSince != nil {
			return a.PastDueSince
		}
		t := a.SubscriptionAt
		return &t
	case Trialing:
		if a.SubscriptionID == "" {
			t := a.TrialEndsAt
			return &t
		}
	}
	return nil
}

// InGrace reports whether a payment is owed and the grace period runs: HR
// pages carry a banner, nothing is refused yet.
func InGrace(a *Account, now time.Time, grace time.Duration) bool {
	s := GraceStart(a)
	return s != nil && !now.Before(*s) && now.Before(s.Add(grace))
}

// ReadOnly reports whether the company's administration is read-only: a
// payment owed past the grace period, or a subscription that ended.
// Employees and associations are never concerned (Refuses).
func ReadOnly(a *Account, now time.Time, grace time.Duration) bool {
	if a.Status == Canceled || a.Status == IncompleteExpired {
		return true
	}
	s := GraceStart(a)
	return s != nil && !now.Before(s.Add(grace))
}

// Trial reports whether the company is in its trial, before any
// subscription: every feature is open, to be tried.
func Trial(a *Account) bool { return a.Status == Trialing && a.SubscriptionID == "" }

// Allows reports whether the company's plan opens f. A trial opens all.
func Allows(plans []Plan, a *Account, f Feature) bool {
	if Trial(a) {
		return true
	}
	p, ok := planByKey(plans, a.Plan)
	return ok && p.Has(f)
}

// FeatureRule names the feature a route needs: its permission (object and
// action of policies/matrix.csv) and, where one permission covers several
// operations, the end of its route's path.
type FeatureRule struct {
	Feature   Feature
	Obj, Act  string
	RouteTail string
}

// FeatureRules are the routes a plan must open, beside the permissions
// that the same check (authz's gate) enforces.
var FeatureRules = []FeatureRule{
	{Feature: FeatureAPITokens, Obj: "api_tokens", Act: "create"},
	{Feature: FeatureAllocation, Obj: "campaigns", Act: "update", RouteTail: "/allocation"},
}

// FeatureOf is the feature a route needs, if any.
func FeatureOf(obj, act, route string) (Feature, bool) {
	for _, r := range FeatureRules {
		if r.Obj == obj && r.Act == act && (r.RouteTail == "" || strings.HasSuffix(route, r.RouteTail)) {
			return r.Feature, true
		}
	}
	return "", false
}

// AdminWrite reports whether an operation is an HR admin's write, which a
// read-only company refuses: a change that the employee role may not make
// (employees keep signing up and logging hours, whatever the company owes),
// billing itself aside (one must be able to pay) and signing out aside.
func AdminWrite(employeeMay func(obj, act string) bool, obj, act string) bool {
	if act == "read" || obj == "billing" || obj == "session" {
		return false
	}
	return !employeeMay(obj, act)
}

// Refuses is the one check of a company's billing on a route: the plan's
// features, then read-only administration. nil lets the route through.
func Refuses(plans []Plan, a *Account, now time.Time, grace time.Duration, employeeMay func(obj, act string) bool,
	obj, act, route string) error {
	if a == nil {
		return nil
	}
	if AdminWrite(employeeMay, obj, act) && ReadOnly(a, now, grace) {
		if a.Status == Canceled || a.Status == IncompleteExpired {
			return errs.E(errs.Forbidden, MsgCanceled)
		}
		return errs.E(errs.Forbidden, MsgReadOnly)
	}
	if f, ok := FeatureOf(obj, act, route); ok && !Allows(plans, a, f) {
		return errs.E(errs.Forbidden, MsgFeature)
	}
	return nil
}

// Quantity is the quantity to bill for seats active members: never below
// the plan's minimum.
func Quantity(plans []Plan, plan string, seats int) int {
	q := max(seats, 1)
	if p, ok := planByKey(plans, plan); ok {
		q = max(q, p.MinSeats)
	}
	return q
}

// Newer reports whether an event created at `at` may change a state last
// changed by an event created at `last`: an older event never overwrites a
// newer state. Events of the same second apply in arrival order.
func Newer(at, last time.Time) bool { return !at.Before(last) }

// NeedsSeatSync reports whether the subscription's quantity must follow
// the head count: a live subscription whose quantity, as last asked or
// reported (SeatsSynced), differs.
func NeedsSeatSync(a *Account, quantity int) bool {
	if a.SubscriptionID == "" || a.SubscriptionItemID == "" {
		return false
	}
	switch a.Status {
	case Active, PastDue, Trialing:
		return quantity != a.SeatsSynced
	}
	return false
}

// MonthlyCents is what an account brings in a month, for the MRR: the
// subscriptions that bill (active, past due), a yearly one for a twelfth.
func MonthlyCents(a *Account) int64 {
	if a.Status != Active && a.Status != PastDue {
		return 0
	}
	if a.Interval == Yearly {
		return a.AmountCents / 12
	}
	return a.AmountCents
}
