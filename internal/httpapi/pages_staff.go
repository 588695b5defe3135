package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/platform"
	"github.com/vendredi-app/vendredi/tenants"
)

// staffPages serve the platform staff's journey in the browser, on the
// base domain. Each route declares the permission of the JSON API's route
// for the same operation; the figures, which have no API, that of the
// platform's statistics.
func (s *Server) staffPages(app fiber.Router) {
	enf := s.deps.Authz
	app.Get("/platform", enf.Route("platform_stats", "read"), s.staffFiguresPage)
	app.Get("/platform/companies", enf.Route("companies", "read"), s.staffCompaniesPage)
	app.Post("/platform/companies", enf.Route("companies", "create"), s.staffOnboardSubmit)
	app.Get("/platform/companies/:slug/logo", enf.Route("companies", "read"), s.staffCompanyLogo)
	app.Post("/platform/companies/:slug/resend", enf.Route("companies", "create"), s.staffResendSubmit)
	app.Post("/platform/companies/:slug/suspend", enf.Route("companies", "suspend"), s.staffCompanyStatus(tenants.Suspended))
	app.Post("/platform/companies/:slug/resume", enf.Route("companies", "suspend"), s.staffCompanyStatus(tenants.Active))
	app.Get("/platform/associations", enf.Route("association_review", "read"), s.staffAssociationsPage)
	app.Post("/platform/associations/:id/verify", enf.Route("association_review", "approve"), s.staffReviewSubmit("verify"))
	app.Post("/platform/associations/:id/reject", enf.Route("association_review", "reject"), s.staffReviewSubmit("reject"))
	app.Get("/platform/missions", enf.Route("vital_missions", "read"), s.staffMissionsPage)
	app.Get("/platform/missions/:id", enf.Route("vital_missions", "read"), s.staffMissionPage)
	app.Post("/platform/missions/:id", enf.Route("vital_missions", "update"), s.staffMissionSubmit)
	app.Get("/platform/templates", enf.Route("templates", "read"), s.staffTemplatesPage)
	app.Post("/platform/templates", enf.Route("templates", "create"), s.staffCreateTemplateSubmit)
	app.Get("/platform/templates/:code", enf.Route("templates", "read"), s.staffTemplatePage)
	app.Post("/platform/templates/:code", enf.Route("templates", "update"), s.staffTemplateSubmit)
}

// staffData is a staff page's data; its title is the page's heading.
func (s *Server) staffData(c *fiber.Ctx, titleKey string, extra map[string]any) map[string]any {
	d := s.pageData(c, "", extra)
	d["Title"] = s.phrase(d["Lang"].(string), titleKey)
	// The staff menu marks the section the page belongs to.
	d["Section"], _, _ = strings.Cut(strings.TrimPrefix(strings.TrimPrefix(c.Path(), "/platform"), "/"), "/")
	if _, ok := d["Errors"]; !ok {
		d["Errors"] = map[string]string{}
	}
	return d
}

// phrase is a page message in lang, as plain text: the document's title,
// the words of an error caught by these pages.
func (s *Server) phrase(lang, key string) string {
	tpl, ok := s.pages[lang]
	if !ok {
		tpl = s.pages["fr"]
	}
	var b bytes.Buffer
	if err := tpl.ExecuteTemplate(&b, "staff/phrase", key); err != nil {
		return key
	}
	return html.UnescapeString(b.String())
}

// inputError is a mistake in a form that these pages catch before any
// service, worded by one of their messages.
type inputError struct{ field, key string }

func (e *inputError) Error() string { return e.field + ": " + e.key }

// staffError says which input err is about ("" for none), in words for
// the page, and its code.
func (s *Server) staffError(c *fiber.Ctx, err error) (field, message string, code errs.Code) {
	var in *inputError
	if errors.As(err, &in) {
		return in.field, s.phrase(lang(c), in.key), errs.Invalid
	}
	var e *errs.Error
	if errors.As(err, &e) {
		field = e.Field
	}
	return field, s.message(c, err), errs.CodeOf(err)
}

// formValues reads the named inputs, trimmed and copied out of the
// request's buffer.
func formValues(c *fiber.Ctx, names ...string) map[string]string {
	form := make(map[string]string, len(names))
	for _, n := range names {
		form[n] = strings.TrimSpace(utils.CopyString(c.FormValue(n)))
	}
	return form
}

// --- figures ---

func (s *Server) staffFiguresPage(c *fiber.Ctx) error {
	f, err := s.deps.Staff.Figures(c.UserContext())
	if err != nil {
		return err
	}
	return s.render(c, "staff/figures", s.staffData(c, "staff.figures.title", map[string]any{
		"F": f, "Hours": decimal(c, f.Hours), "Hours30": decimal(c, f.Hours30),
		"At": map[string]string{"At": f.At.In(paris).Format("02/01/2006 15:04")},
	}))
}

// decimal writes a number as the page's language does: 2,5 in French.
func decimal(c *fiber.Ctx, v float64) string {
	if lang(c) == "fr" {
		return strings.Replace(trimFloat(v), ".", ",", 1)
	}
	return trimFloat(v)
}

// --- companies ---

// productAccent is the product's own colour (app.css): a company left with
// it has no accent of its own.
const productAccent = "#2f5bea"

// onboardFields are the onboarding form's text inputs; "logo", a file, is
// never kept.
var onboardFields = []string{"name", "slug", "email_domains", "locale", "admin_email", "admin_name", "accent"}

type companyRow struct {
	*tenants.Tenant
	People platform.CompanyPeople
	Site   string // the company's own address
	Logo   string
}

func (s *Server) staffCompaniesPage(c *fiber.Ctx) error { return s.staffCompanies(c, nil) }

func (s *Server) staffCompanies(c *fiber.Ctx, extra map[string]any) error {
	ctx := c.UserContext()
	list, err := s.deps.Tenants.List(ctx)
	if err != nil {
		return err
	}
	people, err := s.deps.Staff.PeopleByCompany(ctx)
	if err != nil {
		return err
	}
	if extra == nil {
		extra = map[string]any{"Form": map[string]string{"locale": "fr", "accent": productAccent}}
	}
	rows := make([]companyRow, len(list))
	onboarded, changed := c.Query("onboarded"), c.Query("changed")
	for i, t := range list {
		rows[i] = companyRow{Tenant: t, People: people[t.ID], Site: s.cfg.Links.Company(t.Slug)}
		if t.LogoVersion != "" {
			rows[i].Logo = "/platform/companies/" + t.Slug + "/logo?v=" + t.LogoVersion
		}
		if t.Slug == onboarded {
			extra["Onboarded"] = map[string]string{"Name": t.Name, "Email": c.Query("admin")}
			extra["MailFailed"] = c.Query("mail") == "failed"
		}
		if t.Slug == c.Query("resent") {
			extra["Resent"] = map[string]string{"Name": t.Name, "Email": c.Query("admin")}
		}
		if t.Slug == changed {
			extra["Changed"] = t
		}
	}
	extra["Companies"] = rows
	extra["Host"] = map[string]string{"Host": s.cfg.Links.Host()}
	return s.render(c, "staff/companies", s.staffData(c, "staff.companies.title", extra))
}

func (s *Server) staffOnboardSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	form := formValues(c, onboardFields...)
	if form["slug"] == "" {
		form["slug"] = tenants.SuggestSlug(form["name"])
	}
	accent := strings.ToLower(form["accent"])
	if accent == productAccent {
		accent = ""
	}
	logo, err := uploaded(c, "logo")
	if err != nil {
		return err
	}
	t, admin, err := s.deps.Identity.OnboardCompany(ctx, principal(c), identity.OnboardInput{Slug: form["slug"], Name: form["name"],
		Locale: form["locale"], EmailDomains: splitList(form["email_domains"]), AdminEmail: form["admin_email"],
		AdminName: form["admin_name"], Accent: accent, Logo: logo}, client(c))
	if t != nil && (err == nil || errs.Is(err, errs.Unavailable)) {
		// Created; an Unavailable error is the invitation mail that could
		// not leave: the company exists and the page says so.
		q := url.Values{"onboarded": {t.Slug}, "admin": {admin.Email}}
		if err != nil {
			q.Set("mail", "failed")
		}
		return c.Redirect("/platform/companies?"+q.Encode()+"#onboarded", fiber.StatusSeeOther)
	}
	field, message, code := s.staffError(c, err)
	if code == errs.Internal || code == errs.Unavailable {
		return err
	}
	switch field {
	case "email":
		field = "admin_email"
	case "full_name":
		field = "admin_name"
	case "":
		if code == errs.Conflict {
			// The company's slug and email domains are what another
			// company may hold already: say which one clashed.
			field = "email_domains"
			if _, err := s.deps.Tenants.BySlug(ctx, form["slug"]); err == nil {
				field = "slug"
			}
		}
	}
	fieldErrors := map[string]string{}
	extra := map[string]any{"Form": form, "Errors": fieldErrors}
	if field == "logo" || slices.Contains(onboardFields, field) {
		fieldErrors[field] = message
	} else {
		extra["FormError"] = message
	}
	c.Status(statusOf[code])
	return s.staffCompanies(c, extra)
}

// uploaded is the content of the file input name, nil when none was chosen.
func uploaded(c *fiber.Ctx, name string) ([]byte, error) {
	fh, err := c.FormFile(name)
	if err != nil {
		return nil, nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
	}
	defer f.Close()
	return io.ReadAll(f)
}

// splitList splits a list typed with commas, semicolons or spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
}

// staffCompanyLogo shows staff a company's logo on the platform's
// address, whose pages load images from nowhere else. It is served as on
// the company's own address, with the same sandbox.
func (s *Server) staffCompanyLogo(c *fiber.Ctx) error {
	t, err := s.deps.Tenants.BySlug(c.UserContext(), utils.CopyString(c.Params("slug")))
	if err != nil {
		return err
	}
	c.SetUserContext(tenants.NewContext(c.UserContext(), t))
	return s.logo(c)
}

func (s *Server) staffCompanyStatus(status tenants.Status) fiber.Handler {
	return func(c *fiber.Ctx) error {
		t, err := s.deps.Tenants.SetStatus(c.UserContext(), utils.CopyString(c.Params("slug")), status)
		if err != nil {
			return err
		}
		return c.Redirect("/platform/companies?changed="+url.QueryEscape(t.Slug)+"#changed", fiber.StatusSeeOther)
	}
}

// --- associations ---

// reviewStatuses are the review queue's tabs, those waiting first.
var reviewStatuses = []string{catalog.AssociationPendingReview, catalog.AssociationVerified, catalog.AssociationRejected,
	catalog.AssociationSuspended, catalog.AssociationDraft}

type associationCard struct {
	catalog.Association
	Signers []platform.Signer
}

// reviewFailure is a decision refused, shown on its association.
type reviewFailure struct {
	ID      uuid.UUID
	Field   string
	Message string
	Reason  string
}

func (s *Server) staffAssociationsPage(c *fiber.Ctx) error { return s.staffAssociations(c, nil) }

func (s *Server) staffAssociations(c *fiber.Ctx, failed *reviewFailure) error {
	ctx := c.UserContext()
	status := c.Query("status")
	if !slices.Contains(reviewStatuses, status) {
		status = catalog.AssociationPendingReview
	}
	list, err := s.deps.Catalogue.Associations(ctx, status, 200)
	if err != nil {
		return err
	}
	if status != catalog.AssociationPendingReview {
		// The latest decisions first; the queue keeps the oldest request first.
		slices.SortStableFunc(list, func(a, b catalog.Association) int { return laterFirst(a.ReviewedAt, b.ReviewedAt) })
	}
	ids := make([]uuid.UUID, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	signers, err := s.deps.Staff.Signers(ctx, ids)
	if err != nil {
		return err
	}
	cards := make([]associationCard, len(list))
	for i, a := range list {
		cards[i] = associationCard{Association: a, Signers: signers[a.ID]}
	}
	extra := map[string]any{"Status": status, "Statuses": reviewStatuses, "Associations": cards, "Failed": failed}
	if failed != nil && failed.Field != "reason" {
		extra["FormError"] = failed.Message
	}
	if id, err := uuid.Parse(c.Query("reviewed")); err == nil {
		if a, err := s.deps.Catalogue.Association(ctx, id); err == nil {
			extra["Reviewed"] = a
		}
	}
	return s.render(c, "staff/associations", s.staffData(c, "staff.associations.title", extra))
}

func laterFirst(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return b.Compare(*a)
}

func (s *Server) staffReviewSubmit(decision string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		reason := strings.TrimSpace(utils.CopyString(c.FormValue("reason")))
		a, err := s.deps.Catalogue.Review(c.UserContext(), id, decision, reason)
		if err != nil {
			field, message, code := s.staffError(c, err)
			if code != errs.Invalid && code != errs.Conflict {
				return err
			}
			c.Status(statusOf[code])
			return s.staffAssociations(c, &reviewFailure{ID: id, Field: field, Message: message, Reason: reason})
		}
		return c.Redirect("/platform/associations?reviewed="+a.ID.String()+"#reviewed", fiber.StatusSeeOther)
	}
}

// --- vital missions ---

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
		field, message, code := s.staffError(c, err)
		if code != errs.Invalid && code != errs.Conflict {
			return err
		}
		fieldErrors := map[string]string{}
		extra := map[string]any{"Errors": fieldErrors}
		if slices.Contains(missionFields, field) {
			fieldErrors[field] = message
		} else {
			extra["FormError"] = message
		}
		c.Status(statusOf[code])
		return s.staffMission(c, id, form, extra)
	}
	return c.Redirect("/platform/missions?saved="+id.String()+"#mission-"+id.String(), fiber.StatusSeeOther)
}

// --- campaign templates ---

// templateFields are the template form's inputs; "crisis" and
// "remote_first" are checkboxes.
var templateFields = []string{"code", "name_fr", "name_en", "description_fr", "description_en", "goal_participation_pct",
	"goal_hours_per_person", "duration_days", "max_active_per_employee", "auto_approve_hours", "crisis", "remote_first"}

func (s *Server) staffTemplatesPage(c *fiber.Ctx) error { return s.staffTemplates(c, nil) }

func (s *Server) staffTemplates(c *fiber.Ctx, extra map[string]any) error {
	list, err := s.deps.Campaigns.Templates(c.UserContext())
	if err != nil {
		return err
	}
	if extra == nil {
		extra = map[string]any{"Form": templateForm(&campaign.Template{DurationDays: 60, MaxActivePerEmployee: 2})}
	}
	extra["Templates"] = list
	for _, t := range list {
		if t.Code == c.Query("saved") {
			name := t.NameFR
			if lang(c) == "en" {
				name = t.NameEN
			}
			extra["Saved"] = map[string]string{"Name": name}
		}
	}
	return s.render(c, "staff/templates", s.staffData(c, "staff.templates.title", extra))
}

func (s *Server) staffTemplatePage(c *fiber.Ctx) error {
	t, err := s.deps.Campaigns.Template(c.UserContext(), utils.CopyString(c.Params("code")))
	if err != nil {
		return err
	}
	return s.render(c, "staff/template", s.staffData(c, "staff.template.title", map[string]any{"Code": t.Code, "Form": templateForm(t)}))
}

func templateForm(t *campaign.Template) map[string]string {
	form := map[string]string{"code": t.Code, "name_fr": t.NameFR, "name_en": t.NameEN, "description_fr": t.DescriptionFR,
		"description_en": t.DescriptionEN, "duration_days": strconv.Itoa(t.DurationDays),
		"max_active_per_employee": strconv.Itoa(t.MaxActivePerEmployee), "auto_approve_hours": trimFloat(t.AutoApproveHours)}
	if t.GoalParticipationPct != nil {
		form["goal_participation_pct"] = strconv.Itoa(*t.GoalParticipationPct)
	}
	if t.GoalHoursPerPerson != nil {
		form["goal_hours_per_person"] = trimFloat(*t.GoalHoursPerPerson)
	}
	if t.Crisis {
		form["crisis"] = "on"
	}
	if t.RemoteFirst {
		form["remote_first"] = "on"
	}
	return form
}

// templateOf reads the form into a template; a number that is not one is
// an error on its input.
func templateOf(form map[string]string) (*campaign.Template, error) {
	t := &campaign.Template{Code: form["code"], NameFR: form["name_fr"], NameEN: form["name_en"], DescriptionFR: form["description_fr"],
		DescriptionEN: form["description_en"], Crisis: form["crisis"] != "", RemoteFirst: form["remote_first"] != ""}
	integer := func(field string) (*int, error) {
		if form[field] == "" {
			return nil, nil
		}
		n, err := strconv.Atoi(form[field])
		if err != nil {
			return nil, &inputError{field, "staff.error.whole_number"}
		}
		return &n, nil
	}
	var err error
	if t.GoalParticipationPct, err = integer("goal_participation_pct"); err != nil {
		return nil, err
	}
	if t.GoalHoursPerPerson, err = optionalFloat("goal_hours_per_person", form["goal_hours_per_person"]); err != nil {
		return nil, err
	}
	// Left empty, the lengths take the template's defaults.
	for field, dst := range map[string]*int{"duration_days": &t.DurationDays, "max_active_per_employee": &t.MaxActivePerEmployee} {
		n, err := integer(field)
		if err != nil {
			return nil, err
		}
		if n != nil {
			*dst = *n
		}
	}
	auto, err := optionalFloat("auto_approve_hours", form["auto_approve_hours"])
	if err != nil {
		return nil, err
	}
	if auto != nil {
		t.AutoApproveHours = *auto
	}
	return t, nil
}

// templateFailed re-renders a template form with err next to its input,
// or returns err for the error page when no person can put it right.
func (s *Server) templateFailed(c *fiber.Ctx, err error, render func(extra map[string]any) error, form map[string]string) error {
	field, message, code := s.staffError(c, err)
	if code != errs.Invalid && code != errs.Conflict {
		return err
	}
	if field == "" && code == errs.Conflict {
		field = "code" // the one thing two templates cannot share
	}
	fieldErrors := map[string]string{}
	extra := map[string]any{"Form": form, "Errors": fieldErrors}
	if slices.Contains(templateFields, field) {
		fieldErrors[field] = message
	} else {
		extra["FormError"] = message
	}
	c.Status(statusOf[code])
	return render(extra)
}

func (s *Server) staffCreateTemplateSubmit(c *fiber.Ctx) error {
	form := formValues(c, templateFields...)
	t, err := templateOf(form)
	if err == nil {
		err = s.deps.Campaigns.CreateTemplate(c.UserContext(), t)
	}
	if err != nil {
		return s.templateFailed(c, err, func(extra map[string]any) error { return s.staffTemplates(c, extra) }, form)
	}
	return c.Redirect("/platform/templates?saved="+url.QueryEscape(t.Code)+"#saved", fiber.StatusSeeOther)
}

func (s *Server) staffTemplateSubmit(c *fiber.Ctx) error {
	code := utils.CopyString(c.Params("code"))
	form := formValues(c, templateFields...)
	form["code"] = code
	t, err := templateOf(form)
	if err == nil {
		// Every field of the form is sent, an empty goal as null: the
		// service applies the fields present, and a goal cleared is cleared.
		var doc []byte
		doc, err = json.Marshal(map[string]any{"name_fr": t.NameFR, "name_en": t.NameEN, "description_fr": t.DescriptionFR,
			"description_en": t.DescriptionEN, "crisis": t.Crisis, "remote_first": t.RemoteFirst,
			"goal_participation_pct": t.GoalParticipationPct, "goal_hours_per_person": t.GoalHoursPerPerson,
			"duration_days": t.DurationDays, "max_active_per_employee": t.MaxActivePerEmployee, "auto_approve_hours": t.AutoApproveHours})
		if err == nil {
			_, err = s.deps.Campaigns.UpdateTemplate(c.UserContext(), code, doc)
		}
	}
	if err != nil {
		return s.templateFailed(c, err, func(extra map[string]any) error {
			extra["Code"] = code
			return s.render(c, "staff/template", s.staffData(c, "staff.template.title", extra))
		}, form)
	}
	return c.Redirect("/platform/templates?saved="+url.QueryEscape(code)+"#saved", fiber.StatusSeeOther)
}

// staffResendSubmit mails the invitation of a company's HR admins again,
// while nobody has joined it yet: the first mail may have been lost, or
// sent while the mail server was down.
func (s *Server) staffResendSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := s.deps.Tenants.BySlug(ctx, utils.CopyString(c.Params("slug")))
	if err != nil {
		return err
	}
	tctx := tenants.NewContext(ctx, t)
	people, err := s.deps.Identity.People(tctx)
	if err != nil {
		return err
	}
	// The link opens the company's own address (tctx's), as onboarding's did.
	cl := client(c)
	var sent []string
	for _, p := range people {
		if p.Role != identity.RoleHRAdmin || p.Status != identity.StatusInvited {
			continue
		}
		if err := s.deps.Identity.ResendInvitation(tctx, principal(c), p.ID, cl); err != nil {
			return err
		}
		sent = append(sent, p.Email)
	}
	if len(sent) == 0 {
		return errs.E(errs.Conflict, "%s has no HR admin invitation waiting: its admins have joined", t.Name)
	}
	return c.Redirect("/platform/companies?resent="+url.QueryEscape(t.Slug)+"&admin="+url.QueryEscape(strings.Join(sent, ", "))+"#company-"+t.Slug,
		fiber.StatusSeeOther)
}
