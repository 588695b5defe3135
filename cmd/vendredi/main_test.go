package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

func TestMain(m *testing.M) {
	code := mailtest.Run(func() int { return pgtest.Main(m) })
	removeBinary()
	os.Exit(code)
}

// vendredi runs the command line as a user would and returns its exit
// status and outputs.
func vendredi(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = run(context.Background(), append([]string{"vendredi"}, args...), &out, &errw)
	return code, out.String(), errw.String()
}

func TestTenantsCommands(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	db := "--database-url=" + env.AppURL
	slug := "co-" + uuid.NewString()[:8]

	code, out, errOut := vendredi(t, db, "tenants", "create", "--slug", slug, "--name", "Initech",
		"--email-domain", slug+".example", "--locale", "en")
	if code != 0 || !strings.Contains(out, "created Initech ("+slug+")") {
		t.Fatalf("create: exit %d, %q %q", code, out, errOut)
	}
	if code, out, _ := vendredi(t, db, "tenants", "list"); code != 0 || !strings.Contains(out, slug) || !strings.Contains(out, slug+".example") {
		t.Fatalf("list: exit %d, %q; want the new company", code, out)
	}
	if code, out, _ := vendredi(t, db, "tenants", "suspend", slug); code != 0 || !strings.Contains(out, "is suspended") {
		t.Fatalf("suspend: exit %d, %q", code, out)
	}
	if code, out, _ := vendredi(t, db, "tenants", "resume", slug); code != 0 || !strings.Contains(out, "is active") {
		t.Fatalf("resume: exit %d, %q", code, out)
	}

	failures := []struct {
		name     string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"taken slug", []string{"tenants", "create", "--slug", slug, "--name", "Other"}, 1, `slug "` + slug + `" is already taken`},
		{"taken email domain", []string{"tenants", "create", "--slug", "x" + slug, "--name", "Other", "--email-domain", slug + ".example"}, 1, "email domain " + slug + ".example already belongs"},
		{"bad slug", []string{"tenants", "create", "--slug", "Bad_Slug", "--name", "Other"}, 1, "lowercase letters, digits and hyphens"},
		{"reserved slug", []string{"tenants", "create", "--slug", "admin", "--name", "Other"}, 1, "reserved"},
		{"bad domain", []string{"tenants", "create", "--slug", "y" + slug, "--name", "Other", "--email-domain", "not a domain"}, 1, "is not a domain name"},
		{"bad locale", []string{"tenants", "create", "--slug", "z" + slug, "--name", "Other", "--locale", "de"}, 1, `locale "de" is not supported`},
		{"missing name", []string{"tenants", "create", "--slug", "w" + slug}, 1, "the company name is required"},
		{"unknown tenant", []string{"tenants", "suspend", "no-such-company"}, 1, `no company with slug "no-such-company"`},
		{"no slug", []string{"tenants", "resume"}, 2, "takes one company slug"},
	}
	for _, f := range failures {
		code, out, errOut := vendredi(t, append([]string{db}, f.args...)...)
		if code != f.wantCode || !strings.Contains(errOut, f.wantMsg) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and %q", f.name, code, out, errOut, f.wantCode, f.wantMsg)
		}
	}
}

func TestSeedAndMigrateStatus(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	if code, out, errOut := vendredi(t, "migrate", "status", "--owner-url="+env.OwnerURL); code != 0 || strings.Contains(out, "pending") || !strings.Contains(out, "applied") {
		t.Fatalf("migrate status: exit %d %q %q; want every migration applied", code, out, errOut)
	}
	_, first, _ := vendredi(t, "--database-url="+env.AppURL, "seed", "demo")
	code, second, errOut := vendredi(t, "--database-url="+env.AppURL, "seed", "demo")
	if !strings.Contains(first, "2 companies") || code != 0 || !strings.Contains(second, "0 companies, 0 members, 0 platform accounts, 0 associations, 0 missions") {
		t.Fatalf("seed twice: %q then %q (%s); want the second to add nothing", first, second, errOut)
	}
}

func TestBadSettingsStopWithAMessageNamingThem(t *testing.T) {
	cases := map[string]string{
		"LISTEN_ADDR":      "nonsense",
		"BASE_DOMAIN":      "http://x",
		"SHUTDOWN_TIMEOUT": "-5s",
		"DB_MAX_CONNS":     "0",
		"LOG_LEVEL":        "loud",
		"DATABASE_URL":     "mysql://nope",
	}
	for env, value := range cases {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, value)
			code, _, errOut := vendredi(t, "serve")
			if code == 0 || !strings.Contains(errOut, env) {
				t.Fatalf("%s=%q: exit %d, %q; want a failure naming %s", env, value, code, errOut, env)
			}
		})
	}
}

func TestUnreachableDatabaseSaysWhatToDo(t *testing.T) {
	code, _, errOut := vendredi(t, "--database-url=postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "tenants", "list")
	if code != 1 || !strings.Contains(errOut, "cannot reach PostgreSQL") || !strings.Contains(errOut, "make run") {
		t.Fatalf("exit %d, %q; want a message naming the problem and what to do", code, errOut)
	}
}

// The command line queues the invitation with the company, as the API
// does: nothing leaves while it runs (the mail server may well be down),
// and a worker delivers it once.
func TestOnboardFromTheCommandLineInvitesTheHRAdmin(t *testing.T) {
	t.Parallel()
	env := pgtest.Private(t) // its own queue: this test's worker delivers its mail
	srv := mailtest.Start(t)
	slug := "co-" + uuid.NewString()[:8]
	admin := "rh@" + slug + ".example"
	code, out, errOut := vendredi(t, "--database-url="+env.AppURL, "tenants", "create", "--slug", slug, "--name", "Initech",
		"--email-domain", slug+".example", "--admin-email", admin, "--admin-name", "Rose Hubert",
		"--public-url", "https://vendredi.example")
	if code != 0 || !strings.Contains(out, "invited "+admin+" as HR admin") {
		t.Fatalf("exit %d, %q %q", code, out, errOut)
	}
	var queued int
	if err := env.Owner.NewRaw("SELECT count(*) FROM river_job WHERE kind = 'mail' AND args::text LIKE ?", "%"+admin+"%").
		Scan(context.Background(), &queued); err != nil {
		t.Fatal(err)
	}
	if queued != 1 {
		t.Fatalf("%d invitation mails queued; want one", queued)
	}
	smtp, err := mail.NewSMTP(mail.Config{URL: srv.SMTPURL(), From: "Vendredi <no-reply@vendredi.test>"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(context.Background(), env.App, jobs.Options{Work: true, FetchPoll: 100 * time.Millisecond, Periodic: []*river.PeriodicJob{}})
	if err != nil {
		t.Fatal(err)
	}
	q.Bind(jobs.Services{Mail: smtp})
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer q.StopWithin(5 * time.Second) //nolint:errcheck // the test is over
	m := srv.WaitFor(t, admin, 10*time.Second)
	if l := m.Link("/auth/invitation"); !strings.HasPrefix(l, "https://"+slug+".vendredi.example/auth/invitation?token=") {
		t.Fatalf("invitation link %q; want the company's address", l)
	}
}

func TestOnboardWithBranding(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	slug := "co-" + uuid.NewString()[:8]
	logo := filepath.Join(t.TempDir(), "logo.svg")
	if err := os.WriteFile(logo, []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := func(accent string) []string {
		return []string{"--database-url=" + env.AppURL, "tenants", "create", "--slug", slug, "--name", "Initech",
			"--admin-email", "rh@" + slug + ".example", "--accent", accent, "--logo", logo}
	}
	if code, _, errOut := vendredi(t, args("#ffee88")...); code == 0 || !strings.Contains(errOut, "contrast") {
		t.Fatalf("a pale accent: exit %d, %q; want a refusal explaining the contrast", code, errOut)
	}
	if code, out, errOut := vendredi(t, args("#1A6B4F")...); code != 0 {
		t.Fatalf("exit %d, %q %q", code, out, errOut)
	}
	tn, err := postgres.NewTenantStore(env.App).BySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	if tn.Accent != "#1a6b4f" || tn.LogoVersion == "" {
		t.Errorf("branding stored: accent %q, logo %q", tn.Accent, tn.LogoVersion)
	}
}
