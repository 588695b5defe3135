package httpapi

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// matchingRoutes serve the missions ranked for an employee and the
// allocation of a campaign's missions (whose proposals employees answer
// in participations.go).
func (s *Server) matchingRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	allocate := enf.Route("campaigns", "update")
	api.Get("/campaigns/:id/recommendations", enf.Route("campaigns", "read"), s.recommendations)
	api.Post("/campaigns/:id/allocation", allocate, s.startAllocation)
	app.Post("/admin/campaigns/:id/allocation", allocate, s.hrAllocationSubmit)
	api.Get("/campaigns/:id/allocation", enf.Route("campaign_reports", "read"), s.allocation)
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
	return sendJSON(c, fiber.Map{"recommendations": recs})
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

func (s *Server) hrAllocationSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.deps.Matchmaker.StartAllocation(c.UserContext(), id, principal(c).ID); err != nil && !errs.Is(err, errs.Conflict) {
		return err
	}
	return c.Redirect("/admin/campaigns/"+id.String()+"#allocation", fiber.StatusSeeOther)
}

// maxProposalsShown bounds the dashboard's list; the rest are the
// employees' to see on their own pages.
const maxProposalsShown = 100

// proposalLine is a proposal as the dashboard lists it: who, where, score.
type proposalLine struct {
	Employee, Mission, Association, Status string
	Score                                  int
}

func (s *Server) runProposals(c *fiber.Ctx, runID uuid.UUID) ([]proposalLine, error) {
	ctx := c.UserContext()
	ps, err := s.deps.Matchmaker.RunProposals(ctx, runID, maxProposalsShown)
	if err != nil {
		return nil, err
	}
	ms, err := s.deps.Identity.People(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[uuid.UUID]string, len(ms))
	for _, m := range ms {
		names[m.ID] = m.FullName
	}
	out := make([]proposalLine, len(ps))
	for i, p := range ps {
		out[i] = proposalLine{Employee: names[p.MemberID], Mission: p.Mission, Association: p.Association, Status: p.Status, Score: p.Score}
	}
	return out, nil
}
