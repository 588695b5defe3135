package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/alexedwards/argon2id"
	"github.com/urfave/cli/v3"

	"github.com/vendredi-app/vendredi/internal/demo"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/tenants"
)

func migrateCommand() *cli.Command {
	owner := []cli.Flag{
		&cli.StringFlag{Name: "owner-url", Usage: "PostgreSQL URL of the owner role that runs migrations",
			Value: defaultOwnerURL, Sources: cli.EnvVars("DATABASE_OWNER_URL"), Validator: validDatabaseURL("DATABASE_OWNER_URL")},
		&cli.StringFlag{Name: "app-role", Usage: "role the server connects as; migrations grant it its privileges",
			Value: postgres.DefaultAppRole, Sources: cli.EnvVars("DATABASE_APP_ROLE")},
	}
	withMigrator := func(fn func(context.Context, *cli.Command, *postgres.Migrator) error) cli.ActionFunc {
		return func(ctx context.Context, cmd *cli.Command) error {
			db, err := postgres.Open(ctx, cmd.String("owner-url"), postgres.Options{MaxConns: 2})
			if err != nil {
				return err
			}
			defer db.Close()
			mg, err := postgres.NewMigrator(db.DB, cmd.String("app-role"))
			if err != nil {
				return err
			}
			return fn(ctx, cmd, mg)
		}
	}
	report := func(cmd *cli.Command, verb string, names []string) {
		if len(names) == 0 {
			fmt.Fprintf(cmd.Root().Writer, "no migration %s\n", verb)
		}
		for _, n := range names {
			fmt.Fprintf(cmd.Root().Writer, "%s %s\n", verb, n)
		}
	}
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply, roll back or list the database migrations (as the owner role)",
		Flags: owner,
		Commands: []*cli.Command{
			{Name: "up", Usage: "apply every pending migration", Action: withMigrator(func(ctx context.Context, cmd *cli.Command, mg *postgres.Migrator) error {
				names, err := mg.Up(ctx)
				report(cmd, "applied", names)
				return err
			})},
			{Name: "down", Usage: "roll back the last group of migrations applied", Action: withMigrator(func(ctx context.Context, cmd *cli.Command, mg *postgres.Migrator) error {
				names, err := mg.Down(ctx)
				report(cmd, "rolled back", names)
				return err
			})},
			{Name: "status", Usage: "list migrations and whether each is applied", Action: withMigrator(func(ctx context.Context, cmd *cli.Command, mg *postgres.Migrator) error {
				st, err := mg.Status(ctx)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.Root().Writer, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "MIGRATION\tSTATE")
				for _, s := range st {
					state := "pending"
					if s.Applied {
						state = fmt.Sprintf("applied (group %d)", s.GroupID)
					}
					fmt.Fprintf(w, "%s_%s\t%s\n", s.Name, s.Comment, state)
				}
				return w.Flush()
			})},
		},
	}
}

func seedCommand() *cli.Command {
	return &cli.Command{
		Name:  "seed",
		Usage: "load data sets",
		Commands: []*cli.Command{{
			Name:  "demo",
			Usage: "load the demo world (Acme, Globex, associations, the four vital missions); running it again changes nothing",
			Action: func(ctx context.Context, cmd *cli.Command) error {
				db, err := openDB(ctx, cmd, postgres.Options{MaxConns: 2})
				if err != nil {
					return err
				}
				defer db.Close()
				hash, err := argon2id.CreateHash(demo.Password, identity.DefaultConfig().Hash)
				if err != nil {
					return err
				}
				rep, err := postgres.SeedDemo(ctx, db, hash)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.Root().Writer, "demo world: %d companies, %d members, %d platform accounts, %d associations, %d missions, %d sign-ups added\n",
					rep.Tenants, rep.Members, rep.Accounts, rep.Associations, rep.Missions, rep.Participations)
				return nil
			},
		}, seedMissionsCommand()},
	}
}

func tenantsCommand() *cli.Command {
	withStore := func(fn func(context.Context, *cli.Command, *postgres.TenantStore) error) cli.ActionFunc {
		return func(ctx context.Context, cmd *cli.Command) error {
			db, err := openDB(ctx, cmd, postgres.Options{MaxConns: 2})
			if err != nil {
				return err
			}
			defer db.Close()
			return fn(ctx, cmd, postgres.NewTenantStore(db))
		}
	}
	oneSlug := func(cmd *cli.Command) (string, error) {
		if cmd.Args().Len() != 1 {
			return "", usageError{fmt.Sprintf("%s takes one company slug, e.g. `vendredi tenants %s acme`", cmd.Name, cmd.Name)}
		}
		return cmd.Args().First(), nil
	}
	setStatus := func(st tenants.Status) cli.ActionFunc {
		return withStore(func(ctx context.Context, cmd *cli.Command, s *postgres.TenantStore) error {
			slug, err := oneSlug(cmd)
			if err != nil {
				return err
			}
			t, err := s.SetStatus(ctx, slug, st)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.Root().Writer, "%s (%s) is %s\n", t.Name, t.Slug, t.Status)
			return nil
		})
	}
	return &cli.Command{
		Name:  "tenants",
		Usage: "onboard and manage companies (platform staff)",
		Commands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "onboard a company",
				UsageText: "vendredi tenants create --slug acme --name Acme --email-domain acme.fr --admin-email rh@acme.fr [--admin-name 'Claire Martin'] [--custom-domain benevolat.acme.fr] [--locale fr] [--accent '#1a6b4f'] [--logo logo.svg]",
				// No mail flags: the invitation is queued with the company, in
				// its transaction, and the workers of serve or worker send it.
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "admin-email", Usage: "first HR admin, invited by mail (recommended)"},
					&cli.StringFlag{Name: "admin-name", Usage: "the HR admin's name"},
					&cli.StringFlag{Name: "public-url", Usage: "the platform's address, for the link in the invitation",
						Value: "http://localhost:3000", Sources: cli.EnvVars("PUBLIC_URL")},
					&cli.StringFlag{Name: "slug", Usage: "address of the company: {slug}.{base domain} (required)"},
					&cli.StringFlag{Name: "name", Usage: "name shown to employees (required)"},
					&cli.StringSliceFlag{Name: "email-domain", Usage: "mail domain of the company's employees (repeat for several)"},
					&cli.StringSliceFlag{Name: "custom-domain", Usage: "extra host serving the company (repeat for several)"},
					&cli.StringFlag{Name: "locale", Usage: "fr or en", Value: "fr"},
					&cli.StringFlag{Name: "accent", Usage: "the company's colour in its pages, #rrggbb, dark enough for white text"},
					&cli.StringFlag{Name: "logo", Usage: "file of the company's logo (PNG, JPEG, WebP or SVG, 256 KiB at most); needs --admin-email"},
				},
				Action: withStore(func(ctx context.Context, cmd *cli.Command, s *postgres.TenantStore) error {
					if cmd.String("admin-email") != "" {
						return onboard(ctx, cmd, s)
					}
					t, err := tenants.New(cmd.String("slug"), cmd.String("name"), cmd.StringSlice("email-domain"), cmd.String("locale"))
					if err != nil {
						return err
					}
					if err := t.SetCustomDomains(cmd.StringSlice("custom-domain")); err != nil {
						return err
					}
					if cmd.String("logo") != "" {
						return usageError{"--logo needs --admin-email: a company is branded when it is onboarded with its HR admin"}
					}
					if _, err := t.Brand(cmd.String("accent"), nil); err != nil {
						return err
					}
					if err := s.Create(ctx, t); err != nil {
						return err
					}
					fmt.Fprintf(cmd.Root().Writer, "created %s (%s), id %s\n", t.Name, t.Slug, t.ID)
					return nil
				}),
			},
			{
				Name:  "list",
				Usage: "list companies",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
				Action: withStore(func(ctx context.Context, cmd *cli.Command, s *postgres.TenantStore) error {
					list, err := s.List(ctx)
					if err != nil {
						return err
					}
					out := cmd.Root().Writer
					if cmd.Bool("json") {
						enc := json.NewEncoder(out)
						enc.SetIndent("", "  ")
						return enc.Encode(list)
					}
					w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
					fmt.Fprintln(w, "SLUG\tNAME\tSTATUS\tLOCALE\tEMAIL DOMAINS\tCUSTOM DOMAINS")
					for _, t := range list {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Slug, t.Name, t.Status, t.Locale,
							strings.Join(t.EmailDomains, ","), strings.Join(t.CustomDomains, ","))
					}
					return w.Flush()
				}),
			},
			{Name: "suspend", Usage: "suspend a company: its site answers 404 with a notice", ArgsUsage: "SLUG", Action: setStatus(tenants.Suspended)},
			{Name: "resume", Usage: "resume a suspended company", ArgsUsage: "SLUG", Action: setStatus(tenants.Active)},
		},
	}
}

// onboard creates a company with its first HR admin, who gets an invitation.
func onboard(ctx context.Context, cmd *cli.Command, s *postgres.TenantStore) error {
	if len(cmd.StringSlice("custom-domain")) > 0 {
		return usageError{"--custom-domain cannot be combined with --admin-email yet: create the company, then add its domains"}
	}
	var (
		logo []byte
		err  error
	)
	if f := cmd.String("logo"); f != "" {
		if logo, err = os.ReadFile(f); err != nil {
			return usageError{fmt.Sprintf("--logo: %v", err)}
		}
	}
	links, err := tenants.ParseAddresses(cmd.String("public-url"))
	if err != nil {
		return usageError{"--public-url: " + err.Error()}
	}
	// The invitation goes through the outbox, like every mail: queued in
	// the transaction that creates the company, delivered by the workers
	// (serve or worker) with retries, never lost to a mail server down now.
	q, err := jobs.New(ctx, s.DB(), jobs.Options{})
	if err != nil {
		return err
	}
	defer q.Close()
	ids := identityService(s.DB(), q.Outbox(), links)
	t, admin, err := ids.OnboardCompany(ctx, nil, identity.OnboardInput{Slug: cmd.String("slug"), Name: cmd.String("name"),
		Locale: cmd.String("locale"), EmailDomains: cmd.StringSlice("email-domain"), AdminEmail: cmd.String("admin-email"),
		AdminName: cmd.String("admin-name"), Accent: cmd.String("accent"), Logo: logo},
		identity.Client{IP: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.Root().Writer, "created %s (%s), id %s\ninvited %s as HR admin (the mail is queued: `vendredi serve` or `vendredi worker` sends it)\n",
		t.Name, t.Slug, t.ID, admin.Email)
	return nil
}

func dbCommand() *cli.Command {
	return &cli.Command{
		Name:  "db",
		Usage: "database set-up for development and tests",
		Commands: []*cli.Command{{
			Name: "provision",
			Usage: "create the owner and app roles and the database on a server, then print their URLs as shell exports " +
				"(needs an administrator URL: a superuser, or a role with CREATEROLE and CREATEDB)",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "admin-url", Usage: "PostgreSQL URL of an administrator", Value: defaultAdminURL,
					Sources: cli.EnvVars("DATABASE_ADMIN_URL"), Validator: validDatabaseURL("DATABASE_ADMIN_URL")},
				&cli.StringFlag{Name: "database", Usage: "database to create", Value: "vendredi", Sources: cli.EnvVars("DATABASE_NAME")},
			},
			Action: func(ctx context.Context, cmd *cli.Command) error {
				p := postgres.DevProvision(cmd.String("database"))
				if err := p.Apply(ctx, cmd.String("admin-url")); err != nil {
					return err
				}
				owner, app, err := p.URLs(cmd.String("admin-url"))
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.Root().Writer, "export DATABASE_URL='%s'\nexport DATABASE_OWNER_URL='%s'\n", app, owner)
				return nil
			},
		}},
	}
}
