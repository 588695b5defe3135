package wiring_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/internal/privacy"
	"github.com/vendredi-app/vendredi/tenants"
)

// The retention pass, as River runs it: the daily fan-out and the
// company's job purge a campaign ended beyond the company's retention and
// leave a recent one alone.
func TestRetentionJobPurgesOldCampaigns(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	services, _ := mailing(t, env)
	ctx := context.Background()
	tn := newCompany(t, env, "Retains", "fr")
	tctx := tenants.NewContext(ctx, tn)
	assoc, mission, member := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	old, recent := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	if err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO associations (id, name, legal_id, status) VALUES (?, 'Asso', ?, 'verified')",
			assoc, fmt.Sprintf("W%09d", rand.IntN(1_000_000_000))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, title, format, places, places_left, status)
			VALUES (?, ?, 'Comptabilité', 'remote', 5, 5, 'open')`, mission, assoc)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.TenantTx(tctx, func(ctx context.Context, tx bun.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO members (tenant_id, id, email, full_name, role, status) VALUES (app.current_tenant_id(), ?, 'kept@retains.example', 'Gardée', 'employee', 'active')`,
				[]any{member}},
			{`INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status) VALUES
				(app.current_tenant_id(), ?, 'Old', current_date - 800, current_date - 760, 'closed'),
				(app.current_tenant_id(), ?, 'Recent', current_date - 100, current_date - 60, 'closed')`, []any{old, recent}},
			{`INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status, motivation) VALUES
				(app.current_tenant_id(), gen_random_uuid(), ?, ?, ?, 'done', 'Je connais la compta'),
				(app.current_tenant_id(), gen_random_uuid(), ?, ?, ?, 'done', 'Encore moi')`, []any{old, member, mission, recent, member, mission}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	months := 12
	if _, err := services.Deps.Privacy.SaveSettings(tctx, privacy.Actor{}, privacy.Settings{RetentionMonths: &months}); err != nil {
		t.Fatal(err)
	}
	work(t, services, jobs.RetentionArgs{}) // the daily fan-out
	work(t, services, jobs.CompanyRetentionArgs{Tenant: tn.ID})
	var rows []struct {
		Campaign   uuid.UUID `bun:"campaign_id"`
		Member     uuid.UUID `bun:"member_id"`
		Motivation string    `bun:"motivation"`
	}
	if err := env.App.TenantTx(tctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT campaign_id, member_id, motivation FROM participations ORDER BY campaign_id").Scan(ctx, &rows)
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		switch r.Campaign {
		case old:
			if r.Member == member || r.Motivation != "" {
				t.Errorf("the old campaign's participation: %+v; want it anonymous, without its motivation", r)
			}
		case recent:
			if r.Member != member || r.Motivation != "Encore moi" {
				t.Errorf("the recent campaign's participation: %+v; want it untouched", r)
			}
		}
	}
}
