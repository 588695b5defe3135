// Package wiring wires Vendredi's services to PostgreSQL and the mail server,
// in one place: `vendredi serve` runs what it builds, and the HTTP tests
// exercise the same wiring, so that a new dependency is added once.
package wiring

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/billing"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/privacy"
	"github.com/vendredi-app/vendredi/internal/scim"
	"github.com/vendredi-app/vendredi/internal/sso"
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
	// Jobs tunes the queue of background work; Jobs.Work runs its workers
	// in this process.
	Jobs jobs.Options
	// SSOKey seals the companies' single sign-on secrets
	// (SSO_ENCRYPTION_KEY: 32 bytes, base64 or hex); without it no company
	// can connect an identity provider.
	SSOKey string
	// Billing is Stripe billing; without a secret key it is off.
	Billing billing.Config
}

// Identity wires the identity flows to PostgreSQL and the outbox: each
// flow's change and its mail are one unit of work, so that sender must be
// a jobs.Outbox (a mail sent inline could leave before a rollback).
func Identity(db *postgres.DB, sender jobs.Outbox, cfg identity.Config) *identity.Service {
	return identityWith(db, sender, cfg, nil)
}

// identityWith is Identity with billing told of onboardings and of changes
// of head count (billing.go).
func identityWith(db *postgres.DB, sender jobs.Outbox, cfg identity.Config, bill *billing.Service) *identity.Service {
	var members identity.Members = postgres.NewMemberDirectory(db)
	var platform identity.Platform = postgres.NewPlatformStore(db)
	if bill.On() {
		members, platform = seatWatch{members, bill}, onboardHook{platform, db, bill}
	}
	s := identity.NewService(cfg, members, postgres.NewAccountDirectory(db),
		postgres.NewAPITokenStore(db), platform, postgres.NewLimiter(db), mail.Notifier{Sender: sender})
	s.Unit = db.InTx
	return s
}

// SSO wires single sign-on and makes people's password flows ask it
// whether their company is SSO-only.
func SSO(db *postgres.DB, links tenants.Addresses, key string, people *identity.Service) (*sso.Service, error) {
	var ci *sso.Cipher
	if key != "" {
		k, err := sso.ParseKey(key)
		if err != nil {
			return nil, err
		}
		if ci, err = sso.NewCipher(k); err != nil {
			return nil, err
		}
	}
	s := sso.NewService(sso.Config{Links: links, Cipher: ci}, postgres.NewSSOStore(db), people)
	people.UsePasswordPolicy(s)
	return s, nil
}

// Services are the services, wired: Deps for the HTTP server, and what
// runs beside it.
type Services struct {
	Deps      httpapi.Deps
	Links     tenants.Addresses
	Queue     *jobs.Queue
	Billing   *billing.Service
	publicURL string
	tenants   *postgres.TenantStore
}

// New wires the services to db. Every mail they send goes through the
// queue's outbox (enqueued with the change that causes it); the queue's
// workers, here or in `vendredi worker`, deliver them through sender.
func New(ctx context.Context, db *postgres.DB, sender mail.Sender, cfg Config) (*Services, error) {
	links, err := tenants.ParseAddresses(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	q, err := jobs.New(ctx, db, cfg.Jobs)
	if err != nil {
		return nil, err
	}
	cfg.Identity.Links = links
	// Workers deliver through the SMTP sender, counted; the services queue
	// their mails in the outbox.
	direct := countedSender{sender}
	sender = q.Outbox()
	s := &Services{Links: links, publicURL: links.Platform(), tenants: postgres.NewTenantStore(db), Queue: q}
	bill, err := newBilling(db, cfg.Billing, q, s.tenants, sender, links)
	if err != nil {
		return nil, err
	}
	s.Billing = bill
	// The company's plan and billing are checked beside each route's
	// permission, in authz's one gate.
	enf, err := authz.New(postgres.NewRoleSource(db), authz.Options{Gate: bill.Gate})
	if err != nil {
		return nil, err
	}
	catalogue := catalog.NewService(postgres.NewCatalogStore(db), mail.MissionNotifier{Sender: sender, BaseURL: s.publicURL},
		s.publicURL)
	catalogue.Unit = db.InTx
	notes := s.notifications(db, q, sender)
	volunteers := mail.VolunteerNotifier{Sender: sender, BaseURL: s.publicURL,
		CompanyURL: func(p *campaign.Participation) string { return s.companyURL(p.TenantID) }, Preferences: notes.Preferences}
	signups := campaign.NewParticipations(postgres.NewParticipationStore(db), volunteers)
	reminders := campaign.NewReminders(postgres.NewReminderStore(db), volunteers)
	reminders.Unit = db.InTx
	// A sign-up's change and its mails, a launch and its invitations: one
	// transaction each, the mails queued in it (docs/jobs.md).
	signups.Unit = db.InTx
	signups.AfterPlaces = catalogue.NotifySoon
	signups.SignedUp = telemetry.SignUp
	campaigns := campaign.NewService(campaign.Stores{
		Campaigns: postgres.NewCampaignStore(db),
		Profiles:  postgres.NewProfileStore(db),
		Hours:     postgres.NewHourStore(db),
		Figures:   postgres.NewFigureStore(db),
	}, mail.CampaignMails{Sender: sender})
	campaigns.Unit = db.InTx
	campaigns.Launched = func(ctx context.Context, c *campaign.Campaign, link string) error {
		return s.chat(ctx, notes.Chat, q, "launch:"+c.ID.String(), func(t *tenants.Tenant) notify.ChatMessage {
			return notify.LaunchPost(t.Locale, c.Name, c.StartsOn, c.EndsOn, link)
		})
	}
	matchmaker := campaign.NewMatchmaker(postgres.NewMatchStore(db), campaigns.Get, campaigns.CampaignMissions, signups)
	matchmaker.Ran = func(err error, d time.Duration) { telemetry.AllocationRun(telemetry.Outcome(err), d) }
	matchmaker.CatalogueVersion = db.CatalogueVersion
	matchmaker.Places = campaigns.CampaignPlaces
	matchmaker.MissionPlaces = campaigns.MissionPlaces
	signups.PlacesMoved = matchmaker.PlacesMoved
	audit := postgres.NewMemberDirectory(db).Record
	campaigns.Audit, matchmaker.Audit, matchmaker.Unit = audit, audit, db.InTx
	people := identityWith(db, q.Outbox(), cfg.Identity, bill)
	single, err := SSO(db, links, cfg.SSOKey, people)
	if err != nil {
		return nil, err
	}
	s.Deps = httpapi.Deps{
		Tenants:        s.tenants,
		Readiness:      postgres.Readiness{DB: db},
		Catalog:        postgres.NewCatalogStore(db),
		Members:        postgres.NewMemberStore(db),
		Identity:       people,
		SSO:            single,
		Billing:        bill,
		Authz:          enf,
		Offboard:       postgres.NewPlatformStore(db),
		Catalogue:      catalogue,
		Reference:      postgres.NewReferenceStore(db),
		Participations: signups,
		Campaigns:      campaigns,
		Matchmaker:     matchmaker,
		Discovery:      httpapi.Discovery{Missions: postgres.NewSearch(db), Import: postgres.NewImporter(db)},
		Staff:          postgres.NewPlatformFigureStore(db),
		Outbox:         q,
		Mecenat:        mecenat.NewService(postgres.NewMecenatStore(db), postgres.NewReceiptStore(db)),
		SCIM: &httpapi.SCIM{Service: scim.NewService(postgres.NewSCIMStore(db)),
			UserFilters: postgres.SCIMUserFilters, GroupFilters: postgres.SCIMGroupFilters},
		Privacy:       privacy.NewService(postgres.NewPrivacyStore(db)),
		Notifications: notes,
	}
	q.Bind(jobs.Services{
		Mail:    direct,
		Tenants: s.tenants,
		StartDue: func(ctx context.Context, t *tenants.Tenant) {
			for _, r := range campaigns.StartDue(ctx, s.Links.Company(t.Slug)) {
				slog.InfoContext(ctx, "campaign started or mailed", "company", t.Slug, "campaign", r.Campaign.ID,
					"invited", r.Invited, "failed", r.Failed)
			}
		},
		// Mails about missions that could not be queued with their change
		// are queued, and flagged missions' sign-ups cancelled if a flag
		// was interrupted.
		MissionEvents: func(ctx context.Context) {
			catalogue.NotifyPending(ctx)
			signups.CancelFlagged(ctx)
		},
		// Applications unanswered for a week are flagged to the association
		// and to the company's HR admins (JeVeuxAider's response time).
		LateApplications: func(ctx context.Context) {
			signups.FlagLate(ctx, func(id uuid.UUID) string { return s.publicURL + "/associations/" + id.String() },
				func(l *campaign.LateApplication) string {
					return s.Links.Company(l.CompanySlug) + "/campaigns"
				})
		},
		PurgeExpired: func(ctx context.Context) error {
			p, err := s.Deps.Privacy.PurgeExpired(ctx)
			if p.Campaigns > 0 {
				slog.InfoContext(ctx, "personal data purged", "campaigns", p.Campaigns, "people", p.People)
			}
			return err
		},
		Notify:            s.notifyJobs(db, q, sender, notes, campaigns),
		ReminderCompanies: reminders.Companies,
		SendReminders: func(ctx context.Context) error {
			_, err := reminders.Send(ctx)
			return err
		},
		Billing:         billingWork(bill),
		BillingDebounce: bill.Config().SeatDebounce,
	})
	return s, nil
}

// Start starts the queue: its workers and, on the elected leader, the
// periodic jobs, when this process works the queue (Config.Jobs.Work).
func (s *Services) Start(ctx context.Context) error { return s.Queue.Start(ctx) }

// Stop lets running jobs finish within grace, then releases the queue.
func (s *Services) Stop(grace time.Duration) error { return s.Queue.StopWithin(grace) }

// ListenForRoles brings role changes made through any instance into this
// one's cache, until ctx ends, and keeps its caches of companies and
// sessions true (postgres.ListenForCaches), which serve only while it
// listens. Listen retries connections itself; its argument errors are
// logged.
func (s *Services) ListenForRoles(ctx context.Context, databaseURL string) {
	go s.tenants.DB().ListenForCaches(ctx, databaseURL)
	if err := postgres.Listen(ctx, databaseURL, authz.Channel, s.Deps.Authz.OnNotify); err != nil && ctx.Err() == nil {
		slog.Error("cannot listen for role changes: roles may stay cached up to a restart", "err", err)
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
