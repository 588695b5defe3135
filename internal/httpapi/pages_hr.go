package httpapi

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the log's times are in Europe/Paris whatever the host's zoneinfo

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/fold"
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
	app.Post("/admin/invitations/:id/resend", enf.Route("invitations", "create"), s.hrResendSubmit)
	app.Post("/admin/invitations/:id/revoke", enf.Route("invitations", "delete"), s.hrRevokeSubmit)
	app.Post("/admin/members/:id", enf.Route("members", "update"), s.hrMemberSubmit)
	app.Get("/admin/audit", enf.Route("audit", "read"), s.hrAuditPage)
	app.Get("/admin/tokens", enf.Route("api_tokens", "read"), s.hrTokensPage)
	app.Post("/admin/tokens", enf.Route("api_tokens", "create"), s.hrCreateTokenSubmit)
	app.Post("/admin/tokens/:id/revoke", enf.Route("api_tokens", "delete"), s.hrRevokeTokenSubmit)
}

// inviteFields are the invitation form's inputs; an error on one of them
// is shown next to it.
var inviteFields = map[string]bool{"email": true, "full_name": true, "department": true, "site": true, "role": true}

// hrData is a page's data with the HR admin's links in the header.
func (s *Server) hrData(c *fiber.Ctx, titleKey string, extra map[string]any) map[string]any {
	d := s.pageData(c, "", extra)
	d["HRAdmin"] = true
	d["TitleKey"] = titleKey
	d["Title"] = hrTitles[titleKey][0]
	if d["Lang"] == "en" {
		d["Title"] = hrTitles[titleKey][1]
	}
	return d
}

// hrTitles are the HR pages' window titles, in French and English.
var hrTitles = map[string][2]string{
	"hr.people.title":    {"Personnes", "People"},
	"hr.campaigns.title": {"Campagnes", "Campaigns"},
	"hr.dashboard.title": {"Tableau de bord", "Dashboard"},
	"hr.audit.title":     {"Journal d'audit", "Audit log"},
	"hr.tokens.title":    {"Jetons d'API", "API tokens"},
	"hr.branding.title":  {"Image de marque", "Branding"},
	"hr.settings.title":  {"Paramètres de la campagne", "Campaign settings"},
	"hr.mecenat.title":   {"Mécénat de compétences", "Skills-based giving"},
	"hr.lines.title":     {"Détail des heures valorisées", "Valued hours in detail"},
	"hr.costs.title":     {"Coûts horaires", "Hourly costs"},
}

func (s *Server) hrPeople(c *fiber.Ctx, extra map[string]any) error {
	ctx := c.UserContext()
	ms, err := s.deps.Identity.People(ctx)
	if err != nil {
		return err
	}
	inv, err := s.deps.Identity.Invitations(ctx)
	if err != nil {
		return err
	}
	if extra == nil {
		extra = map[string]any{}
	}
	extra["Invitations"] = inv
	s.pageOfMembers(c, ms, extra)
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
	if key, ok := peopleDone[c.Query("done")]; ok {
		extra["Done"] = map[string]string{"Key": key, "Who": c.Query("who")}
	}
	extra["Me"] = uuid.Nil
	if p := principal(c); p != nil {
		extra["Me"] = p.ID
	}
	if _, ok := extra["RowID"]; !ok {
		extra["RowID"] = ""
	}
	return s.render(c, "hr/people", s.hrData(c, "hr.people.title", extra))
}

func (s *Server) hrPeoplePage(c *fiber.Ctx) error { return s.hrPeople(c, nil) }

// membersPage is how many members the people page lists at once.
const membersPage = 50

// pageOfMembers puts into extra the members matching ?q (name, address,
// department or site), a page at a time (?page), and the links around it.
// A member whose action failed is shown whatever the page, with its error.
func (s *Server) pageOfMembers(c *fiber.Ctx, ms []identity.Person, extra map[string]any) {
	q := strings.TrimSpace(c.Query("q"))
	if q != "" {
		key := fold.String(q)
		kept := ms[:0:0]
		for _, m := range ms {
			if strings.Contains(fold.String(m.FullName+" "+m.Email+" "+m.Department+" "+m.Site), key) {
				kept = append(kept, m)
			}
		}
		ms = kept
	}
	pages := max(1, (len(ms)+membersPage-1)/membersPage)
	page := min(max(1, c.QueryInt("page", 1)), pages)
	shown := ms[(page-1)*membersPage : min(page*membersPage, len(ms))]
	if row, _ := extra["RowID"].(string); row != "" && !slices.ContainsFunc(shown, func(m identity.Person) bool { return m.ID.String() == row }) {
		for _, m := range ms {
			if m.ID.String() == row {
				shown = append([]identity.Person{m}, shown...)
			}
		}
	}
	link := func(p int) string {
		return "/admin/people?" + url.Values{"q": {q}, "page": {strconv.Itoa(p)}}.Encode() + "#members-h"
	}
	extra["Members"], extra["MemberCount"], extra["Query"] = shown, len(ms), q
	if page > 1 {
		extra["PrevPage"] = template.URL(link(page - 1))
	}
	if page < pages {
		extra["NextPage"] = template.URL(link(page + 1))
	}
	extra["PageOf"] = map[string]int{"Page": page, "Pages": pages}
}

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
	return s.hrFormFailure(c, err, form, inviteFields, s.hrPeople)
}

// hrFormFailure shows a form's refusal with render, next to its field when
// fields holds it, else at the top of the form, with what was typed kept;
// unexpected errors go to the error page.
func (s *Server) hrFormFailure(c *fiber.Ctx, err error, form map[string]string, fields map[string]bool,
	render func(*fiber.Ctx, map[string]any) error) error {
	code := errs.CodeOf(err)
	if code == errs.Internal {
		return err
	}
	errors_ := map[string]string{}
	extra := map[string]any{"Form": form, "Errors": errors_}
	var e *errs.Error
	if errors.As(err, &e) && fields[e.Field] {
		errors_[e.Field] = s.message(c, err)
	} else {
		extra["FormError"] = s.message(c, err)
	}
	c.Status(statusOf[code])
	return render(c, extra)
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
	if _, err := s.deps.Campaigns.Launch(c.UserContext(), id, s.cfg.Links.For(c.UserContext())); err != nil {
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
	byCause, err := s.causeChart(c, f.HoursByCause)
	if err != nil {
		return err
	}
	var proposals []proposalLine
	if run != nil && run.Status == "done" && run.Proposals > 0 {
		if proposals, err = s.runProposals(c, run.ID); err != nil {
			return err
		}
	}
	return s.render(c, "hr/dashboard", s.hrData(c, "hr.dashboard.title", map[string]any{
		"Campaign": cmp, "Figures": f, "Rate": int(math.Round(f.ParticipationRate * 100)),
		"GoalParticipants": progressOf(f.Goals.Participants), "GoalHours": progressOf(f.Goals.Hours),
		"ByDay": barChart("by-day", labels, apps), "HoursByDay": barChart("hours-by-day", labels, hours),
		"ByCause": byCause, "Hours": trimFloat(f.HoursLogged), "HoursApproved": trimFloat(f.HoursApproved),
		"Run": run, "RunPercent": runPct, "ExportURL": "/api/v1/campaigns/" + id.String() + "/participations.csv",
		"Proposals": proposals, "ProposalsShown": len(proposals), "ProposalsMax": maxProposalsShown,
	}))
}

// hbar is one row of a horizontal bar chart: the label above its bar, the
// value at the bar's end. Long labels (causes) fit on a phone this way.
type hbar struct {
	Label        string // empty: the chart's word for "none"
	Text         string
	LabelY, BarY float64
	W, H, ValueX float64
}

// hchart is an inline SVG horizontal bar chart.
type hchart struct {
	ID            string
	Bars          []hbar
	Width, Height float64
}

// causeChart draws the approved hours by cause, labelled in the page's
// language, most hours first (the store's order).
func (s *Server) causeChart(c *fiber.Ctx, rows []campaign.CauseHours) (hchart, error) {
	const width, row, barH, room = 400.0, 46.0, 16.0, 60.0
	ch := hchart{ID: "hours-by-cause", Width: width, Height: float64(len(rows)) * row}
	if len(rows) == 0 {
		return ch, nil
	}
	causes, err := s.deps.Reference.Causes(c.UserContext())
	if err != nil {
		return ch, err
	}
	en := lang(c) == "en"
	labels := map[string]string{}
	for _, k := range causes {
		labels[k.Code] = k.LabelFR
		if en {
			labels[k.Code] = k.LabelEN
		}
	}
	top := rows[0].HoursApproved
	for _, r := range rows {
		top = math.Max(top, r.HoursApproved)
	}
	for i, r := range rows {
		y := float64(i) * row
		w := 0.0
		if top > 0 {
			w = r.HoursApproved / top * (width - room)
		}
		label := labels[r.Cause]
		if label == "" && r.Cause != "" {
			label = r.Cause
		}
		ch.Bars = append(ch.Bars, hbar{Label: label, Text: trimFloat(r.HoursApproved), LabelY: y + 16, BarY: y + 22,
			W: math.Max(w, 2), H: barH, ValueX: math.Max(w, 2) + 4})
	}
	return ch, nil
}

// maxProposalsShown bounds the dashboard's list; the rest are the
// employees' to see on their own pages.
const maxProposalsShown = 100

// proposalLine is a proposal as the dashboard lists it: who, where, score.
type proposalLine struct {
	Employee, Mission, Association, Status string
	Score                                  int
}

func (s *Server) runProposals(c *fiber.Ctx, runID uuid.UUID) ([]proposalLine, error) {
	ctx := c.UserContext()
	ps, err := s.deps.Matchmaker.RunProposals(ctx, runID, maxProposalsShown)
	if err != nil {
		return nil, err
	}
	ms, err := s.deps.Identity.People(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[uuid.UUID]string, len(ms))
	for _, m := range ms {
		names[m.ID] = m.FullName
	}
	out := make([]proposalLine, len(ps))
	for i, p := range ps {
		out[i] = proposalLine{Employee: names[p.MemberID], Mission: p.Mission, Association: p.Association, Status: p.Status, Score: p.Score}
	}
	return out, nil
}

// peopleDone are the people page's confirmations after an action, by the
// ?done= the action redirects with.
var peopleDone = map[string]string{
	"resent": "hr.done.resent", "revoked": "hr.done.revoked", "hr_admin": "hr.done.hr_admin",
	"employee": "hr.done.employee", "disabled": "hr.done.disabled", "active": "hr.done.active",
}

// peopleFailure shows an action's refusal next to the row it concerns;
// unexpected errors go to the error page.
func (s *Server) peopleFailure(c *fiber.Ctx, err error, row uuid.UUID, key string) error {
	code := errs.CodeOf(err)
	if code == errs.Internal {
		return err
	}
	extra := map[string]any{"RowID": row.String(), "RowError": s.message(c, err)}
	if key != "" {
		extra["RowErrorKey"] = key
	}
	c.Status(statusOf[code])
	return s.hrPeople(c, extra)
}

func (s *Server) hrResendSubmit(c *fiber.Ctx) error {
	return s.invitationSubmit(c, "resent", s.deps.Identity.ResendInvitation)
}

func (s *Server) hrRevokeSubmit(c *fiber.Ctx) error {
	return s.invitationSubmit(c, "revoked", s.deps.Identity.RevokeInvitation)
}

// invitationSubmit applies act to the pending invitation of the member named
// in the path, then goes back to the invitations with done as the
// confirmation and the invited address as who; a refusal is worded on the
// invitation's row.
func (s *Server) invitationSubmit(c *fiber.Ctx, done string, act func(context.Context, *identity.Principal, uuid.UUID, identity.Client) error) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p, err := s.deps.Identity.Person(ctx, id)
	if err == nil {
		err = act(ctx, principal(c), id, client(c))
	}
	if err != nil {
		return s.peopleFailure(c, err, id, "")
	}
	return c.Redirect("/admin/people?done="+done+"&who="+url.QueryEscape(p.Email)+"#inv-h", fiber.StatusSeeOther)
}

// hrMemberSubmit changes a member's role or status (one per button). The
// database refuses to leave the company without an active HR admin; that
// refusal is worded on the member's row.
func (s *Server) hrMemberSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	pr := principal(c)
	ch := identity.MemberChange{Role: utils.CopyString(c.FormValue("role")), Status: utils.CopyString(c.FormValue("status"))}
	p, err := s.deps.Identity.ChangeMember(c.UserContext(), pr, id, ch, client(c))
	if err != nil {
		key := ""
		if errs.CodeOf(err) == errs.Conflict {
			key = "hr.members.keep_admin"
		}
		return s.peopleFailure(c, err, id, key)
	}
	s.deps.Authz.Invalidate(authz.TenantDomain(pr.TenantID))
	if p.ID == pr.ID && p.Role != identity.RoleHRAdmin {
		// They handed over the HR pages: those are no longer theirs.
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	done := ch.Role
	if ch.Status != "" {
		done = ch.Status
	}
	return c.Redirect("/admin/people?done="+url.QueryEscape(done)+"&who="+url.QueryEscape(p.Email)+"#members-h", fiber.StatusSeeOther)
}

// auditPage is how many events one page of the log shows.
const auditPage = 50

// paris is the zone the log's times are shown in: the product is French.
var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.UTC
}()

// auditLine is an event as the log page shows it.
type auditLine struct {
	identity.Event
	When      string
	ActionKey string // empty for an action the page has no words for
	Details   []auditDetail
	// The object's kind in words (when the page has them) and its name.
	ObjectKey, ObjectName string
}

// auditObjects are the kinds of object the log names, as "kind:name".
var auditObjects = map[string]bool{"member": true, "person": true, "api_token": true, "tenant": true, "association": true}

// auditDetail is one detail of an event: its name and value, each a
// message of the page when it has one.
type auditDetail struct {
	NameKey, Name, ValueKey, Value string
}

var auditActions = map[string]bool{
	identity.ActionSignIn: true, identity.ActionSignInFailed: true, identity.ActionSignOut: true, identity.ActionSignOutAll: true,
	identity.ActionPasswordReset: true, identity.ActionInvite: true, identity.ActionInviteRevoked: true,
	identity.ActionInviteAccepted: true, identity.ActionSignUp: true, identity.ActionRoleChanged: true,
	identity.ActionTokenCreated: true, identity.ActionTokenRevoked: true, identity.ActionExport: true,
	identity.ActionBranding: true,
}

var auditDetailNames = map[string]bool{"role": true, "role_from": true, "role_to": true, "status_from": true,
	"status_to": true, "resent": true, "prefix": true}

func auditDetails(d map[string]string) []auditDetail {
	names := make([]string, 0, len(d))
	for k := range d {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []auditDetail
	for _, k := range names {
		v := d[k]
		// A change shows what changed: a role or status kept is noise.
		if from, to, ok := strings.Cut(k, "_"); ok && (to == "from" || to == "to") && d[from+"_from"] == d[from+"_to"] {
			continue
		}
		ad := auditDetail{Name: k, Value: v}
		if auditDetailNames[k] {
			ad.NameKey = "hr.audit.detail." + k
		}
		switch {
		case k == "resent":
			ad.Value = ""
		case strings.HasPrefix(k, "role") && (v == identity.RoleEmployee || v == identity.RoleHRAdmin):
			ad.ValueKey = "hr.role." + v
		case strings.HasPrefix(k, "status") && memberStatuses[v]:
			ad.ValueKey = "hr.members.status_" + v
		}
		out = append(out, ad)
	}
	return out
}

var memberStatuses = map[string]bool{identity.StatusActive: true, identity.StatusInvited: true,
	identity.StatusDisabled: true, identity.StatusPendingVerification: true}

// hrAuditPage shows the company's audit log, newest first, a page at a
// time, of one kind of event if chosen: "older" carries the last event's
// time and id.
func (s *Server) hrAuditPage(c *fiber.Ctx) error {
	q, err := auditQuery(c, auditPage+1)
	if err != nil {
		return err
	}
	evs, err := s.deps.Identity.Audit(c.UserContext(), q)
	if err != nil {
		return err
	}
	var older template.URL // built here from a time, an id and a known filter
	if len(evs) > auditPage {
		evs = evs[:auditPage]
		last := evs[auditPage-1]
		older = template.URL("/admin/audit?" + url.Values{"before": {last.At.UTC().Format(time.RFC3339Nano)},
			"before_id": {last.ID.String()}, "action": {q.Action}}.Encode())
	}
	lines := make([]auditLine, len(evs))
	for i, e := range evs {
		lines[i] = auditLine{Event: e, When: e.At.In(paris).Format("02/01/2006 15:04:05"), Details: auditDetails(e.Detail)}
		if auditActions[e.Action] {
			lines[i].ActionKey = "hr.audit.action." + e.Action
		}
		lines[i].ObjectName = e.Object
		if kind, name, ok := strings.Cut(e.Object, ":"); ok && auditObjects[kind] {
			lines[i].ObjectKey, lines[i].ObjectName = "hr.audit.kind."+kind, name
		}
	}
	actions := make([]string, 0, len(auditActions))
	for a := range auditActions {
		actions = append(actions, a)
	}
	slices.Sort(actions)
	return s.render(c, "hr/audit", s.hrData(c, "hr.audit.title", map[string]any{
		"Events": lines, "Older": older, "Paged": !q.Before.IsZero(), "Action": q.Action, "Actions": actions,
	}))
}

// tokenFields are the token form's inputs.
var tokenFields = map[string]bool{"name": true, "role": true, "expires_in_days": true}

func (s *Server) hrTokensPage(c *fiber.Ctx) error {
	return s.hrTokens(c, map[string]any{"Revoked": c.Query("revoked")})
}

// hrTokens lists the company's API tokens with the form that makes one.
func (s *Server) hrTokens(c *fiber.Ctx, extra map[string]any) error {
	ctx := c.UserContext()
	toks, err := s.deps.Identity.APITokens(ctx)
	if err != nil {
		return err
	}
	ms, err := s.deps.Identity.People(ctx)
	if err != nil {
		return err
	}
	names := make(map[uuid.UUID]string, len(ms))
	for _, m := range ms {
		names[m.ID] = m.FullName
	}
	type tokenLine struct {
		identity.APIToken
		By, Created, Used, RevokedOn, ExpiresOn string
		Expired                                 bool
	}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(paris).Format("02/01/2006")
	}
	lines := make([]tokenLine, len(toks))
	for i, t := range toks {
		lines[i] = tokenLine{APIToken: t, By: names[t.CreatedBy], Created: day(&t.CreatedAt), Used: day(t.LastUsedAt), RevokedOn: day(t.RevokedAt),
			ExpiresOn: day(t.ExpiresAt), Expired: t.Expired(time.Now())}
	}
	extra["Tokens"] = lines
	if _, ok := extra["RowID"]; !ok {
		extra["RowID"] = ""
	}
	if _, ok := extra["Errors"]; !ok {
		extra["Errors"] = map[string]string{}
	}
	if _, ok := extra["Form"]; !ok {
		extra["Form"] = map[string]string{"role": identity.RoleEmployee, "expires_in_days": "90"}
	}
	extra["Expiries"] = []string{"30", "90", "365", "0"}
	return s.render(c, "hr/tokens", s.hrData(c, "hr.tokens.title", extra))
}

// hrCreateTokenSubmit makes a token and shows it in this answer only: it
// is never stored in clear, so there is no page to redirect to that could
// show it again.
func (s *Server) hrCreateTokenSubmit(c *fiber.Ctx) error {
	form := map[string]string{"name": strings.TrimSpace(c.FormValue("name")), "role": utils.CopyString(c.FormValue("role")),
		"expires_in_days": utils.CopyString(c.FormValue("expires_in_days"))}
	days, err := strconv.Atoi(form["expires_in_days"])
	if err != nil {
		days = -1 // not one of the choices: the service says so
	}
	plain, tok, err := s.deps.Identity.CreateAPIToken(c.UserContext(), principal(c), form["name"], form["role"], days, client(c))
	if err != nil {
		return s.hrFormFailure(c, err, form, tokenFields, s.hrTokens)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.hrTokens(c, map[string]any{"Plain": plain, "Created": tok})
}

func (s *Server) hrRevokeTokenSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.deps.Identity.RevokeAPIToken(ctx, principal(c), id, client(c)); err != nil {
		code := errs.CodeOf(err)
		if code != errs.NotFound {
			return err
		}
		// Revoked meanwhile (another tab, another admin): say so on the list.
		c.Status(statusOf[code])
		return s.hrTokens(c, map[string]any{"RowID": id.String(), "RowErrorKey": "hr.tokens.gone"})
	}
	return c.Redirect("/admin/tokens?revoked="+id.String()+"#tokens-h", fiber.StatusSeeOther)
}
