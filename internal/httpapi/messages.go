package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/web"
)

// message is err's message for the person reading the page, in the page's
// language: services word errors in English and web's catalogue translates
// them; unexpected errors become the generic sentence.
func (s *Server) message(c *fiber.Ctx, err error) string {
	return web.ErrorMessage(lang(c), err)
}
