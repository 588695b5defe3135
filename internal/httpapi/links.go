package httpapi

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// linkKind is one kind of mailed link and its page.
type linkKind struct {
	titleFR, titleEN, buttonFR, buttonEN string
	askName, askPassword                 bool
	redeem                               func(s *Server, c *fiber.Ctx, token, name, password string) (string, *identity.Principal, error)
	// landing is where the person goes once signed in; nil: the home page.
	landing func(s *Server, c *fiber.Ctx, p *identity.Principal) (string, error)
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
		},
		landing: (*Server).firstStop},
	"/auth/verify": {titleFR: "Confirmer mon adresse", titleEN: "Confirm my address", buttonFR: "Confirmer", buttonEN: "Confirm",
		redeem: func(s *Server, c *fiber.Ctx, token, _, _ string) (string, *identity.Principal, error) {
			return s.deps.Identity.VerifyEmail(c.UserContext(), token, client(c))
		}},
}

// linkFields are the inputs of a link's form; an error on one of them is
// shown next to it.
var linkFields = map[string]bool{"full_name": true, "password": true}

func (s *Server) renderLink(c *fiber.Ctx, problem string, fieldErrors map[string]string) error {
	k := linkKinds[c.Path()]
	if fieldErrors == nil {
		fieldErrors = map[string]string{}
	}
	d := s.pageData(c, "", map[string]any{"Action": c.Path(), "Token": c.Query("token", c.FormValue("token")),
		"AskName": k.askName, "AskPassword": k.askPassword, "FullName": strings.TrimSpace(c.FormValue("full_name")),
		"Error": problem, "Errors": fieldErrors, "Invitation": c.Path() == "/auth/invitation"})
	d["Title"], d["Button"] = k.titleFR, k.buttonFR
	if d["Lang"] == "en" {
		d["Title"], d["Button"] = k.titleEN, k.buttonEN
	}
	return s.render(c, "auth.html", d)
}

// linkPage shows the button that uses a mailed link.
func (s *Server) linkPage(c *fiber.Ctx) error { return s.renderLink(c, "", nil) }

// linkSubmit uses the link; on success the person is signed in and lands
// where their role starts, otherwise the form comes back with what went
// wrong next to the field at fault and what they typed (never the password).
func (s *Server) linkSubmit(c *fiber.Ctx) error {
	k := linkKinds[c.Path()]
	token, p, err := k.redeem(s, c, c.FormValue("token"), c.FormValue("full_name"), c.FormValue("password"))
	if err != nil {
		code := errs.CodeOf(err)
		if code == errs.Internal || code == errs.Unavailable {
			return err
		}
		c.Status(statusOf[code])
		var e *errs.Error
		if errors.As(err, &e) && linkFields[e.Field] {
			return s.renderLink(c, "", map[string]string{e.Field: s.message(c, err)})
		}
		return s.renderLink(c, s.message(c, err), nil)
	}
	s.setSession(c, token)
	to := homeOf(p)
	if k.landing != nil {
		if to, err = k.landing(s, c, p); err != nil {
			return err
		}
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// firstStop is where a person who just joined starts: an HR admin on their
// admin home (the company's setup checklist), an employee on the campaign that is running
// for them (whose page invites them to fill their skills profile), else
// the home page.
func (s *Server) firstStop(c *fiber.Ctx, p *identity.Principal) (string, error) {
	if p == nil || p.Kind != identity.KindMember {
		return "/", nil
	}
	if p.Role == identity.RoleHRAdmin {
		return homeOf(p), nil
	}
	list, err := s.deps.Campaigns.List(c.UserContext(), campaign.Viewer{MemberID: p.ID}, campaign.Active)
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "/", nil
	}
	return "/campaigns/" + list[0].ID.String(), nil
}
