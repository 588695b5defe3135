package httpapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// tokenRoutes serve the company's API tokens, for integrations.
func (s *Server) tokenRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, create, revoke := enf.Route("api_tokens", "read"), enf.Route("api_tokens", "create"), enf.Route("api_tokens", "delete")
	api.Get("/api-tokens", read, s.listAPITokens)
	app.Get("/admin/tokens", read, s.hrTokensPage)
	api.Post("/api-tokens", create, s.createAPIToken)
	app.Post("/admin/tokens", create, s.hrCreateTokenSubmit)
	api.Delete("/api-tokens/:id", revoke, s.revokeAPIToken)
	app.Post("/admin/tokens/:id/revoke", revoke, s.hrRevokeTokenSubmit)
}

// tokenFields are the token form's inputs.
var tokenFields = map[string]bool{"name": true, "role": true, "expires_in_days": true, "scopes": true}

func (s *Server) hrTokensPage(c *fiber.Ctx) error {
	return s.hrTokens(c, map[string]any{"Revoked": c.Query("revoked")})
}

// hrTokens lists the company's API tokens with the form that makes one.
func (s *Server) hrTokens(c *fiber.Ctx, extra map[string]any) error {
	ctx := c.UserContext()
	toks, err := s.deps.Identity.APITokens(ctx)
	if err != nil {
		return err
	}
	ms, err := s.deps.Identity.People(ctx)
	if err != nil {
		return err
	}
	names := make(map[uuid.UUID]string, len(ms))
	for _, m := range ms {
		names[m.ID] = m.FullName
	}
	type tokenLine struct {
		identity.APIToken
		By, Created, Used, RevokedOn, ExpiresOn string
		Expired                                 bool
	}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(paris).Format("02/01/2006")
	}
	lines := make([]tokenLine, len(toks))
	for i, t := range toks {
		lines[i] = tokenLine{APIToken: t, By: names[t.CreatedBy], Created: day(&t.CreatedAt), Used: day(t.LastUsedAt), RevokedOn: day(t.RevokedAt),
			ExpiresOn: day(t.ExpiresAt), Expired: t.Expired(time.Now())}
	}
	extra["Tokens"] = lines
	if _, ok := extra["RowID"]; !ok {
		extra["RowID"] = ""
	}
	if _, ok := extra["Errors"]; !ok {
		extra["Errors"] = map[string]string{}
	}
	if _, ok := extra["Form"]; !ok {
		extra["Form"] = map[string]string{"role": identity.RoleEmployee, "expires_in_days": "90"}
	}
	extra["Expiries"] = []string{"30", "90", "365", "0"}
	return s.render(c, "hr/tokens", s.hrData(c, "hr.tokens.title", extra))
}

// hrCreateTokenSubmit makes a token and shows it in this answer only: it
// is never stored in clear, so there is no page to redirect to that could
// show it again.
func (s *Server) hrCreateTokenSubmit(c *fiber.Ctx) error {
	form := map[string]string{"name": strings.TrimSpace(c.FormValue("name")), "role": utils.CopyString(c.FormValue("role")),
		"expires_in_days": utils.CopyString(c.FormValue("expires_in_days")), "scopes": utils.CopyString(c.FormValue("scopes"))}
	days, err := strconv.Atoi(form["expires_in_days"])
	if err != nil {
		days = -1 // not one of the choices: the service says so
	}
	var scopes []string
	if form["scopes"] != "" {
		scopes = []string{form["scopes"]}
	}
	plain, tok, err := s.deps.Identity.CreateScopedAPIToken(c.UserContext(), principal(c), form["name"], form["role"], days, scopes, client(c))
	if err != nil {
		return s.hrFormFailure(c, err, form, tokenFields, s.hrTokens)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.hrTokens(c, map[string]any{"Plain": plain, "Created": tok})
}

func (s *Server) hrRevokeTokenSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.deps.Identity.RevokeAPIToken(ctx, principal(c), id, client(c)); err != nil {
		code := errs.CodeOf(err)
		if code != errs.NotFound {
			return err
		}
		// Revoked meanwhile (another tab, another admin): say so on the list.
		c.Status(statusOf[code])
		return s.hrTokens(c, map[string]any{"RowID": id.String(), "RowErrorKey": "hr.tokens.gone"})
	}
	return c.Redirect("/admin/tokens?revoked="+id.String()+"#tokens-h", fiber.StatusSeeOther)
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
		// Scopes: "api" (default), "scim" (an identity provider's provisioning).
		Scopes []string `json:"scopes" form:"scopes"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	plain, tok, err := s.deps.Identity.CreateScopedAPIToken(c.UserContext(), principal(c), in.Name, in.Role, in.ExpiresInDays, in.Scopes, client(c))
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
