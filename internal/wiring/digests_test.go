package wiring_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// The weekly digests: a company's HR admins get last week's sign-ups and
// the campaigns ending, in the company's language, with a one-click
// unsubscribe link and the List-Unsubscribe headers; an HR admin who
// turned digests off gets none, nor does a company with nothing to tell.
// The job run twice (a retry, a second replica) sends nothing more. An
// association's manager gets the applicants of the week, in French.
func TestWeeklyDigests(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t) // the managers' digest covers every association: none of the other tests'
	services, srv := mailing(t, env)
	ctx := context.Background()
	week := notify.WeekOf(time.Now())
	busy, quiet := newCompany(t, env, "Initech", "en"), newCompany(t, env, "Globex", "fr")
	admin, optedOut, employee, quietAdmin := mailtest.Address(t), mailtest.Address(t), mailtest.Address(t), mailtest.Address(t)
	adminID := member(t, env, busy, admin, identity.RoleHRAdmin)
	optedOutID := member(t, env, busy, optedOut, identity.RoleHRAdmin)
	volunteer := member(t, env, busy, employee, identity.RoleEmployee)
	member(t, env, quiet, quietAdmin, identity.RoleHRAdmin)
	prefs := notify.NewPreferences(postgres.NewNotificationStore(env.App))
	off := false
	if _, err := prefs.Set(tenants.NewContext(ctx, busy), notify.Member(busy.ID, optedOutID), notify.Change{Digest: &off}); err != nil {
		t.Fatal(err)
	}

	manager := mailtest.Address(t)
	assoc, mission, drive, p := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	if err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		account := uuid.Must(uuid.NewV7())
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"INSERT INTO associations (id, name, legal_id, status) VALUES (?, 'Les Restos', 'W123456789', 'verified')", []any{assoc}},
			{"INSERT INTO missions (id, association_id, title, format, places, places_left, status) VALUES (?, ?, 'Soutien scolaire', 'remote', 3, 2, 'open')", []any{mission, assoc}},
			{"INSERT INTO accounts (id, email, full_name, status) VALUES (?, ?, 'Karim', 'active')", []any{account, manager}},
			{"INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)", []any{assoc, account}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.TenantTx(tenants.NewContext(ctx, busy), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status, launched_at)
			VALUES (app.current_tenant_id(), ?, 'Printemps solidaire', ?::date - 20, ?::date + 4, 'active', now())`,
			drive, week.Format(time.DateOnly), week.Format(time.DateOnly)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status, created_at)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'pending', ?)`, p, drive, volunteer, mission, week.Add(-50*time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}

	for range 2 { // the second run finds every digest sent
		work(t, services, jobs.CompanyDigestArgs{Tenant: busy.ID, Week: week.Format(time.DateOnly)})
		work(t, services, jobs.CompanyDigestArgs{Tenant: quiet.ID, Week: week.Format(time.DateOnly)})
		work(t, services, jobs.AssociationDigestsArgs{Week: week.Format(time.DateOnly)})
	}
	got := srv.WaitFor(t, admin, 30*time.Second)
	if got.Subject != "Your week of volunteering at Initech" || !strings.Contains(got.Text, "1 sign-up to missions (0 validated)") ||
		!strings.Contains(got.Text, `the campaign "Printemps solidaire" ends on`) {
		t.Errorf("HR digest:\n%s\n%s", got.Subject, got.Text)
	}
	link := got.Link("/unsubscribe?token=")
	if link == "" || got.Headers["List-Unsubscribe"] == nil || got.Headers["List-Unsubscribe"][0] != "<"+link+">" ||
		got.Headers["List-Unsubscribe-Post"] == nil || got.Headers["List-Unsubscribe-Post"][0] != "List-Unsubscribe=One-Click" {
		t.Errorf("unsubscribe link %q, headers %v", link, got.Headers)
	}
	if u, err := url.Parse(link); err != nil || u.Host != busy.Slug+".localhost" {
		t.Errorf("the unsubscribe link %q is not on the company's site", link)
	} else if who, kind, err := prefs.ReadUnsubscribe(ctx, u.Query().Get("token")); err != nil || who.ID != adminID || kind != notify.Digest {
		t.Errorf("the link's token reads %v %s (%v); want the admin's digest", who, kind, err)
	}
	assocDigest := srv.WaitFor(t, manager, 30*time.Second)
	if assocDigest.Subject != "Votre semaine sur Vendredi" || !strings.Contains(assocDigest.Text, "Les Restos") ||
		!strings.Contains(assocDigest.Text, "Soutien scolaire (Initech)") {
		t.Errorf("association digest:\n%s\n%s", assocDigest.Subject, assocDigest.Text)
	}

	time.Sleep(2 * time.Second) // what was wrongly queued would have arrived
	for to, want := range map[string]int{admin: 1, optedOut: 0, employee: 0, quietAdmin: 0, manager: 1} {
		if n := len(srv.Messages(t, to)); n != want {
			t.Errorf("%s got %d digests; want %d", to, n, want)
		}
	}
}

func newCompany(t *testing.T, env *pgtest.Env, name, locale string) *tenants.Tenant {
	t.Helper()
	tn, err := tenants.New("co-"+uuid.NewString()[:8], name, nil, locale)
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewTenantStore(env.App).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

func member(t *testing.T, env *pgtest.Env, tn *tenants.Tenant, email, role string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if err := postgres.NewMemberDirectory(env.App).Create(tenants.NewContext(context.Background(), tn), &identity.Person{ID: id,
		Email: email, FullName: "Person " + email[:6], Role: role, Status: identity.StatusActive}, "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return id
}
