package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

func TestMain(m *testing.M) {
	// The crash test runs a worker in a process of its own, this binary
	// again, so that it can kill it as an outage would.
	if db := os.Getenv("JOBS_TEST_WORKER_DB"); db != "" {
		os.Exit(doomedWorker(db, os.Getenv("JOBS_TEST_WORKER_SMTP")))
	}
	os.Exit(mailtest.Run(func() int { return pgtest.Main(m) }))
}

// none is no periodic job: tests that do not test them enqueue nothing.
var none = []*river.PeriodicJob{}

// quickRetry retries at once: the tests' outages last a moment.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

func smtpTo(t testing.TB, srv *mailtest.Server) mail.Sender {
	t.Helper()
	s, err := mail.NewSMTP(mail.Config{URL: srv.SMTPURL(), From: "Vendredi <no-reply@vendredi.test>", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// start runs a queue on db until the test ends.
func start(t *testing.T, db *postgres.DB, opt jobs.Options, svc jobs.Services) *jobs.Queue {
	t.Helper()
	if opt.FetchPoll == 0 {
		opt.FetchPoll = 100 * time.Millisecond
	}
	q, err := jobs.New(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	q.Bind(svc)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.StopWithin(10 * time.Second) })
	return q
}

// eventually waits up to limit for cond, failing the test with what.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func message(to, subject string) mail.Message {
	return mail.Message{To: []mail.Address{{Email: to}}, Subject: subject, Text: subject + "\n"}
}

// mailJobs counts the outbox's jobs to an address.
func mailJobs(t *testing.T, db *postgres.DB, to string) int {
	t.Helper()
	var n int
	if err := db.NewRaw("SELECT count(*) FROM river_job WHERE kind = 'mail' AND args->'message'->'To' @> ?::jsonb",
		fmt.Sprintf(`[{"Email": %q}]`, to)).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

type passArgs struct{}

func (passArgs) Kind() string { return "test_pass" }

type markerArgs struct{}

func (markerArgs) Kind() string { return "test_leader_marker" }

// Two processes work one queue; the leader enqueues the periodic pass. When
// it goes away mid-period, the other is elected and enqueues its periodic
// jobs at once: the pass of this period is not enqueued again.
func TestAPeriodicJobRunsOncePerPeriodWhateverTheReplicas(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t)
	var passes, leaders atomic.Int32
	opt := func(id string) jobs.Options {
		return jobs.Options{Work: true, ListenURL: env.AppURL, ID: id,
			Periodic: []*river.PeriodicJob{
				jobs.Every(time.Hour, passArgs{}),
				// Not unique: one per leader's start, which tells the test
				// that a leader has enqueued its periodic jobs.
				river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
					return markerArgs{}, nil
				}, &river.PeriodicJobOpts{RunOnStart: true}),
			},
			Register: func(w *river.Workers) {
				river.AddWorker(w, river.WorkFunc(func(context.Context, *river.Job[passArgs]) error { passes.Add(1); return nil }))
				river.AddWorker(w, river.WorkFunc(func(context.Context, *river.Job[markerArgs]) error { leaders.Add(1); return nil }))
			}}
	}
	replicas := map[string]*jobs.Queue{
		"replica-a": start(t, env.App, opt("replica-a"), jobs.Services{}),
		"replica-b": start(t, env.App, opt("replica-b"), jobs.Services{}),
	}
	eventually(t, 30*time.Second, "a leader runs the pass", func() bool { return leaders.Load() == 1 && passes.Load() == 1 })

	var leader string
	if err := env.App.NewRaw("SELECT leader_id FROM river_leader").Scan(context.Background(), &leader); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := replicas[leader].Stop(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the other replica is elected and enqueues its periodic jobs", func() bool { return leaders.Load() == 2 })

	var enqueued int
	if err := env.App.NewRaw("SELECT count(*) FROM river_job WHERE kind = 'test_pass'").Scan(context.Background(), &enqueued); err != nil {
		t.Fatal(err)
	}
	if enqueued != 1 || passes.Load() != 1 {
		t.Fatalf("the pass was enqueued %d times and ran %d times in one period by two leaders; want once", enqueued, passes.Load())
	}
}

// A change rolled back takes its mail with it; a change committed while
// the mail server is down has its mail delivered once the server is back,
// once.
func TestTheOutboxSendsWhatCommitsOnceEvenThroughAnOutage(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t) // its own queue: another test's workers would send its mails elsewhere
	srv := mailtest.New(t)
	q := start(t, env.App, jobs.Options{Work: true, ListenURL: env.AppURL, Retry: quickRetry{}, Periodic: none},
		jobs.Services{Mail: smtpTo(t, srv)})
	companies := postgres.NewTenantStore(env.App)
	ctx := context.Background()
	rolledBack, committed := mailtest.Address(t), mailtest.Address(t)

	// A company created with its welcome mail, then the unit of work fails.
	gone, _ := tenants.New("gone-"+uuid.NewString()[:8], "Gone", nil, "fr")
	err := env.App.InTx(ctx, func(ctx context.Context) error {
		if err := companies.Create(ctx, gone); err != nil {
			return err
		}
		if err := q.Outbox().Send(ctx, message(rolledBack, "Bienvenue")); err != nil {
			return err
		}
		return errs.E(errs.Conflict, "something later in the change failed")
	})
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("unit of work: %v; want its own failure", err)
	}
	if _, err := companies.BySlug(ctx, gone.Slug); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the rolled-back company is there (%v)", err)
	}
	if n := mailJobs(t, env.Owner, rolledBack); n != 0 {
		t.Fatalf("%d mails queued by a rolled-back change; want none", n)
	}

	// The mail server is down when the change commits.
	srv.Down(t)
	kept, _ := tenants.New("kept-"+uuid.NewString()[:8], "Kept", nil, "fr")
	if err := env.App.InTx(ctx, func(ctx context.Context) error {
		if err := companies.Create(ctx, kept); err != nil {
			return err
		}
		return q.Outbox().Send(ctx, message(committed, "Bienvenue"))
	}); err != nil {
		t.Fatalf("a change that mails while the mail server is down: %v; want it committed", err)
	}
	eventually(t, 30*time.Second, "the worker tries the mail and fails", func() bool {
		res, err := q.Client().JobList(ctx, river.NewJobListParams().Kinds("mail"))
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range res.Jobs {
			if strings.Contains(string(j.EncodedArgs), committed) && len(j.Errors) > 0 {
				return true
			}
		}
		return false
	})
	srv.Up(t)
	srv.WaitFor(t, committed, 30*time.Second)
	eventually(t, 30*time.Second, "the mail's job completes", func() bool {
		res, err := q.Client().JobList(ctx, river.NewJobListParams().Kinds("mail").States(rivertype.JobStateCompleted))
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range res.Jobs {
			if strings.Contains(string(j.EncodedArgs), committed) {
				return true
			}
		}
		return false
	})
	if n := len(srv.Messages(t, committed)); n != 1 {
		t.Fatalf("the committed change's mail arrived %d times; want once", n)
	}
	if n := len(srv.Messages(t, rolledBack)); n != 0 {
		t.Fatalf("the rolled-back change's mail arrived %d times; want never", n)
	}
}

// A mail the server refuses for good is not retried: it is at once among
// the failed deliveries staff see, and a retry from there sends it.
func TestARefusedMailIsShownToStaffWhoCanRetryIt(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t) // its own queue: another test's workers would send its mails elsewhere
	to := mailtest.Address(t)
	// The server takes mail for another address only: ours is refused
	// (5xx on RCPT TO), as a mailbox that does not exist would be.
	strict := mailtest.New(t, "--smtp-allowed-recipients", "^someone-else@")
	q := start(t, env.App, jobs.Options{Work: true, ListenURL: env.AppURL, Retry: quickRetry{}, Periodic: none},
		jobs.Services{Mail: smtpTo(t, strict)})
	ctx := context.Background()
	if err := q.Outbox().Send(ctx, message(to, "Votre lien")); err != nil {
		t.Fatal(err)
	}
	var failed jobs.FailedMail
	eventually(t, 30*time.Second, "the refused mail is listed as failed", func() bool {
		list, err := q.FailedMails(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range list {
			if f.To == to {
				failed = f
				return true
			}
		}
		return false
	})
	if failed.Subject != "Votre lien" || failed.Error == "" || failed.Attempts != 1 {
		t.Errorf("failed delivery %+v; want its subject, the server's answer, after one attempt", failed)
	}
	if err := q.RetryMail(ctx, failed.ID+1_000_000); !errs.Is(err, errs.NotFound) {
		t.Errorf("retrying an unknown delivery: %v; want not found", err)
	}
	if err := q.RetryMail(ctx, failed.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the retried mail is tried again", func() bool {
		j, err := q.Client().JobGet(ctx, failed.ID)
		if err != nil {
			t.Fatal(err)
		}
		return j.Attempt == 2 && j.FinalizedAt != nil
	})
}

// A worker killed in the middle of a batch: once another worker takes
// over, every mail has arrived exactly once. A mail the dead worker had
// handed to the server without recording it is sent again with the same
// Message-ID, which receivers (here mailpit, told to) drop as a copy.
func TestAWorkerKilledMidBatchLosesNoMailAndDoublesNone(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t)
	srv := mailtest.New(t, "--ignore-duplicate-ids")
	ctx := context.Background()
	const batch = 40
	base := mailtest.Address(t)
	prefix, _, _ := strings.Cut(base, "@")
	addrs := make([]string, batch)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("%s-%02d@example.com", prefix, i)
	}
	// The batch is queued in one transaction, as a campaign's launch does.
	producer := start(t, env.App, jobs.Options{}, jobs.Services{})
	if err := env.App.InTx(ctx, func(ctx context.Context) error {
		for _, a := range addrs {
			if err := producer.Outbox().Send(ctx, message(a, "Lancement de la campagne")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	worker := exec.Command(os.Args[0], "-test.run=^$")
	worker.Env = append(os.Environ(), "JOBS_TEST_WORKER_DB="+env.AppURL, "JOBS_TEST_WORKER_SMTP="+srv.SMTPURL())
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the worker delivers part of the batch", func() bool { return received(t, srv, prefix) >= 8 })
	if err := worker.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = worker.Wait()
	before := received(t, srv, prefix)
	if before >= batch {
		t.Fatalf("the whole batch went out before the kill (%d mails); the test did not kill mid-batch", before)
	}
	// The dead worker's leadership would lapse after its lease (some
	// fifteen seconds); dropping it spares the test the wait. Its running
	// jobs are rescued once older than RescueAfter.
	if _, err := env.Owner.ExecContext(ctx, "DELETE FROM river_leader"); err != nil {
		t.Fatal(err)
	}
	const rescueAfter = 2 * time.Second
	time.Sleep(rescueAfter)
	q := start(t, env.App, jobs.Options{Work: true, ListenURL: env.AppURL, Retry: quickRetry{}, Periodic: none,
		JobTimeout: time.Second, RescueAfter: rescueAfter}, jobs.Services{Mail: smtpTo(t, srv)})
	eventually(t, 40*time.Second, "every mail of the batch is delivered", func() bool {
		res, err := q.Client().JobList(ctx, river.NewJobListParams().Kinds("mail").States(rivertype.JobStateCompleted).First(batch+1))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Jobs) == batch
	})
	resent := 0
	res, err := q.Client().JobList(ctx, river.NewJobListParams().Kinds("mail").First(batch+1))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range res.Jobs {
		if j.Attempt > 1 {
			resent++
		}
	}
	for _, a := range addrs {
		if n := len(srv.Messages(t, a)); n != 1 {
			t.Errorf("%s received %d mails; want exactly one", a, n)
		}
	}
	t.Logf("%d of %d mails delivered before the kill; %d jobs ran again after it", before, batch, resent)
}

// received counts the mails whose recipient starts with prefix.
func received(t *testing.T, srv *mailtest.Server, prefix string) int {
	t.Helper()
	res, err := http.Get(srv.WebURL() + "/api/v1/search?" + url.Values{"query": {"to:" + prefix}, "limit": {"1"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Total int `json:"messages_count"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Total
}

// doomedWorker works the queue of db until it is killed, holding each mail
// a moment after the server took it: a kill then lands between a delivery
// and its record, the case that could double a mail.
func doomedWorker(db, smtpURL string) int {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, db, postgres.Options{MaxConns: 12})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	smtp, err := mail.NewSMTP(mail.Config{URL: smtpURL, From: "Vendredi <no-reply@vendredi.test>"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q, err := jobs.New(ctx, pool, jobs.Options{Work: true, ListenURL: db, FetchPoll: 100 * time.Millisecond, Periodic: none, ID: "doomed"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q.Bind(jobs.Services{Mail: slowAfter{smtp}})
	if err := q.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	select {}
}

// slowAfter sends through SMTP, then takes its time to report it.
type slowAfter struct{ mail.Sender }

func (s slowAfter) Send(ctx context.Context, m mail.Message) error {
	err := s.Sender.Send(ctx, m)
	time.Sleep(300 * time.Millisecond)
	return err
}

type slowArgs struct{}

func (slowArgs) Kind() string { return "test_slow" }

// A job running when its process is told to stop runs to its end, on a
// context that the stop did not cancel (it replaces the tickers' test of
// the same promise).
func TestStopLetsTheRunningJobFinish(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var cancelled atomic.Bool
	q := start(t, env.App, jobs.Options{Work: true, ListenURL: env.AppURL, Periodic: none, Register: func(w *river.Workers) {
		river.AddWorker(w, river.WorkFunc(func(ctx context.Context, _ *river.Job[slowArgs]) error {
			close(entered)
			<-release // busy when the stop comes
			cancelled.Store(ctx.Err() != nil)
			return nil
		}))
	}}, jobs.Services{})
	res, err := q.Client().Insert(context.Background(), slowArgs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- q.Stop(ctx)
	}()
	select {
	case <-stopped:
		t.Fatal("the queue stopped while its job was still running")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	j, err := q.Client().JobGet(context.Background(), res.Job.ID)
	if err != nil || j.State != rivertype.JobStateCompleted || cancelled.Load() {
		t.Fatalf("job %v (%v), its context cancelled: %v; want it completed on a live context", j.State, err, cancelled.Load())
	}
}
