package postgres_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// snapshot digests every row of the seeded tables, as the owner would see
// them if it could see every tenant: the app role, tenant by tenant.
func snapshot(t *testing.T, db *postgres.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, table := range []string{"tenants", "associations", "missions", "accounts", "association_managers"} {
		var digest string
		if err := db.NewRaw("SELECT coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM ? x", bunIdent(table)).Scan(ctx, &digest); err != nil {
			t.Fatal(err)
		}
		out[table] = digest
	}
	ts, err := postgres.NewTenantStore(db).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range ts {
		counts, err := postgres.NewMemberStore(db).Count(tenants.NewContext(ctx, tn))
		if err != nil {
			t.Fatal(err)
		}
		for st, n := range counts {
			out["members:"+tn.Slug+":"+st] = strconv.Itoa(n)
		}
	}
	return out
}

func TestSeedDemoTwiceChangesNothing(t *testing.T) {
	env := pgtest.New(t)
	ctx := context.Background()
	first, err := postgres.SeedDemo(ctx, env.App, "not-a-real-hash")
	if err != nil {
		t.Fatal(err)
	}
	if first.Tenants != 2 || first.Members == 0 || first.Missions < 4 || first.Participations != 6 {
		t.Fatalf("first seed: %+v; want two companies, their people, the missions and six sign-ups", first)
	}
	before := snapshot(t, env.App)
	second, err := postgres.SeedDemo(ctx, env.App, "not-a-real-hash")
	if err != nil {
		t.Fatal(err)
	}
	if second != (postgres.SeedReport{}) {
		t.Fatalf("second seed inserted %+v; want nothing", second)
	}
	after := snapshot(t, env.App)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed on the second seed", k)
		}
	}

	t.Run("vital missions come first, in the official order", func(t *testing.T) {
		ms, err := postgres.NewCatalogStore(env.App).OpenMissions(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Aide alimentaire et d'urgence", "Garde exceptionnelle d'enfants",
			"Lien avec les personnes fragiles isolées", "Solidarité de proximité"}
		if len(ms) < len(want)+1 {
			t.Fatalf("%d open missions; want the four vital ones and others", len(ms))
		}
		for i, w := range want {
			if ms[i].VitalLabelFR != w || ms[i].ExternalURL == "" {
				t.Errorf("mission %d: %q (vital %q, redirect %q); want vital mission %q with a redirect", i, ms[i].Title, ms[i].VitalLabelFR, ms[i].ExternalURL, w)
			}
		}
		for _, m := range ms {
			if m.Association == "Terre & Avenir" {
				t.Errorf("mission %q of an association pending review is listed", m.Title)
			}
		}
	})
}
