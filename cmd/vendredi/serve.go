package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/wiring"
	"github.com/vendredi-app/vendredi/tenants"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the HTTP server",
		Description: "Serves the platform on the base domain and each company on {slug}.{base domain} or its custom domains.\n" +
			"GET /healthz answers while the process lives; GET /readyz when the database answers and migrations are current.\n" +
			"On SIGTERM or SIGINT it stops accepting connections and lets in-flight requests finish.",
		Flags: append(mailFlags(),
			&cli.StringFlag{Name: "public-url", Usage: "the platform's address as people reach it, scheme and port included: " +
				"every link in mails is built from it (a company's under {slug}.its host), never from a request's headers",
				Value: "http://localhost:3000", Sources: cli.EnvVars("PUBLIC_URL"), Validator: validPublicURL},
			&cli.StringSliceFlag{Name: "trusted-proxies", Usage: "addresses or CIDR ranges of the reverse proxies in front " +
				"(comma-separated): only their X-Forwarded-For gives the client's address; unset, no forwarded header is believed",
				Sources: cli.EnvVars("TRUSTED_PROXIES"), Validator: validProxies},
			&cli.StringFlag{Name: "listen", Usage: "address to listen on", Value: ":3000", Sources: cli.EnvVars("LISTEN_ADDR"), Validator: validListen},
			&cli.StringFlag{Name: "base-domain", Usage: "domain of the platform; companies are served on its subdomains",
				Value: "localhost", Sources: cli.EnvVars("BASE_DOMAIN"), Validator: validBaseDomain},
			&cli.DurationFlag{Name: "shutdown-timeout", Usage: "how long in-flight requests may take to finish on shutdown",
				Value: 20 * time.Second, Sources: cli.EnvVars("SHUTDOWN_TIMEOUT"), Validator: positiveDuration("SHUTDOWN_TIMEOUT")},
			&cli.IntFlag{Name: "db-max-conns", Usage: "most connections to PostgreSQL", Value: 20, Sources: cli.EnvVars("DB_MAX_CONNS"),
				Validator: func(n int) error {
					if n < 1 || n > 1000 {
						return usageError{fmt.Sprintf("invalid DB_MAX_CONNS %d: want 1 to 1000", n)}
					}
					return nil
				}},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			db, err := openDB(ctx, cmd, cmd.Int("db-max-conns"))
			if err != nil {
				return err
			}
			defer db.Close()
			base := cmd.String("base-domain")
			links, err := tenants.ParseAddresses(cmd.String("public-url"))
			if err != nil {
				return usageError{err.Error()}
			}
			if bh := strings.ToLower(strings.Split(base, ":")[0]); links.Host() != bh {
				return usageError{fmt.Sprintf("PUBLIC_URL %s is not on BASE_DOMAIN %s: companies are served on {slug}.%s, "+
					"and their links must point there", cmd.String("public-url"), base, bh)}
			}
			sender, err := mailSender(cmd, isLocal(base))
			if err != nil {
				return err
			}
			services, err := wiring.New(db, sender, wiring.Config{PublicURL: cmd.String("public-url"), Identity: identity.DefaultConfig()})
			if err != nil {
				return err
			}
			services.StartJobs(ctx)
			// Role changes made through any instance reach this one's cache.
			go services.ListenForRoles(ctx, cmd.String("database-url"))
			srv, err := httpapi.New(httpapi.Config{BaseDomain: base, Links: links, TrustedProxies: cmd.StringSlice("trusted-proxies"),
				Logger: slog.Default(), SecureCookies: !isLocal(base)}, services.Deps)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", cmd.String("listen"))
			if err != nil {
				return fmt.Errorf("listen on %s: %w", cmd.String("listen"), err)
			}
			announce(ctx, services.Deps.Tenants, ln.Addr(), cmd.String("base-domain"))
			err = httpapi.Serve(ctx, srv, ln, cmd.Duration("shutdown-timeout"))
			slog.Info("stopped")
			return err
		},
	}
}

// announce logs the addresses to open, so that a new developer knows where
// to point a browser.
func announce(ctx context.Context, store tenants.Store, addr net.Addr, base string) {
	port := ""
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.Port != 80 {
		port = fmt.Sprintf(":%d", tcp.Port)
	}
	slog.Info("listening", "addr", addr.String(), "platform", "http://"+base+port+"/")
	list, err := store.List(ctx)
	if err != nil {
		slog.Warn("cannot list companies", "err", err)
		return
	}
	for _, t := range list {
		if t.Status == tenants.Active {
			slog.Info("company", "name", t.Name, "url", "http://"+t.Slug+"."+base+port+"/")
		}
	}
}

func validPublicURL(s string) error {
	if _, err := tenants.ParseAddresses(s); err != nil {
		return usageError{"invalid PUBLIC_URL: " + strings.TrimPrefix(err.Error(), "invalid public URL ")}
	}
	return nil
}

func validProxies(list []string) error {
	for _, p := range list {
		p = strings.TrimSpace(p)
		if _, _, err := net.ParseCIDR(p); err == nil || net.ParseIP(p) != nil || p == "" {
			continue
		}
		return usageError{fmt.Sprintf("invalid TRUSTED_PROXIES entry %q: want IP addresses or CIDR ranges, such as 10.0.0.0/8", p)}
	}
	return nil
}
