package httpapi

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// signInPages serve the browser's way in and out, and the language choice.
func (s *Server) signInPages(app fiber.Router) {
	public := authz.Public()
	app.Get("/sign-in", public, s.signInPage)
	app.Post("/sign-in", public, s.signInSubmit)
	app.Post("/sign-in/link", public, s.signInLinkSubmit)
	app.Post("/sign-out", public, s.signOutSubmit)
	app.Post("/lang", public, s.chooseLanguage)
}

func (s *Server) signInPage(c *fiber.Ctx) error {
	return s.renderSignIn(c, nil)
}

// signInSubmit signs in from the form; on failure the form comes back with
// the message next to the field at fault and the address kept.
func (s *Server) signInSubmit(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	token, _, err := s.deps.Identity.SignIn(c.UserContext(), email, c.FormValue("password"), client(c))
	if err == nil {
		s.setSession(c, token)
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	code := errs.CodeOf(err)
	if code == errs.Internal || code == errs.Unavailable {
		return err
	}
	// The page speaks the person's language: the failure becomes one of
	// the page's own messages.
	key := map[errs.Code]string{errs.Unauthorized: "sign_in.bad", errs.TooMany: "sign_in.too_many", errs.Invalid: "sign_in.missing",
		errs.Forbidden: "sign_in.sso_only"}[code]
	if key == "" {
		key = "sign_in.bad"
	}
	c.Status(statusOf[code])
	return s.renderSignIn(c, map[string]any{"Email": email, "FormErrorKey": key})
}

func (s *Server) signInLinkSubmit(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	d := s.pageData(c, "", map[string]any{"Email": email, "Errors": map[string]string{}})
	if err := s.deps.Identity.RequestSignInLink(c.UserContext(), email, client(c)); err != nil {
		code := errs.CodeOf(err)
		if code == errs.Internal || code == errs.Unavailable {
			return err
		}
		c.Status(statusOf[code])
		d["Errors"] = map[string]string{"email": s.message(c, err)}
		return s.renderSignIn(c, d)
	}
	d["LinkSent"] = true
	return s.renderSignIn(c, d)
}

func (s *Server) signOutSubmit(c *fiber.Ctx) error {
	if err := s.deps.Identity.SignOut(c.UserContext(), principal(c), client(c)); err != nil {
		return err
	}
	s.clearSession(c)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// chooseLanguage remembers the person's language for a year and goes back
// to the page they were on (a path of this site, never elsewhere).
func (s *Server) chooseLanguage(c *fiber.Ctx) error {
	l := c.FormValue("lang")
	if l != "fr" && l != "en" {
		return errs.Field("lang", "language %q is not one of fr, en", l)
	}
	c.Cookie(&fiber.Cookie{Name: LangCookie, Value: l, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: s.cfg.SecureCookies, Expires: time.Now().AddDate(1, 0, 0)})
	return c.Redirect(localPath(c.FormValue("back")), fiber.StatusSeeOther)
}
