package httpapi

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/logging"
	"github.com/vendredi-app/vendredi/tenants"
)

// accessLog logs one line per request, with the request id in the context
// for every line logged while serving it. It runs the error handler itself
// so that the logged status is the one sent.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	// Fiber reuses its buffers: copy what outlives the handler.
	rid := utils.CopyString(requestID(c))
	c.SetUserContext(logging.With(c.UserContext(), slog.String("request_id", rid)))
	if err := c.Next(); err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	if c.Path() == "/healthz" || c.Path() == "/readyz" {
		level = slog.LevelDebug
	}
	s.log.Log(c.UserContext(), level, "http",
		"method", c.Method(), "path", c.Path(), "status", status,
		"duration_ms", float64(time.Since(start).Microseconds())/1000, "bytes", len(c.Response().Body()))
	return nil
}

// siteKey is the Locals key of the tenants.Site of a request.
const siteKey = "site"

// resolveTenant finds the company of the request from its Host, once, and
// puts it in the context. Unknown and suspended companies answer 404, as a
// missing page would; the bare base domain is the platform's side.
func (s *Server) resolveTenant(c *fiber.Ctx) error {
	site := tenants.ParseHost(c.Hostname(), s.cfg.BaseDomain)
	c.Locals(siteKey, site)
	if site.Platform {
		return c.Next()
	}
	ctx := c.UserContext()
	var (
		t   *tenants.Tenant
		err error
	)
	if site.Slug != "" {
		t, err = s.deps.Tenants.BySlug(ctx, strings.Clone(site.Slug))
	} else {
		t, err = s.deps.Tenants.ByHost(ctx, strings.Clone(site.Host))
	}
	if errs.Is(err, errs.NotFound) {
		return errs.E(errs.NotFound, "No company uses Vendredi at this address. Check the link you were given.")
	}
	if err != nil {
		return err
	}
	if t.Status == tenants.Suspended {
		msg := "L'espace de " + t.Name + " est suspendu. Votre service RH peut vous en dire plus."
		if t.Locale == "en" {
			msg = "The space of " + t.Name + " is suspended. Your HR team can tell you more."
		}
		return errs.E(errs.NotFound, "%s", msg)
	}
	ctx = tenants.NewContext(ctx, t)
	c.SetUserContext(logging.With(ctx, slog.String("tenant", t.Slug)))
	return c.Next()
}
