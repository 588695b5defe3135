package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// Two `vendredi serve` processes on one database, behind a reverse proxy
// that alternates between them, behave as one: sessions, rate limits, role
// changes and suspensions made through one hold on the other.
func TestTwoReplicasBehaveAsOne(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	t.Parallel()
	env := pgtest.Private(t)
	if code, _, errOut := vendredi(t, "--database-url="+env.AppURL, "seed", "demo"); code != 0 {
		t.Fatalf("seed demo: %s", errOut)
	}
	// a exports traces to a collector of the test's; b has tracing off.
	var spansPosted atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/v1/traces" {
			spansPosted.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	a := startServe(t, "a", env.AppURL, "OTEL_EXPORTER_OTLP_ENDPOINT="+collector.URL)
	b := startServe(t, "b", env.AppURL)
	px := startProxy(t, a, b)
	const acme, pw = "acme.localhost", "vendredi-demo"
	signIn := func(base, host, email string) (session, backend string) {
		t.Helper()
		r := mustCall(t, base, "POST", host, "/api/v1/auth/sign-in", "", map[string]string{"email": email, "password": pw})
		if r.Status != 200 || r.session() == "" {
			t.Fatalf("sign in %s: %d %s", email, r.Status, r.Body)
		}
		return r.session(), r.Header.Get("X-Backend")
	}

	// A session made on one works on the other.
	karim, madeOn := signIn(px.URL, acme, "karim.benali@acme.example")
	seen := map[string]bool{}
	for range 2 {
		r := mustCall(t, px.URL, "GET", acme, "/api/v1/me", karim, nil)
		if r.Status != 200 || !strings.Contains(r.Body, "karim.benali@acme.example") {
			t.Fatalf("GET /me through %s with the session made on %s: %d %s", r.Header.Get("X-Backend"), madeOn, r.Status, r.Body)
		}
		seen[r.Header.Get("X-Backend")] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Fatalf("the proxy did not alternate: %v", seen)
	}

	// Rate limits are shared: the attempts on an account from one address
	// add up across the replicas (10 per window), wherever they land.
	email := "nobody@acme.example"
	for i := range 10 {
		r := mustCall(t, px.URL, "POST", acme, "/api/v1/auth/sign-in", "", map[string]string{"email": email, "password": fmt.Sprint("wrong", i)})
		if r.Status != 401 {
			t.Fatalf("attempt %d through %s: %d %s; want 401", i+1, r.Header.Get("X-Backend"), r.Status, r.Body)
		}
	}
	for _, s := range []*serveProcess{a, b} {
		if r := mustCall(t, s.URL, "POST", acme, "/api/v1/auth/sign-in", "", map[string]string{"email": email, "password": "again"}); r.Status != 429 {
			t.Errorf("11th attempt on %s, after 5 on each: %d %s; want 429 (limits kept per process?)", s.name, r.Status, r.Body)
		}
	}

	// A role change made through one is enforced by the other within a
	// second: b has the caches warm (karim is refused the members list),
	// the HR admin promotes him through a.
	if r := mustCall(t, b.URL, "GET", acme, "/api/v1/members", karim, nil); r.Status != 403 {
		t.Fatalf("an employee lists members on b: %d; want 403", r.Status)
	}
	claire, _ := signIn(a.URL, acme, "claire.martin@acme.example")
	var list struct {
		Members []struct{ ID, Email string }
	}
	mustCall(t, a.URL, "GET", acme, "/api/v1/members", claire, nil).JSON(t, &list)
	karimID := ""
	for _, m := range list.Members {
		if m.Email == "karim.benali@acme.example" {
			karimID = m.ID
		}
	}
	if r := mustCall(t, a.URL, "PATCH", acme, "/api/v1/members/"+karimID, claire, map[string]string{"role": "hr_admin"}); r.Status != 200 {
		t.Fatalf("promote through a: %d %s", r.Status, r.Body)
	}
	changed := time.Now()
	for {
		r := mustCall(t, b.URL, "GET", acme, "/api/v1/members", karim, nil)
		if r.Status == 200 {
			t.Logf("role change through a enforced on b after %s", time.Since(changed).Round(time.Millisecond))
			break
		}
		if time.Since(changed) > time.Second {
			t.Fatalf("b still answers %d a second after the role change through a", r.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Both replicas keep companies and verified sessions in memory; what
	// ends them through one is refused by the other within a second.
	within := func(what string, s *serveProcess, host, path, session string, want int) {
		t.Helper()
		start := time.Now()
		for {
			r := mustCall(t, s.URL, "GET", host, path, session, nil)
			if r.Status == want {
				t.Logf("%s: seen on %s after %s", what, s.name, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Since(start) > time.Second {
				t.Fatalf("%s: %s still answers GET %s with %d a second later; want %d", what, s.name, path, r.Status, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// A sign-out through a: the session, warm in b's cache, is refused there.
	leaving, _ := signIn(a.URL, acme, "karim.benali@acme.example")
	for range 3 {
		if r := mustCall(t, b.URL, "GET", acme, "/api/v1/me", leaving, nil); r.Status != 200 {
			t.Fatalf("a fresh session on b: %d", r.Status)
		}
	}
	if r := mustCall(t, a.URL, "POST", acme, "/api/v1/auth/sign-out", leaving, nil); r.Status != 204 {
		t.Fatalf("sign out through a: %d %s", r.Status, r.Body)
	}
	within("sign-out through a", b, acme, "/api/v1/me", leaving, 401)
	// A member disabled through a: their session, warm in b's cache, is
	// refused there; enabled again, it works again.
	if r := mustCall(t, b.URL, "GET", acme, "/api/v1/me", karim, nil); r.Status != 200 {
		t.Fatalf("karim on b: %d", r.Status)
	}
	if r := mustCall(t, a.URL, "PATCH", acme, "/api/v1/members/"+karimID, claire, map[string]string{"status": "disabled"}); r.Status != 200 {
		t.Fatalf("disable through a: %d %s", r.Status, r.Body)
	}
	within("member disabled through a", b, acme, "/api/v1/me", karim, 401)

	// A company suspended through one answers 404 on the other.
	if r := mustCall(t, b.URL, "GET", acme, "/api/v1/tenant", "", nil); r.Status != 200 {
		t.Fatalf("acme on b before: %d", r.Status)
	}
	staff, _ := signIn(a.URL, "localhost", "staff@vendredi.localhost")
	if r := mustCall(t, a.URL, "POST", "localhost", "/api/v1/platform/companies/acme/suspend", staff, nil); r.Status != 200 {
		t.Fatalf("suspend through a: %d %s", r.Status, r.Body)
	}
	within("company suspended through a", b, acme, "/api/v1/tenant", "", 404)
	for _, path := range []string{"/api/v1/tenant", "/api/v1/me"} {
		if r := mustCall(t, b.URL, "GET", acme, path, karim, nil); r.Status != 404 {
			t.Errorf("GET %s on suspended acme through b: %d %s; want 404", path, r.Status, r.Body)
		}
	}

	// Each replica's /metrics counts what it served, by route template.
	for _, s := range []*serveProcess{a, b} {
		r := mustCall(t, s.Metrics, "GET", "", "", "", nil)
		if r.Status != 200 || !strings.Contains(r.Body, `vendredi_http_requests_total{method="GET",route="/api/v1/members",status="`) ||
			strings.Contains(r.Body, karimID) || strings.Contains(r.Body, "acme") {
			t.Errorf("%s /metrics: %d, want requests by route template and no company or person:\n%.2000s", s.name, r.Status, r.Body)
		}
	}

	// SIGTERM: both drain and exit cleanly.
	for _, s := range []*serveProcess{a, b} {
		if err := s.stop(t); err != nil {
			t.Errorf("%s exited with %v after SIGTERM:\n%s", s.name, err, s.logs)
		}
		if !strings.Contains(s.logs.String(), `"msg":"stopped"`) {
			t.Errorf("%s did not log its stop", s.name)
		}
	}
	if spansPosted.Load() == 0 {
		t.Error("a, with OTEL_EXPORTER_OTLP_ENDPOINT set, exported no spans by the time it stopped")
	}
	if !strings.Contains(a.logs.String(), `"trace_id":"`) || strings.Contains(b.logs.String(), `"trace_id":"`) {
		t.Error("log lines carry a trace id when tracing is on, and none when it is off")
	}
}
