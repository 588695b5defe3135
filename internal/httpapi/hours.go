package httpapi

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/web"
)

// hourRoutes serve the hours given: employees log them, HR admins and an
// association's managers (for every company's volunteers of their
// missions) approve or reject them.
func (s *Server) hourRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	in := authz.AssociationParam("association")
	logHours := enf.Route("hours", "create")
	read, approve, reject := enf.RouteIn(in, "hours", "read"), enf.RouteIn(in, "hours", "approve"), enf.RouteIn(in, "hours", "reject")

	api.Post("/participations/:id/hours", logHours, s.logHours)
	app.Post("/me/participations/:id/hours", logHours, s.hoursSubmit)
	api.Get("/me/hours", enf.Route("hours", "read"), s.myHours)
	api.Get("/hours", enf.Route("hours", "approve"), s.companyHours)
	api.Post("/hours/approve", enf.Route("hours", "approve"), s.approveHours)
	api.Post("/hours/:id/reject", enf.Route("hours", "approve"), s.rejectHours)

	api.Get("/associations/:association/hours", read, s.forAssociation(s.companyHours))
	app.Get("/associations/:association/hours", read, s.associationHoursPage)
	api.Post("/associations/:association/hours/approve", approve, s.forAssociation(s.approveHours))
	app.Post("/associations/:association/hours/approve", approve, s.approveHoursSubmit)
	api.Post("/associations/:association/hours/:id/reject", reject, s.forAssociation(s.rejectHours))
	app.Post("/associations/:association/hours/:id/reject", reject, s.rejectHoursSubmit)

	// HR's queue: the long declarations of the company's own people, with
	// the same steps as the association's (pendingHours, checkedHours).
	hrApprove := enf.Route("hours", "approve")
	app.Get("/admin/hours", hrApprove, s.hrHoursPage)
	app.Post("/admin/hours/approve", hrApprove, s.hrApproveHoursSubmit)
	app.Post("/admin/hours/:id/reject", hrApprove, s.hrRejectHoursSubmit)
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

func (s *Server) hoursSubmit(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	row := &participationRow{Hours: c.FormValue("hours"), Note: c.FormValue("note"), Day: c.FormValue("worked_on")}
	var in campaign.HourInput
	day, derr := time.Parse("2006-01-02", row.Day)
	h, herr := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(row.Hours), ",", "."), 64)
	switch {
	case derr != nil:
		row.Field, row.Key = "worked_on", "employee.hours.bad_day"
	case herr != nil || h <= 0:
		row.Field, row.Key = "hours", "employee.hours.bad_hours"
	default:
		in = campaign.HourInput{WorkedOn: campaign.DayOf(day), Hours: h, Note: strings.TrimSpace(row.Note)}
		_, err = s.deps.Campaigns.LogHours(c.UserContext(), member, id, in)
		if err == nil {
			return c.Redirect("/me/participations?done=hours", fiber.StatusSeeOther)
		}
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, inputSet("worked_on"), nil); err != nil {
			return err
		}
		// The row has one message: the day's when the day is at fault,
		// else next to the hours.
		row.Field, row.Error = "hours", fe["form"]
		if m, ok := fe["worked_on"]; ok {
			row.Field, row.Error = "worked_on", m
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderParticipations(c, id, row)
}

// hoursRow is a pending entry as the table shows it.
type hoursRow struct {
	campaign.HourLog
	Text string
}

// hoursIn writes a number of hours as the page's language does (3,5 in
// French).
func hoursIn(lang string, h float64) string { return web.Number(lang, h) }

func (s *Server) associationHoursPage(c *fiber.Ctx) error { return s.renderHours(c, "") }

func (s *Server) renderHours(c *fiber.Ctx, failure string) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	q, err := s.pendingHours(c, campaign.ForAssociation(c.UserContext(), a.ID))
	if err != nil {
		return err
	}
	q["Failure"] = failure
	return s.render(c, "association/hours", s.assocData(c, "hours", a, q))
}

// pendingHours is the queue of entries waiting for approval that ctx
// reaches (an association's, or the company's of the host), as the
// hours pages show it.
func (s *Server) pendingHours(c *fiber.Ctx, ctx context.Context) (map[string]any, error) {
	hs, err := s.deps.Campaigns.Hours(ctx, campaign.HourFilter{Status: campaign.HoursPending})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(hs))
	rows := make([]hoursRow, len(hs))
	total := 0.0
	for i, h := range hs {
		ids[i] = h.ID.String()
		rows[i] = hoursRow{HourLog: h, Text: hoursIn(lang(c), h.Hours)}
		total += h.Hours
	}
	return map[string]any{"Hours": rows, "Count": len(hs), "All": strings.Join(ids, ","), "Total": hoursIn(lang(c), total),
		"Approved": c.Query("approved"), "Rejected": c.Query("rejected") == "1"}, nil
}

func (s *Server) approveHoursSubmit(c *fiber.Ctx) error {
	assoc, err := paramID(c, "association")
	if err != nil {
		return err
	}
	n, err := s.approveChecked(c, campaign.ForAssociation(c.UserContext(), assoc))
	if errs.FieldOf(err) == "ids" {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderHours(c, "!association.hours.none_checked")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/associations/"+assoc.String()+"/hours?approved="+strconv.Itoa(n), fiber.StatusSeeOther)
}

// approveChecked approves the entries checked on an hours page, acting as
// ctx does, and counts those approved (an id ctx does not reach is not).
// Nothing checked is an "ids" field error.
func (s *Server) approveChecked(c *fiber.Ctx, ctx context.Context) (int, error) {
	var ids []uuid.UUID
	raw := c.Request().PostArgs().PeekMulti("ids")
	// "Confirm all" carries the ids the page listed, and only those: an
	// entry logged since is not confirmed unseen.
	for _, v := range strings.Split(c.FormValue("all"), ",") {
		raw = append(raw, []byte(v))
	}
	for _, v := range raw {
		if id, err := uuid.Parse(strings.TrimSpace(string(v))); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return 0, errs.Field("ids", "give the ids of the hours to approve")
	}
	res, err := s.deps.Campaigns.ApproveHours(ctx, ids, principal(c).Label())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range res {
		if r.Outcome == campaign.OutcomeApproved {
			n++
		}
	}
	return n, nil
}

func (s *Server) rejectHoursSubmit(c *fiber.Ctx) error {
	assoc, id, err := s.missionParams(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Campaigns.RejectHours(campaign.ForAssociation(c.UserContext(), *assoc), id, principal(c).Label()); err != nil {
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, nil, nil); err != nil {
			return err
		}
		return s.renderHours(c, fe["form"])
	}
	return c.Redirect("/associations/"+assoc.String()+"/hours?rejected=1", fiber.StatusSeeOther)
}

func (s *Server) hrHoursPage(c *fiber.Ctx) error { return s.hrHours(c, "") }

// hrHours is the company's queue: its people's entries that wait for an
// approval (above the campaign's automatic threshold), whichever
// association the mission belongs to.
func (s *Server) hrHours(c *fiber.Ctx, failure string) error {
	q, err := s.pendingHours(c, c.UserContext())
	if err != nil {
		return err
	}
	q["Failure"] = failure
	return s.render(c, "hr/hours", s.hrData(c, "hr.hours.title", q))
}

func (s *Server) hrApproveHoursSubmit(c *fiber.Ctx) error {
	n, err := s.approveChecked(c, c.UserContext())
	if errs.FieldOf(err) == "ids" {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.hrHours(c, "!hr.hours.none_checked")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/hours?approved="+strconv.Itoa(n), fiber.StatusSeeOther)
}

func (s *Server) hrRejectHoursSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.deps.Campaigns.RejectHours(c.UserContext(), id, principal(c).Label()); err != nil {
		if !formShows(err) {
			return err
		}
		c.Status(statusOf[errs.CodeOf(err)])
		return s.hrHours(c, s.message(c, err))
	}
	return c.Redirect("/admin/hours?rejected=1", fiber.StatusSeeOther)
}
