package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// drive is a company with an active campaign and n employees.
type drive struct {
	ctx       context.Context
	tenant    *tenants.Tenant
	campaign  uuid.UUID
	employees []uuid.UUID
}

func newDrive(t testing.TB, db *postgres.DB, n int) *drive {
	t.Helper()
	slug := "co-" + uuid.NewString()[:8]
	tn, err := tenants.New(slug, "Company "+slug, nil, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewTenantStore(db).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	d := &drive{ctx: tenants.NewContext(context.Background(), tn), tenant: tn, campaign: uuid.Must(uuid.NewV7())}
	err = db.TenantTx(d.ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status, max_active_per_employee)
			VALUES (app.current_tenant_id(), ?, 'Tous confinés, Tous engagés', current_date, current_date + 60, 'active', 3)`, d.campaign); err != nil {
			return err
		}
		for i := range n {
			id := uuid.Must(uuid.NewV7())
			if _, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, status)
				VALUES (app.current_tenant_id(), ?, ?, ?, 'employee', 'active')`, id, fmt.Sprintf("e%d-%s@example.org", i, id), fmt.Sprintf("Employee %d", i)); err != nil {
				return err
			}
			d.employees = append(d.employees, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// newMission creates an open remote mission of a verified association.
func newMission(t testing.TB, db *postgres.DB, places int) (mission, association uuid.UUID) {
	t.Helper()
	mission, association = uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	err := db.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO associations (id, name, legal_id, status) VALUES (?, 'Asso', ?, 'verified')",
			association, fmt.Sprintf("W%09d", time.Now().UnixNano()%1e9)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, title, format, places, places_left, status)
			VALUES (?, ?, 'Soutien scolaire', 'remote', ?, ?, 'open')`, mission, association, places, places)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return mission, association
}

func participations(t testing.TB, db *postgres.DB) *campaign.Participations {
	t.Helper()
	smtp, err := mail.NewSMTP(mail.Config{URL: mailtest.Start(t).SMTPURL(), From: "Vendredi <no-reply@vendredi.test>"})
	if err != nil {
		t.Fatal(err)
	}
	return campaign.NewParticipations(postgres.NewParticipationStore(db),
		mail.VolunteerNotifier{Sender: smtp, CompanyURL: func(*campaign.Participation) string { return "http://acme.localhost" }})
}

func placesLeft(t testing.TB, db *postgres.DB, mission uuid.UUID) (left int, status string) {
	t.Helper()
	if err := db.NewRaw("SELECT places_left, status FROM missions WHERE id = ?", mission).Scan(context.Background(), &left, &status); err != nil {
		t.Fatal(err)
	}
	return left, status
}

// The test: 200 employees of two companies apply at once for a
// mission with 10 places.
func TestTwoHundredApplicationsForTenPlaces(t *testing.T) {
	env := pgtest.New(t)
	svc := participations(t, env.App)
	mission, association := newMission(t, env.App, 10)
	acme, globex := newDrive(t, env.App, 100), newDrive(t, env.App, 100)

	type result struct {
		p   *campaign.Participation
		err error
	}
	results := make(chan result, 200)
	var wg sync.WaitGroup
	for _, d := range []*drive{acme, globex} {
		for _, e := range d.employees {
			wg.Go(func() {
				p, err := svc.Apply(d.ctx, e, campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission, WaitingList: true})
				results <- result{p, err}
			})
		}
	}
	wg.Wait()
	close(results)
	count := map[string]int{}
	var firstWaiting *campaign.Participation
	for r := range results {
		if r.err != nil {
			t.Fatalf("an application failed: %v", r.err)
		}
		count[r.p.Status]++
		// The waiting list's order: created_at, then id (sign-ups that
		// shared a transaction share their created_at).
		if r.p.Status == campaign.Waiting && (firstWaiting == nil || r.p.CreatedAt.Before(firstWaiting.CreatedAt) ||
			r.p.CreatedAt.Equal(firstWaiting.CreatedAt) && r.p.ID.String() < firstWaiting.ID.String()) {
			firstWaiting = r.p
		}
	}
	if count[campaign.Pending] != 10 || count[campaign.Waiting] != 190 {
		t.Fatalf("%v; want exactly 10 holding places and 190 waiting", count)
	}
	if left, status := placesLeft(t, env.App, mission); left != 0 || status != "full" {
		t.Fatalf("mission: %d places left, %s; want 0, full", left, status)
	}

	// The association sees the 200 applications of both companies.
	all, err := svc.OfAssociation(context.Background(), association, &mission, "")
	if err != nil || len(all) != 200 {
		t.Fatalf("the association sees %d applications (err %v); want 200", len(all), err)
	}
	companies := map[string]bool{}
	for _, p := range all {
		companies[p.Company] = true
	}
	if len(companies) != 2 {
		t.Fatalf("applications from %d companies; want 2", len(companies))
	}

	// A holder cancels: the first on the waiting list, whatever their
	// company, takes the place and is told.
	var holder *campaign.Participation
	for i := range all {
		if all[i].Status == campaign.Pending {
			holder = &all[i]
			break
		}
	}
	holderCtx := acme.ctx
	if holder.TenantID == globex.tenant.ID {
		holderCtx = globex.ctx
	}
	if _, err := svc.Cancel(holderCtx, holder.MemberID, holder.ID, "agenda"); err != nil {
		t.Fatal(err)
	}
	after, err := svc.OfAssociation(context.Background(), association, &mission, campaign.Pending)
	if err != nil || len(after) != 10 {
		t.Fatalf("%d pending after a cancellation (err %v); want 10", len(after), err)
	}
	var promoted *campaign.Participation
	for i := range after {
		if after[i].ID == firstWaiting.ID {
			promoted = &after[i]
		}
	}
	if promoted == nil {
		t.Fatalf("the first on the waiting list (%s) was not promoted", firstWaiting.ID)
	}
	if left, _ := placesLeft(t, env.App, mission); left != 0 {
		t.Fatalf("%d places left after the hand-over; want 0", left)
	}
	m := mailtest.Start(t).WaitFor(t, promoted.MemberEmail, 5*time.Second)
	if m.Subject != "Une place s’est libérée pour vous : Soutien scolaire" {
		t.Fatalf("the promoted volunteer's mail: %q", m.Subject)
	}
}

// Without accepting the waiting list, the only error is "full".
func TestConcurrentApplicationsWithoutWaitingList(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	svc := participations(t, env.App)
	mission, _ := newMission(t, env.App, 3)
	d := newDrive(t, env.App, 30)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, full := 0, 0
	for _, e := range d.employees {
		wg.Go(func() {
			_, err := svc.Apply(d.ctx, e, campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, campaign.ErrMissionFull):
				full++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 3 || full != 27 {
		t.Fatalf("%d places taken, %d told full; want 3 and 27", won, full)
	}
}

func TestSignUpRules(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	svc := participations(t, env.App)
	mission, association := newMission(t, env.App, 5)
	other, _ := newMission(t, env.App, 5)
	d := newDrive(t, env.App, 3)
	stranger := newDrive(t, env.App, 1)
	ctx, alice, bob := d.ctx, d.employees[0], d.employees[1]
	in := campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission}

	p, err := svc.Apply(ctx, alice, in)
	if err != nil || p.Status != campaign.Pending {
		t.Fatalf("apply: %+v %v", p, err)
	}
	refused := map[string]struct {
		ctx    context.Context
		member uuid.UUID
		in     campaign.ApplyInput
		code   errs.Code
	}{
		"twice the same mission":         {ctx, alice, in, errs.Conflict},
		"another company's campaign":     {stranger.ctx, stranger.employees[0], in, errs.NotFound},
		"a mission that does not exist":  {ctx, bob, campaign.ApplyInput{CampaignID: d.campaign, MissionID: uuid.New()}, errs.NotFound},
		"a campaign that does not exist": {ctx, bob, campaign.ApplyInput{CampaignID: uuid.New(), MissionID: mission}, errs.NotFound},
	}
	for name, r := range refused {
		if _, err := svc.Apply(r.ctx, r.member, r.in); !errs.Is(err, r.code) {
			t.Errorf("%s: %v; want %s", name, err, r.code)
		}
	}
	if _, err := svc.Cancel(stranger.ctx, stranger.employees[0], p.ID, ""); !errs.Is(err, errs.NotFound) {
		t.Errorf("another company cancelling: %v; want not found", err)
	}
	if _, err := svc.Cancel(ctx, bob, p.ID, ""); !errs.Is(err, errs.NotFound) {
		t.Errorf("a colleague cancelling: %v; want not found", err)
	}
	if _, err := svc.Decide(context.Background(), uuid.New(), p.ID, campaign.Decision{Validate: true}); !errs.Is(err, errs.NotFound) {
		t.Errorf("another association deciding: %v; want not found", err)
	}
	if _, err := svc.Decide(context.Background(), association, p.ID, campaign.Decision{Reason: "because"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("a refusal with an unknown reason: %v; want invalid", err)
	}
	v, err := svc.Decide(context.Background(), association, p.ID, campaign.Decision{Validate: true})
	if err != nil || v.Status != campaign.Validated {
		t.Fatalf("validate: %+v %v", v, err)
	}
	if _, err := svc.Decide(context.Background(), association, p.ID, campaign.Decision{Validate: true}); !errs.Is(err, errs.Conflict) {
		t.Errorf("validating twice: %v; want conflict", err)
	}

	// The limit of the campaign (3 here) counts live participations.
	third, _ := newMission(t, env.App, 5)
	fourth, _ := newMission(t, env.App, 5)
	for _, m := range []uuid.UUID{other, third} {
		if _, err := svc.Apply(ctx, alice, campaign.ApplyInput{CampaignID: d.campaign, MissionID: m}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Apply(ctx, alice, campaign.ApplyInput{CampaignID: d.campaign, MissionID: fourth}); !errs.Is(err, errs.Conflict) {
		t.Errorf("a fourth mission with a limit of 3: %v; want conflict", err)
	}
	if left, _ := placesLeft(t, env.App, mission); left != 4 {
		t.Errorf("%d places left; want 4 (one validated)", left)
	}
	if _, err := svc.Cancel(ctx, alice, p.ID, "plus disponible"); err != nil {
		t.Fatal(err)
	}
	if left, _ := placesLeft(t, env.App, mission); left != 5 {
		t.Errorf("%d places left after a cancellation; want 5", left)
	}
}

func TestFlaggingCancelsParticipationsAndTellsVolunteers(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	svc := participations(t, env.App)
	mission, _ := newMission(t, env.App, 2)
	d := newDrive(t, env.App, 3)
	for _, e := range d.employees {
		if _, err := svc.Apply(d.ctx, e, campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission, WaitingList: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.App.ExecContext(context.Background(), `UPDATE missions SET status = 'flagged', flagged_at = now(),
		flagged_reason = 'Annonce trompeuse' WHERE id = ?`, mission); err != nil {
		t.Fatal(err)
	}
	if n := svc.CancelFlagged(context.Background()); n != 3 {
		t.Fatalf("%d participations cancelled; want all 3 (2 holding, 1 waiting)", n)
	}
	mine, err := svc.Mine(d.ctx, d.employees[0])
	if err != nil || len(mine) != 1 || mine[0].Status != campaign.Cancelled {
		t.Fatalf("the volunteer's participation: %+v %v; want cancelled", mine, err)
	}
	m := mailtest.Start(t).WaitFor(t, mine[0].MemberEmail, 5*time.Second)
	if m.Subject != "Mission annulée : Soutien scolaire" {
		t.Fatalf("flag mail: %q", m.Subject)
	}
	if n := svc.CancelFlagged(context.Background()); n != 0 {
		t.Fatalf("a second sweep cancelled %d; want 0", n)
	}
}

func TestApplicationsLeftUnansweredAreFlaggedOnce(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	svc := participations(t, env.App)
	mission, association := newMission(t, env.App, 5)
	d := newDrive(t, env.App, 2)
	srv := mailtest.Start(t)
	manager, admin := mailtest.Address(t), mailtest.Address(t)
	err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		id := uuid.Must(uuid.NewV7())
		if _, err := tx.ExecContext(ctx, "INSERT INTO accounts (id, email, full_name) VALUES (?, ?, 'Manager')", id, manager); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)", association, id)
		return err
	})
	if err == nil {
		err = env.App.TenantTx(d.ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, status)
				VALUES (app.current_tenant_id(), ?, ?, 'Admin', 'hr_admin', 'active')`, uuid.Must(uuid.NewV7()), admin)
			return err
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	// The campaign expects an answer within 2 days (its response_days),
	// not the week that used to be hard-coded.
	if err := env.App.TenantTx(d.ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE campaigns SET response_days = 2 WHERE id = ?", d.campaign)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	old, err := svc.Apply(d.ctx, d.employees[0], campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Apply(d.ctx, d.employees[1], campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.TenantTx(d.ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE participations SET created_at = created_at - interval '3 days',
			answer_by = answer_by - interval '3 days' WHERE id = ?`, old.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	link := func(uuid.UUID) string { return "http://localhost/associations" }
	company := func(*campaign.LateApplication) string { return "http://acme.localhost/campaigns" }
	if n := svc.FlagLate(context.Background(), link, company); n != 1 {
		t.Fatalf("%d applications flagged; want the one 3 days old, past its 2 days", n)
	}
	for _, to := range []string{manager, admin} {
		m := srv.WaitFor(t, to, 5*time.Second)
		if m.Subject != "1 candidature sans réponse depuis 3 jours" || !strings.Contains(m.Text, "Employee 0 — Soutien scolaire") {
			t.Fatalf("reminder to %s: %q %q", to, m.Subject, m.Text)
		}
	}
	if n := svc.FlagLate(context.Background(), link, company); n != 0 {
		t.Fatalf("a second round flagged %d; want 0 (once per application)", n)
	}
}

// One popular mission, many applicants at once from three companies (the
// sign-up holds the mission's row for one statement): exactly its places
// are taken, everyone else waits, its managers hear "almost full" and
// "full" once each, and cancellations hand the places over in the order
// of the waiting list.
func TestOnePopularMissionManyConcurrentApplicants(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	svc := participations(t, env.App)
	const places, each = 40, 120
	mission, association := newMission(t, env.App, places)
	drives := []*drive{newDrive(t, env.App, each), newDrive(t, env.App, each), newDrive(t, env.App, each)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := map[string]int{}
	byID := map[uuid.UUID]*drive{}
	for _, d := range drives {
		for _, e := range d.employees {
			wg.Go(func() {
				p, err := svc.Apply(d.ctx, e, campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission, WaitingList: true})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("an application failed: %v", err)
					return
				}
				count[p.Status]++
				if p.Status == campaign.Pending && p.AnswerBy == nil {
					t.Errorf("a held place without an answer-by date")
				}
				byID[p.ID] = d
			})
		}
	}
	wg.Wait()
	if count[campaign.Pending] != places || count[campaign.Waiting] != 3*each-places {
		t.Fatalf("%v; want exactly %d holding places and %d waiting", count, places, 3*each-places)
	}
	if left, status := placesLeft(t, env.App, mission); left != 0 || status != "full" {
		t.Fatalf("mission: %d places left, %s; want 0, full", left, status)
	}
	var events []string
	if err := env.App.NewRaw("SELECT kind FROM mission_events WHERE mission_id = ? ORDER BY kind", mission).Scan(context.Background(), &events); err != nil {
		t.Fatal(err)
	}
	if strings.Join(events, ",") != "almost_full,full" {
		t.Fatalf("mission events %v; want almost_full and full once each", events)
	}

	// Five holders cancel one after the other: each place goes to the
	// first of the waiting list at that moment, whatever their company.
	all, err := svc.OfAssociation(context.Background(), association, &mission, "")
	if err != nil {
		t.Fatal(err)
	}
	var holders, waiting []campaign.Participation
	for _, p := range all {
		switch p.Status {
		case campaign.Pending:
			holders = append(holders, p)
		case campaign.Waiting:
			waiting = append(waiting, p)
		}
	}
	slices.SortFunc(waiting, func(a, b campaign.Participation) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	for i := range 5 {
		h := holders[i]
		if _, err := svc.Cancel(byID[h.ID].ctx, h.MemberID, h.ID, "agenda"); err != nil {
			t.Fatal(err)
		}
	}
	pending, err := svc.OfAssociation(context.Background(), association, &mission, campaign.Pending)
	if err != nil || len(pending) != places {
		t.Fatalf("%d pending after five cancellations (err %v); want %d", len(pending), err, places)
	}
	promoted := map[uuid.UUID]bool{}
	for _, p := range pending {
		promoted[p.ID] = true
	}
	for i, w := range waiting[:5] {
		if !promoted[w.ID] {
			t.Errorf("waiting list position %d (%s) was not promoted", i+1, w.ID)
		}
	}
	if promoted[waiting[5].ID] {
		t.Errorf("position 6 was promoted before the first five were")
	}
}

// One employee's sign-ups made at the same moment (several tabs, a double
// click) are checked against each other: the limit of the campaign (3)
// holds, because each reads the employee's live sign-ups once the ones
// before it have committed.
func TestOneEmployeeSigningUpEverywhereAtOnceKeepsTheLimit(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	svc := participations(t, env.App)
	d := newDrive(t, env.App, 1)
	var missions []uuid.UUID
	for range 12 {
		m, _ := newMission(t, env.App, 5)
		missions = append(missions, m)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, refused := 0, 0
	for _, m := range missions {
		wg.Go(func() {
			_, err := svc.Apply(d.ctx, d.employees[0], campaign.ApplyInput{CampaignID: d.campaign, MissionID: m})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, campaign.ErrCampaignLimit):
				refused++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 3 || refused != 9 {
		t.Fatalf("%d sign-ups taken, %d refused by the limit; want 3 and 9", won, refused)
	}
}

// A sign-up's company is its campaign's: deleting the company deletes its
// sign-ups through its campaigns, and a sign-up cannot name a campaign of
// another company.
func TestASignUpBelongsToItsCampaignsCompany(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	leaving, staying := newDrive(t, env.App, 1), newDrive(t, env.App, 1)
	mission, _ := newMission(t, env.App, 10)
	ps := participations(t, env.App)
	for _, d := range []*drive{leaving, staying} {
		if _, err := ps.Apply(d.ctx, d.employees[0], campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission}); err != nil {
			t.Fatal(err)
		}
	}
	err := env.App.TenantTx(leaving.ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'waiting')`, uuid.Must(uuid.NewV7()), staying.campaign, leaving.employees[0], mission)
		return err
	})
	if err == nil {
		t.Fatal("a sign-up to another company's campaign was recorded")
	}
	if _, err := env.Owner.ExecContext(context.Background(), "DELETE FROM tenants WHERE id = ?", leaving.tenant.ID); err != nil {
		t.Fatal(err)
	}
	count := func(d *drive) (n int) {
		err := env.App.TenantTx(d.ctx, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT count(*) FROM participations").Scan(ctx, &n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	left, kept := count(leaving), count(staying)
	if left != 0 || kept != 1 {
		t.Fatalf("after the company's deletion: %d of its sign-ups left, %d of the other company's; want 0 and 1", left, kept)
	}
}
