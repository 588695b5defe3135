package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/matching"
)

// employeePages serve an employee's journey in the browser.
func (s *Server) employeePages(app fiber.Router) {
	enf := s.deps.Authz
	app.Get("/campaigns/:id", enf.Route("campaigns", "read"), s.campaignPage)
	app.Post("/campaigns/:id/apply", enf.Route("participations", "create"), s.applySubmit)
	app.Post("/missions/:id/redirect", enf.Route("missions", "read"), s.redirectSubmit)
	app.Get("/me/participations", enf.Route("participations", "read"), s.myParticipationsPage)
	app.Get("/me/participations/:id/calendar.ics", enf.Route("participations", "read"), s.participationCalendar)
	app.Post("/me/proposals/:id/accept", enf.Route("participations", "create"), s.acceptProposalSubmit)
	app.Post("/me/proposals/:id/decline", enf.Route("participations", "cancel"), s.declineProposalSubmit)
	app.Post("/me/participations/:id/cancel", enf.Route("participations", "cancel"), s.cancelSubmit)
	app.Post("/me/participations/:id/hours", enf.Route("hours", "create"), s.hoursSubmit)
	app.Get("/me/profile", enf.Route("profile", "read"), s.profilePage)
	app.Post("/me/profile", enf.Route("profile", "update"), s.profileSubmit)
}

// missionCard is a mission as a card shows it.
type missionCard struct {
	catalog.Mission
	Reasons []string
	Score   int
	// Away is how far the mission's place is from the person's home, in
	// km, when both are known.
	Away *int
}

// distanceChoices are the distance filter's choices, in km.
var distanceChoices = []int{5, 10, 25, 50, 100}

func distanceOf(away map[uuid.UUID]float64, id uuid.UUID) *int {
	d, ok := away[id]
	if !ok {
		return nil
	}
	km := int(math.Round(d))
	return &km
}

// applyForm is an application that came back with an error.
type applyForm struct {
	MissionID  uuid.UUID
	Motivation string
	Ack        bool
	Field      string
	Key        string // a message of the page, else Message
	Message    string
	Full       bool
}

// pageError keeps the failures a form shows the person; the others go to
// the error page.
func pageError(err error) bool {
	code := errs.CodeOf(err)
	return code == errs.Invalid || code == errs.Conflict || code == errs.NotFound
}

func (s *Server) skillLabels(c *fiber.Ctx) (map[string]string, []catalog.Skill, error) {
	_, skills, err := s.deps.Reference.Skills(c.UserContext())
	if err != nil {
		return nil, nil, err
	}
	en := lang(c) == "en"
	labels := make(map[string]string, len(skills))
	for _, sk := range skills {
		labels[sk.Code] = sk.LabelFR
		if en {
			labels[sk.Code] = sk.LabelEN
		}
	}
	return labels, skills, nil
}

func (s *Server) campaignPage(c *fiber.Ctx) error {
	return s.renderCampaign(c, nil)
}

func (s *Server) renderCampaign(c *fiber.Ctx, form *applyForm) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Get(ctx, viewerOf(c), id)
	if err != nil {
		return err
	}
	ms, err := s.deps.Campaigns.Missions(ctx, viewerOf(c), id)
	if err != nil {
		return err
	}
	labels, _, err := s.skillLabels(c)
	if err != nil {
		return err
	}
	en := lang(c) == "en"
	format, cause := utils.CopyString(c.Query("format")), utils.CopyString(c.Query("cause"))
	maxKm := 0
	if d := c.Query("distance"); d != "" {
		if maxKm, err = strconv.Atoi(d); err != nil || !slices.Contains(distanceChoices, maxKm) {
			return errs.Field("distance", "distance %q is not one of the choices offered (5, 10, 25, 50 or 100 km)", d)
		}
	}
	// The profile ranks the missions and places the person: distances are
	// counted from home.
	var profile *campaign.Profile
	member, memberErr := memberOf(c)
	if memberErr == nil {
		if profile, err = s.deps.Campaigns.Profile(ctx, member); err != nil {
			return err
		}
	}
	var home *matching.GeoPoint
	if profile != nil && profile.HomeLat != nil && profile.HomeLon != nil {
		home = &matching.GeoPoint{Lat: *profile.HomeLat, Lon: *profile.HomeLon}
	}
	away := map[uuid.UUID]float64{}
	var vital []catalog.Mission
	others := map[uuid.UUID]catalog.Mission{}
	var order []uuid.UUID
	causes := map[string]bool{}
	for _, m := range ms.Missions {
		if m.VitalCategory != "" {
			vital = append(vital, m)
			continue
		}
		if m.Cause != "" {
			causes[m.Cause] = true
		}
		if (format != "" && m.Format != format) || (cause != "" && m.Cause != cause) {
			continue
		}
		if home != nil && m.Lat != nil && m.Lon != nil && m.Format != "remote" {
			away[m.ID] = matching.DistanceKm(*home, matching.GeoPoint{Lat: *m.Lat, Lon: *m.Lon})
		}
		// A remote mission is never far; one on site without a known place
		// cannot be said to be near.
		if maxKm > 0 && home != nil && m.Format != "remote" {
			if d, ok := away[m.ID]; !ok || d > float64(maxKm) {
				continue
			}
		}
		others[m.ID] = m
		order = append(order, m.ID)
	}
	if en && len(vital) > 0 {
		// The vital missions' official texts exist in English too.
		cats, err := s.deps.Catalog.VitalCategories(ctx)
		if err != nil {
			return err
		}
		for i, m := range vital {
			for _, v := range cats {
				if v.Code == m.VitalCategory {
					vital[i].Title, vital[i].Description = v.LabelEN, v.DescriptionEN
				}
			}
		}
	}
	var cards []missionCard
	needsProfile := false
	proposed := 0
	if memberErr == nil {
		// Nothing can be ranked for someone without skills: say where to add them.
		needsProfile = len(profile.Skills) == 0
		ps, err := s.deps.Matchmaker.Proposals(ctx, member)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.Status == "proposed" && p.CampaignID == id {
				proposed++
			}
		}
		if recs, err := s.deps.Matchmaker.Recommend(ctx, member, id, 50); err == nil {
			for _, r := range recs {
				m, ok := others[r.Mission.ID]
				if !ok {
					continue
				}
				delete(others, m.ID)
				cards = append(cards, missionCard{Mission: m, Reasons: reasons(r.Explanation, labels), Score: r.Score, Away: distanceOf(away, m.ID)})
			}
		} else if !pageError(err) {
			return err
		}
	}
	for _, mid := range order {
		if m, ok := others[mid]; ok {
			cards = append(cards, missionCard{Mission: m, Away: distanceOf(away, mid)})
		}
	}
	rules := make([]string, len(ms.SanitaryRules))
	for i, r := range ms.SanitaryRules {
		rules[i] = r.TextFR
		if en {
			rules[i] = r.TextEN
		}
	}
	all, err := s.deps.Reference.Causes(ctx)
	if err != nil {
		return err
	}
	type option struct{ Code, Label string }
	var causeList []option
	for _, k := range all {
		if causes[k.Code] || k.Code == cause {
			l := k.LabelFR
			if en {
				l = k.LabelEN
			}
			causeList = append(causeList, option{k.Code, l})
		}
	}
	if form == nil {
		form = &applyForm{}
	}
	return s.render(c, "employee/campaign", s.pageData(c, cmp.Name, map[string]any{
		"AckMissing": utils.CopyString(c.Query("ack_missing")), "Campaign": cmp, "Vital": vital, "Rules": rules, "Others": cards, "Format": format, "Cause": cause,
		"Proposed": proposed, "Distance": maxKm, "Distances": distanceChoices, "DistanceNeedsHome": maxKm > 0 && home == nil,
		"Causes": causeList, "Form": form, "Applied": c.Query("applied") == "1", "NeedsProfile": needsProfile,
	}))
}

// reasons says in words why a mission suits the person: the skills they
// have, exactly or close.
func reasons(e matching.Explanation, labels map[string]string) []string {
	var out []string
	for _, sm := range e.Skills {
		if sm.Kind != matching.MatchExact && sm.Kind != matching.MatchFamily {
			continue
		}
		code := sm.Code
		if sm.Kind == matching.MatchFamily && sm.Via != "" {
			code = sm.Via
		}
		l := labels[code]
		if l == "" {
			l = code
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) applySubmit(c *fiber.Ctx) error {
	member, campaignID, err := memberAnd(c, "id")
	if err != nil {
		return err
	}
	form := &applyForm{Motivation: strings.TrimSpace(c.FormValue("motivation")), Ack: c.FormValue("sanitary_ack") != ""}
	mid, err := uuid.Parse(c.FormValue("mission_id"))
	if err != nil {
		return errs.Field("mission_id", "say which mission: mission_id")
	}
	form.MissionID = mid
	_, err = s.deps.Participations.Apply(c.UserContext(), member, campaign.ApplyInput{CampaignID: campaignID, MissionID: mid,
		Motivation: form.Motivation, SanitaryAck: form.Ack, WaitingList: c.FormValue("waiting_list") == "1"})
	if err == nil {
		return c.Redirect("/me/participations?applied=1", fiber.StatusSeeOther)
	}
	if !pageError(err) {
		return err
	}
	form.Message = s.message(c, err)
	var e *errs.Error
	if ok := asErr(err, &e); ok {
		form.Field = e.Field
	}
	switch {
	case errors.Is(err, campaign.ErrSanitaryAck):
		form.Key = "employee.apply.ack_missing"
	case errors.Is(err, campaign.ErrMissionFull):
		form.Full, form.Key = true, "employee.apply.full"
	default:
		form.Field = "form"
	}
	c.Status(statusOf[errs.CodeOf(err)])
	return s.renderCampaign(c, form)
}

func asErr(err error, target **errs.Error) bool { return errors.As(err, target) }

func (s *Server) redirectSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var campaignID *uuid.UUID
	if cid, err := uuid.Parse(c.FormValue("campaign_id")); err == nil && cid != uuid.Nil {
		campaignID = &cid
	}
	url, err := s.deps.Campaigns.Redirect(c.UserContext(), viewerOf(c), id, campaignID, c.FormValue("sanitary_ack") != "")
	if errs.FieldOf(err) == "sanitary_ack" && campaignID != nil {
		// Back to the card, the message next to its check box.
		return c.Redirect("/campaigns/"+campaignID.String()+"?ack_missing="+id.String()+"#vital-"+id.String(), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	return c.Redirect(url, fiber.StatusSeeOther)
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
	if !pageError(err) || errs.Is(err, errs.NotFound) {
		return err
	}
	failed := &proposalCard{Proposal: campaign.Proposal{ID: id}, Error: s.message(c, err), Ack: ack}
	var e *errs.Error
	if errors.As(err, &e) {
		failed.Field = e.Field
	}
	c.Status(statusOf[errs.CodeOf(err)])
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
			CanCancel: p.Status == campaign.Pending || p.Status == campaign.Validated || p.Status == campaign.Waiting,
			CanLog:    p.Status == campaign.Validated || p.Status == campaign.Done}
		if bad != nil && p.ID == errID {
			rows[i].Error, rows[i].Key, rows[i].Field, rows[i].Hours, rows[i].Note, rows[i].Day = bad.Error, bad.Key, bad.Field, bad.Hours, bad.Note, bad.Day
		}
	}
	return s.render(c, "employee/participations", s.pageData(c, "", map[string]any{
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
		if !pageError(err) {
			return err
		}
		row.Field, row.Error = "hours", s.message(c, err)
		var e *errs.Error
		if asErr(err, &e) && e.Field == "worked_on" {
			row.Field = "worked_on"
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderParticipations(c, id, row)
}

// skillRow is one line of the skills picker.
type skillRow struct {
	Skill string
	Level int
}

func (s *Server) profilePage(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Campaigns.Profile(c.UserContext(), member)
	if err != nil {
		return err
	}
	return s.renderProfile(c, p, "", "")
}

func (s *Server) renderProfile(c *fiber.Ctx, p *campaign.Profile, field, message string) error {
	_, skills, err := s.skillLabels(c)
	if err != nil {
		return err
	}
	causes, err := s.deps.Reference.Causes(c.UserContext())
	if err != nil {
		return err
	}
	key := ""
	if strings.HasPrefix(message, "!") {
		key, message = message[1:], ""
	}
	rows := make([]skillRow, len(p.Skills))
	for i, sk := range p.Skills {
		rows[i] = skillRow{sk.Skill, sk.Level}
	}
	on := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, v := range list {
			m[v] = true
		}
		return m
	}
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	var feedSince *time.Time
	if since, ok, err := s.deps.Notifications.Feeds.Since(c.UserContext(), member); err != nil {
		return err
	} else if ok {
		feedSince = &since
	}
	return s.render(c, "employee/profile", s.pageData(c, "", map[string]any{
		"FeedSince": feedSince, "FeedRevoked": c.Query("feed") == "revoked",
		"Profile": p, "Rows": rows, "Skills": skills, "AllCauses": causes, "Field": field, "Message": message, "Key": key,
		"Saved": c.Query("saved") == "1", "Formats": []string{"remote", "on_site", "hybrid"},
		"FormatOn": on(p.Formats), "CauseOn": on(p.Causes),
	}))
}

func (s *Server) profileSubmit(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	args := c.Request().PostArgs()
	multi := func(k string) []string {
		var out []string
		for _, v := range args.PeekMulti(k) {
			out = append(out, strings.TrimSpace(string(v)))
		}
		return out
	}
	p := &campaign.Profile{MemberID: member, Skills: []campaign.ProfileSkill{}, Formats: multi("formats"), Causes: multi("causes"),
		HomeCity: strings.TrimSpace(c.FormValue("home_city"))}
	if p.Formats == nil {
		p.Formats = []string{}
	}
	if p.Causes == nil {
		p.Causes = []string{}
	}
	codes, levels := multi("skill"), multi("level")
	remove, _ := strconv.Atoi(c.FormValue("remove", "-1"))
	for i, code := range codes {
		if code == "" || i == remove {
			continue
		}
		lv := 2
		if i < len(levels) {
			if n, err := strconv.Atoi(levels[i]); err == nil {
				lv = n
			}
		}
		p.Skills = append(p.Skills, campaign.ProfileSkill{Skill: code, Level: lv})
	}
	field, message := "", ""
	if hw, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(c.FormValue("hours_per_week")), ",", "."), 64); err == nil {
		p.HoursPerWeek = hw
	} else {
		field, message = "hours_per_week", "!employee.profile.bad_number"
	}
	if r, err := strconv.Atoi(strings.TrimSpace(c.FormValue("radius_km"))); err == nil {
		p.RadiusKM = r
	} else if field == "" {
		field, message = "radius_km", "!employee.profile.bad_number"
	}
	if c.FormValue("add") != "" || c.FormValue("remove") != "" || field != "" {
		if c.FormValue("add") != "" {
			p.Skills = append(p.Skills, campaign.ProfileSkill{Level: 2})
		}
		if field != "" {
			c.Status(fiber.StatusUnprocessableEntity)
		}
		return s.renderProfile(c, p, field, message)
	}
	body, err := json.Marshal(map[string]any{"skills": p.Skills, "hours_per_week": p.HoursPerWeek, "formats": p.Formats,
		"home_city": p.HomeCity, "radius_km": p.RadiusKM, "causes": p.Causes})
	if err != nil {
		return err
	}
	if _, err := s.deps.Campaigns.SaveProfile(c.UserContext(), member, body); err != nil {
		if !pageError(err) {
			return err
		}
		var e *errs.Error
		if asErr(err, &e) {
			field = e.Field
		}
		if strings.HasPrefix(field, "skills") {
			field = "skills"
		}
		c.Status(statusOf[errs.CodeOf(err)])
		return s.renderProfile(c, p, field, s.message(c, err))
	}
	return c.Redirect("/me/profile?saved=1", fiber.StatusSeeOther)
}
