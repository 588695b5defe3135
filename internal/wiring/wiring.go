// Package wiring wires Vendredi's services to PostgreSQL and the mail server,
// in one place: `vendredi serve` runs what it builds, and the HTTP tests
// exercise the same wiring, so that a new dependency is added once.
package wiring

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/telemetry"
	"github.com/vendredi-app/vendredi/tenants"
)

// Config is what the wiring needs besides the database and the mail
// sender.
type Config struct {
	// PublicURL is the platform's address (PUBLIC_URL), for every
	// absolute link the product writes; a company's space is its slug
	// under it.
	PublicURL string
	// Identity sets the sessions' and links' lifetimes, the sign-in
	// limits and the password hashing: identity.DefaultConfig() in
	// production.
	Identity identity.Config
}

// Identity wires the identity flows to PostgreSQL and the mail server.
func Identity(db *postgres.DB, sender mail.Sender, cfg identity.Config) *identity.Service {
	return identity.NewService(cfg, postgres.NewMemberDirectory(db), postgres.NewAccountDirectory(db),
		postgres.NewAPITokenStore(db), postgres.NewPlatformStore(db), postgres.NewLimiter(db), mail.Notifier{Sender: sender})
}

// Services are the services, wired: Deps for the HTTP server, and what
// runs beside it.
type Services struct {
	Deps      httpapi.Deps
	Links     tenants.Addresses
	publicURL string
	tenants   *postgres.TenantStore
}

// New wires the services to db and sender.
func New(db *postgres.DB, sender mail.Sender, cfg Config) (*Services, error) {
	sender = countedSender{sender}
	enf, err := authz.New(postgres.NewRoleSource(db), authz.Options{})
	if err != nil {
		return nil, err
	}
	links, err := tenants.ParseAddresses(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	cfg.Identity.Links = links
	s := &Services{Links: links, publicURL: links.Platform(), tenants: postgres.NewTenantStore(db)}
	catalogue := catalog.NewService(postgres.NewCatalogStore(db), mail.MissionNotifier{Sender: sender, BaseURL: s.publicURL},
		s.publicURL)
	signups := campaign.NewParticipations(postgres.NewParticipationStore(db), mail.VolunteerNotifier{Sender: sender,
		CompanyURL: func(p *campaign.Participation) string { return s.companyURL(p.TenantID) }})
	signups.AfterPlaces = func(ctx context.Context) { catalogue.NotifyPending(ctx) }
	signups.SignedUp = telemetry.SignUp
	campaigns := httpapi.NewCampaignService(db, sender)
	matchmaker := campaign.NewMatchmaker(postgres.NewMatchStore(db), campaigns.Get, campaigns.Stores().Campaigns.CampaignMissions, signups)
	matchmaker.Ran = func(err error, d time.Duration) { telemetry.AllocationRun(telemetry.Outcome(err), d) }
	s.Deps = httpapi.Deps{
		Tenants:        s.tenants,
		Readiness:      postgres.Readiness{DB: db},
		Catalog:        postgres.NewCatalogStore(db),
		Members:        postgres.NewMemberStore(db),
		Identity:       Identity(db, sender, cfg.Identity),
		Authz:          enf,
		Offboard:       postgres.NewPlatformStore(db),
		Catalogue:      catalogue,
		Reference:      postgres.NewReferenceStore(db),
		Participations: signups,
		Campaigns:      campaigns,
		Matchmaker:     matchmaker,
		Discovery:      httpapi.Discovery{Missions: postgres.NewSearch(db), Import: postgres.NewImporter(db)},
		Staff:          postgres.NewPlatformFigureStore(db),
		Mecenat:        mecenat.NewService(postgres.NewMecenatStore(db), postgres.NewReceiptStore(db)),
	}
	return s, nil
}

// ListenForRoles brings role changes made through any instance into this
// one's cache, until ctx ends. Listen retries connections itself; its
// argument errors are logged.
func (s *Services) ListenForRoles(ctx context.Context, databaseURL string) {
	if err := postgres.Listen(ctx, databaseURL, authz.Channel, s.Deps.Authz.OnNotify); err != nil && ctx.Err() == nil {
		slog.Error("cannot listen for role changes: roles may stay cached up to a restart", "err", err)
	}
}

// StartJobs starts the services' periodic work. Once ctx ends no job
// starts; a job running then finishes its pass (it runs on a context that
// stop does not cancel), and the returned wait blocks until it has.
func (s *Services) StartJobs(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	start := func(kind string, period time.Duration, now bool, fn func(ctx context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			every(ctx, kind, period, now, fn)
		}()
	}
	// Mails about missions that could not go out at once are retried,
	// and flagged missions' sign-ups cancelled if a flag was interrupted.
	start("mission_mails", time.Minute, false, func(ctx context.Context) error {
		s.Deps.Catalogue.NotifyPending(ctx)
		s.Deps.Participations.CancelFlagged(ctx)
		return nil
	})
	// Scheduled campaigns start on their first day, at start-up and then
	// every hour (a campaign is scheduled by the day); running ones mail
	// whoever they missed.
	start("due_campaigns", time.Hour, true, func(ctx context.Context) error {
		_, err := s.StartDueCampaigns(ctx)
		return err
	})
	// Applications unanswered past their campaign's response time are flagged to the association
	// and to the company's HR admins (JeVeuxAider's response time).
	start("late_applications", time.Hour, false, func(ctx context.Context) error {
		s.Deps.Participations.FlagLate(ctx, func(id uuid.UUID) string { return s.publicURL + "/associations/" + id.String() },
			func(l *campaign.LateApplication) string {
				return s.Links.Company(l.CompanySlug) + "/campaigns"
			})
		return nil
	})
	return wg.Wait
}

// StartDueCampaigns launches, company by company (each under its own
// row-level security), the scheduled campaigns whose first day has come,
// and mails running campaigns' invitations that failed or were never sent
// (people who joined since). It returns how many campaigns mailed anyone,
// or the error that kept it from listing the companies.
func (s *Services) StartDueCampaigns(ctx context.Context) (int, error) {
	list, err := s.tenants.List(ctx)
	if err != nil {
		slog.WarnContext(ctx, "scheduled campaigns: companies not listed", "err", err)
		return 0, err
	}
	started := 0
	for _, t := range list {
		if t.Status != tenants.Active {
			continue
		}
		for _, r := range s.Deps.Campaigns.StartDue(tenants.NewContext(ctx, t), s.Links.Company(t.Slug)) {
			slog.InfoContext(ctx, "campaign started or mailed", "company", t.Slug, "campaign", r.Campaign.ID,
				"invited", r.Invited, "failed", r.Failed)
			started++
		}
	}
	return started, nil
}

// every runs the job fn every period (and once at once if now) until ctx
// ends, each pass a span and a count by outcome. A pass runs to its end
// even if ctx ends meanwhile.
func every(ctx context.Context, kind string, period time.Duration, now bool, fn func(ctx context.Context) error) {
	pass := func() { _ = telemetry.Job(context.WithoutCancel(ctx), kind, fn) }
	if now {
		pass()
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ctx.Err() == nil {
				pass()
			}
		}
	}
}

// companyURL is the address of a company's space, for a company known by
// its id only.
func (s *Services) companyURL(tenantID uuid.UUID) string {
	t, err := s.tenants.ByID(context.Background(), tenantID)
	if err != nil {
		return s.publicURL
	}
	return s.Links.Company(t.Slug)
}

// countedSender counts the mails the server took and those it did not.
type countedSender struct{ mail.Sender }

func (c countedSender) Send(ctx context.Context, m mail.Message) error {
	err := c.Sender.Send(ctx, m)
	if err != nil {
		telemetry.MailFailed()
	} else {
		telemetry.MailSent()
	}
	return err
}
