package httpapi

import "github.com/gofiber/fiber/v2"

// associationPages serve an association manager's journey in the browser,
// on the base domain.
func (s *Server) associationPages(app fiber.Router) {}
