package httpapi

import "github.com/gofiber/fiber/v2"

// employeePages serve an employee's journey in the browser.
func (s *Server) employeePages(app fiber.Router) {}
