package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/catalog/gen"
	"github.com/vendredi-app/vendredi/internal/loadtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/tenants"
)

// runSearch sends each search of the issue at a constant rate through
// the HTTP API, as an employee of a fresh company, on whatever catalogue
// the database holds (make bench-search loads 100 000 missions), and
// prints its latencies against the goal: p99 under 20 ms at 200/s. Its
// last line is the recommendations of the company's campaign (every
// mission, as many as a campaign takes) for employees with a profile:
// goal p99 under 10 ms.
func runSearch(c config) error {
	ctx := context.Background()
	db, err := postgres.Open(ctx, c.dbURL, postgres.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	var missions int
	if err := db.NewRaw("SELECT count(*) FROM missions").Scan(ctx, &missions); err != nil {
		return err
	}
	as, company, err := loadtest.Company(ctx, db, c.base, int(c.workers), 1)
	if err != nil {
		return err
	}
	if err := profiles(ctx, db, company); err != nil {
		return err
	}
	type search struct {
		name, query string
		path        func(i uint64) string // instead of /api/v1/missions?query
		goal        time.Duration
		warm        bool // one request before the measure
	}
	varied := make([]string, len(gen.SearchTerms))
	for i, t := range gen.SearchTerms {
		varied[i] = "q=" + url.QueryEscape(t)
	}
	searches := []search{
		{name: "default order"},
		{name: "text, rare: q=comptabilité", query: "q=comptabilit%C3%A9"},
		{name: "text, common: q=soutien scolaire", query: "q=soutien%20scolaire"},
		{name: "text by relevance: q=soutien scolaire", query: "q=soutien%20scolaire&sort=relevance"},
		{name: fmt.Sprintf("text, varied: %d terms in turn", len(varied)), path: func(i uint64) string {
			return "/api/v1/missions?" + varied[i%uint64(len(varied))]
		}},
		{name: fmt.Sprintf("text by relevance, varied: %d terms in turn", len(varied)), path: func(i uint64) string {
			return "/api/v1/missions?sort=relevance&" + varied[i%uint64(len(varied))]
		}},
		{name: "formats=remote", query: "formats=remote"},
		{name: "near Paris, 30 km", query: "lat=48.8566&lon=2.3522&radius_km=30"},
		{name: "near Paris, 30 km, by distance", query: "lat=48.8566&lon=2.3522&radius_km=30&sort=distance"},
		{name: "skills + cause", query: "skills=finance.accounting&causes=solidarity"},
		{name: "recommendations of a campaign over every mission", goal: 10 * time.Millisecond, warm: true, path: func(uint64) string {
			return "/api/v1/campaigns/" + as[0].Campaign.String() + "/recommendations"
		}},
	}
	type line struct {
		name string
		r    result
		goal time.Duration
	}
	var lines []line
	// The machine's noise floor: the bare server's SELECT 1 at the same
	// rate, in the same run.
	searches = append([]search{{name: "reference: bare Fiber+pgx SELECT 1"}}, searches...)
	// The lines to measure, each with its goal and its path.
	var measured []search
	for i, s := range searches {
		if i > 0 && !strings.Contains(s.name, c.only) {
			continue
		}
		if s.goal == 0 {
			s.goal = 20 * time.Millisecond
		}
		if s.path == nil {
			query := s.query
			s.path = func(uint64) string { return "/api/v1/missions?" + query }
		}
		measured = append(measured, s)
	}
	// The server first gets the measured lines' requests in turn, as
	// fast as it answers them (every connection of its pool busy), for
	// c.warm, not measured: the p99 sought is a running server's. A
	// server that has just started is not one, on this machine least of
	// all: each PostgreSQL backend faults in every page of shared memory
	// it touches for the first time, about 27 µs a page in this VM (565
	// faults, 15 ms of a first search of "théâtre" on a new connection,
	// 2.3 ms on the next). At 200/s a pool hands out its few most
	// recently used connections, so that the others stay cold until a
	// burst needs them, and pay then. With two seconds of the default
	// order as the only warm-up, the first second of the 37 words cost
	// PostgreSQL three and a half times the CPU of the seconds after, and
	// their p99 was 135 to 288 ms (docs/performance.md).
	if lines := uint64(len(measured) - 1); c.warm > 0 && lines > 0 {
		var turn atomic.Uint64
		attack(c, "warm-up", func(t *vegeta.Target) error {
			n := turn.Add(1)
			get(t, as[int(n/lines%uint64(len(as)))], c.url+measured[1+n%lines].path(n/lines))
			return nil
		}, c.warm)
	}
	for i, s := range measured {
		path := s.path
		if s.warm {
			// The first request builds the campaign's index (hundreds of
			// ms); a server that has served the campaign before holds it
			// and renews it in the background: that steady state is what
			// is measured.
			a := as[0]
			req, err := http.NewRequest(http.MethodGet, c.url+path(0), nil)
			if err != nil {
				return err
			}
			req.Host = a.Host
			req.Header.Set("Cookie", "vendredi_session="+a.Session)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: warming up: %s", s.name, res.Status)
			}
		}
		var next atomic.Uint64
		r := attack(c, s.name, func(t *vegeta.Target) error {
			n := next.Add(1)
			url := c.url + path(n)
			if i == 0 {
				url = c.refURL + "/ping"
			}
			get(t, as[int(n%uint64(len(as)))], url)
			return nil
		}, c.duration, vegeta.ConstantPacer{Freq: c.rate, Per: time.Second})
		fmt.Printf("%s: %s\n", s.name, r)
		if err := r.failed(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		lines = append(lines, line{s.name, r, s.goal})
	}
	fmt.Printf("\n%d missions, %d searches/s for %s each after a warm-up of %s, %s\n\n", missions, c.rate, c.duration, c.warm, time.Now().UTC().Format(time.RFC3339))
	fmt.Println("| search | p50 | p99 | goal p99 | |")
	fmt.Println("|---|---|---|---|---|")
	for _, l := range lines {
		ok := "met"
		if l.r.P99 >= l.goal {
			ok = "missed"
		}
		fmt.Printf("| %s | %s | %s | < %s | %s |\n", l.name, l.r.P50.Round(10*time.Microsecond), l.r.P99.Round(10*time.Microsecond), l.goal, ok)
	}
	return nil
}

// profiles gives every employee of the company a profile a campaign can
// rank missions for: on site or remote around Paris, a few hours a week,
// two causes and three skills among the catalogue's most asked for,
// different from one employee to the next.
func profiles(ctx context.Context, db *postgres.DB, company uuid.UUID) error {
	return db.TenantTx(tenants.NewContext(ctx, &tenants.Tenant{ID: company}), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO profiles (tenant_id, member_id, hours_per_week, formats, home_lat, home_lon, home_city, radius_km, causes)
			SELECT app.current_tenant_id(), m.id, 4, '{remote,on_site,hybrid}', 48.8566, 2.3522, 'Paris', 30,
				(ARRAY['solidarity', 'education', 'health', 'environment'])[1 + n % 4:2 + n % 4]
			FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM members) AS m`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `WITH top AS (
				SELECT skill, row_number() OVER (ORDER BY count(*) DESC, skill) AS r FROM mission_skills GROUP BY skill ORDER BY count(*) DESC LIMIT 30),
			m AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM members)
			INSERT INTO profile_skills (tenant_id, member_id, skill, level)
			SELECT app.current_tenant_id(), m.id, top.skill, 3 FROM m JOIN top ON top.r IN (1 + m.n % 30, 1 + (m.n + 7) % 30, 1 + (m.n + 13) % 30)`)
		return err
	})
}
