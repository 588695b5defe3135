// Package jobs runs Vendredi's background work on River, a job queue kept
// in PostgreSQL: mails (the outbox), and the periodic passes (scheduled
// campaigns, late applications, flagged missions). Workers run inside
// `vendredi serve` and in `vendredi worker`; any number of them share one
// queue, each job is worked once, and periodic jobs are enqueued by the
// elected leader only, unique per period, so that a pass runs once per
// period whatever the replica count.
//
// River talks to the database through database/sql (riverdatabasesql), the
// pool the stores use: a job is inserted in the very transaction of the
// change that causes it (postgres.CurrentTx), so a committed change always
// has its mails and a rolled-back one never has. A small pgx pool only
// LISTENs, so that workers pick new jobs up at once instead of polling.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/tenants"
)

// Options tune a Queue.
type Options struct {
	// Work runs workers and, on the leader, the periodic jobs in this
	// process. Without it the queue only inserts (serve --workers=false,
	// beside a `vendredi worker`).
	Work bool
	// ListenURL is the database, for LISTEN: new jobs are worked at once.
	// Empty, workers poll every FetchPoll.
	ListenURL string
	// FetchPoll is how often workers look for jobs without a notification
	// (default one second).
	FetchPoll time.Duration
	// Retry overrides the backoff between attempts (tests); River's
	// default is attempt⁴ seconds.
	Retry river.ClientRetryPolicy
	// RescueAfter is how long a job may stay running before it is taken
	// for the job of a dead worker and run again (default an hour; tests
	// shorten it with JobTimeout).
	RescueAfter time.Duration
	// JobTimeout bounds one attempt (default a minute).
	JobTimeout time.Duration
	// ID names this process among the queue's clients (default random).
	ID string
	// Logger receives River's own logs (default slog's, at warnings).
	Logger *slog.Logger
	// Periodic replaces the periodic jobs (tests); nil keeps the
	// product's.
	Periodic []*river.PeriodicJob
	// Register adds workers (tests).
	Register func(*river.Workers)
}

// Services are what the workers call. Wiring fills them after building the
// services, which themselves mail through the Queue's Outbox.
type Services struct {
	// Mail delivers the outbox's mails: SMTP in production.
	Mail mail.Sender
	// Tenants lists the companies for the per-company passes.
	Tenants Companies
	// StartDue launches a company's due campaigns and mails the ones
	// running campaigns missed; ctx carries the company.
	StartDue func(ctx context.Context, t *tenants.Tenant)
	// MissionEvents mails the pending mission events and cancels the
	// sign-ups of flagged missions.
	MissionEvents func(ctx context.Context)
	// LateApplications flags the applications left unanswered.
	LateApplications func(ctx context.Context)
	// ReminderCompanies lists the companies with a reminder due;
	// SendReminders sends one company's (ctx carries it).
	ReminderCompanies func(ctx context.Context) ([]uuid.UUID, error)
	SendReminders     func(ctx context.Context) error
	// PurgeExpired applies one company's retention (ctx carries it).
	PurgeExpired func(ctx context.Context) error
	// Notify are the digests' and the chat posts' (notifications.go).
	Notify NotifyServices
	// Billing works billing's jobs; nil when billing is off.
	Billing Billing
	// BillingDebounce is the least time between two seat updates of a
	// company.
	BillingDebounce time.Duration
}

// Companies is the platform's directory, as the passes read it.
type Companies interface {
	List(ctx context.Context) ([]*tenants.Tenant, error)
	ByID(ctx context.Context, id uuid.UUID) (*tenants.Tenant, error)
}

// Queue is the River client of this process.
type Queue struct {
	client *river.Client[*sql.Tx]
	listen *pgxpool.Pool
	svc    Services
	work   bool
}

// MailAttempts is how many times a mail is tried before it is shown to
// staff as failed: with River's backoff (attempt⁴ seconds) the last try
// comes about a day after the first.
const MailAttempts = 12

// New builds the queue on db; Bind gives it its services, Start starts it.
func New(ctx context.Context, db *postgres.DB, opt Options) (*Queue, error) {
	q := &Queue{work: opt.Work}
	driver := riverdatabasesql.New(db.DB.DB)
	if opt.ListenURL != "" {
		cfg, err := pgxpool.ParseConfig(opt.ListenURL)
		if err != nil {
			return nil, fmt.Errorf("jobs: database URL: %w", err)
		}
		// One connection per client, hijacked for LISTEN for good.
		cfg.MaxConns, cfg.MinConns = 1, 0
		if q.listen, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return nil, fmt.Errorf("jobs: listener pool: %w", err)
		}
		driver = riverdatabasesql.NewWithPgxListener(db.DB.DB, q.listen)
	}
	logger := opt.Logger
	if logger == nil {
		logger = slog.New(&levelAtLeast{slog.Default().Handler(), slog.LevelWarn})
	}
	cfg := &river.Config{
		ID:                   opt.ID,
		Logger:               logger,
		FetchPollInterval:    opt.FetchPoll,
		RetryPolicy:          opt.Retry,
		RescueStuckJobsAfter: opt.RescueAfter,
		JobTimeout:           opt.JobTimeout,
		// Keep finished jobs a week: staff look back at what was sent, and
		// a mail's uniqueness outlives a pass.
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
		DiscardedJobRetentionPeriod: 90 * 24 * time.Hour,
		CancelledJobRetentionPeriod: 90 * 24 * time.Hour,
	}
	if opt.Work {
		workers := river.NewWorkers()
		river.AddWorker(workers, &mailWorker{q: q})
		q.addPassWorkers(workers)
		q.addNotificationWorkers(workers)
		q.addBillingWorkers(workers)
		if opt.Register != nil {
			opt.Register(workers)
		}
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}}
		cfg.PeriodicJobs = opt.Periodic
		if cfg.PeriodicJobs == nil {
			cfg.PeriodicJobs = append(periodicJobs(), notificationJobs()...)
		}
	}
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	q.client = c
	return q, nil
}

// Bind gives the workers their services; call it before Start.
func (q *Queue) Bind(s Services) { q.svc = s }

// Client is River's client, for tests and for what this package does not
// wrap.
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// Start starts working jobs until ctx ends or Stop; an insert-only queue
// has nothing to start.
func (q *Queue) Start(ctx context.Context) error {
	if !q.work {
		return nil
	}
	err := q.client.Start(ctx)
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "42P01" { // undefined_table
		return errs.Wrap(err, errs.Unavailable, "the job queue's tables are missing: run `vendredi migrate up`")
	}
	return err
}

// Stop lets running jobs finish (up to ctx's deadline, then cancels them)
// and stops the workers.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.work {
		return nil
	}
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = q.client.StopAndCancel(context.WithoutCancel(ctx))
	}
	return err
}

// Close releases the listener's pool; call it after Stop.
func (q *Queue) Close() {
	if q.listen != nil {
		q.listen.Close()
	}
}

// StopWithin stops the queue, giving running jobs grace to finish, and
// closes it: a process's, or a test's, last word to its queue.
func (q *Queue) StopWithin(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := q.Stop(ctx)
	q.Close()
	return err
}

// Insert enqueues a job in the transaction of ctx when there is one
// (postgres.CurrentTx): it is then committed or rolled back with the
// change. Outside a transaction the job is committed on its own.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if tx, ok := postgres.CurrentTx(ctx); ok {
		res, err := q.client.InsertTx(ctx, tx, args, opts)
		if !errors.Is(err, sql.ErrTxDone) {
			return res, err
		}
		// A ctx kept past its transaction: the change is committed
		// already, so the job goes on its own rather than not at all.
	}
	return q.client.Insert(ctx, args, opts)
}

// tenantOf reads the company of a per-company job and puts it in ctx, so
// that the stores bind row-level security to it. A company that is no
// longer active gets no background work.
func (q *Queue) tenantOf(ctx context.Context, id uuid.UUID) (context.Context, *tenants.Tenant, error) {
	t, err := q.svc.Tenants.ByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if t.Status != tenants.Active {
		return nil, nil, nil
	}
	return tenants.NewContext(ctx, t), t, nil
}

// levelAtLeast drops River's informational logs (every leader election,
// every maintenance pass), which would drown the product's.
type levelAtLeast struct {
	slog.Handler
	min slog.Level
}

func (h *levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h *levelAtLeast) WithAttrs(a []slog.Attr) slog.Handler {
	return &levelAtLeast{h.Handler.WithAttrs(a), h.min}
}

func (h *levelAtLeast) WithGroup(n string) slog.Handler {
	return &levelAtLeast{h.Handler.WithGroup(n), h.min}
}
