package httpapi

import (
	_ "time/tzdata" // the log's times are in Europe/Paris whatever the host's zoneinfo

	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// auditRoutes serve a company's audit log to its HR admins.
func (s *Server) auditRoutes(app, api fiber.Router) {
	read := s.deps.Authz.Route("audit", "read")
	api.Get("/audit", read, s.audit)
	app.Get("/admin/audit", read, s.hrAuditPage)
}

// auditPage is how many events one page of the log shows.
const auditPage = 50

// paris is the zone the log's times are shown in: the product is French.
var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.UTC
}()

// auditLine is an event as the log page shows it.
type auditLine struct {
	identity.Event
	When      string
	ActionKey string // empty for an action the page has no words for
	Details   []auditDetail
	// The object's kind in words (when the page has them) and its name.
	ObjectKey, ObjectName string
}

// auditObjects are the kinds of object the log names, as "kind:name".
var auditObjects = map[string]bool{"member": true, "person": true, "api_token": true, "tenant": true, "association": true}

// auditDetail is one detail of an event: its name and value, each a
// message of the page when it has one.
type auditDetail struct {
	NameKey, Name, ValueKey, Value string
}

var auditActions = map[string]bool{
	identity.ActionSignIn: true, identity.ActionSignInFailed: true, identity.ActionSignOut: true, identity.ActionSignOutAll: true,
	identity.ActionPasswordReset: true, identity.ActionInvite: true, identity.ActionInviteRevoked: true,
	identity.ActionInviteAccepted: true, identity.ActionSignUp: true, identity.ActionRoleChanged: true,
	identity.ActionTokenCreated: true, identity.ActionTokenRevoked: true, identity.ActionExport: true,
	identity.ActionBranding: true,
}

var auditDetailNames = map[string]bool{"role": true, "role_from": true, "role_to": true, "status_from": true,
	"status_to": true, "resent": true, "prefix": true}

func auditDetails(d map[string]string) []auditDetail {
	names := make([]string, 0, len(d))
	for k := range d {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []auditDetail
	for _, k := range names {
		v := d[k]
		// A change shows what changed: a role or status kept is noise.
		if from, to, ok := strings.Cut(k, "_"); ok && (to == "from" || to == "to") && d[from+"_from"] == d[from+"_to"] {
			continue
		}
		ad := auditDetail{Name: k, Value: v}
		if auditDetailNames[k] {
			ad.NameKey = "hr.audit.detail." + k
		}
		switch {
		case k == "resent":
			ad.Value = ""
		case strings.HasPrefix(k, "role") && (v == identity.RoleEmployee || v == identity.RoleHRAdmin):
			ad.ValueKey = "hr.role." + v
		case strings.HasPrefix(k, "status") && memberStatuses[v]:
			ad.ValueKey = "hr.members.status_" + v
		}
		out = append(out, ad)
	}
	return out
}

// hrAuditPage shows the company's audit log, newest first, a page at a
// time, of one kind of event if chosen: "older" carries the last event's
// time and id.
func (s *Server) hrAuditPage(c *fiber.Ctx) error {
	q, err := auditQuery(c, auditPage+1)
	if err != nil {
		return err
	}
	evs, err := s.deps.Identity.Audit(c.UserContext(), q)
	if err != nil {
		return err
	}
	var older template.URL // built here from a time, an id and a known filter
	if len(evs) > auditPage {
		evs = evs[:auditPage]
		last := evs[auditPage-1]
		older = template.URL("/admin/audit?" + url.Values{"before": {last.At.UTC().Format(time.RFC3339Nano)},
			"before_id": {last.ID.String()}, "action": {q.Action}}.Encode())
	}
	lines := make([]auditLine, len(evs))
	for i, e := range evs {
		lines[i] = auditLine{Event: e, When: e.At.In(paris).Format("02/01/2006 15:04:05"), Details: auditDetails(e.Detail)}
		if auditActions[e.Action] {
			lines[i].ActionKey = "hr.audit.action." + e.Action
		}
		lines[i].ObjectName = e.Object
		if kind, name, ok := strings.Cut(e.Object, ":"); ok && auditObjects[kind] {
			lines[i].ObjectKey, lines[i].ObjectName = "hr.audit.kind."+kind, name
		}
	}
	actions := make([]string, 0, len(auditActions))
	for a := range auditActions {
		actions = append(actions, a)
	}
	slices.Sort(actions)
	return s.render(c, "hr/audit", s.hrData(c, "hr.audit.title", map[string]any{
		"Events": lines, "Older": older, "Paged": !q.Before.IsZero(), "Action": q.Action, "Actions": actions,
	}))
}

// auditQuery reads which page of the audit log is asked for: the events
// before ?before (and ?before_id, the last event of the previous page), of
// one ?action if given.
func auditQuery(c *fiber.Ctx, limit int) (identity.AuditQuery, error) {
	q := identity.AuditQuery{Limit: limit, Action: utils.CopyString(c.Query("action"))}
	if b := c.Query("before"); b != "" {
		t, err := time.Parse(time.RFC3339Nano, b)
		if err != nil {
			return q, errs.Field("before", "before must be an RFC 3339 time, such as 2026-03-23T12:00:00Z")
		}
		q.Before = t
	}
	if id := c.Query("before_id"); id != "" {
		u, err := uuid.Parse(id)
		if err != nil || q.Before.IsZero() {
			return q, errs.Field("before_id", "before_id must be the id of an event, given with before")
		}
		q.BeforeID = u
	}
	if len(q.Action) > 64 {
		return q, errs.Field("action", "action is the name of an event, such as sign_in")
	}
	return q, nil
}

func (s *Server) audit(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 500 {
		return errs.Field("limit", "limit must be between 1 and 500")
	}
	q, err := auditQuery(c, limit)
	if err != nil {
		return err
	}
	evs, err := s.deps.Identity.Audit(c.UserContext(), q)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []identity.Event{}
	}
	return c.JSON(fiber.Map{"events": evs})
}
