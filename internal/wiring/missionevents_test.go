package wiring_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/loadtest"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// The sign-up that leaves a mission one place and the one that takes it
// have its managers mailed, once each, by the sign-ups themselves: the
// tests' queue runs no periodic pass that could send them instead.
func TestTheManagersHearOfTheirMissionFillingUpFromTheSignUps(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	services, srv := mailing(t, env)
	ctx := context.Background()
	tn := newCompany(t, env, "Initech", "fr")
	manager := mailtest.Address(t)
	mission, drive := managedMission(t, env, manager, 3), uuid.Must(uuid.NewV7())
	tctx := tenants.NewContext(ctx, tn)
	var members []uuid.UUID
	if err := env.App.TenantTx(tctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status, mission_scope, mission_ids)
			VALUES (app.current_tenant_id(), ?, 'Drive', current_date - 1, current_date + 30, 'active', 'listed', ?)`,
			drive, "{"+mission.String()+"}"); err != nil {
			return err
		}
		for range 3 {
			member := uuid.Must(uuid.NewV7())
			members = append(members, member)
			if _, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, status)
				VALUES (app.current_tenant_id(), ?, ?, 'Léa', 'employee', 'active')`, member, mailtest.Address(t)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for _, m := range members {
		if _, err := services.Deps.Participations.Apply(tctx, m, campaign.ApplyInput{CampaignID: drive, MissionID: mission}); err != nil {
			t.Fatal(err)
		}
	}
	var subjects []string
	for range 2 {
		subjects = append(subjects, srv.WaitFor(t, manager, 30*time.Second).Subject)
	}
	slices.Sort(subjects)
	if want := []string{"Mission complète : Traduire des fiches", "Plus qu’une place : Traduire des fiches"}; !slices.Equal(subjects, want) {
		t.Errorf("the managers were told %q; want %q", subjects, want)
	}
	if n := len(srv.Messages(t, manager)); n != 2 {
		t.Errorf("the managers received %d mails; want 2", n)
	}
}

// managedMission creates an open remote mission of places places,
// "Traduire des fiches", of a verified association that manager manages.
func managedMission(t *testing.T, env *pgtest.Env, manager string, places int) uuid.UUID {
	t.Helper()
	mission, err := loadtest.ManagedMission(context.Background(), env.App, "Traduire des fiches", places, manager)
	if err != nil {
		t.Fatal(err)
	}
	return mission
}

// markFails fails MarkNotified, after its statement ran, for the events
// in fail.
type markFails struct {
	catalog.Store
	fail map[uuid.UUID]bool
}

func (m *markFails) MarkNotified(ctx context.Context, ids ...uuid.UUID) error {
	if err := m.Store.MarkNotified(ctx, ids...); err != nil {
		return err
	}
	for _, id := range ids {
		if m.fail[id] {
			return errs.E(errs.Unavailable, "the database went away")
		}
	}
	return nil
}

// An event's mails are queued with the record that it was mailed, or not
// at all: an event that cannot be recorded queues nothing, so that the
// next pass mails it once, not twice; and it costs the other events of
// its pass nothing.
func TestAMissionEventsMailIsQueuedWithItsRecordOrNotAtAll(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	ctx := context.Background()
	q, err := jobs.New(ctx, env.App, jobs.Options{}) // inserts only: the jobs stay to be counted
	if err != nil {
		t.Fatal(err)
	}
	failing, fine := mailtest.Address(t), mailtest.Address(t)
	event := map[string]uuid.UUID{}
	for _, manager := range []string{failing, fine} {
		event[manager] = uuid.Must(uuid.NewV7())
		if _, err := env.App.ExecContext(ctx, "INSERT INTO mission_events (id, mission_id, kind) VALUES (?, ?, 'full')",
			event[manager], managedMission(t, env, manager, 3)); err != nil {
			t.Fatal(err)
		}
	}
	store := &markFails{Store: postgres.NewCatalogStore(env.App), fail: map[uuid.UUID]bool{event[failing]: true}}
	svc := catalog.NewService(store, mail.MissionNotifier{Sender: q.Outbox(), BaseURL: "http://localhost"}, "http://localhost")
	svc.Unit = env.App.InTx
	check := func(pass string, sent, wantSent, wantFailing, wantFine int) {
		t.Helper()
		if sent != wantSent || queuedMails(t, env, failing) != wantFailing || queuedMails(t, env, fine) != wantFine {
			t.Errorf("%s: %d events mailed, mails queued %d for the failing event and %d for the other; want %d, %d and %d",
				pass, sent, queuedMails(t, env, failing), queuedMails(t, env, fine), wantSent, wantFailing, wantFine)
		}
	}

	check("a pass where one event cannot be recorded", svc.NotifyPending(ctx), 1, 0, 1)
	// Its claim lapses (a minute, in real time).
	if _, err := env.Owner.ExecContext(ctx, "UPDATE mission_events SET claimed_until = NULL WHERE id = ?", event[failing]); err != nil {
		t.Fatal(err)
	}
	clear(store.fail)
	check("the next pass", svc.NotifyPending(ctx), 1, 1, 1)
	check("a pass after", svc.NotifyPending(ctx), 0, 1, 1)
}
