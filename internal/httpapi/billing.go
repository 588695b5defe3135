package httpapi

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/billing"
	"github.com/vendredi-app/vendredi/tenants"
)

// billingRoutes are billing's API and pages, side by side: the HR admin's
// billing page (plan, seats, status, next invoice, invoices; Checkout and
// the Customer Portal), the staff's figures and each company's state, and
// Stripe's webhooks (stripe_webhooks.go). Each operation's permission is
// declared once and shared by its API route and its page.
func (s *Server) billingRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, update := enf.Route("billing", "read"), enf.Route("billing", "update")
	api.Get("/billing", read, s.billingState)
	api.Post("/billing/checkout", update, s.billingCheckout)
	api.Post("/billing/portal", update, s.billingPortal)
	app.Get("/admin/billing", read, s.billingPage)
	app.Post("/admin/billing/checkout", update, s.billingCheckoutSubmit)
	app.Post("/admin/billing/portal", update, s.billingPortalSubmit)

	// Staff, on the bare domain (staffOnly guards /platform).
	api.Get("/platform/billing", read, s.staffBilling)
	api.Get("/platform/companies/:slug/billing", read, s.staffCompanyBilling)
	app.Get("/platform/billing", read, s.staffBillingPage)
	app.Get("/platform/companies/:slug/billing", read, s.staffCompanyBillingPage)

	s.stripeWebhookRoutes(app)
}

type planJSON struct {
	Key       string             `json:"key"`
	Name      string             `json:"name"`
	MinSeats  int                `json:"min_seats"`
	Features  []billing.Feature  `json:"features"`
	Intervals []billing.Interval `json:"intervals"`
}

func planView(p *billing.Plan) planJSON {
	out := planJSON{Key: p.Key, Name: p.Name, MinSeats: p.MinSeats, Features: p.Features, Intervals: []billing.Interval{}}
	if out.Features == nil {
		out.Features = []billing.Feature{}
	}
	for _, iv := range []billing.Interval{billing.Monthly, billing.Yearly} {
		if p.Prices[iv] != "" {
			out.Intervals = append(out.Intervals, iv)
		}
	}
	return out
}

type billingJSON struct {
	Enabled     bool              `json:"enabled"`
	Status      billing.Status    `json:"status,omitempty"`
	Plan        *planJSON         `json:"plan,omitempty"`
	Interval    billing.Interval  `json:"interval,omitempty"`
	Seats       int               `json:"seats"`
	Quantity    int               `json:"quantity"`
	TrialEnds   *time.Time        `json:"trial_ends,omitempty"`
	NextInvoice *time.Time        `json:"next_invoice,omitempty"`
	InGrace     bool              `json:"in_grace"`
	ReadOnly    bool              `json:"read_only"`
	GraceEnds   *time.Time        `json:"grace_ends,omitempty"`
	Subscribed  bool              `json:"subscribed"`
	Invoices    []billing.Invoice `json:"invoices"`
	Plans       []planJSON        `json:"plans"`
}

func (s *Server) billingView(st *billing.State) billingJSON {
	out := billingJSON{Enabled: st.On, Invoices: st.Invoices, Plans: []planJSON{}}
	if out.Invoices == nil {
		out.Invoices = []billing.Invoice{}
	}
	if !st.On {
		return out
	}
	a := st.Account
	out.Status, out.Interval, out.Seats, out.Quantity = a.Status, a.Interval, st.Seats, a.Quantity
	out.NextInvoice, out.InGrace, out.ReadOnly, out.GraceEnds = st.NextInvoice, st.InGrace, st.ReadOnly, st.GraceEnds
	out.Subscribed = live(a)
	if billing.Trial(a) {
		te := a.TrialEndsAt
		out.TrialEnds = &te
	}
	if st.Plan != nil {
		p := planView(st.Plan)
		out.Plan = &p
	}
	for i := range s.deps.Billing.Plans() {
		out.Plans = append(out.Plans, planView(&s.deps.Billing.Plans()[i]))
	}
	return out
}

// live reports whether the company has a subscription to manage (rather
// than one to take).
func live(a *billing.Account) bool {
	return a.SubscriptionID != "" && a.Status != billing.Canceled && a.Status != billing.IncompleteExpired
}

func (s *Server) billingState(c *fiber.Ctx) error {
	if _, err := hostCompany(c); err != nil {
		return err
	}
	st, err := s.deps.Billing.State(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(s.billingView(st))
}

// billingPageURL is the company's billing page, where Stripe sends the
// admin back: built from PUBLIC_URL, never from the request.
func (s *Server) billingPageURL(t *tenants.Tenant) string {
	return s.cfg.Links.Company(t.Slug) + "/admin/billing"
}

type checkoutInput struct {
	Plan     string `json:"plan" form:"plan"`
	Interval string `json:"interval" form:"interval"`
}

func (s *Server) checkout(c *fiber.Ctx) (string, error) {
	t, err := hostCompany(c)
	if err != nil {
		return "", err
	}
	var in checkoutInput
	if err := bind(c, &in); err != nil {
		return "", err
	}
	return s.deps.Billing.Checkout(c.UserContext(), principal(c), billing.CheckoutRequest{Plan: in.Plan,
		Interval: billing.Interval(in.Interval), ReturnURL: s.billingPageURL(t)})
}

func (s *Server) billingCheckout(c *fiber.Ctx) error {
	url, err := s.checkout(c)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"url": url})
}

func (s *Server) billingPortal(c *fiber.Ctx) error {
	t, err := hostCompany(c)
	if err != nil {
		return err
	}
	url, err := s.deps.Billing.Portal(c.UserContext(), s.billingPageURL(t))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"url": url})
}

// The pages.

func (s *Server) billingPage(c *fiber.Ctx) error { return s.renderBilling(c, nil) }

func (s *Server) renderBilling(c *fiber.Ctx, fieldErrors map[string]string) error {
	if _, err := hostCompany(c); err != nil {
		return err
	}
	st, err := s.deps.Billing.State(c.UserContext())
	if err != nil {
		return err
	}
	if fieldErrors == nil {
		fieldErrors = map[string]string{}
	}
	l := lang(c)
	d := s.pageData(c, pick(l, "Abonnement", "Billing"), map[string]any{"Billing": s.billingView(st), "Errors": fieldErrors,
		"Done": c.Query("checkout") == "done", "Dates": billingDates(l, st), "Invoices": invoiceRows(l, st.Invoices)})
	d["HRAdmin"] = true
	return s.render(c, "hr/billing", d)
}

// billingPageError shows a service error on the billing page, next to its
// field or above the forms; the rest goes to the error page (formShows).
func (s *Server) billingPageError(c *fiber.Ctx, err error) error {
	fe := map[string]string{}
	if err := s.formFailure(c, err, fe, inputSet("plan", "interval"), nil); err != nil {
		return err
	}
	return s.renderBilling(c, fe)
}

func (s *Server) billingCheckoutSubmit(c *fiber.Ctx) error {
	url, err := s.checkout(c)
	if err != nil {
		return s.billingPageError(c, err)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}

func (s *Server) billingPortalSubmit(c *fiber.Ctx) error {
	t, err := hostCompany(c)
	if err != nil {
		return err
	}
	url, err := s.deps.Billing.Portal(c.UserContext(), s.billingPageURL(t))
	if err != nil {
		return s.billingPageError(c, err)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}

// billingNotice is the banner of HR pages when a payment is owed: nil
// otherwise, and always with billing off.
func (s *Server) billingNotice(c *fiber.Ctx) map[string]any {
	if s.deps.Billing == nil {
		return nil
	}
	st := s.deps.Billing.Notice(c.UserContext())
	if st == nil {
		return nil
	}
	l := lang(c)
	out := map[string]any{"ReadOnly": st.ReadOnly, "Canceled": st.Account.Status == billing.Canceled}
	if st.GraceEnds != nil {
		out["GraceEnds"] = day(l, *st.GraceEnds)
	}
	return out
}

// Staff.

type companyBillingJSON struct {
	Slug       string            `json:"slug"`
	Name       string            `json:"name"`
	Status     billing.Status    `json:"status"`
	Plan       string            `json:"plan"`
	Interval   billing.Interval  `json:"interval,omitempty"`
	Quantity   int               `json:"quantity"`
	MRRCents   int64             `json:"mrr_cents"`
	TrialEnds  time.Time         `json:"trial_ends"`
	PeriodEnd  *time.Time        `json:"current_period_end,omitempty"`
	PastDue    *time.Time        `json:"past_due_since,omitempty"`
	CustomerID string            `json:"customer_id,omitempty"`
	Suspended  bool              `json:"suspended_by_billing"`
	Subscribed bool              `json:"subscribed"`
	Invoices   []billing.Invoice `json:"invoices,omitempty"`
}

func companyBillingView(slug, name string, a *billing.Account) companyBillingJSON {
	return companyBillingJSON{Slug: slug, Name: name, Status: a.Status, Plan: a.Plan, Interval: a.Interval, Quantity: a.Quantity,
		MRRCents: billing.MonthlyCents(a), TrialEnds: a.TrialEndsAt, PeriodEnd: a.CurrentPeriodEnd, PastDue: a.PastDueSince,
		CustomerID: a.CustomerID, Suspended: a.SuspendedByBilling, Subscribed: live(a)}
}

func (s *Server) staffBillingData(c *fiber.Ctx) (*billing.Figures, []companyBillingJSON, error) {
	ctx := c.UserContext()
	f, err := s.deps.Billing.Figures(ctx)
	if err != nil {
		return nil, nil, err
	}
	list, err := s.deps.Billing.Companies(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]companyBillingJSON, len(list))
	for i := range list {
		out[i] = companyBillingView(list[i].Slug, list[i].Name, &list[i].Account)
	}
	for _, st := range billing.Statuses {
		f.ByStatus[st] += 0 // every status shown, zero included
	}
	return f, out, nil
}

func (s *Server) staffBilling(c *fiber.Ctx) error {
	f, list, err := s.staffBillingData(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"enabled": s.deps.Billing.On(), "figures": f, "companies": list})
}

func (s *Server) staffBillingPage(c *fiber.Ctx) error {
	f, list, err := s.staffBillingData(c)
	if err != nil {
		return err
	}
	l := lang(c)
	rows := make([]map[string]any, len(list))
	for i, r := range list {
		rows[i] = map[string]any{"Slug": r.Slug, "Name": r.Name, "Status": string(r.Status), "Plan": r.Plan, "Quantity": r.Quantity,
			"MRR": money(l, r.MRRCents, f.Currency)}
	}
	by := make([]map[string]any, 0, len(billing.Statuses))
	for _, st := range billing.Statuses {
		by = append(by, map[string]any{"Status": string(st), "N": f.ByStatus[st]})
	}
	d := s.staffData(c, "staff.billing.title", map[string]any{"Enabled": s.deps.Billing.On(), "MRR": money(l, f.MRRCents, f.Currency),
		"Seats": f.Seats, "ByStatus": by, "Companies": rows})
	return s.render(c, "staff/billing", d)
}

func (s *Server) staffCompany(c *fiber.Ctx) (*tenants.Tenant, *billing.State, error) {
	t, err := s.deps.Tenants.BySlug(c.UserContext(), utils.CopyString(c.Params("slug")))
	if err != nil {
		return nil, nil, err
	}
	st, err := s.deps.Billing.Company(c.UserContext(), t)
	return t, st, err
}

func (s *Server) staffCompanyBilling(c *fiber.Ctx) error {
	t, st, err := s.staffCompany(c)
	if err != nil {
		return err
	}
	if !st.On {
		return c.JSON(fiber.Map{"enabled": false})
	}
	v := companyBillingView(t.Slug, t.Name, st.Account)
	v.Invoices = st.Invoices
	return c.JSON(fiber.Map{"enabled": true, "company": v, "seats": st.Seats})
}

func (s *Server) staffCompanyBillingPage(c *fiber.Ctx) error {
	t, st, err := s.staffCompany(c)
	if err != nil {
		return err
	}
	l := lang(c)
	d := s.staffData(c, "staff.billing.company_title", map[string]any{"Name": t.Name, "Slug": t.Slug, "Billing": s.billingView(st),
		"Dates": billingDates(l, st), "Invoices": invoiceRows(l, st.Invoices), "Suspended": t.Status == tenants.Suspended})
	d["Section"] = "billing"
	return s.render(c, "staff/billing_company", d)
}

// Formatting, in the page's language.

func pick(l, fr, en string) string {
	if l == "en" {
		return en
	}
	return fr
}

func day(l string, t time.Time) string {
	if l == "en" {
		return t.UTC().Format("2 January 2006")
	}
	return t.UTC().Format("02/01/2006")
}

// money formats cents: "1 234,50 €" in French, "€1,234.50" in English.
func money(l string, cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	units, rest := cents/100, cents%100
	digits := fmt.Sprint(units)
	sep := "\u202f"
	if l == "en" {
		sep = ","
	}
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	sym := strings.ToUpper(currency)
	if strings.EqualFold(currency, "eur") || currency == "" {
		sym = "€"
	}
	if l == "en" {
		return fmt.Sprintf("%s%s%s.%02d", sign, sym, b.String(), rest)
	}
	return fmt.Sprintf("%s%s,%02d\u00a0%s", sign, b.String(), rest, sym)
}

func billingDates(l string, st *billing.State) map[string]string {
	out := map[string]string{}
	if !st.On {
		return out
	}
	if st.NextInvoice != nil {
		out["Next"] = day(l, *st.NextInvoice)
	}
	if billing.Trial(st.Account) {
		out["Trial"] = day(l, st.Account.TrialEndsAt)
	}
	if st.GraceEnds != nil {
		out["Grace"] = day(l, *st.GraceEnds)
	}
	return out
}

func invoiceRows(l string, list []billing.Invoice) []map[string]string {
	out := make([]map[string]string, len(list))
	for i, inv := range list {
		out[i] = map[string]string{"Date": day(l, inv.Created), "Number": inv.Number, "Amount": money(l, inv.AmountCents, inv.Currency),
			"Status": inv.Status, "PDF": inv.PDFURL, "Hosted": inv.HostedURL}
	}
	return out
}
