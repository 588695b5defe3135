package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/documents"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/web"
)

// figureRoutes serve the figures: a campaign's dashboard, reports and
// exports for HR admins, the platform's for staff.
func (s *Server) figureRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	report, export := enf.Route("campaign_reports", "read"), enf.Route("campaign_reports", "export")

	api.Get("/campaigns/:id/figures", report, s.campaignFigures)
	app.Get("/admin/campaigns/:id", report, s.hrDashboardPage)
	exportParticipations := enf.Route("participations", "export")
	api.Get("/campaigns/:id/participations.csv", exportParticipations, s.exportParticipations)
	app.Get("/admin/campaigns/:id/participations.csv", exportParticipations, s.exportParticipations)
	api.Get("/campaigns/:id/report.pdf", export, s.campaignReportPDF)
	app.Get("/admin/campaigns/:id/report.pdf", export, s.campaignReportPDF)
	api.Get("/campaigns/:id/report.csv", export, s.campaignReportCSV)
	app.Get("/admin/campaigns/:id/report.csv", export, s.campaignReportCSV)
	app.Get("/platform", enf.Route("platform_stats", "read"), s.staffFiguresPage)
}

func (s *Server) campaignReport(c *fiber.Ctx) (*campaign.Report, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.deps.Campaigns.Report(c.UserContext(), id)
}

// campaignReportPDF answers the campaign's report as PDF, in the page's
// language and the company's colour.
func (s *Server) campaignReportPDF(c *fiber.Ctx) error {
	r, err := s.campaignReport(c)
	if err != nil {
		return err
	}
	labels, err := s.causeLabels(c)
	if err != nil {
		return err
	}
	company, accent := brand(c)
	pdf, err := documents.CampaignReport(r, company, accent, lang(c), labels, time.Now())
	return download(c, "application/pdf", fmt.Sprintf("rapport-%s.pdf", r.Campaign.ID), pdf, err)
}

func (s *Server) campaignReportCSV(c *fiber.Ctx) error {
	r, err := s.campaignReport(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if strings.HasPrefix(c.Path(), "/api/") {
		err = campaign.WriteReportCSV(r, &b)
	} else {
		// The HR admin's download is in their language.
		say := web.Phrases(lang(c))
		err = campaign.WriteReportCSVIn(r, &b, lang(c), func(english string) string {
			key := "hr.report." + strings.ReplaceAll(english, " ", "_")
			if out := say(key); out != key {
				return out
			}
			return english
		})
	}
	return download(c, "text/csv; charset=utf-8", fmt.Sprintf("rapport-%s.csv", r.Campaign.ID), b.Bytes(), err)
}

func (s *Server) campaignFigures(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := s.deps.Campaigns.Figures(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(f)
}

// exportParticipations streams the CSV: the campaign and the filters are
// checked first (a 404 or 400 is still possible), then rows go from a
// server-side cursor to the client as they come. An error after the first
// byte can only cut the stream; it is logged.
func (s *Server) exportParticipations(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := campaign.ParseExportFilter(utils.CopyString(c.Query("status")), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	cmp, err := s.deps.Campaigns.Get(ctx, campaign.Viewer{HRAdmin: true}, id)
	if err != nil {
		return err
	}
	if err := s.deps.Identity.Record(ctx, principal(c), identity.ActionExport, "campaign:"+id.String(), client(c),
		map[string]string{"what": "participations.csv", "status": f.Status}); err != nil {
		return err
	}
	// The API's export is for programs; the page's download is for the
	// person who asked, in their language and the company's time.
	var words campaign.ExportWords
	if !strings.HasPrefix(c.Path(), "/api/") {
		say := web.Phrases(lang(c))
		words.Zone = companyZone(c)
		for _, col := range campaign.ExportHeader {
			words.Header = append(words.Header, say("hr.export."+strings.ReplaceAll(col, " ", "_"), map[string]string{"Zone": words.Zone.String()}))
		}
		words.Status = func(st string) string { return say("association.participation_status." + st) }
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="participations-%s.csv"`, cmp.ID))
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.deps.Campaigns.ExportCSV(context.WithoutCancel(ctx), id, f, w, words); err != nil {
			s.log.ErrorContext(ctx, "participations export cut", "campaign", id, "err", err)
		}
		_ = w.Flush()
	})
	return nil
}

func (s *Server) staffFiguresPage(c *fiber.Ctx) error {
	f, err := s.deps.Staff.Figures(c.UserContext())
	if err != nil {
		return err
	}
	return s.render(c, "staff/figures", s.staffData(c, "staff.figures.title", map[string]any{
		"F": f, "Hours": decimal(c, f.Hours), "Hours30": decimal(c, f.Hours30),
		"At": map[string]string{"At": web.DateTime(lang(c), f.At.In(paris))},
	}))
}

// decimal writes a number as the page's language does: 2,5 in French.
func decimal(c *fiber.Ctx, v float64) string { return web.Number(lang(c), v) }

// productAccent is the product's own colour (app.css): a company left with
// it has no accent of its own.
const productAccent = "#2f5bea"

// bar is one bar of a server-drawn chart. Name is what a reader hears or
// sees on focus (the whole period), Label the axis's short word, shown
// under every few bars only when they are many.
type bar struct {
	Name, Label string
	ShowLabel   bool
	Value       float64
	Text        string
	X, Y        float64
	W, H        float64
	LabelX      float64
}

// chart is an inline SVG bar chart with its numbers for screen readers.
// It is drawn at one width and scales to the page: the whole campaign
// shows without scrolling sideways, by week when days would not fit.
type chart struct {
	ID     string
	Weekly bool
	Bars   []bar
	Width  float64
	Height float64
	Base   float64
}

// chartWidth is the drawing's width in its own units; maxDays is the most
// days a chart shows one by one before it counts weeks.
const chartWidth, maxDays = 640.0, 31

// period is one bar's stretch of the campaign: a day, or a week.
type period struct {
	From, To     time.Time
	Applications float64
	HoursLogged  float64
}

// periods are the campaign's days, or its weeks (Monday to Sunday, cut to
// the campaign) when it is longer than maxDays.
func periods(days []campaign.DayFigures) (out []period, weekly bool) {
	weekly = len(days) > maxDays
	for _, d := range days {
		t := d.Date.Time
		if n := len(out); n > 0 && weekly && t.Weekday() != time.Monday {
			out[n-1].To = t
			out[n-1].Applications += float64(d.Applications)
			out[n-1].HoursLogged += d.HoursLogged
			continue
		}
		out = append(out, period{From: t, To: t, Applications: float64(d.Applications), HoursLogged: d.HoursLogged})
	}
	return out, weekly
}

func barChart(c *fiber.Ctx, id string, ps []period, weekly bool, value func(period) float64) chart {
	const h, base = 170.0, 145.0
	ch := chart{ID: id, Weekly: weekly, Height: h, Base: base, Width: chartWidth}
	if len(ps) == 0 {
		return ch
	}
	say, l := web.Phrases(lang(c)), lang(c)
	step := (chartWidth - 6) / float64(len(ps))
	w := math.Max(step*0.8, 2)
	// An axis label takes some 40 units: one every few bars.
	every := int(math.Ceil(40 / step))
	top := 0.0
	for _, p := range ps {
		top = math.Max(top, value(p))
	}
	for i, p := range ps {
		v := value(p)
		bh := 0.0
		if top > 0 {
			bh = v / top * (base - 20)
		}
		x := 6 + float64(i)*step
		name := web.Date(l, p.From)
		if weekly {
			name = say("hr.dashboard.week", map[string]string{"From": web.Date(l, p.From), "To": web.Date(l, p.To)})
		}
		ch.Bars = append(ch.Bars, bar{Name: name, Label: p.From.Format("02/01"), ShowLabel: i%every == 0, Value: v,
			Text: web.Number(l, v), X: x, W: w, H: math.Max(bh, 0.5), Y: base - math.Max(bh, 0.5), LabelX: x + w/2})
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

func progressOf(c *fiber.Ctx, p *campaign.Progress) *progress {
	if p == nil {
		return nil
	}
	pct := int(math.Round(p.Ratio * 100))
	return &progress{Goal: decimal(c, p.Goal), Reached: decimal(c, p.Reached), Percent: pct, Width: min(pct, 100)}
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
	ps, weekly := periods(f.ByDay)
	breakdown, err := s.deps.Campaigns.Report(ctx, id)
	if err != nil {
		return err
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
	// After a launch, the page says what it did (?launched=invited).
	var launched *int
	if n, err := strconv.Atoi(c.Query("launched")); err == nil && n >= 0 {
		launched = &n
	}
	return s.render(c, "hr/dashboard", s.hrData(c, "hr.dashboard.title", map[string]any{
		"Launched": launched, "LaunchFailed": c.Query("failed") != "",
		"Campaign": cmp, "Figures": f, "Rate": int(math.Round(f.ParticipationRate * 100)),
		"GoalParticipants": progressOf(c, f.Goals.Participants), "GoalHours": progressOf(c, f.Goals.Hours),
		"ByDay":        barChart(c, "by-day", ps, weekly, func(p period) float64 { return p.Applications }),
		"HoursByDay":   barChart(c, "hours-by-day", ps, weekly, func(p period) float64 { return p.HoursLogged }),
		"ByDepartment": breakdown.Breakdown.ByDepartment, "BySite": breakdown.Breakdown.BySite,
		"ByCause": byCause, "Hours": decimal(c, f.HoursLogged), "HoursApproved": decimal(c, f.HoursApproved),
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
		ch.Bars = append(ch.Bars, hbar{Label: label, Text: web.Number(lang(c), r.HoursApproved), LabelY: y + 16, BarY: y + 22,
			W: math.Max(w, 2), H: barH, ValueX: math.Max(w, 2) + 4})
	}
	return ch, nil
}

// companyZone is the zone a company's people read times in: Europe/Paris,
// the product's, as long as companies do not choose one.
func companyZone(*fiber.Ctx) *time.Location { return paris }
