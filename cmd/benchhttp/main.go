// Command benchhttp measures Vendredi's request path against references
// run on the same machine in the same run, and prints them side by side
// with their ratios (make bench-http, docs/performance.md):
//
//   - a cheap authenticated GET (/api/v1/me/profile) against the bare
//     Fiber + pgx program of cmd/benchref answering SELECT 1, on a fresh
//     company and again once the sign-ups below have grown the tables;
//   - sign-ups through the HTTP API, on 1 popular mission and spread over
//     50, in rounds of fresh companies for as long as pgbench runs, against
//     pgbench running the same essential SQL (a conditional
//     UPDATE of the mission's places and the INSERT of the participation)
//     with as many clients as the server has connections (BENCH_CONNS, 10);
//     overbooking is counted after each round.
//
// The machine is shared and small: absolute figures are noise from one run
// to the next, the ratios much less so. Load comes from vegeta, as a
// library, with a fixed number of connections.
//
//	go run ./cmd/benchhttp -url http://127.0.0.1:3350 -ref-url http://127.0.0.1:3351 \
//	    -database-url "$DATABASE_URL" -admin-url "$DATABASE_ADMIN_URL"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/vendredi-app/vendredi/internal/loadtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
)

type config struct {
	url, refURL, dbURL, adminURL, base string
	ownerURL                           string
	// owner, the tables' owner, analyses them before each sign-up round
	// (analyzeRound); nil when the server's autovacuum is on.
	owner                      *pgx.Conn
	only                       string
	duration, warm             time.Duration
	workers                    uint64
	employees, rate, pgClients int
}

func main() {
	var c config
	flag.StringVar(&c.url, "url", "http://127.0.0.1:3350", "the Vendredi server")
	flag.StringVar(&c.refURL, "ref-url", "http://127.0.0.1:3351", "the reference server (cmd/benchref)")
	flag.StringVar(&c.dbURL, "database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL of the server's role")
	flag.StringVar(&c.adminURL, "admin-url", os.Getenv("DATABASE_ADMIN_URL"), "PostgreSQL administrator URL, for pgbench's scratch database")
	flag.StringVar(&c.ownerURL, "owner-url", os.Getenv("DATABASE_OWNER_URL"), "PostgreSQL URL of the tables' owner, to analyse them when autovacuum is off")
	flag.StringVar(&c.base, "base-domain", "localhost", "the server's BASE_DOMAIN")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "length of each GET run and of pgbench")
	flag.Uint64Var(&c.workers, "workers", 32, "concurrent connections (HTTP and pgbench clients)")
	flag.IntVar(&c.employees, "employees", 3000, "employees signing up in each sign-up run")
	flag.IntVar(&c.pgClients, "pgbench-clients", 20, "pgbench clients: as many as the server's connections (DB_MAX_CONNS)")
	search := flag.Bool("search", false, "measure searches at -rate instead (make bench-search)")
	flag.IntVar(&c.rate, "rate", 200, "searches per second, with -search")
	flag.DurationVar(&c.warm, "warm", 10*time.Second, "with -search, how long the measured lines' requests go in turn, as fast as the server answers, before the measures")
	flag.StringVar(&c.only, "only", "", "with -search, only the lines whose name contains this (and the reference); without, \"get\" runs the cheap GET alone")
	flag.Parse()
	run := run
	if *search {
		run = runSearch
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "benchhttp:", err)
		os.Exit(1)
	}
}

type row struct {
	what, ours, ref string
	ratio           float64
}

func run(c config) error {
	if c.dbURL == "" || c.adminURL == "" {
		return errors.New("set -database-url and -admin-url (or DATABASE_URL and DATABASE_ADMIN_URL)")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, c.dbURL, postgres.Options{MaxConns: 4})
	if err != nil {
		return err
	}
	defer db.Close()

	if c.ownerURL != "" {
		owner, err := pgx.Connect(ctx, c.ownerURL)
		if err != nil {
			return err
		}
		defer owner.Close(ctx)
		var av string
		if err := owner.QueryRow(ctx, "SHOW autovacuum").Scan(&av); err != nil {
			return err
		}
		if av == "off" {
			c.owner = owner
		}
	}

	var rows []row
	// The cheap GET: 32 employees of a fresh company, each with a session.
	getters, _, err := loadtest.Company(ctx, db, c.base, int(c.workers), 0)
	if err != nil {
		return err
	}
	get := func(label string) error {
		ours := attackGET(c, getters)
		ref := attackRef(c)
		rows = append(rows, row{label, ours.String(), ref.String(), ours.Throughput / ref.Throughput})
		fmt.Printf("%s: ours %s; bare Fiber+pgx %s\n", label, ours, ref)
		return ours.failed()
	}
	if err := get("cheap GET /api/v1/me/profile, fresh company"); err != nil {
		return err
	}

	if c.only != "get" {
		if err := signUpRows(ctx, c, db, &rows); err != nil {
			return err
		}
		if err := get("cheap GET, after the sign-ups grew the tables"); err != nil {
			return err
		}
	}

	fmt.Printf("\n%d connections, %s runs, %s\n\n", c.workers, c.duration, time.Now().UTC().Format(time.RFC3339))
	fmt.Println("| what | Vendredi | reference | ratio |")
	fmt.Println("|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %.2f |\n", r.what, r.ours, r.ref, r.ratio)
	}
	return nil
}

// signUpRows measures sign-ups through HTTP on 1 and 50 missions beside
// pgbench's ceiling for the same SQL.
func signUpRows(ctx context.Context, c config, db *postgres.DB, rows *[]row) error {
	pg, err := pgbench(ctx, c)
	if err != nil {
		return err
	}
	for _, missions := range []int{1, 50} {
		ours, err := signUps(ctx, c, db, missions)
		if err != nil {
			return err
		}
		ref := pg[missions]
		*rows = append(*rows, row{fmt.Sprintf("sign-ups, %d mission(s), %d rounds of %d employees", missions, ours.Rounds, c.employees),
			ours.String(), fmt.Sprintf("pgbench %.0f/s", ref), ours.Throughput / ref})
	}
	return nil
}

// result is what a load run measured.
type result struct {
	Throughput    float64
	P50, P99      time.Duration
	Requests      uint64
	Success       float64
	Codes         map[string]int
	Errors        []string
	Overbooked    int
	ShowOverbooks bool
	Rounds        int // of sign-ups
}

func (r result) String() string {
	s := fmt.Sprintf("%.0f/s, p50 %s, p99 %s", r.Throughput, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond))
	if r.ShowOverbooks {
		s += fmt.Sprintf(", overbooked %d", r.Overbooked)
	}
	return s
}

func (r result) failed() error {
	if r.Success < 1 {
		return fmt.Errorf("%.1f%% of the requests succeeded: status codes %v, errors %v", 100*r.Success, r.Codes, r.Errors)
	}
	return nil
}

// attack sends targeter's requests for duration, as fast as they are
// answered, or at pacer's rate when given, over c.workers connections.
func attack(c config, name string, targeter vegeta.Targeter, duration time.Duration, pacer ...vegeta.Pacer) result {
	m := attackEach(c, name, targeter, duration, nil, pacer...)
	return result{Throughput: m.Throughput, P50: m.Latencies.P50, P99: m.Latencies.P99, Requests: m.Requests,
		Success: m.Success, Codes: m.StatusCodes, Errors: m.Errors}
}

// attackEach is attack's run, with each result also given to each when
// not nil, and its metrics.
func attackEach(c config, name string, targeter vegeta.Targeter, duration time.Duration, each func(*vegeta.Result), pacer ...vegeta.Pacer) vegeta.Metrics {
	// MaxBody(0): bodies are read to the end and dropped, not kept in
	// each result. Kept, a page of search results cost the load generator
	// a copy of its 22 KB, its garbage collector's work and
	// its share of the machine's two cores, which the server under test
	// shares.
	attacker := vegeta.NewAttacker(vegeta.Workers(c.workers), vegeta.MaxWorkers(c.workers), vegeta.KeepAlive(true),
		vegeta.Connections(int(c.workers)), vegeta.Timeout(30*time.Second), vegeta.MaxBody(0))
	var pace vegeta.Pacer = vegeta.ConstantPacer{}
	if len(pacer) > 0 {
		pace = pacer[0]
	}
	var m vegeta.Metrics
	for res := range attacker.Attack(targeter, pace, duration, name) {
		if res.Error == vegeta.ErrNoTargets.Error() {
			continue
		}
		m.Add(res)
		if each != nil {
			each(res)
		}
	}
	m.Close()
	return m
}

func attackGET(c config, as []loadtest.Applicant) result {
	var next atomic.Uint64
	return attack(c, "get", func(t *vegeta.Target) error {
		get(t, as[int(next.Add(1)%uint64(len(as)))], c.url+"/api/v1/me/profile")
		return nil
	}, c.duration)
}

// get makes t a GET of url by applicant a, signed in on its company's
// host.
func get(t *vegeta.Target, a loadtest.Applicant, url string) {
	t.Method, t.URL = http.MethodGet, url
	t.Header = http.Header{"Host": {a.Host}, "Cookie": {"vendredi_session=" + a.Session}}
}

func attackRef(c config) result {
	return attack(c, "ref", func(t *vegeta.Target) error {
		t.Method, t.URL = http.MethodGet, c.refURL+"/ping"
		return nil
	}, c.duration)
}

// signUps measures sign-ups in rounds until they have lasted c.duration,
// pgbench's span: a round of a few thousand employees lasts about a second
// on two cores, and a single one was a second's noise against pgbench's
// eight (the same code measured 0.31, then 0.54 and 0.60 of pgbench, on
// 2026-12-03). The rate is the rounds' sign-ups over their time, the
// latencies all of theirs.
func signUps(ctx context.Context, c config, db *postgres.DB, missionCount int) (result, error) {
	var lat vegeta.LatencyMetrics
	total := result{Codes: map[string]int{}, ShowOverbooks: true}
	var spent time.Duration
	var ok float64
	for total.Rounds == 0 || spent < c.duration {
		m, overbooked, err := signUpRound(ctx, c, db, missionCount, func(r *vegeta.Result) { lat.Add(r.Latency) })
		if err != nil {
			return total, err
		}
		spent += m.Duration + m.Wait
		ok += m.Success * float64(m.Requests)
		total.Requests += m.Requests
		total.Overbooked += overbooked
		for code, n := range m.StatusCodes {
			total.Codes[code] += n
		}
		total.Errors = append(total.Errors, m.Errors...)
		total.Rounds++
	}
	total.Throughput = ok / spent.Seconds()
	total.Success = ok / float64(total.Requests)
	total.P50, total.P99 = lat.Quantile(0.5), lat.Quantile(0.99)
	fmt.Printf("sign-ups, %d mission(s): %s; codes %v\n", missionCount, total, total.Codes)
	return total, total.failed()
}

// signUpRound sends one application per employee of two fresh companies,
// all at once, spread over missions missions whose places hold half of
// them, and counts the places held beyond them afterwards.
func signUpRound(ctx context.Context, c config, db *postgres.DB, missionCount int, each func(*vegeta.Result)) (vegeta.Metrics, int, error) {
	places := max(1, c.employees/2/missionCount)
	var missions []uuid.UUID
	for range missionCount {
		m, err := loadtest.Mission(ctx, db, places)
		if err != nil {
			return vegeta.Metrics{}, 0, err
		}
		missions = append(missions, m)
	}
	var apps []loadtest.Applicant
	var companies []uuid.UUID
	for i := range 2 {
		as, tid, err := loadtest.Company(ctx, db, c.base, c.employees/2, 10+missionCount*10+i)
		if err != nil {
			return vegeta.Metrics{}, 0, err
		}
		apps, companies = append(apps, as...), append(companies, tid)
	}
	if err := analyzeRound(ctx, c); err != nil {
		return vegeta.Metrics{}, 0, err
	}
	var next atomic.Int64
	m := attackEach(c, "apply", func(t *vegeta.Target) error {
		i := int(next.Add(1) - 1)
		if i >= len(apps) {
			return vegeta.ErrNoTargets
		}
		a := apps[i]
		t.Method, t.URL = http.MethodPost, c.url+a.ApplyPath()
		t.Body = []byte(`{"mission_id":"` + missions[i%len(missions)].String() + `","waiting_list":true}`)
		t.Header = http.Header{"Host": {a.Host}, "Content-Type": {"application/json"}, "Cookie": {"vendredi_session=" + a.Session}}
		return nil
	}, 0, each)
	overbooked := 0
	for _, id := range missions {
		p, err := loadtest.Count(ctx, db, id, companies)
		if err != nil {
			return m, 0, err
		}
		if p.Holding > places {
			overbooked += p.Holding - places
		}
		if p.Holding+p.Left != places {
			return m, 0, fmt.Errorf("mission %s: %d holding + %d left != %d places", id, p.Holding, p.Left, places)
		}
	}
	return m, overbooked, nil
}

// pgbenchScript is the essential SQL of a sign-up: take a place if one is
// left (the row lock on the mission, for one statement) and record the
// participation, in one transaction.
const pgbenchScript = `\set m random(1, :missions)
BEGIN;
UPDATE bench_missions SET places_left = places_left - 1 WHERE id = :m AND places_left > 0;
INSERT INTO bench_participations (mission_id, client) VALUES (:m, :client_id);
COMMIT;
`

var tpsRE = regexp.MustCompile(`tps = ([0-9.]+)`)

// pgbench runs the sign-up script on a scratch database for 1 and 50
// missions and returns the transactions per second of each.
func pgbench(ctx context.Context, c config) (map[int]float64, error) {
	const name = "vendredi_benchpg"
	admin, err := pgx.Connect(ctx, c.adminURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		return nil, err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(c.adminURL)
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
	if cfg.Password != "" {
		url = fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Password, cfg.Host, cfg.Port, name)
	}
	script, err := os.CreateTemp("", "signup-*.sql")
	if err != nil {
		return nil, err
	}
	defer os.Remove(script.Name())
	if _, err := script.WriteString(pgbenchScript); err != nil {
		return nil, err
	}
	script.Close()
	out := map[int]float64{}
	for _, missions := range []int{1, 50} {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return nil, err
		}
		_, err = conn.Exec(ctx, `DROP TABLE IF EXISTS bench_missions, bench_participations;
			CREATE TABLE bench_missions (id int PRIMARY KEY, places_left int NOT NULL);
			CREATE TABLE bench_participations (id bigserial PRIMARY KEY, mission_id int NOT NULL REFERENCES bench_missions, client int NOT NULL);
			INSERT INTO bench_missions SELECT g, 1000000000 FROM generate_series(1, 50) g;`)
		conn.Close(ctx)
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, "pgbench", "-n", "-c", strconv.Itoa(c.pgClients), "-j", "2",
			"-T", strconv.Itoa(int(c.duration.Seconds())), "-D", "missions="+strconv.Itoa(missions), "-f", script.Name(), url)
		b, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("pgbench: %w: %s", err, b)
		}
		m := tpsRE.FindSubmatch(b)
		if m == nil {
			return nil, fmt.Errorf("pgbench printed no tps: %s", b)
		}
		tps, _ := strconv.ParseFloat(string(m[1]), 64)
		out[missions] = tps
		fmt.Printf("pgbench, %d mission(s): %.0f sign-ups/s\n", missions, tps)
	}
	if _, err := admin.Exec(ctx, "DROP DATABASE "+name); err != nil {
		return nil, err
	}
	return out, nil
}

// analyzeRound analyses the database before a sign-up round when the
// server's autovacuum is off (as on CI machines), as autovacuum would have
// as the tables grew. Without it, the server's prepared statements keep the
// generic plans they were given on tables that were nearly empty (the first
// round over a new database): a hash join over every mission under the
// missions' locks, 0.41 to 0.49 of pgbench at 50 missions on a first run
// against 0.62 to 0.77 on the next (docs/performance.md, 2026-12-03 23:21).
// ANALYZE changes the statistics, so those plans are made again.
func analyzeRound(ctx context.Context, c config) error {
	if c.owner == nil {
		return nil
	}
	_, err := c.owner.Exec(ctx, "ANALYZE")
	return err
}
