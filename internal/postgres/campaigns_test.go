package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// campaignFixture is a company with a campaign, members and missions,
// written straight to the stores and tables: sign-ups are another part of
// the product.
type campaignFixture struct {
	t        *testing.T
	env      *pgtest.Env
	tn       *tenants.Tenant
	campaign uuid.UUID
}

func newCampaignFixture(t *testing.T, env *pgtest.Env, edit func(*campaign.Campaign)) *campaignFixture {
	t.Helper()
	tn, err := tenants.New("co-"+uuid.NewString()[:8], "Company", nil, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewTenantStore(env.App).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	f := &campaignFixture{t: t, env: env, tn: tn}
	start := time.Now().UTC().AddDate(0, -1, 0)
	c := &campaign.Campaign{ID: uuid.Must(uuid.NewV7()), Name: "Drive", StartsOn: start, EndsOn: start.AddDate(0, 3, 0),
		Status: campaign.Active, CreatedAt: time.Now(),
		MaxActivePerEmployee: campaign.DefaultMaxActivePerEmployee, ResponseDays: campaign.DefaultResponseDays}
	if edit != nil {
		edit(c)
	}
	if err := c.Normalize(); err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewCampaignStore(env.App).CreateCampaign(f.ctx(), c); err != nil {
		t.Fatal(err)
	}
	f.campaign = c.ID
	return f
}

func (f *campaignFixture) ctx() context.Context {
	return tenants.NewContext(context.Background(), f.tn)
}

func (f *campaignFixture) member() uuid.UUID {
	f.t.Helper()
	id := uuid.Must(uuid.NewV7())
	if err := postgres.NewMemberDirectory(f.env.App).Create(f.ctx(), &identity.Person{ID: id, Email: id.String() + "@example.org",
		FullName: "Member " + id.String()[:8], Role: "employee", Department: "Finance", Status: identity.StatusActive},
		"", nil, time.Time{}); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *campaignFixture) exec(query string, args ...any) {
	f.t.Helper()
	if err := f.env.App.TenantTx(f.ctx(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *campaignFixture) participation(member, mission uuid.UUID, status string, at time.Time) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	f.exec(`INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status, created_at)
		VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?)`, id, f.campaign, member, mission, status, at)
	return id
}

func (f *campaignFixture) hours(participation, member, mission uuid.UUID, h float64) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	f.exec(`INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours)
		VALUES (app.current_tenant_id(), ?, ?, ?, ?, '2020-04-01', ?)`, id, participation, member, mission, h)
	return id
}

// associationWithMission makes a verified association and one of its
// missions, shown to every company.
func associationWithMission(t *testing.T, env *pgtest.Env) (assoc, mission uuid.UUID) {
	t.Helper()
	assoc, mission = uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO associations (id, name, legal_id, status) VALUES (?, 'Asso', ?, 'verified')",
			assoc, fmt.Sprintf("W%09d", rand.IntN(1_000_000_000))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, title, format, places, places_left, status)
			VALUES (?, ?, 'Mission', 'remote', 5, 5, 'open')`, mission, assoc)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return assoc, mission
}

func TestTemplatesInUseAreNotDeleted(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	store := postgres.NewCampaignStore(env.App)
	ctx := context.Background()
	code := "printemps-" + uuid.NewString()[:8]
	tpl := &campaign.Template{Code: code, NameFR: "Printemps", NameEN: "Spring", GoalParticipationPct: ptrInt(30)}
	if err := tpl.Normalize(); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTemplate(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTemplate(ctx, tpl); !errs.Is(err, errs.Conflict) {
		t.Fatalf("same code twice: %v; want a conflict", err)
	}
	got, err := store.UpdateTemplate(ctx, code, func(t *campaign.Template) error { t.DurationDays = 30; return nil })
	if err != nil || got.DurationDays != 30 || *got.GoalParticipationPct != 30 {
		t.Fatalf("update: %+v %v", got, err)
	}
	newCampaignFixture(t, env, func(c *campaign.Campaign) { c.TemplateCode = code })
	if err := store.DeleteTemplate(ctx, code); !errs.Is(err, errs.Conflict) {
		t.Fatalf("deleting a template in use: %v; want a conflict", err)
	}
	unused := &campaign.Template{Code: code + "-b", NameFR: "B", NameEN: "B"}
	_ = unused.Normalize()
	if err := store.CreateTemplate(ctx, unused); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteTemplate(ctx, unused.Code); err != nil {
		t.Fatalf("deleting an unused template: %v", err)
	}
	if err := store.DeleteTemplate(ctx, unused.Code); !errs.Is(err, errs.NotFound) {
		t.Fatalf("deleting it again: %v; want not found", err)
	}
}

func ptrInt(n int) *int { return &n }

// TestCampaignPlacesAreThoseOfTheCampaignsMissions: the places read that
// renews a campaign's recommendations covers the missions the campaign
// lists, no more (another company's private mission), and follows a
// sign-up's move of places left.
func TestCampaignPlacesAreThoseOfTheCampaignsMissions(t *testing.T) {
	env := pgtest.New(t)
	f := newCampaignFixture(t, env, nil)
	_, mission := associationWithMission(t, env)
	_, private := associationWithMission(t, env)
	other := uuid.New()
	f.exec(`UPDATE missions SET visibility = 'listed', visible_to = ARRAY[?::uuid] WHERE id = ?`, other, private)
	store := postgres.NewCampaignStore(env.App)
	cs, err := store.Campaigns(f.ctx(), campaign.CampaignFilter{ID: &f.campaign})
	if err != nil || len(cs) != 1 {
		t.Fatal(cs, err)
	}
	c := &cs[0]
	f.exec(`UPDATE missions SET places_left = 2 WHERE id = ?`, mission)
	listed, err := store.CampaignMissions(f.ctx(), c, 100)
	if err != nil {
		t.Fatal(err)
	}
	places, err := store.CampaignPlaces(f.ctx(), c, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(places) != len(listed) {
		t.Fatalf("places of %d missions; the campaign lists %d", len(places), len(listed))
	}
	for _, m := range listed {
		if left, ok := places[m.ID]; !ok || left != m.PlacesLeft {
			t.Errorf("mission %s: places read %d (%v); listed with %d", m.ID, left, ok, m.PlacesLeft)
		}
	}
	if places[mission] != 2 {
		t.Errorf("the mission with 2 places left reads %d", places[mission])
	}
	if _, ok := places[private]; ok {
		t.Error("another company's private mission is among the campaign's places")
	}
}
