package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
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
	err = campaign.WriteReportCSV(r, &b)
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

// companyZone is the zone a company's people read times in: Europe/Paris,
// the product's, as long as companies do not choose one.
func companyZone(*fiber.Ctx) *time.Location { return paris }
