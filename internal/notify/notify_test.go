package notify_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/notify"
)

var paris, _ = time.LoadLocation("Europe/Paris")

func TestWeeksStartOnMondayMorningInParis(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		now, week, next string
		due             bool
	}{
		{"2026-11-30 06:59", "2026-11-30 00:00", "2026-11-30 07:00", false}, // Monday before the hour
		{"2026-11-30 07:00", "2026-11-30 00:00", "2026-12-07 07:00", true},
		{"2026-12-06 23:59", "2026-11-30 00:00", "2026-12-07 07:00", true},  // Sunday night
		{"2026-03-29 12:00", "2026-03-23 00:00", "2026-03-30 07:00", true},  // the day clocks go forward
		{"2026-10-26 08:00", "2026-10-26 00:00", "2026-11-02 07:00", true},  // the Monday after they go back
		{"2026-12-31 10:00", "2026-12-28 00:00", "2027-01-04 07:00", true},  // across the year
		{"2026-12-01 05:00", "2026-11-30 00:00", "2026-12-07 07:00", true},  // Tuesday, early
		{"2026-12-07 06:00", "2026-12-07 00:00", "2026-12-07 07:00", false}, // next Monday, early
	} {
		now := at(c.now)
		if got := notify.WeekOf(now); !got.Equal(at(c.week)) {
			t.Errorf("WeekOf(%s) = %s; want %s", c.now, got, c.week)
		}
		if got := notify.NextDigest(now); !got.Equal(at(c.next)) {
			t.Errorf("NextDigest(%s) = %s; want %s", c.now, got, c.next)
		}
		if got := notify.DigestDue(now); got != c.due {
			t.Errorf("DigestDue(%s) = %v; want %v", c.now, got, c.due)
		}
	}
}

func TestEndsInThreeDays(t *testing.T) {
	now := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC) // already 2 December in Paris
	for _, c := range []struct {
		ends string
		want bool
	}{{"2026-12-05", true}, {"2026-12-04", false}, {"2026-12-06", false}} {
		d, _ := time.Parse(time.DateOnly, c.ends)
		if got := notify.EndsInThreeDays(d, now); got != c.want {
			t.Errorf("ends %s: %v; want %v", c.ends, got, c.want)
		}
	}
}

// Slack takes {"text"} with mrkdwn blocks, escaping what mrkdwn reads;
// Teams takes a message with an Adaptive Card.
func TestPayloadsAreWhatEachChatAccepts(t *testing.T) {
	m := notify.ChatMessage{Title: "Campagne <lancée> & co", Lines: []string{"Du 1 au 3"}, Link: "https://acme.vendredi.example/campaigns/1"}
	b, err := notify.Payload(notify.Slack, m)
	if err != nil {
		t.Fatal(err)
	}
	var slack struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct{ Type, Text string }
		} `json:"blocks"`
	}
	if err := json.Unmarshal(b, &slack); err != nil || slack.Text != m.Title || len(slack.Blocks) != 1 ||
		slack.Blocks[0].Type != "section" || slack.Blocks[0].Text.Type != "mrkdwn" ||
		slack.Blocks[0].Text.Text != "*Campagne &lt;lancée&gt; &amp; co*\nDu 1 au 3\n<https://acme.vendredi.example/campaigns/1|Vendredi →>" {
		t.Errorf("Slack payload %s", b)
	}
	b, err = notify.Payload(notify.Teams, m)
	if err != nil {
		t.Fatal(err)
	}
	var teams struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string `json:"contentType"`
			Content     struct {
				Type    string           `json:"type"`
				Version string           `json:"version"`
				Body    []map[string]any `json:"body"`
				Actions []map[string]any `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(b, &teams); err != nil || teams.Type != "message" || len(teams.Attachments) != 1 ||
		teams.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" ||
		teams.Attachments[0].Content.Type != "AdaptiveCard" || teams.Attachments[0].Content.Body[0]["text"] != m.Title ||
		teams.Attachments[0].Content.Actions[0]["url"] != m.Link {
		t.Errorf("Teams payload %s", b)
	}
}

// A webhook's address is https (http only on a developer's machine): it
// is refused before anything is posted or saved.
func TestWebhooksAreHTTPSOnly(t *testing.T) {
	chat := notify.NewChat(nil) // nothing reaches the store: the input is refused first
	for _, c := range []struct {
		provider, url, field string
	}{
		{"slack", "http://hooks.slack.com/services/x", "url"},
		{"teams", "ftp://example.com/x", "url"},
		{"slack", "hooks.slack.com/services/x", "url"},
		{"irc", "https://hooks.slack.com/services/x", "provider"},
		{"slack", "https://127.0.0.1:8080/hook", "url"},
		{"teams", "https://10.0.0.4/hook", "url"},
		{"teams", "https://localhost/hook", "url"},
	} {
		_, err := chat.Save(context.Background(), notify.WebhookInput{Provider: c.provider, URL: c.url}, [16]byte{})
		var e *errs.Error
		if !errs.Is(err, errs.Invalid) || !asErr(err, &e) || e.Field != c.field {
			t.Errorf("%s %s: %v; want invalid %s", c.provider, c.url, err, c.field)
		}
	}
}

func asErr(err error, into **errs.Error) bool {
	e, ok := err.(*errs.Error)
	*into = e
	return ok
}

func TestParseKind(t *testing.T) {
	for _, k := range notify.Kinds {
		if got, err := notify.ParseKind(string(k)); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := notify.ParseKind("invitations"); !errs.Is(err, errs.Invalid) {
		t.Errorf("invitations can be turned off: %v", err)
	}
}
