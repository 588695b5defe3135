// Package loadtest sets up what load and failure tests send to a running
// server, straight in PostgreSQL: missions with places, and companies of
// employees already signed in; then counts who holds the places. The
// loadapply command and the database restart test share it.
package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/tenants"
)

// Applicant is an employee signed in, with the campaign they apply in.
type Applicant struct {
	Host, Session string
	Campaign      uuid.UUID
}

// ApplyPath is the API path an applicant posts their application to.
func (a Applicant) ApplyPath() string {
	return "/api/v1/campaigns/" + a.Campaign.String() + "/participations"
}

// Mission creates an open remote mission of a verified association with
// a manager, whom its "almost full" and "full" are mailed to, as a real
// association's would be.
func Mission(ctx context.Context, db *postgres.DB, places int) (uuid.UUID, error) {
	return ManagedMission(ctx, db, "Load test mission", places, "manager-"+uuid.NewString()+"@example.com")
}

// ManagedMission creates an open remote mission of places places, titled
// title, of a verified association that the account of email manager
// manages.
func ManagedMission(ctx context.Context, db *postgres.DB, title string, places int, manager string) (uuid.UUID, error) {
	mission, association, account := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	return mission, db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO associations (id, name, legal_id, status) VALUES (?, 'Load test', ?, 'verified')`,
				[]any{association, fmt.Sprintf("W%09d", time.Now().UnixNano()%1e9)}},
			{`INSERT INTO missions (id, association_id, title, format, places, places_left, status)
				VALUES (?, ?, ?, 'remote', ?, ?, 'open')`, []any{mission, association, title, places, places}},
			{`INSERT INTO accounts (id, email, full_name) VALUES (?, ?, 'Manager')`, []any{account, manager}},
			{`INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)`, []any{association, account}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Company creates the i-th company of a test, with an active campaign and
// n employees, each with a session of an hour, served on {slug}.{base}.
func Company(ctx context.Context, db *postgres.DB, base string, n, i int) ([]Applicant, uuid.UUID, error) {
	slug := fmt.Sprintf("load%d-%s", i, uuid.NewString()[:6])
	t, err := tenants.New(slug, "Load "+slug, nil, "fr")
	if err != nil {
		return nil, uuid.Nil, err
	}
	if err := postgres.NewTenantStore(db).Create(ctx, t); err != nil {
		return nil, uuid.Nil, err
	}
	tctx := tenants.NewContext(ctx, t)
	campaign := uuid.Must(uuid.NewV7())
	apps := make([]Applicant, 0, n)
	err = db.TenantTx(tctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status)
			VALUES (app.current_tenant_id(), ?, 'Load', current_date, current_date + 30, 'active')`, campaign); err != nil {
			return err
		}
		for j := range n {
			id := uuid.Must(uuid.NewV7())
			plain, hash := identity.NewSecret()
			if _, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, status)
				VALUES (app.current_tenant_id(), ?, ?, ?, 'employee', 'active')`, id, fmt.Sprintf("e%d@%s.example", j, slug), fmt.Sprint("Employee ", j)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO member_sessions (tenant_id, token_hash, member_id, expires_at)
				VALUES (app.current_tenant_id(), ?, ?, now() + interval '1 hour')`, hash, id); err != nil {
				return err
			}
			apps = append(apps, Applicant{Host: slug + "." + base, Session: plain, Campaign: campaign})
		}
		return nil
	})
	return apps, t.ID, err
}

// Places is who holds a mission's places, who waits, and what is left.
type Places struct {
	Holding, Waiting, Left int
	IDs                    map[uuid.UUID]bool // every participation, holding or waiting
}

// Count reads a mission's participations in each company (under its
// row-level security) and its places left.
func Count(ctx context.Context, db *postgres.DB, mission uuid.UUID, companies []uuid.UUID) (Places, error) {
	p := Places{IDs: map[uuid.UUID]bool{}}
	for _, tid := range companies {
		err := db.TenantTx(tenants.NewContext(ctx, &tenants.Tenant{ID: tid}), func(ctx context.Context, tx bun.Tx) error {
			var rows []struct {
				ID     uuid.UUID
				Status string
			}
			if err := tx.NewRaw(`SELECT id, status FROM participations WHERE mission_id = ?`, mission).Scan(ctx, &rows); err != nil {
				return err
			}
			for _, r := range rows {
				p.IDs[r.ID] = true
				switch r.Status {
				case "pending", "validated":
					p.Holding++
				case "waiting":
					p.Waiting++
				}
			}
			return nil
		})
		if err != nil {
			return p, err
		}
	}
	err := db.NewRaw("SELECT places_left FROM missions WHERE id = ?", mission).Scan(ctx, &p.Left)
	return p, err
}
