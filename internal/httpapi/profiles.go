package httpapi

import (
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
	password, err := s.passwordSection(c)
	if err != nil {
		return err
	}
	return s.render(c, "employee/profile", s.pageData(c, "", map[string]any{"Password": password,
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
	if _, err := s.deps.Campaigns.SaveProfile(c.UserContext(), member, campaign.ProfileInput{Skills: &p.Skills,
		HoursPerWeek: &p.HoursPerWeek, Formats: &p.Formats, HomeCity: &p.HomeCity, RadiusKM: &p.RadiusKM, Causes: &p.Causes}); err != nil {
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
