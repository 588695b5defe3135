package postgres_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// A tenant read sends each statement with the tenant that binds it, in
// one round trip: as one simple query after SET LOCAL when bun wrote the
// values into it, as prepared statements after set_config when it has
// bind parameters. Either way it must see what TenantTx sees, scanned the
// same, and leave nothing bound behind it on the pool's connection.
func TestTenantReadIsBoundLikeATransaction(t *testing.T) {
	t.Parallel()
	for _, way := range []struct {
		name string
		scan func(db *postgres.DB, ctx context.Context, idb bun.IDB, dest any, query string, args ...any) error
	}{
		{"values written in", func(_ *postgres.DB, ctx context.Context, idb bun.IDB, dest any, query string, args ...any) error {
			return idb.NewRaw(query, args...).Scan(ctx, dest)
		}},
		// Every statement below has one at least, so that it is sent
		// prepared.
		{"bind parameters", func(db *postgres.DB, ctx context.Context, idb bun.IDB, dest any, query string, args ...any) error {
			n := 0
			query = regexp.MustCompile(`\?`).ReplaceAllStringFunc(query, func(string) string { n++; return fmt.Sprint("$", n) })
			return postgres.SelectArgs(db, ctx, idb, dest, query, args...)
		}},
	} {
		t.Run(way.name, func(t *testing.T) { tenantReadIsBound(t, way.name, way.scan) })
	}
}

func tenantReadIsBound(t *testing.T, name string, scan func(db *postgres.DB, ctx context.Context, idb bun.IDB, dest any, query string, args ...any) error) {
	t.Parallel()
	env := pgtest.New(t)
	a, b, memberA, _ := twoTenants(t, env.App)
	ctx := context.Background()
	ctxA := tenants.NewContext(ctx, a)
	one := oneConnection(t, env)
	t.Run("row-level security binds it to the tenant alone", func(t *testing.T) {
		var ids []uuid.UUID
		err := one.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error {
			// No tenant in the WHERE clause: only the policy filters.
			return scan(one, ctx, db, &ids, "SELECT id FROM members WHERE ?::bool", true)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 1 || ids[0] != memberA {
			t.Fatalf("tenant A's read saw %v; want only its member %v", ids, memberA)
		}
	})

	t.Run("the tenant ends with the statement", func(t *testing.T) {
		var during, after string
		err := one.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error {
			return scan(one, ctx, db, &during, "SELECT current_setting('app.tenant_id', ?)", true)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := one.NewRaw("SELECT coalesce(current_setting('app.tenant_id', true), '')").Scan(ctx, &after); err != nil {
			t.Fatal(err)
		}
		if during != a.ID.String() || after != "" {
			t.Fatalf("app.tenant_id: %q during the read, %q on the same connection after it; want %q, then empty", during, after, a.ID)
		}
		var seen int
		if err := one.NewRaw("SELECT count(*) FROM members").Scan(ctx, &seen); err != nil {
			t.Fatal(err)
		}
		if seen != 0 {
			t.Fatalf("a statement after the read, without a tenant, saw %d members; want 0", seen)
		}
	})

	t.Run("values scan as in a transaction", func(t *testing.T) {
		type row struct {
			ID      uuid.UUID   `bun:"id"`
			Text    string      `bun:"text"`
			Null    *string     `bun:"null"`
			Int     int         `bun:"int"`
			Big     int64       `bun:"big"`
			Float   float64     `bun:"float"`
			Numeric float64     `bun:"numeric"`
			Bool    bool        `bun:"bool"`
			At      time.Time   `bun:"at"`
			Day     time.Time   `bun:"day"`
			Texts   []string    `bun:"texts,array"`
			IDs     []uuid.UUID `bun:"ids,array"`
			JSON    []byte      `bun:"json"`
		}
		q := `SELECT id, full_name AS text, NULL::text AS null, 42::int AS int, 9007199254740993::bigint AS big,
			0.1::float8 AS float, 12.5::numeric(6,1) AS numeric, true AS bool, timestamptz '2020-04-01 08:30:00.123456+02' AS at,
			date '2020-05-11' AS day, ARRAY['a', 'b,c', 'd"e'] AS texts, ARRAY[id] AS ids, '{"k": [1, "é"]}'::jsonb AS json
			FROM members WHERE id = ?`
		var inTx, inRead []row
		if err := one.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error { return tx.NewRaw(q, memberA).Scan(ctx, &inTx) }); err != nil {
			t.Fatal(err)
		}
		if err := one.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error { return scan(one, ctx, db, &inRead, q, memberA) }); err != nil {
			t.Fatal(err)
		}
		if len(inTx) != 1 || len(inRead) != 1 {
			t.Fatalf("rows: %d in a transaction, %d in a read; want 1 and 1", len(inTx), len(inRead))
		}
		x, y := inTx[0], inRead[0]
		if x.ID != y.ID || x.Text != y.Text || y.Null != nil || x.Int != y.Int || x.Big != y.Big || x.Float != y.Float ||
			x.Numeric != y.Numeric || x.Bool != y.Bool || !x.At.Equal(y.At) || !x.Day.Equal(y.Day) ||
			len(y.Texts) != 3 || y.Texts[1] != "b,c" || y.Texts[2] != `d"e` || len(y.IDs) != 1 || y.IDs[0] != memberA ||
			string(x.JSON) != string(y.JSON) || y.Big != 9007199254740993 || y.Numeric != 12.5 {
			t.Fatalf("a read scanned\n%+v\nwhere a transaction scanned\n%+v", y, x)
		}
	})

	t.Run("statements read again on a connection keep their own columns", func(t *testing.T) {
		// Prepared statements' column conversions are kept per statement
		// on the connection: two shapes of the same width, each read
		// twice in turn with other values, must scan as they are.
		type row struct {
			A any `bun:"a"`
			B any `bun:"b"`
		}
		at := time.Date(2020, 4, 1, 6, 30, 0, 0, time.UTC)
		for i, c := range []struct {
			q    string
			args []any
			a, b any
		}{
			{"SELECT ?::int AS a, ?::text AS b FROM members WHERE id = ?", []any{1, "un", memberA}, int64(1), "un"},
			{"SELECT ?::text AS a, ?::timestamptz AS b FROM members WHERE id = ?", []any{"deux", at, memberA}, "deux", at},
			{"SELECT ?::int AS a, ?::text AS b FROM members WHERE id = ?", []any{3, nil, memberA}, int64(3), nil},
			{"SELECT ?::text AS a, ?::timestamptz AS b FROM members WHERE id = ?", []any{nil, at.Add(time.Hour), memberA}, nil, at.Add(time.Hour)},
		} {
			var rows []row
			if err := one.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error { return scan(one, ctx, db, &rows, c.q, c.args...) }); err != nil {
				t.Fatal(err)
			}
			got := rows[0]
			if ts, ok := got.B.(time.Time); ok {
				got.B = ts.UTC()
			}
			if len(rows) != 1 || got.A != c.a || got.B != c.b {
				t.Fatalf("read %d: %#v; want a=%#v b=%#v", i, rows, c.a, c.b)
			}
		}
	})

	t.Run("prepared statements run their generic plan from the first", func(t *testing.T) {
		if name != "bind parameters" {
			t.Skip("values written in: nothing is prepared")
		}
		// Left to choose, PostgreSQL would plan the first five runs with
		// their values (db.go, generic).
		q := "SELECT id FROM members WHERE tenant_id = app.current_tenant_id() AND id = ? AND full_name <> 'first-run-generic'"
		var ids []uuid.UUID
		if err := one.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error { return scan(one, ctx, db, &ids, q, memberA) }); err != nil {
			t.Fatal(err)
		}
		if err := one.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error { return scan(one, ctx, tx, &ids, q, memberA) }); err != nil {
			t.Fatal(err)
		}
		var plans []struct {
			Generic int `bun:"generic_plans"`
			Custom  int `bun:"custom_plans"`
		}
		if err := one.NewRaw("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%first-run-generic%'").
			Scan(ctx, &plans); err != nil {
			t.Fatal(err)
		}
		if len(plans) != 1 || plans[0].Custom != 0 || plans[0].Generic != 2 {
			t.Fatalf("plans of a statement run twice, in a read and in a transaction: %+v; want 2 generic, no custom", plans)
		}
	})

	t.Run("an error is the statement's, and the connection goes on", func(t *testing.T) {
		err := one.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error {
			var n int
			return scan(one, ctx, db, &n, "SELECT 1 / (count(*) - count(*))::int FROM members WHERE ?::bool", true)
		})
		if err == nil {
			t.Fatal("a division by zero succeeded")
		}
		var n int
		err = one.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error {
			return scan(one, ctx, db, &n, "SELECT count(*) FROM members WHERE ?::bool", true)
		})
		if err != nil || n != 1 {
			t.Fatalf("the next read on the connection: %d members, %v; want 1, nil", n, err)
		}
	})

	t.Run("within a unit of work it reads the unit's writes", func(t *testing.T) {
		id := uuid.New()
		var seen int
		err := one.InTx(ctxA, func(ctx context.Context) error {
			err := one.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.NewInsert().Model(&postgres.Member{TenantID: a.ID, ID: id, Email: id.String() + "@example.org",
					FullName: "New", Role: "employee", Status: "active"}).Exec(ctx)
				return err
			})
			if err != nil {
				return err
			}
			return one.TenantRead(ctx, func(ctx context.Context, db bun.IDB) error {
				return scan(one, ctx, db, &seen, "SELECT count(*) FROM members WHERE id = ?", id)
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen != 1 {
			t.Fatalf("a read within the unit saw %d of the member it inserted; want 1", seen)
		}
	})

	t.Run("another tenant's read sees its own rows only", func(t *testing.T) {
		var names []string
		err := one.TenantRead(tenants.NewContext(ctx, b), func(ctx context.Context, db bun.IDB) error {
			return scan(one, ctx, db, &names, "SELECT email FROM members WHERE ?::bool", true)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 1 {
			t.Fatalf("tenant B's read saw %d members; want its 1", len(names))
		}
	})
}

// A transaction's last statement may go with its COMMIT (CommitWith): the
// write is committed when the statement answers, a failure leaves nothing,
// and within a unit of work the unit still decides.
func TestLastStatementGoesWithTheCommit(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	a, _, _, _ := twoTenants(t, env.App)
	ctxA := tenants.NewContext(context.Background(), a)
	insert := func(ctx context.Context, tx bun.Tx, id uuid.UUID, email string) error {
		var got []uuid.UUID
		return tx.NewRaw(`INSERT INTO members (tenant_id, id, email, full_name, role, status)
			VALUES (?, ?, ?, 'Someone', 'employee', 'active') RETURNING id`, a.ID, id, email).Scan(ctx, &got)
	}
	exists := func(id uuid.UUID) bool {
		var n int
		// Another connection of the pool: the transaction holds its own.
		err := env.App.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error {
			return db.NewRaw("SELECT count(*) FROM members WHERE id = ?", id).Scan(ctx, &n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}

	t.Run("committed as the statement answers", func(t *testing.T) {
		first, last := uuid.New(), uuid.New()
		var seenBeforeReturn bool
		var after error
		err := env.App.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error {
			if err := insert(ctx, tx, first, first.String()+"@example.org"); err != nil {
				return err
			}
			if err := insert(postgres.CommitWith(ctx), tx, last, last.String()+"@example.org"); err != nil {
				return err
			}
			seenBeforeReturn = exists(first) && exists(last)
			_, after = tx.ExecContext(ctx, "SELECT 1")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !seenBeforeReturn {
			t.Fatal("another connection did not see the writes once the last statement had answered")
		}
		if after == nil {
			t.Fatal("a statement after the commit was sent; want it refused")
		}
	})

	t.Run("a failed last statement leaves nothing", func(t *testing.T) {
		first, dup := uuid.New(), uuid.New()
		email := first.String() + "@example.org"
		err := env.App.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error {
			if err := insert(ctx, tx, first, email); err != nil {
				return err
			}
			return insert(postgres.CommitWith(ctx), tx, dup, email) // the same email: a conflict
		})
		if err == nil {
			t.Fatal("the conflicting last statement succeeded")
		}
		if exists(first) || exists(dup) {
			t.Fatal("a transaction whose last statement failed left rows behind")
		}
		var n int
		if err := env.App.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error {
			return db.NewRaw("SELECT count(*) FROM members").Scan(ctx, &n)
		}); err != nil {
			t.Fatalf("the pool after the failure: %v", err)
		}
	})

	t.Run("within a unit of work the unit decides", func(t *testing.T) {
		id := uuid.New()
		boom := errs.E(errs.Conflict, "the unit fails after the store's work")
		err := env.App.InTx(ctxA, func(ctx context.Context) error {
			err := env.App.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				return insert(postgres.CommitWith(ctx), tx, id, id.String()+"@example.org")
			})
			if err != nil {
				return err
			}
			return boom
		})
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("the unit answered %v; want its own failure", err)
		}
		if exists(id) {
			t.Fatal("a unit that failed kept a write its store had marked as last")
		}
	})
}

// A tenant's transaction sends its BEGIN with its first statement: the
// statement is bound to the tenant whatever its protocol, a failure rolls
// back and leaves the connection usable, and an empty one is fine.
func TestTransactionBeginsWithItsFirstStatement(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	a, _, _, _ := twoTenants(t, env.App)
	ctxA := tenants.NewContext(context.Background(), a)
	one := oneConnection(t, env)
	count := func() int {
		var n int
		if err := one.TenantRead(ctxA, func(ctx context.Context, db bun.IDB) error {
			return db.NewRaw("SELECT count(*) FROM members").Scan(ctx, &n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if err := one.TenantTx(ctxA, func(context.Context, bun.Tx) error { return nil }); err != nil {
		t.Fatalf("an empty transaction: %v", err)
	}
	var sum int
	err := one.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error {
		// Bind parameters, as River sends them: the BEGIN goes first.
		return tx.Tx.QueryRowContext(ctx, "SELECT $1::int + count(*) FROM members", 7).Scan(&sum)
	})
	if err != nil || sum != 8 {
		t.Fatalf("a parametrised first statement: %d, %v; want 7 + the tenant's 1 member", sum, err)
	}
	id := uuid.New()
	err = one.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT 1 / 0"); err == nil {
			t.Error("a division by zero succeeded")
		}
		_, err := tx.NewInsert().Model(&postgres.Member{TenantID: a.ID, ID: id, Email: id.String() + "@example.org",
			FullName: "Late", Role: "employee", Status: "active"}).Exec(ctx)
		return err
	})
	if err == nil {
		t.Fatal("a statement after a failed one, in the same transaction, succeeded")
	}
	if n := count(); n != 1 {
		t.Fatalf("after the failed transaction the tenant has %d members; want 1", n)
	}
	err = one.TenantTx(ctxA, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&postgres.Member{TenantID: a.ID, ID: id, Email: id.String() + "@example.org",
			FullName: "Next", Role: "employee", Status: "active"}).Exec(ctx)
		return err
	})
	if err != nil || count() != 2 {
		t.Fatalf("the connection after a failed transaction: %v, %d members; want nil, 2", err, count())
	}
}

// oneConnection is a pool of one connection as the server's role: what a
// statement leaves on it, the next one sees.
func oneConnection(t *testing.T, env *pgtest.Env) *postgres.DB {
	t.Helper()
	one, err := postgres.Open(context.Background(), env.AppURL, postgres.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { one.Close() })
	return one
}
