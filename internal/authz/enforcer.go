// Package authz decides who may do what in Vendredi: Casbin enforces the
// permission matrix of package policies (RBAC with domains: the platform, a
// tenant, an association), and roles come from memberships through a
// RoleSource, cached per domain and dropped when a role changes.
//
// Routes declare the object and action they need with Enforcer.Route (or
// RouteIn, or Public), and that declaration is the middleware that
// enforces it; CheckRoutes fails for a route that declares nothing, and
// authztest runs every route as every kind of user.
//
// Why not a Casbin adapter: the matrix is small and shared by every domain,
// so it is the only policy Casbin holds, loaded from the binary at start-up.
// Role assignments, the part that grows with tenants, stay in PostgreSQL
// and reach Casbin through RoleManager, per (user, domain), when a request
// needs them.
package authz

import (
	"context"
	"fmt"
	"slices"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/vendredi-app/vendredi/policies"
)

// Channel is the PostgreSQL notification channel of role changes. The
// payload is the domain whose roles changed, or "" for all of them; code
// that changes a membership calls postgres.Notify(ctx, tx, authz.Channel,
// domain) in the same transaction, and every server instance passes what
// postgres.Listen receives to Enforcer.OnNotify.
const Channel = "vendredi_authz"

// Options tune an Enforcer.
type Options struct {
	// MaxDomains bounds the role cache (DefaultMaxDomains when 0).
	MaxDomains int
	// Matrix is the policy to enforce; nil means the embedded one.
	Matrix *policies.Matrix
	// Gate, when set, is asked after the permission is granted, with the
	// route's object, action and path: what the company's plan and billing
	// allow (billing.Service.Gate), checked in this one place beside the
	// permissions. An error refuses the request.
	Gate func(ctx context.Context, obj, act, route string) error
}

// Enforcer answers whether a user may do an action on a kind of object in
// a domain. It is safe for concurrent use.
type Enforcer struct {
	casbin *casbin.Enforcer
	roles  *RoleManager
	matrix *policies.Matrix
	pairs  map[pair]bool // the (object, action) pairs some role holds
	gate   func(ctx context.Context, obj, act, route string) error
}

// New builds an Enforcer from the matrix alone: no role is loaded until a
// request needs it.
func New(src RoleSource, opt Options) (*Enforcer, error) {
	m := opt.Matrix
	if m == nil {
		var err error
		if m, err = policies.Load(); err != nil {
			return nil, err
		}
	}
	cm, err := model.NewModelFromString(m.Model)
	if err != nil {
		return nil, fmt.Errorf("authz: model of policies %s: %w", m.Version, err)
	}
	ce, err := casbin.NewEnforcer(cm)
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	rules := make([][]string, len(m.Rules))
	for i, r := range m.Rules {
		rules[i] = []string{r.Role, r.Obj, r.Act}
	}
	if _, err := ce.AddPolicies(rules); err != nil {
		return nil, fmt.Errorf("authz: load matrix %s: %w", m.Version, err)
	}
	e := &Enforcer{casbin: ce, roles: NewRoleManager(src, m, opt.MaxDomains), matrix: m, pairs: map[pair]bool{}, gate: opt.Gate}
	for _, r := range m.Rules {
		e.pairs[pair{r.Obj, r.Act}] = true
	}
	// The role manager serves Casbin's RBAC API (GetRolesForUserInDomain
	// and friends). BuildRoleLinks installs it in the model; there are no g
	// lines to add, so it only clears the (empty) cache.
	ce.SetRoleManager(e.roles)
	if err := ce.BuildRoleLinks(); err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	// The matcher calls holds() rather than g(): Casbin wraps g() in a memo
	// that lives as long as the compiled matcher (util.GenerateGFunction,
	// cached by Enforcer.getAndStoreMatcherExpression) and is only reset by
	// policy changes. Our roles change outside Casbin, so that memo would
	// keep a revoked role alive and grow with every (user, role, domain)
	// ever checked.
	ce.AddFunction("holds", e.holds)
	return e, nil
}

// held is a subject with its roles in one domain, resolved with the
// request's context before Casbin runs: Casbin's Enforce takes no context,
// so the matcher must not be where the database is asked.
type held struct {
	subject, domain string
	roles           []string
}

func (h *held) String() string { return h.subject }

// holds(sub, role, dom) is the matcher's g(): does sub hold role in dom.
func (e *Enforcer) holds(args ...any) (any, error) {
	if len(args) != 3 {
		return false, fmt.Errorf("authz: holds takes (subject, role, domain), got %d arguments", len(args))
	}
	role, _ := args[1].(string)
	dom, _ := args[2].(string)
	switch sub := args[0].(type) {
	case *held:
		return sub.domain == dom && slices.Contains(sub.roles, role), nil
	case string:
		// Someone called Casbin directly with a plain subject: ask the
		// role manager, without a deadline since Casbin has none to give.
		return e.roles.HasLink(sub, role, dom)
	default:
		return false, fmt.Errorf("authz: holds: subject of type %T", args[0])
	}
}

// Allowed reports whether subject may do act on obj in domain. An error
// means the roles could not be read (the source failed or ctx ended); the
// caller must deny.
func (e *Enforcer) Allowed(ctx context.Context, subject, domain, obj, act string) (bool, error) {
	if !e.pairs[pair{obj, act}] {
		// No role holds this pair, so Casbin would refuse; answering here
		// also keeps the decisions remembered below bounded by the matrix.
		return false, nil
	}
	rs, err := e.roles.lookup(ctx, subject, domain)
	if err != nil || rs == nil {
		return false, err
	}
	if allowed, known := rs.decision(obj, act); known {
		return allowed, nil
	}
	allowed, err := e.casbin.Enforce(&held{subject: subject, domain: domain, roles: rs.roles}, domain, obj, act)
	if err != nil {
		return false, fmt.Errorf("authz: %w", err)
	}
	rs.remember(obj, act, allowed)
	return allowed, nil
}

// Invalidate drops the cached roles of domain, after a membership change.
func (e *Enforcer) Invalidate(domain string) { e.roles.Invalidate(domain) }

// InvalidateAll drops every cached role.
func (e *Enforcer) InvalidateAll() { e.roles.InvalidateAll() }

// OnNotify handles a payload of Channel: a domain, or "" for all (which
// postgres.Listen also sends after it reconnects, since notifications may
// have been missed meanwhile).
func (e *Enforcer) OnNotify(payload string) {
	if payload == "" {
		e.InvalidateAll()
		return
	}
	e.Invalidate(payload)
}

// Roles returns the role manager: the cache and Casbin's view of roles.
func (e *Enforcer) Roles() *RoleManager { return e.roles }

// Matrix returns the enforced policy.
func (e *Enforcer) Matrix() *policies.Matrix { return e.matrix }

// Casbin returns the underlying Casbin enforcer, for its read-only RBAC
// API. Changing its policy or role links bypasses this package.
func (e *Enforcer) Casbin() *casbin.Enforcer { return e.casbin }
