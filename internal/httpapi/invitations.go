package httpapi

import (
	"context"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// invitationRoutes serve invitations: HR admins invite people one by one
// or from a CSV file, resend and revoke; the invited accept through the
// link mailed to them.
func (s *Server) invitationRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	create, revoke := enf.Route("invitations", "create"), enf.Route("invitations", "delete")

	api.Get("/invitations", enf.Route("invitations", "read"), s.listInvitations)
	api.Post("/invitations", create, s.invite)
	app.Post("/admin/invitations", create, s.hrInviteSubmit)
	api.Post("/invitations/import", create, s.importInvitations)
	app.Post("/admin/invitations/import", create, s.hrImportSubmit)
	api.Post("/invitations/:id/resend", create, s.resendInvitation)
	app.Post("/admin/invitations/:id/resend", create, s.hrResendSubmit)
	api.Delete("/invitations/:id", revoke, s.revokeInvitation)
	app.Post("/admin/invitations/:id/revoke", revoke, s.hrRevokeSubmit)

	// Accepting: the mailed link opens a page whose button posts (linkPage),
	// so that mail scanners fetching links do not use them up.
	public := authz.Public()
	api.Post("/auth/invitation/accept", public, s.redeem(func(c ctxT, in tokenInput, cl clientT) (string, principalT, error) {
		return s.deps.Identity.AcceptInvitation(c, in.Token, in.FullName, in.Password, cl)
	}))
	app.Get("/auth/invitation", public, s.linkPage)
	app.Post("/auth/invitation", public, s.linkSubmit)
}

// inviteFields are the invitation form's inputs; an error on one of them
// is shown next to it.
var inviteFields = map[string]bool{"email": true, "full_name": true, "department": true, "site": true, "role": true}

func (s *Server) hrInviteSubmit(c *fiber.Ctx) error {
	form := map[string]string{}
	for f := range inviteFields {
		form[f] = strings.TrimSpace(c.FormValue(f))
	}
	p, err := s.deps.Identity.Invite(c.UserContext(), principal(c), identity.InviteInput{Email: form["email"], FullName: form["full_name"],
		Department: form["department"], Site: form["site"], Role: form["role"]}, client(c))
	if err == nil || errs.Is(err, errs.Unavailable) {
		email := form["email"]
		if p != nil {
			email = p.Email
		}
		return c.Redirect("/admin/people?invited="+url.QueryEscape(email), fiber.StatusSeeOther)
	}
	return s.hrFormFailure(c, err, form, inviteFields, s.hrPeople)
}

// hrFormFailure shows a form's refusal with render, next to its field when
// fields holds it, else at the top of the form, with what was typed kept;
// the rest goes to the error page (see formShows).
func (s *Server) hrFormFailure(c *fiber.Ctx, err error, form map[string]string, fields map[string]bool,
	render func(*fiber.Ctx, map[string]any) error) error {
	fe := map[string]string{}
	if err := s.formFailure(c, err, fe, fields, nil); err != nil {
		return err
	}
	return render(c, formExtra(form, fe))
}

func (s *Server) hrImportSubmit(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		c.Status(fiber.StatusBadRequest)
		return s.hrPeople(c, map[string]any{"ImportErrorKey": "hr.import.missing"})
	}
	f, err := fh.Open()
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
	}
	defer f.Close()
	rep, err := s.deps.Identity.ImportInvitations(c.UserContext(), principal(c), f, client(c))
	if err != nil {
		msg, err := s.formMessage(c, err)
		if err != nil {
			return err
		}
		return s.hrPeople(c, map[string]any{"ImportError": msg})
	}
	// The report is shown at once: it is the answer to this upload, and
	// reloading the page cannot send the file again without the browser asking.
	for i, l := range rep.Lines {
		if l.Cause != nil {
			rep.Lines[i].Reason = s.message(c, l.Cause)
		}
	}
	return s.hrPeople(c, map[string]any{"Report": rep})
}

func (s *Server) hrResendSubmit(c *fiber.Ctx) error {
	return s.invitationSubmit(c, "resent", s.deps.Identity.ResendInvitation)
}

func (s *Server) hrRevokeSubmit(c *fiber.Ctx) error {
	return s.invitationSubmit(c, "revoked", s.deps.Identity.RevokeInvitation)
}

// invitationSubmit applies act to the pending invitation of the member named
// in the path, then goes back to the invitations with done as the
// confirmation and the invited address as who; a refusal is worded on the
// invitation's row.
func (s *Server) invitationSubmit(c *fiber.Ctx, done string, act func(context.Context, *identity.Principal, uuid.UUID, identity.Client) error) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p, err := s.deps.Identity.Person(ctx, id)
	if err == nil {
		err = act(ctx, principal(c), id, client(c))
	}
	if err != nil {
		return s.peopleFailure(c, err, id, "")
	}
	return c.Redirect("/admin/people?done="+done+"&who="+url.QueryEscape(p.Email)+"#inv-h", fiber.StatusSeeOther)
}

func (s *Server) listInvitations(c *fiber.Ctx) error {
	inv, err := s.deps.Identity.Invitations(c.UserContext())
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
