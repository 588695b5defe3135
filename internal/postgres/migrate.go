package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/vendredi-app/vendredi/migrations"
)

// DefaultAppRole is the role the server connects as. Migrations grant it
// what it needs and nothing more; it must not own tables nor bypass RLS.
const DefaultAppRole = "vendredi_app"

// Migrator applies the embedded SQL migrations. It must connect as the
// owner role: tables belong to whoever creates them.
type Migrator struct {
	m  *migrate.Migrator
	db *bun.DB
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Name    string
	Comment string
	Applied bool
	GroupID int64
}

// NewMigrator prepares migrations for db, granting privileges to appRole.
func NewMigrator(db *bun.DB, appRole string) (*Migrator, error) {
	return newMigrator(db, migrations.FS, appRole)
}

func newMigrator(db *bun.DB, fsys fs.FS, appRole string) (*Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(fsys); err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	ms.Add(riverMigration(db, appRole))
	m := migrate.NewMigrator(db, ms,
		migrate.WithTemplateData(map[string]string{"AppRole": pgIdent(appRole)}),
		migrate.WithMarkAppliedOnSuccess(true))
	return &Migrator{m: m, db: db}, nil
}

// Up applies every pending migration as one group and returns their names,
// then loads the reference data the code ships (skills, causes) that the
// database lacks.
func (mg *Migrator) Up(ctx context.Context) ([]string, error) {
	var names []string
	err := mg.locked(ctx, func() error {
		g, err := mg.m.Migrate(ctx)
		if err != nil {
			return err
		}
		if err := mg.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return SeedReference(ctx, tx) }); err != nil {
			return fmt.Errorf("reference data: %w", err)
		}
		for _, m := range g.Migrations {
			names = append(names, m.Name+"_"+m.Comment)
		}
		return nil
	})
	return names, err
}

// Down rolls back the last applied group and returns the names rolled back.
func (mg *Migrator) Down(ctx context.Context) ([]string, error) {
	var names []string
	err := mg.locked(ctx, func() error {
		g, err := mg.m.Rollback(ctx)
		if err != nil {
			return err
		}
		for _, m := range g.Migrations {
			names = append(names, m.Name+"_"+m.Comment)
		}
		return nil
	})
	return names, err
}

// Status lists every known migration with its state.
func (mg *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	if err := mg.m.Init(ctx); err != nil {
		return nil, err
	}
	return mg.status(ctx)
}

func (mg *Migrator) status(ctx context.Context) ([]MigrationStatus, error) {
	ms, err := mg.m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(ms))
	for _, m := range ms {
		out = append(out, MigrationStatus{Name: m.Name, Comment: m.Comment, Applied: m.GroupID > 0, GroupID: m.GroupID})
	}
	return out, nil
}

// Pending counts migrations not yet applied. It only reads, so the server's
// role can call it (readyz): it needs SELECT on bun_migrations.
func Pending(ctx context.Context, db *bun.DB) (applied, pending int, err error) {
	mg, err := NewMigrator(db, DefaultAppRole)
	if err != nil {
		return 0, 0, err
	}
	st, err := mg.status(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range st {
		if s.Applied {
			applied++
		} else {
			pending++
		}
	}
	return applied, pending, nil
}

// locked runs fn under a session advisory lock so that two instances
// starting at once do not race; unlike bun's lock table, a crashed process
// cannot leave it held.
func (mg *Migrator) locked(ctx context.Context, fn func() error) error {
	if err := mg.m.Init(ctx); err != nil {
		return fmt.Errorf("init migrations tables: %w", err)
	}
	conn, err := mg.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	h := fnv.New64a()
	h.Write([]byte("vendredi:migrate"))
	key := int64(h.Sum64())
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", key); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", key) //nolint:errcheck // released with the session anyway
	return fn()
}
