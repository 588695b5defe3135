package httpapi

import "github.com/gofiber/fiber/v2"

// discoveryRoutes serves the search of missions and the import of missions.
// (Filled by the discovery work.)
func (s *Server) discoveryRoutes(api fiber.Router) {}
