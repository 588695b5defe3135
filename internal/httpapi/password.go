package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// passwordRoutes are a person's own password: changed from an employee's
// profile page or a platform account's page (association managers and
// staff have no profile), the same form and rules for both.
func (s *Server) passwordRoutes(app, _ fiber.Router) {
	enf := s.deps.Authz
	app.Get("/me/account", enf.Route("session", "read"), platformOnly, s.accountPage)
	app.Post("/me/password", enf.Route("password", "update"), s.passwordSubmit)
}

// accountPage is a platform account's own page: who they are, their
// mails, their password.
func (s *Server) accountPage(c *fiber.Ctx) error {
	p := principal(c)
	if p == nil || p.Kind != identity.KindAccount {
		return errNoSuchAddress()
	}
	password, err := s.passwordSection(c)
	if err != nil {
		return err
	}
	return s.render(c, "account", s.titled(c, "account.title", map[string]any{
		"Name": p.Name, "Email": p.Email, "Password": password}))
}

// ownPage is the page a person's password section lives on: its path and
// the handler that shows it.
func (s *Server) ownPage(c *fiber.Ctx) (string, fiber.Handler) {
	if p := principal(c); p != nil && p.Kind == identity.KindAccount {
		return "/me/account", s.accountPage
	}
	return "/me/profile", s.profilePage
}

// passwordForm is the profile page's password section: the messages of a
// refused change next to their fields, or the change confirmed.
type passwordForm struct {
	Errors  map[string]string
	Error   string // a refusal of no one field (too many attempts)
	Changed bool
	Email   string // where a reset link goes, for a forgotten current password
	// Off: the company signs in only through its identity provider, where
	// the password is changed.
	Off bool
}

const passwordFormKey = "password-form"

// passwordSection is what the profile page shows of the password: the
// failed change being answered, else a fresh form.
func (s *Server) passwordSection(c *fiber.Ctx) (passwordForm, error) {
	f, ok := c.Locals(passwordFormKey).(passwordForm)
	if !ok {
		f = passwordForm{Errors: map[string]string{}, Changed: c.Query("password") == "changed"}
	}
	if p := principal(c); p != nil {
		f.Email = p.Email
	}
	if s.deps.SSO != nil {
		opt, err := s.deps.SSO.SignInOption(c.UserContext())
		if err != nil {
			return f, err
		}
		f.Off = opt != nil && opt.SSOOnly
	}
	return f, nil
}

// passwordSubmit changes the signed-in person's password from the
// profile page. The other sessions end; this browser gets a new one.
func (s *Server) passwordSubmit(c *fiber.Ctx) error {
	token, err := s.deps.Identity.ChangePassword(c.UserContext(), principal(c),
		c.FormValue("current_password"), c.FormValue("new_password"), client(c))
	path, page := s.ownPage(c)
	if err == nil {
		s.setSession(c, token)
		return c.Redirect(path+"?password=changed#password", fiber.StatusSeeOther)
	}
	code := errs.CodeOf(err)
	if code == errs.Internal || code == errs.Unavailable {
		return err
	}
	f := passwordForm{Errors: map[string]string{}}
	fields := errs.FieldsOf(err)
	if len(fields) == 0 {
		f.Error = s.message(c, err) // too many attempts
	}
	for _, e := range fields {
		if e.Field == "current_password" || e.Field == "new_password" {
			f.Errors[e.Field] = s.message(c, e)
		} else {
			f.Error = s.message(c, e)
		}
	}
	c.Locals(passwordFormKey, f)
	c.Status(statusOf[code])
	return page(c)
}
