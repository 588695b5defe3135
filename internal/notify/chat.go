package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Provider is a chat application with incoming webhooks.
type Provider string

// The chat applications a company may post to.
const (
	Slack Provider = "slack"
	Teams Provider = "teams"
)

// Webhook is a company's incoming webhook, and how its last post went.
type Webhook struct {
	Provider    Provider   `json:"provider"`
	URL         string     `json:"url"`
	UpdatedAt   time.Time  `json:"updated_at"`
	LastOKAt    *time.Time `json:"last_ok_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
}

// WebhookStore keeps the company's webhook, under the company of ctx.
type WebhookStore interface {
	// Webhook is the company's; errs.NotFound when it has none.
	Webhook(ctx context.Context) (*Webhook, error)
	SaveWebhook(ctx context.Context, w *Webhook, by uuid.UUID) error
	DeleteWebhook(ctx context.Context) error
	// RecordPost notes how a post went: failure nil is a success.
	RecordPost(ctx context.Context, failure error) error
}

// FailedPost is a chat post that failed for good: shown to the company's
// HR admins, who may send it again.
type FailedPost struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error"`
	At       time.Time `json:"at"`
}

// ChatMessage is what is posted: a title, a few lines, a link.
type ChatMessage struct {
	Title string   `json:"title"`
	Lines []string `json:"lines,omitempty"`
	Link  string   `json:"link,omitempty"`
}

// Chat posts a company's events to its Slack or Teams channel. A post
// never blocks what caused it: it is queued (a job), and a failure is
// retried, then shown on the settings page.
type Chat struct {
	store WebhookStore
	// Client posts; its timeout bounds one post.
	Client *http.Client
	// AllowHTTP accepts http:// webhooks: a local test server only,
	// never in production (the URL is a secret that http would leak).
	AllowHTTP bool
}

// NewChat wires the chat to its store.
func NewChat(store WebhookStore) *Chat {
	return &Chat{store: store, Client: &http.Client{Timeout: 10 * time.Second}}
}

// WebhookInput is a webhook as an HR admin enters it.
type WebhookInput struct {
	Provider string `json:"provider" form:"provider"`
	URL      string `json:"url" form:"url"`
}

// Webhook is the company's webhook; errs.NotFound when it has none.
func (c *Chat) Webhook(ctx context.Context) (*Webhook, error) { return c.store.Webhook(ctx) }

// Save checks in and posts a test message to it; only a webhook that took
// the test message is saved. Failure codes: errs.Invalid on field
// "provider" or "url" (bad input, or the test message refused).
func (c *Chat) Save(ctx context.Context, in WebhookInput, by uuid.UUID) (*Webhook, error) {
	w := &Webhook{Provider: Provider(strings.TrimSpace(in.Provider)), URL: strings.TrimSpace(in.URL)}
	if w.Provider != Slack && w.Provider != Teams {
		return nil, errs.Field("provider", "choose Slack or Microsoft Teams")
	}
	if err := c.checkURL(w.URL); err != nil {
		return nil, err
	}
	test := ChatMessage{Title: "Vendredi", Lines: []string{"Ce canal recevra les nouvelles des campagnes de bénévolat. / This channel will get the volunteering campaigns' news."}}
	if err := c.post(ctx, w, test); err != nil {
		return nil, errs.Field("url", "the test message was not accepted: %s", errs.MessageOf(err))
	}
	now := time.Now()
	w.UpdatedAt, w.LastOKAt = now, &now
	if err := c.store.SaveWebhook(ctx, w, by); err != nil {
		return nil, err
	}
	return w, nil
}

// Remove stops posting to the company's channel.
func (c *Chat) Remove(ctx context.Context) error { return c.store.DeleteWebhook(ctx) }

func (c *Chat) checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || len(raw) > 2000 {
		return errs.Field("url", "paste the webhook's whole address, https://…")
	}
	if u.Scheme != "https" && !(c.AllowHTTP && u.Scheme == "http") {
		return errs.Field("url", "the webhook's address must start with https://")
	}
	// The server posts where an HR admin says: never to itself or its
	// network (a name resolving there is not caught here; the firewall's
	// egress rules are the lock, this the courtesy).
	if ip := net.ParseIP(u.Hostname()); !c.AllowHTTP && (u.Hostname() == "localhost" || ip != nil &&
		(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())) {
		return errs.Field("url", "the webhook's address must be Slack's or Teams', on the internet")
	}
	return nil
}

// Post posts m to the company's channel, if it has one, and records the
// outcome for the settings page. An error means it should be retried.
func (c *Chat) Post(ctx context.Context, m ChatMessage) error {
	w, err := c.store.Webhook(ctx)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	err = c.post(ctx, w, m)
	if rerr := c.store.RecordPost(ctx, err); rerr != nil && err == nil {
		return rerr
	}
	return err
}

func (c *Chat) post(ctx context.Context, w *Webhook, m ChatMessage) error {
	if err := c.checkURL(w.URL); err != nil {
		return err
	}
	body, err := Payload(w.Provider, m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "bad webhook address")
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Client.Do(req)
	if err != nil {
		// The URL holds the secret: say what failed without it.
		return errs.Wrap(err, errs.Unavailable, "%s did not answer", w.Provider)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 300))
	if res.StatusCode/100 != 2 {
		return errs.E(errs.Unavailable, "%s answered %d %s", w.Provider, res.StatusCode, strings.TrimSpace(string(answer)))
	}
	return nil
}

// Payload is m in the format provider's incoming webhooks accept: for
// Slack, {"text"} (the notification's text) with blocks (mrkdwn); for
// Teams, a message with one Adaptive Card (what Teams workflows'
// webhooks take).
func Payload(provider Provider, m ChatMessage) ([]byte, error) {
	switch provider {
	case Slack:
		text := "*" + slackEscape(m.Title) + "*"
		for _, l := range m.Lines {
			text += "\n" + slackEscape(l)
		}
		if m.Link != "" {
			text += "\n<" + m.Link + "|" + slackEscape(linkLabel(m.Link)) + ">"
		}
		return json.Marshal(map[string]any{
			"text": m.Title,
			"blocks": []any{map[string]any{"type": "section",
				"text": map[string]string{"type": "mrkdwn", "text": text}}},
		})
	case Teams:
		body := []any{map[string]any{"type": "TextBlock", "text": m.Title, "weight": "Bolder", "size": "Medium", "wrap": true}}
		for _, l := range m.Lines {
			body = append(body, map[string]any{"type": "TextBlock", "text": l, "wrap": true})
		}
		card := map[string]any{"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
			"version": "1.4", "body": body}
		if m.Link != "" {
			card["actions"] = []any{map[string]string{"type": "Action.OpenUrl", "title": linkLabel(m.Link), "url": m.Link}}
		}
		return json.Marshal(map[string]any{"type": "message", "attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}}})
	}
	return nil, errs.Field("provider", "unknown chat %q", provider)
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// linkLabel is the text of a message's link.
func linkLabel(string) string { return "Vendredi →" }
