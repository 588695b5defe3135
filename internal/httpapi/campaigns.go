package httpapi

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// campaignRoutes serves templates, campaigns, profiles, hours and
// figures. Every route declares its permission first; which rows a caller
// reaches (their own profile, hours and participations; their company's
// campaigns) is decided below, from the principal, never from the URL.
func (s *Server) campaignRoutes(api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/templates", enf.Route("templates", "read"), s.listTemplates)
	api.Get("/platform/templates", enf.Route("templates", "read"), s.listTemplates)
	api.Post("/platform/templates", enf.Route("templates", "create"), s.createTemplate)
	api.Get("/platform/templates/:code", enf.Route("templates", "read"), s.getTemplate)
	api.Patch("/platform/templates/:code", enf.Route("templates", "update"), s.updateTemplate)
	api.Delete("/platform/templates/:code", enf.Route("templates", "delete"), s.deleteTemplate)

	api.Post("/campaigns", enf.Route("campaigns", "create"), s.createCampaign)
	api.Get("/campaigns", enf.Route("campaigns", "read"), s.listCampaigns)
	api.Get("/campaigns/:id", enf.Route("campaigns", "read"), s.getCampaign)
	api.Patch("/campaigns/:id", enf.Route("campaigns", "update"), s.updateCampaign)
	api.Post("/campaigns/:id/launch", enf.Route("campaigns", "publish"), s.launchCampaign)
	api.Post("/campaigns/:id/schedule", enf.Route("campaigns", "publish"), s.moveCampaign(campaign.Scheduled))
	api.Post("/campaigns/:id/reopen", enf.Route("campaigns", "publish"), s.moveCampaign(campaign.Active))
	api.Post("/campaigns/:id/close", enf.Route("campaigns", "close"), s.moveCampaign(campaign.Closed))
	api.Post("/campaigns/:id/archive", enf.Route("campaigns", "delete"), s.moveCampaign(campaign.Archived))
	api.Get("/campaigns/:id/missions", enf.Route("campaigns", "read"), s.campaignMissions)
	api.Post("/missions/:id/redirect", enf.Route("missions", "read"), s.redirectMission)

	s.profileRoutes(api)
	s.hourRoutes(api)
	s.figureRoutes(api)
}

// viewerOf says how the caller reads campaigns: an HR admin (a person or
// an integration's token) sees all; a member only what is meant for them.
func viewerOf(c *fiber.Ctx) campaign.Viewer {
	var v campaign.Viewer
	if p := principal(c); p != nil {
		if p.Kind == identity.KindMember {
			v.MemberID = p.ID
		}
		v.HRAdmin = p.Role == identity.RoleHRAdmin
	}
	return v
}

func (s *Server) listTemplates(c *fiber.Ctx) error {
	ts, err := s.deps.Campaigns.Templates(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"templates": ts})
}

func (s *Server) getTemplate(c *fiber.Ctx) error {
	t, err := s.deps.Campaigns.Template(c.UserContext(), utils.CopyString(c.Params("code")))
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) createTemplate(c *fiber.Ctx) error {
	var t campaign.Template
	if err := campaign.DecodeStrict(c.Body(), &t, "template"); err != nil {
		return err
	}
	if err := s.deps.Campaigns.CreateTemplate(c.UserContext(), &t); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (s *Server) updateTemplate(c *fiber.Ctx) error {
	t, err := s.deps.Campaigns.UpdateTemplate(c.UserContext(), utils.CopyString(c.Params("code")), c.Body())
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) deleteTemplate(c *fiber.Ctx) error {
	if err := s.deps.Campaigns.DeleteTemplate(c.UserContext(), utils.CopyString(c.Params("code"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) createCampaign(c *fiber.Ctx) error {
	ctx := c.UserContext()
	in, err := campaign.DecodeCampaignInput(c.Body())
	if err != nil {
		return err
	}
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Create(ctx, viewerOf(c).MemberID, t.Locale, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cmp)
}

func (s *Server) listCampaigns(c *fiber.Ctx) error {
	list, err := s.deps.Campaigns.List(c.UserContext(), viewerOf(c), utils.CopyString(c.Query("status")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"campaigns": list})
}

func (s *Server) getCampaign(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Get(c.UserContext(), viewerOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(cmp)
}

func (s *Server) updateCampaign(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in, err := campaign.DecodeCampaignInput(c.Body())
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Update(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(cmp)
}

func (s *Server) launchCampaign(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	res, err := s.deps.Campaigns.Launch(c.UserContext(), id, s.cfg.Links.For(c.UserContext()))
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) moveCampaign(to string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		cmp, err := s.deps.Campaigns.Move(c.UserContext(), id, to)
		if err != nil {
			return err
		}
		return c.JSON(cmp)
	}
}

func (s *Server) campaignMissions(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ms, err := s.deps.Campaigns.Missions(c.UserContext(), viewerOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ms)
}

// redirectMission records a click-through to a vital mission's sign-up on
// the national platform and answers its address; the client then goes
// there. The body may name the campaign the click came from.
func (s *Server) redirectMission(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		CampaignID *uuid.UUID `json:"campaign_id"`
		// SanitaryAck: the person acknowledged the sanitary rules, which a
		// mission on site needs before the redirect.
		SanitaryAck bool `json:"sanitary_ack"`
	}
	if len(c.Body()) > 0 {
		if err := campaign.DecodeStrict(c.Body(), &in, "request"); err != nil {
			return err
		}
	}
	if in.CampaignID != nil && *in.CampaignID == uuid.Nil {
		return errs.Field("campaign_id", "campaign_id is not a campaign's id")
	}
	if _, ok := tenants.FromContext(c.UserContext()); !ok {
		in.CampaignID = nil // staff on the platform's host: no company, no campaign
	}
	url, err := s.deps.Campaigns.Redirect(c.UserContext(), viewerOf(c), id, in.CampaignID, in.SanitaryAck)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"url": url})
}
