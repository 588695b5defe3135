package httpapi

import (
	"context"
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
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// associationPages serve an association manager's journey in the browser,
// on the base domain. Each route declares what the JSON API's route for the
// same operation declares.
func (s *Server) associationPages(app fiber.Router) {
	enf := s.deps.Authz
	public := authz.Public()
	in := authz.AssociationParam("association")
	app.Get("/associations/sign-up", public, s.managerSignUpPage)
	app.Post("/associations/sign-up", public, s.managerSignUpSubmit)
	app.Get("/associations/:association", enf.RouteIn(in, "associations", "read"), s.associationHomePage)
	app.Post("/associations/:association", enf.RouteIn(in, "associations", "update"), s.associationProfileSubmit)
	app.Post("/associations/:association/submit", enf.RouteIn(in, "associations", "update"), s.associationReviewSubmit)
	app.Post("/associations/:association/managers", enf.RouteIn(in, "association_managers", "create"), s.inviteManagerSubmit)
	app.Get("/associations/:association/missions", enf.RouteIn(in, "missions", "read"), s.associationMissionsPage)
	// "new" before ":id": Fiber takes the first route that matches.
	app.Get("/associations/:association/missions/new", enf.RouteIn(in, "missions", "create"), s.newMissionPage)
	app.Post("/associations/:association/missions", enf.RouteIn(in, "missions", "create"), s.createMissionSubmit)
	app.Get("/associations/:association/missions/:id", enf.RouteIn(in, "missions", "read"), s.editMissionPage)
	app.Post("/associations/:association/missions/:id", enf.RouteIn(in, "missions", "update"), s.changeMissionSubmit)
	app.Post("/associations/:association/missions/:id/open", enf.RouteIn(in, "missions", "update"), s.missionStatusSubmit(catalog.MissionOpen))
	app.Post("/associations/:association/missions/:id/close", enf.RouteIn(in, "missions", "close"), s.missionStatusSubmit(catalog.MissionClosed))
	app.Get("/associations/:association/applicants", enf.RouteIn(in, "participations", "read"), s.applicantsPage)
	app.Post("/associations/:association/applicants/:id/validate", enf.RouteIn(in, "participations", "approve"), s.validateSubmit)
	app.Post("/associations/:association/applicants/:id/refuse", enf.RouteIn(in, "participations", "reject"), s.refuseSubmit)
	app.Post("/associations/:association/applicants/:id/attendance", enf.RouteIn(in, "participations", "approve"), s.attendanceSubmit)
	app.Get("/associations/:association/hours", enf.RouteIn(in, "hours", "read"), s.associationHoursPage)
	app.Post("/associations/:association/hours/approve", enf.RouteIn(in, "hours", "approve"), s.approveHoursSubmit)
	app.Post("/associations/:association/hours/:id/reject", enf.RouteIn(in, "hours", "reject"), s.rejectHoursSubmit)
}

// assocTitles are the pages' titles, by language.
var assocTitles = map[string]map[string]string{
	"fr": {"signup": "Inscrire votre association", "home": "Votre association", "missions": "Missions",
		"mission_new": "Nouvelle mission", "mission_edit": "Modifier la mission", "applicants": "Candidatures", "hours": "Heures à confirmer",
		"receipts": "Reçus de mécénat"},
	"en": {"signup": "Sign up your association", "home": "Your association", "missions": "Missions",
		"mission_new": "New mission", "mission_edit": "Edit the mission", "applicants": "Applicants", "hours": "Hours to confirm",
		"receipts": "Giving receipts"},
}

// assocData is a page's data within an association: its name in the
// title, the sub-navigation's current section, dates in the page's words.
func (s *Server) assocData(c *fiber.Ctx, section string, a *catalog.Association, extra map[string]any) map[string]any {
	d := s.pageData(c, "", extra)
	l, _ := d["Lang"].(string)
	if assocTitles[l] == nil {
		l = "fr"
	}
	d["Title"] = assocTitles[l][section]
	if a != nil {
		d["Title"] = assocTitles[l][section] + " · " + a.Name
		d["Assoc"] = a
		d["Base"] = "/associations/" + a.ID.String()
	}
	d["Section"] = section
	d["DateFmt"] = "02/01/2006"
	if l == "en" {
		d["DateFmt"] = "2 Jan 2006"
	}
	return d
}

// assocErrors are a form's messages, by the name of the input at fault;
// "form" is the form's own.
type assocErrors map[string]string

// put words err next to its field when the form has that input (renamed
// by alias), else at the top of the form.
func (fe assocErrors) put(msg string, err error, inputs map[string]bool, alias map[string]string) {
	var e *errs.Error
	field := ""
	if errors.As(err, &e) {
		field = e.Field
	}
	if a, ok := alias[field]; ok {
		field = a
	}
	if !inputs[field] {
		field = "form"
	}
	fe[field] = msg
}

// refused words a refusal the page can show next to its field (see put)
// and sets the answer's status; an error the page cannot show is returned
// for the error page.
func (s *Server) refused(c *fiber.Ctx, fe assocErrors, err error, inputs map[string]bool, alias map[string]string) error {
	if !pageError(err) {
		return err
	}
	fe.put(s.message(c, err), err, inputs, alias)
	c.Status(statusOf[errs.CodeOf(err)])
	return nil
}

// --- sign-up ---

var signUpInputs = map[string]bool{"email": true, "full_name": true, "password": true, "name": true, "legal_id": true,
	"city": true, "website": true, "description": true}

// The service names the association's fields as the JSON API nests them.
var signUpAlias = map[string]string{"association.name": "name", "association.legal_id": "legal_id",
	"association.city": "city", "association.website": "website", "association.description": "description"}

func (s *Server) managerSignUpPage(c *fiber.Ctx) error {
	if _, ok := tenants.FromContext(c.UserContext()); ok {
		return errs.E(errs.NotFound, "associations sign up on the platform's address")
	}
	// The address comes back in the URL: it is shown only when it is one,
	// so that a crafted link cannot make the page say something else.
	to, err := identity.NormalizeEmail("sent", c.Query("sent"))
	if err != nil {
		to = ""
	}
	return s.render(c, "association/signup", s.assocData(c, "signup", nil, map[string]any{
		"Form": map[string]string{}, "Errors": assocErrors{}, "Sent": c.Query("sent") != "", "To": to,
		"MailLater": c.Query("mail") == "later", "Claim": c.Query("claim") == "1"}))
}

func (s *Server) managerSignUpSubmit(c *fiber.Ctx) error {
	if _, ok := tenants.FromContext(c.UserContext()); ok {
		return errs.E(errs.NotFound, "associations sign up on the platform's address")
	}
	form := map[string]string{}
	for f := range signUpInputs {
		if f != "password" {
			form[f] = strings.TrimSpace(c.FormValue(f))
		}
	}
	claimed, err := s.deps.Identity.SignUpManager(c.UserContext(), identity.ManagerSignUp{Email: form["email"], FullName: form["full_name"],
		Password: c.FormValue("password"), Association: identity.AssociationDraft{Name: form["name"], LegalID: form["legal_id"],
			Description: form["description"], City: form["city"], Website: form["website"]}}, client(c))
	if err == nil || errs.Is(err, errs.Unavailable) {
		// Unavailable: everything is stored but the mail did not leave; the
		// page says so rather than pretend.
		q := url.Values{"sent": {form["email"]}}
		if err != nil {
			q.Set("mail", "later")
		}
		if claimed {
			q.Set("claim", "1")
		}
		return c.Redirect("/associations/sign-up?"+q.Encode(), fiber.StatusSeeOther)
	}
	code := errs.CodeOf(err)
	if code == errs.Internal {
		return err
	}
	fe := assocErrors{}
	fe.put(s.message(c, err), err, signUpInputs, signUpAlias)
	c.Status(statusOf[code])
	return s.render(c, "association/signup", s.assocData(c, "signup", nil, map[string]any{"Form": form, "Errors": fe}))
}

// --- the association's home ---

// association reads the association of the path.
func (s *Server) association(c *fiber.Ctx) (*catalog.Association, error) {
	id, err := paramID(c, "association")
	if err != nil {
		return nil, err
	}
	return s.deps.Catalogue.Association(c.UserContext(), id)
}

var profileInputs = map[string]bool{"name": true, "description": true, "causes": true, "address": true, "postal_code": true,
	"city": true, "lat": true, "website": true, "logo_url": true}

var profileAlias = map[string]string{"lon": "lat"}

// assocProfileForm is the "describe your association" form as typed.
type assocProfileForm struct {
	Name, Description, Address, PostalCode, City, Lat, Lon, Website, LogoURL string
	Causes                                                                   map[string]bool
}

func assocProfileFormOf(a *catalog.Association) assocProfileForm {
	f := assocProfileForm{Name: a.Name, Description: a.Description, Address: a.Address, PostalCode: a.PostalCode, City: a.City,
		Website: a.Website, LogoURL: a.LogoURL, Causes: map[string]bool{}}
	if a.Lat != nil && a.Lon != nil {
		f.Lat, f.Lon = assocCoord(*a.Lat), assocCoord(*a.Lon)
	}
	for _, k := range a.Causes {
		f.Causes[k] = true
	}
	return f
}

func assocCoord(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (s *Server) associationHomePage(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	return s.renderAssociationHome(c, a, assocProfileFormOf(a), assocErrors{}, nil)
}

// assocSummary counts what waits for the managers.
type assocSummary struct {
	Open, Drafts, Pending, Hours int
}

func (s *Server) assocSummaryOf(ctx context.Context, id uuid.UUID) (assocSummary, error) {
	var sm assocSummary
	ms, err := s.deps.Catalogue.Missions(ctx, id)
	if err != nil {
		return sm, err
	}
	for _, m := range ms {
		switch m.Status {
		case catalog.MissionOpen, catalog.MissionFull:
			sm.Open++
		case catalog.MissionDraft:
			sm.Drafts++
		}
	}
	ps, err := s.deps.Participations.OfAssociation(ctx, id, nil, campaign.Pending)
	if err != nil {
		return sm, err
	}
	sm.Pending = len(ps)
	hs, err := s.deps.Campaigns.Hours(campaign.ForAssociation(ctx, id), campaign.HourFilter{Status: campaign.HoursPending})
	if err != nil {
		return sm, err
	}
	sm.Hours = len(hs)
	return sm, nil
}

// renderAssociationHome shows the home page; manager is the co-manager
// invitation form as typed, when it came back with an error (in fe).
func (s *Server) renderAssociationHome(c *fiber.Ctx, a *catalog.Association, form assocProfileForm, fe assocErrors, manager map[string]string) error {
	ctx := c.UserContext()
	sm, err := s.assocSummaryOf(ctx, a.ID)
	if err != nil {
		return err
	}
	causes, err := s.deps.Reference.Causes(ctx)
	if err != nil {
		return err
	}
	return s.render(c, "association/home", s.assocData(c, "home", a, map[string]any{
		"Form": form, "Errors": fe, "Causes": causes, "Summary": sm, "Saved": c.Query("saved") == "1",
		"Submitted": c.Query("submitted") == "1", "Manager": manager, "InvitedManager": c.Query("invited"),
		"CanSubmit": a.Status == catalog.AssociationDraft || a.Status == catalog.AssociationRejected,
	}))
}

func (s *Server) associationProfileSubmit(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	form := assocProfileForm{Name: strings.TrimSpace(c.FormValue("name")), Description: strings.TrimSpace(c.FormValue("description")),
		Address: strings.TrimSpace(c.FormValue("address")), PostalCode: strings.TrimSpace(c.FormValue("postal_code")),
		City: strings.TrimSpace(c.FormValue("city")), Lat: strings.TrimSpace(c.FormValue("lat")), Lon: strings.TrimSpace(c.FormValue("lon")),
		Website: strings.TrimSpace(c.FormValue("website")), LogoURL: strings.TrimSpace(c.FormValue("logo_url")), Causes: map[string]bool{}}
	in := catalog.Association{Name: form.Name, Description: form.Description, Address: form.Address, PostalCode: form.PostalCode,
		City: form.City, Website: form.Website, LogoURL: form.LogoURL, Causes: []string{}}
	// The form always sends the causes: none ticked clears them.
	for _, v := range c.Request().PostArgs().PeekMulti("causes") {
		in.Causes = append(in.Causes, string(v))
		form.Causes[string(v)] = true
	}
	fe := assocErrors{}
	if form.Lat != "" || form.Lon != "" {
		lat, lerr := assocDecimal(form.Lat)
		lon, oerr := assocDecimal(form.Lon)
		if lerr != nil || oerr != nil {
			fe["lat"] = "!association.form.bad_coords"
		} else {
			in.Lat, in.Lon = &lat, &lon
		}
	}
	if len(fe) == 0 {
		var updated *catalog.Association
		if updated, err = s.deps.Catalogue.UpdateProfile(c.UserContext(), a.ID, in); err == nil {
			return c.Redirect("/associations/"+updated.ID.String()+"?saved=1#profile", fiber.StatusSeeOther)
		}
		if err := s.refused(c, fe, err, profileInputs, profileAlias); err != nil {
			return err
		}
	} else {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.renderAssociationHome(c, a, form, fe, nil)
}

func (s *Server) associationReviewSubmit(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Catalogue.Submit(c.UserContext(), a.ID); err != nil {
		fe := assocErrors{}
		if err := s.refused(c, fe, err, profileInputs, profileAlias); err != nil {
			return err
		}
		return s.renderAssociationHome(c, a, assocProfileFormOf(a), fe, nil)
	}
	return c.Redirect("/associations/"+a.ID.String()+"?submitted=1", fiber.StatusSeeOther)
}

// managerInputs are the co-manager invitation's fields, named apart from
// the description form's on the same page.
var (
	managerInputs = map[string]bool{"manager_email": true, "manager_name": true, "manager_form": true}
	managerAlias  = map[string]string{"email": "manager_email", "full_name": "manager_name", "": "manager_form"}
)

// inviteManagerSubmit invites someone to manage the association with the
// managers already there; they get a link to choose their password.
func (s *Server) inviteManagerSubmit(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	mgr := map[string]string{"email": strings.TrimSpace(c.FormValue("email")), "name": strings.TrimSpace(c.FormValue("full_name"))}
	err = s.deps.Identity.InviteCoManager(c.UserContext(), principal(c), a.ID, mgr["email"], mgr["name"], client(c))
	if err == nil || errs.Is(err, errs.Unavailable) {
		return c.Redirect("/associations/"+a.ID.String()+"?invited="+url.QueryEscape(mgr["email"])+"#managers", fiber.StatusSeeOther)
	}
	fe := assocErrors{}
	if err := s.refused(c, fe, err, managerInputs, managerAlias); err != nil {
		return err
	}
	if msg, ok := fe["form"]; ok {
		delete(fe, "form")
		fe["manager_form"] = msg
	}
	return s.renderAssociationHome(c, a, assocProfileFormOf(a), fe, mgr)
}

func assocDecimal(s string) (float64, error) {
	return strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
}

// --- missions ---

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
		if err := s.refused(c, fe, err, needInputs, needAlias); err != nil {
			return err
		}
	} else {
		c.Status(fiber.StatusUnprocessableEntity)
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
			return errNeedForm
		}
		return nil
	})
	switch {
	case err == nil:
		return c.Redirect(backToMissions(a.ID, "changed", m), fiber.StatusSeeOther)
	case len(fe) > 0:
		c.Status(fiber.StatusUnprocessableEntity)
	default:
		fe = assocErrors{}
		if err := s.refused(c, fe, err, needInputs, needAlias); err != nil {
			return err
		}
	}
	return s.renderMissionForm(c, a, current, f, fe)
}

// errNeedForm stops an edit whose form the page refuses itself: the
// messages are in the form's errors, never shown from here.
var errNeedForm = errors.New("the mission form has errors")

// --- applicants ---

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
		ap := assocApplicant{Participation: p, Late: p.Late(time.Now()), CanValidate: p.Status == campaign.Pending,
			CanRefuse: p.Status == campaign.Pending || p.Status == campaign.Waiting, Errors: assocErrors{}, Page: page,
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
		if !pageError(err) {
			return err
		}
		c.Status(statusOf[errs.CodeOf(err)])
		return s.renderApplicants(c, &assocRefusal{ID: id, Errors: assocErrors{"form": s.message(c, err)}})
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
		if !pageError(err) {
			return err
		}
		c.Status(statusOf[errs.CodeOf(err)])
		return s.renderApplicants(c, &assocRefusal{ID: id, Errors: assocErrors{"form": s.message(c, err)}})
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
		if err := s.refused(c, r.Errors, err, map[string]bool{"reason": true, "detail": true}, nil); err != nil {
			return err
		}
	} else {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.renderApplicants(c, r)
}

// --- hours ---

// hoursRow is a pending entry as the table shows it.
type hoursRow struct {
	campaign.HourLog
	Text string
}

// hoursIn writes a number of hours as the page's language does (3,5 in
// French).
func hoursIn(lang string, h float64) string {
	if lang == "fr" {
		return strings.Replace(trimFloat(h), ".", ",", 1)
	}
	return trimFloat(h)
}

func (s *Server) associationHoursPage(c *fiber.Ctx) error { return s.renderHours(c, "") }

func (s *Server) renderHours(c *fiber.Ctx, failure string) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	hs, err := s.deps.Campaigns.Hours(campaign.ForAssociation(c.UserContext(), a.ID), campaign.HourFilter{Status: campaign.HoursPending})
	if err != nil {
		return err
	}
	ids := make([]string, len(hs))
	rows := make([]hoursRow, len(hs))
	total := 0.0
	for i, h := range hs {
		ids[i] = h.ID.String()
		rows[i] = hoursRow{HourLog: h, Text: hoursIn(lang(c), h.Hours)}
		total += h.Hours
	}
	return s.render(c, "association/hours", s.assocData(c, "hours", a, map[string]any{
		"Hours": rows, "Count": len(hs), "All": strings.Join(ids, ","), "Total": hoursIn(lang(c), total), "Failure": failure,
		"Approved": c.Query("approved"), "Rejected": c.Query("rejected") == "1",
	}))
}

func (s *Server) approveHoursSubmit(c *fiber.Ctx) error {
	assoc, err := paramID(c, "association")
	if err != nil {
		return err
	}
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
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderHours(c, "!association.hours.none_checked")
	}
	res, err := s.deps.Campaigns.ApproveHours(campaign.ForAssociation(c.UserContext(), assoc), ids, principal(c).Label())
	if err != nil {
		return err
	}
	n := 0
	for _, r := range res {
		if r.Outcome == campaign.OutcomeApproved {
			n++
		}
	}
	return c.Redirect("/associations/"+assoc.String()+"/hours?approved="+strconv.Itoa(n), fiber.StatusSeeOther)
}

func (s *Server) rejectHoursSubmit(c *fiber.Ctx) error {
	assoc, id, err := s.missionParams(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Campaigns.RejectHours(campaign.ForAssociation(c.UserContext(), *assoc), id, principal(c).Label()); err != nil {
		if !pageError(err) {
			return err
		}
		c.Status(statusOf[errs.CodeOf(err)])
		return s.renderHours(c, s.message(c, err))
	}
	return c.Redirect("/associations/"+assoc.String()+"/hours?rejected=1", fiber.StatusSeeOther)
}
