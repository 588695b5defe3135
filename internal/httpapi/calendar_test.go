package httpapi_test

import (
	"context"
	"io"
	"net/http"
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

// A participation with a slot is an iCalendar event the employee adds to
// their calendar: the same UID every time, a higher SEQUENCE after a
// change, METHOD:CANCEL once cancelled. Another employee's participation,
// or one without a date, has none.
func TestAParticipationIsACalendarEvent(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	tn := newTenant(t, env.App, "Initech")
	volunteer, colleague := pp.member(tn, "employee"), pp.member(tn, "employee")
	m := mission(t, env, missionSpec{title: "Distribution de repas", format: "on_site"})
	undated := mission(t, env, missionSpec{title: "Veille"})
	drive := activeCampaign(t, env.App, tn, campaignSpec{})
	slot, p, q := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	start := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO mission_slots (mission_id, id, starts_at, ends_at) VALUES (?, ?, ?, ?)",
			m, slot, start, start.Add(3*time.Hour)); err != nil {
			return err
		}
		// The volunteer below holds one of its places.
		_, err := tx.ExecContext(ctx, "UPDATE missions SET places_left = places - 1 WHERE id = ?", m)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, slot_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, 'validated')`, p, drive, volunteer, m, slot); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'validated')`, q, drive, volunteer, undated)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	me := browserless{t: t, app: app, host: tn.Slug + ".localhost", session: pp.session(tn, volunteer)}
	other := browserless{t: t, app: app, host: tn.Slug + ".localhost", session: pp.session(tn, colleague)}

	event := func() (*ics.Calendar, *ics.VEvent) {
		t.Helper()
		res, body := me.get("/me/participations/" + p.String() + "/calendar.ics")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("calendar: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil {
			t.Fatalf("the file does not parse as iCalendar: %v\n%s", err, body)
		}
		if len(cal.Events()) != 1 {
			t.Fatalf("%d events; want one:\n%s", len(cal.Events()), body)
		}
		return cal, cal.Events()[0]
	}
	prop := func(ev *ics.VEvent, name ics.ComponentProperty) string {
		if p := ev.GetProperty(name); p != nil {
			return p.Value
		}
		return ""
	}
	cal, ev := event()
	begins, err := ev.GetStartAt()
	if err != nil || !begins.Equal(start) || prop(ev, ics.ComponentPropertySummary) != "Distribution de repas" ||
		!strings.Contains(cal.Serialize(), "METHOD:PUBLISH") {
		t.Errorf("event starts %v (want %v), summary %q:\n%s", begins, start, prop(ev, ics.ComponentPropertySummary), cal.Serialize())
	}
	sequence := func(ev *ics.VEvent) int {
		n, err := strconv.Atoi(prop(ev, ics.ComponentPropertySequence))
		if err != nil {
			t.Fatalf("SEQUENCE %q: %v", prop(ev, ics.ComponentPropertySequence), err)
		}
		return n
	}
	uid, seq := ev.Id(), sequence(ev)
	if again, _ := event(); again.Events()[0].Id() != uid {
		t.Errorf("the UID changed between two downloads: %q, then %q", uid, again.Events()[0].Id())
	}

	res, _ := me.post("/me/participations/"+p.String()+"/cancel", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	cal, ev = event()
	if ev.Id() != uid || sequence(ev) <= seq || prop(ev, ics.ComponentPropertyStatus) != "CANCELLED" ||
		!strings.Contains(cal.Serialize(), "METHOD:CANCEL") {
		t.Errorf("after cancelling: UID %q (was %q), SEQUENCE %d (was %d), STATUS %s, file:\n%s", ev.Id(), uid,
			sequence(ev), seq, prop(ev, ics.ComponentPropertyStatus), cal.Serialize())
	}

	if res, _ := other.get("/me/participations/" + p.String() + "/calendar.ics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a colleague reads the event: %d; want 404", res.StatusCode)
	}
	if res, _ := me.get("/me/participations/" + q.String() + "/calendar.ics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a participation without a date has an event: %d; want 404", res.StatusCode)
	}
}
