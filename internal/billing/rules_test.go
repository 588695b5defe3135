package billing

import (
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
)

var (
	now   = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	grace = 14 * 24 * time.Hour
)

func ago(d time.Duration) *time.Time { t := now.Add(-d); return &t }

func TestReadOnlyAndGrace(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name              string
		a                 Account
		inGrace, readOnly bool
	}{
		{"trial running", Account{Status: Trialing, TrialEndsAt: now.Add(10 * day)}, false, false},
		{"trial just over", Account{Status: Trialing, TrialEndsAt: now.Add(-day)}, true, false},
		{"trial over past grace", Account{Status: Trialing, TrialEndsAt: now.Add(-15 * day)}, false, true},
		{"trialing subscription is paid up", Account{Status: Trialing, SubscriptionID: "sub", TrialEndsAt: now.Add(-30 * day)}, false, false},
		{"active", Account{Status: Active, SubscriptionID: "sub"}, false, false},
		{"past due a day", Account{Status: PastDue, SubscriptionID: "sub", PastDueSince: ago(day)}, true, false},
		{"past due 13 days", Account{Status: PastDue, SubscriptionID: "sub", PastDueSince: ago(13 * day)}, true, false},
		{"past due 14 days", Account{Status: PastDue, SubscriptionID: "sub", PastDueSince: ago(14 * day)}, false, true},
		{"unpaid 20 days", Account{Status: Unpaid, SubscriptionID: "sub", PastDueSince: ago(20 * day)}, false, true},
		{"canceled", Account{Status: Canceled, SubscriptionID: "sub"}, false, true},
	}
	for _, c := range cases {
		if got := InGrace(&c.a, now, grace); got != c.inGrace {
			t.Errorf("%s: InGrace = %v, want %v", c.name, got, c.inGrace)
		}
		if got := ReadOnly(&c.a, now, grace); got != c.readOnly {
			t.Errorf("%s: ReadOnly = %v, want %v", c.name, got, c.readOnly)
		}
	}
}

// employeeMay is the matrix's employee role, as far as these cases go.
func employeeMay(obj, act string) bool {
	switch obj + ":" + act {
	case "participations:create", "participations:cancel", "hours:create", "hours:update", "profile:update":
		return true
	}
	return false
}

func TestRefuses(t *testing.T) {
	plans := DefaultPlans()
	lapsed := &Account{Status: PastDue, SubscriptionID: "sub", Plan: "entreprise", PastDueSince: ago(15 * 24 * time.Hour)}
	graced := &Account{Status: PastDue, SubscriptionID: "sub", Plan: "entreprise", PastDueSince: ago(24 * time.Hour)}
	essentiel := &Account{Status: Active, SubscriptionID: "sub", Plan: "essentiel"}
	entreprise := &Account{Status: Active, SubscriptionID: "sub", Plan: "entreprise"}
	trial := &Account{Status: Trialing, TrialEndsAt: now.Add(24 * time.Hour)}
	canceled := &Account{Status: Canceled, SubscriptionID: "sub", Plan: "entreprise"}
	cases := []struct {
		name          string
		a             *Account
		obj, act, rte string
		want          string // "" for allowed, else the message
	}{
		{"no account", nil, "invitations", "create", "/api/v1/invitations", ""},
		{"lapsed: HR invites", lapsed, "invitations", "create", "/api/v1/invitations", MsgReadOnly},
		{"lapsed: HR changes a member", lapsed, "members", "update", "/api/v1/members/:id", MsgReadOnly},
		{"lapsed: HR reads", lapsed, "members", "read", "/api/v1/members", ""},
		{"lapsed: employee applies", lapsed, "participations", "create", "/api/v1/campaigns/:id/participations", ""},
		{"lapsed: employee logs hours", lapsed, "hours", "create", "/api/v1/participations/:id/hours", ""},
		{"lapsed: HR pays", lapsed, "billing", "update", "/api/v1/billing/portal", ""},
		{"lapsed: sign out", lapsed, "session", "delete", "/api/v1/auth/sign-out", ""},
		{"in grace: HR invites", graced, "invitations", "create", "/api/v1/invitations", ""},
		{"canceled: HR launches", canceled, "campaigns", "publish", "/api/v1/campaigns/:id/launch", MsgCanceled},
		{"essentiel: API token", essentiel, "api_tokens", "create", "/api/v1/api-tokens", MsgFeature},
		{"essentiel: allocation", essentiel, "campaigns", "update", "/api/v1/campaigns/:id/allocation", MsgFeature},
		{"essentiel: campaign settings", essentiel, "campaigns", "update", "/api/v1/campaigns/:id", ""},
		{"entreprise: API token", entreprise, "api_tokens", "create", "/api/v1/api-tokens", ""},
		{"trial: allocation", trial, "campaigns", "update", "/admin/campaigns/:id/allocation", ""},
	}
	for _, c := range cases {
		err := Refuses(plans, c.a, now, grace, employeeMay, c.obj, c.act, c.rte)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused (%v), want allowed", c.name, err)
		case c.want != "" && (errs.CodeOf(err) != errs.Forbidden || errs.MessageOf(err) != c.want):
			t.Errorf("%s: %v, want forbidden: %s", c.name, err, c.want)
		}
	}
}

func TestQuantityNeverBelowThePlanMinimum(t *testing.T) {
	plans := DefaultPlans()
	cases := []struct {
		plan        string
		seats, want int
	}{
		{"essentiel", 0, 5}, {"essentiel", 3, 5}, {"essentiel", 12, 12}, {"entreprise", 12, 20}, {"entreprise", 250, 250}, {"", 0, 1}, {"", 7, 7},
	}
	for _, c := range cases {
		if got := Quantity(plans, c.plan, c.seats); got != c.want {
			t.Errorf("Quantity(%q, %d) = %d, want %d", c.plan, c.seats, got, c.want)
		}
	}
}

func TestNewerAndSeatSync(t *testing.T) {
	if Newer(now.Add(-time.Second), now) || !Newer(now, now) || !Newer(now.Add(time.Second), now) {
		t.Error("an older event must not apply; the same second or later must")
	}
	cases := []struct {
		name string
		a    Account
		q    int
		want bool
	}{
		{"no subscription", Account{Status: Trialing}, 12, false},
		{"same quantity", Account{Status: Active, SubscriptionID: "s", SubscriptionItemID: "si", SeatsSynced: 12}, 12, false},
		{"more seats", Account{Status: Active, SubscriptionID: "s", SubscriptionItemID: "si", SeatsSynced: 12}, 13, true},
		{"past due still follows", Account{Status: PastDue, SubscriptionID: "s", SubscriptionItemID: "si", SeatsSynced: 12}, 11, true},
		{"canceled never", Account{Status: Canceled, SubscriptionID: "s", SubscriptionItemID: "si", SeatsSynced: 12}, 13, false},
	}
	for _, c := range cases {
		if got := NeedsSeatSync(&c.a, c.q); got != c.want {
			t.Errorf("%s: NeedsSeatSync = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMonthlyRevenue(t *testing.T) {
	cases := []struct {
		a    Account
		want int64
	}{
		{Account{Status: Active, Interval: Monthly, AmountCents: 12000}, 12000},
		{Account{Status: PastDue, Interval: Yearly, AmountCents: 120000}, 10000},
		{Account{Status: Trialing, Interval: Monthly, AmountCents: 12000}, 0},
		{Account{Status: Canceled, Interval: Monthly, AmountCents: 12000}, 0},
	}
	for _, c := range cases {
		if got := MonthlyCents(&c.a); got != c.want {
			t.Errorf("MonthlyCents(%+v) = %d, want %d", c.a, got, c.want)
		}
	}
}

func TestParsePrices(t *testing.T) {
	plans, err := ParsePrices(DefaultPlans(), "essentiel:month=price_a, entreprise:year=price_b")
	if err != nil {
		t.Fatal(err)
	}
	if p, iv, ok := planOf(plans, "price_b"); !ok || p.Key != "entreprise" || iv != Yearly {
		t.Errorf("price_b is %v %v %v, want entreprise yearly", p, iv, ok)
	}
	for _, bad := range []string{"essentiel=price", "gold:month=price", "essentiel:week=price", "essentiel:month="} {
		if _, err := ParsePrices(DefaultPlans(), bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("ParsePrices(%q) = %v, want an invalid setting", bad, err)
		}
	}
}
