package httpapi

import (
	"log/slog"
	"net"
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

// clientIPKey is the Locals key of the client's address (a string).
const clientIPKey = "client_ip"

// host is the Host the client sent. Never X-Forwarded-Host, whoever sends
// it: the host picks the company and nothing a client adds may switch it.
func host(c *fiber.Ctx) string { return string(c.Request().Host()) }

// resolveClient finds the client's address once: the peer, or, when the
// peer is a trusted proxy, the right-most address of X-Forwarded-For that
// is not itself a trusted proxy. The left of that header is whatever the
// client wrote, so the first address is never believed.
func (s *Server) resolveClient(c *fiber.Ctx) error {
	ip := c.Context().RemoteIP()
	if s.trusted.contains(ip) {
		hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop := net.ParseIP(strings.TrimSpace(hops[i]))
			if hop == nil {
				break // a garbled chain: keep the last address believed
			}
			ip = hop
			if !s.trusted.contains(hop) {
				break
			}
		}
	}
	c.Locals(clientIPKey, ip.String())
	return c.Next()
}

// proxies is a set of trusted proxy addresses and ranges.
type proxies []*net.IPNet

func parseProxies(list []string) (proxies, error) {
	var out proxies
	for _, p := range list {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			ip := net.ParseIP(p)
			if ip == nil {
				return nil, errs.E(errs.Invalid, "trusted proxy %q is not an IP address or a CIDR range", p)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, errs.E(errs.Invalid, "trusted proxy %q is not an IP address or a CIDR range", p)
		}
		out = append(out, n)
	}
	return out, nil
}

func (ps proxies) contains(ip net.IP) bool {
	for _, n := range ps {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// resolveTenant finds the company of the request from its Host, once, and
// puts it in the context. Unknown and suspended companies answer 404, as a
// missing page would; the bare base domain is the platform's side.
func (s *Server) resolveTenant(c *fiber.Ctx) error {
	site := tenants.ParseHost(host(c), s.cfg.BaseDomain)
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

// companyOnly and platformOnly say on which host a route exists: a
// company's routes answer 404 on the platform's host, and the platform's
// on a company's, exactly as an unknown address does.
func companyOnly(c *fiber.Ctx) error {
	if _, err := hostCompany(c); err != nil {
		return err
	}
	return c.Next()
}

func platformOnly(c *fiber.Ctx) error {
	if _, ok := tenants.FromContext(c.UserContext()); ok {
		return errNoSuchAddress()
	}
	return c.Next()
}

// hostCompany is the company whose host the request came to; on the
// platform's host there is none, and the route does not exist.
func hostCompany(c *fiber.Ctx) (*tenants.Tenant, error) {
	t, ok := tenants.FromContext(c.UserContext())
	if !ok {
		return nil, errNoSuchAddress()
	}
	return t, nil
}

func errNoSuchAddress() error { return errs.E(errs.NotFound, nothingHere) }

// staffOnly guards everything under /platform, pages and API: the staff's
// side exists on the platform's own host only (404 on a company's, as
// for any unknown address) and for staff only (403 to anyone else signed
// in; the route's declaration answers 401 to the anonymous). Some of its
// permissions (reading the vital missions) are also an employee's in
// their company: the path, not the permission, says this is staff work.
func (s *Server) staffOnly(c *fiber.Ctx) error {
	if site, _ := c.Locals(siteKey).(tenants.Site); !site.Platform {
		return errNoSuchAddress()
	}
	if p := principal(c); p != nil && !p.Staff {
		return errs.E(errs.Forbidden, "this page is for Vendredi's staff")
	}
	return c.Next()
}
