package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// linkKind is one kind of mailed link and its page.
type linkKind struct {
	titleFR, titleEN, buttonFR, buttonEN string
	askName, askPassword                 bool
	redeem                               func(s *Server, c *fiber.Ctx, token, name, password string) (string, *identity.Principal, error)
}

var linkKinds = map[string]linkKind{
	"/auth/link": {titleFR: "Connexion", titleEN: "Sign in", buttonFR: "Me connecter", buttonEN: "Sign me in",
		redeem: func(s *Server, c *fiber.Ctx, token, _, _ string) (string, *identity.Principal, error) {
			return s.deps.Identity.SignInWithLink(c.UserContext(), token, client(c))
		}},
	"/auth/reset": {titleFR: "Nouveau mot de passe", titleEN: "New password", buttonFR: "Enregistrer", buttonEN: "Save", askPassword: true,
		redeem: func(s *Server, c *fiber.Ctx, token, _, password string) (string, *identity.Principal, error) {
			return s.deps.Identity.ResetPassword(c.UserContext(), token, password, client(c))
		}},
	"/auth/invitation": {titleFR: "Rejoindre Vendredi", titleEN: "Join Vendredi", buttonFR: "Rejoindre", buttonEN: "Join",
		askName: true, askPassword: true,
		redeem: func(s *Server, c *fiber.Ctx, token, name, password string) (string, *identity.Principal, error) {
			return s.deps.Identity.AcceptInvitation(c.UserContext(), token, name, password, client(c))
		}},
	"/auth/verify": {titleFR: "Confirmer mon adresse", titleEN: "Confirm my address", buttonFR: "Confirmer", buttonEN: "Confirm",
		redeem: func(s *Server, c *fiber.Ctx, token, _, _ string) (string, *identity.Principal, error) {
			return s.deps.Identity.VerifyEmail(c.UserContext(), token, client(c))
		}},
}

func (s *Server) renderLink(c *fiber.Ctx, problem string) error {
	k := linkKinds[c.Path()]
	d := s.pageData(c, "", map[string]any{"Action": c.Path(), "Token": c.Query("token", c.FormValue("token")),
		"AskName": k.askName, "AskPassword": k.askPassword, "FullName": c.FormValue("full_name"), "Error": problem})
	d["Title"], d["Button"] = k.titleFR, k.buttonFR
	if d["Lang"] == "en" {
		d["Title"], d["Button"] = k.titleEN, k.buttonEN
	}
	return s.render(c, "auth.html", d)
}

// linkPage shows the button that uses a mailed link.
func (s *Server) linkPage(c *fiber.Ctx) error { return s.renderLink(c, "") }

// linkSubmit uses the link; on success the person is signed in and lands on
// the home page, otherwise the form comes back with what went wrong and
// what they typed (never the password).
func (s *Server) linkSubmit(c *fiber.Ctx) error {
	k := linkKinds[c.Path()]
	token, _, err := k.redeem(s, c, c.FormValue("token"), c.FormValue("full_name"), c.FormValue("password"))
	if err != nil {
		code := errs.CodeOf(err)
		if code == errs.Internal || code == errs.Unavailable {
			return err
		}
		c.Status(statusOf[code])
		return s.renderLink(c, s.message(c, err))
	}
	s.setSession(c, token)
	return c.Redirect("/", fiber.StatusSeeOther)
}
