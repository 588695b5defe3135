package httpapi

import "github.com/gofiber/fiber/v2"

// staffPages serve the platform staff's journey in the browser, on the
// base domain.
func (s *Server) staffPages(app fiber.Router) {}
