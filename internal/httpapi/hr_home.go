package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// homeOf is where a person starts once signed in without a page to go
// back to: an HR admin on their admin home, everyone else on the home page.
func homeOf(p *identity.Principal) string {
	if p != nil && p.Kind == identity.KindMember && p.Role == identity.RoleHRAdmin {
		return "/admin"
	}
	return "/"
}

// homeCampaigns is how many campaigns the admin home shows, newest first;
// the campaigns page has them all.
const homeCampaigns = 6

// campaignGlance is one campaign on the admin home.
type campaignGlance struct {
	*campaign.Campaign
	Participants        int
	Hours, HoursWaiting string
}

// setupStep is one item of a new company's checklist.
type setupStep struct {
	Key, Href string
	Done      bool
}

// hrHomePage is the HR admin's start: the campaigns at a glance and, until
// the company is set up, what is left to do, each step ticked once done
// and linking to where it is done.
func (s *Server) hrHomePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	list, err := s.deps.Campaigns.List(ctx, viewerOf(c), "")
	if err != nil {
		return err
	}
	launched := false
	var glances []campaignGlance
	for i := range list {
		cmp := &list[i]
		if cmp.Status != campaign.Draft {
			launched = true
		}
		if cmp.Status == campaign.Archived || len(glances) == homeCampaigns {
			continue
		}
		f, err := s.deps.Campaigns.Figures(ctx, cmp.ID)
		if err != nil {
			return err
		}
		glances = append(glances, campaignGlance{Campaign: cmp, Participants: f.Participants,
			Hours: hoursIn(lang(c), f.HoursApproved), HoursWaiting: hoursIn(lang(c), f.HoursLogged-f.HoursApproved)})
	}
	people, err := s.deps.Identity.People(ctx)
	if err != nil {
		return err
	}
	// People lists the invited too: anyone besides the admin means the
	// invitations have begun.
	steps := []setupStep{
		{Key: "invite", Href: "/admin/people", Done: len(people) > 1},
		{Key: "branding", Href: "/admin/branding", Done: t.Accent != "" || t.LogoVersion != ""},
		{Key: "campaign", Href: "/admin/campaigns", Done: launched},
	}
	left := 0
	for _, st := range steps {
		if !st.Done {
			left++
		}
	}
	return s.render(c, "hr/home", s.hrData(c, "hr.home.title", map[string]any{
		"Campaigns": glances, "More": len(list) > len(glances), "Steps": steps, "StepsLeft": left,
	}))
}
