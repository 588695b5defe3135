package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// tenantTables lists every table of the public schema with a tenant_id column.
func tenantTables(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	var names []string
	err := db.NewRaw(`SELECT c.relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`).Scan(context.Background(), &names)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no tenant-owned table found: the catalogue query is wrong")
	}
	return names
}

func TestEveryTenantTableIsLockedByRowLevelSecurity(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	ctx := context.Background()
	for _, table := range tenantTables(t, env.Owner) {
		var st struct {
			Enabled, Forced bool
			Policies        int
			Notnull         bool
		}
		err := env.Owner.NewRaw(`SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
				(SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname
				   AND p.cmd = 'ALL' AND p.qual LIKE '%current_tenant_id()%' AND p.with_check LIKE '%current_tenant_id()%') AS policies,
				(SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') AS notnull
			FROM pg_class c WHERE c.oid = ?::regclass`, table).Scan(ctx, &st)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Enabled || !st.Forced || st.Policies == 0 || !st.Notnull {
			t.Errorf("table %s: row-level security enabled=%v forced=%v, tenant policies (USING and WITH CHECK)=%d, tenant_id NOT NULL=%v; want all",
				table, st.Enabled, st.Forced, st.Policies, st.Notnull)
		}
	}
}

func TestAppRoleCannotBypassRowLevelSecurity(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	var super, bypass bool
	var owns int
	err := env.App.QueryRowContext(context.Background(), `SELECT rolsuper, rolbypassrls,
		(SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relkind = 'r')
		FROM pg_roles r WHERE rolname = current_user`).Scan(&super, &bypass, &owns)
	if err != nil {
		t.Fatal(err)
	}
	if super || bypass || owns > 0 {
		t.Fatalf("the server's role: superuser=%v bypassrls=%v owns %d tables; want none", super, bypass, owns)
	}
}

// twoTenants creates two companies with one member each.
func twoTenants(t *testing.T, db *postgres.DB) (a, b *tenants.Tenant, memberA, memberB uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	store := postgres.NewTenantStore(db)
	mk := func() (*tenants.Tenant, uuid.UUID) {
		tn, err := tenants.New("t"+strings.ReplaceAll(uuid.NewString()[:8], "-", ""), "Company", nil, "fr")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, tn); err != nil {
			t.Fatal(err)
		}
		id := uuid.New()
		err = db.TenantTx(tenants.NewContext(ctx, tn), func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewInsert().Model(&postgres.Member{TenantID: tn.ID, ID: id, Email: id.String() + "@example.org",
				FullName: "Someone", Role: "employee", Status: "active"}).Exec(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return tn, id
	}
	a, memberA = mk()
	b, memberB = mk()
	return a, b, memberA, memberB
}

func TestTenantCannotReachAnotherTenantsRows(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	a, b, memberA, memberB := twoTenants(t, env.App)
	ctxA := tenants.NewContext(context.Background(), a)

	t.Run("reads see only their own rows", func(t *testing.T) {
		var ids []uuid.UUID
		err := env.App.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Table("members").Column("id").Where("tenant_id IN (?, ?)", a.ID, b.ID).Scan(ctx, &ids)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 1 || ids[0] != memberA {
			t.Fatalf("tenant A read %v; want only its own member %v", ids, memberA)
		}
	})

	// Each write aims at B's row, with A set; none may touch it.
	writes := map[string]string{
		"update": "UPDATE members SET full_name = 'hacked' WHERE id = ?",
		"delete": "DELETE FROM members WHERE id = ?",
	}
	for name, q := range writes {
		t.Run(name+" of another tenant's row affects nothing", func(t *testing.T) {
			var n int64
			err := env.App.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error {
				res, err := tx.ExecContext(ctx, q, memberB)
				if err == nil {
					n, err = res.RowsAffected()
				}
				return err
			})
			if err != nil || n != 0 {
				t.Fatalf("%s affected %d rows (err %v); want 0", name, n, err)
			}
		})
	}

	t.Run("insert into another tenant is refused", func(t *testing.T) {
		err := env.App.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewInsert().Model(&postgres.Member{TenantID: b.ID, ID: uuid.New(), Email: "intruder@example.org",
				FullName: "Intruder", Role: "hr_admin", Status: "active"}).Exec(ctx)
			return err
		})
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "42501" {
			t.Fatalf("insert with tenant B's id under tenant A: %v; want a row-level security violation (42501)", err)
		}
		if !errs.Is(err, errs.NotFound) {
			t.Fatalf("code %q; want not_found, as for a missing object", errs.CodeOf(err))
		}
	})

	t.Run("B's row is untouched", func(t *testing.T) {
		var name string
		err := env.App.TenantTx(tenants.NewContext(context.Background(), b), func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Table("members").Column("full_name").Where("id = ?", memberB).Scan(ctx, &name)
		})
		if err != nil || name != "Someone" {
			t.Fatalf("B's member reads %q (err %v); want it unchanged", name, err)
		}
	})
}

func TestWithoutTenantEveryTenantTableIsClosed(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	twoTenants(t, env.App)
	ctx := context.Background()
	for _, table := range tenantTables(t, env.Owner) {
		var n int
		err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT count(*) FROM ?", bun.Ident(table)).Scan(ctx, &n)
		})
		if err != nil || n != 0 {
			t.Errorf("%s without a tenant: %d rows visible (err %v); want 0", table, n, err)
		}
	}
	err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&postgres.Member{TenantID: uuid.New(), ID: uuid.New(), Email: "x@example.org",
			FullName: "X", Role: "employee", Status: "active"}).Exec(ctx)
		return err
	})
	if err == nil {
		t.Fatal("insert without a tenant succeeded; want refused")
	}
	if err := env.App.TenantTx(ctx, func(context.Context, bun.Tx) error { return nil }); !errs.Is(err, errs.Internal) {
		t.Fatalf("TenantTx without a tenant in context: %v; want an internal error", err)
	}
}

func TestPooledConnectionForgetsTheTenant(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	a, _, _, _ := twoTenants(t, env.App)
	// One connection, so the second transaction reuses the first's.
	db, err := postgres.Open(context.Background(), env.AppURL, postgres.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.TenantTx(tenants.NewContext(ctx, a), func(context.Context, bun.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.NewRaw("SELECT count(*) FROM members").Scan(ctx, &n); err != nil || n != 0 {
		t.Fatalf("after a tenant transaction, the same connection sees %d members (err %v); want 0", n, err)
	}
}
