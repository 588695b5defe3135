package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/loadtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
)

// outcome is one sign-up sent during the restart test.
type outcome struct {
	status   int
	id       uuid.UUID // of the participation, on 201
	took     time.Duration
	at       time.Time
	problem  bool // a 503 in application/problem+json
	err      error
	response string
}

// Under a steady load of sign-ups the database server stops and starts
// again: meanwhile the server answers 503 problem+json at once rather than
// holding requests, /readyz goes 503 and back to 200 by itself, every
// sign-up acknowledged with 201 is in the database afterwards, and no
// mission holds more people than its places.
func TestDatabaseRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs its own PostgreSQL server")
	}
	t.Parallel()
	setupStart := time.Now()
	pg := newPGCluster(t)
	code, out, errOut := vendredi(t, "db", "provision", "--admin-url", pg.AdminURL())
	if code != 0 {
		t.Fatalf("provision: %s", errOut)
	}
	appURL, ownerURL := exported(out, "DATABASE_URL"), exported(out, "DATABASE_OWNER_URL")
	if code, _, errOut := vendredi(t, "migrate", "up", "--owner-url", ownerURL); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, appURL, postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	const places = 100
	mission, err := loadtest.Mission(ctx, db, places)
	if err != nil {
		t.Fatal(err)
	}
	applicants, company, err := loadtest.Company(ctx, db, "localhost", 800, 0)
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // reopened after the restart, to count

	srv := startServe(t, "server", appURL, "DB_MAX_CONNS=10")
	if r := mustCall(t, srv.URL, "GET", "localhost", "/readyz", "", nil); r.Status != 200 {
		t.Fatalf("/readyz before: %d %s", r.Status, r.Body)
	}

	// The load: six clients, each signing one employee up after another,
	// until told to stop.
	var (
		mu       sync.Mutex
		results  []outcome
		next     atomic.Int64
		stopLoad = make(chan struct{})
		wg       sync.WaitGroup
	)
	body := map[string]any{"mission_id": mission, "waiting_list": true}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				i := int(next.Add(1) - 1)
				if i >= len(applicants) {
					return
				}
				a := applicants[i]
				r, err := call(ctx, srv.URL, "POST", a.Host, a.ApplyPath(), a.Session, body)
				o := outcome{status: r.Status, took: r.Duration, at: time.Now(), err: err, response: r.Body}
				if r.Status == 201 {
					var p struct{ ID uuid.UUID }
					_ = json.Unmarshal([]byte(r.Body), &p)
					o.id = p.ID
				}
				o.problem = r.Status == 503 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json")
				mu.Lock()
				results = append(results, o)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	count := func(since time.Time, status int) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, o := range results {
			if !o.at.Before(since) && (status == 0 || o.status == status) {
				n++
			}
		}
		return n
	}
	waitFor := func(what string, limit time.Duration, cond func() bool) time.Duration {
		start := time.Now()
		for !cond() {
			if time.Since(start) > limit {
				close(stopLoad)
				wg.Wait()
				t.Fatalf("%s: not after %s\n%s", what, limit, srv.logs)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	readyz := func() int {
		r, err := call(ctx, srv.URL, "GET", "localhost", "/readyz", "", nil)
		if err != nil {
			return 0
		}
		return r.Status
	}

	began := time.Now()
	t.Logf("set up in %s", began.Sub(setupStart).Round(time.Millisecond))
	waitFor("sign-ups acknowledged before the restart", 30*time.Second, func() bool { return count(began, 201) >= 60 })

	// The restart: stop, observe, start.
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	waitFor("/readyz 503 while PostgreSQL is down", 10*time.Second, func() bool { return readyz() == 503 })
	waitFor("sign-ups answered while PostgreSQL is down", 30*time.Second, func() bool { return count(down, 0) >= 30 })
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	readyAfter := waitFor("/readyz 200 again", 30*time.Second, func() bool { return readyz() == 200 })
	servingAfter := waitFor("a sign-up acknowledged again", 30*time.Second, func() bool { return count(back, 201) >= 1 })
	waitFor("sign-ups after the restart", 30*time.Second, func() bool { return count(back, 201) >= 60 })
	close(stopLoad)
	wg.Wait()

	// What the clients saw.
	var acked []uuid.UUID
	var during []outcome
	statuses := map[int]int{}
	var slowest503 time.Duration
	for _, o := range results {
		statuses[o.status]++
		switch {
		case o.err != nil:
			t.Errorf("a sign-up got no answer (%s after sending): %v", o.took, o.err)
		case o.status == 201:
			acked = append(acked, o.id)
		case o.status == 503:
			if !o.problem {
				t.Errorf("a 503 is not problem+json: %s", o.response)
			}
			slowest503 = max(slowest503, o.took)
		default:
			t.Errorf("a sign-up answered %d: %s\n%s", o.status, o.response, logLines(srv.logs.String(), "request failed"))
		}
		if o.at.After(down) && o.at.Before(back) {
			during = append(during, o)
		}
	}
	for _, o := range during {
		if o.status != 503 && o.status != 201 {
			t.Errorf("while PostgreSQL was down a sign-up answered %d", o.status)
		}
	}
	if statuses[503] == 0 {
		t.Error("no sign-up answered 503 while PostgreSQL was down")
	}
	t.Logf("%d sign-ups: statuses %v; 503s answered in %s at most; PostgreSQL down %s; /readyz 200 %s and a 201 %s after it was back",
		len(results), statuses, slowest503.Round(time.Millisecond), back.Sub(down).Round(time.Millisecond),
		readyAfter.Round(time.Millisecond), servingAfter.Round(time.Millisecond))
	if readyAfter > 5*time.Second || servingAfter > 5*time.Second {
		t.Errorf("serving again took %s (/readyz) and %s (a sign-up) after PostgreSQL was back; the goal is 5 s", readyAfter, servingAfter)
	}

	// What the database kept.
	db, err = postgres.Open(ctx, appURL, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := loadtest.Count(ctx, db, mission, []uuid.UUID{company})
	if err != nil {
		t.Fatal(err)
	}
	lost := 0
	for _, id := range acked {
		if !p.IDs[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of the %d sign-ups acknowledged with 201 are not in the database", lost, len(acked))
	}
	if p.Holding > places || p.Holding+p.Left != places {
		t.Errorf("mission of %d places: %d hold one and %d are left", places, p.Holding, p.Left)
	}
	t.Logf("acknowledged %d, in the database %d (holding %d of %d places, waiting %d), lost 0 expected: lost %d",
		len(acked), len(p.IDs), p.Holding, places, p.Waiting, lost)
}

// logLines are the lines of logs that contain s.
func logLines(logs, s string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var exportRe = regexp.MustCompile(`export (\w+)='([^']*)'`)

// exported reads the value of name from `db provision`'s shell exports.
func exported(out, name string) string {
	for _, m := range exportRe.FindAllStringSubmatch(out, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	panic(fmt.Sprintf("no %s in %q", name, out))
}
