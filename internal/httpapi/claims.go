package httpapi

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// Claims on associations that already exist: a manager who signs up with
// the legal id of an association on Vendredi waits for staff, who approve
// or reject here (API and staff pages side by side).
func (s *Server) claimRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, approve, reject := enf.Route("association_review", "read"), enf.Route("association_review", "approve"),
		enf.Route("association_review", "reject")

	api.Get("/platform/association-claims", read, s.listClaims)
	api.Post("/platform/association-claims/:id/approve", approve, s.decideClaim(true))
	api.Post("/platform/association-claims/:id/reject", reject, s.decideClaim(false))

	app.Get("/platform/claims", read, s.claimsPage)
	app.Post("/platform/claims/:id/approve", approve, s.decideClaimSubmit(true))
	app.Post("/platform/claims/:id/reject", reject, s.decideClaimSubmit(false))
}

func (s *Server) listClaims(c *fiber.Ctx) error {
	list, err := s.deps.Identity.PendingClaims(c.UserContext())
	if err != nil {
		return err
	}
	if list == nil {
		list = []identity.Claim{}
	}
	return c.JSON(fiber.Map{"claims": list})
}

// runClaimDecision runs a staff decision on the claim of the path. A decision
// stored whose mail did not leave is a success with mailed false.
func (s *Server) runClaimDecision(c *fiber.Ctx, approve bool) (*identity.Claim, bool, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, false, err
	}
	var in struct {
		Reason string `json:"reason" form:"reason"`
	}
	if err := bind(c, &in); err != nil {
		return nil, false, err
	}
	cl, err := s.deps.Identity.DecideClaim(c.UserContext(), principal(c), id, approve, in.Reason, client(c))
	if errs.Is(err, errs.Unavailable) && cl != nil {
		return cl, false, nil
	}
	return cl, err == nil, err
}

func (s *Server) decideClaim(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cl, mailed, err := s.runClaimDecision(c, approve)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"claim": cl, "mailed": mailed})
	}
}

// claimFailure is a decision refused, shown on the claim's card.
type claimFailure struct {
	ID      uuid.UUID
	Field   string
	Message string
	Reason  string
}

func (s *Server) claimsPage(c *fiber.Ctx) error { return s.claims(c, nil) }

func (s *Server) claims(c *fiber.Ctx, failed *claimFailure) error {
	list, err := s.deps.Identity.PendingClaims(c.UserContext())
	if err != nil {
		return err
	}
	extra := map[string]any{"Claims": list, "Failed": failed, "Decided": c.Query("decided"), "Who": c.Query("who"),
		"MailFailed": c.Query("mail") == "failed"}
	return s.render(c, "staff/claims", s.staffData(c, "staff.claims.title", extra))
}

func (s *Server) decideClaimSubmit(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cl, mailed, err := s.runClaimDecision(c, approve)
		if err != nil {
			fe := map[string]string{}
			if err := s.formFailure(c, err, fe, inputSet("reason"), nil); err != nil {
				return err
			}
			id, _ := paramID(c, "id")
			f := &claimFailure{ID: id, Field: "reason", Message: fe["reason"], Reason: utils.CopyString(c.FormValue("reason"))}
			if f.Message == "" {
				f.Field, f.Message = "", fe["form"]
			}
			return s.claims(c, f)
		}
		to := "/platform/claims?decided=" + cl.Status + "&who=" + url.QueryEscape(cl.Email)
		if !mailed {
			to += "&mail=failed"
		}
		return c.Redirect(to+"#decided", fiber.StatusSeeOther)
	}
}
