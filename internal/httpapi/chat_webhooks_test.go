package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// chatServer stands in for Slack or Teams: it keeps the JSON bodies posted
// to it and answers status (200 unless set).
type chatServer struct {
	*httptest.Server
	mu     sync.Mutex
	posts  []map[string]any
	status atomic.Int32
}

func newChatServer(t *testing.T) *chatServer {
	cs := &chatServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
			json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		if s := cs.status.Load(); s != 0 && s != 200 {
			http.Error(w, "channel_is_archived", int(s))
			return
		}
		cs.mu.Lock()
		cs.posts = append(cs.posts, body)
		cs.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *chatServer) received() []map[string]any {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]map[string]any(nil), cs.posts...)
}

// waitPost waits for a post whose JSON holds want.
func (cs *chatServer) waitPost(t *testing.T, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range cs.received() {
			if b, _ := json.Marshal(p); strings.Contains(string(b), want) {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no post with %q within 30s; got %v", want, cs.received())
	return nil
}

// An HR admin sets the company's Slack webhook: it is saved once it took a
// test message in Slack's format ({"text"} and mrkdwn blocks); a webhook
// that refuses it is not saved, and the form says why next to the field.
// A campaign launched is then posted there, by a job; when Slack fails,
// the launch is not held up, and the failure shows on the settings page.
// Teams gets an Adaptive Card. An employee reaches none of it.
func TestSlackAndTeamsWebhooks(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	mission(t, env, missionSpec{visibleTo: &co.tn.ID})
	slack, teams := newChatServer(t), newChatServer(t)
	admin := browserless{t: t, app: app, host: co.host, session: co.admin}

	res, body := admin.post("/admin/chat", url.Values{"provider": {"slack"}, "url": {"ftp://hooks.example/x"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="url-error"`) {
		t.Fatalf("an ftp address: %d; want 422 with the message next to the field\n%s", res.StatusCode, body)
	}
	slack.status.Store(http.StatusGone)
	res, body = admin.post("/admin/chat", url.Values{"provider": {"slack"}, "url": {slack.URL + "/services/T0/B0/x"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "channel_is_archived") {
		t.Fatalf("a webhook refusing the test message: %d; want 422 saying why\n%s", res.StatusCode, body)
	}
	if res, _ := admin.request("GET", "/api/v1/chat-webhook", nil, ""); res.StatusCode != http.StatusNotFound {
		t.Fatalf("a refused webhook was saved: %d", res.StatusCode)
	}
	slack.status.Store(http.StatusOK)
	if res, body := admin.post("/admin/chat", url.Values{"provider": {"slack"}, "url": {slack.URL + "/services/T0/B0/x"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, body)
	}
	test := slack.received()
	if len(test) != 1 {
		t.Fatalf("%d test messages; want one", len(test))
	}
	blocks, _ := test[0]["blocks"].([]any)
	if text, _ := test[0]["text"].(string); text == "" || len(blocks) == 0 {
		t.Errorf("the test message is not in Slack's format: %v", test[0])
	}

	id := co.campaign(`{"template":"tous-confines-tous-engages","name":"Printemps solidaire"}`)
	co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)
	post := slack.waitPost(t, "Printemps solidaire")
	if !strings.HasPrefix(post["text"].(string), "Campagne lancée") {
		t.Errorf("launch post %v; want it in the company's language", post)
	}
	// Launching again (the newcomers' invitations) posts nothing more.
	co.call("POST", "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin, 200)

	// Slack down: the launch goes through, the failure is shown.
	slack.status.Store(http.StatusInternalServerError)
	other := co.campaign(`{"template":"tous-confines-tous-engages","name":"Été solidaire"}`)
	co.call("POST", "/api/v1/campaigns/"+other.String()+"/launch", "", co.admin, 200)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, page := admin.get("/admin/chat")
		if strings.Contains(page, `id="chat-last-error"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the failed post is not shown on the settings page:\n%s", page)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := len(slack.received()); n != 2 {
		t.Errorf("%d posts received; want the test and the first launch", n)
	}

	// Teams, through the API: an Adaptive Card.
	res, body = admin.request("PUT", "/api/v1/chat-webhook", strings.NewReader(`{"provider":"teams","url":"`+teams.URL+`/webhookb2/x"}`), "application/json")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("save teams: %d %s", res.StatusCode, body)
	}
	card := teams.received()[0]
	atts, _ := card["attachments"].([]any)
	if card["type"] != "message" || len(atts) != 1 || atts[0].(map[string]any)["contentType"] != "application/vnd.microsoft.card.adaptive" ||
		atts[0].(map[string]any)["content"].(map[string]any)["type"] != "AdaptiveCard" {
		t.Errorf("the Teams test message is not an Adaptive Card message: %v", card)
	}

	worker, _ := co.person("employee", "IT", "Paris", identity.StatusActive)
	them := browserless{t: t, app: app, host: co.host, session: people{t: t, db: env.App}.session(co.tn, worker)}
	if res, _ := them.get("/admin/chat"); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Errorf("an employee on the chat settings: %d; want 403", res.StatusCode)
	}
	if res, _ := them.request("PUT", "/api/v1/chat-webhook", strings.NewReader(`{"provider":"slack","url":"`+slack.URL+`"}`), "application/json"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an employee sets the webhook: %d; want 403", res.StatusCode)
	}
}
