// Package pgtest gives each test package a fresh PostgreSQL database, cloned
// from a template database migrated once per version of the migrations.
//
// The server is found at VENDREDI_TEST_ADMIN_URL (set by `make test`, which
// finds or starts one), else at the local default. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and call pgtest.New(t) in tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
	"github.com/vendredi-app/vendredi/migrations"
)

// DefaultAdminURL is the development server: local, trust authentication.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the server the tests use.
func AdminURL() string {
	if u := os.Getenv("VENDREDI_TEST_ADMIN_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// Env is one package's database.
type Env struct {
	Database string
	OwnerURL string // the owner role: migrations
	AppURL   string // the server's role, bound by row-level security
	App      *postgres.DB
	Owner    *postgres.DB
}

var (
	once     sync.Once
	env      *Env
	setupErr error
)

// Main runs the tests of a package, then drops its database.
func Main(m *testing.M) int {
	code := m.Run()
	if env != nil {
		env.App.Close()
		env.Owner.Close()
		if err := drop(env.Database); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// New returns the package's database, creating it on first use.
func New(t testing.TB) *Env {
	t.Helper()
	once.Do(func() { env, setupErr = setup(context.Background()) })
	if setupErr != nil {
		t.Fatalf("pgtest: %v\n(PostgreSQL is needed: `make test` finds or starts one; or set VENDREDI_TEST_ADMIN_URL)", setupErr)
	}
	return env
}

// Private returns a database of the test's own, cloned from the same
// migrated template as the package's and dropped when the test ends: for
// a test that counts every row (platform figures), which other tests
// writing in parallel would disturb.
func Private(t testing.TB) *Env {
	t.Helper()
	e, err := setup(context.Background())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		e.App.Close()
		e.Owner.Close()
		if err := drop(e.Database); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return e
}

// Provision is the roles and database of a package.
func provision(db string) postgres.Provision { return postgres.DevProvision(db) }

func setup(ctx context.Context) (*Env, error) {
	admin := AdminURL()
	if err := provision("").Apply(ctx, admin); err != nil {
		return nil, err
	}
	tpl, err := templateName()
	if err != nil {
		return nil, err
	}
	name := "vendredi_test_" + randomSuffix()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	// One package at a time builds the template or clones it: CREATE
	// DATABASE refuses a template that another session is connected to.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext('vendredi:test-template'))"); err != nil {
		return nil, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('vendredi:test-template'))") //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tpl).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		if err := buildTemplate(ctx, conn, admin, tpl); err != nil {
			return nil, fmt.Errorf("build template database: %w", err)
		}
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s OWNER vendredi_owner",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{tpl}.Sanitize())); err != nil {
		return nil, fmt.Errorf("clone template: %w", err)
	}
	p := provision(name)
	if _, err := conn.Exec(ctx, fmt.Sprintf("GRANT CONNECT, TEMPORARY ON DATABASE %s TO %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{p.AppRole}.Sanitize())); err != nil {
		return nil, err
	}
	ownerURL, appURL, err := p.URLs(admin)
	if err != nil {
		return nil, err
	}
	e := &Env{Database: name, OwnerURL: ownerURL, AppURL: appURL}
	if e.App, err = postgres.Open(ctx, appURL, postgres.Options{MaxConns: 20}); err != nil {
		return nil, err
	}
	if e.Owner, err = postgres.Open(ctx, ownerURL, postgres.Options{MaxConns: 4}); err != nil {
		return nil, err
	}
	return e, nil
}

func buildTemplate(ctx context.Context, conn *pgx.Conn, admin, tpl string) error {
	// Templates of older migrations are of no further use.
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'vendredi\\_tpl\\_%' AND datname <> $1", tpl)
	if err != nil {
		return err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range stale {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	building := tpl + "_building"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)"); err != nil {
		return err
	}
	p := provision(building)
	if err := p.Apply(ctx, admin); err != nil {
		return err
	}
	ownerURL, _, err := p.URLs(admin)
	if err != nil {
		return err
	}
	owner, err := postgres.Open(ctx, ownerURL, postgres.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	mg, err := postgres.NewMigrator(owner.DB, p.AppRole)
	if err == nil {
		_, err = mg.Up(ctx)
	}
	owner.Close()
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s",
		pgx.Identifier{building}.Sanitize(), pgx.Identifier{tpl}.Sanitize()))
	return err
}

// templateVersion changes with what Migrator.Up does besides running the
// files (reference data): bump it when that changes.
const templateVersion = "2"

// templateName changes whenever a migration file, the reference data or
// templateVersion changes, so that a stale template is never cloned.
func templateName() (string, error) {
	h := sha256.New()
	h.Write([]byte(templateVersion))
	fmt.Fprintf(h, "river %d", postgres.RiverSchemaVersion)
	for _, s := range taxonomy.Skills() {
		fmt.Fprintf(h, "%+v", s)
	}
	for _, c := range taxonomy.Causes() {
		fmt.Fprintf(h, "%+v", c)
	}
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return "vendredi_tpl_" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

func drop(name string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Empty creates a database with the roles but no schema, dropped when the
// test ends; it returns the owner's and the app's URLs. For migration tests.
func Empty(t testing.TB) (ownerURL, appURL string) {
	t.Helper()
	ctx := context.Background()
	name := "vendredi_test_empty_" + randomSuffix()
	p := provision(name)
	if err := p.Apply(ctx, AdminURL()); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	ownerURL, appURL, err := p.URLs(AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	return ownerURL, appURL
}
