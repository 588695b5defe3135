package wiring_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// The minute's pass mails the volunteers of slots in two days and in two
// hours, asks the association who came to a slot that ended yesterday,
// each once however often it runs; nobody else is mailed. The
// association's answer makes the participation done; one not yet held
// cannot be answered.
func TestRemindersBeforeAMissionAndTheAttendanceQuestionAfter(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	services, srv := mailing(t, env)
	ctx := context.Background()
	tn := newCompany(t, env, "Initech", "fr")
	manager := mailtest.Address(t)
	in2days, in2hours, yesterday, cancelled := mailtest.Address(t), mailtest.Address(t), mailtest.Address(t), mailtest.Address(t)
	applicant, quiet := mailtest.Address(t), mailtest.Address(t) // quiet turned reminders off
	assoc, mission, drive := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	ids := map[string]uuid.UUID{}
	slotStart := map[string]time.Time{}
	if err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		account := uuid.Must(uuid.NewV7())
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"INSERT INTO associations (id, name, legal_id, status) VALUES (?, 'Les Restos', ?, 'verified')",
				[]any{assoc, "W" + strings.Repeat("7", 9)}},
			{`INSERT INTO missions (id, association_id, title, format, address, postal_code, city, lat, lon, places, places_left, status, date_kind)
				VALUES (?, ?, 'Distribution de repas', 'on_site', '12 rue de la Paix', '75002', 'Paris', 48.869, 2.331, 10, 10, 'open', 'recurring')`,
				[]any{mission, assoc}},
			{"INSERT INTO accounts (id, email, full_name) VALUES (?, ?, 'Responsable')", []any{account, manager}},
			{"INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)", []any{assoc, account}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		for name, start := range map[string]time.Duration{"2d": 47 * time.Hour, "2h": 90 * time.Minute, "past": -28 * time.Hour} {
			ids["slot-"+name] = uuid.Must(uuid.NewV7())
			slotStart[name] = time.Now().Add(start)
			if _, err := tx.ExecContext(ctx, "INSERT INTO mission_slots (mission_id, id, starts_at, ends_at) VALUES (?, ?, ?, ?)",
				mission, ids["slot-"+name], slotStart[name], slotStart[name].Add(3*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.TenantTx(tenants.NewContext(ctx, tn), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status, mission_scope, mission_ids)
			VALUES (app.current_tenant_id(), ?, 'Drive', current_date - 10, current_date + 30, 'active', 'listed', ?)`,
			drive, "{"+mission.String()+"}"); err != nil {
			return err
		}
		for _, v := range []struct{ who, slot, status string }{
			{in2days, "2d", "validated"}, {in2hours, "2h", "validated"}, {yesterday, "past", "validated"}, {cancelled, "2h", "cancelled"},
			{applicant, "2d", "pending"}, {quiet, "2d", "validated"},
		} {
			member, p := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
			ids[v.who] = p
			if _, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, status)
				VALUES (app.current_tenant_id(), ?, ?, 'Léa', 'employee', 'active')`, member, v.who); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, slot_id, status, decided_at)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, now() - interval '5 days')`,
				p, drive, member, mission, ids["slot-"+v.slot], v.status); err != nil {
				return err
			}
			if v.who == quiet {
				if _, err := tx.ExecContext(ctx, `INSERT INTO member_mail_opt_outs (tenant_id, member_id, kind)
					VALUES (app.current_tenant_id(), ?, 'reminders')`, member); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	work(t, services, jobs.RemindersArgs{})
	soon := srv.WaitFor(t, in2days, 30*time.Second)
	if !strings.HasPrefix(soon.Subject, "Dans deux jours : Distribution de repas") ||
		!strings.Contains(soon.Text, "12 rue de la Paix, 75002 Paris") ||
		soon.Link("/me/participations") != "http://"+tn.Slug+".localhost/me/participations" {
		t.Errorf("the 48 h reminder says %q\n%s\nlinks %v; want the mission, the place and where to cancel", soon.Subject, soon.Text, soon.Links)
	}
	// Reminders can be turned off with one click (RFC 8058).
	if l := soon.Link("/unsubscribe?token="); l == "" || len(soon.Headers["List-Unsubscribe"]) != 1 ||
		soon.Headers["List-Unsubscribe"][0] != "<"+l+">" || len(soon.Headers["List-Unsubscribe-Post"]) != 1 {
		t.Errorf("the reminder's unsubscribe link %q, headers %v", l, soon.Headers)
	}
	if m := srv.WaitFor(t, in2hours, 30*time.Second); !strings.HasPrefix(m.Subject, "Dans deux heures") {
		t.Errorf("the 2 h reminder says %q", m.Subject)
	}
	ask := srv.WaitFor(t, manager, 30*time.Second)
	if !strings.Contains(ask.Subject, "Léa est-il venu") || ask.Link("/applicants") != "http://localhost/associations/"+assoc.String()+"/applicants" {
		t.Errorf("the attendance question says %q, links %v", ask.Subject, ask.Links)
	}

	// Passes again (the company's job itself, as a later minute's pass
	// would run it): nobody hears twice.
	work(t, services, jobs.CompanyRemindersArgs{Tenant: tn.ID})
	work(t, services, jobs.CompanyRemindersArgs{Tenant: tn.ID})
	for who, want := range map[string]int{in2days: 1, in2hours: 1, yesterday: 0, cancelled: 0, manager: 1, applicant: 0, quiet: 0} {
		if n := len(srv.Messages(t, who)); n != want {
			t.Errorf("%s received %d mails; want %d", who, n, want)
		}
	}

	// The association validates the applicant: the mail carries the
	// slot as a calendar event.
	if _, err := services.Deps.Participations.Decide(ctx, assoc, ids[applicant], campaign.Decision{Validate: true}); err != nil {
		t.Fatal(err)
	}
	validated := srv.WaitFor(t, applicant, 30*time.Second)
	ev := attachedEvent(t, srv.Raw(t, validated.ID))
	if start, err := ev.GetStartAt(); err != nil || ev.Id() != "participation-"+ids[applicant].String()+"@localhost" ||
		!start.Equal(slotStart["2d"].Truncate(time.Second)) {
		t.Errorf("the validation mail's event: UID %q, start %v (%v); want the participation's, %v", ev.Id(), start, err, slotStart["2d"])
	}

	came, err := services.Deps.Participations.Attend(ctx, assoc, ids[yesterday], true)
	if err != nil || came.Status != campaign.Done {
		t.Fatalf("the association says the volunteer came: %v, %v; want done", came, err)
	}
	if _, err := services.Deps.Participations.Attend(ctx, assoc, ids[in2days], false); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("a no-show before the mission: %v; want a conflict", err)
	}
	if _, err := services.Deps.Participations.Attend(ctx, uuid.Must(uuid.NewV7()), ids[yesterday], false); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("another association answering: %v; want not found", err)
	}
}

// attachedEvent finds the text/calendar part of a raw message and parses
// it with an iCalendar library: its one event.
func attachedEvent(t *testing.T, raw []byte) *ics.VEvent {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var find func(ct string, body io.Reader) []byte
	find = func(ct string, body io.Reader) []byte {
		media, params, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil
		}
		if strings.HasPrefix(media, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				part, err := r.NextPart()
				if err != nil {
					return nil
				}
				var b io.Reader = part
				if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
					b = base64.NewDecoder(base64.StdEncoding, part)
				}
				if found := find(part.Header.Get("Content-Type"), b); found != nil {
					return found
				}
			}
		}
		if media == "text/calendar" {
			b, _ := io.ReadAll(body)
			return b
		}
		return nil
	}
	file := find(msg.Header.Get("Content-Type"), msg.Body)
	if file == nil {
		t.Fatalf("no text/calendar part in the mail:\n%s", raw)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(file))
	if err != nil || len(cal.Events()) != 1 {
		t.Fatalf("the attached calendar: %v, %d events\n%s", err, len(cal.Events()), file)
	}
	return cal.Events()[0]
}

func TestReminderDue(t *testing.T) {
	start := time.Date(2026, 12, 10, 14, 0, 0, 0, time.UTC)
	end := start.Add(3 * time.Hour)
	early := start.Add(-72 * time.Hour)
	late := start.Add(-10 * time.Hour)
	for _, c := range []struct {
		kind    string
		now     time.Time
		decided *time.Time
		want    bool
	}{
		{campaign.Remind48h, start.Add(-49 * time.Hour), &early, false},
		{campaign.Remind48h, start.Add(-48 * time.Hour), &early, true},
		{campaign.Remind48h, start.Add(-3 * time.Hour), &early, true},
		{campaign.Remind48h, start.Add(-2 * time.Hour), &early, false}, // the 2 h one's turn
		{campaign.Remind48h, start.Add(-5 * time.Hour), &late, false},  // validated within 48 h: the validation mail said it
		{campaign.Remind2h, start.Add(-2 * time.Hour), &late, true},
		{campaign.Remind2h, start, &late, false},
		{campaign.Attendance, end.Add(23 * time.Hour), &early, false},
		{campaign.Attendance, end.Add(24 * time.Hour), &early, true},
		{campaign.Attendance, end.Add(31 * 24 * time.Hour), &early, false},
	} {
		if got := campaign.ReminderDue(c.kind, start, end, c.decided, c.now); got != c.want {
			t.Errorf("%s at start%+v: due %v; want %v", c.kind, c.now.Sub(start), got, c.want)
		}
	}
}
