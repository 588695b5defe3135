package httpapi

import (
	_ "time/tzdata" // the log's times are in Europe/Paris whatever the host's zoneinfo

	"cmp"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
	"github.com/vendredi-app/vendredi/web"
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

// auditLine is an event as the log page shows it: one sentence that says
// who did what to which object, named, and the details a reader can use.
type auditLine struct {
	identity.Event
	When     string
	Sentence string
	Details  []auditDetail
}

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
	identity.ActionBranding: true, campaign.ActionCampaignCreated: true, campaign.ActionCampaignLaunched: true,
	campaign.ActionCampaignSettings: true, campaign.ActionCampaignStatus: true, campaign.ActionAllocationRun: true,
}

// auditDetailNames are the details the page has words for; the others
// (ids, dates for machines) stay in the API's answer.
var auditDetailNames = map[string]bool{"role": true, "role_from": true, "role_to": true, "status_from": true,
	"status_to": true, "resent": true, "prefix": true, "invited": true}

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
		if !auditDetailNames[k] {
			continue
		}
		ad := auditDetail{NameKey: "hr.audit.detail." + k, Value: v}
		switch {
		case k == "resent":
			ad.Value = ""
		case strings.HasPrefix(k, "role") && (v == identity.RoleEmployee || v == identity.RoleHRAdmin):
			ad.ValueKey = "hr.role." + v
		case strings.HasPrefix(k, "status") && memberStatuses[v]:
			ad.ValueKey = "hr.members.status_" + v
		case strings.HasPrefix(k, "status") && slices.Contains([]string{campaign.Draft, campaign.Scheduled, campaign.Active, campaign.Closed, campaign.Archived}, v):
			ad.ValueKey = "hr.status." + v
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
	names := auditNames{s: s, c: c, say: web.Phrases(lang(c)), people: map[uuid.UUID]string{}, campaigns: map[uuid.UUID]string{}}
	lines := make([]auditLine, len(evs))
	for i, e := range evs {
		lines[i] = auditLine{Event: e, When: web.DateTime(lang(c), e.At.In(paris)), Details: auditDetails(e.Detail),
			Sentence: names.sentence(e)}
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

// auditNames words the events of one page of the log, naming people and
// campaigns by their names, each looked up once.
type auditNames struct {
	s         *Server
	c         *fiber.Ctx
	say       func(id string, data ...any) string
	people    map[uuid.UUID]string
	campaigns map[uuid.UUID]string
}

// sentence is e as one sentence of the page's language.
func (n auditNames) sentence(e identity.Event) string {
	data := map[string]string{"Who": n.who(e), "Object": n.object(e)}
	key := "hr.audit.says." + e.Action
	if out := n.say(key, data); out != key {
		return out
	}
	return n.say("hr.audit.says.other", data)
}

func (n auditNames) who(e identity.Event) string {
	switch {
	case e.ActorKind == "system" && e.ActorLabel == "":
		return n.say("hr.audit.automatic")
	case e.ActorKind == identity.KindMember && e.ActorID != nil:
		if name := n.person(*e.ActorID); name != "" {
			return name
		}
	case e.ActorKind == identity.KindAPIToken:
		return e.ActorLabel + " (" + n.say("hr.audit.token") + ")"
	}
	return e.ActorLabel
}

// person is the full name of a member of the company, "" when there is
// no such member (any more).
func (n auditNames) person(id uuid.UUID) string {
	name, ok := n.people[id]
	if !ok {
		if p, err := n.s.deps.Identity.Person(n.c.UserContext(), id); err == nil {
			name = cmp.Or(p.FullName, p.Email)
		}
		n.people[id] = name
	}
	return name
}

// object names what the event is about: a person, a campaign, a token,
// the company; an id is never shown.
func (n auditNames) object(e identity.Event) string {
	kind, ref, _ := strings.Cut(e.Object, ":")
	id, isID := uuid.Parse(ref)
	switch {
	case kind == "campaign":
		if name := e.Detail["name"]; name != "" {
			return name
		}
		if isID != nil {
			return ref
		}
		name, ok := n.campaigns[id]
		if !ok {
			name = n.say("hr.audit.removed")
			if c, err := n.s.deps.Campaigns.Get(n.c.UserContext(), campaign.Viewer{HRAdmin: true}, id); err == nil {
				name = c.Name
			}
			n.campaigns[id] = name
		}
		return name
	case kind == "tenant":
		if t, ok := tenants.FromContext(n.c.UserContext()); ok && t.Slug == ref {
			return t.Name
		}
	case isID == nil:
		// A member named by id (the personal data's events).
		return cmp.Or(n.person(id), n.say("hr.audit.removed"))
	}
	return ref
}
