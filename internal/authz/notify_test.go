package authz_test

import (
	"context"
	"os"
	"testing"

	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// Only TestRoleChangeReachesEveryInstance uses the database; pgtest.Main
// creates none for the others.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestRoleChangeReachesEveryInstance wires two "server instances" as
// cmd/vendredi does: each Enforcer listens on authz.Channel. A membership
// change committed with its notification must end the revoked role on
// both, at once, with no expiry to wait for.
func TestRoleChangeReachesEveryInstance(t *testing.T) {
	env := pgtest.New(t)
	src := people() // the memberships both instances read
	ctx, cancel := context.WithCancel(context.Background())
	type instance struct {
		e    *authz.Enforcer
		seen chan string
		end  chan error
	}
	var instances []*instance
	for range 2 {
		in := &instance{e: newEnforcer(t, src, authz.Options{}), seen: make(chan string, 8), end: make(chan error, 1)}
		go func() {
			in.end <- postgres.Listen(ctx, env.AppURL, authz.Channel, func(p string) {
				in.e.OnNotify(p)
				in.seen <- p
			})
		}()
		if p := <-in.seen; p != "" {
			t.Fatalf("first call %q, want \"\"", p)
		}
		if ok, err := in.e.Allowed(ctx, alice, acme, "campaigns", "read"); !ok || err != nil {
			t.Fatalf("before the change: %v, %v", ok, err)
		}
		instances = append(instances, in)
	}
	defer func() {
		cancel()
		for _, in := range instances {
			if err := <-in.end; err != nil {
				t.Error(err)
			}
		}
	}()

	// The membership change and its notification, in one transaction.
	err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		src.Revoke(alice, acme) // stands for DELETE FROM members ...
		return postgres.Notify(ctx, tx, authz.Channel, acme)
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range instances {
		if p := <-in.seen; p != acme {
			t.Fatalf("instance %d heard %q, want %q", i, p, acme)
		}
		if ok, err := in.e.Allowed(ctx, alice, acme, "campaigns", "read"); ok || err != nil {
			t.Errorf("instance %d still allows alice after the notification: %v, %v", i, ok, err)
		}
	}
}
