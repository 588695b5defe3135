package httpapi

import (
	"github.com/gofiber/fiber/v2"
	"github.com/vendredi-app/vendredi/internal/campaign"
)

// profileRoutes serve the caller's own skills profile. There is no member
// id in these paths: the profile is always the signed-in employee's.
func (s *Server) profileRoutes(api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/me/profile", enf.Route("profile", "read"), s.myProfile)
	api.Put("/me/profile", enf.Route("profile", "update"), s.saveMyProfile)
}

func (s *Server) myProfile(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Campaigns.Profile(c.UserContext(), member)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) saveMyProfile(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	var in campaign.ProfileInput
	if err := campaign.DecodeStrict(c.Body(), &in, "profile"); err != nil {
		return err
	}
	p, err := s.deps.Campaigns.SaveProfile(c.UserContext(), member, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
