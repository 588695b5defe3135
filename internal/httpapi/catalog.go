package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// catalogRoutes serves associations' profiles and review, missions'
// lifecycle, and the reference data.
func (s *Server) catalogRoutes(api fiber.Router) {
	enf := s.deps.Authz
	inAssoc := authz.AssociationParam("association")

	api.Get("/reference/skills", authz.Public(), s.referenceSkills)
	api.Get("/reference/causes", authz.Public(), s.referenceCauses)

	api.Get("/associations/:association", enf.RouteIn(inAssoc, "associations", "read"), s.getAssociation)
	api.Patch("/associations/:association", enf.RouteIn(inAssoc, "associations", "update"), s.updateAssociation)
	api.Post("/associations/:association/submit", enf.RouteIn(inAssoc, "associations", "update"), s.submitAssociation)
	api.Get("/associations/:association/missions", enf.RouteIn(inAssoc, "missions", "read"), s.associationMissions)
	api.Post("/associations/:association/missions", enf.RouteIn(inAssoc, "missions", "create"), s.createMission)
	api.Get("/associations/:association/missions/:id", enf.RouteIn(inAssoc, "missions", "read"), s.associationMission)
	api.Patch("/associations/:association/missions/:id", enf.RouteIn(inAssoc, "missions", "update"), s.changeMission)
	api.Post("/associations/:association/missions/:id/open", enf.RouteIn(inAssoc, "missions", "update"), s.missionStatus(catalog.MissionOpen))
	api.Post("/associations/:association/missions/:id/close", enf.RouteIn(inAssoc, "missions", "close"), s.missionStatus(catalog.MissionClosed))

	api.Get("/platform/associations", enf.Route("association_review", "read"), s.reviewQueue)
	api.Post("/platform/associations/:id/verify", enf.Route("association_review", "approve"), s.review("verify"))
	api.Post("/platform/associations/:id/reject", enf.Route("association_review", "reject"), s.review("reject"))
	api.Post("/platform/associations/:id/suspend", enf.Route("associations", "update"), s.review("suspend"))
	api.Post("/platform/missions/:id/flag", enf.Route("missions", "flag"), s.flagMission)
	api.Patch("/platform/missions/:id", enf.Route("vital_missions", "update"), s.changeVitalMission)
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

func (s *Server) getAssociation(c *fiber.Ctx) error {
	id, err := paramID(c, "association")
	if err != nil {
		return err
	}
	a, err := s.deps.Catalogue.Association(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) updateAssociation(c *fiber.Ctx) error {
	id, err := paramID(c, "association")
	if err != nil {
		return err
	}
	var in catalog.Association
	if err := bind(c, &in); err != nil {
		return err
	}
	a, err := s.deps.Catalogue.UpdateProfile(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) submitAssociation(c *fiber.Ctx) error {
	id, err := paramID(c, "association")
	if err != nil {
		return err
	}
	a, err := s.deps.Catalogue.Submit(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) associationMissions(c *fiber.Ctx) error {
	id, err := paramID(c, "association")
	if err != nil {
		return err
	}
	ms, err := s.deps.Catalogue.Missions(c.UserContext(), id)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []catalog.Mission{}
	}
	return c.JSON(fiber.Map{"missions": ms})
}

// decodeMission reads a mission document onto m: the fields present
// replace m's, the others stay.
func decodeMission(c *fiber.Ctx, m *catalog.Mission) error {
	if err := json.Unmarshal(c.Body(), m); err != nil {
		field := ""
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok {
			field = te.Field
		}
		e := errs.Wrap(err, errs.Invalid, "the mission is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
		e.Field = field
		return e
	}
	return nil
}

func (s *Server) createMission(c *fiber.Ctx) error {
	assoc, err := paramID(c, "association")
	if err != nil {
		return err
	}
	var m catalog.Mission
	if err := decodeMission(c, &m); err != nil {
		return err
	}
	if err := s.deps.Catalogue.CreateMission(c.UserContext(), assoc, &m, c.QueryBool("publish")); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

func (s *Server) missionParams(c *fiber.Ctx) (*uuid.UUID, uuid.UUID, error) {
	assoc, err := paramID(c, "association")
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := paramID(c, "id")
	return &assoc, id, err
}

func (s *Server) associationMission(c *fiber.Ctx) error {
	assoc, id, err := s.missionParams(c)
	if err != nil {
		return err
	}
	m, err := s.deps.Catalogue.MissionOf(c.UserContext(), assoc, id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) changeMission(c *fiber.Ctx) error {
	assoc, id, err := s.missionParams(c)
	if err != nil {
		return err
	}
	m, err := s.deps.Catalogue.ChangeMission(c.UserContext(), assoc, id, func(m *catalog.Mission) error { return decodeMission(c, m) })
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) missionStatus(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		assoc, id, err := s.missionParams(c)
		if err != nil {
			return err
		}
		m, err := s.deps.Catalogue.SetStatus(c.UserContext(), assoc, id, status)
		if err != nil {
			return err
		}
		return c.JSON(m)
	}
}

func (s *Server) reviewQueue(c *fiber.Ctx) error {
	status := c.Query("status", catalog.AssociationPendingReview)
	switch status {
	case catalog.AssociationDraft, catalog.AssociationPendingReview, catalog.AssociationVerified,
		catalog.AssociationRejected, catalog.AssociationSuspended:
	default:
		return errs.Field("status", "status %q is not one of draft, pending_review, verified, rejected, suspended", status)
	}
	as, err := s.deps.Catalogue.Associations(c.UserContext(), status, 200)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"associations": as})
}

func (s *Server) review(decision string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		var in struct {
			Reason string `json:"reason" form:"reason"`
		}
		if err := bind(c, &in); err != nil {
			return err
		}
		a, err := s.deps.Catalogue.Review(c.UserContext(), id, decision, in.Reason)
		if err != nil {
			return err
		}
		return c.JSON(a)
	}
}

func (s *Server) flagMission(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason" form:"reason"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	m, err := s.deps.Catalogue.Flag(c.UserContext(), id, in.Reason)
	if err != nil {
		return err
	}
	// Its volunteers' sign-ups are cancelled and they are told; a timer
	// catches up if this is interrupted.
	s.deps.Participations.CancelFlagged(c.UserContext())
	return c.JSON(m)
}

// changeVitalMission lets staff edit the vital missions they curate (and
// only those: associations edit their own).
func (s *Server) changeVitalMission(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.deps.Catalogue.ChangeMission(c.UserContext(), nil, id, func(m *catalog.Mission) error {
		if m.VitalCategory == "" {
			return errs.E(errs.NotFound, "no vital mission with this id")
		}
		return decodeMission(c, m)
	})
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool { return errors.As(err, te) }
