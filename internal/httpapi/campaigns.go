package httpapi

import (
	"math"
	"net/url"
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
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/tenants"
)

// campaignRoutes serve campaigns: HR admins create, set up, schedule and
// launch them; employees read theirs and its missions. Which campaigns a
// caller reaches (their company's, their audience's) is decided from the
// principal, never from the URL.
func (s *Server) campaignRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, create, update := enf.Route("campaigns", "read"), enf.Route("campaigns", "create"), enf.Route("campaigns", "update")
	publish := enf.Route("campaigns", "publish")

	api.Get("/campaigns", read, s.listCampaigns)
	app.Get("/admin/campaigns", enf.Route("campaign_reports", "read"), s.hrCampaignsPage)
	app.Get("/admin", enf.Route("campaign_reports", "read"), s.hrHomePage)
	api.Post("/campaigns", create, s.createCampaign)
	app.Post("/admin/campaigns", create, s.hrCreateCampaignSubmit)
	api.Get("/campaigns/:id", read, s.getCampaign)
	app.Get("/campaigns/:id", read, s.campaignPage)
	app.Get("/campaigns/:id/missions/:mission", read, s.missionDetailPage)
	api.Get("/campaigns/:id/missions", read, s.campaignMissions)
	api.Patch("/campaigns/:id", update, s.updateCampaign)
	app.Get("/admin/campaigns/:id/settings", update, s.campaignSettingsPage)
	app.Post("/admin/campaigns/:id/settings", update, s.campaignSettingsSubmit)
	api.Post("/campaigns/:id/launch", publish, s.launchCampaign)
	app.Post("/admin/campaigns/:id/launch", publish, s.hrLaunchSubmit)
	api.Post("/campaigns/:id/schedule", publish, s.moveCampaign(campaign.Scheduled))
	app.Post("/admin/campaigns/:id/schedule", publish, s.campaignScheduleSubmit)
	api.Post("/campaigns/:id/reopen", publish, s.moveCampaign(campaign.Active))
	api.Post("/campaigns/:id/close", enf.Route("campaigns", "close"), s.moveCampaign(campaign.Closed))
	api.Post("/campaigns/:id/archive", enf.Route("campaigns", "delete"), s.moveCampaign(campaign.Archived))
}

// viewerOf says how the caller reads campaigns: an HR admin (a person or
// an integration's token) sees all; a member only what is meant for them.
func viewerOf(c *fiber.Ctx) campaign.Viewer {
	var v campaign.Viewer
	if p := principal(c); p != nil {
		if p.Kind == identity.KindMember {
			v.MemberID = p.ID
		}
		v.HRAdmin = p.Role == identity.RoleHRAdmin
	}
	return v
}

func (s *Server) createCampaign(c *fiber.Ctx) error {
	ctx := c.UserContext()
	in, err := campaign.DecodeCampaignInput(c.Body())
	if err != nil {
		return err
	}
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Create(ctx, viewerOf(c).MemberID, t.Locale, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cmp)
}

func (s *Server) listCampaigns(c *fiber.Ctx) error {
	list, err := s.deps.Campaigns.List(c.UserContext(), viewerOf(c), utils.CopyString(c.Query("status")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"campaigns": list})
}

func (s *Server) getCampaign(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Get(c.UserContext(), viewerOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(cmp)
}

func (s *Server) updateCampaign(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in, err := campaign.DecodeCampaignInput(c.Body())
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Update(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(cmp)
}

func (s *Server) launchCampaign(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	res, err := s.deps.Campaigns.Launch(c.UserContext(), id, s.cfg.Links.For(c.UserContext()))
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) moveCampaign(to string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		cmp, err := s.deps.Campaigns.Move(c.UserContext(), id, to)
		if err != nil {
			return err
		}
		return c.JSON(cmp)
	}
}

func (s *Server) campaignMissions(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ms, err := s.deps.Campaigns.Missions(c.UserContext(), viewerOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ms)
}

func (s *Server) hrCampaignsPage(c *fiber.Ctx) error { return s.hrCampaigns(c, "", "") }

// hrCampaigns lists the company's campaigns; a launch refused comes back
// with its reason next to that campaign's button.
func (s *Server) hrCampaigns(c *fiber.Ctx, failedID, failure string) error {
	list, err := s.deps.Campaigns.List(c.UserContext(), viewerOf(c), "")
	if err != nil {
		return err
	}
	// The launch's confirmation says so when a campaign's first day is
	// ahead: launching opens it today, not then.
	ahead := map[string]string{}
	var created *campaign.Campaign
	today := campaign.DayOf(time.Now())
	for i, cmp := range list {
		if cmp.StartsOn.After(today.Time) {
			ahead[cmp.ID.String()] = cmp.StartsOn.Format("02/01/2006")
		}
		if cmp.ID.String() == c.Query("created") {
			created = &list[i]
		}
	}
	return s.render(c, "hr/campaigns", s.hrData(c, "hr.campaigns.title", map[string]any{"Campaigns": list,
		"Template": campaign.BuiltInTemplate, "FailedID": failedID, "Failure": failure, "Ahead": ahead, "Created": created}))
}

func (s *Server) hrCreateCampaignSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	code := utils.CopyString(c.FormValue("template"))
	if code == "" {
		code = campaign.BuiltInTemplate
	}
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Create(ctx, viewerOf(c).MemberID, t.Locale, campaign.CampaignInput{Template: &code})
	if err != nil {
		return err
	}
	return c.Redirect("/admin/campaigns?created="+cmp.ID.String()+"#c-"+cmp.ID.String(), fiber.StatusSeeOther)
}

func (s *Server) hrLaunchSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	res, err := s.deps.Campaigns.Launch(c.UserContext(), id, s.cfg.Links.For(c.UserContext()))
	if err != nil {
		msg, err := s.formMessage(c, err)
		if err != nil {
			return err
		}
		return s.hrCampaigns(c, id.String(), msg)
	}
	q := url.Values{"launched": {strconv.Itoa(res.Invited)}}
	if res.Failed > 0 {
		q.Set("failed", strconv.Itoa(res.Failed))
	}
	return c.Redirect("/admin/campaigns/"+id.String()+"?"+q.Encode(), fiber.StatusSeeOther)
}

// missionCard is a mission as a card shows it.
type missionCard struct {
	catalog.Mission
	Reasons []string
	Score   int
	// Away is how far the mission's place is from the person's home, in
	// km, when both are known.
	Away *int
	// Held is the employee's live participation on it; Full, that a
	// sign-up joins its waiting list.
	Held *campaign.Participation
	Full bool
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

// campaignPage lists a campaign's missions, vital ones first; each card
// says where the employee stands (signed up, full, their limit) and links
// to the mission's page, where the sign-up form lives.
func (s *Server) campaignPage(c *fiber.Ctx) error {
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
		} else if code := errs.CodeOf(err); code != errs.Invalid && code != errs.Conflict && code != errs.NotFound {
			// A recommendation that cannot be made leaves the plain list.
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
	u, err := s.signUpsIn(c, cmp)
	if err != nil {
		return err
	}
	for i := range cards {
		cards[i].Held, cards[i].Full = u.held(cards[i].ID), full(&cards[i].Mission)
	}
	return s.render(c, "employee/campaign", s.pageData(c, cmp.Name, map[string]any{
		"AckMissing": utils.CopyString(c.Query("ack_missing")), "Campaign": cmp, "Vital": vital, "Rules": rules, "Others": cards, "Format": format, "Cause": cause,
		"Proposed": proposed, "Distance": maxKm, "Distances": distanceChoices, "DistanceNeedsHome": maxKm > 0 && home == nil,
		"Causes": causeList, "SignUps": u, "Applied": c.Query("applied") == "1", "NeedsProfile": needsProfile,
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
		"StartsAhead": cmp.StartsOn.After(campaign.DayOf(time.Now()).Time),
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
	fe := map[string]string{}
	for _, k := range bad {
		fe[k] = notANumber
	}
	if len(bad) > 0 {
		// Nothing is saved, but what could be read is still checked, so
		// that every mistake shows at once; the unreadable keep their word.
		err = in.Check(*cmp)
		if err == nil {
			err = errs.Field(bad[0], "enter a number")
		}
	} else {
		_, err = s.deps.Campaigns.Update(c.UserContext(), cmp.ID, in)
	}
	if err != nil {
		if err := s.formFailure(c, err, fe, inputSet(append(settingsFields, "mission_causes", "form")...), nil); err != nil {
			return err
		}
		if len(bad) > 0 {
			c.Status(fiber.StatusBadRequest)
		}
		return s.renderSettings(c, cmp, f, causes, fe)
	}
	return c.Redirect("/admin/campaigns/"+cmp.ID.String()+"/settings?saved=1", fiber.StatusSeeOther)
}

// settingsInput reads the form into the service's input; bad names the
// numbers and dates that are not one, left out of in.
func settingsInput(f settingsForm, causes []string) (in campaign.CampaignInput, bad []string) {
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
			bad = append(bad, k)
			continue
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
				bad = append(bad, k)
				continue
			}
			*ints[k] = &n
		}
	}
	floats := map[string]**float64{"goal_hours": &in.GoalHours, "auto_approve_hours": &in.AutoApproveHours, "allowance_hours": &in.AllowanceHours}
	for _, k := range []string{"goal_hours", "auto_approve_hours", "allowance_hours"} {
		if v := strings.TrimSpace(f[k]); v != "" {
			n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
			if err != nil {
				bad = append(bad, k)
				continue
			}
			*floats[k] = &n
		}
	}
	return in, bad
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
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, nil, nil); err != nil {
			return err
		}
		current, gerr := s.deps.Campaigns.Get(c.UserContext(), campaign.Viewer{HRAdmin: true}, id)
		if gerr != nil {
			return gerr
		}
		return s.renderSettings(c, current, settingsFormOf(current), map[string]bool{}, fe)
	}
	return c.Redirect("/admin/campaigns/"+cmp.ID.String()+"/settings?scheduled=1", fiber.StatusSeeOther)
}
