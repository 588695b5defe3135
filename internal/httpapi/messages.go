package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// message is err's message for the person reading the page, in the page's
// language.
func (s *Server) message(c *fiber.Ctx, err error) string {
	return errs.MessageOf(err)
}
