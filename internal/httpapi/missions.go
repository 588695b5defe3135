package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// missionRoutes serve missions: an association's managers write, open and
// close theirs; staff flag any and curate the vital missions; employees
// follow a vital mission to its national sign-up.
func (s *Server) missionRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	in := authz.AssociationParam("association")
	read, create, update := enf.RouteIn(in, "missions", "read"), enf.RouteIn(in, "missions", "create"), enf.RouteIn(in, "missions", "update")
	closeMission := enf.RouteIn(in, "missions", "close")
	vitals, vitalUpdate := enf.Route("vital_missions", "read"), enf.Route("vital_missions", "update")
	redirect := enf.Route("missions", "read")

	api.Get("/associations/:association/missions", read, s.associationMissions)
	app.Get("/associations/:association/missions", read, s.associationMissionsPage)
	api.Post("/associations/:association/missions", create, s.createMission)
	app.Post("/associations/:association/missions", create, s.createMissionSubmit)
	// "new" before ":id": Fiber takes the first route that matches.
	app.Get("/associations/:association/missions/new", create, s.newMissionPage)
	api.Get("/associations/:association/missions/:id", read, s.associationMission)
	app.Get("/associations/:association/missions/:id", read, s.editMissionPage)
	api.Patch("/associations/:association/missions/:id", update, s.changeMission)
	app.Post("/associations/:association/missions/:id", update, s.changeMissionSubmit)
	api.Post("/associations/:association/missions/:id/open", update, s.missionStatus(catalog.MissionOpen))
	app.Post("/associations/:association/missions/:id/open", update, s.missionStatusSubmit(catalog.MissionOpen))
	api.Post("/associations/:association/missions/:id/close", closeMission, s.missionStatus(catalog.MissionClosed))
	app.Post("/associations/:association/missions/:id/close", closeMission, s.missionStatusSubmit(catalog.MissionClosed))

	api.Post("/missions/:id/redirect", redirect, s.redirectMission)
	app.Post("/missions/:id/redirect", redirect, s.redirectSubmit)

	api.Post("/platform/missions/:id/flag", enf.Route("missions", "flag"), s.flagMission)
	app.Get("/platform/missions", vitals, s.staffMissionsPage)
	app.Get("/platform/missions/:id", vitals, s.staffMissionPage)
	api.Patch("/platform/missions/:id", vitalUpdate, s.changeVitalMission)
	app.Post("/platform/missions/:id", vitalUpdate, s.staffMissionSubmit)
}

// missionFields are the vital mission form's inputs.
var missionFields = []string{"title", "description", "format", "address", "postal_code", "city", "lat", "lon", "external_url"}

func (s *Server) staffMissionsPage(c *fiber.Ctx) error {
	list, err := s.deps.Staff.VitalMissions(c.UserContext())
	if err != nil {
		return err
	}
	extra := map[string]any{"Missions": list}
	for _, m := range list {
		if m.ID.String() == c.Query("saved") {
			extra["Saved"] = map[string]string{"Title": m.Title}
		}
	}
	return s.render(c, "staff/missions", s.staffData(c, "staff.missions.title", extra))
}

func (s *Server) staffMissionPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.deps.Catalogue.MissionOf(c.UserContext(), nil, id)
	if err != nil {
		return err
	}
	if m.VitalCategory == "" {
		return errs.E(errs.NotFound, "no vital mission with this id")
	}
	return s.staffMission(c, id, missionForm(m), nil)
}

func missionForm(m *catalog.Mission) map[string]string {
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	return map[string]string{"title": m.Title, "description": m.Description, "format": m.Format, "address": m.Address,
		"postal_code": m.PostalCode, "city": m.City, "lat": num(m.Lat), "lon": num(m.Lon), "external_url": m.ExternalURL}
}

func (s *Server) staffMission(c *fiber.Ctx, id uuid.UUID, form map[string]string, extra map[string]any) error {
	list, err := s.deps.Staff.VitalMissions(c.UserContext())
	if err != nil {
		return err
	}
	if extra == nil {
		extra = map[string]any{}
	}
	for _, m := range list {
		if m.ID == id {
			extra["Vital"] = m
		}
	}
	if extra["Vital"] == nil {
		return errs.E(errs.NotFound, "no vital mission with this id")
	}
	extra["ID"] = id
	extra["Form"] = form
	return s.render(c, "staff/mission", s.staffData(c, "staff.mission.title", extra))
}

// optionalFloat reads a number typed in a form; "" is none.
func optionalFloat(field, v string) (*float64, error) {
	if v == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	if err != nil {
		return nil, &inputError{field, "staff.error.number"}
	}
	return &f, nil
}

func (s *Server) staffMissionSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	form := formValues(c, missionFields...)
	_, err = s.deps.Catalogue.ChangeMission(c.UserContext(), nil, id, func(m *catalog.Mission) error {
		if m.VitalCategory == "" {
			return errs.E(errs.NotFound, "no vital mission with this id")
		}
		lat, err := optionalFloat("lat", form["lat"])
		if err != nil {
			return err
		}
		lon, err := optionalFloat("lon", form["lon"])
		if err != nil {
			return err
		}
		if form["external_url"] == "" {
			// Without it the mission would have nowhere to send volunteers.
			return &inputError{"external_url", "staff.error.external_url"}
		}
		m.Title, m.Description, m.Format = form["title"], form["description"], form["format"]
		m.Address, m.PostalCode, m.City, m.Lat, m.Lon = form["address"], form["postal_code"], form["city"], lat, lon
		m.ExternalURL = form["external_url"]
		return nil
	})
	if err != nil {
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, inputSet(missionFields...), nil); err != nil {
			return err
		}
		return s.staffMission(c, id, form, formExtra(form, fe))
	}
	return c.Redirect("/platform/missions?saved="+id.String()+"#mission-"+id.String(), fiber.StatusSeeOther)
}

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

// assocMissionRow is a mission as the list shows it.
type assocMissionRow struct {
	catalog.Mission
	Taken             int
	Applicants        int
	CanOpen, CanClose bool
	Failure           string
}

func (s *Server) associationMissionsPage(c *fiber.Ctx) error {
	return s.renderMissions(c, uuid.Nil, "")
}

func (s *Server) renderMissions(c *fiber.Ctx, failedID uuid.UUID, failure string) error {
	ctx := c.UserContext()
	a, err := s.association(c)
	if err != nil {
		return err
	}
	ms, err := s.deps.Catalogue.Missions(ctx, a.ID)
	if err != nil {
		return err
	}
	ps, err := s.deps.Participations.OfAssociation(ctx, a.ID, nil, "")
	if err != nil {
		return err
	}
	waiting := map[uuid.UUID]int{}
	for _, p := range ps {
		if p.Status == campaign.Pending || p.Status == campaign.Waiting {
			waiting[p.MissionID]++
		}
	}
	rows := make([]assocMissionRow, len(ms))
	for i, m := range ms {
		rows[i] = assocMissionRow{Mission: m, Taken: m.Places - m.PlacesLeft, Applicants: waiting[m.ID],
			CanOpen:  m.Status == catalog.MissionDraft || m.Status == catalog.MissionClosed,
			CanClose: m.Status == catalog.MissionOpen || m.Status == catalog.MissionFull}
		if m.ID == failedID {
			rows[i].Failure = failure
		}
	}
	return s.render(c, "association/missions", s.assocData(c, "missions", a, map[string]any{
		"Missions": rows, "Saved": c.Query("saved"), "Changed": c.Query("changed"),
	}))
}

func (s *Server) missionStatusSubmit(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		assoc, id, err := s.missionParams(c)
		if err != nil {
			return err
		}
		m, err := s.deps.Catalogue.SetStatus(c.UserContext(), assoc, id, status)
		if err != nil {
			if errs.CodeOf(err) != errs.Conflict {
				return err
			}
			c.Status(fiber.StatusConflict)
			return s.renderMissions(c, id, s.message(c, err))
		}
		return c.Redirect(backToMissions(*assoc, "changed", m), fiber.StatusSeeOther)
	}
}

// needRow is one skill of the mission form.
type needRow struct {
	Skill    string
	Label    string
	Level    int
	Required bool
}

// needForm is the mission form as typed: every value kept as text, so
// that a form sent back with an error shows what the person wrote.
type needForm struct {
	Title, Description, Cause, Format              string
	Address, PostalCode, City, Lat, Lon            string
	CommitmentKind, CommitmentHours, DurationWeeks string
	DateKind, StartsOn, EndsOn, Recurrence, Places string
	Visibility, VisibleTo                          string
	Publish                                        bool
	Skills                                         []needRow
	Query                                          string
	Found                                          []catalog.Skill
	Searched                                       bool
}

var needInputs = map[string]bool{"title": true, "description": true, "cause": true, "format": true, "address": true,
	"postal_code": true, "city": true, "lat": true, "commitment_kind": true, "commitment_hours": true, "duration_weeks": true,
	"date_kind": true, "starts_on": true, "ends_on": true, "recurrence": true, "places": true, "visibility": true,
	"visible_to": true, "skills": true}

// Normalize names a one-off mission's missing date "slots"; the form asks
// for its day.
var needAlias = map[string]string{"lon": "lat", "slots": "starts_on"}

const assocDateForm = "2006-01-02"

func (s *Server) needFormOf(ctx context.Context, m *catalog.Mission) (needForm, error) {
	f := needForm{Title: m.Title, Description: m.Description, Cause: m.Cause, Format: m.Format, Address: m.Address,
		PostalCode: m.PostalCode, City: m.City, CommitmentKind: m.CommitmentKind, DateKind: m.DateKind,
		Recurrence: m.Recurrence, Places: strconv.Itoa(m.Places), Visibility: m.Visibility}
	if m.Lat != nil && m.Lon != nil {
		f.Lat, f.Lon = assocCoord(*m.Lat), assocCoord(*m.Lon)
	}
	if m.CommitmentHours > 0 {
		f.CommitmentHours = trimFloat(m.CommitmentHours)
	}
	if m.DurationWeeks != nil {
		f.DurationWeeks = strconv.Itoa(*m.DurationWeeks)
	}
	if m.StartsOn != nil {
		f.StartsOn = m.StartsOn.Format(assocDateForm)
	}
	if m.EndsOn != nil {
		f.EndsOn = m.EndsOn.Format(assocDateForm)
	}
	for _, sk := range m.Skills {
		f.Skills = append(f.Skills, needRow{Skill: sk.Skill, Level: sk.Level, Required: sk.Required})
	}
	if len(m.VisibleTo) > 0 {
		all, err := s.deps.Tenants.List(ctx)
		if err != nil {
			return f, err
		}
		var slugs []string
		for _, t := range all {
			if slices.Contains(m.VisibleTo, t.ID) {
				slugs = append(slugs, t.Slug)
			}
		}
		f.VisibleTo = strings.Join(slugs, ", ")
	}
	return f, nil
}

// readNeedForm reads the posted form.
func readNeedForm(c *fiber.Ctx) needForm {
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	f := needForm{Title: v("title"), Description: v("description"), Cause: v("cause"), Format: v("format"),
		Address: v("address"), PostalCode: v("postal_code"), City: v("city"), Lat: v("lat"), Lon: v("lon"),
		CommitmentKind: v("commitment_kind"), CommitmentHours: v("commitment_hours"), DurationWeeks: v("duration_weeks"),
		DateKind: v("date_kind"), StartsOn: v("starts_on"), EndsOn: v("ends_on"), Recurrence: v("recurrence"),
		Places: v("places"), Visibility: v("visibility"), VisibleTo: v("visible_to"), Publish: c.FormValue("publish") != "",
		Query: v("skill_query")}
	args := c.Request().PostArgs()
	levels := args.PeekMulti("level")
	for i, code := range args.PeekMulti("skill") {
		r := needRow{Skill: strings.TrimSpace(string(code)), Level: 2, Required: c.FormValue("required-"+strconv.Itoa(i)) != ""}
		if i < len(levels) {
			if n, err := strconv.Atoi(string(levels[i])); err == nil {
				r.Level = n
			}
		}
		f.Skills = append(f.Skills, r)
	}
	return f
}

// applyNeed sets the mission's fields the form holds. A value that is not a
// number or a date is refused here, next to its field, with the page's own
// message key (prefixed "!").
func (s *Server) applyNeed(ctx context.Context, f needForm, m *catalog.Mission) assocErrors {
	fe := assocErrors{}
	m.Title, m.Description, m.Cause, m.Format = f.Title, f.Description, f.Cause, f.Format
	m.Address, m.PostalCode, m.City, m.Recurrence = f.Address, f.PostalCode, f.City, f.Recurrence
	m.CommitmentKind, m.DateKind, m.Visibility = f.CommitmentKind, f.DateKind, f.Visibility
	m.Lat, m.Lon = nil, nil
	if f.Lat != "" || f.Lon != "" {
		lat, lerr := assocDecimal(f.Lat)
		lon, oerr := assocDecimal(f.Lon)
		if lerr != nil || oerr != nil {
			fe["lat"] = "!association.form.bad_coords"
		} else {
			m.Lat, m.Lon = &lat, &lon
		}
	}
	if n, err := strconv.Atoi(f.Places); err == nil {
		m.Places = n
	} else {
		fe["places"] = "!association.mission.bad_places"
	}
	m.CommitmentHours = 0
	if f.CommitmentHours != "" {
		if h, err := assocDecimal(f.CommitmentHours); err == nil {
			m.CommitmentHours = h
		} else {
			fe["commitment_hours"] = "!association.form.bad_number"
		}
	}
	m.DurationWeeks = nil
	if f.DurationWeeks != "" {
		if w, err := strconv.Atoi(f.DurationWeeks); err == nil {
			m.DurationWeeks = &w
		} else {
			fe["duration_weeks"] = "!association.form.bad_number"
		}
	}
	date := func(field, v string) *time.Time {
		if v == "" {
			return nil
		}
		d, err := time.Parse(assocDateForm, v)
		if err != nil {
			fe[field] = "!association.form.bad_date"
			return nil
		}
		return &d
	}
	m.StartsOn, m.EndsOn = date("starts_on", f.StartsOn), date("ends_on", f.EndsOn)
	m.Skills = []catalog.SkillNeed{}
	for _, r := range f.Skills {
		if r.Skill != "" {
			m.Skills = append(m.Skills, catalog.SkillNeed{Skill: r.Skill, Level: r.Level, Required: r.Required})
		}
	}
	m.VisibleTo = nil
	if f.Visibility == "listed" {
		for _, slug := range strings.FieldsFunc(f.VisibleTo, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			t, err := s.deps.Tenants.BySlug(ctx, strings.ToLower(slug))
			if err != nil {
				fe["visible_to"] = "!association.mission.unknown_company"
				break
			}
			m.VisibleTo = append(m.VisibleTo, t.ID)
		}
	}
	return fe
}

func (s *Server) newMissionPage(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	// A new need starts where the association is.
	f := needForm{Format: catalog.Remote, CommitmentKind: "total", DateKind: "ongoing", Places: "1", Visibility: "all",
		City: a.City, Address: a.Address, PostalCode: a.PostalCode, Publish: true}
	if a.Lat != nil && a.Lon != nil {
		f.Lat, f.Lon = assocCoord(*a.Lat), assocCoord(*a.Lon)
	}
	return s.renderMissionForm(c, a, nil, f, assocErrors{})
}

func (s *Server) editMissionPage(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.deps.Catalogue.MissionOf(c.UserContext(), &a.ID, id)
	if err != nil {
		return err
	}
	f, err := s.needFormOf(c.UserContext(), m)
	if err != nil {
		return err
	}
	return s.renderMissionForm(c, a, m, f, assocErrors{})
}

// assocSkillGroup is a family of skills, for the picker's list.
type assocSkillGroup struct {
	Label  string
	Skills []catalog.Skill
}

func (s *Server) renderMissionForm(c *fiber.Ctx, a *catalog.Association, m *catalog.Mission, f needForm, fe assocErrors) error {
	ctx := c.UserContext()
	fams, skills, err := s.deps.Reference.Skills(ctx)
	if err != nil {
		return err
	}
	causes, err := s.deps.Reference.Causes(ctx)
	if err != nil {
		return err
	}
	en := lang(c) == "en"
	label := func(sk catalog.Skill) string {
		if en {
			return sk.LabelEN
		}
		return sk.LabelFR
	}
	labels := map[string]string{}
	for _, sk := range skills {
		labels[sk.Code] = label(sk)
	}
	for i := range f.Skills {
		f.Skills[i].Label = labels[f.Skills[i].Skill]
	}
	var groups []assocSkillGroup
	for _, fam := range fams {
		g := assocSkillGroup{Label: fam.LabelFR}
		if en {
			g.Label = fam.LabelEN
		}
		for _, sk := range skills {
			if sk.Family == fam.Code {
				g.Skills = append(g.Skills, sk)
			}
		}
		groups = append(groups, g)
	}
	section, action := "mission_new", "/associations/"+a.ID.String()+"/missions"
	var places map[string]int
	if m != nil {
		section, action = "mission_edit", action+"/"+m.ID.String()
		places = map[string]int{"Taken": m.Places - m.PlacesLeft, "Places": m.Places, "PlacesLeft": m.PlacesLeft}
	}
	return s.render(c, "association/mission", s.assocData(c, section, a, map[string]any{
		"Mission": m, "PlacesInfo": places, "Form": f, "Errors": fe, "Groups": groups, "Causes": causes, "Action": action,
		"Formats": []string{catalog.Remote, catalog.OnSite, catalog.Hybrid}, "Levels": []int{1, 2, 3, 4},
		"DateKinds": []string{"ongoing", "recurring", "one_off"},
	}))
}

// skillFold is text lowered and without French accents, to search skills as
// people type them.
var skillFold = strings.NewReplacer("à", "a", "â", "a", "ä", "a", "é", "e", "è", "e", "ê", "e", "ë", "e", "î", "i", "ï", "i",
	"ô", "o", "ö", "o", "ù", "u", "û", "u", "ü", "u", "ç", "c", "œ", "oe", "æ", "ae", "'", " ", "’", " ", "-", " ")

func searchSkills(skills []catalog.Skill, query string) []catalog.Skill {
	var out []catalog.Skill
	words := strings.Fields(skillFold.Replace(strings.ToLower(query)))
	for _, sk := range skills {
		text := skillFold.Replace(strings.ToLower(sk.LabelFR + " " + sk.LabelEN + " " + sk.Code + " " + sk.Family))
		all := len(words) > 0
		for _, w := range words {
			if !strings.Contains(text, w) {
				all = false
				break
			}
		}
		if all {
			out = append(out, sk)
		}
	}
	return out
}

// pickerAction runs the skill picker's buttons, which change the form
// without saving it: search, add a found or listed skill, remove one, then
// show the form again (m is the mission edited, nil for a new one). It
// reports whether it answered the request, with err when that failed.
func (s *Server) pickerAction(c *fiber.Ctx, a *catalog.Association, m *catalog.Mission, f needForm) (answered bool, err error) {
	_, skills, err := s.deps.Reference.Skills(c.UserContext())
	if err != nil {
		return true, err
	}
	add := func(code string) {
		if code == "" || slices.ContainsFunc(f.Skills, func(r needRow) bool { return r.Skill == code }) {
			return
		}
		f.Skills = append(f.Skills, needRow{Skill: code, Level: 2, Required: true})
	}
	switch {
	case c.FormValue("pick") != "":
		add(strings.TrimSpace(c.FormValue("pick")))
		f.Query = ""
	case c.FormValue("add") != "":
		add(strings.TrimSpace(c.FormValue("skill_new")))
	case c.FormValue("remove") != "":
		i, err := strconv.Atoi(c.FormValue("remove"))
		if err == nil && i >= 0 && i < len(f.Skills) {
			f.Skills = slices.Delete(f.Skills, i, i+1)
		}
	// Enter in any field sends the form's first button, "enter": in the
	// search box it searches, elsewhere it saves.
	case c.FormValue("find") != "" || (c.FormValue("enter") != "" && f.Query != ""):
		f.Searched, f.Found = true, searchSkills(skills, f.Query)
	default:
		return false, nil
	}
	return true, s.renderMissionForm(c, a, m, f, assocErrors{})
}

// backToMissions is the list of missions after done was done to m, with m
// in view.
func backToMissions(assoc uuid.UUID, done string, m *catalog.Mission) string {
	return "/associations/" + assoc.String() + "/missions?" + done + "=" + url.QueryEscape(m.Title) + "#m-" + m.ID.String()
}

func (s *Server) createMissionSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	a, err := s.association(c)
	if err != nil {
		return err
	}
	f := readNeedForm(c)
	if answered, err := s.pickerAction(c, a, nil, f); answered {
		return err
	}
	var m catalog.Mission
	fe := s.applyNeed(ctx, f, &m)
	if len(fe) == 0 {
		err := s.deps.Catalogue.CreateMission(ctx, a.ID, &m, f.Publish)
		if err == nil {
			return c.Redirect(backToMissions(a.ID, "saved", &m), fiber.StatusSeeOther)
		}
		if err := s.formFailure(c, err, fe, needInputs, needAlias); err != nil {
			return err
		}
	} else {
		s.needChecked(c, m, fe)
	}
	return s.renderMissionForm(c, a, nil, f, fe)
}

func (s *Server) changeMissionSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	a, err := s.association(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	current, err := s.deps.Catalogue.MissionOf(ctx, &a.ID, id)
	if err != nil {
		return err
	}
	f := readNeedForm(c)
	if answered, err := s.pickerAction(c, a, current, f); answered {
		return err
	}
	var fe assocErrors
	m, err := s.deps.Catalogue.ChangeMission(ctx, &a.ID, id, func(m *catalog.Mission) error {
		if fe = s.applyNeed(ctx, f, m); len(fe) > 0 {
			s.needChecked(c, *m, fe)
			return errNeedForm
		}
		return nil
	})
	switch {
	case err == nil:
		return c.Redirect(backToMissions(a.ID, "changed", m), fiber.StatusSeeOther)
	case len(fe) > 0:
	default:
		fe = assocErrors{}
		if err := s.formFailure(c, err, fe, needInputs, needAlias); err != nil {
			return err
		}
	}
	return s.renderMissionForm(c, a, current, f, fe)
}

// needChecked adds the mission's own rules to what the page refused
// itself (a number or a date it could not read), so that the form shows
// every mistake at once; the page's words stay on the fields it refused.
func (s *Server) needChecked(c *fiber.Ctx, m catalog.Mission, fe assocErrors) {
	m.Slots = slices.Clone(m.Slots)
	if err := m.Normalize(); err != nil {
		_ = s.formFailure(c, err, fe, needInputs, needAlias)
	}
	c.Status(fiber.StatusUnprocessableEntity)
}

// errNeedForm stops an edit whose form the page refuses itself: the
// messages are in the form's errors, never shown from here.
var errNeedForm = errors.New("the mission form has errors")

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
