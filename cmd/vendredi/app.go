package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/urfave/cli/v3"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/logging"
	"github.com/vendredi-app/vendredi/internal/postgres"
)

// Development defaults: the roles and database that `vendredi db provision`
// (run by `make run`) creates on a local server.
const (
	defaultDatabaseURL = "postgres://vendredi_app:vendredi_app@127.0.0.1:5432/vendredi?sslmode=disable"
	defaultOwnerURL    = "postgres://vendredi_owner:vendredi_owner@127.0.0.1:5432/vendredi?sslmode=disable"
	defaultAdminURL    = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

// usageError is bad input on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := rootCommand(stdout, stderr)
	err := cmd.Run(ctx, args)
	if err == nil {
		return 0
	}
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vendredi: %s\n", ue.msg)
		return 2
	case errs.CodeOf(err) == errs.Internal:
		fmt.Fprintf(stderr, "vendredi: %v\n", err)
	default:
		fmt.Fprintf(stderr, "vendredi: %s\n", errs.MessageOf(err))
		if errs.Is(err, errs.Unavailable) {
			fmt.Fprintln(stderr, "hint: is PostgreSQL running? `make run` finds or starts one and sets DATABASE_URL; see README.md")
		}
	}
	return 1
}

func rootCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "vendredi",
		Usage: "companies mobilise their employees for associations",
		Description: "Every setting can be given as a flag or as the environment variable shown in brackets.\n" +
			"Development defaults match what `make run` provisions on a local PostgreSQL.",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "database-url", Usage: "PostgreSQL URL of the server's role (bound by row-level security)",
				Value: defaultDatabaseURL, Sources: cli.EnvVars("DATABASE_URL"), Validator: validDatabaseURL("DATABASE_URL")},
			&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", Value: "info", Sources: cli.EnvVars("LOG_LEVEL"),
				Validator: func(s string) error { _, err := logging.ParseLevel(s); return setting("LOG_LEVEL", err) }},
			&cli.StringFlag{Name: "log-format", Usage: "text or json", Value: "text", Sources: cli.EnvVars("LOG_FORMAT"),
				Validator: func(s string) error {
					_, err := logging.New(io.Discard, s, slog.LevelInfo)
					return setting("LOG_FORMAT", err)
				}},
		},
		Before: func(ctx context.Context, cmd *cli.Command) (context.Context, error) {
			lvl, _ := logging.ParseLevel(cmd.String("log-level"))
			log, _ := logging.New(stderr, cmd.String("log-format"), lvl)
			slog.SetDefault(log)
			return ctx, nil
		},
		OnUsageError: func(_ context.Context, _ *cli.Command, err error, _ bool) error {
			return usageError{err.Error()}
		},
		Commands: []*cli.Command{
			serveCommand(),
			workerCommand(),
			migrateCommand(),
			seedCommand(),
			tenantsCommand(),
			dbCommand(),
		},
	}
}

// setting names the environment variable of a bad value.
func setting(env string, err error) error {
	if err == nil {
		return nil
	}
	return usageError{fmt.Sprintf("invalid %s: %v", env, err)}
}

func validDatabaseURL(env string) func(string) error {
	return func(s string) error {
		if _, err := pgx.ParseConfig(s); err != nil {
			return usageError{fmt.Sprintf("invalid %s: not a PostgreSQL URL such as postgres://user:pass@host:5432/db", env)}
		}
		return nil
	}
}

func validListenFor(env string) func(string) error {
	return func(s string) error {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return usageError{fmt.Sprintf("invalid %s %q: want host:port such as :3000 or 127.0.0.1:8080", env, s)}
		}
		return nil
	}
}

func validBaseDomain(s string) error {
	host := s
	if strings.ContainsAny(s, "/@ ") {
		host = ""
	} else if h, _, err := net.SplitHostPort(s); err == nil {
		host = h
	}
	if host == "" || strings.ContainsAny(host, "/:@ ") || strings.HasPrefix(host, ".") {
		return usageError{fmt.Sprintf("invalid BASE_DOMAIN %q: want a host name such as localhost or vendredi.example", s)}
	}
	return nil
}

func openDB(ctx context.Context, cmd *cli.Command, opt postgres.Options) (*postgres.DB, error) {
	return postgres.Open(ctx, cmd.String("database-url"), opt)
}

func positiveDuration(env string) func(time.Duration) error {
	return func(d time.Duration) error {
		if d <= 0 {
			return usageError{fmt.Sprintf("invalid %s %s: want a positive duration such as 20s", env, d)}
		}
		return nil
	}
}
