package wiring_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/internal/wiring"
	"github.com/vendredi-app/vendredi/tenants"
)

func TestMain(m *testing.M) { os.Exit(mailtest.Run(func() int { return pgtest.Main(m) })) }

// A campaign scheduled for today starts by itself and its audience is
// mailed; one scheduled for tomorrow waits; later passes mail only who the
// campaign has not reached.
func TestScheduledCampaignsStartOnTheirDay(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	services, srv := mailing(t, env)
	ctx := context.Background()
	tn := newCompany(t, env, "Initech", "fr")
	employee := mailtest.Address(t)
	if err := postgres.NewMemberDirectory(env.App).Create(tenants.NewContext(ctx, tn), &identity.Person{ID: uuid.Must(uuid.NewV7()),
		Email: employee, FullName: "Léo", Role: identity.RoleEmployee, Status: identity.StatusActive}, "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	mission, today, tomorrow := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	if err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		assoc := uuid.Must(uuid.NewV7())
		if _, err := tx.ExecContext(ctx, "INSERT INTO associations (id, name, legal_id, status) VALUES (?, 'Asso', ?, 'verified')",
			assoc, "W"+strings.Repeat("5", 9)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, title, format, places, places_left, status)
			VALUES (?, ?, 'Tenir la comptabilité', 'remote', 2, 2, 'open')`, mission, assoc)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.TenantTx(tenants.NewContext(ctx, tn), func(ctx context.Context, tx bun.Tx) error {
		for id, start := range map[uuid.UUID]int{today: 0, tomorrow: 1} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status, mission_scope, mission_ids)
				VALUES (app.current_tenant_id(), ?, 'Drive', current_date + ?, current_date + 30, 'scheduled', 'listed', ?)`,
				id, start, "{"+mission.String()+"}"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// The company's pass, as the hourly fan-out enqueues it: it reads the
	// company's campaigns under its row-level security.
	work(t, services, jobs.CompanyCampaignsArgs{Tenant: tn.ID})
	status := func(id uuid.UUID) string {
		c, err := services.Deps.Campaigns.List(tenants.NewContext(ctx, tn), campaign.Viewer{HRAdmin: true}, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range c {
			if x.ID == id {
				return x.Status
			}
		}
		return "missing"
	}
	if status(today) != "active" || status(tomorrow) != "scheduled" {
		t.Errorf("today's campaign %s, tomorrow's %s; want active and scheduled", status(today), status(tomorrow))
	}
	m := srv.WaitFor(t, employee, 5*time.Second)
	if l := m.Link("/campaigns/" + today.String()); !strings.HasPrefix(l, "http://"+tn.Slug+".localhost/campaigns/") {
		t.Errorf("the launch mail links %q; want the campaign on the company's address", l)
	}
	// A second pass starts nothing again and mails nobody twice; a colleague
	// who joined since gets the invitation.
	newcomer := mailtest.Address(t)
	if err := postgres.NewMemberDirectory(env.App).Create(tenants.NewContext(ctx, tn), &identity.Person{ID: uuid.Must(uuid.NewV7()),
		Email: newcomer, FullName: "Zoé", Role: identity.RoleEmployee, Status: identity.StatusActive}, "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	before := len(srv.Messages(t, employee))
	work(t, services, jobs.CompanyCampaignsArgs{Tenant: tn.ID})
	if status(today) != "active" || status(tomorrow) != "scheduled" || len(srv.Messages(t, employee)) != before {
		t.Errorf("a second pass changed a campaign or mailed the employee again")
	}
	if m := srv.WaitFor(t, newcomer, 5*time.Second); m.Link("/campaigns/"+today.String()) == "" {
		t.Errorf("the newcomer's mail has no link to the campaign")
	}
}

// start wires the services on env with workers delivering through sender
// and no periodic job: the tests enqueue the passes themselves.
func start(t *testing.T, env *pgtest.Env, sender mail.Sender) *wiring.Services {
	t.Helper()
	services, err := wiring.New(context.Background(), env.App, sender, wiring.Config{PublicURL: "http://localhost",
		Identity: identity.DefaultConfig(),
		Jobs:     jobs.Options{Work: true, ListenURL: env.AppURL, FetchPoll: 100 * time.Millisecond, Periodic: []*river.PeriodicJob{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := services.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = services.Stop(10 * time.Second) })
	return services
}

// mailing starts a mail server and the services, their workers
// delivering to it.
func mailing(t *testing.T, env *pgtest.Env) (*wiring.Services, *mailtest.Server) {
	t.Helper()
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(mail.Config{URL: srv.SMTPURL(), From: "Vendredi <no-reply@vendredi.test>"})
	if err != nil {
		t.Fatal(err)
	}
	return start(t, env, sender), srv
}

// queuedMails counts the mails to an address in the queue, whatever their
// state.
func queuedMails(t *testing.T, env *pgtest.Env, to string) (n int) {
	t.Helper()
	if err := env.Owner.NewRaw("SELECT count(*) FROM river_job WHERE kind = 'mail' AND args::text LIKE ?", "%"+to+"%").
		Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// work enqueues a job and waits until a worker has finished it: any
// worker of the package's queue, since the tests' services share it.
func work(t *testing.T, s *wiring.Services, args river.JobArgs) {
	t.Helper()
	ctx := context.Background()
	res, err := s.Queue.Client().Insert(ctx, args, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := s.Queue.Client().JobGet(ctx, res.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case j.State == rivertype.JobStateCompleted:
			return
		case len(j.Errors) > 0:
			t.Fatalf("job %s failed: %v", args.Kind(), j.Errors)
		case time.Now().After(deadline):
			t.Fatalf("job %s not done within 30s (%s)", args.Kind(), j.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
