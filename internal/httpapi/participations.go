package httpapi

import (
	"context"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/calendar"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// participationRoutes serves sign-ups: employees apply and cancel, HR
// admins follow their campaign, associations decide.
func (s *Server) participationRoutes(api fiber.Router) {
	enf := s.deps.Authz
	inAssoc := authz.AssociationParam("association")
	api.Post("/campaigns/:id/participations", enf.Route("participations", "create"), s.apply)
	api.Get("/campaigns/:id/participations", enf.Route("campaign_reports", "read"), s.campaignParticipations)
	api.Get("/me/participations", enf.Route("participations", "read"), s.myParticipations)
	api.Get("/me/participations/:id/calendar.ics", enf.Route("participations", "read"), s.participationCalendar)
	api.Post("/participations/:id/cancel", enf.Route("participations", "cancel"), s.cancelParticipation)
	api.Get("/associations/:association/participations", enf.RouteIn(inAssoc, "participations", "read"), s.associationParticipations)
	api.Post("/associations/:association/participations/:id/validate", enf.RouteIn(inAssoc, "participations", "approve"), s.decide(true))
	api.Post("/associations/:association/participations/:id/refuse", enf.RouteIn(inAssoc, "participations", "reject"), s.decide(false))
	api.Post("/associations/:association/participations/:id/attendance", enf.RouteIn(inAssoc, "participations", "approve"), s.attend)
}

// memberOf returns the signed-in employee's id: participations are a
// person's, never an integration's.
func memberOf(c *fiber.Ctx) (uuid.UUID, error) {
	p := principal(c)
	if p == nil || p.Kind != identity.KindMember {
		return uuid.Nil, errs.E(errs.Forbidden, "only an employee signed in can do this")
	}
	return p.ID, nil
}

// memberAnd returns the signed-in employee and the id in the path
// parameter name: what every route on an employee's own things needs.
func memberAnd(c *fiber.Ctx, name string) (member, id uuid.UUID, err error) {
	if member, err = memberOf(c); err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	id, err = paramID(c, name)
	return member, id, err
}

// associationAnd returns the association and the participation of the
// path, for an association's decisions.
func associationAnd(c *fiber.Ctx) (assoc, id uuid.UUID, err error) {
	if assoc, err = paramID(c, "association"); err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	id, err = paramID(c, "id")
	return assoc, id, err
}

func (s *Server) apply(c *fiber.Ctx) error {
	member, campaignID, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	var in campaign.ApplyInput
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.MissionID == uuid.Nil {
		return errs.Field("mission_id", "say which mission: mission_id")
	}
	in.CampaignID = campaignID
	p, err := s.deps.Participations.Apply(c.UserContext(), member, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) myParticipations(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	ps, err := s.deps.Participations.Mine(c.UserContext(), member)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"participations": orEmptyP(ps)})
}

func orEmptyP(ps []campaign.Participation) []campaign.Participation {
	if ps == nil {
		return []campaign.Participation{}
	}
	return ps
}

func (s *Server) cancelParticipation(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason" form:"reason"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Participations.Cancel(c.UserContext(), member, id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

var participationStatuses = []string{"", campaign.Waiting, campaign.Pending, campaign.Validated, campaign.Refused,
	campaign.Cancelled, campaign.Done, campaign.NoShow}

func statusParam(c *fiber.Ctx) (string, error) {
	st := c.Query("status")
	for _, s := range participationStatuses {
		if st == s {
			return st, nil
		}
	}
	return "", errs.Field("status", "status %q is not one of waiting, pending, validated, refused, cancelled, done, no_show", st)
}

func (s *Server) campaignParticipations(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	st, err := statusParam(c)
	if err != nil {
		return err
	}
	ps, err := s.deps.Participations.OfCampaign(c.UserContext(), id, st)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"participations": orEmptyP(ps)})
}

func (s *Server) associationParticipations(c *fiber.Ctx) error {
	assoc, err := paramID(c, "association")
	if err != nil {
		return err
	}
	st, err := statusParam(c)
	if err != nil {
		return err
	}
	var mission *uuid.UUID
	if q := c.Query("mission"); q != "" {
		id, err := uuid.Parse(q)
		if err != nil {
			return errs.Field("mission", "mission must be a mission id")
		}
		mission = &id
	}
	ps, err := s.deps.Participations.OfAssociation(c.UserContext(), assoc, mission, st)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"participations": orEmptyP(ps)})
}

func (s *Server) decide(validate bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		assoc, id, err := associationAnd(c)
		if err != nil {
			return err
		}
		var in struct {
			Reason string `json:"reason" form:"reason"`
			Detail string `json:"detail" form:"detail"`
		}
		if err := bind(c, &in); err != nil {
			return err
		}
		p, err := s.deps.Participations.Decide(c.UserContext(), assoc, id, campaign.Decision{Validate: validate, Reason: in.Reason, Detail: in.Detail})
		if err != nil {
			return err
		}
		return c.JSON(p)
	}
}

// attend records whether the volunteer came: {"came": true} makes the
// participation done, false a no-show.
func (s *Server) attend(c *fiber.Ctx) error {
	assoc, id, err := associationAnd(c)
	if err != nil {
		return err
	}
	var in struct {
		Came *bool `json:"came"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Came == nil {
		return errs.Field("came", "say whether the volunteer came: came, true or false")
	}
	p, err := s.deps.Participations.Attend(c.UserContext(), assoc, id, *in.Came)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// participationCalendar is the employee's participation as an iCalendar
// file, for a participation with a date: one UID for life, a SEQUENCE the
// database raises on every change, METHOD:CANCEL once it is cancelled or
// refused, so that a calendar given the file again updates or removes its
// event.
func (s *Server) participationCalendar(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	ps, err := s.deps.Participations.Mine(c.UserContext(), member)
	if err != nil {
		return err
	}
	for i := range ps {
		p := &ps[i]
		if p.ID != id {
			continue
		}
		location := s.missionLocation(c.UserContext(), p.MissionID)
		ev, ok := calendar.Participation(p, s.cfg.Links.Host(), s.cfg.Links.For(c.UserContext())+"/me/participations", location)
		if !ok {
			return errs.E(errs.NotFound, "this participation has no date to put in a calendar")
		}
		c.Set(fiber.HeaderContentType, calendar.ContentType(ev))
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="mission.ics"`)
		return c.Send(calendar.Single(ev))
	}
	return errs.E(errs.NotFound, "no such participation")
}

// missionLocation is where an on-site mission happens, for its calendar
// event; none for a remote one, or one that cannot be read.
func (s *Server) missionLocation(ctx context.Context, missionID uuid.UUID) string {
	m, err := s.deps.Discovery.Missions.Mission(ctx, missionID, false)
	if err != nil || m.Format == "remote" {
		return ""
	}
	return strings.Join(slices.DeleteFunc([]string{m.Address, strings.TrimSpace(m.PostalCode + " " + m.City)},
		func(s string) bool { return s == "" }), ", ")
}
