package authz_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/authz/authztest"
)

var (
	acme     = authz.TenantDomain(uuid.MustParse("0193a000-0000-7000-8000-00000000ac3e"))
	globex   = authz.TenantDomain(uuid.MustParse("0193a000-0000-7000-8000-0000000091b0"))
	restos   = authz.AssociationDomain(uuid.MustParse("0193a000-0000-7000-8000-0000000005e5"))
	alice    = "0193a000-0000-7000-8000-00000000a11c" // employee at Acme
	hannah   = "0193a000-0000-7000-8000-0000000000a4" // HR admin at Acme
	sam      = "0193a000-0000-7000-8000-000000000005" // platform staff
	maria    = "0193a000-0000-7000-8000-0000000000aa" // manages Les Restos
	mallory  = "0193a000-0000-7000-8000-00000000ba0d" // rows a buggy source returns
	stranger = "0193a000-0000-7000-8000-000000000000" // no role anywhere
)

func people() *authztest.Roles {
	src := authztest.NewRoles()
	src.Grant(alice, acme, "employee")
	src.Grant(hannah, acme, "hr_admin")
	src.Grant(sam, authz.Platform, "staff")
	src.Grant(maria, restos, "assoc_manager")
	// Roles out of their scope, or unknown: a source bug must grant nothing.
	src.Grant(mallory, acme, "staff", "assoc_manager", "superuser")
	src.Grant(mallory, authz.Platform, "hr_admin")
	return src
}

func newEnforcer(t *testing.T, src authz.RoleSource, opt authz.Options) *authz.Enforcer {
	t.Helper()
	e, err := authz.New(src, opt)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type check struct{ sub, dom, obj, act string }

func (c check) String() string {
	return fmt.Sprintf("%s/%s/%s:%s", c.sub[len(c.sub)-4:], c.dom, c.obj, c.act)
}

func TestAllowed(t *testing.T) {
	e := newEnforcer(t, people(), authz.Options{})
	ctx := context.Background()
	allowed := []check{
		{alice, acme, "campaigns", "read"},
		{alice, acme, "participations", "create"},
		{hannah, acme, "campaigns", "create"},
		{hannah, acme, "participations", "create"}, // hr_admin inherits employee
		{sam, authz.Platform, "companies", "create"},
		{maria, restos, "participations", "approve"},
	}
	denied := []check{
		{alice, acme, "campaigns", "create"},   // role lacks the permission
		{alice, globex, "campaigns", "read"},   // member of another company
		{hannah, globex, "members", "read"},    // HR admin elsewhere
		{sam, acme, "companies", "read"},       // staff hold no role in a company
		{maria, acme, "missions", "read"},      // association role, tenant domain
		{alice, restos, "missions", "update"},  // employee, association domain
		{stranger, acme, "campaigns", "read"},  // nobody
		{mallory, acme, "companies", "create"}, // staff row on a tenant is dropped
		{mallory, acme, "missions", "create"},  // assoc_manager row on a tenant is dropped
		{mallory, authz.Platform, "members", "read"},
		{alice, acme, "campaigns", "launch"}, // pair not in the matrix
		{alice, "tenant:ACME", "campaigns", "read"},
		{alice, "tenant:" + uuid.MustParse(acme[7:]).URN(), "campaigns", "read"},
		{alice, "", "campaigns", "read"},
		{"", acme, "campaigns", "read"},
	}
	for _, c := range allowed {
		if ok, err := e.Allowed(ctx, c.sub, c.dom, c.obj, c.act); err != nil || !ok {
			t.Errorf("%s: got %v, %v; want allowed", c, ok, err)
		}
	}
	for _, c := range denied {
		if ok, err := e.Allowed(ctx, c.sub, c.dom, c.obj, c.act); err != nil || ok {
			t.Errorf("%s: got %v, %v; want denied", c, ok, err)
		}
	}
}

// TestEveryGrantOfTheMatrix checks the engine against the plain reading
// of the matrix for every role, object and action: Casbin and the decision
// memo must agree with policies.Matrix.Allows everywhere.
func TestEveryGrantOfTheMatrix(t *testing.T) {
	src := authztest.NewRoles()
	e := newEnforcer(t, src, authz.Options{})
	m := e.Matrix()
	dom := map[string]string{"platform": authz.Platform, "tenant": acme, "association": restos}
	for i, r := range m.Roles {
		src.Grant(fmt.Sprint(i), dom[r.Scope], r.Name)
	}
	for pass := range 2 { // the second pass answers from the memo
		for i, r := range m.Roles {
			for _, rule := range m.Rules {
				got, err := e.Allowed(context.Background(), fmt.Sprint(i), dom[r.Scope], rule.Obj, rule.Act)
				if err != nil {
					t.Fatal(err)
				}
				if want := m.Allows(r.Name, rule.Obj, rule.Act); got != want {
					t.Errorf("pass %d: %s %s %s: got %v, want %v", pass, r.Name, rule.Act, rule.Obj, got, want)
				}
			}
		}
	}
}

func TestStartUpLoadsNoRole(t *testing.T) {
	src := people()
	e := newEnforcer(t, src, authz.Options{})
	if n := src.Calls(); n != 0 {
		t.Fatalf("New asked the role source %d times; it must load only the matrix", n)
	}
	if d, s := e.Roles().Len(); d != 0 || s != 0 {
		t.Fatalf("New cached %d domains, %d users", d, s)
	}
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	allowed := func(t *testing.T, e *authz.Enforcer, sub, dom string) bool {
		t.Helper()
		ok, err := e.Allowed(ctx, sub, dom, "campaigns", "read")
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	t.Run("a second check reads the cache", func(t *testing.T) {
		src := people()
		e := newEnforcer(t, src, authz.Options{})
		allowed(t, e, alice, acme)
		allowed(t, e, alice, acme)
		allowed(t, e, stranger, acme) // "no role" is cached too
		allowed(t, e, stranger, acme)
		if n := src.Calls(); n != 2 {
			t.Fatalf("source asked %d times, want 2", n)
		}
	})

	t.Run("a revoked role stops at the invalidation", func(t *testing.T) {
		src := people()
		e := newEnforcer(t, src, authz.Options{})
		if !allowed(t, e, alice, acme) {
			t.Fatal("alice should read campaigns")
		}
		src.Revoke(alice, acme)
		e.OnNotify(globex) // another company's change keeps Acme's cache
		if !allowed(t, e, alice, acme) {
			t.Fatal("the cache should still hold alice's role: Acme was not invalidated")
		}
		e.OnNotify(acme)
		if allowed(t, e, alice, acme) {
			t.Fatal("alice's revoked role still works after Acme's invalidation")
		}
	})

	t.Run("a granted role works after the invalidation", func(t *testing.T) {
		src := people()
		e := newEnforcer(t, src, authz.Options{})
		if allowed(t, e, stranger, globex) {
			t.Fatal("stranger holds no role yet")
		}
		src.Grant(stranger, globex, "employee")
		e.OnNotify("") // what Listen sends after a reconnect
		if !allowed(t, e, stranger, globex) {
			t.Fatal("stranger's new role does not work after InvalidateAll")
		}
	})

	t.Run("the least recently used domain goes first", func(t *testing.T) {
		src := people()
		e := newEnforcer(t, src, authz.Options{MaxDomains: 2})
		allowed(t, e, alice, acme)
		allowed(t, e, alice, globex)
		allowed(t, e, alice, acme) // Acme is now the most recent
		allowed(t, e, maria, restos)
		if d, _ := e.Roles().Len(); d != 2 {
			t.Fatalf("%d domains cached, want the bound, 2", d)
		}
		before := src.Calls()
		allowed(t, e, alice, acme)
		if src.Calls() != before {
			t.Fatal("Acme, used recently, was evicted")
		}
		allowed(t, e, alice, globex)
		if src.Calls() != before+1 {
			t.Fatal("Globex, the least recent, should have been evicted")
		}
	})

	t.Run("malformed domains are not cached", func(t *testing.T) {
		src := people()
		e := newEnforcer(t, src, authz.Options{})
		allowed(t, e, alice, "tenant:nope")
		allowed(t, e, alice, "somewhere")
		if d, _ := e.Roles().Len(); d != 0 || src.Calls() != 0 {
			t.Fatalf("malformed domains reached the source (%d calls) or the cache (%d domains)", src.Calls(), d)
		}
	})
}

func TestSourceFailure(t *testing.T) {
	src := people()
	e := newEnforcer(t, src, authz.Options{})
	boom := errors.New("database is down")
	src.Fail(boom)
	ok, err := e.Allowed(context.Background(), alice, acme, "campaigns", "read")
	if ok || !errors.Is(err, boom) {
		t.Fatalf("got %v, %v; want denied with the source's error", ok, err)
	}
	src.Fail(nil)
	// The failure was not cached as "no role".
	if ok, err := e.Allowed(context.Background(), alice, acme, "campaigns", "read"); !ok || err != nil {
		t.Fatalf("after recovery: got %v, %v; want allowed", ok, err)
	}
}

func TestCasbinRBACAPIReadsTheRoleManager(t *testing.T) {
	e := newEnforcer(t, people(), authz.Options{})
	roles := e.Casbin().GetRolesForUserInDomain(hannah, acme)
	slices.Sort(roles)
	if !slices.Equal(roles, []string{"employee", "hr_admin"}) {
		t.Fatalf("GetRolesForUserInDomain = %v; want employee and hr_admin", roles)
	}
	// A plain string subject, as Casbin's own callers pass, takes the
	// role manager's path in holds().
	if ok, err := e.Casbin().Enforce(hannah, acme, "members", "export"); !ok || err != nil {
		t.Fatalf("Casbin Enforce with a string subject = %v, %v; want allowed", ok, err)
	}
	if ok, err := e.Casbin().Enforce(alice, acme, "members", "export"); ok || err != nil {
		t.Fatalf("Casbin Enforce with a string subject = %v, %v; want denied", ok, err)
	}
	if _, err := e.Casbin().AddRoleForUserInDomain(alice, "hr_admin", acme); !errors.Is(err, authz.ErrReadOnly) {
		t.Fatalf("AddRoleForUserInDomain: got %v, want ErrReadOnly", err)
	}
	if ok, _ := e.Allowed(context.Background(), alice, acme, "members", "read"); ok {
		t.Fatal("a refused AddRoleForUserInDomain granted the role anyway")
	}
}

// TestConcurrentChecksAndChanges is for the race detector: checks,
// invalidations and evictions at once, each answer still right.
func TestConcurrentChecksAndChanges(t *testing.T) {
	src := people()
	e := newEnforcer(t, src, authz.Options{MaxDomains: 2})
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				switch (g + i) % 5 {
				case 0:
					e.Invalidate(acme)
				case 1:
					e.InvalidateAll()
				}
				ok, err := e.Allowed(context.Background(), alice, acme, "campaigns", "read")
				if err != nil || !ok {
					errc <- fmt.Errorf("alice at Acme: %v, %v", ok, err)
					return
				}
				if ok, _ := e.Allowed(context.Background(), maria, restos, "campaigns", "read"); ok {
					errc <- errors.New("maria may not read campaigns")
					return
				}
				if ok, _ := e.Allowed(context.Background(), hannah, globex, "members", "read"); ok {
					errc <- errors.New("hannah has no role at Globex")
					return
				}
				// Casbin itself, as its RBAC API callers would use it.
				if ok, err := e.Casbin().Enforce(hannah, acme, "members", "export"); !ok || err != nil {
					errc <- fmt.Errorf("Casbin: hannah at Acme: %v, %v", ok, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

func TestScopeOf(t *testing.T) {
	id := uuid.MustParse("0193a000-0000-7000-8000-000000000001")
	valid := map[string]string{
		authz.Platform:              "platform",
		authz.TenantDomain(id):      "tenant",
		authz.AssociationDomain(id): "association",
	}
	for d, want := range valid {
		if got := authz.ScopeOf(d); got != want {
			t.Errorf("ScopeOf(%q) = %q, want %q", d, got, want)
		}
	}
	for _, d := range []string{"", "Platform", "tenant:", "tenant:x", "tenant:" + id.URN(), "tenant:0193A000-0000-7000-8000-000000000001", "company:" + id.String(), id.String()} {
		if got := authz.ScopeOf(d); got != "" {
			t.Errorf("ScopeOf(%q) = %q, want \"\" (malformed)", d, got)
		}
	}
}
