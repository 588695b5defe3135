package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/sso"
	"github.com/vendredi-app/vendredi/internal/telemetry"
	"github.com/vendredi-app/vendredi/internal/wiring"
	"github.com/vendredi-app/vendredi/tenants"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the HTTP server",
		Description: "Serves the platform on the base domain and each company on {slug}.{base domain} or its custom domains.\n" +
			"It listens once its DB_MAX_CONNS connections to PostgreSQL are open and have run the hot reads of the request path once.\n" +
			"GET /healthz answers while the process lives; GET /readyz when the database answers and migrations are current.\n" +
			"On SIGTERM or SIGINT it stops accepting connections, lets in-flight requests finish and the background jobs running finish.\n" +
			"It works the background jobs (mails, reminders, periodic passes) unless --workers=false, for a deployment\n" +
			"that runs them apart with `vendredi worker`.\n" +
			"Prometheus metrics are served on METRICS_ADDR; traces go over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.",
		Flags: append(append(mailFlags(), billingFlags()...),
			&cli.StringFlag{Name: "public-url", Usage: "the platform's address as people reach it, scheme and port included: " +
				"every link in mails is built from it (a company's under {slug}.its host), never from a request's headers",
				Value: "http://localhost:3000", Sources: cli.EnvVars("PUBLIC_URL"), Validator: validPublicURL},
			&cli.StringSliceFlag{Name: "trusted-proxies", Usage: "addresses or CIDR ranges of the reverse proxies in front " +
				"(comma-separated): only their X-Forwarded-For gives the client's address; unset, no forwarded header is believed",
				Sources: cli.EnvVars("TRUSTED_PROXIES"), Validator: validProxies},
			&cli.StringFlag{Name: "listen", Usage: "address to listen on", Value: ":3000", Sources: cli.EnvVars("LISTEN_ADDR"), Validator: validListenFor("LISTEN_ADDR")},
			&cli.StringFlag{Name: "base-domain", Usage: "domain of the platform; companies are served on its subdomains",
				Value: "localhost", Sources: cli.EnvVars("BASE_DOMAIN"), Validator: validBaseDomain},
			&cli.DurationFlag{Name: "shutdown-timeout", Usage: "how long in-flight requests may take to finish on shutdown",
				Value: 20 * time.Second, Sources: cli.EnvVars("SHUTDOWN_TIMEOUT"), Validator: positiveDuration("SHUTDOWN_TIMEOUT")},
			metricsFlag(),
			&cli.StringFlag{Name: "database-listen-url", Usage: "PostgreSQL URL for LISTEN (role changes), when DATABASE_URL goes " +
				"through a pooler in transaction mode (PgBouncer); default: DATABASE_URL",
				Sources: cli.EnvVars("DATABASE_LISTEN_URL"), Validator: validDatabaseURL("DATABASE_LISTEN_URL")},
			&cli.StringFlag{Name: "sso-encryption-key", Usage: "32 random bytes, base64 or hex (`openssl rand -base64 32`), that seal " +
				"the companies' single sign-on secrets at rest (docs/sso.md); unset, no company can connect an identity provider",
				Sources: cli.EnvVars("SSO_ENCRYPTION_KEY"), Validator: func(s string) error {
					if _, err := sso.ParseKey(s); err != nil {
						return usageError{"invalid SSO_ENCRYPTION_KEY: " + err.Error()}
					}
					return nil
				}},
			&cli.BoolFlag{Name: "workers", Usage: "work the background jobs in this process too (false: only `vendredi worker` does)",
				Value: true, Sources: cli.EnvVars("WORKERS")},
			&cli.IntFlag{Name: "db-max-conns", Usage: "most connections to PostgreSQL", Value: 20, Sources: cli.EnvVars("DB_MAX_CONNS"),
				Validator: func(n int) error {
					if n < 1 || n > 1000 {
						return usageError{fmt.Sprintf("invalid DB_MAX_CONNS %d: want 1 to 1000", n)}
					}
					return nil
				}},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			// Every connection opened and warmed before the server listens:
			// its first requests do not pay for the backends' start-up.
			db, err := openDB(ctx, cmd, postgres.Options{MaxConns: cmd.Int("db-max-conns"), Warm: postgres.WarmHotReads})
			if err != nil {
				return err
			}
			defer db.Close()
			tracing := telemetry.TracingConfigured()
			if tracing {
				shutdown, err := telemetry.StartTracing(ctx, version())
				if err != nil {
					return err
				}
				defer flushTraces(shutdown)
				db.DB = db.WithQueryHook(telemetry.QueryHook{})
				slog.Info("tracing", "exporter", "otlp")
			}
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
			listenURL := cmd.String("database-listen-url")
			if listenURL == "" {
				listenURL = cmd.String("database-url")
			}
			bcfg, err := billingConfig(cmd)
			if err != nil {
				return err
			}
			services, err := wiring.New(ctx, db, sender, wiring.Config{PublicURL: cmd.String("public-url"), Identity: identity.DefaultConfig(), Billing: bcfg,
				Jobs: jobs.Options{Work: cmd.Bool("workers"), ListenURL: listenURL}, SSOKey: cmd.String("sso-encryption-key")})
			if err != nil {
				return err
			}
			// The jobs outlive ctx (the signal) until the requests are done,
			// then get the same grace to finish.
			if err := services.Start(context.WithoutCancel(ctx)); err != nil {
				return err
			}
			// Role changes made through any instance reach this one's cache.
			go services.ListenForRoles(ctx, listenURL)
			srv, err := httpapi.New(httpapi.Config{BaseDomain: base, Links: links, TrustedProxies: cmd.StringSlice("trusted-proxies"),
				Logger: slog.Default(), SecureCookies: !isLocal(base), Tracing: tracing}, services.Deps)
			if err != nil {
				return err
			}
			stopMetrics, err := serveMetrics(cmd, db)
			if err != nil {
				return err
			}
			defer stopMetrics() // last: the drain stays visible
			ln, err := net.Listen("tcp", cmd.String("listen"))
			if err != nil {
				return fmt.Errorf("listen on %s: %w", cmd.String("listen"), err)
			}
			announce(ctx, services.Deps.Tenants, ln.Addr(), cmd.String("base-domain"))
			grace := cmd.Duration("shutdown-timeout")
			err = httpapi.Serve(ctx, srv, ln, grace)
			stopJobs(services, grace)
			slog.Info("stopped")
			return err
		},
	}
}

// flushTraces sends the spans still buffered, for a few seconds at most.
func flushTraces(shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		slog.Warn("traces not all exported", "err", err)
	}
}

// buildVersion is set by the image build (-ldflags -X main.buildVersion=…).
var buildVersion string

// version is the build's version: as the image build set it, else the VCS
// revision or module version, for traces.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return bi.Main.Version
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

// metricsFlag is where GET /metrics listens, for serve and worker alike.
func metricsFlag() cli.Flag {
	return &cli.StringFlag{Name: "metrics-listen", Usage: "address of GET /metrics (Prometheus), apart from the public one; empty: none",
		Value: ":9090", Sources: cli.EnvVars("METRICS_ADDR"), Validator: func(s string) error {
			if s == "" {
				return nil
			}
			return validListenFor("METRICS_ADDR")(s)
		}}
}

// serveMetrics serves GET /metrics on METRICS_ADDR, if set, until the
// returned stop is called.
func serveMetrics(cmd *cli.Command, db *postgres.DB) (func(), error) {
	addr := cmd.String("metrics-listen")
	if addr == "" {
		return func() {}, nil
	}
	stop, bound, err := telemetry.Serve(addr, telemetry.Registry(db.DB.DB))
	if err != nil {
		return nil, fmt.Errorf("METRICS_ADDR: %w", err)
	}
	slog.Info("metrics", "addr", bound, "path", "/metrics")
	return stop, nil
}
