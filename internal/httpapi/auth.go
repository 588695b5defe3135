package httpapi

import (
	"context"
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
	if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(auth, "Bearer ") {
		pr, err = s.deps.Identity.AuthenticateToken(ctx, strings.TrimSpace(strings.TrimPrefix(auth, "Bearer ")))
	} else if cookie := c.Cookies(SessionCookie); cookie != "" {
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

func (s *Server) signIn(c *fiber.Ctx) error {
	var in struct {
		Email    string `json:"email" form:"email"`
		Password string `json:"password" form:"password"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	token, pr, err := s.deps.Identity.SignIn(c.UserContext(), in.Email, in.Password, client(c))
	return s.signedIn(c, token, pr, err)
}

type emailInput struct {
	Email string `json:"email" form:"email"`
}

type tokenInput struct {
	Token    string `json:"token" form:"token"`
	Password string `json:"password" form:"password"`
	FullName string `json:"full_name" form:"full_name"`
}

func (s *Server) requestLink(fn func(context.Context, string, identity.Client) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in emailInput
		if err := bind(c, &in); err != nil {
			return err
		}
		if err := fn(c.UserContext(), in.Email, client(c)); err != nil {
			return err
		}
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "if this address has an account, a link is on its way"})
	}
}

// Shorthands for the redeem callbacks of routes.go.
type (
	ctxT       = context.Context
	clientT    = identity.Client
	principalT = *identity.Principal
)

func (s *Server) redeem(fn func(ctx context.Context, in tokenInput, c identity.Client) (string, *identity.Principal, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in tokenInput
		if err := bind(c, &in); err != nil {
			return err
		}
		token, pr, err := fn(c.UserContext(), in, client(c))
		return s.signedIn(c, token, pr, err)
	}
}

func (s *Server) signUp(c *fiber.Ctx) error {
	var in struct {
		Email    string `json:"email" form:"email"`
		FullName string `json:"full_name" form:"full_name"`
		Password string `json:"password" form:"password"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if err := s.deps.Identity.SignUp(c.UserContext(), in.Email, in.FullName, in.Password, client(c)); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "check your mailbox to confirm your address"})
}

func (s *Server) signOut(c *fiber.Ctx) error {
	if err := s.deps.Identity.SignOut(c.UserContext(), principal(c), client(c)); err != nil {
		return err
	}
	s.clearSession(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) signOutEverywhere(c *fiber.Ctx) error {
	if err := s.deps.Identity.SignOutEverywhere(c.UserContext(), principal(c), client(c)); err != nil {
		return err
	}
	s.clearSession(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) me(c *fiber.Ctx) error { return c.JSON(principalView(principal(c))) }

func (s *Server) listInvitations(c *fiber.Ctx) error {
	inv, err := s.deps.Identity.Members().Invitations(c.UserContext())
	if err != nil {
		return err
	}
	if inv == nil {
		inv = []identity.Invitation{}
	}
	return c.JSON(fiber.Map{"invitations": inv})
}

func (s *Server) invite(c *fiber.Ctx) error {
	var in struct {
		Email      string `json:"email" form:"email"`
		FullName   string `json:"full_name" form:"full_name"`
		Department string `json:"department" form:"department"`
		Site       string `json:"site" form:"site"`
		Role       string `json:"role" form:"role"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Identity.Invite(c.UserContext(), principal(c), identity.InviteInput{Email: in.Email, FullName: in.FullName,
		Department: in.Department, Site: in.Site, Role: in.Role}, client(c))
	if err != nil && !errs.Is(err, errs.Unavailable) {
		return err
	}
	body := fiber.Map{"id": p.ID, "email": p.Email, "full_name": p.FullName, "role": p.Role, "status": p.Status, "mail_sent": err == nil}
	return c.Status(fiber.StatusCreated).JSON(body)
}

func (s *Server) importInvitations(c *fiber.Ctx) error {
	var body []byte
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
		}
		defer f.Close()
		rep, err := s.deps.Identity.ImportInvitations(c.UserContext(), principal(c), f, client(c))
		if err != nil {
			return err
		}
		return c.JSON(rep)
	}
	body = c.Body()
	if len(body) == 0 {
		return errs.Field("file", "send the CSV file as the form field \"file\" or as a text/csv body")
	}
	rep, err := s.deps.Identity.ImportInvitations(c.UserContext(), principal(c), strings.NewReader(string(body)), client(c))
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

func paramID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		// Not an id at all: as unknown as a missing object.
		return uuid.Nil, errs.E(errs.NotFound, "not found")
	}
	return id, nil
}

func (s *Server) resendInvitation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Identity.ResendInvitation(c.UserContext(), principal(c), id, client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) revokeInvitation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Identity.RevokeInvitation(c.UserContext(), principal(c), id, client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) listAPITokens(c *fiber.Ctx) error {
	toks, err := s.deps.Identity.APITokens(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tokens": toks})
}

func (s *Server) createAPIToken(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name" form:"name"`
		Role string `json:"role" form:"role"`
		// ExpiresInDays is how long the token works; 0 or none for ever.
		ExpiresInDays int `json:"expires_in_days" form:"expires_in_days"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	plain, tok, err := s.deps.Identity.CreateAPIToken(c.UserContext(), principal(c), in.Name, in.Role, in.ExpiresInDays, client(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": plain, "api_token": tok,
		"note": "copy this token now: it will not be shown again"})
}

func (s *Server) revokeAPIToken(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Identity.RevokeAPIToken(c.UserContext(), principal(c), id, client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// auditQuery reads which page of the audit log is asked for: the events
// before ?before (and ?before_id, the last event of the previous page), of
// one ?action if given.
func auditQuery(c *fiber.Ctx, limit int) (identity.AuditQuery, error) {
	q := identity.AuditQuery{Limit: limit, Action: utils.CopyString(c.Query("action"))}
	if b := c.Query("before"); b != "" {
		t, err := time.Parse(time.RFC3339Nano, b)
		if err != nil {
			return q, errs.Field("before", "before must be an RFC 3339 time, such as 2026-03-23T12:00:00Z")
		}
		q.Before = t
	}
	if id := c.Query("before_id"); id != "" {
		u, err := uuid.Parse(id)
		if err != nil || q.Before.IsZero() {
			return q, errs.Field("before_id", "before_id must be the id of an event, given with before")
		}
		q.BeforeID = u
	}
	if len(q.Action) > 64 {
		return q, errs.Field("action", "action is the name of an event, such as sign_in")
	}
	return q, nil
}

func (s *Server) audit(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 500 {
		return errs.Field("limit", "limit must be between 1 and 500")
	}
	q, err := auditQuery(c, limit)
	if err != nil {
		return err
	}
	evs, err := s.deps.Identity.Audit(c.UserContext(), q)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []identity.Event{}
	}
	return c.JSON(fiber.Map{"events": evs})
}
