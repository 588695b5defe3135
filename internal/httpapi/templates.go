package httpapi

import (
	"cmp"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// templateRoutes serve campaign templates: platform staff curate them,
// HR admins start campaigns from them.
func (s *Server) templateRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, create, update := enf.Route("templates", "read"), enf.Route("templates", "create"), enf.Route("templates", "update")

	api.Get("/templates", read, s.listTemplates)
	api.Get("/platform/templates", read, s.listTemplates)
	app.Get("/platform/templates", read, s.staffTemplatesPage)
	api.Post("/platform/templates", create, s.createTemplate)
	app.Post("/platform/templates", create, s.staffCreateTemplateSubmit)
	api.Get("/platform/templates/:code", read, s.getTemplate)
	app.Get("/platform/templates/:code", read, s.staffTemplatePage)
	api.Patch("/platform/templates/:code", update, s.updateTemplate)
	app.Post("/platform/templates/:code", update, s.staffTemplateSubmit)
	api.Delete("/platform/templates/:code", enf.Route("templates", "delete"), s.deleteTemplate)
}

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
// or returns err for the error page (see formShows).
func (s *Server) templateFailed(c *fiber.Ctx, err error, render func(extra map[string]any) error, form map[string]string) error {
	alias := map[string]string{}
	if errs.Is(err, errs.Conflict) && errs.FieldOf(err) == "" {
		alias[""] = "code" // the one thing two templates cannot share
	}
	fe := map[string]string{}
	if err := s.formFailure(c, err, fe, inputSet(templateFields...), alias); err != nil {
		return err
	}
	return render(formExtra(form, fe))
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
		// Every field of the form is given; an empty goal as 0, which
		// removes it.
		var noPct int
		var noHours float64
		_, err = s.deps.Campaigns.UpdateTemplate(c.UserContext(), code, campaign.TemplateInput{NameFR: &t.NameFR, NameEN: &t.NameEN,
			DescriptionFR: &t.DescriptionFR, DescriptionEN: &t.DescriptionEN, Crisis: &t.Crisis, RemoteFirst: &t.RemoteFirst,
			GoalParticipationPct: cmp.Or(t.GoalParticipationPct, &noPct), GoalHoursPerPerson: cmp.Or(t.GoalHoursPerPerson, &noHours),
			DurationDays: &t.DurationDays, MaxActivePerEmployee: &t.MaxActivePerEmployee, AutoApproveHours: &t.AutoApproveHours})
	}
	if err != nil {
		return s.templateFailed(c, err, func(extra map[string]any) error {
			extra["Code"] = code
			return s.render(c, "staff/template", s.staffData(c, "staff.template.title", extra))
		}, form)
	}
	return c.Redirect("/platform/templates?saved="+url.QueryEscape(code)+"#saved", fiber.StatusSeeOther)
}

func (s *Server) listTemplates(c *fiber.Ctx) error {
	ts, err := s.deps.Campaigns.Templates(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"templates": ts})
}

func (s *Server) getTemplate(c *fiber.Ctx) error {
	t, err := s.deps.Campaigns.Template(c.UserContext(), utils.CopyString(c.Params("code")))
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) createTemplate(c *fiber.Ctx) error {
	var t campaign.Template
	if err := campaign.DecodeStrict(c.Body(), &t, "template"); err != nil {
		return err
	}
	if err := s.deps.Campaigns.CreateTemplate(c.UserContext(), &t); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (s *Server) updateTemplate(c *fiber.Ctx) error {
	var in campaign.TemplateInput
	if err := campaign.DecodeStrict(c.Body(), &in, "template"); err != nil {
		return err
	}
	t, err := s.deps.Campaigns.UpdateTemplate(c.UserContext(), utils.CopyString(c.Params("code")), in)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) deleteTemplate(c *fiber.Ctx) error {
	if err := s.deps.Campaigns.DeleteTemplate(c.UserContext(), utils.CopyString(c.Params("code"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
