package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/wiring"
)

// workerCommand works the background jobs without serving HTTP: for a
// deployment that scales them apart from the web processes (which then run
// `serve --workers=false`). Any number of workers and serves share the
// queue; the periodic jobs run once per period among them.
func workerCommand() *cli.Command {
	return &cli.Command{
		Name:  "worker",
		Usage: "work the background jobs: mails, reminders, periodic passes",
		Description: "Works the job queue kept in PostgreSQL until SIGTERM or SIGINT, then lets running jobs finish\n" +
			"within --shutdown-timeout. `vendredi serve` works the same queue unless --workers=false.",
		Flags: append(append(mailFlags(), billingFlags()...),
			&cli.StringFlag{Name: "public-url", Usage: "the platform's address, for links in mails",
				Value: "http://localhost:3000", Sources: cli.EnvVars("PUBLIC_URL")},
			&cli.StringFlag{Name: "base-domain", Usage: "domain of the platform (a localhost one allows logging mails instead of sending them)",
				Value: "localhost", Sources: cli.EnvVars("BASE_DOMAIN"), Validator: validBaseDomain},
			&cli.DurationFlag{Name: "shutdown-timeout", Usage: "how long running jobs may take to finish on shutdown",
				Value: 20 * time.Second, Sources: cli.EnvVars("SHUTDOWN_TIMEOUT"), Validator: positiveDuration("SHUTDOWN_TIMEOUT")},
			metricsFlag(),
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			db, err := openDB(ctx, cmd, postgres.Options{MaxConns: 10})
			if err != nil {
				return err
			}
			defer db.Close()
			sender, err := mailSender(cmd, isLocal(cmd.String("base-domain")))
			if err != nil {
				return err
			}
			bcfg, err := billingConfig(cmd)
			if err != nil {
				return err
			}
			services, err := wiring.New(ctx, db, sender, wiring.Config{PublicURL: cmd.String("public-url"), Identity: identity.DefaultConfig(), Billing: bcfg,
				Jobs: jobs.Options{Work: true, ListenURL: cmd.String("database-url")}})
			if err != nil {
				return err
			}
			if err := services.Start(context.WithoutCancel(ctx)); err != nil {
				return fmt.Errorf("start the workers: %w", err)
			}
			// Jobs by kind and outcome, queue depth, mails: scraped here
			// when the workers run apart from serve.
			stopMetrics, err := serveMetrics(cmd, db)
			if err != nil {
				return err
			}
			defer stopMetrics()
			slog.Info("working the background jobs")
			<-ctx.Done()
			stopJobs(services, cmd.Duration("shutdown-timeout"))
			slog.Info("stopped")
			return nil
		},
	}
}

// stopJobs lets running jobs finish within grace, then cancels them: a
// cancelled job is retried by another worker.
func stopJobs(s *wiring.Services, grace time.Duration) {
	if err := s.Stop(grace); err != nil {
		slog.Warn("background jobs stopped with an error", "err", err)
	}
}
