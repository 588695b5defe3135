package httpapi

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// campaignSettingsPages let an HR admin set a campaign up before and while
// it runs: its name and words, dates, audience, missions and goals, then
// schedule it for its first day or launch it at once.
func (s *Server) campaignSettingsPages(app fiber.Router) {
	enf := s.deps.Authz
	app.Get("/admin/campaigns/:id/settings", enf.Route("campaigns", "update"), s.campaignSettingsPage)
	app.Post("/admin/campaigns/:id/settings", enf.Route("campaigns", "update"), s.campaignSettingsSubmit)
	app.Post("/admin/campaigns/:id/schedule", enf.Route("campaigns", "publish"), s.campaignScheduleSubmit)
}

// settingsForm is the settings form as typed.
type settingsForm map[string]string

func settingsFormOf(c *campaign.Campaign) settingsForm {
	f := settingsForm{"name": c.Name, "description": c.Description, "starts_on": c.StartsOn.Format(time.DateOnly),
		"ends_on": c.EndsOn.Format(time.DateOnly), "audience": c.Audience, "audience_values": strings.Join(c.AudienceValues, ", "),
		"mission_scope": c.MissionScope, "max_active_per_employee": strconv.Itoa(c.MaxActivePerEmployee),
		"auto_approve_hours": strconv.FormatFloat(c.AutoApproveHours, 'f', -1, 64)}
	if c.WorkTime {
		f["work_time"] = "on"
	}
	if c.GoalParticipants != nil {
		f["goal_participants"] = strconv.Itoa(*c.GoalParticipants)
	}
	if c.GoalHours != nil {
		f["goal_hours"] = strconv.FormatFloat(*c.GoalHours, 'f', -1, 64)
	}
	if c.AllowanceHours != nil {
		f["allowance_hours"] = strconv.FormatFloat(*c.AllowanceHours, 'f', -1, 64)
	}
	return f
}

// notANumber marks a field whose number could not be read: the page words
// it from its messages.
const notANumber = "!nan"

var settingsFields = []string{"name", "description", "starts_on", "ends_on", "audience", "audience_values", "mission_scope",
	"goal_participants", "goal_hours", "max_active_per_employee", "auto_approve_hours", "allowance_hours", "work_time"}

func (s *Server) campaignSettingsPage(c *fiber.Ctx) error {
	cmp, err := s.hrCampaign(c)
	if err != nil {
		return err
	}
	causes := map[string]bool{}
	for _, k := range cmp.MissionCauses {
		causes[k] = true
	}
	return s.renderSettings(c, cmp, settingsFormOf(cmp), causes, nil)
}

func (s *Server) hrCampaign(c *fiber.Ctx) (*campaign.Campaign, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.deps.Campaigns.Get(c.UserContext(), campaign.Viewer{HRAdmin: true}, id)
}

func (s *Server) renderSettings(c *fiber.Ctx, cmp *campaign.Campaign, f settingsForm, causes map[string]bool, fieldErrors map[string]string) error {
	if fieldErrors == nil {
		fieldErrors = map[string]string{}
	}
	all, err := s.deps.Reference.Causes(c.UserContext())
	if err != nil {
		return err
	}
	return s.render(c, "hr/settings", s.hrData(c, "hr.settings.title", map[string]any{
		"Campaign": cmp, "Form": f, "CauseOn": causes, "AllCauses": all, "Errors": fieldErrors,
		"Saved": c.Query("saved") == "1", "Scheduled": c.Query("scheduled") == "1",
		"CanSchedule": cmp.Status == campaign.Draft, "CanLaunch": cmp.Status == campaign.Draft || cmp.Status == campaign.Scheduled,
	}))
}

// campaignSettingsSubmit saves the form; a number that is not one, or a
// rule of the campaign, comes back next to its field with all kept.
func (s *Server) campaignSettingsSubmit(c *fiber.Ctx) error {
	cmp, err := s.hrCampaign(c)
	if err != nil {
		return err
	}
	f := settingsForm(formValues(c, settingsFields...))
	causes := map[string]bool{}
	var causeList []string
	for _, v := range c.Request().PostArgs().PeekMulti("mission_causes") {
		causes[string(v)] = true
		causeList = append(causeList, string(v))
	}
	in, bad := settingsInput(f, causeList)
	if bad != "" {
		c.Status(fiber.StatusBadRequest)
		return s.renderSettings(c, cmp, f, causes, map[string]string{bad: notANumber})
	}
	if _, err := s.deps.Campaigns.Update(c.UserContext(), cmp.ID, in); err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || !pageError(err) {
			return err
		}
		field := e.Field
		if !slices.Contains(settingsFields, field) && field != "mission_causes" {
			field = "form"
		}
		c.Status(statusOf[e.Code])
		return s.renderSettings(c, cmp, f, causes, map[string]string{field: s.message(c, err)})
	}
	return c.Redirect("/admin/campaigns/"+cmp.ID.String()+"/settings?saved=1", fiber.StatusSeeOther)
}

// settingsInput reads the form into the service's input; bad names the
// first number that is not one.
func settingsInput(f settingsForm, causes []string) (in campaign.CampaignInput, bad string) {
	str := func(k string) *string { v := f[k]; return &v }
	in.Name, in.Description, in.Audience, in.MissionScope = str("name"), str("description"), str("audience"), str("mission_scope")
	// Departments and sites have spaces in their names: commas separate.
	values := []string{}
	for _, v := range strings.FieldsFunc(f["audience_values"], func(r rune) bool { return r == ',' || r == ';' }) {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	in.AudienceValues = &values
	if causes == nil {
		causes = []string{}
	}
	in.MissionCauses = &causes
	workTime := f["work_time"] != ""
	in.WorkTime = &workTime
	for _, k := range []string{"starts_on", "ends_on"} {
		d, err := time.Parse(time.DateOnly, f[k])
		if err != nil {
			return in, k
		}
		day := campaign.DayOf(d)
		if k == "starts_on" {
			in.StartsOn = &day
		} else {
			in.EndsOn = &day
		}
	}
	ints := map[string]**int{"goal_participants": &in.GoalParticipants, "max_active_per_employee": &in.MaxActivePerEmployee}
	for _, k := range []string{"goal_participants", "max_active_per_employee"} {
		if v := strings.TrimSpace(f[k]); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return in, k
			}
			*ints[k] = &n
		}
	}
	floats := map[string]**float64{"goal_hours": &in.GoalHours, "auto_approve_hours": &in.AutoApproveHours, "allowance_hours": &in.AllowanceHours}
	for _, k := range []string{"goal_hours", "auto_approve_hours", "allowance_hours"} {
		if v := strings.TrimSpace(f[k]); v != "" {
			n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
			if err != nil {
				return in, k
			}
			*floats[k] = &n
		}
	}
	return in, ""
}

// campaignScheduleSubmit schedules a draft for its first day: it starts by
// itself then, its audience mailed.
func (s *Server) campaignScheduleSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Move(c.UserContext(), id, campaign.Scheduled)
	if err != nil {
		if !pageError(err) {
			return err
		}
		current, gerr := s.deps.Campaigns.Get(c.UserContext(), campaign.Viewer{HRAdmin: true}, id)
		if gerr != nil {
			return gerr
		}
		c.Status(statusOf[errs.CodeOf(err)])
		return s.renderSettings(c, current, settingsFormOf(current), map[string]bool{}, map[string]string{"form": s.message(c, err)})
	}
	return c.Redirect("/admin/campaigns/"+cmp.ID.String()+"/settings?scheduled=1", fiber.StatusSeeOther)
}
