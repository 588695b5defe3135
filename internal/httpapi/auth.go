package httpapi

import (
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/logging"
)

// SessionCookie carries the session token. Host-only (no Domain attribute):
// a company's session never travels to another company's host.
const SessionCookie = "vendredi_session"

// protectCrossOrigin refuses state-changing browser requests that come from
// another origin (including another company's host, which is same-site),
// with no token to thread through forms. An Origin, when sent, must be
// exactly this host's under the configured scheme: a page served over
// plain http may not post to the https site, and a foreign Origin is
// refused whatever Sec-Fetch-Site claims beside it. Without an Origin,
// Sec-Fetch-Site must say same-origin (or none: typed by the person);
// a request with neither header comes from no browser, and its
// credentials were not sent by one.
func (s *Server) protectCrossOrigin(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if c.Path() == ssoACSPath {
		// The SAML provider posts from its own site by design; the
		// response proves itself by its signature and uses no cookie.
		return c.Next()
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		if !strings.EqualFold(origin, s.cfg.Links.Origin(host(c))) {
			return errs.E(errs.Forbidden, "cross-origin request refused")
		}
		return c.Next()
	}
	switch c.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return c.Next()
	}
	return errs.E(errs.Forbidden, "cross-origin request refused")
}

// authenticate puts the caller in the context: a session cookie or a
// bearer token valid for this host, or nobody. A credential of another
// company, expired or revoked, makes the request anonymous, never an error.
func (s *Server) authenticate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var (
		pr  *identity.Principal
		err error
	)
	// Taken before the session's read: roles primed from it are dropped
	// if a role change was announced meanwhile (RoleManager.Prime).
	var epoch uint64
	if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(auth, "Bearer ") {
		pr, err = s.deps.Identity.AuthenticateToken(ctx, strings.TrimSpace(strings.TrimPrefix(auth, "Bearer ")))
	} else if cookie := c.Cookies(SessionCookie); cookie != "" {
		epoch = s.deps.Authz.Roles().Epoch()
		pr, err = s.deps.Identity.Authenticate(ctx, utils.CopyString(cookie))
		if errs.Is(err, errs.NotFound) {
			s.clearSession(c)
		}
	}
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	if pr != nil {
		ctx = identity.WithPrincipal(ctx, pr)
		dom := authz.Platform
		if pr.TenantID != uuid.Nil {
			dom = authz.TenantDomain(pr.TenantID)
		}
		if pr.Loaded && pr.Kind == identity.KindMember {
			// The session's read is the member's row, active (or there
			// would be no session): its role is what the role source
			// would answer, so the first check needs no lookup of its own.
			s.deps.Authz.Roles().Prime(epoch, pr.ID.String(), dom, []string{pr.Role})
		}
		ctx = authz.WithPrincipal(ctx, authz.Principal{Subject: pr.ID.String(), Domain: dom})
		ctx = logging.With(ctx, slog.String("actor", pr.Kind+":"+pr.ID.String()))
		c.SetUserContext(ctx)
	}
	return c.Next()
}

func (s *Server) setSession(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: token, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: s.cfg.SecureCookies, Expires: time.Now().Add(14 * 24 * time.Hour)})
}

func (s *Server) clearSession(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: s.cfg.SecureCookies, Expires: time.Unix(0, 0), MaxAge: -1})
}

// client describes the request for rate limits and audit: the address
// resolveClient found (a trusted proxy's X-Forwarded-For, else the peer).
func client(c *fiber.Ctx) identity.Client {
	ip, _ := c.Locals(clientIPKey).(string)
	return identity.Client{IP: ip, UserAgent: utils.CopyString(c.Get(fiber.HeaderUserAgent))}
}

// principal returns the caller; the route's declaration already refused
// anonymous requests where a caller is needed.
func principal(c *fiber.Ctx) *identity.Principal { return identity.PrincipalFrom(c.UserContext()) }

// bind decodes a JSON (or form) body into v, with a 400 naming the problem.
// An empty body decodes to nothing: the fields' own checks then say what
// is missing, and actions that need no input take none.
func bind(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	if err := c.BodyParser(v); err != nil {
		return errs.Wrap(err, errs.Invalid, "the request body is not valid JSON or form data for this endpoint")
	}
	return nil
}

// sendJSON answers v as JSON encoded straight into the response's body.
// c.JSON encodes into a buffer, then copies it into a new slice for the
// body: 24 of the 175 KB a search page of 21 missions allocated
// (docs/performance.md, 2026-12-03). Used on the hot answers (searches,
// recommendations).
func sendJSON(c *fiber.Ctx, v any) error {
	res := c.Response()
	res.Header.SetContentType(fiber.MIMEApplicationJSON)
	res.ResetBody()
	return json.NewEncoder(res.BodyWriter()).Encode(v)
}

type principalJSON struct {
	Kind         string      `json:"kind"`
	ID           uuid.UUID   `json:"id"`
	Email        string      `json:"email,omitempty"`
	Name         string      `json:"name"`
	Role         string      `json:"role,omitempty"`
	Staff        bool        `json:"staff,omitempty"`
	Associations []uuid.UUID `json:"associations,omitempty"`
}

func principalView(p *identity.Principal) principalJSON {
	return principalJSON{Kind: p.Kind, ID: p.ID, Email: p.Email, Name: p.Name, Role: p.Role, Staff: p.Staff, Associations: p.Associations}
}

// signedIn answers a successful sign-in of any kind.
func (s *Server) signedIn(c *fiber.Ctx, token string, pr *identity.Principal, err error) error {
	if err != nil {
		return err
	}
	s.setSession(c, token)
	return c.JSON(principalView(pr))
}

func paramID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		// Not an id at all: as unknown as a missing object.
		return uuid.Nil, errs.E(errs.NotFound, "not found")
	}
	return id, nil
}
