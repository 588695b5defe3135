package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/gofiber/fiber/v2"
	"github.com/riverqueue/river"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/logging"
	"github.com/vendredi-app/vendredi/internal/logging/logtest"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/internal/wiring"
	"github.com/vendredi-app/vendredi/tenants"
)

func TestMain(m *testing.M) {
	os.Exit(mailtest.Run(func() int {
		code := pgtest.Main(m)
		reportSpecCoverage()
		return code
	}))
}

var seedOnce sync.Once

// newApp returns the server on the package database, seeded with the demo
// world, and the buffer its logs go to.
func newApp(t *testing.T) (*fiber.App, *logtest.Buffer, *pgtest.Env) {
	t.Helper()
	env := pgtest.New(t)
	seedOnce.Do(func() {
		if _, err := postgres.SeedDemo(context.Background(), env.App, "not-a-real-hash"); err != nil {
			t.Fatal(err)
		}
	})
	logs := &logtest.Buffer{}
	app, _ := serverOn(t, env, logs)
	return app, logs, env
}

// serverOn builds the whole server on db, as `vendredi serve` does, with
// mail going to the package's mailpit and logs to w.
func serverOn(t testing.TB, env *pgtest.Env, w io.Writer) (*fiber.App, *authz.Enforcer) {
	t.Helper()
	return serverWith(t, env.App, env.AppURL, w)
}

func serverWith(t testing.TB, db *postgres.DB, url string, w io.Writer) (*fiber.App, *authz.Enforcer) {
	t.Helper()
	return serverAt(t, db, url, "http://localhost", w, true)
}

// serverAt is serverWith for a server whose public address (PUBLIC_URL,
// the origin of every mailed link) is publicURL; work runs the queue's
// workers, which need a migrated database.
func serverAt(t testing.TB, db *postgres.DB, url, publicURL string, w io.Writer, work bool) (*fiber.App, *authz.Enforcer) {
	t.Helper()
	log, err := logging.New(w, "json", slog.LevelDebug)
	if err != nil {
		t.Fatal(err)
	}
	smtp, err := mail.NewSMTP(mail.Config{URL: mailtest.Start(t).SMTPURL(), From: "Vendredi <no-reply@vendredi.test>"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := identity.DefaultConfig()
	cfg.Hash = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	// As serve does, with workers delivering the outbox's mails (no
	// periodic pass: tests run them when they mean to).
	services, err := wiring.New(context.Background(), db, smtp, wiring.Config{PublicURL: publicURL, Identity: cfg,
		Jobs: jobs.Options{Work: work, ListenURL: url, Periodic: []*river.PeriodicJob{}}, SSOKey: testSSOKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := services.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = services.Stop(10 * time.Second) })
	// As serve does: role changes made elsewhere reach this instance.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go services.ListenForRoles(ctx, url)
	// The test's requests come from 0.0.0.0 (app.Test) or 127.0.0.1: both
	// are the tests' trusted proxy, so X-Forwarded-For sets the client.
	// Every /api/v1 answer is checked against the OpenAPI document.
	app, err := httpapi.New(httpapi.Config{BaseDomain: "localhost", Links: services.Links, Logger: log,
		TrustedProxies: []string{"0.0.0.0", "127.0.0.1"}, Around: checkAgainstSpec(t)}, services.Deps)
	if err != nil {
		t.Fatal(err)
	}
	return app, services.Deps.Authz
}

func get(t *testing.T, app *fiber.App, host, path, accept string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = host
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestHostDecidesTheCompany(t *testing.T) {
	t.Parallel()
	app, _, env := newApp(t)
	ctx := context.Background()
	store := postgres.NewTenantStore(env.App)
	custom, err := tenants.New("initech", "Initech", nil, "fr")
	if err != nil {
		t.Fatal(err)
	}
	_ = custom.SetCustomDomains([]string{"benevolat.initech.example"})
	if err := store.Create(ctx, custom); err != nil {
		t.Fatal(err)
	}
	paused, _ := tenants.New("umbrella", "Umbrella", nil, "fr")
	if err := store.Create(ctx, paused); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SetStatus(ctx, "umbrella", tenants.Suspended); err != nil {
		t.Fatal(err)
	}

	t.Run("served as the company", func(t *testing.T) {
		for host, want := range map[string]string{
			"acme.localhost:3000":       "<h1>Acme</h1>",
			"ACME.Localhost:3000":       "<h1>Acme</h1>",
			"globex.localhost":          "<h1>Globex</h1>",
			"benevolat.initech.example": "<h1>Initech</h1>",
		} {
			res, body := get(t, app, host, "/", "text/html")
			if res.StatusCode != 200 || !strings.Contains(body, want) {
				t.Errorf("%s: %d, want 200 with %q", host, res.StatusCode, want)
			}
		}
	})
	t.Run("served as the platform", func(t *testing.T) {
		for _, host := range []string{"localhost:3000", "www.localhost"} {
			res, body := get(t, app, host, "/", "text/html")
			if res.StatusCode != 200 || !strings.Contains(body, "<h1>Tous confinés, Tous engagés</h1>") {
				t.Errorf("%s: %d; want the platform's page", host, res.StatusCode)
			}
		}
	})
	t.Run("not found", func(t *testing.T) {
		for _, host := range []string{"nobody.localhost", "a.acme.localhost", "elsewhere.example"} {
			res, body := get(t, app, host, "/api/v1/tenant", "")
			if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/problem+json" || strings.Contains(body, "Acme") {
				t.Errorf("%s: %d %s %s; want a 404 problem", host, res.StatusCode, res.Header.Get("Content-Type"), body)
			}
		}
	})
	t.Run("suspended answers 404 with a notice", func(t *testing.T) {
		res, body := get(t, app, "umbrella.localhost", "/", "text/html")
		if res.StatusCode != 404 || !strings.Contains(body, "Umbrella est suspendu") {
			t.Errorf("%d %q; want 404 and a page saying the space is suspended", res.StatusCode, body)
		}
	})
}

// Not parallel: it counts the demo companies' people, and parallel tests
// add some to Acme (the export's); sequential tests run before them.
func TestEachCompanySeesOnlyItsPeople(t *testing.T) {
	app, _, _ := newApp(t)
	for host, want := range map[string]string{
		"acme.localhost":   "6 collaborateurs sont déjà inscrits",
		"globex.localhost": "3 colleagues are on board",
	} {
		_, body := get(t, app, host, "/", "text/html")
		if !strings.Contains(body, want) {
			t.Errorf("%s: page lacks %q", host, want)
		}
	}
	_, body := get(t, app, "acme.localhost", "/api/v1/tenant", "")
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil || got["slug"] != "acme" {
		t.Fatalf("acme's /api/v1/tenant: %s", body)
	}
}

func TestVitalMissionsComeFirstWithRulesAndRedirect(t *testing.T) {
	t.Parallel()
	app, _, _ := newApp(t)
	_, body := get(t, app, "acme.localhost", "/", "text/html")
	order := []string{"Aide alimentaire et d&#39;urgence", "Garde exceptionnelle d&#39;enfants",
		"Lien avec les personnes fragiles isolées", "Solidarité de proximité", "Missions de compétences"}
	last := -1
	for _, s := range order {
		i := strings.Index(body, s)
		if i < last {
			t.Fatalf("%q is not in order (at %d, previous at %d)", s, i, last)
		}
		last = i
	}
	for _, want := range []string{"S&#39;inscrire sur la Réserve Civique", "au moins 1 mètre", "70 ans"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestErrorsAreProblemDetailsWithTheRequestID(t *testing.T) {
	t.Parallel()
	app, logs, _ := newApp(t)
	app.Get("/api/v1/boom", func(c *fiber.Ctx) error {
		return errors.New("pq: relation secret_table does not exist")
	})

	res, body := get(t, app, "acme.localhost", "/api/v1/nothing-here", "")
	if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("unknown route: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var p httpapi.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != 404 || p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-Id") {
		t.Fatalf("problem %+v (err %v); want status 404 and the response's request id %q", p, err, res.Header.Get("X-Request-Id"))
	}

	res, body = get(t, app, "acme.localhost", "/api/v1/boom", "")
	rid := res.Header.Get("X-Request-Id")
	if res.StatusCode != 500 || strings.Contains(body, "secret_table") || !strings.Contains(body, "unexpected error") {
		t.Fatalf("unexpected error shown as %d %s; want a generic 500", res.StatusCode, body)
	}
	var errorLines int
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "secret_table") {
			errorLines++
			if !strings.Contains(line, rid) || !strings.Contains(line, `"tenant":"acme"`) {
				t.Errorf("error log line lacks the request id or tenant: %s", line)
			}
		}
	}
	if errorLines != 1 {
		t.Fatalf("the error was logged %d times; want once:\n%s", errorLines, logs.String())
	}
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	app, _, _ := newApp(t)
	res, body := get(t, app, "localhost", "/readyz", "")
	if res.StatusCode != 200 || !strings.Contains(body, `"pending":0`) {
		t.Fatalf("readyz on a migrated database: %d %s", res.StatusCode, body)
	}
	if res, _ := get(t, app, "anything.example", "/healthz", ""); res.StatusCode != 200 {
		t.Fatalf("healthz answers %d on any host; want 200", res.StatusCode)
	}

	// A database whose migrations were never applied is not ready.
	_, appURL := pgtest.Empty(t)
	db, err := postgres.Open(context.Background(), appURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bare, _ := serverAt(t, db, appURL, "http://localhost", io.Discard, false)
	res, body = get(t, bare, "localhost", "/readyz", "")
	if res.StatusCode != 503 || !strings.Contains(body, "not_ready") {
		t.Fatalf("readyz without migrations: %d %s; want 503", res.StatusCode, body)
	}
}

func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	t.Parallel()
	app, _, _ := newApp(t)
	started := make(chan struct{})
	app.Get("/api/v1/slow", func(c *fiber.Ctx) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- httpapi.Serve(ctx, app, ln, 10*time.Second) }()

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/api/v1/slow", nil)
		req.Host = "acme.localhost"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- result{status: res.StatusCode, body: string(b)}
	}()
	<-started
	cancel() // as SIGTERM does
	r := <-done
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %+v; want it to finish with 200", r)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("the server still accepts connections after shutdown")
	}
}
