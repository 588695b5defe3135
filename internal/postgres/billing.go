package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/billing"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/tenants"
)

// BillingStore keeps the companies' billing accounts, invoices and the
// Stripe events received. Accounts and invoices are the company's, read
// and written in TenantTx; a webhook finds its company by customer
// (app.billing_customer) and staff walk the companies (see the migration).
type BillingStore struct{ db *DB }

// NewBillingStore returns a BillingStore on db.
func NewBillingStore(db *DB) *BillingStore { return &BillingStore{db: db} }

var _ billing.Store = (*BillingStore)(nil)

type billingAccountRow struct {
	bun.BaseModel `bun:"table:billing_accounts"`

	TenantID           uuid.UUID  `bun:"tenant_id,pk,type:uuid"`
	CustomerID         *string    `bun:"customer_id"`
	SubscriptionID     *string    `bun:"subscription_id"`
	SubscriptionItemID string     `bun:"subscription_item_id"`
	Plan               string     `bun:"plan"`
	Interval           string     `bun:"billing_interval"`
	Status             string     `bun:"status"`
	TrialEndsAt        time.Time  `bun:"trial_ends_at"`
	CurrentPeriodEnd   *time.Time `bun:"current_period_end"`
	Quantity           int        `bun:"quantity"`
	AmountCents        int64      `bun:"amount_cents"`
	Currency           string     `bun:"currency"`
	SeatsSynced        int        `bun:"seats_synced"`
	PastDueSince       *time.Time `bun:"past_due_since"`
	CanceledAt         *time.Time `bun:"canceled_at"`
	SuspendedByBilling bool       `bun:"suspended_by_billing"`
	SubscriptionAt     time.Time  `bun:"subscription_at"`
	PaymentAt          time.Time  `bun:"payment_at"`
	CreatedAt          time.Time  `bun:"created_at,nullzero,default:now()"`
}

func (r *billingAccountRow) domain() *billing.Account {
	return &billing.Account{TenantID: r.TenantID, CustomerID: deref(r.CustomerID), SubscriptionID: deref(r.SubscriptionID),
		SubscriptionItemID: r.SubscriptionItemID, Plan: r.Plan, Interval: billing.Interval(r.Interval), Status: billing.Status(r.Status),
		TrialEndsAt: r.TrialEndsAt, CurrentPeriodEnd: r.CurrentPeriodEnd, Quantity: r.Quantity, SeatsSynced: r.SeatsSynced,
		AmountCents: r.AmountCents, Currency: r.Currency, PastDueSince: r.PastDueSince, CanceledAt: r.CanceledAt,
		SuspendedByBilling: r.SuspendedByBilling, SubscriptionAt: r.SubscriptionAt, PaymentAt: r.PaymentAt, CreatedAt: r.CreatedAt}
}

func billingRowOf(a *billing.Account) *billingAccountRow {
	return &billingAccountRow{TenantID: a.TenantID, CustomerID: orNil(a.CustomerID), SubscriptionID: orNil(a.SubscriptionID),
		SubscriptionItemID: a.SubscriptionItemID, Plan: a.Plan, Interval: string(a.Interval), Status: string(a.Status),
		TrialEndsAt: a.TrialEndsAt, CurrentPeriodEnd: a.CurrentPeriodEnd, Quantity: a.Quantity, SeatsSynced: a.SeatsSynced,
		AmountCents: a.AmountCents, Currency: a.Currency, PastDueSince: a.PastDueSince, CanceledAt: a.CanceledAt,
		SuspendedByBilling: a.SuspendedByBilling, SubscriptionAt: a.SubscriptionAt, PaymentAt: a.PaymentAt, CreatedAt: a.CreatedAt}
}

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// InTx implements billing.Store.
func (s *BillingStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.db.InTx(ctx, fn)
}

// Ensure implements billing.Store.
func (s *BillingStore) Ensure(ctx context.Context, tenantID uuid.UUID, trialEnds time.Time) (*billing.Account, error) {
	var row billingAccountRow
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO billing_accounts (tenant_id, trial_ends_at) VALUES (?, ?)
			ON CONFLICT (tenant_id) DO NOTHING`, tenantID, trialEnds); err != nil {
			return err
		}
		return tx.NewSelect().Model(&row).Where("tenant_id = ?", tenantID).Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	return row.domain(), nil
}

// Account implements billing.Store.
func (s *BillingStore) Account(ctx context.Context, tenantID uuid.UUID) (*billing.Account, error) {
	var row billingAccountRow
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&row).Where("tenant_id = ?", tenantID).Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	return row.domain(), nil
}

// Update implements billing.Store: under a row lock, so that two events of
// one company apply one after the other.
func (s *BillingStore) Update(ctx context.Context, tenantID uuid.UUID, fn func(*billing.Account) error) (*billing.Account, error) {
	var out *billing.Account
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row billingAccountRow
		if err := tx.NewSelect().Model(&row).Where("tenant_id = ?", tenantID).For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		a := row.domain()
		if err := fn(a); err != nil {
			return err
		}
		a.TenantID = tenantID
		nr := billingRowOf(a)
		if _, err := tx.NewUpdate().Model(nr).ExcludeColumn("tenant_id", "created_at").Set("updated_at = now()").
			WherePK().Exec(ctx); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// TenantOfCustomer implements billing.Store.
func (s *BillingStore) TenantOfCustomer(ctx context.Context, customerID string) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// The customer is the key here, as the tenant is elsewhere: the
		// policy shows this transaction that customer's account alone.
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.billing_customer', ?, true)", customerID); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, "SELECT tenant_id FROM billing_accounts WHERE customer_id = ?", customerID).Scan(&id)
		if _, rerr := tx.ExecContext(ctx, "SELECT set_config('app.billing_customer', '', true)"); err == nil {
			err = rerr
		}
		return err
	})
	return id, err
}

// SaveEvent implements billing.Store.
func (s *BillingStore) SaveEvent(ctx context.Context, e *billing.RawEvent) (bool, error) {
	var n int64
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO billing_events (id, type, created, payload) VALUES (?, ?, ?, ?::jsonb)
			ON CONFLICT (id) DO NOTHING`, e.ID, e.Type, e.Created, string(e.Payload))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// Event implements billing.Store.
func (s *BillingStore) Event(ctx context.Context, id string) (*billing.RawEvent, error) {
	var e billing.RawEvent
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT id, type, created, payload::text, processed_at, outcome FROM billing_events WHERE id = ?`, id).
			Scan(&e.ID, &e.Type, &e.Created, &e.Payload, &e.ProcessedAt, &e.Outcome)
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// EventDone implements billing.Store.
func (s *BillingStore) EventDone(ctx context.Context, id string, tenantID *uuid.UUID, outcome string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE billing_events SET processed_at = now(), outcome = ? WHERE id = ?`, outcome, id)
		return err
	})
}

// SaveInvoice implements billing.Store: a row written by a newer event
// stays.
func (s *BillingStore) SaveInvoice(ctx context.Context, inv *billing.Invoice) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO billing_invoices (id, tenant_id, number, status, amount_cents, currency, created, pdf_url, hosted_url, event_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET number = excluded.number, status = excluded.status, amount_cents = excluded.amount_cents,
				currency = excluded.currency, pdf_url = excluded.pdf_url, hosted_url = excluded.hosted_url, event_at = excluded.event_at
			WHERE billing_invoices.event_at <= excluded.event_at AND billing_invoices.tenant_id = excluded.tenant_id`,
			inv.ID, inv.TenantID, inv.Number, inv.Status, inv.AmountCents, inv.Currency, inv.Created, inv.PDFURL, inv.HostedURL, inv.EventAt)
		return err
	})
}

// Invoices implements billing.Store: newest first.
func (s *BillingStore) Invoices(ctx context.Context, tenantID uuid.UUID, limit int) ([]billing.Invoice, error) {
	var out []billing.Invoice
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, number, status, amount_cents, currency, created, pdf_url, hosted_url
			FROM billing_invoices WHERE tenant_id = ? ORDER BY created DESC, id LIMIT ?`, tenantID, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i billing.Invoice
			if err := rows.Scan(&i.ID, &i.Number, &i.Status, &i.AmountCents, &i.Currency, &i.Created, &i.PDFURL, &i.HostedURL); err != nil {
				return err
			}
			i.TenantID = tenantID
			out = append(out, i)
		}
		return rows.Err()
	})
	return out, err
}

// ActiveSeats implements billing.Store.
func (s *BillingStore) ActiveSeats(ctx context.Context) (int, error) {
	var n int
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM members WHERE status = 'active'").Scan(&n)
	})
	return n, err
}

// HRAdmins implements billing.Store.
func (s *BillingStore) HRAdmins(ctx context.Context) ([]mail.Address, error) {
	var out []mail.Address
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT full_name, email FROM members WHERE status = 'active' AND role = ? ORDER BY email",
			identity.RoleHRAdmin)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a mail.Address
			if err := rows.Scan(&a.Name, &a.Email); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// Record implements billing.Store.
func (s *BillingStore) Record(ctx context.Context, ev identity.Event) error {
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	detail, err := json.Marshal(ev.Detail)
	if err != nil || ev.Detail == nil {
		detail = []byte("{}")
	}
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (tenant_id, id, actor_kind, actor_id, actor_label, action, object, detail, ip)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)`,
			t.ID, uuid.Must(uuid.NewV7()), ev.ActorKind, ev.ActorID, ev.ActorLabel, ev.Action, ev.Object, string(detail), ev.IP)
		return err
	})
}

// Figures implements billing.Store.
func (s *BillingStore) Figures(ctx context.Context) (*billing.Figures, error) {
	f := &billing.Figures{ByStatus: map[billing.Status]int{}, Currency: "eur"}
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rows, err := allAccounts(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			a := r.domain()
			f.ByStatus[a.Status]++
			f.MRRCents += billing.MonthlyCents(a)
			if a.Status == billing.Active || a.Status == billing.PastDue {
				f.Seats += a.Quantity
			}
		}
		return nil
	})
	return f, err
}

// Companies implements billing.Store: every company with an account, by
// name.
func (s *BillingStore) Companies(ctx context.Context) ([]billing.CompanyState, error) {
	var out []billing.CompanyState
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rows, err := allAccounts(ctx, tx)
		if err != nil {
			return err
		}
		names := map[uuid.UUID][2]string{}
		r, err := tx.QueryContext(ctx, "SELECT id, slug, name FROM tenants")
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
			var id uuid.UUID
			var slug, name string
			if err := r.Scan(&id, &slug, &name); err != nil {
				return err
			}
			names[id] = [2]string{slug, name}
		}
		if err := r.Err(); err != nil {
			return err
		}
		for _, row := range rows {
			n := names[row.TenantID]
			out = append(out, billing.CompanyState{TenantID: row.TenantID, Slug: n[0], Name: n[1], Account: *row.domain()})
		}
		slices.SortFunc(out, func(a, b billing.CompanyState) int { return strings.Compare(a.Name, b.Name) })
		return nil
	})
	return out, err
}

// Subscribed implements billing.Store.
func (s *BillingStore) Subscribed(ctx context.Context) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rows, err := allAccounts(ctx, tx)
		for _, r := range rows {
			if r.SubscriptionID != nil && (r.Status == "active" || r.Status == "past_due" || r.Status == "trialing") {
				ids = append(ids, r.TenantID)
			}
		}
		return err
	})
	return ids, err
}

// allAccounts reads every company's account, each under its own tenant
// key (app.billing_accounts_all).
func allAccounts(ctx context.Context, tx bun.Tx) ([]billingAccountRow, error) {
	var rows []billingAccountRow
	err := tx.NewSelect().Model(&rows).ModelTableExpr("app.billing_accounts_all() AS billing_account_row").Scan(ctx)
	return rows, err
}
