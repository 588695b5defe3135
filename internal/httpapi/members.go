package httpapi

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/fold"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// memberRoutes serve a company's people for its HR admins: the list, a
// member's role, department and status.
func (s *Server) memberRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, update := enf.Route("members", "read"), enf.Route("members", "update")
	api.Get("/members", read, s.listMembers)
	app.Get("/admin/people", read, s.hrPeoplePage)
	api.Patch("/members/:id", update, s.changeMember)
	app.Post("/admin/members/:id", update, s.hrMemberSubmit)
}

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

func (s *Server) hrPeople(c *fiber.Ctx, extra map[string]any) error {
	ctx := c.UserContext()
	ms, err := s.deps.Identity.People(ctx)
	if err != nil {
		return err
	}
	inv, err := s.deps.Identity.Invitations(ctx)
	if err != nil {
		return err
	}
	if extra == nil {
		extra = map[string]any{}
	}
	extra["Invitations"] = inv
	s.pageOfMembers(c, ms, extra)
	if _, ok := extra["Errors"]; !ok {
		extra["Errors"] = map[string]string{}
	}
	if _, ok := extra["Form"]; !ok {
		extra["Form"] = map[string]string{"role": identity.RoleEmployee}
	}
	if t, ok := tenants.FromContext(ctx); ok {
		extra["Domains"] = strings.Join(t.EmailDomains, ", ")
	}
	extra["Invited"] = c.Query("invited")
	if key, ok := peopleDone[c.Query("done")]; ok {
		extra["Done"] = map[string]string{"Key": key, "Who": c.Query("who")}
	}
	extra["Me"] = uuid.Nil
	if p := principal(c); p != nil {
		extra["Me"] = p.ID
	}
	if _, ok := extra["RowID"]; !ok {
		extra["RowID"] = ""
	}
	return s.render(c, "hr/people", s.hrData(c, "hr.people.title", extra))
}

func (s *Server) hrPeoplePage(c *fiber.Ctx) error { return s.hrPeople(c, nil) }

// membersPage is how many members the people page lists at once.
const membersPage = 50

// pageOfMembers puts into extra the members matching ?q (name, address,
// department or site), a page at a time (?page), and the links around it.
// A member whose action failed is shown whatever the page, with its error.
func (s *Server) pageOfMembers(c *fiber.Ctx, ms []identity.Person, extra map[string]any) {
	q := strings.TrimSpace(c.Query("q"))
	if q != "" {
		key := fold.String(q)
		kept := ms[:0:0]
		for _, m := range ms {
			if strings.Contains(fold.String(m.FullName+" "+m.Email+" "+m.Department+" "+m.Site), key) {
				kept = append(kept, m)
			}
		}
		ms = kept
	}
	pages := max(1, (len(ms)+membersPage-1)/membersPage)
	page := min(max(1, c.QueryInt("page", 1)), pages)
	shown := ms[(page-1)*membersPage : min(page*membersPage, len(ms))]
	if row, _ := extra["RowID"].(string); row != "" && !slices.ContainsFunc(shown, func(m identity.Person) bool { return m.ID.String() == row }) {
		for _, m := range ms {
			if m.ID.String() == row {
				shown = append([]identity.Person{m}, shown...)
			}
		}
	}
	link := func(p int) string {
		return "/admin/people?" + url.Values{"q": {q}, "page": {strconv.Itoa(p)}}.Encode() + "#members-h"
	}
	extra["Members"], extra["MemberCount"], extra["Query"] = shown, len(ms), q
	if page > 1 {
		extra["PrevPage"] = template.URL(link(page - 1))
	}
	if page < pages {
		extra["NextPage"] = template.URL(link(page + 1))
	}
	extra["PageOf"] = map[string]int{"Page": page, "Pages": pages}
}

// peopleDone are the people page's confirmations after an action, by the
// ?done= the action redirects with.
var peopleDone = map[string]string{
	"resent": "hr.done.resent", "revoked": "hr.done.revoked", "hr_admin": "hr.done.hr_admin",
	"employee": "hr.done.employee", "disabled": "hr.done.disabled", "active": "hr.done.active",
	"erased": "hr.privacy.erased",
}

// peopleFailure shows an action's refusal next to the row it concerns;
// the rest goes to the error page (see formShows).
func (s *Server) peopleFailure(c *fiber.Ctx, err error, row uuid.UUID, key string) error {
	msg, err := s.formMessage(c, err)
	if err != nil {
		return err
	}
	extra := map[string]any{"RowID": row.String(), "RowError": msg}
	if key != "" {
		extra["RowErrorKey"] = key
	}
	return s.hrPeople(c, extra)
}

// hrMemberSubmit changes a member's role or status (one per button). The
// database refuses to leave the company without an active HR admin; that
// refusal is worded on the member's row.
func (s *Server) hrMemberSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	pr := principal(c)
	ch := identity.MemberChange{Role: utils.CopyString(c.FormValue("role")), Status: utils.CopyString(c.FormValue("status"))}
	p, err := s.deps.Identity.ChangeMember(c.UserContext(), pr, id, ch, client(c))
	if err != nil {
		key := ""
		if errs.CodeOf(err) == errs.Conflict {
			key = "hr.members.keep_admin"
		}
		return s.peopleFailure(c, err, id, key)
	}
	s.deps.Authz.Invalidate(authz.TenantDomain(pr.TenantID))
	if p.ID == pr.ID && p.Role != identity.RoleHRAdmin {
		// They handed over the HR pages: those are no longer theirs.
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	done := ch.Role
	if ch.Status != "" {
		done = ch.Status
	}
	return c.Redirect("/admin/people?done="+url.QueryEscape(done)+"&who="+url.QueryEscape(p.Email)+"#members-h", fiber.StatusSeeOther)
}

var memberStatuses = map[string]bool{identity.StatusActive: true, identity.StatusInvited: true,
	identity.StatusDisabled: true, identity.StatusPendingVerification: true}
