package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// An employee makes a private calendar address from her profile and a
// calendar application subscribes to it without a session: it lists her
// validated mission with a date, under the same UID as its .ics; once she
// cancels, the event is still there, CANCELLED, with a higher SEQUENCE.
// Rotating the address kills the old one; revoking kills it; the address
// means nothing on another company's site.
func TestAPrivateCalendarFeedListsUpcomingMissions(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	tn, other := newTenant(t, env.App, "Initech"), newTenant(t, env.App, "Globex")
	volunteer := pp.member(tn, "employee")
	m := mission(t, env, missionSpec{title: "Maraude du soir", format: "on_site"})
	pending := mission(t, env, missionSpec{title: "Pas encore validée"})
	drive := activeCampaign(t, env.App, tn, campaignSpec{})
	slot, later, p, q := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	start := time.Now().Add(96 * time.Hour).Truncate(time.Second)
	if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		for id, s := range map[uuid.UUID]uuid.UUID{m: slot, pending: later} {
			if _, err := tx.ExecContext(ctx, "INSERT INTO mission_slots (mission_id, id, starts_at, ends_at) VALUES (?, ?, ?, ?)",
				id, s, start, start.Add(2*time.Hour)); err != nil {
				return err
			}
			// The volunteer below holds one of its places.
			if _, err := tx.ExecContext(ctx, "UPDATE missions SET places_left = places - 1 WHERE id = ?", id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, slot_id, status, decided_at)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, 'validated', now())`, p, drive, volunteer, m, slot); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, slot_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, 'pending')`, q, drive, volunteer, pending, later)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	me := browserless{t: t, app: app, host: tn.Slug + ".localhost", session: pp.session(tn, volunteer)}
	calendarApp := browserless{t: t, app: app, host: tn.Slug + ".localhost"} // no cookie
	elsewhere := browserless{t: t, app: app, host: other.Slug + ".localhost"}

	// From the profile page: make the address, shown once.
	res, body := me.post("/me/calendar-feed", url.Values{})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("make the feed: %d %s", res.StatusCode, body)
	}
	found := regexp.MustCompile(`value="(http://[^"]+/calendar/[A-Za-z0-9_-]+\.ics)"`).FindStringSubmatch(body)
	if found == nil {
		t.Fatalf("no feed address on the page:\n%s", body)
	}
	feed, err := url.Parse(found[1])
	if err != nil || feed.Host != tn.Slug+".localhost" {
		t.Fatalf("feed address %q: want the company's site", found[1])
	}
	if _, body := me.get("/me/profile"); !strings.Contains(body, `id="feed-since"`) {
		t.Errorf("the profile does not say a feed is active:\n%s", body)
	}

	read := func() *ics.Calendar {
		t.Helper()
		res, body := calendarApp.get(feed.Path)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("feed: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil {
			t.Fatalf("the feed does not parse as iCalendar: %v\n%s", err, body)
		}
		return cal
	}
	prop := func(ev *ics.VEvent, name ics.ComponentProperty) string {
		if p := ev.GetProperty(name); p != nil {
			return p.Value
		}
		return ""
	}
	cal := read()
	if n := len(cal.Events()); n != 1 {
		t.Fatalf("%d events; want the validated mission only:\n%s", n, cal.Serialize())
	}
	ev := cal.Events()[0]
	begins, err := ev.GetStartAt()
	if err != nil || !begins.Equal(start) || prop(ev, ics.ComponentPropertySummary) != "Maraude du soir" ||
		prop(ev, ics.ComponentPropertyStatus) != "CONFIRMED" {
		t.Errorf("event %v %q %s; want the mission at %v, confirmed", begins, prop(ev, ics.ComponentPropertySummary),
			prop(ev, ics.ComponentPropertyStatus), start)
	}
	// The feed and the participation's own file name the same event.
	_, single := me.get("/me/participations/" + p.String() + "/calendar.ics")
	one, err := ics.ParseCalendar(strings.NewReader(single))
	if err != nil || len(one.Events()) != 1 || one.Events()[0].Id() != ev.Id() {
		t.Fatalf("the .ics and the feed disagree on the UID (%v): %q vs %q", err, single, ev.Id())
	}
	seq, _ := strconv.Atoi(prop(ev, ics.ComponentPropertySequence))

	if res, _ := me.post("/me/participations/"+p.String()+"/cancel", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	cal = read()
	if len(cal.Events()) != 1 {
		t.Fatalf("%d events after cancelling; want the event, cancelled:\n%s", len(cal.Events()), cal.Serialize())
	}
	ev = cal.Events()[0]
	if after, _ := strconv.Atoi(prop(ev, ics.ComponentPropertySequence)); ev.Id() != one.Events()[0].Id() || after <= seq ||
		prop(ev, ics.ComponentPropertyStatus) != "CANCELLED" {
		t.Errorf("after cancelling: UID %q, SEQUENCE %d (was %d), STATUS %s", ev.Id(), after, seq, prop(ev, ics.ComponentPropertyStatus))
	}

	if res, _ := elsewhere.get(feed.Path); res.StatusCode != http.StatusNotFound {
		t.Errorf("the address on another company's site: %d; want 404", res.StatusCode)
	}
	if res, _ := calendarApp.get("/calendar/" + strings.Repeat("A", 43) + ".ics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a guessed address: %d; want 404", res.StatusCode)
	}

	// Rotating through the API gives a new address; the old one is dead.
	res, body = me.request("POST", "/api/v1/me/calendar-feed", nil, "application/json")
	var rotated struct {
		URL string `json:"url"`
	}
	if res.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &rotated) != nil || rotated.URL == found[1] {
		t.Fatalf("rotate: %d %s", res.StatusCode, body)
	}
	if res, _ := calendarApp.get(feed.Path); res.StatusCode != http.StatusNotFound {
		t.Errorf("the old address after rotating: %d; want 404", res.StatusCode)
	}
	next, _ := url.Parse(rotated.URL)
	if res, _ := calendarApp.get(next.Path); res.StatusCode != http.StatusOK {
		t.Errorf("the new address: %d", res.StatusCode)
	}
	if res, _ := me.post("/me/calendar-feed/revoke", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res, _ := calendarApp.get(next.Path); res.StatusCode != http.StatusNotFound {
		t.Errorf("a revoked address: %d; want 404", res.StatusCode)
	}
}
