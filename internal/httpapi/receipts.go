package httpapi

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/documents"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mecenat"
)

// receiptRoutes serve the receipts of mécénat: HR offers an association
// the facts of the year's gift; the association's manager confirms them
// (two clicks: the receipts page, then "confirm") or disputes a line;
// both download the confirmed facts as PDF. API and pages side by side.
func (s *Server) receiptRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	in := authz.AssociationParam("association")
	api.Post("/mecenat/years/:year/receipts", enf.Route("receipts", "create"), s.offerReceipt)
	api.Get("/mecenat/years/:year/receipts", enf.Route("receipts", "read"), s.listReceipts)
	api.Get("/mecenat/receipts/:id", enf.Route("receipts", "read"), s.getReceipt)
	api.Get("/associations/:association/receipts", enf.RouteIn(in, "receipts", "read"), s.associationReceipts)
	api.Get("/associations/:association/receipts/:id", enf.RouteIn(in, "receipts", "read"), s.associationReceipt)
	api.Post("/associations/:association/receipts/:id/confirm", enf.RouteIn(in, "receipts", "update"), s.confirmReceipt)
	api.Post("/associations/:association/receipts/:id/disputes", enf.RouteIn(in, "receipts", "update"), s.disputeReceiptLine)

	app.Post("/admin/mecenat/:year/receipts", enf.Route("receipts", "create"), s.offerReceiptSubmit)
	app.Get("/admin/mecenat/receipts/:id/pdf", enf.Route("receipts", "read"), s.receiptPDF)
	app.Get("/associations/:association/receipts", enf.RouteIn(in, "receipts", "read"), s.associationReceiptsPage)
	app.Get("/associations/:association/receipts/:id", enf.RouteIn(in, "receipts", "read"), s.associationReceiptPage)
	app.Get("/associations/:association/receipts/:id/pdf", enf.RouteIn(in, "receipts", "read"), s.associationReceiptPDF)
	app.Post("/associations/:association/receipts/:id/confirm", enf.RouteIn(in, "receipts", "update"), s.confirmReceiptSubmit)
	app.Post("/associations/:association/receipts/:id/lines/:line/dispute", enf.RouteIn(in, "receipts", "update"), s.disputeLineSubmit)
}

// donor is the company of the request, as its receipts name it.
func donor(c *fiber.Ctx) string {
	name, _ := brand(c)
	return name
}

// receiptPath reads the association and the receipt of the path.
func receiptPath(c *fiber.Ctx) (assoc, id uuid.UUID, err error) {
	if assoc, err = paramID(c, "association"); err != nil {
		return
	}
	id, err = paramID(c, "id")
	return
}

func (s *Server) offerReceipt(c *fiber.Ctx) error {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return err
	}
	var in struct {
		AssociationID uuid.UUID `json:"association_id"`
	}
	if err := campaign.DecodeStrict(c.Body(), &in, "receipt"); err != nil {
		return err
	}
	r, err := s.deps.Mecenat.OfferReceipt(c.UserContext(), y, in.AssociationID, donor(c), principal(c).Label())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) listReceipts(c *fiber.Ctx) error {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return err
	}
	rs, err := s.deps.Mecenat.Receipts(c.UserContext(), y)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"receipts": rs})
}

func (s *Server) getReceipt(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.deps.Mecenat.Receipt(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) associationReceipts(c *fiber.Ctx) error {
	assoc, err := paramID(c, "association")
	if err != nil {
		return err
	}
	rs, err := s.deps.Mecenat.ReceiptsFor(c.UserContext(), assoc)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"receipts": rs})
}

// receiptOf reads the association's receipt of the path.
func (s *Server) receiptOf(c *fiber.Ctx) (uuid.UUID, *mecenat.Receipt, error) {
	assoc, id, err := receiptPath(c)
	if err != nil {
		return assoc, nil, err
	}
	r, err := s.deps.Mecenat.ReceiptFor(c.UserContext(), assoc, id)
	return assoc, r, err
}

func (s *Server) associationReceipt(c *fiber.Ctx) error {
	_, r, err := s.receiptOf(c)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) confirmReceipt(c *fiber.Ctx) error {
	assoc, id, err := receiptPath(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Mecenat.Confirm(c.UserContext(), assoc, id, principal(c).Label())
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) disputeReceiptLine(c *fiber.Ctx) error {
	assoc, id, err := receiptPath(c)
	if err != nil {
		return err
	}
	var in struct {
		HourLogID uuid.UUID `json:"hour_log_id"`
		Note      string    `json:"note"`
	}
	if err := campaign.DecodeStrict(c.Body(), &in, "dispute"); err != nil {
		return err
	}
	r, err := s.deps.Mecenat.DisputeLine(c.UserContext(), assoc, id, in.HourLogID, in.Note, principal(c).Label())
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// --- pages ---

func (s *Server) offerReceiptSubmit(c *fiber.Ctx) error {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return err
	}
	assoc, err := uuid.Parse(c.FormValue("association"))
	if err != nil {
		return errs.E(errs.NotFound, "There is no such association.")
	}
	if _, err := s.deps.Mecenat.OfferReceipt(c.UserContext(), y, assoc, donor(c), principal(c).Label()); err != nil {
		msg, err := s.formMessage(c, err)
		if err != nil {
			return err
		}
		return s.renderMecenat(c, y, nil, map[string]string{"receipt-" + assoc.String(): msg})
	}
	return c.Redirect("/admin/mecenat?year="+strconv.Itoa(y)+"&offered="+assoc.String()+"#receipts", fiber.StatusSeeOther)
}

// sendPDF answers a confirmed receipt's facts as a PDF download; before
// the association confirms, there is nothing to download.
func (s *Server) sendPDF(c *fiber.Ctx, r *mecenat.Receipt) error {
	if r.Status != mecenat.ReceiptConfirmed {
		return errs.E(errs.Conflict, "the association has not confirmed this receipt yet")
	}
	pdf, err := documents.Receipt(r, lang(c), time.Now())
	return download(c, "application/pdf", fmt.Sprintf("recu-%d-%s.pdf", r.Year, r.ID), pdf, err)
}

func (s *Server) receiptPDF(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.deps.Mecenat.Receipt(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.sendPDF(c, r)
}

func (s *Server) associationReceiptPDF(c *fiber.Ctx) error {
	_, r, err := s.receiptOf(c)
	if err != nil {
		return err
	}
	return s.sendPDF(c, r)
}

func (s *Server) associationReceiptsPage(c *fiber.Ctx) error {
	return s.renderAssociationReceipts(c, "", "")
}

func (s *Server) renderAssociationReceipts(c *fiber.Ctx, failedID, failure string) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	rs, err := s.deps.Mecenat.ReceiptsFor(c.UserContext(), a.ID)
	if err != nil {
		return err
	}
	return s.render(c, "association/receipts", s.assocData(c, "receipts", a, map[string]any{"Receipts": rs,
		"Confirmed": c.Query("confirmed"), "FailedID": failedID, "Failure": failure}))
}

func (s *Server) associationReceiptPage(c *fiber.Ctx) error {
	return s.renderAssociationReceipt(c, "", "")
}

func (s *Server) renderAssociationReceipt(c *fiber.Ctx, failedLine, failure string) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	_, r, err := s.receiptOf(c)
	if err != nil {
		return err
	}
	return s.render(c, "association/receipt", s.assocData(c, "receipts", a, map[string]any{"Receipt": r,
		"CanDecide": mecenat.CanDecide(r.Status), "Disputed": c.Query("disputed") == "1", "FailedLine": failedLine, "Failure": failure}))
}

func (s *Server) confirmReceiptSubmit(c *fiber.Ctx) error {
	assoc, id, err := receiptPath(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Mecenat.Confirm(c.UserContext(), assoc, id, principal(c).Label()); err != nil {
		msg, err := s.formMessage(c, err)
		if err != nil {
			return err
		}
		return s.renderAssociationReceipts(c, id.String(), msg)
	}
	return c.Redirect("/associations/"+assoc.String()+"/receipts?confirmed="+id.String(), fiber.StatusSeeOther)
}

func (s *Server) disputeLineSubmit(c *fiber.Ctx) error {
	assoc, id, err := receiptPath(c)
	if err != nil {
		return err
	}
	line, err := paramID(c, "line")
	if err != nil {
		return err
	}
	if _, err := s.deps.Mecenat.DisputeLine(c.UserContext(), assoc, id, line, c.FormValue("note"), principal(c).Label()); err != nil {
		msg, err := s.formMessage(c, err)
		if err != nil {
			return err
		}
		return s.renderAssociationReceipt(c, line.String(), msg)
	}
	return c.Redirect("/associations/"+assoc.String()+"/receipts/"+id.String()+"?disputed=1", fiber.StatusSeeOther)
}
