package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/documents"
	"github.com/vendredi-app/vendredi/tenants"
)

// certificateRoutes serve an employee's certificate of engagement as a
// PDF, in their language and their company's colour: the same document
// from the API and from their participations page.
func (s *Server) certificateRoutes(app fiber.Router, api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/me/certificate.pdf", enf.Route("hours", "read"), s.certificatePDF)
	app.Get("/me/certificate.pdf", enf.Route("hours", "read"), s.certificatePDF)
}

func (s *Server) certificatePDF(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	company, accent := "", ""
	if t, ok := tenants.FromContext(c.UserContext()); ok {
		company, accent = t.Name, t.Accent
	}
	cert, err := s.deps.Mecenat.Certificate(c.UserContext(), member, principal(c).Name, company)
	if err != nil {
		return err
	}
	pdf, err := documents.Certificate(cert, lang(c), accent, time.Now())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="attestation-engagement.pdf"`)
	return c.Send(pdf)
}
