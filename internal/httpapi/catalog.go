package httpapi

import "github.com/gofiber/fiber/v2"

// catalogRoutes serves associations' profiles and review, and missions'
// lifecycle.
func (s *Server) catalogRoutes(api fiber.Router) {}
