package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

func TestApproveHoursActsForTheCompanyOrTheAssociation(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	store := postgres.NewHourStore(env.App)
	assocX, missionX := associationWithMission(t, env)
	_, missionY := associationWithMission(t, env)
	a, b := newCampaignFixture(t, env, nil), newCampaignFixture(t, env, nil)
	ma, mb := a.member(), b.member()
	aOnX := a.hours(a.participation(ma, missionX, "validated", time.Now()), ma, missionX, 2)
	bOnX := b.hours(b.participation(mb, missionX, "validated", time.Now()), mb, missionX, 3)
	aOnY := a.hours(a.participation(ma, missionY, "validated", time.Now()), ma, missionY, 4)

	t.Run("an association approves its missions' hours from every company, and no others", func(t *testing.T) {
		out, err := store.ApproveHours(campaign.ForAssociation(context.Background(), assocX),
			[]uuid.UUID{aOnX, bOnX, aOnY}, "responsable@asso.example")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{campaign.OutcomeApproved, campaign.OutcomeApproved, campaign.OutcomeNotFound}
		for i, o := range out {
			if o.Outcome != want[i] {
				t.Errorf("outcome %d: %s; want %s", i, o.Outcome, want[i])
			}
		}
	})
	t.Run("a company approves its own only, once", func(t *testing.T) {
		out, err := store.ApproveHours(b.ctx(), []uuid.UUID{aOnY, bOnX}, "rh@b.example")
		if err != nil || out[0].Outcome != campaign.OutcomeNotFound || out[1].Outcome != campaign.OutcomeAlreadyApproved {
			t.Fatalf("%+v %v; want A's entry not found, B's already approved", out, err)
		}
		if _, err := store.RejectHours(b.ctx(), aOnY, "rh@b.example"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("rejecting another company's entry: %v; want not found", err)
		}
		out, err = store.ApproveHours(a.ctx(), []uuid.UUID{aOnY}, "rh@a.example")
		if err != nil || out[0].Outcome != campaign.OutcomeApproved {
			t.Fatalf("%+v %v; want approved", out, err)
		}
	})
	t.Run("without a company or an association, nothing", func(t *testing.T) {
		if _, err := store.ApproveHours(context.Background(), []uuid.UUID{aOnY}, "x"); !errs.Is(err, errs.Internal) {
			t.Fatalf("%v; want an internal error (a bug in the caller)", err)
		}
	})
}

func TestConcurrentEntriesStayUnderTheAllowance(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	_, mission := associationWithMission(t, env)
	f := newCampaignFixture(t, env, func(c *campaign.Campaign) { c.AllowanceHours = ptrFloat(10) })
	member := f.member()
	p := f.participation(member, mission, "validated", time.Now())
	store := postgres.NewHourStore(env.App)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, over int
		other    []error
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := campaign.HourInput{WorkedOn: campaign.DayOf(time.Now().AddDate(0, 0, -i-1)), Hours: 3}
			_, err := store.LogHours(f.ctx(), member, p, &in, func(s *campaign.HourSnapshot) (string, error) {
				s.Now = time.Now()
				return campaign.DecideHours(s, &in)
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errs.Is(err, errs.Conflict):
				over++
			default:
				other = append(other, err)
			}
		}()
	}
	wg.Wait()
	if ok != 3 || over != 5 || len(other) > 0 {
		t.Fatalf("%d logged, %d refused, errors %v; want 3 entries of 3 h under an allowance of 10 h, 5 refused", ok, over, other)
	}
}

func ptrFloat(f float64) *float64 { return &f }
