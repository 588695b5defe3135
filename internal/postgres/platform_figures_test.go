package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// privateDB is a migrated database of the test's own: platform-wide
// figures count everything, so the package's shared database, which
// parallel tests write to, cannot give exact numbers.
func privateDB(t testing.TB) *postgres.DB {
	t.Helper()
	return pgtest.Private(t).App
}

func TestPlatformFiguresCountEveryCompanyBehindRowLevelSecurity(t *testing.T) {
	t.Parallel()
	db := privateDB(t)
	ctx := context.Background()
	inTenant := func(tn *tenants.Tenant, q string, args ...any) {
		t.Helper()
		if err := db.TenantTx(tenants.NewContext(ctx, tn), func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec := func(ctx context.Context, q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	store := postgres.NewTenantStore(db)
	company := func(slug string) *tenants.Tenant {
		tn, err := tenants.New(slug, slug, nil, "fr")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, tn); err != nil {
			t.Fatal(err)
		}
		return tn
	}
	acme, globex, dormant := company("acme"), company("globex"), company("dormant")
	exec(ctx, "UPDATE tenants SET status = 'suspended' WHERE id = ?", dormant.ID)

	// Associations: two waiting for review, one verified (with a manager
	// who signed it up), one rejected.
	verified, pending := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	exec(ctx, `INSERT INTO associations (id, name, legal_id, status) VALUES
		(?, 'Verified', 'W000000001', 'verified'), (?, 'Pending', 'W000000002', 'pending_review'),
		(gen_random_uuid(), 'Pending too', 'W000000003', 'pending_review'), (gen_random_uuid(), 'Rejected', 'W000000004', 'rejected')`,
		verified, pending)
	first, second := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	exec(ctx, `INSERT INTO accounts (id, email, full_name) VALUES (?, 'first@asso.example', 'First'), (?, 'second@asso.example', 'Second')`, first, second)
	exec(ctx, `INSERT INTO association_managers (association_id, account_id, created_at) VALUES
		(?, ?, now() - interval '1 day'), (?, ?, now())`, pending, second, pending, first)

	// Missions: open of a verified association and open vital ones count;
	// open of an association still pending, or closed, do not.
	open, vital, otherVital := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	exec(ctx, `INSERT INTO missions (id, association_id, organizer, title, format, vital_category, external_url, places, places_left, status) VALUES
		(?, ?, '', 'Open', 'remote', NULL, '', 3, 3, 'open'),
		(gen_random_uuid(), ?, '', 'Not verified', 'remote', NULL, '', 3, 3, 'open'),
		(gen_random_uuid(), ?, '', 'Closed', 'remote', NULL, '', 3, 3, 'closed'),
		(?, NULL, 'Réserve Civique', 'Aide alimentaire', 'remote', 'food_aid', 'https://reserve-civique.example/a', 0, 0, 'open'),
		(?, NULL, 'Réserve Civique', 'Garde d''enfants', 'remote', 'childcare', 'https://reserve-civique.example/b', 0, 0, 'open')`,
		open, verified, pending, verified, vital, otherVital)

	// People, sign-ups, hours and click-throughs in two companies.
	people := func(tn *tenants.Tenant, active, invited int) []uuid.UUID {
		var ids []uuid.UUID
		for i := 0; i < active+invited+1; i++ {
			status := "active"
			switch {
			case i >= active+invited:
				status = "disabled"
			case i >= active:
				status = "invited"
			}
			id := uuid.Must(uuid.NewV7())
			inTenant(tn, `INSERT INTO members (tenant_id, id, email, full_name, role, status)
				VALUES (app.current_tenant_id(), ?, ?, 'Someone', 'employee', ?)`, id, id.String()+"@example.org", status)
			ids = append(ids, id)
		}
		return ids
	}
	a, g := people(acme, 3, 1), people(globex, 1, 2)
	people(dormant, 0, 0)
	campaignOf := func(tn *tenants.Tenant) uuid.UUID {
		id := uuid.Must(uuid.NewV7())
		inTenant(tn, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on) VALUES (app.current_tenant_id(), ?, 'Drive', current_date - 60, current_date + 30)`, id)
		return id
	}
	participation := func(tn *tenants.Tenant, campaign, member uuid.UUID, daysAgo int) uuid.UUID {
		id := uuid.Must(uuid.NewV7())
		inTenant(tn, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status, created_at)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'validated', now() - make_interval(days => ?))`, id, campaign, member, open, daysAgo)
		return id
	}
	hours := func(tn *tenants.Tenant, p, member uuid.UUID, h float64, daysAgo int, status string) {
		inTenant(tn, `INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status)
			VALUES (app.current_tenant_id(), gen_random_uuid(), ?, ?, ?, current_date - ?, ?, ?)`, p, member, open, daysAgo, h, status)
	}
	click := func(tn *tenants.Tenant, mission uuid.UUID, daysAgo int) {
		inTenant(tn, `INSERT INTO redirect_clicks (tenant_id, id, mission_id, at) VALUES (app.current_tenant_id(), gen_random_uuid(), ?, now() - make_interval(days => ?))`,
			mission, daysAgo)
	}
	ca, cg := campaignOf(acme), campaignOf(globex)
	pa := participation(acme, ca, a[0], 2)
	participation(acme, ca, a[1], 45)
	pg := participation(globex, cg, g[0], 40)
	hours(acme, pa, a[0], 3, 1, "approved")
	hours(acme, pa, a[0], 1.5, 2, "pending")
	hours(acme, pa, a[0], 2, 3, "rejected")
	hours(globex, pg, g[0], 4, 35, "approved")
	click(acme, vital, 1)
	click(acme, vital, 50)
	click(globex, vital, 3)
	click(globex, otherVital, 2)

	figures := postgres.NewPlatformFigureStore(db)
	f, err := figures.Figures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"active companies", f.CompaniesActive, 2},
		{"suspended companies", f.CompaniesSuspended, 1},
		{"people", f.People, 4},
		{"invited", f.Invited, 3},
		{"pending associations", f.Associations["pending_review"], 2},
		{"verified associations", f.Associations["verified"], 1},
		{"rejected associations", f.Associations["rejected"], 1},
		{"draft associations (none, still listed)", f.Associations["draft"], 0},
		{"open missions", f.OpenMissions, 3},
		{"participations", f.Participations, 3},
		{"participations in 30 days", f.Participations30, 1},
		{"hours", f.Hours, 8.5},
		{"hours in 30 days", f.Hours30, 4.5},
		{"redirects", f.Redirects, 4},
		{"redirects in 30 days", f.Redirects30, 3},
		{"vital missions", len(f.Vital), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v; want %v", c.what, c.got, c.want)
		}
	}
	if len(f.Vital) == 2 {
		// The official order: food aid, then childcare.
		if v := f.Vital[0]; v.ID != vital || v.Redirects != 3 || v.Redirects30 != 2 || v.LabelFR != "Aide alimentaire et d'urgence" {
			t.Errorf("first vital mission %+v; want food aid, 3 redirects, 2 in 30 days, with its official label", v)
		}
		if v := f.Vital[1]; v.ID != otherVital || v.Redirects != 1 {
			t.Errorf("second vital mission %+v; want childcare with 1 redirect", v)
		}
	}

	// Without a company named, row-level security hides every member: the
	// people counted above came through the walk, company by company.
	var seen int
	if err := db.NewRaw("SELECT count(*) FROM members").Scan(ctx, &seen); err != nil || seen != 0 {
		t.Fatalf("a platform read sees %d members (%v); want none outside a company", seen, err)
	}

	byCompany, err := figures.PeopleByCompany(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if byCompany[acme.ID] != (postgres.CompanyPeople{Active: 3, Invited: 1}) || byCompany[globex.ID] != (postgres.CompanyPeople{Active: 1, Invited: 2}) ||
		byCompany[dormant.ID] != (postgres.CompanyPeople{}) {
		t.Fatalf("people by company %v; want acme 3+1, globex 1+2, dormant 0", byCompany)
	}

	signers, err := figures.Signers(ctx, []uuid.UUID{pending, verified})
	if err != nil {
		t.Fatal(err)
	}
	if s := signers[pending]; len(s) != 2 || s[0].Email != "second@asso.example" || s[1].Email != "first@asso.example" {
		t.Fatalf("signers of the pending association %+v; want the one who signed up first, then the other", s)
	}
	if len(signers[verified]) != 0 {
		t.Fatalf("signers of the verified association %+v; want none", signers[verified])
	}
}
