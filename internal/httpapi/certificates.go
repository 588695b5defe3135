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
func (s *Server) certificateRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/me/certificate.pdf", enf.Route("hours", "read"), s.certificatePDF)
	app.Get("/me/certificate.pdf", enf.Route("hours", "read"), s.certificatePDF)
}

func (s *Server) certificatePDF(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	company, accent := brand(c)
	cert, err := s.deps.Mecenat.Certificate(c.UserContext(), member, principal(c).Name, company)
	if err != nil {
		return err
	}
	pdf, err := documents.Certificate(cert, lang(c), accent, time.Now())
	return download(c, "application/pdf", "attestation-engagement.pdf", pdf, err)
}

// brand is the company of the request's name and colour, for documents.
func brand(c *fiber.Ctx) (company, accent string) {
	if t, ok := tenants.FromContext(c.UserContext()); ok {
		return t.Name, t.Accent
	}
	return "", ""
}

// download answers a document as an attachment named name, or err.
func download(c *fiber.Ctx, contentType, name string, body []byte, err error) error {
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(body)
}
