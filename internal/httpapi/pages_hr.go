package httpapi

import "github.com/gofiber/fiber/v2"

// hrPages serve an HR admin's journey in the browser.
func (s *Server) hrPages(app fiber.Router) {}
