package postgres_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// firstRequests reads as an employee's first requests on a server do:
// the session, the catalogue's first page, a search for a word in both
// orders, a campaign's recommendations.
func firstRequests(t *testing.T, db *postgres.DB) {
	t.Helper()
	ctx := tenants.NewContext(context.Background(), &tenants.Tenant{ID: uuid.New(), Slug: "co", Name: "Co"})
	if _, err := postgres.NewMemberDirectory(db).Session(ctx, []byte("a session's hash, 32 bytes long."), time.Now()); !errs.Is(err, errs.NotFound) {
		t.Fatalf("session: %v", err)
	}
	for _, q := range []catalog.Query{{}, {Text: "comptabilité"}, {Text: "comptabilité", Sort: catalog.SortRelevance}} {
		if _, err := postgres.NewSearch(db).Search(ctx, q); err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
	}
	member, id := uuid.New(), uuid.New()
	if _, err := postgres.NewCampaignStore(db).Campaigns(ctx, campaign.CampaignFilter{ID: &id, ForMember: &member}); err != nil {
		t.Fatalf("campaign: %v", err)
	}
	if _, err := postgres.NewMatchStore(db).Candidates(ctx, &campaign.Campaign{ID: id}, &member); err != nil {
		t.Fatalf("candidates: %v", err)
	}
}

// prepared lists the statements prepared on each of the pool's n
// connections, holding them all at once so that each is a different one.
func prepared(t *testing.T, db *postgres.DB, n int) [][]string {
	t.Helper()
	ctx := context.Background()
	out := make([][]string, n)
	for i := range n {
		c, err := db.DB.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		rows, err := c.QueryContext(ctx, "SELECT statement FROM pg_prepared_statements ORDER BY 1")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[i] = append(out[i], s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestWarmPoolHasTheFirstRequestsStatementsPreparedOnEveryConnection(t *testing.T) {
	env := pgtest.New(t)
	ctx := context.Background()

	// What the first requests prepare on a cold connection.
	cold, err := postgres.Open(ctx, env.AppURL, postgres.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer cold.Close()
	before := prepared(t, cold, 1)[0]
	firstRequests(t, cold)
	var want []string
	for _, s := range prepared(t, cold, 1)[0] {
		if !slices.Contains(before, s) {
			want = append(want, s)
		}
	}
	if len(want) < 5 {
		t.Fatalf("the first requests prepared %d statements, want the session's, three searches', the campaign's and the candidates': %q", len(want), want)
	}

	const conns = 3
	warm, err := postgres.Open(ctx, env.AppURL, postgres.Options{MaxConns: conns, Warm: postgres.WarmHotReads})
	if err != nil {
		t.Fatal(err)
	}
	defer warm.Close()
	if st := warm.Stats(); st.OpenConnections != conns || st.Idle != conns {
		t.Fatalf("after Open: %d connections open, %d idle; want the pool's %d, idle", st.OpenConnections, st.Idle, conns)
	}
	total := 0
	for i, got := range prepared(t, warm, conns) {
		total += len(got)
		for _, s := range want {
			if !slices.Contains(got, s) {
				t.Errorf("connection %d of %d: a first request would prepare\n%.300s…\nthat its warm-up did not", i+1, conns, s)
			}
		}
	}
	// And the requests find their statements there.
	firstRequests(t, warm)
	after := 0
	for _, got := range prepared(t, warm, conns) {
		after += len(got)
	}
	if after != total {
		t.Errorf("the first requests prepared %d statements on warm connections, want none", after-total)
	}
}

func TestFailedWarmUpLeavesTheConnectionsServing(t *testing.T) {
	env := pgtest.New(t)
	ctx := context.Background()
	var calls atomic.Int32
	db, err := postgres.Open(ctx, env.AppURL, postgres.Options{MaxConns: 2, Warm: func(ctx context.Context, db *postgres.DB) error {
		calls.Add(1)
		// As a statement the schema does not have yet (a server started
		// before its migrations) would.
		if _, err := db.ExecContext(ctx, "SELECT * FROM no_such_table"); err == nil {
			t.Error("a read of a missing table succeeded")
		}
		return errors.New("warm-up failed")
	}})
	if err != nil {
		t.Fatalf("Open with a failing warm-up: %v", err)
	}
	defer db.Close()
	if n := calls.Load(); n != 2 {
		t.Errorf("warm-up ran %d times, want once per connection (2)", n)
	}
	var one int
	if err := db.NewRaw("SELECT 1").Scan(ctx, &one); err != nil || one != 1 {
		t.Fatalf("after a failed warm-up: %d, %v", one, err)
	}
	firstRequests(t, db)
}

func TestWarmUpOfAConnectionOpenedInsideAUnitOfWorkLeavesTheUnitAlone(t *testing.T) {
	env := pgtest.New(t)
	ctx := context.Background()
	// No MaxConns: no filling at Open, so the search below opens a
	// connection, warmed then, while the unit holds the first.
	db, err := postgres.Open(ctx, env.AppURL, postgres.Options{Warm: postgres.WarmHotReads})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	company := uuid.New()
	ctx = tenants.NewContext(ctx, &tenants.Tenant{ID: company, Slug: "co", Name: "Co"})
	err = db.InTx(ctx, func(ctx context.Context) error {
		if err := db.TenantTx(ctx, func(context.Context, bun.Tx) error { return nil }); err != nil {
			return err
		}
		if _, err := postgres.NewSearch(db).Search(ctx, catalog.Query{}); err != nil {
			return err
		}
		tx, _ := postgres.CurrentTx(ctx)
		var bound string
		if err := tx.QueryRowContext(ctx, "SELECT current_setting('app.tenant_id', true)").Scan(&bound); err != nil {
			return err
		}
		if bound != company.String() {
			t.Errorf("after a connection was warmed during the unit, the unit is bound to company %q, want its own %s", bound, company)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := db.Stats().OpenConnections; n < 2 {
		t.Fatalf("%d connections open: the search did not open one of its own during the unit", n)
	}
}
