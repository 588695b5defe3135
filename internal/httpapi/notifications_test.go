package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// attachment returns the first attachment of the raw message named name.
func attachment(t *testing.T, raw []byte, name string) []byte {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(ct string, body io.Reader) []byte
	walk = func(ct string, body io.Reader) []byte {
		media, params, err := mime.ParseMediaType(ct)
		if err != nil || !strings.HasPrefix(media, "multipart/") {
			return nil
		}
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextPart()
			if err != nil {
				return nil
			}
			if part.FileName() == name {
				b, err := io.ReadAll(part) // quoted-printable is decoded by NextPart
				if err != nil {
					t.Fatal(err)
				}
				if part.Header.Get("Content-Transfer-Encoding") == "base64" {
					dec, err := io.ReadAll(base64Reader(b))
					if err != nil {
						t.Fatal(err)
					}
					return dec
				}
				return b
			}
			if found := walk(part.Header.Get("Content-Type"), part); found != nil {
				return found
			}
		}
	}
	return walk(msg.Header.Get("Content-Type"), msg.Body)
}

// A volunteer validated by the association gets the event in her mail: the
// .ics attachment parses with an iCalendar library, METHOD:PUBLISH, under
// the UID her feed and her participation's file use.
func TestTheValidationMailCarriesTheCalendarEvent(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	srv := mailtest.Start(t)
	pp := people{t: t, db: env.App}
	tn := newTenant(t, env.App, "Initech")
	volunteer := pp.member(tn, "employee")
	assoc := verifiedAssociation(t, env, "")
	manager := pp.session(nil, pp.account(false, &assoc))
	m := mission(t, env, missionSpec{assoc: &assoc, title: "Collecte", format: "on_site"})
	drive := activeCampaign(t, env.App, tn, campaignSpec{})
	slot, p := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	start := time.Now().Add(120 * time.Hour).Truncate(time.Second)
	if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO mission_slots (mission_id, id, starts_at, ends_at) VALUES (?, ?, ?, ?)",
			m, slot, start, start.Add(3*time.Hour)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE missions SET places_left = places - 1 WHERE id = ?", m)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, slot_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, 'pending')`, p, drive, volunteer, m, slot)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	asManager := browserless{t: t, app: app, host: "localhost", session: manager}
	res, body := asManager.request("POST", "/api/v1/associations/"+assoc.String()+"/participations/"+p.String()+"/validate", nil, "application/json")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("validate: %d %s", res.StatusCode, body)
	}
	got := srv.WaitFor(t, volunteer.String()+"@example.org", 30*time.Second)
	file := attachment(t, srv.Raw(t, got.ID), "mission.ics")
	if file == nil {
		t.Fatalf("no mission.ics in the validation mail %q", got.Subject)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("the attachment does not parse as iCalendar: %v\n%s", err, file)
	}
	if len(cal.Events()) != 1 || !strings.Contains(cal.Serialize(), "METHOD:PUBLISH") {
		t.Fatalf("attachment:\n%s", cal.Serialize())
	}
	ev := cal.Events()[0]
	if begins, err := ev.GetStartAt(); err != nil || !begins.Equal(start) {
		t.Errorf("the event starts %v (%v); want %v", begins, err, start)
	}
	me := browserless{t: t, app: app, host: tn.Slug + ".localhost", session: pp.session(tn, volunteer)}
	_, single := me.get("/me/participations/" + p.String() + "/calendar.ics")
	if one, err := ics.ParseCalendar(strings.NewReader(single)); err != nil || one.Events()[0].Id() != ev.Id() {
		t.Errorf("the mail's event %q is not the participation's (%v)", ev.Id(), err)
	}
}

// A person turns a kind of mail off from her preferences page, and back
// on through the API. An unsubscribe link works without signing in: its
// page asks (a GET changes nothing), its POST (the page's button, or a
// mail client's one-click RFC 8058 request) turns the kind off. A link
// altered, or opened on another company's site, is 404.
func TestPreferencesAndOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	tn, other := newTenant(t, env.App, "Initech"), newTenant(t, env.App, "Globex")
	volunteer := pp.member(tn, "employee")
	me := browserless{t: t, app: app, host: tn.Slug + ".localhost", session: pp.session(tn, volunteer)}
	prefs := func() map[string]bool {
		t.Helper()
		res, body := me.request("GET", "/api/v1/me/notifications", nil, "")
		var got map[string]bool
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("preferences: %d %s", res.StatusCode, body)
		}
		return got
	}
	if got := prefs(); !got["reminders"] || !got["digest"] {
		t.Fatalf("a newcomer's preferences %v; want every kind on", got)
	}
	// The page's form: a box left unticked turns its kind off.
	if res, body := me.post("/me/notifications", url.Values{"digest": {"on"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, body)
	}
	if got := prefs(); got["reminders"] || !got["digest"] {
		t.Fatalf("after unticking reminders: %v", got)
	}
	if _, body := me.get("/me/notifications"); !strings.Contains(body, `id="kind-reminders" name="reminders" aria-describedby`) ||
		!strings.Contains(body, `id="kind-digest" name="digest" checked`) {
		t.Errorf("the page does not show the saved choice:\n%s", body)
	}
	res, body := me.request("PUT", "/api/v1/me/notifications", strings.NewReader(`{"reminders": true}`), "application/json")
	if res.StatusCode != http.StatusOK || !prefs()["reminders"] {
		t.Fatalf("turn reminders back on: %d %s", res.StatusCode, body)
	}

	// The link as the digest carries it, minted by the product.
	token := unsubscribeToken(t, env, tn, volunteer, "digest")
	anonymous := browserless{t: t, app: app, host: tn.Slug + ".localhost"}
	if res, body := anonymous.get("/unsubscribe?token=" + url.QueryEscape(token)); res.StatusCode != http.StatusOK ||
		!strings.Contains(body, `id="confirm-unsubscribe"`) {
		t.Fatalf("unsubscribe page: %d %s", res.StatusCode, body)
	}
	if !prefs()["digest"] {
		t.Fatal("opening the link turned the digest off; only its button should")
	}
	// A mail client's one-click request: a POST with the RFC 8058 body.
	res, body = anonymous.request("POST", "/unsubscribe?token="+url.QueryEscape(token),
		strings.NewReader("List-Unsubscribe=One-Click"), "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusOK || prefs()["digest"] {
		t.Fatalf("one-click unsubscribe: %d, digest still %v\n%s", res.StatusCode, prefs()["digest"], body)
	}
	if res, _ := anonymous.request("POST", "/unsubscribe?token="+url.QueryEscape(token), strings.NewReader("List-Unsubscribe=One-Click"),
		"application/x-www-form-urlencoded"); res.StatusCode != http.StatusOK {
		t.Errorf("the same link twice: %d; want 200", res.StatusCode)
	}
	altered := token[:len(token)-2] + "AA"
	if res, _ := anonymous.post("/unsubscribe", url.Values{"token": {altered}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("an altered link: %d; want 404", res.StatusCode)
	}
	elsewhere := browserless{t: t, app: app, host: other.Slug + ".localhost"}
	if res, _ := elsewhere.post("/unsubscribe", url.Values{"token": {token}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("the link on another company's site: %d; want 404", res.StatusCode)
	}

	// An association's manager has preferences too, on the platform.
	assoc := verifiedAssociation(t, env, "")
	manager := browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(false, &assoc))}
	if res, body := manager.post("/me/notifications", url.Values{"reminders": {"on"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a manager saves preferences: %d %s", res.StatusCode, body)
	}
	res, body = manager.request("GET", "/api/v1/me/notifications", nil, "")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"digest":false`) {
		t.Errorf("a manager's preferences after unticking the digest: %d %s", res.StatusCode, body)
	}
}

func base64Reader(b []byte) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.Join(bytes.Fields(b), nil)))
}

// unsubscribeToken mints the token of a person's unsubscribe link, as the
// mails do.
func unsubscribeToken(t *testing.T, env *pgtest.Env, tn *tenants.Tenant, member uuid.UUID, kind string) string {
	t.Helper()
	k, err := notify.ParseKind(kind)
	if err != nil {
		t.Fatal(err)
	}
	token, err := notify.NewPreferences(postgres.NewNotificationStore(env.App)).UnsubscribeToken(context.Background(), notify.Member(tn.ID, member), k)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
