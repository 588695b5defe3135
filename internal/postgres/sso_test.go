package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/internal/sso"
	"github.com/vendredi-app/vendredi/tenants"
)

// A sign-in's state (or SAML request id) is used once, even when the
// provider's answer arrives twice at the same instant (a double click, a
// replay racing the real one), and is another company's business only.
func TestSSOFlowIsTakenOnceAndByItsCompanyOnly(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	store := postgres.NewSSOStore(env.App)
	tenantStore := postgres.NewTenantStore(env.App)
	a, b := newTenant(t, uniqueSlug()), newTenant(t, uniqueSlug())
	for _, tn := range []*tenants.Tenant{a, b} {
		if err := tenantStore.Create(context.Background(), tn); err != nil {
			t.Fatal(err)
		}
	}
	ctxA, ctxB := tenants.NewContext(context.Background(), a), tenants.NewContext(context.Background(), b)
	key := []byte("0123456789abcdef0123456789abcdef")
	if err := store.StartFlow(ctxA, &sso.Flow{Key: key, Protocol: sso.OIDC, Purpose: sso.PurposeSignIn, Nonce: "n", Verifier: "v",
		ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.TakeFlow(ctxB, key); !errs.Is(err, errs.NotFound) {
		t.Fatalf("another company takes the flow: %v", err)
	}
	var wg sync.WaitGroup
	got := make(chan *sso.Flow, 8)
	for range 8 {
		wg.Go(func() {
			if f, err := store.TakeFlow(ctxA, key); err == nil {
				got <- f
			} else if !errs.Is(err, errs.NotFound) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(got)
	n := 0
	for f := range got {
		n++
		if f.Nonce != "n" || f.Verifier != "v" {
			t.Errorf("flow %+v", f)
		}
	}
	if n != 1 {
		t.Fatalf("%d concurrent callbacks took the flow; want exactly 1", n)
	}

	expired := []byte("expired-expired-expired-expired-")
	if err := store.StartFlow(ctxA, &sso.Flow{Key: expired, Protocol: sso.SAML, Purpose: sso.PurposeSignIn,
		ExpiresAt: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.TakeFlow(ctxA, expired); !errs.Is(err, errs.NotFound) {
		t.Fatalf("an expired flow is taken: %v", err)
	}
}

// The connection row refuses what the service's rules refuse: a
// connection on before it was tested, SSO only while off.
func TestSSOConnectionRulesHoldInTheDatabase(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	store := postgres.NewSSOStore(env.App)
	tn := newTenant(t, uniqueSlug())
	if err := postgres.NewTenantStore(env.App).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	ctx := tenants.NewContext(context.Background(), tn)
	save := func(c sso.Connection) error {
		_, err := store.SaveConnection(ctx, func(*sso.Connection) (*sso.Connection, error) { return &c, nil })
		return err
	}
	base := sso.Connection{Protocol: sso.OIDC, DisplayName: "Okta", Issuer: "https://x.okta.com", ClientID: "c", ClientSecret: []byte{1}}
	on := base
	on.Enabled = true
	if err := save(on); err == nil {
		t.Error("a connection is on without a test")
	}
	only := base
	now := time.Now()
	only.TestedAt, only.SSOOnly = &now, true
	if err := save(only); err == nil {
		t.Error("SSO only holds on a connection that is off")
	}
	if err := save(base); err != nil {
		t.Fatal(err)
	}
	if c, err := store.Connection(ctx); err != nil || c.ClientID != "c" || c.Enabled {
		t.Fatalf("%+v %v", c, err)
	}
	other := newTenant(t, uniqueSlug())
	if err := postgres.NewTenantStore(env.App).Create(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Connection(tenants.NewContext(context.Background(), other)); !errs.Is(err, errs.NotFound) {
		t.Fatalf("another company reads the connection: %v", err)
	}
}
