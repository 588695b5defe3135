package httpapi

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
	"github.com/vendredi-app/vendredi/web"
)

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

// signInRoutes serve signing in and out: password, mailed link, reset,
// e-mail verification, sign-up, and the language chosen.
func (s *Server) signInRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	public := authz.Public()
	session := enf.Route("session", "delete")

	api.Post("/auth/sign-in", public, s.signIn)
	app.Get("/sign-in", public, s.signInPage)
	app.Post("/sign-in", public, s.signInSubmit)
	api.Post("/auth/sign-in-link", public, s.requestLink(s.deps.Identity.RequestSignInLink))
	app.Post("/sign-in/link", public, s.signInLinkSubmit)
	api.Post("/auth/password-reset", public, s.requestLink(s.deps.Identity.RequestPasswordReset))
	app.Post("/sign-in/reset", public, s.resetSubmit)
	api.Post("/auth/sign-up", public, s.signUp)
	app.Get("/sign-up", public, s.signUpPage)
	app.Post("/sign-up", public, s.signUpSubmit)
	api.Post("/auth/sign-out", session, s.signOut)
	app.Post("/sign-out", public, s.signOutSubmit)
	api.Post("/auth/sign-out-everywhere", session, s.signOutEverywhere)
	api.Get("/me", enf.Route("session", "read"), s.me)
	app.Post("/lang", public, s.chooseLanguage)

	// The mailed links open a page whose button posts, so that mail
	// scanners fetching links do not use them up (invitations: invitations.go).
	api.Post("/auth/link", public, s.redeem(func(c ctxT, in tokenInput, cl clientT) (string, principalT, error) {
		return s.deps.Identity.SignInWithLink(c, in.Token, cl)
	}))
	api.Post("/auth/password-reset/confirm", public, s.redeem(func(c ctxT, in tokenInput, cl clientT) (string, principalT, error) {
		return s.deps.Identity.ResetPassword(c, in.Token, in.Password, cl)
	}))
	api.Post("/auth/verify", public, s.redeem(func(c ctxT, in tokenInput, cl clientT) (string, principalT, error) {
		return s.deps.Identity.VerifyEmail(c, in.Token, cl)
	}))
	for _, path := range []string{"/auth/link", "/auth/reset", "/auth/verify"} {
		app.Get(path, public, s.linkPage)
		app.Post(path, public, s.linkSubmit)
	}
}

func (s *Server) signInPage(c *fiber.Ctx) error {
	return s.renderSignIn(c, map[string]any{"Next": nextPath(c)})
}

// nextPath is the page of this site to go back to once signed in ("next",
// from the query or the form), "" for the home page.
func nextPath(c *fiber.Ctx) string {
	next := c.FormValue("next", c.Query("next"))
	if next == "" || localPath(next) == "/" {
		return ""
	}
	return localPath(next)
}

// signInSubmit signs in from the form; on failure the form comes back with
// the message next to the field at fault and the address kept.
func (s *Server) signInSubmit(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	token, pr, err := s.deps.Identity.SignIn(c.UserContext(), email, c.FormValue("password"), client(c))
	if err == nil {
		s.setSession(c, token)
		return c.Redirect(cmp.Or(nextPath(c), homeOf(pr)), fiber.StatusSeeOther)
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
	return s.renderSignIn(c, map[string]any{"Email": email, "FormErrorKey": key, "Next": nextPath(c)})
}

func (s *Server) signInLinkSubmit(c *fiber.Ctx) error {
	return s.mailLinkSubmit(c, s.deps.Identity.RequestSignInLink, "LinkSent")
}

// resetSubmit mails a link to choose a new password (the sign-in page's
// "forgot your password?", with the address typed in its form).
func (s *Server) resetSubmit(c *fiber.Ctx) error {
	return s.mailLinkSubmit(c, s.deps.Identity.RequestPasswordReset, "ResetSent")
}

// mailLinkSubmit asks for a mailed link for the address of the sign-in
// form and says it is on its way, whether or not the address has an
// account (no way to learn who has one).
func (s *Server) mailLinkSubmit(c *fiber.Ctx, request func(context.Context, string, identity.Client) error, sent string) error {
	email := strings.TrimSpace(c.FormValue("email"))
	d := s.titled(c, "sign_in.title", map[string]any{"Email": email, "Errors": map[string]string{}, "Next": nextPath(c)})
	if email == "" {
		// Clicked before typing the address: say where the link goes,
		// not that "" is no address.
		c.Status(fiber.StatusBadRequest)
		d["Errors"] = map[string]string{"email": web.Phrases(lang(c))("sign_in.email_first")}
		return s.renderSignIn(c, d)
	}
	if err := request(c.UserContext(), email, client(c)); err != nil {
		code := errs.CodeOf(err)
		if code == errs.Internal || code == errs.Unavailable {
			return err
		}
		c.Status(statusOf[code])
		d["Errors"] = map[string]string{"email": s.message(c, err)}
		return s.renderSignIn(c, d)
	}
	d[sent] = true
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

// signUpFields are the sign-up form's inputs; an error on one of them is
// shown next to it, any other above the form.
var signUpFields = map[string]bool{"email": true, "full_name": true, "password": true}

func (s *Server) signUpPage(c *fiber.Ctx) error { return s.renderSignUp(c, nil) }

// renderSignUp shows an employee's sign-up form on their company's
// address, with the rule the service applies said before the form: the
// company's email domains may sign up, anyone else asks HR for an
// invitation; a company without domains (or signing in only through its
// identity provider) shows no form at all.
func (s *Server) renderSignUp(c *fiber.Ctx, extra map[string]any) error {
	t, ok := tenants.FromContext(c.UserContext())
	if !ok {
		// Associations sign up on the platform's address: their own form.
		return errs.E(errs.NotFound, "employees sign up on their company's address")
	}
	d := s.pageData(c, "", map[string]any{"Errors": map[string]string{}, "Domains": t.EmailDomains,
		"DomainList": "@" + strings.Join(t.EmailDomains, ", @")})
	d["Title"] = pick(lang(c), "Créer mon compte", "Create my account")
	return s.renderWayIn(c, "signup.html", d, extra)
}

// signUpSubmit creates the account from the form; every refused input
// comes back at once next to its field, with what was typed (never the
// password).
func (s *Server) signUpSubmit(c *fiber.Ctx) error {
	email, name := strings.TrimSpace(c.FormValue("email")), strings.TrimSpace(c.FormValue("full_name"))
	typed := map[string]any{"Email": email, "FullName": name}
	err := s.deps.Identity.SignUp(c.UserContext(), email, name, c.FormValue("password"), client(c))
	if err == nil {
		typed["Sent"] = true
		return s.renderSignUp(c, typed)
	}
	code := errs.CodeOf(err)
	if code == errs.Internal || code == errs.Unavailable || code == errs.NotFound {
		return err
	}
	fieldErrors := map[string]string{}
	fields := errs.FieldsOf(err)
	if len(fields) == 0 {
		var e *errs.Error
		if code == errs.Conflict && errors.As(err, &e) {
			fields = []*errs.Error{e} // put next to the address below
		} else {
			typed["FormError"] = s.message(c, err)
		}
	}
	for _, e := range fields {
		field := e.Field
		if code == errs.Conflict {
			field = "email" // an account already has this address
		}
		if signUpFields[field] {
			if _, seen := fieldErrors[field]; !seen {
				fieldErrors[field] = s.message(c, e)
			}
		} else {
			typed["FormError"] = s.message(c, e)
		}
	}
	typed["Errors"] = fieldErrors
	c.Status(statusOf[code])
	return s.renderSignUp(c, typed)
}
