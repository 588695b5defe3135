package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// Two replicas work one queue with the product's weekly digest job. The
// leader enqueues it on start (the week is due), it fans out one job per
// company; the leader stops, the other replica is elected and enqueues
// its periodic jobs on start too: each company's digest of the week still
// runs once, and with the company in its context.
func TestTheWeeklyDigestRunsOncePerCompanyWhateverTheReplicas(t *testing.T) {
	t.Parallel()
	if !notify.DigestDue(time.Now()) {
		t.Skip("Monday before the digests' hour: this week's are not due yet")
	}
	env := pgtest.Private(t)
	ctx := context.Background()
	var companies []uuid.UUID
	for range 2 {
		tn, _ := tenants.New("co-"+uuid.NewString()[:8], "Co", nil, "fr")
		if err := postgres.NewTenantStore(env.App).Create(ctx, tn); err != nil {
			t.Fatal(err)
		}
		companies = append(companies, tn.ID)
	}
	var (
		mu       sync.Mutex
		digests  = map[uuid.UUID]int{}
		managers int
		leaders  int
	)
	svc := jobs.Services{Tenants: postgres.NewTenantStore(env.App), Notify: jobs.NotifyServices{
		CompanyDigest: func(ctx context.Context, week time.Time) error {
			t, err := tenants.Require(ctx)
			if err != nil || !week.Equal(notify.WeekOf(time.Now())) {
				return river.JobCancel(err)
			}
			mu.Lock()
			defer mu.Unlock()
			digests[t.ID]++
			return nil
		},
		AssociationDigests: func(context.Context, time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			managers++
			return nil
		},
	}}
	opt := func(id string) jobs.Options {
		return jobs.Options{Work: true, ListenURL: env.AppURL, ID: id,
			Periodic: []*river.PeriodicJob{jobs.WeeklyDigests(),
				river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
					return markerArgs{}, nil
				}, &river.PeriodicJobOpts{RunOnStart: true})},
			Register: func(w *river.Workers) {
				river.AddWorker(w, river.WorkFunc(func(context.Context, *river.Job[markerArgs]) error {
					mu.Lock()
					defer mu.Unlock()
					leaders++
					return nil
				}))
			}}
	}
	replicas := map[string]*jobs.Queue{"replica-a": start(t, env.App, opt("replica-a"), svc), "replica-b": start(t, env.App, opt("replica-b"), svc)}
	done := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return digests[companies[0]] >= 1 && digests[companies[1]] >= 1 && managers >= 1
	}
	eventually(t, 30*time.Second, "the leader's digests run", done)
	var leader string
	if err := env.App.NewRaw("SELECT leader_id FROM river_leader").Scan(ctx, &leader); err != nil {
		t.Fatal(err)
	}
	stop, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := replicas[leader].Stop(stop); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the other replica is elected and enqueues its periodic jobs", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return leaders == 2
	})
	time.Sleep(2 * time.Second) // what the new leader enqueued would have run
	mu.Lock()
	defer mu.Unlock()
	for _, id := range companies {
		if digests[id] != 1 {
			t.Errorf("company %s's digest ran %d times this week; want once", id, digests[id])
		}
	}
	if managers != 1 {
		t.Errorf("the managers' digests ran %d times this week; want once", managers)
	}
}
