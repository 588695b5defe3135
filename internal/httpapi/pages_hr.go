package httpapi

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// hrPages serve an HR admin's journey in the browser.
func (s *Server) hrPages(app fiber.Router) {
	enf := s.deps.Authz
	app.Get("/admin/people", enf.Route("members", "read"), s.hrPeoplePage)
	app.Post("/admin/invitations", enf.Route("invitations", "create"), s.hrInviteSubmit)
	app.Post("/admin/invitations/import", enf.Route("invitations", "create"), s.hrImportSubmit)
	app.Get("/admin/campaigns", enf.Route("campaign_reports", "read"), s.hrCampaignsPage)
	app.Post("/admin/campaigns", enf.Route("campaigns", "create"), s.hrCreateCampaignSubmit)
	app.Post("/admin/campaigns/:id/launch", enf.Route("campaigns", "publish"), s.hrLaunchSubmit)
	app.Get("/admin/campaigns/:id", enf.Route("campaign_reports", "read"), s.hrDashboardPage)
	app.Post("/admin/campaigns/:id/allocation", enf.Route("campaigns", "update"), s.hrAllocationSubmit)
}

// inviteFields are the invitation form's inputs; an error on one of them
// is shown next to it.
var inviteFields = map[string]bool{"email": true, "full_name": true, "department": true, "site": true, "role": true}

// hrData is a page's data with the HR admin's links in the header.
func (s *Server) hrData(c *fiber.Ctx, titleKey string, extra map[string]any) map[string]any {
	d := s.pageData(c, "", extra)
	d["HRAdmin"] = true
	d["TitleKey"] = titleKey
	d["Title"] = map[string]string{"hr.people.title": "Personnes", "hr.campaigns.title": "Campagnes", "hr.dashboard.title": "Tableau de bord"}[titleKey]
	if d["Lang"] == "en" {
		d["Title"] = map[string]string{"hr.people.title": "People", "hr.campaigns.title": "Campaigns", "hr.dashboard.title": "Dashboard"}[titleKey]
	}
	return d
}

func (s *Server) hrPeople(c *fiber.Ctx, extra map[string]any) error {
	ctx := c.UserContext()
	ms, err := s.deps.Identity.Members().List(ctx)
	if err != nil {
		return err
	}
	inv, err := s.deps.Identity.Members().Invitations(ctx)
	if err != nil {
		return err
	}
	if extra == nil {
		extra = map[string]any{}
	}
	extra["Members"] = ms
	extra["Invitations"] = inv
	if _, ok := extra["Errors"]; !ok {
		extra["Errors"] = map[string]string{}
	}
	if _, ok := extra["Form"]; !ok {
		extra["Form"] = map[string]string{"role": identity.RoleEmployee}
	}
	if t, ok := tenants.FromContext(ctx); ok {
		extra["Domains"] = strings.Join(t.EmailDomains, ", ")
	}
	extra["Invited"] = c.Query("invited")
	return s.render(c, "hr/people", s.hrData(c, "hr.people.title", extra))
}

func (s *Server) hrPeoplePage(c *fiber.Ctx) error { return s.hrPeople(c, nil) }

func (s *Server) hrInviteSubmit(c *fiber.Ctx) error {
	form := map[string]string{}
	for f := range inviteFields {
		form[f] = strings.TrimSpace(c.FormValue(f))
	}
	p, err := s.deps.Identity.Invite(c.UserContext(), principal(c), identity.InviteInput{Email: form["email"], FullName: form["full_name"],
		Department: form["department"], Site: form["site"], Role: form["role"]}, client(c))
	if err == nil || errs.Is(err, errs.Unavailable) {
		email := form["email"]
		if p != nil {
			email = p.Email
		}
		return c.Redirect("/admin/people?invited="+url.QueryEscape(email), fiber.StatusSeeOther)
	}
	code := errs.CodeOf(err)
	if code == errs.Internal {
		return err
	}
	errors_ := map[string]string{}
	extra := map[string]any{"Form": form, "Errors": errors_}
	var e *errs.Error
	if errors.As(err, &e) && inviteFields[e.Field] {
		errors_[e.Field] = s.message(c, err)
	} else {
		extra["FormError"] = s.message(c, err)
	}
	c.Status(statusOf[code])
	return s.hrPeople(c, extra)
}

func (s *Server) hrImportSubmit(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		c.Status(fiber.StatusBadRequest)
		return s.hrPeople(c, map[string]any{"ImportErrorKey": "hr.import.missing"})
	}
	f, err := fh.Open()
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
	}
	defer f.Close()
	rep, err := s.deps.Identity.ImportInvitations(c.UserContext(), principal(c), f, client(c))
	if err != nil {
		code := errs.CodeOf(err)
		if code == errs.Internal || code == errs.Unavailable {
			return err
		}
		c.Status(statusOf[code])
		return s.hrPeople(c, map[string]any{"ImportError": s.message(c, err)})
	}
	// The report is shown at once: it is the answer to this upload, and
	// reloading the page cannot send the file again without the browser asking.
	return s.hrPeople(c, map[string]any{"Report": rep})
}

func (s *Server) hrCampaignsPage(c *fiber.Ctx) error { return s.hrCampaigns(c, "", "") }

// hrCampaigns lists the company's campaigns; a launch refused comes back
// with its reason next to that campaign's button.
func (s *Server) hrCampaigns(c *fiber.Ctx, failedID, failure string) error {
	list, err := s.deps.Campaigns.List(c.UserContext(), viewerOf(c), "")
	if err != nil {
		return err
	}
	return s.render(c, "hr/campaigns", s.hrData(c, "hr.campaigns.title", map[string]any{"Campaigns": list,
		"Template": campaign.BuiltInTemplate, "FailedID": failedID, "Failure": failure}))
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
	return c.Redirect("/admin/campaigns#c-"+cmp.ID.String(), fiber.StatusSeeOther)
}

func (s *Server) hrLaunchSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.deps.Campaigns.Launch(c.UserContext(), id, utils.CopyString(c.BaseURL())); err != nil {
		code := errs.CodeOf(err)
		if code != errs.Conflict && code != errs.Invalid {
			return err
		}
		c.Status(statusOf[code])
		return s.hrCampaigns(c, id.String(), s.message(c, err))
	}
	return c.Redirect("/admin/campaigns/"+id.String(), fiber.StatusSeeOther)
}

func (s *Server) hrAllocationSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.deps.Matchmaker.StartAllocation(c.UserContext(), id, principal(c).ID); err != nil && !errs.Is(err, errs.Conflict) {
		return err
	}
	return c.Redirect("/admin/campaigns/"+id.String()+"#allocation", fiber.StatusSeeOther)
}

// bar is one bar of a server-drawn chart.
type bar struct {
	Label  string
	Value  float64
	Text   string
	X, Y   float64
	W, H   float64
	LabelX float64
}

// chart is an inline SVG bar chart with its numbers for screen readers.
type chart struct {
	ID     string
	Bars   []bar
	Width  float64
	Height float64
	Base   float64
}

func barChart(id string, labels []string, values []float64) chart {
	const h, base, w = 160.0, 140.0, 28.0
	ch := chart{ID: id, Height: h, Base: base, Width: math.Max(float64(len(values))*(w+6)+6, 120)}
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	for i, v := range values {
		bh := 0.0
		if top > 0 {
			bh = v / top * (base - 16)
		}
		x := 6 + float64(i)*(w+6)
		ch.Bars = append(ch.Bars, bar{Label: labels[i], Value: v, Text: trimFloat(v), X: x, W: w, H: bh, Y: base - bh, LabelX: x + w/2})
	}
	return ch
}

func trimFloat(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") }

// progress is a goal's bar: the percentage, capped for the bar's width.
type progress struct {
	Goal, Reached string
	Percent       int
	Width         int
}

func progressOf(p *campaign.Progress) *progress {
	if p == nil {
		return nil
	}
	pct := int(math.Round(p.Ratio * 100))
	return &progress{Goal: trimFloat(p.Goal), Reached: trimFloat(p.Reached), Percent: pct, Width: min(pct, 100)}
}

func (s *Server) hrDashboardPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Get(ctx, viewerOf(c), id)
	if err != nil {
		return err
	}
	f, err := s.deps.Campaigns.Figures(ctx, id)
	if err != nil {
		return err
	}
	run, err := s.deps.Matchmaker.LatestRun(ctx, id)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	var labels []string
	var apps, hours []float64
	for _, d := range f.ByDay {
		labels = append(labels, d.Date.Format("02/01"))
		apps = append(apps, float64(d.Applications))
		hours = append(hours, d.HoursLogged)
	}
	runPct := 0
	if run != nil && run.Total > 0 {
		runPct = run.Done * 100 / run.Total
	}
	return s.render(c, "hr/dashboard", s.hrData(c, "hr.dashboard.title", map[string]any{
		"Campaign": cmp, "Figures": f, "Rate": int(math.Round(f.ParticipationRate * 100)),
		"GoalParticipants": progressOf(f.Goals.Participants), "GoalHours": progressOf(f.Goals.Hours),
		"ByDay": barChart("by-day", labels, apps), "HoursByDay": barChart("hours-by-day", labels, hours),
		"Hours": trimFloat(f.HoursLogged), "HoursApproved": trimFloat(f.HoursApproved),
		"Run": run, "RunPercent": runPct, "ExportURL": "/api/v1/campaigns/" + id.String() + "/participations.csv",
	}))
}
