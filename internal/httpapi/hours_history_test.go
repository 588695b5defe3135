package httpapi_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// An employee sees, on "Mes participations", the hours they logged on each
// mission with their status, and their balance per campaign.
func TestEmployeeSeesTheirHoursHistory(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	m := mission(t, env, missionSpec{title: "Tenir la comptabilité"})
	campaignID := activeCampaign(t, env.App, tn, campaignSpec{name: "Printemps solidaire", missions: []uuid.UUID{m}})
	pp := people{t: t, db: env.App}
	member := pp.member(tn, "employee")
	if err := env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		p := uuid.Must(uuid.NewV7())
		if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'validated')`, p, campaignID, member, m); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, '2026-11-02', 2, 'approved'),
			       (app.current_tenant_id(), ?, ?, ?, ?, '2026-11-09', 1.5, 'pending')`,
			uuid.Must(uuid.NewV7()), p, member, m, uuid.Must(uuid.NewV7()), p, member, m)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	employee := browserless{t: t, app: app, host: tn.Slug + ".localhost", session: pp.session(tn, member)}
	_, page := employee.get("/me/participations")
	for _, want := range []string{"Heures déclarées (2)", "02/11/2026", "09/11/2026", "validées", "en attente",
		"Printemps solidaire", "2 h validées", "1.5 h en attente"} {
		if !strings.Contains(page, want) {
			t.Errorf("the participations page lacks %q", want)
		}
	}
}
