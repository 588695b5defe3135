package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/urfave/cli/v3"

	"github.com/vendredi-app/vendredi/internal/catalog/gen"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/tenants"
)

// seedMissionsCommand loads a generated catalogue: the data the search
// figures of docs/search.md are measured on.
func seedMissionsCommand() *cli.Command {
	return &cli.Command{
		Name:  "missions",
		Usage: "load a generated catalogue: associations and missions over France, in French (for load tests and benchmarks)",
		Description: "Generates --count missions (a third of as many associations, nine in ten verified) from --seed and loads\n" +
			"them with COPY. The same seed gives the same catalogue: running it again adds nothing. About 1 % of the\n" +
			"missions are listed for one of the active companies, when there are any.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "count", Usage: "missions to generate", Value: 1000, Validator: func(n int) error {
				if n < 1 || n > 1_000_000 {
					return usageError{fmt.Sprintf("invalid --count %d: want 1 to 1 000 000", n)}
				}
				return nil
			}},
			&cli.Uint64Flag{Name: "seed", Usage: "seed of the generator: the same seed, the same catalogue", Value: 1},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			db, err := openDB(ctx, cmd, postgres.Options{MaxConns: 2})
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := postgres.NewTenantStore(db).List(ctx)
			if err != nil {
				return err
			}
			var companies []uuid.UUID
			for _, t := range list {
				if t.Status == tenants.Active {
					companies = append(companies, t.ID)
				}
			}
			start := time.Now()
			w := gen.Generate(gen.Options{Seed: cmd.Uint64("seed"), Missions: cmd.Int("count"), Companies: companies})
			generated := time.Since(start)
			rep, err := postgres.BulkLoad(ctx, db, w.Associations, w.Missions)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.Root().Writer, "generated %d missions in %v; added %d associations, %d missions, %d mission skills in %v\n",
				len(w.Missions), generated.Round(time.Millisecond), rep.Associations, rep.Missions, rep.Skills,
				(time.Since(start) - generated).Round(time.Millisecond))
			return nil
		},
	}
}
