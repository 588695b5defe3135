package httpapi

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/calendar"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// participationRoutes serve sign-ups: apply, cancel, answer a proposal,
// and an association's decisions on its applicants. The API's routes and
// the pages' sit side by side, each operation's permission declared once.
func (s *Server) participationRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	in := authz.AssociationParam("association")
	read, create, cancel := enf.Route("participations", "read"), enf.Route("participations", "create"), enf.Route("participations", "cancel")
	applicants, approve, reject := enf.RouteIn(in, "participations", "read"), enf.RouteIn(in, "participations", "approve"),
		enf.RouteIn(in, "participations", "reject")

	api.Post("/campaigns/:id/participations", create, s.apply)
	app.Post("/campaigns/:id/apply", create, s.applySubmit)
	api.Get("/campaigns/:id/participations", enf.Route("campaign_reports", "read"), s.campaignParticipations)

	api.Get("/me/participations", read, s.myParticipations)
	app.Get("/me/participations", read, s.myParticipationsPage)
	api.Get("/me/participations/:id/calendar.ics", read, s.participationCalendar)
	app.Get("/me/participations/:id/calendar.ics", read, s.participationCalendar)
	api.Post("/participations/:id/cancel", cancel, s.cancelParticipation)
	app.Post("/me/participations/:id/cancel", cancel, s.cancelSubmit)

	api.Get("/me/proposals", read, s.myProposals)
	api.Post("/proposals/:id/accept", create, s.acceptProposal)
	app.Post("/me/proposals/:id/accept", create, s.acceptProposalSubmit)
	api.Post("/proposals/:id/decline", cancel, s.declineProposal)
	app.Post("/me/proposals/:id/decline", cancel, s.declineProposalSubmit)

	api.Get("/associations/:association/participations", applicants, s.associationParticipations)
	app.Get("/associations/:association/applicants", applicants, s.applicantsPage)
	api.Post("/associations/:association/participations/:id/validate", approve, s.decide(true))
	app.Post("/associations/:association/applicants/:id/validate", approve, s.validateSubmit)
	api.Post("/associations/:association/participations/:id/refuse", reject, s.decide(false))
	app.Post("/associations/:association/applicants/:id/refuse", reject, s.refuseSubmit)
	api.Post("/associations/:association/participations/:id/attendance", approve, s.attend)
	app.Post("/associations/:association/applicants/:id/attendance", approve, s.attendanceSubmit)
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

// decodeApply reads a sign-up to the campaign of the path, from the API's
// JSON or the page's form: one decoder for both.
func decodeApply(c *fiber.Ctx) (member uuid.UUID, in campaign.ApplyInput, err error) {
	member, campaignID, err := memberAnd(c, "id")
	if err != nil {
		return member, in, err
	}
	if c.Is("json") || len(c.Body()) == 0 {
		if err := bind(c, &in); err != nil {
			return member, in, err
		}
	} else {
		in.Motivation = strings.TrimSpace(c.FormValue("motivation"))
		in.SanitaryAck = c.FormValue("sanitary_ack") != ""
		in.WaitingList = c.FormValue("waiting_list") == "1"
		if v := c.FormValue("mission_id"); v != "" {
			if in.MissionID, err = uuid.Parse(v); err != nil {
				return member, in, errs.Field("mission_id", "say which mission: mission_id")
			}
		}
		if v := c.FormValue("slot_id"); v != "" {
			slot, err := uuid.Parse(v)
			if err != nil {
				return member, in, errs.Field("slot_id", "this time slot is not one of the mission's")
			}
			in.SlotID = &slot
		}
	}
	if in.MissionID == uuid.Nil {
		return member, in, errs.Field("mission_id", "say which mission: mission_id")
	}
	in.CampaignID = campaignID
	return member, in, nil
}

func (s *Server) apply(c *fiber.Ctx) error {
	member, in, err := decodeApply(c)
	if err != nil {
		return err
	}
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

// applyForm is an application that came back with an error.
type applyForm struct {
	MissionID  uuid.UUID
	Motivation string
	Ack        bool
	SlotID     uuid.UUID
	Field      string
	Key        string // a message of the page, else Message
	Message    string
	Full       bool
}

func (s *Server) applySubmit(c *fiber.Ctx) error {
	member, in, err := decodeApply(c)
	if err != nil {
		return err
	}
	_, err = s.deps.Participations.Apply(c.UserContext(), member, in)
	if err == nil {
		return c.Redirect("/me/participations?applied=1", fiber.StatusSeeOther)
	}
	if !formShows(err) {
		return err
	}
	// The form lives on the mission's page: the refusal comes back there.
	return s.applyFailed(c, in, err)
}

// participationRow is a participation as the history shows it.
type participationRow struct {
	campaign.Participation
	CanCancel, CanLog bool
	Error, Key, Field string
	Hours, Note, Day  string
	// Logged are the hours given on this participation, newest first.
	Logged []campaign.HourLog
}

func (s *Server) myParticipationsPage(c *fiber.Ctx) error {
	return s.renderParticipations(c, uuid.Nil, nil)
}

// proposalCard is a mission the campaign's allocation proposed, with why,
// and the refusal of an acceptance that came back.
type proposalCard struct {
	campaign.Proposal
	Reasons      []string
	Error, Field string
	Ack          bool
}

// proposals are the employee's open proposals, one of them with the error
// its acceptance met.
func (s *Server) proposals(c *fiber.Ctx, member uuid.UUID, failed *proposalCard) ([]proposalCard, error) {
	ps, err := s.deps.Matchmaker.Proposals(c.UserContext(), member)
	if err != nil {
		return nil, err
	}
	labels, _, err := s.skillLabels(c)
	if err != nil {
		return nil, err
	}
	var out []proposalCard
	for _, p := range ps {
		if p.Status != "proposed" {
			continue
		}
		card := proposalCard{Proposal: p, Reasons: reasons(p.Explanation, labels)}
		if failed != nil && failed.ID == p.ID {
			card.Error, card.Field, card.Ack = failed.Error, failed.Field, failed.Ack
		}
		out = append(out, card)
	}
	return out, nil
}

// acceptProposalSubmit signs the employee up for a proposed mission,
// through the sign-up's own rules: a place gone meanwhile, or the sanitary
// acknowledgement missing, comes back on the proposal's card.
func (s *Server) acceptProposalSubmit(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	ack := c.FormValue("sanitary_ack") != ""
	_, err = s.deps.Matchmaker.Accept(c.UserContext(), member, id, ack)
	if err == nil {
		return c.Redirect("/me/participations?applied=1", fiber.StatusSeeOther)
	}
	msg, ferr := s.formMessage(c, err)
	if ferr != nil {
		return ferr
	}
	failed := &proposalCard{Proposal: campaign.Proposal{ID: id}, Error: msg, Ack: ack, Field: errs.FieldOf(err)}
	return s.renderParticipationsWith(c, uuid.Nil, nil, failed)
}

func (s *Server) declineProposalSubmit(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.deps.Matchmaker.Decline(c.UserContext(), member, id); err != nil {
		return err
	}
	return c.Redirect("/me/participations?done=declined", fiber.StatusSeeOther)
}

func (s *Server) renderParticipations(c *fiber.Ctx, errID uuid.UUID, bad *participationRow) error {
	return s.renderParticipationsWith(c, errID, bad, nil)
}

func (s *Server) renderParticipationsWith(c *fiber.Ctx, errID uuid.UUID, bad *participationRow, failed *proposalCard) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	proposed, err := s.proposals(c, member, failed)
	if err != nil {
		return err
	}
	ps, err := s.deps.Participations.Mine(c.UserContext(), member)
	if err != nil {
		return err
	}
	logged, balances, err := s.deps.Campaigns.MyHours(c.UserContext(), member)
	if err != nil {
		return err
	}
	byParticipation := map[uuid.UUID][]campaign.HourLog{}
	for _, h := range logged {
		byParticipation[h.ParticipationID] = append(byParticipation[h.ParticipationID], h)
	}
	rows := make([]participationRow, len(ps))
	for i, p := range ps {
		rows[i] = participationRow{Participation: p, Logged: byParticipation[p.ID],
			CanCancel: p.CanMove(campaign.Cancelled), CanLog: campaign.HoursOpen(p.Status)}
		if bad != nil && p.ID == errID {
			rows[i].Error, rows[i].Key, rows[i].Field, rows[i].Hours, rows[i].Note, rows[i].Day = bad.Error, bad.Key, bad.Field, bad.Hours, bad.Note, bad.Day
		}
	}
	return s.render(c, "employee/participations", s.titled(c, "employee.nav.participations", map[string]any{
		"Rows": rows, "Applied": c.Query("applied") == "1", "Done": c.Query("done"), "Proposals": proposed, "Balances": balances,
		"Today": time.Now().Format("2006-01-02"),
	}))
}

func (s *Server) cancelSubmit(c *fiber.Ctx) error {
	member, id, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.deps.Participations.Cancel(c.UserContext(), member, id, c.FormValue("reason")); err != nil {
		return err
	}
	return c.Redirect("/me/participations?done=cancelled", fiber.StatusSeeOther)
}

// matchedSkill is one of an assocApplicant's skills their mission asks for.
type matchedSkill struct {
	Label           string
	Level, Wanted   int
	Required, Short bool // Short: below the level asked for
}

// assocApplicant is a participation as the applicants page shows it.
type assocApplicant struct {
	campaign.Participation
	// Late: unanswered past the campaign's response time.
	Late         bool
	Skills       []matchedSkill
	CanValidate  bool
	CanRefuse    bool
	CanAttend    bool // the date has passed: did they come?
	Errors       assocErrors
	Reason       string
	Detail       string
	RefuseOpened bool
	Page         *applicantsContext
}

// applicantsContext is what each applicant's card needs of the page.
type applicantsContext struct {
	Base, DateFmt, MissionQ, Status string
	Reasons                         []string
}

// assocRefusal is a assocRefusal sent back with an error, for its assocApplicant.
type assocRefusal struct {
	ID             uuid.UUID
	Reason, Detail string
	Errors         assocErrors
}

func (s *Server) applicantsPage(c *fiber.Ctx) error { return s.renderApplicants(c, nil) }

func (s *Server) renderApplicants(c *fiber.Ctx, bad *assocRefusal) error {
	ctx := c.UserContext()
	a, err := s.association(c)
	if err != nil {
		return err
	}
	missionQ, status := c.Query("mission", c.FormValue("mission")), c.Query("status", c.FormValue("status"))
	var mission *uuid.UUID
	if id, err := uuid.Parse(missionQ); err == nil {
		mission = &id
	} else {
		missionQ = ""
	}
	if !slices.Contains(participationStatuses, status) {
		status = ""
	}
	ps, err := s.deps.Participations.OfAssociation(ctx, a.ID, mission, status)
	if err != nil {
		return err
	}
	ms, err := s.deps.Catalogue.Missions(ctx, a.ID)
	if err != nil {
		return err
	}
	matches := map[uuid.UUID][]campaign.ApplicantSkill{}
	if len(ps) > 0 {
		ids := make([]uuid.UUID, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		if matches, err = s.deps.Participations.ApplicantSkills(ctx, a.ID, ids); err != nil {
			return err
		}
	}
	labels, _, err := s.skillLabels(c)
	if err != nil {
		return err
	}
	d := s.assocData(c, "applicants", a, nil)
	page := &applicantsContext{Base: d["Base"].(string), DateFmt: d["DateFmt"].(string), MissionQ: missionQ, Status: status,
		Reasons: campaign.RefusalReasons}
	var open, decided []assocApplicant
	for _, p := range ps {
		ap := assocApplicant{Participation: p, Late: p.Late(time.Now()), CanValidate: p.CanMove(campaign.Validated),
			CanRefuse: p.CanMove(campaign.Refused), Errors: assocErrors{}, Page: page,
			CanAttend: campaign.CanRecordAttendance(&p, time.Now())}
		for _, m := range matches[p.ID] {
			ap.Skills = append(ap.Skills, matchedSkill{Label: labels[m.Skill], Level: m.Level, Wanted: m.Wanted,
				Required: m.Required, Short: m.Level < m.Wanted})
		}
		if bad != nil && bad.ID == p.ID {
			ap.Reason, ap.Detail, ap.Errors = bad.Reason, bad.Detail, bad.Errors
			ap.RefuseOpened = bad.Errors["reason"] != "" || bad.Errors["detail"] != ""
		}
		if ap.CanRefuse {
			open = append(open, ap)
		} else {
			decided = append(decided, ap)
		}
	}
	for k, v := range map[string]any{"Open": open, "Decided": decided, "Missions": ms, "MissionQ": missionQ, "Status": status,
		"Statuses": participationStatuses[1:], "Done": c.Query("done"), "Who": c.Query("who"),
		"Filtered": mission != nil || status != ""} {
		d[k] = v
	}
	return s.render(c, "association/applicants", d)
}

// backToApplicants is the applicants page with the filters the person had.
// attendanceSubmit records whether the volunteer came (came=yes or no).
func (s *Server) attendanceSubmit(c *fiber.Ctx) error {
	assoc, id, err := s.missionParams(c)
	if err != nil {
		return err
	}
	came := c.FormValue("came")
	if came != "yes" && came != "no" {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderApplicants(c, &assocRefusal{ID: id, Errors: assocErrors{"form": s.message(c,
			errs.Field("came", "say whether the volunteer came"))}})
	}
	p, err := s.deps.Participations.Attend(c.UserContext(), *assoc, id, came == "yes")
	if err != nil {
		fe := assocErrors{}
		if err := s.formFailure(c, err, fe, nil, nil); err != nil {
			return err
		}
		return s.renderApplicants(c, &assocRefusal{ID: id, Errors: fe})
	}
	return c.Redirect(backToApplicants(c, *assoc, p.Status, p.MemberName), fiber.StatusSeeOther)
}

func backToApplicants(c *fiber.Ctx, assoc uuid.UUID, done, who string) string {
	q := url.Values{"done": {done}, "who": {who}}
	if m := c.FormValue("mission"); m != "" {
		q.Set("mission", m)
	}
	if st := c.FormValue("status"); st != "" {
		q.Set("status", st)
	}
	return "/associations/" + assoc.String() + "/applicants?" + q.Encode()
}

func (s *Server) validateSubmit(c *fiber.Ctx) error {
	assoc, id, err := s.missionParams(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Participations.Decide(c.UserContext(), *assoc, id, campaign.Decision{Validate: true})
	if err != nil {
		fe := assocErrors{}
		if err := s.formFailure(c, err, fe, nil, nil); err != nil {
			return err
		}
		return s.renderApplicants(c, &assocRefusal{ID: id, Errors: fe})
	}
	return c.Redirect(backToApplicants(c, *assoc, "validated", p.MemberName), fiber.StatusSeeOther)
}

func (s *Server) refuseSubmit(c *fiber.Ctx) error {
	assoc, id, err := s.missionParams(c)
	if err != nil {
		return err
	}
	r := &assocRefusal{ID: id, Reason: strings.TrimSpace(c.FormValue("reason")), Detail: strings.TrimSpace(c.FormValue("detail")), Errors: assocErrors{}}
	// The volunteer reads why: the page asks for a reason and a word for
	// them, whichever reason it is.
	if !slices.Contains(campaign.RefusalReasons, r.Reason) {
		r.Errors["reason"] = "!association.refuse.reason_missing"
	}
	if r.Detail == "" {
		r.Errors["detail"] = "!association.refuse.detail_missing"
	}
	if len(r.Errors) == 0 {
		p, err := s.deps.Participations.Decide(c.UserContext(), *assoc, id, campaign.Decision{Reason: r.Reason, Detail: r.Detail})
		if err == nil {
			return c.Redirect(backToApplicants(c, *assoc, "refused", p.MemberName), fiber.StatusSeeOther)
		}
		if err := s.formFailure(c, err, r.Errors, map[string]bool{"reason": true, "detail": true}, nil); err != nil {
			return err
		}
	} else {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.renderApplicants(c, r)
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
