package postgres_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

func bunIdent(s string) bun.Ident { return bun.Ident(s) }

// emptyDatabase is a database of the test's own that no migration ran on:
// its owner (closed when the test ends), the owner's migrator, and the URL
// of the server's role.
func emptyDatabase(t *testing.T) (*postgres.DB, *postgres.Migrator, string) {
	t.Helper()
	ownerURL, appURL := pgtest.Empty(t)
	owner, err := postgres.Open(context.Background(), ownerURL, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	mg, err := postgres.NewMigrator(owner.DB, postgres.DefaultAppRole)
	if err != nil {
		t.Fatal(err)
	}
	return owner, mg, appURL
}

func TestMigrationsGoUpDownAndUpAgain(t *testing.T) {
	t.Parallel()
	owner, mg, appURL := emptyDatabase(t)
	ctx := context.Background()
	applied, err := mg.Up(ctx)
	if err != nil || len(applied) == 0 {
		t.Fatalf("up: %v, %v; want every migration applied", applied, err)
	}

	app, err := postgres.Open(ctx, appURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	done, pending, err := postgres.Pending(ctx, app.DB)
	if err != nil || pending != 0 || done != len(applied) {
		t.Fatalf("the app role reads %d applied, %d pending (err %v); want %d, 0", done, pending, err, len(applied))
	}

	rolled, err := mg.Down(ctx)
	if err != nil || len(rolled) != len(applied) {
		t.Fatalf("down: %v, %v; want the last group (%d) rolled back", rolled, err, len(applied))
	}
	var tables int
	if err := owner.NewRaw("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'bun\\_%'").Scan(ctx, &tables); err != nil || tables != 0 {
		t.Fatalf("%d tables left after down (err %v); want 0", tables, err)
	}
	if _, pending, _ := postgres.Pending(ctx, owner.DB); pending != len(applied) {
		t.Fatalf("%d pending after down; want %d", pending, len(applied))
	}
	if again, err := mg.Up(ctx); err != nil || len(again) != len(applied) {
		t.Fatalf("up again: %v, %v", again, err)
	}
}
