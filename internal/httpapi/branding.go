package httpapi

import (
	"cmp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// brandingRoutes let HR admins set the company's name, colour and logo.
func (s *Server) brandingRoutes(app, _ fiber.Router) {
	update := s.deps.Authz.Route("tenants", "update")
	app.Get("/admin/branding", update, s.brandingPage)
	app.Post("/admin/branding", update, s.brandingSubmit)
}

func (s *Server) brandingPage(c *fiber.Ctx) error {
	t, err := tenants.Require(c.UserContext())
	if err != nil {
		return err
	}
	accent := t.Accent
	if accent == "" {
		accent = productAccent
	}
	return s.renderBranding(c, t, accent, nil)
}

func (s *Server) renderBranding(c *fiber.Ctx, t *tenants.Tenant, accent string, fieldErrors map[string]string) error {
	if fieldErrors == nil {
		fieldErrors = map[string]string{}
	}
	return s.render(c, "hr/branding", s.hrData(c, "hr.branding.title", map[string]any{
		"Accent": accent, "CurrentLogo": logoPath(t), "Errors": fieldErrors, "Saved": c.Query("saved") == "1",
	}))
}

// brandingSubmit checks the colour and the logo as onboarding does, then
// stores them. A logo left unchosen stays; "remove" drops it.
func (s *Server) brandingSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	accent := strings.ToLower(strings.TrimSpace(c.FormValue("accent")))
	if accent == productAccent {
		accent = ""
	}
	upload, err := uploaded(c, "logo")
	if err != nil {
		return err
	}
	drop := c.FormValue("remove_logo") != "" && len(upload) == 0
	check := *t
	logo, err := check.Brand(accent, upload)
	if err == nil {
		_, err = s.deps.Tenants.SetBranding(ctx, t.ID, check.Accent, logo, drop)
	}
	if err != nil {
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, inputSet("accent", "logo"), nil); err != nil {
			return err
		}
		return s.renderBranding(c, t, c.FormValue("accent"), fe)
	}
	detail := map[string]string{"accent": cmp.Or(check.Accent, productAccent)}
	switch {
	case logo != nil:
		detail["logo"] = "replaced"
	case drop:
		detail["logo"] = "removed"
	}
	if err := s.deps.Identity.Record(ctx, principal(c), identity.ActionBranding, "tenant:"+t.Slug, client(c), detail); err != nil {
		return err
	}
	return c.Redirect("/admin/branding?saved=1", fiber.StatusSeeOther)
}
