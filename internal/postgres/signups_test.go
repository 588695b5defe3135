package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// heldSignUps is a service on a store whose sign-ups wait until released:
// those queued meanwhile share transactions, as under load.
type heldSignUps struct {
	svc     *campaign.Participations
	queued  func(n int)
	release func()

	wg  sync.WaitGroup
	mu  sync.Mutex
	out map[string]signUpOutcome
	n   int
}

type signUpOutcome struct {
	p   *campaign.Participation
	err error
}

func holdSignUps(t *testing.T, db *postgres.DB) *heldSignUps {
	t.Helper()
	smtp, err := mail.NewSMTP(mail.Config{URL: mailtest.Start(t).SMTPURL(), From: "Vendredi <no-reply@vendredi.test>"})
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewParticipationStore(db)
	h := &heldSignUps{out: map[string]signUpOutcome{}}
	h.svc = campaign.NewParticipations(store,
		mail.VolunteerNotifier{Sender: smtp, CompanyURL: func(*campaign.Participation) string { return "http://acme.localhost" }})
	h.queued, h.release = store.HoldSignUps()
	return h
}

// apply queues a sign-up named name, after those queued before it.
func (h *heldSignUps) apply(ctx context.Context, name string, member uuid.UUID, in campaign.ApplyInput) {
	h.n++
	h.wg.Go(func() {
		p, err := h.svc.Apply(ctx, member, in)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.out[name] = signUpOutcome{p, err}
	})
	h.queued(h.n)
}

// done releases the sign-ups and waits for their outcomes.
func (h *heldSignUps) done() map[string]signUpOutcome {
	h.release()
	h.wg.Wait()
	return h.out
}

// Sign-ups that share a transaction are each decided as if alone, in the
// order they came: places go to the first, the waiting list to the next
// who accept it, "full" to the others, and the rules' refusals and
// unknown objects to their own sign-up only.
func TestSignUpsSharingATransactionAreEachDecidedAlone(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	h := holdSignUps(t, env.App)
	two, _ := newMission(t, env.App, 2)
	closed, _ := newMission(t, env.App, 2)
	if _, err := env.Owner.ExecContext(context.Background(), "UPDATE missions SET status = 'closed' WHERE id = ?", closed); err != nil {
		t.Fatal(err)
	}
	d := newDrive(t, env.App, 6)
	in := func(m uuid.UUID, waiting bool) campaign.ApplyInput {
		return campaign.ApplyInput{CampaignID: d.campaign, MissionID: m, WaitingList: waiting}
	}
	h.apply(d.ctx, "first", d.employees[0], in(two, true))
	h.apply(d.ctx, "closed mission", d.employees[1], in(closed, true))
	h.apply(d.ctx, "second", d.employees[2], in(two, false))
	h.apply(d.ctx, "third, waiting", d.employees[3], in(two, true))
	h.apply(d.ctx, "fourth, no waiting list", d.employees[4], in(two, false))
	h.apply(d.ctx, "unknown campaign", d.employees[5], campaign.ApplyInput{CampaignID: uuid.New(), MissionID: two})
	out := h.done()

	for name, want := range map[string]string{"first": campaign.Pending, "second": campaign.Pending, "third, waiting": campaign.Waiting} {
		if o := out[name]; o.err != nil || o.p.Status != want {
			t.Errorf("%s: %+v, %v; want %s", name, o.p, o.err, want)
		}
	}
	if o := out["first"]; o.p != nil && (o.p.AnswerBy == nil || !o.p.CreatedAt.Equal(out["third, waiting"].p.CreatedAt)) {
		t.Errorf("the first holds a place answered by %v, created at %v; want a date, and the transaction's time (%v)",
			o.p.AnswerBy, o.p.CreatedAt, out["third, waiting"].p.CreatedAt)
	}
	if o := out["third, waiting"]; o.p != nil && o.p.AnswerBy != nil {
		t.Errorf("a waiting sign-up is answered by %v; want no date", o.p.AnswerBy)
	}
	for name, want := range map[string]error{"closed mission": campaign.ErrMissionClosed, "fourth, no waiting list": campaign.ErrMissionFull} {
		if o := out[name]; !errors.Is(o.err, want) {
			t.Errorf("%s: %+v, %v; want %v", name, o.p, o.err, want)
		}
	}
	if o := out["unknown campaign"]; !errs.Is(o.err, errs.NotFound) {
		t.Errorf("unknown campaign: %v; want not found", o.err)
	}
	if left, status := placesLeft(t, env.App, two); left != 0 || status != "full" {
		t.Errorf("mission: %d places left, %s; want 0, full", left, status)
	}
	var kinds []string
	if err := env.Owner.NewRaw("SELECT kind FROM mission_events WHERE mission_id = ? ORDER BY id", two).Scan(context.Background(), &kinds); err != nil {
		t.Fatal(err)
	}
	if len(kinds) != 2 || kinds[0] != "almost_full" || kinds[1] != "full" {
		t.Errorf("the mission's events: %v; want almost_full, then full", kinds)
	}
}

// A sign-up that the database refuses fails alone: the others of its
// transaction are tried again, each in its own, and keep their places.
func TestASignUpTheDatabaseRefusesFailsAlone(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	if _, err := env.Owner.ExecContext(context.Background(), `
		CREATE FUNCTION refuse_for_the_test() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.motivation = 'refuse me' THEN RAISE EXCEPTION 'refused for the test'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER refuse_for_the_test BEFORE INSERT ON participations FOR EACH ROW EXECUTE FUNCTION refuse_for_the_test()`); err != nil {
		t.Fatal(err)
	}
	h := holdSignUps(t, env.App)
	mission, _ := newMission(t, env.App, 5)
	d := newDrive(t, env.App, 3)
	for i, motivation := range []string{"", "refuse me", ""} {
		h.apply(d.ctx, motivation+string(rune('a'+i)), d.employees[i],
			campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission, Motivation: motivation})
	}
	out := h.done()
	for _, name := range []string{"a", "c"} {
		if o := out[name]; o.err != nil || o.p.Status != campaign.Pending {
			t.Errorf("%s: %+v, %v; want pending", name, o.p, o.err)
		}
	}
	if o := out["refuse meb"]; o.err == nil {
		t.Errorf("the refused sign-up: %+v; want an error", o.p)
	}
	if left, _ := placesLeft(t, env.App, mission); left != 3 {
		t.Errorf("%d places left; want 3", left)
	}
}

// One employee's sign-ups never share a transaction: each must see the
// ones before it, or the campaign's limit (3) would not hold.
func TestOneEmployeesSignUpsQueuedTogetherKeepTheLimit(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	h := holdSignUps(t, env.App)
	d := newDrive(t, env.App, 1)
	for i := range 5 {
		m, _ := newMission(t, env.App, 5)
		h.apply(d.ctx, string(rune('a'+i)), d.employees[0], campaign.ApplyInput{CampaignID: d.campaign, MissionID: m})
	}
	won, refused := 0, 0
	for name, o := range h.done() {
		switch {
		case o.err == nil:
			won++
		case errors.Is(o.err, campaign.ErrCampaignLimit):
			refused++
		default:
			t.Errorf("%s: %v", name, o.err)
		}
	}
	if won != 3 || refused != 2 {
		t.Fatalf("%d sign-ups taken, %d refused by the limit; want 3 and 2", won, refused)
	}
}

// A sign-up whose request ends while it waits is not recorded, and its
// employee is told; the others go on.
func TestASignUpGivenUpWhileWaitingIsNotRecorded(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	h := holdSignUps(t, env.App)
	mission, _ := newMission(t, env.App, 5)
	d := newDrive(t, env.App, 2)
	ctx, cancel := context.WithCancel(d.ctx)
	h.apply(ctx, "given up", d.employees[0], campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission})
	h.apply(d.ctx, "kept", d.employees[1], campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission})
	cancel()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		h.mu.Lock()
		_, back := h.out["given up"]
		h.mu.Unlock()
		if back || time.Now().After(deadline) {
			break
		}
	}
	out := h.done()
	if o := out["given up"]; !errors.Is(o.err, context.Canceled) {
		t.Errorf("the sign-up given up: %+v, %v; want context canceled", o.p, o.err)
	}
	if o := out["kept"]; o.err != nil {
		t.Errorf("the other: %v", o.err)
	}
	if left, _ := placesLeft(t, env.App, mission); left != 4 {
		t.Errorf("%d places left; want 4: only the sign-up kept", left)
	}
}

// A sign-up whose rules panic fails alone, as an error, and the server
// goes on: the others of its transaction keep their places.
func TestASignUpWhoseRulesPanicFailsAlone(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	store := postgres.NewParticipationStore(env.App)
	queued, release := store.HoldSignUps()
	mission, _ := newMission(t, env.App, 5)
	d := newDrive(t, env.App, 3)
	errors := make([]error, len(d.employees))
	var wg sync.WaitGroup
	for i, e := range d.employees {
		wg.Go(func() {
			_, _, errors[i] = store.Apply(d.ctx, e, campaign.ApplyInput{CampaignID: d.campaign, MissionID: mission},
				func(*campaign.Snapshot) (string, error) {
					if i == 1 {
						panic("a bug in the rules")
					}
					return campaign.Pending, nil
				})
		})
		queued(i + 1)
	}
	release()
	wg.Wait()
	if errors[0] != nil || errors[2] != nil || errors[1] == nil {
		t.Errorf("errors %v; want one for the second sign-up only", errors)
	}
	if left, _ := placesLeft(t, env.App, mission); left != 3 {
		t.Errorf("%d places left; want 3", left)
	}
}

// Two companies' sign-ups queued together go in transactions of their
// own company: each is its company's, under its row-level security.
func TestTwoCompaniesSignUpsQueuedTogetherAreEachTheirCompanys(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	h := holdSignUps(t, env.App)
	mission, _ := newMission(t, env.App, 5)
	acme, globex := newDrive(t, env.App, 2), newDrive(t, env.App, 1)
	h.apply(acme.ctx, "acme", acme.employees[0], campaign.ApplyInput{CampaignID: acme.campaign, MissionID: mission})
	h.apply(globex.ctx, "globex", globex.employees[0], campaign.ApplyInput{CampaignID: globex.campaign, MissionID: mission})
	h.apply(acme.ctx, "acme too", acme.employees[1], campaign.ApplyInput{CampaignID: acme.campaign, MissionID: mission})
	for name, o := range h.done() {
		if o.err != nil || o.p.Status != campaign.Pending {
			t.Errorf("%s: %+v, %v; want pending", name, o.p, o.err)
		}
	}
	if left, _ := placesLeft(t, env.App, mission); left != 2 {
		t.Errorf("%d places left; want 2", left)
	}
}
