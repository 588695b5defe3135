package authz

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vendredi-app/vendredi/policies"
)

// gate is a RoleSource that holds every call until released, so that a
// test can act while a load is in flight. Its answer is read at release.
type gate struct {
	entered chan struct{}
	release chan struct{}
	calls   atomic.Int32
	mu      sync.Mutex
	roles   []string
}

func newGate(roles ...string) *gate {
	return &gate{entered: make(chan struct{}, 16), release: make(chan struct{}), roles: roles}
}

func (g *gate) Roles(ctx context.Context, _, _ string) ([]string, error) {
	g.calls.Add(1)
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.roles, nil
}

func (g *gate) set(roles ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.roles = roles
}

func testManager(t *testing.T, src RoleSource) *RoleManager {
	t.Helper()
	m, err := policies.Load()
	if err != nil {
		t.Fatal(err)
	}
	return NewRoleManager(src, m, 0)
}

const (
	dom = "tenant:0193a000-0000-7000-8000-00000000ac3e"
	sub = "0193a000-0000-7000-8000-00000000a11c"
)

// waitForWaiters spins until n callers share the flight of (sub, dom).
// It checks state, not time: it cannot pass early, only hang, and go
// test's -timeout reports a hang.
func waitForWaiters(rm *RoleManager, n int32) {
	for {
		rm.mu.Lock()
		f := rm.flight[flightKey{sub, dom}]
		rm.mu.Unlock()
		if f != nil && f.waiters.Load() >= n {
			return
		}
		runtime.Gosched()
	}
}

type answer struct {
	roles []string
	err   error
}

func lookupAsync(rm *RoleManager, ctx context.Context) chan answer {
	c := make(chan answer, 1)
	go func() {
		roles, err := rm.RolesIn(ctx, sub, dom)
		c <- answer{roles, err}
	}()
	return c
}

func TestConcurrentFirstChecksShareOneLoad(t *testing.T) {
	src := newGate("employee")
	rm := testManager(t, src)
	first := lookupAsync(rm, context.Background())
	<-src.entered
	second := lookupAsync(rm, context.Background())
	waitForWaiters(rm, 1)
	close(src.release)
	for _, c := range []chan answer{first, second} {
		if a := <-c; a.err != nil || len(a.roles) != 1 || a.roles[0] != "employee" {
			t.Fatalf("got %v, %v; want [employee]", a.roles, a.err)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("source asked %d times for one (user, domain), want 1", n)
	}
}

func TestALoadOlderThanAnInvalidationIsNotCached(t *testing.T) {
	src := newGate("employee")
	rm := testManager(t, src)
	inflight := lookupAsync(rm, context.Background())
	<-src.entered
	// The role is revoked, and the notification arrives, while the first
	// load still carries what it read before.
	rm.Invalidate(dom)
	close(src.release)
	if a := <-inflight; a.err != nil {
		t.Fatal(a.err)
	}
	src.set()
	roles, err := rm.RolesIn(context.Background(), sub, dom)
	if err != nil || len(roles) != 0 {
		t.Fatalf("after the invalidation: got %v, %v; want no role (the stale load was cached)", roles, err)
	}
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("source asked %d times, want 2", n)
	}
}

func TestAWaiterOutlivesACancelledLeader(t *testing.T) {
	src := newGate("hr_admin")
	rm := testManager(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	leader := lookupAsync(rm, ctx)
	<-src.entered
	follower := lookupAsync(rm, context.Background())
	waitForWaiters(rm, 1)
	cancel() // the leader's client went away
	if a := <-leader; a.err == nil {
		t.Fatal("the cancelled leader got an answer")
	}
	<-src.entered // the follower asks for itself
	close(src.release)
	a := <-follower
	if a.err != nil || len(a.roles) != 2 {
		t.Fatalf("follower got %v, %v; want hr_admin and employee", a.roles, a.err)
	}
}

// fixed is a RoleSource that answers roles and counts its calls.
type fixed struct {
	roles []string
	calls atomic.Int32
}

func (f *fixed) Roles(context.Context, string, string) ([]string, error) {
	f.calls.Add(1)
	return f.roles, nil
}

func TestPrimedRolesAreServedAsTheSourceWouldServeThem(t *testing.T) {
	src := &fixed{roles: []string{"hr_admin"}}
	rm := testManager(t, src)
	rm.Prime(rm.Epoch(), sub, dom, []string{"hr_admin", "staff"}) // staff: not a company's role
	roles, err := rm.RolesIn(context.Background(), sub, dom)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := testManager(t, src).RolesIn(context.Background(), sub, dom)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) == 0 || !slices.Equal(roles, loaded) {
		t.Fatalf("primed %v, loaded from the source %v: want the same, inherited roles included", roles, loaded)
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("source asked %d times, want once (by the second manager only)", n)
	}
}

func TestAPrimeOlderThanAnInvalidationIsNotCached(t *testing.T) {
	src := &fixed{}
	rm := testManager(t, src)
	epoch := rm.Epoch()
	// The session's person was read as an employee; the membership ends,
	// and its notification arrives, before the read's roles are primed.
	rm.Invalidate(dom)
	rm.Prime(epoch, sub, dom, []string{"employee"})
	roles, err := rm.RolesIn(context.Background(), sub, dom)
	if err != nil || len(roles) != 0 {
		t.Fatalf("got %v, %v; want no role (the stale prime was cached)", roles, err)
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("source asked %d times, want 1", n)
	}
}
