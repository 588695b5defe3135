package authz

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2/log"
	"github.com/casbin/casbin/v2/rbac"

	"github.com/vendredi-app/vendredi/policies"
)

// RoleSource tells which roles a user holds in a domain. The production
// source reads memberships in PostgreSQL (tenant domains through a
// TenantTx, since members are bound by row-level security); tests use
// authztest.Roles.
type RoleSource interface {
	// Roles returns the roles subject holds in domain: none is an empty
	// result, not an error. Errors are failures to answer (database down).
	Roles(ctx context.Context, subject, domain string) ([]string, error)
}

// ErrReadOnly is returned by the RoleManager's writing methods: role
// assignments are memberships in PostgreSQL, changed there and announced
// with a notification, never through Casbin.
var ErrReadOnly = errors.New("authz: role assignments live in PostgreSQL; change the membership and notify authz.Channel")

// errNotEnumerable answers the questions a per-subject cache cannot: who
// holds a role, which domains a user is in. The memberships store can.
var errNotEnumerable = errors.New("authz: the role cache is keyed by user and domain; ask the memberships store")

// DefaultMaxDomains bounds the role cache when Options.MaxDomains is 0.
// At 100 members per domain a domain costs about 10 kB (docs/authz.md).
const DefaultMaxDomains = 4096

// RoleManager is Casbin's g() relation — (user, role, domain) — read from a
// RoleSource on demand and cached per domain in a bounded LRU of domains.
//
// Nothing is loaded up front: the first check of a user in a domain asks
// the source, later ones read the cache until Invalidate(domain) or
// InvalidateAll. Roles a source returns outside their scope (staff on a
// tenant) are dropped, and inherited roles (roles.csv) are added, once, at
// load time, so the hot path is two map look-ups.
//
// It implements rbac.ContextRoleManager so that Casbin's RBAC API works on
// it; its writing methods fail with ErrReadOnly.
type RoleManager struct {
	src    RoleSource
	max    int
	scope  map[string]string   // role -> scope
	parent map[string]string   // role -> inherited role
	sets   map[string]*roleSet // interned: few distinct sets, shared by every entry

	mu      sync.Mutex
	lru     *list.List // of *domainRoles, most recent first
	domains map[string]*list.Element
	// epoch changes with every invalidation: a load that started before one
	// may carry roles read before the change, so it is served to its own
	// caller but not cached. It changes under mu and is compared under mu;
	// atomic so that Epoch, taken on every request with a session, does
	// not take mu.
	epoch  atomic.Uint64
	flight map[flightKey]*flight
}

type domainRoles struct {
	domain   string
	subjects map[string]*roleSet // nil: no role here
}

// roleSet is a sorted set of roles, interned: every employee of every
// company shares one. Casbin's answer for a set, an object and an action
// never changes (the matrix has no domain and is fixed for the life of the
// process), so the set remembers it: Casbin runs once per (set, object,
// action), not once per request.
type roleSet struct {
	roles []string
	mu    sync.Mutex
	// decided is copied on write: reads take no lock, writes are bounded
	// by the matrix's (object, action) pairs.
	decided atomic.Pointer[map[pair]bool]
}

type pair struct{ obj, act string }

func (rs *roleSet) decision(obj, act string) (allowed, known bool) {
	if m := rs.decided.Load(); m != nil {
		allowed, known = (*m)[pair{obj, act}]
	}
	return allowed, known
}

func (rs *roleSet) remember(obj, act string, allowed bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	old := rs.decided.Load()
	next := make(map[pair]bool, 1+lenOf(old))
	if old != nil {
		maps.Copy(next, *old)
	}
	next[pair{strings.Clone(obj), strings.Clone(act)}] = allowed
	rs.decided.Store(&next)
}

func lenOf(m *map[pair]bool) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

type flightKey struct{ subject, domain string }

// flight is a load in progress; callers of the same (subject, domain)
// wait for it instead of asking the source again, as a page firing five
// API calls at once would.
type flight struct {
	done    chan struct{}
	set     *roleSet
	err     error
	waiters atomic.Int32 // for tests and debugging: callers sharing it
}

// NewRoleManager returns an empty cache on src for the roles of m. max
// bounds the number of domains kept (DefaultMaxDomains when 0).
func NewRoleManager(src RoleSource, m *policies.Matrix, max int) *RoleManager {
	if max <= 0 {
		max = DefaultMaxDomains
	}
	rm := &RoleManager{
		src: src, max: max,
		scope: map[string]string{}, parent: map[string]string{}, sets: map[string]*roleSet{},
		lru: list.New(), domains: map[string]*list.Element{}, flight: map[flightKey]*flight{},
	}
	for _, r := range m.Roles {
		rm.scope[r.Name] = r.Scope
		if r.Inherits != "" {
			rm.parent[r.Name] = r.Inherits
		}
	}
	return rm
}

// RolesIn returns the roles subject holds in domain, inherited ones
// included, from the cache or else the source. The result is shared: do
// not modify it.
func (rm *RoleManager) RolesIn(ctx context.Context, subject, domain string) ([]string, error) {
	rs, err := rm.lookup(ctx, subject, domain)
	if rs == nil {
		return nil, err
	}
	return rs.roles, err
}

// lookup returns the role set of subject in domain (nil for none).
func (rm *RoleManager) lookup(ctx context.Context, subject, domain string) (*roleSet, error) {
	for {
		rm.mu.Lock()
		if el, ok := rm.domains[domain]; ok {
			if rs, ok := el.Value.(*domainRoles).subjects[subject]; ok {
				rm.lru.MoveToFront(el)
				rm.mu.Unlock()
				return rs, nil
			}
		}
		k := flightKey{subject, domain}
		if f, ok := rm.flight[k]; ok {
			f.waiters.Add(1)
			rm.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// The leader's request may have been cancelled; that is no
			// answer for this one, which tries again.
			if f.err != nil && ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
				continue
			}
			return f.set, f.err
		}
		f := &flight{done: make(chan struct{})}
		rm.flight[k] = f
		epoch := rm.epoch.Load()
		rm.mu.Unlock()

		f.set, f.err = rm.load(ctx, subject, domain)

		rm.mu.Lock()
		delete(rm.flight, k)
		if f.err == nil && rm.epoch.Load() == epoch && ScopeOf(domain) != "" {
			rm.store(strings.Clone(subject), strings.Clone(domain), f.set)
		}
		rm.mu.Unlock()
		close(f.done)
		return f.set, f.err
	}
}

// load asks the source and keeps the roles valid in domain's scope, with
// the roles they inherit, as an interned sorted set.
func (rm *RoleManager) load(ctx context.Context, subject, domain string) (*roleSet, error) {
	if ScopeOf(domain) == "" || subject == "" {
		// Not a domain anyone can hold a role in: nothing to ask.
		return nil, nil
	}
	held, err := rm.src.Roles(ctx, subject, domain)
	if err != nil {
		return nil, fmt.Errorf("authz: roles of %s in %s: %w", subject, domain, err)
	}
	return rm.setOf(domain, held), nil
}

// setOf is the interned set of the roles of held valid in domain's scope,
// with the roles they inherit; nil for none.
func (rm *RoleManager) setOf(domain string, held []string) *roleSet {
	scope := ScopeOf(domain)
	var set []string
	for _, r := range held {
		if rm.scope[r] != scope {
			continue
		}
		set = append(set, r)
		if p := rm.parent[r]; p != "" {
			set = append(set, p)
		}
	}
	slices.Sort(set)
	set = slices.Compact(set)
	if len(set) == 0 {
		return nil
	}
	key := strings.Join(set, ",")
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rs, ok := rm.sets[key]
	if !ok {
		rs = &roleSet{roles: set}
		rm.sets[key] = rs
	}
	return rs
}

// Epoch identifies the roles' state of knowledge: it changes with every
// invalidation. Take it before reading roles from elsewhere than the
// source (Prime).
func (rm *RoleManager) Epoch() uint64 { return rm.epoch.Load() }

// Prime caches the roles subject holds in domain, read by the caller from
// the memberships as the source would answer them (held), so that the
// first check after a sign-in or a session read asks the source nothing.
// epoch is Epoch() taken before that read: if an invalidation came since,
// the read may predate the change it announced, and nothing is cached, as
// for a load (lookup).
func (rm *RoleManager) Prime(epoch uint64, subject, domain string, held []string) {
	if ScopeOf(domain) == "" || subject == "" {
		return
	}
	rs := rm.setOf(domain, held)
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if rm.epoch.Load() == epoch {
		rm.store(strings.Clone(subject), strings.Clone(domain), rs)
	}
}

// store records roles; the caller holds mu.
func (rm *RoleManager) store(subject, domain string, rs *roleSet) {
	if el, ok := rm.domains[domain]; ok {
		el.Value.(*domainRoles).subjects[subject] = rs
		rm.lru.MoveToFront(el)
		return
	}
	for rm.lru.Len() >= rm.max {
		old := rm.lru.Remove(rm.lru.Back()).(*domainRoles)
		delete(rm.domains, old.domain)
	}
	d := &domainRoles{domain: domain, subjects: map[string]*roleSet{subject: rs}}
	rm.domains[domain] = rm.lru.PushFront(d)
}

// Invalidate forgets the roles of domain: the next check asks the source.
func (rm *RoleManager) Invalidate(domain string) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.epoch.Add(1)
	if el, ok := rm.domains[domain]; ok {
		rm.lru.Remove(el)
		delete(rm.domains, domain)
	}
}

// InvalidateAll forgets every role.
func (rm *RoleManager) InvalidateAll() {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.epoch.Add(1)
	rm.lru.Init()
	clear(rm.domains)
}

// Len returns how many domains and (subject, domain) pairs are cached.
func (rm *RoleManager) Len() (domains, subjects int) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for el := rm.lru.Front(); el != nil; el = el.Next() {
		subjects += len(el.Value.(*domainRoles).subjects)
	}
	return rm.lru.Len(), subjects
}

// --- rbac.ContextRoleManager ---

var _ rbac.ContextRoleManager = (*RoleManager)(nil)

func oneDomain(domain []string) (string, error) {
	if len(domain) != 1 {
		return "", fmt.Errorf("authz: roles are held in exactly one domain, got %d", len(domain))
	}
	return domain[0], nil
}

// HasLinkCtx reports whether name1 holds role name2 in the domain.
func (rm *RoleManager) HasLinkCtx(ctx context.Context, name1, name2 string, domain ...string) (bool, error) {
	d, err := oneDomain(domain)
	if err != nil {
		return false, err
	}
	roles, err := rm.RolesIn(ctx, name1, d)
	return slices.Contains(roles, name2), err
}

// GetRolesCtx returns the roles name holds in the domain, inherited ones
// included: roles.csv keeps inheritance one level deep, so the direct and
// implicit answers are one list.
func (rm *RoleManager) GetRolesCtx(ctx context.Context, name string, domain ...string) ([]string, error) {
	d, err := oneDomain(domain)
	if err != nil {
		return nil, err
	}
	roles, err := rm.RolesIn(ctx, name, d)
	return slices.Clone(roles), err
}

// ClearCtx forgets every role.
func (rm *RoleManager) ClearCtx(context.Context) error { rm.InvalidateAll(); return nil }

// AddLinkCtx fails: see ErrReadOnly.
func (rm *RoleManager) AddLinkCtx(context.Context, string, string, ...string) error {
	return ErrReadOnly
}

// DeleteLinkCtx fails: see ErrReadOnly.
func (rm *RoleManager) DeleteLinkCtx(context.Context, string, string, ...string) error {
	return ErrReadOnly
}

// GetUsersCtx cannot be answered from a per-user cache.
func (rm *RoleManager) GetUsersCtx(context.Context, string, ...string) ([]string, error) {
	return nil, errNotEnumerable
}

// GetDomainsCtx cannot be answered from a per-user cache.
func (rm *RoleManager) GetDomainsCtx(context.Context, string) ([]string, error) {
	return nil, errNotEnumerable
}

// GetAllDomainsCtx cannot be answered from a per-user cache.
func (rm *RoleManager) GetAllDomainsCtx(context.Context) ([]string, error) {
	return nil, errNotEnumerable
}

// The context-free methods are what Casbin's own API calls. Requests never
// take this path: Enforcer.Allowed resolves roles with the request's
// context before Casbin runs.

// Clear forgets every role.
func (rm *RoleManager) Clear() error { return rm.ClearCtx(context.Background()) }

// AddLink fails: see ErrReadOnly.
func (rm *RoleManager) AddLink(string, string, ...string) error { return ErrReadOnly }

// BuildRelationship fails: see ErrReadOnly.
func (rm *RoleManager) BuildRelationship(string, string, ...string) error { return ErrReadOnly }

// DeleteLink fails: see ErrReadOnly.
func (rm *RoleManager) DeleteLink(string, string, ...string) error { return ErrReadOnly }

// HasLink is HasLinkCtx without a deadline.
func (rm *RoleManager) HasLink(name1, name2 string, domain ...string) (bool, error) {
	return rm.HasLinkCtx(context.Background(), name1, name2, domain...)
}

// GetRoles is GetRolesCtx without a deadline.
func (rm *RoleManager) GetRoles(name string, domain ...string) ([]string, error) {
	return rm.GetRolesCtx(context.Background(), name, domain...)
}

// GetImplicitRoles is GetRoles: inheritance is already expanded.
func (rm *RoleManager) GetImplicitRoles(name string, domain ...string) ([]string, error) {
	return rm.GetRoles(name, domain...)
}

// GetUsers cannot be answered from a per-user cache.
func (rm *RoleManager) GetUsers(string, ...string) ([]string, error) { return nil, errNotEnumerable }

// GetImplicitUsers cannot be answered from a per-user cache.
func (rm *RoleManager) GetImplicitUsers(string, ...string) ([]string, error) {
	return nil, errNotEnumerable
}

// GetDomains cannot be answered from a per-user cache.
func (rm *RoleManager) GetDomains(string) ([]string, error) { return nil, errNotEnumerable }

// GetAllDomains cannot be answered from a per-user cache.
func (rm *RoleManager) GetAllDomains() ([]string, error) { return nil, errNotEnumerable }

// DeleteDomain forgets the roles of domain.
func (rm *RoleManager) DeleteDomain(domain string) error { rm.Invalidate(domain); return nil }

// PrintRoles has nothing to print: the cache is not the truth.
func (rm *RoleManager) PrintRoles() error { return nil }

// SetLogger is a no-op: the manager logs nothing.
func (rm *RoleManager) SetLogger(log.Logger) {}

// Match compares exactly: domains and roles are names, never patterns.
func (rm *RoleManager) Match(str, pattern string) bool { return str == pattern }

// AddMatchingFunc is a no-op: roles are names, never patterns.
func (rm *RoleManager) AddMatchingFunc(string, rbac.MatchingFunc) {}

// AddDomainMatchingFunc is a no-op: domains are names, never patterns.
func (rm *RoleManager) AddDomainMatchingFunc(string, rbac.MatchingFunc) {}
