package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

func uniqueSlug() string { return "co-" + uuid.NewString()[:8] }

func newTenant(t *testing.T, slug string, domains ...string) *tenants.Tenant {
	t.Helper()
	tn, err := tenants.New(slug, "Company "+slug, domains, "fr")
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestTenantDirectory(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	store := postgres.NewTenantStore(env.App)
	ctx := context.Background()
	slug := uniqueSlug()
	domain := slug + ".example"
	first := newTenant(t, slug, domain)
	if err := first.SetCustomDomains([]string{"benevolat." + domain}); err != nil {
		t.Fatal(err)
	}
	if err := store.Create(ctx, first); err != nil {
		t.Fatal(err)
	}

	t.Run("found", func(t *testing.T) {
		for name, find := range map[string]func() (*tenants.Tenant, error){
			"by slug":          func() (*tenants.Tenant, error) { return store.BySlug(ctx, slug) },
			"by custom domain": func() (*tenants.Tenant, error) { return store.ByHost(ctx, "benevolat."+domain) },
		} {
			got, err := find()
			if err != nil || got.ID != first.ID || got.Status != tenants.Active {
				t.Errorf("%s: %+v, %v; want the company, active", name, got, err)
			}
		}
	})

	t.Run("conflicts", func(t *testing.T) {
		taken := map[string]*tenants.Tenant{
			"taken slug":         newTenant(t, slug),
			"taken email domain": newTenant(t, uniqueSlug(), domain),
		}
		other := newTenant(t, uniqueSlug())
		_ = other.SetCustomDomains([]string{"benevolat." + domain})
		taken["taken custom domain"] = other
		for name, tn := range taken {
			err := store.Create(ctx, tn)
			if !errs.Is(err, errs.Conflict) {
				t.Errorf("%s: %v; want a conflict", name, err)
			}
		}
	})

	t.Run("not found", func(t *testing.T) {
		if _, err := store.BySlug(ctx, "nobody-here"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown slug: %v; want not found", err)
		}
		if _, err := store.ByHost(ctx, "nowhere.example"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown host: %v; want not found", err)
		}
		if _, err := store.SetStatus(ctx, "nobody-here", tenants.Suspended); !errs.Is(err, errs.NotFound) {
			t.Errorf("suspend unknown: %v; want not found", err)
		}
	})

	t.Run("suspend and resume", func(t *testing.T) {
		for _, st := range []tenants.Status{tenants.Suspended, tenants.Active} {
			if _, err := store.SetStatus(ctx, slug, st); err != nil {
				t.Fatal(err)
			}
			got, err := store.BySlug(ctx, slug)
			if err != nil || got.Status != st {
				t.Fatalf("after SetStatus(%s): %+v, %v", st, got, err)
			}
		}
	})
}

// Two companies claiming one email domain at the same moment: one wins.
func TestConcurrentDomainClaimsOneWins(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	store := postgres.NewTenantStore(env.App)
	domain := uniqueSlug() + ".example"
	const n = 8
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Go(func() { results[i] = store.Create(context.Background(), newTenant(t, uniqueSlug(), domain)) })
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case !errs.Is(err, errs.Conflict):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d companies got domain %s; want exactly 1", won, domain)
	}
}
