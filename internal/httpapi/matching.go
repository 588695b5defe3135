package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// matchingRoutes serve ranked missions for an employee, and the campaign
// allocation: HR admins run it, employees accept or decline its proposals.
func (s *Server) matchingRoutes(api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/campaigns/:id/recommendations", enf.Route("campaigns", "read"), s.recommendations)
	api.Post("/campaigns/:id/allocation", enf.Route("campaigns", "update"), s.startAllocation)
	api.Get("/campaigns/:id/allocation", enf.Route("campaign_reports", "read"), s.allocation)
	api.Get("/me/proposals", enf.Route("participations", "read"), s.myProposals)
	api.Post("/proposals/:id/accept", enf.Route("participations", "create"), s.acceptProposal)
	api.Post("/proposals/:id/decline", enf.Route("participations", "cancel"), s.declineProposal)
}

func (s *Server) recommendations(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	recs, err := s.deps.Matchmaker.Recommend(c.UserContext(), member, id, c.QueryInt("k", 10))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"recommendations": recs})
}

func (s *Server) startAllocation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	run, err := s.deps.Matchmaker.StartAllocation(c.UserContext(), id, principal(c).ID)
	if err != nil {
		return err
	}
	c.Location("/api/v1/campaigns/" + id.String() + "/allocation")
	return c.Status(fiber.StatusAccepted).JSON(run)
}

func (s *Server) allocation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	run, err := s.deps.Matchmaker.LatestRun(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(run)
}

func (s *Server) myProposals(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	ps, err := s.deps.Matchmaker.Proposals(c.UserContext(), member)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []campaign.Proposal{}
	}
	return c.JSON(fiber.Map{"proposals": ps})
}

func (s *Server) acceptProposal(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		SanitaryAck bool `json:"sanitary_ack" form:"sanitary_ack"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Matchmaker.Accept(c.UserContext(), member, id, in.SanitaryAck)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) declineProposal(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	p, err := s.deps.Matchmaker.Decline(c.UserContext(), member, id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
