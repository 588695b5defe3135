package httpapi

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/identity"
)

type memberJSON struct {
	ID         uuid.UUID `json:"id"`
	Email      string    `json:"email"`
	FullName   string    `json:"full_name"`
	Role       string    `json:"role"`
	Department string    `json:"department"`
	Site       string    `json:"site"`
	Status     string    `json:"status"`
}

func memberView(p *identity.Person) memberJSON {
	return memberJSON{ID: p.ID, Email: p.Email, FullName: p.FullName, Role: p.Role, Department: p.Department, Site: p.Site, Status: p.Status}
}

func (s *Server) listMembers(c *fiber.Ctx) error {
	ms, err := s.deps.Identity.People(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]memberJSON, len(ms))
	for i := range ms {
		out[i] = memberView(&ms[i])
	}
	return c.JSON(fiber.Map{"members": out})
}

func (s *Server) changeMember(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Role       string `json:"role" form:"role"`
		Status     string `json:"status" form:"status"`
		Department string `json:"department" form:"department"`
		Site       string `json:"site" form:"site"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Identity.ChangeMember(c.UserContext(), principal(c), id, identity.MemberChange{
		Role: in.Role, Status: in.Status, Department: in.Department, Site: in.Site}, client(c))
	if err != nil {
		return err
	}
	// Other instances hear of it through PostgreSQL; this one need not wait.
	if pr := principal(c); pr != nil {
		s.deps.Authz.Invalidate(authz.TenantDomain(pr.TenantID))
	}
	return c.JSON(memberView(p))
}
