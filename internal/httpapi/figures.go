package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/documents"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// figureRoutes serve a campaign's figures and the CSV export of its
// participations, for the company's HR admins.
func (s *Server) figureRoutes(api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/campaigns/:id/figures", enf.Route("campaign_reports", "read"), s.campaignFigures)
	api.Get("/campaigns/:id/participations.csv", enf.Route("participations", "export"), s.exportParticipations)
	api.Get("/campaigns/:id/report.pdf", enf.Route("campaign_reports", "export"), s.campaignReportPDF)
	api.Get("/campaigns/:id/report.csv", enf.Route("campaign_reports", "export"), s.campaignReportCSV)
}

// campaignReportPages are the report's downloads from the dashboard.
func (s *Server) campaignReportPages(app fiber.Router) {
	enf := s.deps.Authz
	app.Get("/admin/campaigns/:id/report.pdf", enf.Route("campaign_reports", "export"), s.campaignReportPDF)
	app.Get("/admin/campaigns/:id/report.csv", enf.Route("campaign_reports", "export"), s.campaignReportCSV)
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
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="participations-%s.csv"`, cmp.ID))
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.deps.Campaigns.ExportCSV(context.WithoutCancel(ctx), id, f, w); err != nil {
			s.log.ErrorContext(ctx, "participations export cut", "campaign", id, "err", err)
		}
		_ = w.Flush()
	})
	return nil
}
