package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// BenchmarkPlatformFigures measures the staff's figures and companies list
// on VENDREDI_BENCH_COMPANIES companies (1 000 by default), each with a
// few members: the walk across the companies is what grows.
func BenchmarkPlatformFigures(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("VENDREDI_BENCH_COMPANIES")); err == nil && v > 0 {
		n = v
	}
	env := pgtest.Private(b)
	db := env.App
	ctx := context.Background()
	store := postgres.NewTenantStore(db)
	for i := range n {
		tn, err := tenants.New(fmt.Sprintf("bench-%06d", i), "Bench", nil, "fr")
		if err != nil {
			b.Fatal(err)
		}
		if err := store.Create(ctx, tn); err != nil {
			b.Fatal(err)
		}
		tctx := tenants.NewContext(ctx, tn)
		if err := db.TenantTx(tctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, status)
				SELECT app.current_tenant_id(), gen_random_uuid(), 'p' || g || '@bench.example', 'P', 'employee', 'active'
				FROM generate_series(1, 5) g`)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	// As autovacuum would soon after such a load (the owner's job): the
	// plans then use the companies' indexes.
	if _, err := env.Owner.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	figures := postgres.NewPlatformFigureStore(db)
	b.Run("Figures", func(b *testing.B) {
		for b.Loop() {
			if _, err := figures.Figures(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PeopleByCompany", func(b *testing.B) {
		for b.Loop() {
			if _, err := figures.PeopleByCompany(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
