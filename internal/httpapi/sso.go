package httpapi

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/sso"
	"github.com/vendredi-app/vendredi/tenants"
)

// ssoStateCookie carries the OIDC state from the start of a sign-in to the
// callback, so that an answer pushed into another browser is refused.
const ssoStateCookie = "vendredi_sso_state"

// ssoACSPath receives the SAML provider's POST, from the provider's site:
// it is exempt from the cross-origin check (see protectCrossOrigin), as it
// acts on no cookie and proves itself by the provider's signature.
const ssoACSPath = "/auth/sso/saml/acs"

// ssoRoutes are single sign-on: the way in through the company's identity
// provider (public, on the company's host), its settings for HR admins
// (page and API side by side), and platform staff's break-glass.
func (s *Server) ssoRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	public := authz.Public()
	readSSO, updateSSO := enf.Route("sso", "read"), enf.Route("sso", "update")

	app.Get("/auth/sso/start", public, companyOnly, s.ssoStart)
	app.Get("/auth/sso/callback", public, companyOnly, s.ssoCallback)
	app.Get("/auth/sso/saml/metadata", public, companyOnly, s.ssoSPMetadata)
	app.Post(ssoACSPath, public, companyOnly, s.ssoACS)

	app.Get("/admin/sso", readSSO, s.ssoPage)
	app.Post("/admin/sso", updateSSO, s.ssoSubmit)
	app.Post("/admin/sso/test", updateSSO, s.ssoTestSubmit)
	app.Post("/admin/sso/status", updateSSO, s.ssoStatusSubmit)
	app.Post("/admin/sso/disconnect", updateSSO, s.ssoDisconnectSubmit)

	api.Get("/sso", readSSO, s.getSSO)
	api.Put("/sso", updateSSO, s.putSSO)
	api.Patch("/sso/status", updateSSO, s.patchSSOStatus)
	api.Post("/sso/test", updateSSO, s.startSSOTest)
	api.Delete("/sso", updateSSO, s.deleteSSO)
	api.Post("/platform/companies/:slug/sso/break-glass", enf.Route("companies", "update"), s.ssoBreakGlass)
}

// ssoJSON is a connection as the API shows it: never a secret.
type ssoJSON struct {
	Connected       bool          `json:"connected"`
	Protocol        string        `json:"protocol,omitempty"`
	DisplayName     string        `json:"display_name,omitempty"`
	Issuer          string        `json:"issuer,omitempty"`
	ClientID        string        `json:"client_id,omitempty"`
	ClientSecretSet bool          `json:"client_secret_set"`
	IdPMetadata     string        `json:"idp_metadata,omitempty"`
	JIT             bool          `json:"jit"`
	Enabled         bool          `json:"enabled"`
	SSOOnly         bool          `json:"sso_only"`
	TestedAt        *time.Time    `json:"tested_at,omitempty"`
	TestedEmail     string        `json:"tested_email,omitempty"`
	TestError       string        `json:"test_error,omitempty"`
	Addresses       sso.Addresses `json:"service_provider"`
}

func (s *Server) ssoView(c *fiber.Ctx) (ssoJSON, *sso.Connection, error) {
	t, err := tenants.Require(c.UserContext())
	if err != nil {
		return ssoJSON{}, nil, err
	}
	v := ssoJSON{Addresses: s.deps.SSO.AddressesOf(t)}
	conn, err := s.deps.SSO.Connection(c.UserContext())
	if errs.Is(err, errs.NotFound) {
		return v, nil, nil
	}
	if err != nil {
		return v, nil, err
	}
	v.Connected, v.Protocol, v.DisplayName, v.Issuer, v.ClientID = true, conn.Protocol, conn.DisplayName, conn.Issuer, conn.ClientID
	v.ClientSecretSet, v.IdPMetadata, v.JIT, v.Enabled, v.SSOOnly = len(conn.ClientSecret) > 0, conn.IdPMetadata, conn.JIT, conn.Enabled, conn.SSOOnly
	v.TestedAt, v.TestedEmail, v.TestError = conn.TestedAt, conn.TestedEmail, conn.TestError
	return v, conn, nil
}

// ssoInput is the body of PUT /api/v1/sso and of the settings form.
type ssoInput struct {
	Protocol     string `json:"protocol" form:"protocol"`
	DisplayName  string `json:"display_name" form:"display_name"`
	Issuer       string `json:"issuer" form:"issuer"`
	ClientID     string `json:"client_id" form:"client_id"`
	ClientSecret string `json:"client_secret" form:"client_secret"`
	IdPMetadata  string `json:"idp_metadata" form:"idp_metadata"`
	JIT          bool   `json:"jit" form:"jit"`
}

func (in ssoInput) configure() sso.ConfigureInput {
	return sso.ConfigureInput{Protocol: in.Protocol, DisplayName: in.DisplayName, Issuer: in.Issuer, ClientID: in.ClientID,
		ClientSecret: in.ClientSecret, IdPMetadata: in.IdPMetadata, JIT: in.JIT}
}

func (s *Server) getSSO(c *fiber.Ctx) error {
	v, _, err := s.ssoView(c)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) putSSO(c *fiber.Ctx) error {
	var in ssoInput
	if err := bind(c, &in); err != nil {
		return err
	}
	if _, err := s.deps.SSO.Configure(c.UserContext(), principal(c), in.configure(), client(c)); err != nil {
		return err
	}
	return s.getSSO(c)
}

func (s *Server) patchSSOStatus(c *fiber.Ctx) error {
	var in struct {
		Enabled *bool `json:"enabled"`
		SSOOnly *bool `json:"sso_only"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if _, err := s.deps.SSO.SetStatus(c.UserContext(), principal(c), sso.StatusInput{Enabled: in.Enabled, SSOOnly: in.SSOOnly}, client(c)); err != nil {
		return err
	}
	return s.getSSO(c)
}

// startSSOTest begins a test and answers where to send the browser; the
// state cookie comes with the answer, so the test ends in the browser
// that asked.
func (s *Server) startSSOTest(c *fiber.Ctx) error {
	to, err := s.beginSSO(c, sso.PurposeTest)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"redirect_url": to})
}

func (s *Server) deleteSSO(c *fiber.Ctx) error {
	if err := s.deps.SSO.Disconnect(c.UserContext(), principal(c), client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) ssoBreakGlass(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := s.deps.Tenants.BySlug(ctx, utils.CopyString(c.Params("slug")))
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason" form:"reason"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if err := s.deps.SSO.BreakGlass(tenants.NewContext(ctx, t), principal(c), strings.TrimSpace(in.Reason), client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// beginSSO starts a flow and keeps its state in a cookie limited to the
// callback's path, for ten minutes.
func (s *Server) beginSSO(c *fiber.Ctx, purpose string) (string, error) {
	to, state, err := s.deps.SSO.Begin(c.UserContext(), purpose, principal(c))
	if err != nil {
		return "", err
	}
	if state != "" {
		c.Cookie(&fiber.Cookie{Name: ssoStateCookie, Value: state, Path: "/auth/sso", HTTPOnly: true,
			SameSite: fiber.CookieSameSiteLaxMode, Secure: s.cfg.SecureCookies, MaxAge: int(sso.FlowTTL.Seconds())})
	}
	return to, nil
}

func (s *Server) ssoStart(c *fiber.Ctx) error {
	to, err := s.beginSSO(c, sso.PurposeSignIn)
	if err != nil {
		return err
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

func (s *Server) ssoCallback(c *fiber.Ctx) error {
	res, err := s.deps.SSO.CompleteOIDC(c.UserContext(), sso.Callback{
		State: utils.CopyString(c.Query("state")), Code: utils.CopyString(c.Query("code")),
		Error: utils.CopyString(c.Query("error")), ErrorDesc: utils.CopyString(c.Query("error_description")),
		BrowserState: utils.CopyString(c.Cookies(ssoStateCookie)), Client: client(c), Actor: principal(c)})
	c.Cookie(&fiber.Cookie{Name: ssoStateCookie, Value: "", Path: "/auth/sso", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: s.cfg.SecureCookies, MaxAge: -1, Expires: time.Unix(0, 0)})
	return s.ssoDone(c, res, err)
}

func (s *Server) ssoACS(c *fiber.Ctx) error {
	res, err := s.deps.SSO.CompleteSAML(c.UserContext(), c.FormValue("SAMLResponse"), client(c))
	return s.ssoDone(c, res, err)
}

// ssoDone ends a flow in the browser: a test back on the settings page
// with its outcome; a sign-in at home, or on the sign-in page with the
// reason next to the button.
func (s *Server) ssoDone(c *fiber.Ctx, res sso.Result, err error) error {
	if code := errs.CodeOf(err); code == errs.Internal || code == errs.Unavailable {
		return err
	}
	if res.Purpose == sso.PurposeTest {
		if err != nil {
			return c.Redirect("/admin/sso?test=failed", fiber.StatusSeeOther)
		}
		return c.Redirect("/admin/sso?test=ok", fiber.StatusSeeOther)
	}
	if err != nil {
		if !wantsHTML(c) {
			return err
		}
		c.Status(statusOf[errs.CodeOf(err)])
		return s.renderSignIn(c, map[string]any{"SSOError": s.message(c, err)})
	}
	s.setSession(c, res.Token)
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (s *Server) ssoSPMetadata(c *fiber.Ctx) error {
	b, err := s.deps.SSO.SPMetadata(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/samlmetadata+xml")
	return c.Send(b)
}

// renderSignIn is the sign-in page with the company's single sign-on
// button when it has one turned on, and without the password form when it
// is the only way in.
func (s *Server) renderSignIn(c *fiber.Ctx, extra map[string]any) error {
	d := s.titled(c, "sign_in.title", map[string]any{"Errors": map[string]string{}})
	return s.renderWayIn(c, "signin.html", d, extra)
}

// renderWayIn renders a page that lets someone in (sign-in, sign-up): with
// the company's SSO button when it has one turned on, then extra over d.
func (s *Server) renderWayIn(c *fiber.Ctx, page string, d, extra map[string]any) error {
	if s.deps.SSO != nil {
		opt, err := s.deps.SSO.SignInOption(c.UserContext())
		if err != nil {
			return err
		}
		if opt != nil {
			d["SSO"] = opt
		}
	}
	for k, v := range extra {
		d[k] = v
	}
	return s.render(c, page, d)
}

func (s *Server) ssoPage(c *fiber.Ctx) error {
	return s.renderSSO(c, nil, nil)
}

func (s *Server) renderSSO(c *fiber.Ctx, typed *ssoInput, fieldErrors map[string]string) error {
	v, _, err := s.ssoView(c)
	if err != nil {
		return err
	}
	form := ssoInput{Protocol: v.Protocol, DisplayName: v.DisplayName, Issuer: v.Issuer, ClientID: v.ClientID,
		IdPMetadata: v.IdPMetadata, JIT: v.JIT}
	if form.Protocol == "" {
		form.Protocol = sso.OIDC
	}
	if typed != nil {
		form = *typed
		form.ClientSecret = ""
	}
	if fieldErrors == nil {
		fieldErrors = map[string]string{}
	}
	d := s.hrData(c, "sso.title", map[string]any{"SSO": v, "Form": form, "Errors": fieldErrors,
		"Saved": c.Query("saved") == "1", "Test": c.Query("test")})
	d["Title"] = map[bool]string{true: "Single sign-on", false: "Authentification unique (SSO)"}[d["Lang"] == "en"]
	return s.render(c, "hr/sso", d)
}

// formError shows a service error next to its field, or above the form.
func (s *Server) ssoFormError(c *fiber.Ctx, typed *ssoInput, err error) error {
	fe := map[string]string{}
	if err := s.formFailure(c, err, fe, ssoInputs, nil); err != nil {
		return err
	}
	return s.renderSSO(c, typed, fe)
}

func (s *Server) ssoSubmit(c *fiber.Ctx) error {
	var in ssoInput
	if err := bind(c, &in); err != nil {
		return err
	}
	if _, err := s.deps.SSO.Configure(c.UserContext(), principal(c), in.configure(), client(c)); err != nil {
		return s.ssoFormError(c, &in, err)
	}
	return c.Redirect("/admin/sso?saved=1", fiber.StatusSeeOther)
}

func (s *Server) ssoTestSubmit(c *fiber.Ctx) error {
	to, err := s.beginSSO(c, sso.PurposeTest)
	if err != nil {
		return s.ssoFormError(c, nil, err)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

func (s *Server) ssoStatusSubmit(c *fiber.Ctx) error {
	enabled, only := c.FormValue("enabled") != "", c.FormValue("sso_only") != ""
	if _, err := s.deps.SSO.SetStatus(c.UserContext(), principal(c), sso.StatusInput{Enabled: &enabled, SSOOnly: &only}, client(c)); err != nil {
		return s.ssoFormError(c, nil, err)
	}
	return c.Redirect("/admin/sso?saved=1", fiber.StatusSeeOther)
}

func (s *Server) ssoDisconnectSubmit(c *fiber.Ctx) error {
	if err := s.deps.SSO.Disconnect(c.UserContext(), principal(c), client(c)); err != nil {
		return s.ssoFormError(c, nil, err)
	}
	return c.Redirect("/admin/sso?saved=1", fiber.StatusSeeOther)
}

// ssoInputs are the SSO form's places for a message.
var ssoInputs = inputSet("client_id", "client_secret", "display_name", "enabled", "idp_metadata", "issuer", "protocol", "sso_only")
