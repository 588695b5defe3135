package postgres_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

func TestExportWalksTheCursorInBatches(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	_, mission := associationWithMission(t, env)
	f := newCampaignFixture(t, env, nil)
	members := make([]uuid.UUID, 1234)
	for i := range members {
		members[i] = uuid.Must(uuid.NewV7())
	}
	// Recent, and never pending: old pending applications would be
	// flagged as late by the participations' tests sharing this database.
	start := time.Now().Add(-48 * time.Hour)
	f.exec(`INSERT INTO members (tenant_id, id, email, full_name, role, status)
		SELECT app.current_tenant_id(), m, m::text || '@example.org', 'Member', 'employee', 'active' FROM unnest(?::uuid[]) m`,
		pgUUIDs(members))
	f.exec(`INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status, created_at)
		SELECT app.current_tenant_id(), gen_random_uuid(), ?, m, ?, CASE WHEN n % 2 = 0 THEN 'validated' ELSE 'refused' END,
			?::timestamptz + n * interval '1 second'
		FROM unnest(?::uuid[]) WITH ORDINALITY AS x(m, n)`, f.campaign, mission, start, pgUUIDs(members))
	store := postgres.NewFigureStore(env.App)

	var n int
	var last time.Time
	err := store.EachParticipation(f.ctx(), f.campaign, campaign.ExportFilter{}, func(r *campaign.ExportRow) error {
		if r.AppliedAt.Before(last) {
			return fmt.Errorf("row %d applied at %s, before the previous one", n, r.AppliedAt)
		}
		last = r.AppliedAt
		n++
		return nil
	})
	if err != nil || n != 1234 {
		t.Fatalf("walked %d rows (%v); want all 1234, oldest first, across three batches", n, err)
	}
	n = 0
	err = store.EachParticipation(f.ctx(), f.campaign, campaign.ExportFilter{Status: campaign.Validated}, func(*campaign.ExportRow) error {
		n++
		return nil
	})
	if err != nil || n != 617 {
		t.Fatalf("validated: %d rows (%v); want 617", n, err)
	}
	stop := errors.New("client gone")
	n = 0
	err = store.EachParticipation(f.ctx(), f.campaign, campaign.ExportFilter{}, func(*campaign.ExportRow) error {
		if n++; n == 700 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 700 {
		t.Fatalf("stopped at %d with %v; want the writer's error at row 700", n, err)
	}
	other := newCampaignFixture(t, env, nil)
	n = 0
	_ = store.EachParticipation(other.ctx(), f.campaign, campaign.ExportFilter{}, func(*campaign.ExportRow) error { n++; return nil })
	if n != 0 {
		t.Fatalf("another company walks %d of these rows; want none", n)
	}
}

func pgUUIDs(ids []uuid.UUID) string {
	b := []byte{'{'}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, id.String()...)
	}
	return string(append(b, '}'))
}

func TestHoursByCauseSumApprovedHoursOnly(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	f := newCampaignFixture(t, env, nil)
	assoc, health := associationWithMission(t, env)
	education, uncaused := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	f.exec(`UPDATE missions SET cause = 'health' WHERE id = ?`, health)
	f.exec(`INSERT INTO missions (id, association_id, title, format, places, places_left, status, cause) VALUES
		(?, ?, 'Soutien scolaire', 'remote', 5, 5, 'open', 'education'), (?, ?, 'Sans cause', 'remote', 5, 5, 'open', NULL)`,
		education, assoc, uncaused, assoc)
	ann, bob := f.member(), f.member()
	at := time.Now().Add(-time.Hour)
	annHealth, bobHealth := f.participation(ann, health, "validated", at), f.participation(bob, health, "validated", at)
	annEdu, bobNone := f.participation(ann, education, "validated", at), f.participation(bob, uncaused, "validated", at)
	approve := func(id uuid.UUID) { f.exec(`UPDATE hour_logs SET status = 'approved' WHERE id = ?`, id) }
	approve(f.hours(annHealth, ann, health, 2.5))
	approve(f.hours(bobHealth, bob, health, 4))
	f.hours(bobHealth, bob, health, 8) // pending: not counted
	rejected := f.hours(annEdu, ann, education, 6)
	f.exec(`UPDATE hour_logs SET status = 'rejected' WHERE id = ?`, rejected)
	approve(f.hours(annEdu, ann, education, 1.25))
	approve(f.hours(bobNone, bob, uncaused, 3))
	// Another company's approved hours on the same mission stay its own.
	other := newCampaignFixture(t, env, nil)
	carol := other.member()
	other.exec(`UPDATE hour_logs SET status = 'approved' WHERE id = ?`,
		other.hours(other.participation(carol, health, "validated", at), carol, health, 20))

	c, err := postgres.NewCampaignStore(env.App).Campaigns(f.ctx(), campaign.CampaignFilter{ID: &f.campaign})
	if err != nil || len(c) != 1 {
		t.Fatalf("campaign: %v", err)
	}
	got, err := postgres.NewFigureStore(env.App).Figures(f.ctx(), &c[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []campaign.CauseHours{{Cause: "health", HoursApproved: 6.5}, {Cause: "", HoursApproved: 3}, {Cause: "education", HoursApproved: 1.25}}
	if fmt.Sprint(got.HoursByCause) != fmt.Sprint(want) {
		t.Fatalf("hours by cause %v; want %v (approved only, most first, no other company's)", got.HoursByCause, want)
	}
	if got.HoursApproved != 10.75 {
		t.Fatalf("hours approved %v; want 10.75, the sum of the causes", got.HoursApproved)
	}
}
