// Package authztest helps test authorization: an in-memory RoleSource and
// the permission-matrix test, which sends every route of an app as every
// kind of user and compares each status with what the matrix says.
package authztest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// Roles is an in-memory authz.RoleSource: memberships for tests and
// benchmarks. It is safe for concurrent use.
type Roles struct {
	mu    sync.RWMutex
	held  map[string]map[string][]string // domain -> subject -> roles
	calls atomic.Int64
	err   error
}

// NewRoles returns a source where nobody holds any role.
func NewRoles() *Roles { return &Roles{held: map[string]map[string][]string{}} }

// Grant gives subject roles in domain, in addition to those it holds.
func (r *Roles) Grant(subject, domain string, roles ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.held[domain]
	if d == nil {
		d = map[string][]string{}
		r.held[domain] = d
	}
	for _, role := range roles {
		if !slices.Contains(d[subject], role) {
			d[subject] = append(d[subject], role)
		}
	}
}

// Revoke takes every role of subject in domain away.
func (r *Roles) Revoke(subject, domain string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.held[domain], subject)
}

// Fail makes every later call return err (nil to heal).
func (r *Roles) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// Roles implements authz.RoleSource.
func (r *Roles) Roles(ctx context.Context, subject, domain string) ([]string, error) {
	r.calls.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.err != nil {
		return nil, r.err
	}
	return slices.Clone(r.held[domain][subject]), nil
}

// Calls returns how many times Roles was called: how often the cache
// missed.
func (r *Roles) Calls() int64 { return r.calls.Load() }
