package wiring

import (
	"context"
	"strings"
	"time"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/tenants"
)

// notifications wires what people receive: preferences, calendar feeds
// and the companies' chat channels.
func (s *Services) notifications(db *postgres.DB, q *jobs.Queue, _ mail.Sender) httpapi.Notifications {
	store := postgres.NewNotificationStore(db)
	chat := notify.NewChat(postgres.NewChatWebhookStore(db))
	// Plain-HTTP webhooks on a developer's machine only (a local server
	// standing in for Slack or Teams); https everywhere else.
	chat.AllowHTTP = strings.HasPrefix(s.publicURL, "http://")
	return httpapi.Notifications{Preferences: notify.NewPreferences(store), Feeds: notify.NewFeeds(store), Chat: chat,
		ChatFailures: q}
}

// chat queues a post to the company of ctx's channel, in the transaction
// of ctx, when the company has a channel.
func (s *Services) chat(ctx context.Context, chat *notify.Chat, q *jobs.Queue, key string, m func(*tenants.Tenant) notify.ChatMessage) error {
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	if _, err := chat.Webhook(ctx); errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return q.Chat(ctx, key, m(t))
}

// notifyJobs are the digests' and chat posts' services, for the workers.
func (s *Services) notifyJobs(db *postgres.DB, q *jobs.Queue, sender mail.Sender, notes httpapi.Notifications,
	campaigns *campaign.Service) jobs.NotifyServices {
	digests := notify.NewDigests(postgres.NewDigestStore(db), notes.Preferences, mail.DigestNotifier{Sender: sender,
		BaseURL: s.publicURL, CompanyURL: func(t *tenants.Tenant) string { return s.Links.Company(t.Slug) }})
	digests.Unit = db.InTx
	digests.Figures = func(ctx context.Context, week time.Time, f *notify.HRFigures) error {
		return s.chat(ctx, notes.Chat, q, "week:"+week.Format(time.DateOnly), func(t *tenants.Tenant) notify.ChatMessage {
			return notify.WeekPost(t.Locale, t.Name, week, f, s.Links.Company(t.Slug)+"/campaigns")
		})
	}
	return jobs.NotifyServices{
		CompanyDigest: func(ctx context.Context, week time.Time) error {
			_, err := digests.Company(ctx, week)
			return err
		},
		AssociationDigests: func(ctx context.Context, week time.Time) error {
			_, err := digests.Associations(ctx, week)
			return err
		},
		CampaignsEnding: func(ctx context.Context) error {
			list, err := campaigns.List(ctx, campaign.Viewer{HRAdmin: true}, campaign.Active)
			if err != nil {
				return err
			}
			for _, c := range list {
				if !notify.EndsInThreeDays(c.EndsOn, time.Now()) {
					continue
				}
				err := s.chat(ctx, notes.Chat, q, "ending:"+c.ID.String(), func(t *tenants.Tenant) notify.ChatMessage {
					return notify.EndingPost(t.Locale, c.Name, c.EndsOn, s.Links.Company(t.Slug)+"/campaigns/"+c.ID.String())
				})
				if err != nil {
					return err
				}
			}
			return nil
		},
		PostChat: notes.Chat.Post,
	}
}
