package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// RiverSchemaVersion is the version of River's own schema (the job queue
// of internal/jobs) that `vendredi migrate up` brings the database to.
// Upgrading River to a release with a newer schema is a new migration in
// our sequence that raises it: River's SQL ships inside its module and is
// applied by River's migrator, never copied here, and River records its own
// versions in river_migration beside ours in bun_migrations.
const RiverSchemaVersion = 8

// riverMigration runs River's migrator inside our sequence, so that one
// command, one lock and one status cover both schemas, and the server's role
// gets exactly the privileges River needs on its tables.
func riverMigration(db *bun.DB, appRole string) migrate.Migration {
	migrator := func() (*rivermigrate.Migrator[*sql.Tx], error) {
		return rivermigrate.New(riverdatabasesql.New(db.DB), &rivermigrate.Config{
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}
	return migrate.Migration{
		Name:    "20261201000010",
		Comment: "river_queue",
		Up: func(ctx context.Context, _ *migrate.Migrator, _ *migrate.Migration) error {
			m, err := migrator()
			if err != nil {
				return err
			}
			// One transaction per River version, as River does: a later
			// version uses an enum value that an earlier one adds, which
			// PostgreSQL refuses within one transaction. River records each
			// version, so a run cut short resumes where it stopped.
			if _, err := m.Migrate(ctx, rivermigrate.DirectionUp,
				&rivermigrate.MigrateOpts{TargetVersion: RiverSchemaVersion}); err != nil {
				return fmt.Errorf("river schema: %w", err)
			}
			return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				var rels []struct {
					Name string `bun:"relname"`
					Kind string `bun:"relkind"`
				}
				if err := tx.NewRaw(`SELECT relname, relkind::text FROM pg_class
					WHERE relnamespace = current_schema()::regnamespace AND relname LIKE 'river\_%' AND relkind IN ('r', 'S')`).
					Scan(ctx, &rels); err != nil {
					return err
				}
				for _, r := range rels {
					q := "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE ? TO ?"
					if r.Kind == "S" {
						q = "GRANT USAGE, SELECT ON SEQUENCE ? TO ?"
					}
					if _, err := tx.ExecContext(ctx, q, bun.Ident(r.Name), bun.Ident(appRole)); err != nil {
						return fmt.Errorf("grant %s: %w", r.Name, err)
					}
				}
				return nil
			})
		},
		Down: func(ctx context.Context, _ *migrate.Migrator, _ *migrate.Migration) error {
			m, err := migrator()
			if err != nil {
				return err
			}
			_, err = m.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1})
			return err
		},
	}
}
