package httpapi

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// hourRoutes serve hours: employees log them on their own participations
// and read theirs; HR admins approve or reject their company's. (An
// association's managers approve through campaign.HourStore.ApproveHours
// under campaign.ForAssociation, on the participations routes.)
func (s *Server) hourRoutes(api fiber.Router) {
	enf := s.deps.Authz
	api.Post("/participations/:id/hours", enf.Route("hours", "create"), s.logHours)
	api.Get("/me/hours", enf.Route("hours", "read"), s.myHours)
	api.Get("/hours", enf.Route("hours", "approve"), s.companyHours)
	api.Post("/hours/approve", enf.Route("hours", "approve"), s.approveHours)
	api.Post("/hours/:id/reject", enf.Route("hours", "approve"), s.rejectHours)

	// An association's managers confirm the hours given to their missions,
	// from every company.
	inAssoc := authz.AssociationParam("association")
	api.Get("/associations/:association/hours", enf.RouteIn(inAssoc, "hours", "read"), s.forAssociation(s.companyHours))
	api.Post("/associations/:association/hours/approve", enf.RouteIn(inAssoc, "hours", "approve"), s.forAssociation(s.approveHours))
	api.Post("/associations/:association/hours/:id/reject", enf.RouteIn(inAssoc, "hours", "reject"), s.forAssociation(s.rejectHours))
}

// forAssociation runs h acting for the association of the path.
func (s *Server) forAssociation(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "association")
		if err != nil {
			return err
		}
		c.SetUserContext(campaign.ForAssociation(c.UserContext(), id))
		return h(c)
	}
}

func (s *Server) logHours(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	var in campaign.HourInput
	if err := campaign.DecodeStrict(c.Body(), &in, "entry"); err != nil {
		return err
	}
	h, err := s.deps.Campaigns.LogHours(c.UserContext(), member, id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h)
}

func (s *Server) myHours(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	list, balances, err := s.deps.Campaigns.MyHours(c.UserContext(), member)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"hours": list, "balances": balances})
}

func (s *Server) companyHours(c *fiber.Ctx) error {
	f := campaign.HourFilter{Status: utils.CopyString(c.Query("status")), Limit: c.QueryInt("limit")}
	if v := c.Query("campaign_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return errs.Field("campaign_id", "%q is not a campaign's id", v)
		}
		f.CampaignID = &id
	}
	list, err := s.deps.Campaigns.Hours(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"hours": list})
}

func (s *Server) approveHours(c *fiber.Ctx) error {
	var in struct {
		IDs []uuid.UUID `json:"ids"`
	}
	if err := campaign.DecodeStrict(c.Body(), &in, "request"); err != nil {
		return err
	}
	res, err := s.deps.Campaigns.ApproveHours(c.UserContext(), in.IDs, principal(c).Label())
	if err != nil {
		return err
	}
	n := 0
	for _, r := range res {
		if r.Outcome == campaign.OutcomeApproved {
			n++
		}
	}
	return c.JSON(fiber.Map{"approved": n, "results": res})
}

func (s *Server) rejectHours(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	h, err := s.deps.Campaigns.RejectHours(c.UserContext(), id, principal(c).Label())
	if err != nil {
		return err
	}
	return c.JSON(h)
}
