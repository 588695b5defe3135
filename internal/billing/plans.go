package billing

import (
	"slices"
	"strings"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Interval is how often a plan is billed.
type Interval string

const (
	Monthly Interval = "month"
	Yearly  Interval = "year"
)

// Feature is something a plan opens.
type Feature string

const (
	// FeatureAllocation is the campaign-wide allocation (min-cost flow).
	FeatureAllocation Feature = "allocation"
	// FeatureAPITokens lets HR admins create API tokens.
	FeatureAPITokens Feature = "api_tokens"
	// FeatureSSO is single sign-on (SAML/OIDC), when it ships.
	FeatureSSO Feature = "sso"
)

// Plan is what a company subscribes to.
type Plan struct {
	Key  string // "essentiel", "entreprise"
	Name string
	// MinSeats is the least quantity billed, whatever the head count.
	MinSeats int
	Features []Feature
	// Prices are the Stripe Price ids by interval, from configuration.
	Prices map[Interval]string
}

// Has reports whether the plan opens f.
func (p *Plan) Has(f Feature) bool { return slices.Contains(p.Features, f) }

// DefaultPlans are the product's plans; configuration gives their Price ids
// (STRIPE_PRICES).
func DefaultPlans() []Plan {
	return []Plan{
		{Key: "essentiel", Name: "Essentiel", MinSeats: 5, Prices: map[Interval]string{}},
		{Key: "entreprise", Name: "Entreprise", MinSeats: 20, Features: []Feature{FeatureAllocation, FeatureAPITokens, FeatureSSO},
			Prices: map[Interval]string{}},
	}
}

// ParsePrices reads STRIPE_PRICES, "plan:interval=price_id" separated by
// commas (essentiel:month=price_123,essentiel:year=price_456,…), into
// plans. An unknown plan or interval is an error naming it.
func ParsePrices(plans []Plan, s string) ([]Plan, error) {
	out := make([]Plan, len(plans))
	for i, p := range plans {
		out[i] = p
		out[i].Prices = map[Interval]string{}
		for k, v := range p.Prices {
			out[i].Prices[k] = v
		}
	}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, price, ok := strings.Cut(item, "=")
		plan, interval, ok2 := strings.Cut(key, ":")
		if !ok || !ok2 || strings.TrimSpace(price) == "" {
			return nil, errs.Field("STRIPE_PRICES", "%q is not plan:interval=price_id", item)
		}
		i := slices.IndexFunc(out, func(p Plan) bool { return p.Key == strings.TrimSpace(plan) })
		if i < 0 {
			return nil, errs.Field("STRIPE_PRICES", "no plan %q (plans: essentiel, entreprise)", plan)
		}
		iv := Interval(strings.TrimSpace(interval))
		if iv != Monthly && iv != Yearly {
			return nil, errs.Field("STRIPE_PRICES", "interval %q is neither month nor year", interval)
		}
		out[i].Prices[iv] = strings.TrimSpace(price)
	}
	return out, nil
}

// planOf finds the plan and interval a Stripe Price id belongs to.
func planOf(plans []Plan, price string) (*Plan, Interval, bool) {
	for i := range plans {
		for iv, id := range plans[i].Prices {
			if id == price && price != "" {
				return &plans[i], iv, true
			}
		}
	}
	return nil, "", false
}

func planByKey(plans []Plan, key string) (*Plan, bool) {
	i := slices.IndexFunc(plans, func(p Plan) bool { return p.Key == key })
	if i < 0 {
		return nil, false
	}
	return &plans[i], true
}
