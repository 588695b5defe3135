package httpapi

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// referenceRoutes serve the skills and causes, which staff correct.
func (s *Server) referenceRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/reference/skills", authz.Public(), s.referenceSkills)
	api.Get("/reference/causes", authz.Public(), s.referenceCauses)
	api.Patch("/platform/skills/:code", enf.Route("reference_data", "update"), s.updateSkill)
	api.Patch("/platform/causes/:code", enf.Route("reference_data", "update"), s.updateCause)
}

func (s *Server) referenceSkills(c *fiber.Ctx) error {
	fams, skills, err := s.deps.Reference.Skills(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(fiber.Map{"families": fams, "skills": skills})
}

func (s *Server) referenceCauses(c *fiber.Ctx) error {
	causes, err := s.deps.Reference.Causes(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(fiber.Map{"causes": causes})
}

// updateSkill lets staff correct a skill's labels and its ROME/ESCO codes.
func (s *Server) updateSkill(c *fiber.Ctx) error {
	return updateReference(c, func(k *catalog.Skill) (*string, string, string) { return &k.Code, k.LabelFR, k.LabelEN },
		s.deps.Reference.UpdateSkill)
}

func (s *Server) updateCause(c *fiber.Ctx) error {
	return updateReference(c, func(k *catalog.Cause) (*string, string, string) { return &k.Code, k.LabelFR, k.LabelEN },
		s.deps.Reference.UpdateCause)
}

// updateReference reads a skill's or a cause's new labels, the code from
// the path, and saves them.
func updateReference[T any](c *fiber.Ctx, labels func(*T) (code *string, fr, en string), save func(context.Context, T) (*T, error)) error {
	var in T
	if err := bind(c, &in); err != nil {
		return err
	}
	code, fr, en := labels(&in)
	*code = strings.Clone(c.Params("code"))
	if len(fr) > 200 || len(en) > 200 {
		return errs.Field("label_fr", "labels are 200 characters at most")
	}
	out, err := save(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
