package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/scim"
)

// SCIM is what the SCIM routes need: the service and the attributes its
// store filters on.
type SCIM struct {
	Service      *scim.Service
	UserFilters  map[string]bool
	GroupFilters map[string]bool
}

const scimContentType = "application/scim+json"

// scimRoutes serve SCIM 2.0 (RFC 7644) at /scim/v2 on a company's host,
// for an API token with the scim scope (the scim_client role): Users,
// Groups (departments) and the discovery documents. Errors answer in
// SCIM's own format, not problem+json.
func (s *Server) scimRoutes(app, _ fiber.Router) {
	if s.deps.SCIM == nil {
		return
	}
	enf := s.deps.Authz
	read, create, update, del := enf.Route("scim", "read"), enf.Route("scim", "create"), enf.Route("scim", "update"), enf.Route("scim", "delete")
	app.Use("/scim/v2", s.scimErrors)
	g := app.Group("/scim/v2")
	g.Get("/ServiceProviderConfig", read, s.scimConfig)
	g.Get("/ResourceTypes", read, s.scimResourceTypes)
	g.Get("/ResourceTypes/:name", read, s.scimResourceTypes)
	g.Get("/Schemas", read, s.scimSchemas)
	g.Get("/Schemas/:id", read, s.scimSchemas)

	g.Get("/Users", read, s.scimListUsers)
	g.Post("/Users", create, s.scimCreateUser)
	g.Get("/Users/:id", read, s.scimGetUser)
	g.Put("/Users/:id", update, s.scimReplaceUser)
	g.Patch("/Users/:id", update, s.scimPatchUser)
	g.Delete("/Users/:id", del, s.scimDeleteUser)

	g.Get("/Groups", read, s.scimListGroups)
	g.Post("/Groups", create, s.scimCreateGroup)
	g.Get("/Groups/:id", read, s.scimGetGroup)
	g.Put("/Groups/:id", update, s.scimReplaceGroup)
	g.Patch("/Groups/:id", update, s.scimPatchGroup)
	g.Delete("/Groups/:id", del, s.scimDeleteGroup)
}

// scimErrors turns every error under /scim/v2 into SCIM's error body with
// the status the rest of the API would give (412 for a stale If-Match).
func (s *Server) scimErrors(c *fiber.Ctx) error {
	err := c.Next()
	if err == nil {
		return nil
	}
	status := http.StatusInternalServerError
	var fe *fiber.Error
	var e *errs.Error
	switch {
	case errors.Is(err, scim.ErrVersion):
		status = http.StatusPreconditionFailed
	case errors.As(err, &e) && e.Code != errs.Internal:
		if st, ok := statusOf[e.Code]; ok {
			status = st
		}
	case errors.As(err, &fe):
		status = fe.Code
		err = errs.E(codeOfStatus(fe.Code), "%s", http.StatusText(fe.Code))
	default:
		s.log.ErrorContext(c.UserContext(), "SCIM request failed", slog.Any("err", err), "method", c.Method(), "path", c.Path())
	}
	if status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="scim"`)
	}
	c.Set(fiber.HeaderContentType, scimContentType)
	return c.Status(status).JSON(scim.NewError(status, err), scimContentType)
}

func (s *Server) scimBase(c *fiber.Ctx) string {
	return s.cfg.Links.For(c.UserContext()) + "/scim/v2"
}

func (s *Server) scimEvent(c *fiber.Ctx) scim.Event {
	pr := principal(c)
	return scim.Event{ActorID: pr.ID, ActorLabel: pr.Label(), IP: client(c).IP}
}

func scimID(c *fiber.Ctx) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return uuid.Nil, errs.E(errs.NotFound, "no resource %s", c.Params("id"))
	}
	return id, nil
}

// scimQuery reads filter, startIndex and count (RFC 7644 §3.4.2).
func scimQuery(c *fiber.Ctx, allowed map[string]bool) (scim.Query, error) {
	q := scim.Query{StartIndex: 1, Count: scim.DefaultCount}
	var err error
	if q.Filter, err = scim.ParseFilter(c.Query("filter"), allowed); err != nil {
		return q, err
	}
	if v := c.Query("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return q, scim.Invalid("invalidValue", "startIndex must be a number")
		}
		q.StartIndex = max(n, 1) // below 1 is taken as 1 (§3.4.2.4)
	}
	if v := c.Query("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return q, scim.Invalid("invalidValue", "count must be a number")
		}
		q.Count = min(max(n, 0), scim.MaxCount)
	}
	return q, nil
}

func scimJSON(c *fiber.Ctx, status int, version string, body any) error {
	if version != "" {
		c.Set(fiber.HeaderETag, version)
	}
	return c.Status(status).JSON(body, scimContentType)
}

// notModified answers 304 to an If-None-Match naming the current version.
func notModified(c *fiber.Ctx, version string) bool {
	for _, v := range strings.Split(c.Get(fiber.HeaderIfNoneMatch), ",") {
		if strings.TrimSpace(v) == version {
			return true
		}
	}
	return false
}

func (s *Server) scimListUsers(c *fiber.Ctx) error {
	q, err := scimQuery(c, s.deps.SCIM.UserFilters)
	if err != nil {
		return err
	}
	users, total, err := s.deps.SCIM.Service.Users(c.UserContext(), q)
	if err != nil {
		return err
	}
	base := s.scimBase(c)
	res := make([]any, len(users))
	for i := range users {
		res[i] = users[i].Resource(base)
	}
	return scimJSON(c, http.StatusOK, "", scim.ListResponse{Schemas: []string{scim.SchemaList}, TotalResults: total,
		StartIndex: q.StartIndex, ItemsPerPage: len(res), Resources: res})
}

func (s *Server) scimGetUser(c *fiber.Ctx) error {
	id, err := scimID(c)
	if err != nil {
		return err
	}
	u, err := s.deps.SCIM.Service.User(c.UserContext(), id)
	if err != nil {
		return err
	}
	if notModified(c, u.Version()) {
		c.Set(fiber.HeaderETag, u.Version())
		return c.SendStatus(http.StatusNotModified)
	}
	return scimJSON(c, http.StatusOK, u.Version(), u.Resource(s.scimBase(c)))
}

func (s *Server) scimCreateUser(c *fiber.Ctx) error {
	in, err := scim.DecodeUser(c.Body())
	if err != nil {
		return err
	}
	u, err := s.deps.SCIM.Service.CreateUser(c.UserContext(), in, s.scimEvent(c))
	if err != nil {
		return err
	}
	res := u.Resource(s.scimBase(c))
	c.Set(fiber.HeaderLocation, s.scimBase(c)+"/Users/"+u.ID.String())
	return scimJSON(c, http.StatusCreated, u.Version(), res)
}

func (s *Server) scimReplaceUser(c *fiber.Ctx) error {
	id, err := scimID(c)
	if err != nil {
		return err
	}
	in, err := scim.DecodeUser(c.Body())
	if err != nil {
		return err
	}
	u, err := s.deps.SCIM.Service.ReplaceUser(c.UserContext(), id, c.Get(fiber.HeaderIfMatch), in, s.scimEvent(c))
	if err != nil {
		return err
	}
	return scimJSON(c, http.StatusOK, u.Version(), u.Resource(s.scimBase(c)))
}

func (s *Server) scimPatchUser(c *fiber.Ctx) error {
	id, err := scimID(c)
	if err != nil {
		return err
	}
	ops, err := scim.DecodePatch(c.Body())
	if err != nil {
		return err
	}
	u, err := s.deps.SCIM.Service.PatchUser(c.UserContext(), id, c.Get(fiber.HeaderIfMatch), ops, s.scimEvent(c))
	if err != nil {
		return err
	}
	return scimJSON(c, http.StatusOK, u.Version(), u.Resource(s.scimBase(c)))
}

func (s *Server) scimDeleteUser(c *fiber.Ctx) error {
	id, err := scimID(c)
	if err != nil {
		return err
	}
	if err := s.deps.SCIM.Service.DeleteUser(c.UserContext(), id, c.Get(fiber.HeaderIfMatch), s.scimEvent(c)); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// withMembers is false when the client asked to leave members out
// (Entra ID does, on its membership checks).
func withMembers(c *fiber.Ctx) bool {
	for _, a := range strings.Split(c.Query("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(a), "members") {
			return false
		}
	}
	return true
}

func (s *Server) scimListGroups(c *fiber.Ctx) error {
	q, err := scimQuery(c, s.deps.SCIM.GroupFilters)
	if err != nil {
		return err
	}
	groups, total, err := s.deps.SCIM.Service.Groups(c.UserContext(), q)
	if err != nil {
		return err
	}
	base, members := s.scimBase(c), withMembers(c)
	res := make([]any, len(groups))
	for i := range groups {
		res[i] = groups[i].Resource(base, members)
	}
	return scimJSON(c, http.StatusOK, "", scim.ListResponse{Schemas: []string{scim.SchemaList}, TotalResults: total,
		StartIndex: q.StartIndex, ItemsPerPage: len(res), Resources: res})
}

func (s *Server) scimGetGroup(c *fiber.Ctx) error {
	id, err := scimID(c)
	if err != nil {
		return err
	}
	g, err := s.deps.SCIM.Service.Group(c.UserContext(), id)
	if err != nil {
		return err
	}
	if notModified(c, g.Version()) {
		c.Set(fiber.HeaderETag, g.Version())
		return c.SendStatus(http.StatusNotModified)
	}
	return scimJSON(c, http.StatusOK, g.Version(), g.Resource(s.scimBase(c), withMembers(c)))
}

func (s *Server) scimCreateGroup(c *fiber.Ctx) error {
	in, err := scim.DecodeGroup(c.Body())
	if err != nil {
		return err
	}
	g, err := s.deps.SCIM.Service.CreateGroup(c.UserContext(), in, s.scimEvent(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, s.scimBase(c)+"/Groups/"+g.ID.String())
	return scimJSON(c, http.StatusCreated, g.Version(), g.Resource(s.scimBase(c), true))
}

func (s *Server) scimReplaceGroup(c *fiber.Ctx) error {
	id, err := scimID(c)
	if err != nil {
		return err
	}
	in, err := scim.DecodeGroup(c.Body())
	if err != nil {
		return err
	}
	g, err := s.deps.SCIM.Service.ReplaceGroup(c.UserContext(), id, c.Get(fiber.HeaderIfMatch), in, s.scimEvent(c))
	if err != nil {
		return err
	}
	return scimJSON(c, http.StatusOK, g.Version(), g.Resource(s.scimBase(c), true))
}

func (s *Server) scimPatchGroup(c *fiber.Ctx) error {
	id, err := scimID(c)
	if err != nil {
		return err
	}
	ops, err := scim.DecodePatch(c.Body())
	if err != nil {
		return err
	}
	g, err := s.deps.SCIM.Service.PatchGroup(c.UserContext(), id, c.Get(fiber.HeaderIfMatch), ops, s.scimEvent(c))
	if err != nil {
		return err
	}
	// Entra ID and Okta accept 204 to a group PATCH; the resource is
	// more useful, and cheap here.
	return scimJSON(c, http.StatusOK, g.Version(), g.Resource(s.scimBase(c), withMembers(c)))
}

func (s *Server) scimDeleteGroup(c *fiber.Ctx) error {
	id, err := scimID(c)
	if err != nil {
		return err
	}
	if err := s.deps.SCIM.Service.DeleteGroup(c.UserContext(), id, c.Get(fiber.HeaderIfMatch), s.scimEvent(c)); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) scimConfig(c *fiber.Ctx) error {
	return scimJSON(c, http.StatusOK, "", scim.ServiceProviderConfig(s.cfg.Links.Platform()+"/docs/scim", s.scimBase(c)))
}

func (s *Server) scimResourceTypes(c *fiber.Ctx) error {
	all := scim.ResourceTypes(s.scimBase(c))
	if name := c.Params("name"); name != "" {
		for _, r := range all {
			if strings.EqualFold(r.Name, name) {
				return scimJSON(c, http.StatusOK, "", r)
			}
		}
		return errs.E(errs.NotFound, "no resource type %s", name)
	}
	res := make([]any, len(all))
	for i := range all {
		res[i] = all[i]
	}
	return scimJSON(c, http.StatusOK, "", scim.ListResponse{Schemas: []string{scim.SchemaList}, TotalResults: len(res),
		StartIndex: 1, ItemsPerPage: len(res), Resources: res})
}

func (s *Server) scimSchemas(c *fiber.Ctx) error {
	all := scim.Schemas(s.scimBase(c))
	if id := c.Params("id"); id != "" {
		for _, sc := range all {
			if sc.ID == id {
				return scimJSON(c, http.StatusOK, "", sc)
			}
		}
		return errs.E(errs.NotFound, "no schema %s", id)
	}
	res := make([]any, len(all))
	for i := range all {
		res[i] = all[i]
	}
	return scimJSON(c, http.StatusOK, "", scim.ListResponse{Schemas: []string{scim.SchemaList}, TotalResults: len(res),
		StartIndex: 1, ItemsPerPage: len(res), Resources: res})
}
