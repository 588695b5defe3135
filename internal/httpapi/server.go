// Package httpapi is Vendredi's HTTP transport on Fiber: tenant resolution
// from the Host, the one error handler that maps the errs vocabulary to
// statuses (problem+json for the API, a page for browsers), request ids,
// access logs, health endpoints and the pages.
package httpapi

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/billing"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/internal/platform"
	"github.com/vendredi-app/vendredi/internal/privacy"
	"github.com/vendredi-app/vendredi/internal/sso"
	"github.com/vendredi-app/vendredi/internal/telemetry"
	"github.com/vendredi-app/vendredi/tenants"
	"github.com/vendredi-app/vendredi/web"
)

// Readiness tells whether the server can do its work.
type Readiness interface {
	// Ready returns the state of each dependency; err means not ready.
	Ready(ctx context.Context) (map[string]any, error)
}

// Catalog is what the landing pages read.
type Catalog interface {
	OpenMissions(ctx context.Context, limit int) ([]catalog.MissionSummary, error)
	SanitaryRules(ctx context.Context) ([]catalog.SanitaryRule, error)
	VitalCategories(ctx context.Context) ([]catalog.VitalCategory, error)
}

// Members counts a company's people.
type Members interface {
	Count(ctx context.Context) (map[string]int, error)
}

// Config is what the server needs besides its dependencies.
type Config struct {
	BaseDomain string
	// Links builds every absolute address the server writes and the
	// Origin it expects from browsers (PUBLIC_URL); never the request's
	// Host or forwarded headers.
	Links tenants.Addresses
	// TrustedProxies are the addresses or CIDR ranges of the reverse
	// proxies in front of the server (TRUSTED_PROXIES): only from them is
	// X-Forwarded-For believed, for the client's address. No forwarded
	// header ever chooses the host.
	TrustedProxies []string
	Logger         *slog.Logger
	// SecureCookies marks the session cookie Secure: everywhere but
	// plain-HTTP development.
	SecureCookies bool
	// Tracing opens a span per request (OpenTelemetry); off, the request
	// path pays nothing for it.
	Tracing bool
	// Around, when set, runs first around every request, once its answer
	// is final (errors already turned into responses). The tests check
	// every /api/v1 answer against the OpenAPI document with it.
	Around fiber.Handler
}

// Deps are the stores and checks the handlers use.
type Deps struct {
	Tenants   tenants.Store
	Readiness Readiness
	Catalog   Catalog
	Members   Members
	Identity  *identity.Service
	Authz     *authz.Enforcer
	Offboard  Offboarder
	Catalogue *catalog.Service
	// Participations runs sign-ups.
	Participations *campaign.Participations
	// Matchmaker ranks missions and allocates campaigns.
	Matchmaker *campaign.Matchmaker
	// Reference serves the skills and causes as staff edited them.
	Reference catalog.Reference
	// Campaigns runs campaigns, templates, profiles, hours and figures.
	Campaigns *campaign.Service
	Discovery Discovery // the search and import of missions
	// Mecenat values the hours given on working time and their tax figures.
	Mecenat *mecenat.Service
	// Staff reads platform-wide figures and lists for the staff pages.
	Staff platform.Reader
	// Outbox shows staff the mails that failed for good.
	Outbox Outbox
	// SCIM provisions people and departments (/scim/v2); nil serves none.
	SCIM *SCIM
	// Privacy exports and erases personal data, and keeps the retention.
	Privacy *privacy.Service
	// Notifications: mail preferences, calendar feeds, chat channels.
	Notifications Notifications
	// SSO connects companies to their identity providers.
	SSO *sso.Service
	// Billing is Stripe billing (off without a key).
	Billing *billing.Service
}

// Server holds the handlers' dependencies.
type Server struct {
	cfg     Config
	trusted proxies
	deps    Deps
	log     *slog.Logger
	pages   map[string]*template.Template // by language
}

// New builds the Fiber application.
func New(cfg Config, deps Deps) (*fiber.App, error) {
	pages, err := web.Templates()
	if err != nil {
		return nil, err
	}
	trusted, err := parseProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	if cfg.Links == (tenants.Addresses{}) {
		cfg.Links = tenants.MustAddresses("http://" + cfg.BaseDomain)
	}
	s := &Server{cfg: cfg, trusted: trusted, deps: deps, log: cfg.Logger, pages: pages}
	if s.log == nil {
		s.log = slog.Default()
	}
	app := fiber.New(fiber.Config{
		AppName:               "vendredi",
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           2 * time.Minute,
		BodyLimit:             8 << 20,
		// Fiber's own helpers (Protocol, Hostname, IP) believe forwarded
		// headers from these peers only; the server itself reads the
		// client's address in resolveClient and the host from Host alone.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
	})
	if cfg.Around != nil {
		app.Use(cfg.Around)
	}
	app.Use(requestid.New())
	app.Use(s.resolveClient)
	app.Use(telemetry.Middleware(cfg.Tracing))
	app.Use(s.accessLog)
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	// Pages run no script and load nothing from elsewhere: a policy that
	// says so turns an injection into nothing. The referrer stays home, as
	// mailed links carry their token in the address.
	app.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
			"object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
		XFrameOptions: "DENY", ReferrerPolicy: "same-origin", HSTSMaxAge: 365 * 24 * 3600,
		CrossOriginEmbedderPolicy: "unsafe-none",
	}))
	app.Use(s.validText)

	app.Get("/healthz", authz.Public(), s.healthz)
	app.Get("/readyz", authz.Public(), s.readyz)
	// Browsers ask for /favicon.ico of every site, pages or not (a PDF, a
	// JSON answer): the one icon, which pages also name in their head.
	app.Get("/favicon.ico", authz.Public(), func(c *fiber.Ctx) error {
		return c.Redirect(web.Asset("favicon.svg"), fiber.StatusMovedPermanently)
	})
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static), MaxAge: 365 * 24 * 3600}))

	app.Use(s.resolveTenant)
	app.Use(s.protectCrossOrigin)
	app.Use(s.authenticate)
	app.Use("/platform", s.staffOnly)
	app.Use("/api/v1/platform", s.staffOnly)
	s.routes(app)
	if err := authz.CheckRoutes(app); err != nil {
		return nil, err
	}
	return app, nil
}

// Serve answers on ln until ctx ends, then stops accepting, lets in-flight
// requests finish for at most grace, and returns.
func Serve(ctx context.Context, app *fiber.App, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if err := app.ShutdownWithTimeout(grace); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	checks, err := s.deps.Readiness.Ready(ctx)
	if err != nil {
		s.log.WarnContext(c.UserContext(), "not ready", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "not_ready", "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ready", "checks": checks})
}
