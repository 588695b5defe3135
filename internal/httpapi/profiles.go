package httpapi

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// profileRoutes serve an employee's skills profile.
func (s *Server) profileRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, update := enf.Route("profile", "read"), enf.Route("profile", "update")
	api.Get("/me/profile", read, s.myProfile)
	app.Get("/me/profile", read, s.profilePage)
	api.Put("/me/profile", update, s.saveMyProfile)
	app.Post("/me/profile", update, s.profileSubmit)
}

func (s *Server) myProfile(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Campaigns.Profile(c.UserContext(), member)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) saveMyProfile(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	var in campaign.ProfileInput
	if err := campaign.DecodeStrict(c.Body(), &in, "profile"); err != nil {
		return err
	}
	p, err := s.deps.Campaigns.SaveProfile(c.UserContext(), member, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// skillsAlias names the skills' fieldset for every skill's error in err.
func skillsAlias(err error) map[string]string {
	alias := map[string]string{}
	for _, f := range errs.FieldsOf(err) {
		if strings.HasPrefix(f.Field, "skills") {
			alias[f.Field] = "skills"
		}
	}
	return alias
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
	return s.renderProfile(c, p, nil, nil)
}

// memberProfileInputs are the profile form's places for a message; a skill's
// error ("skills[2].level") is shown on the skills.
var memberProfileInputs = inputSet("skills", "hours_per_week", "radius_km", "home_city", "formats", "causes")

// renderProfile shows p; typed holds the numbers as typed, which a refused
// form shows instead of p's (a radius "abc" comes back as "abc", not 0), and
// fe the messages by field ("!key" for the page's own).
func (s *Server) renderProfile(c *fiber.Ctx, p *campaign.Profile, typed, fe map[string]string) error {
	fams, skills, err := s.deps.Reference.Skills(c.UserContext())
	if err != nil {
		return err
	}
	// Seventy skills read as families: each select groups its options, and
	// a small script filters them as the person types (static/skills.js).
	var groups []assocSkillGroup
	for _, fam := range fams {
		g := assocSkillGroup{Label: fam.LabelFR}
		if lang(c) == "en" {
			g.Label = fam.LabelEN
		}
		for _, sk := range skills {
			if sk.Family == fam.Code {
				g.Skills = append(g.Skills, sk)
			}
		}
		groups = append(groups, g)
	}
	causes, err := s.deps.Reference.Causes(c.UserContext())
	if err != nil {
		return err
	}
	if typed == nil {
		typed = map[string]string{"hours_per_week": strconv.FormatFloat(p.HoursPerWeek, 'f', -1, 64), "radius_km": strconv.Itoa(p.RadiusKM)}
	}
	if fe == nil {
		fe = map[string]string{}
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
	password, err := s.passwordSection(c)
	if err != nil {
		return err
	}
	return s.render(c, "employee/profile", s.titled(c, "employee.nav.profile", map[string]any{"Password": password,
		"FeedSince": feedSince, "FeedRevoked": c.Query("feed") == "revoked",
		"Profile": p, "Rows": rows, "Skills": skills, "Groups": groups, "AllCauses": causes, "Typed": typed, "Errors": fe,
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
	typed := map[string]string{"hours_per_week": strings.TrimSpace(c.FormValue("hours_per_week")),
		"radius_km": strings.TrimSpace(c.FormValue("radius_km"))}
	fe := map[string]string{}
	if hw, err := strconv.ParseFloat(strings.ReplaceAll(typed["hours_per_week"], ",", "."), 64); err == nil {
		p.HoursPerWeek = hw
	} else {
		fe["hours_per_week"] = "!employee.profile.bad_number"
	}
	if r, err := strconv.Atoi(typed["radius_km"]); err == nil {
		p.RadiusKM = r
	} else {
		fe["radius_km"] = "!employee.profile.bad_number"
	}
	if c.FormValue("add") != "" || c.FormValue("remove") != "" {
		if c.FormValue("add") != "" {
			p.Skills = append(p.Skills, campaign.ProfileSkill{Level: 2})
		}
		// Adding or removing a line saves nothing: the form comes back as
		// typed, its numbers' mistakes said.
		if len(fe) > 0 {
			c.Status(fiber.StatusUnprocessableEntity)
		}
		return s.renderProfile(c, p, typed, fe)
	}
	if len(fe) > 0 {
		// Nothing is saved; the rest of the form is still checked, so that
		// every mistake shows at once. A number not read counts as 0, which
		// passes, so the page's own word stays on it.
		probe := *p
		probe.Skills = slices.Clone(p.Skills)
		if err := probe.Normalize(); err != nil {
			_ = s.formFailure(c, err, fe, memberProfileInputs, skillsAlias(err))
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderProfile(c, p, typed, fe)
	}
	if _, err := s.deps.Campaigns.SaveProfile(c.UserContext(), member, campaign.ProfileInput{Skills: &p.Skills,
		HoursPerWeek: &p.HoursPerWeek, Formats: &p.Formats, HomeCity: &p.HomeCity, RadiusKM: &p.RadiusKM, Causes: &p.Causes}); err != nil {
		if err := s.formFailure(c, err, fe, memberProfileInputs, skillsAlias(err)); err != nil {
			return err
		}
		return s.renderProfile(c, p, typed, fe)
	}
	return c.Redirect("/me/profile?saved=1", fiber.StatusSeeOther)
}
