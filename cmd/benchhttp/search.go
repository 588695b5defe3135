package main

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/vendredi-app/vendredi/internal/loadtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
)

// runSearch sends each search of the issue at a constant rate through
// the HTTP API, as an employee of a fresh company, on whatever catalogue
// the database holds (make bench-search loads 100 000 missions), and
// prints its latencies against the goal: p99 under 20 ms at 200/s.
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
	as, _, err := loadtest.Company(ctx, db, c.base, int(c.workers), 1)
	if err != nil {
		return err
	}
	searches := []struct{ name, query string }{
		{"default order", ""},
		{"text, rare: q=comptabilité", "q=comptabilit%C3%A9"},
		{"text, common: q=soutien scolaire", "q=soutien%20scolaire"},
		{"text by relevance: q=soutien scolaire", "q=soutien%20scolaire&sort=relevance"},
		{"formats=remote", "formats=remote"},
		{"near Paris, 30 km", "lat=48.8566&lon=2.3522&radius_km=30"},
		{"near Paris, 30 km, by distance", "lat=48.8566&lon=2.3522&radius_km=30&sort=distance"},
		{"skills + cause", "skills=finance.accounting&causes=solidarity"},
	}
	type line struct {
		name string
		r    result
	}
	var lines []line
	// The machine's noise floor: the bare server's SELECT 1 at the same
	// rate, in the same run.
	searches = append([]struct{ name, query string }{{"reference: bare Fiber+pgx SELECT 1", ""}}, searches...)
	for i, s := range searches {
		url := c.url + "/api/v1/missions?" + s.query
		if i == 0 {
			url = c.refURL + "/ping"
		}
		var next atomic.Uint64
		attacker := vegeta.NewAttacker(vegeta.Workers(c.workers), vegeta.MaxWorkers(c.workers), vegeta.KeepAlive(true),
			vegeta.Connections(int(c.workers)), vegeta.Timeout(30*time.Second))
		var m vegeta.Metrics
		targeter := func(t *vegeta.Target) error {
			a := as[int(next.Add(1)%uint64(len(as)))]
			t.Method, t.URL = http.MethodGet, url
			t.Header = http.Header{"Host": {a.Host}, "Cookie": {"vendredi_session=" + a.Session}}
			return nil
		}
		for res := range attacker.Attack(targeter, vegeta.ConstantPacer{Freq: c.rate, Per: time.Second}, c.duration, s.name) {
			m.Add(res)
		}
		m.Close()
		r := result{Throughput: m.Throughput, P50: m.Latencies.P50, P99: m.Latencies.P99, Requests: m.Requests,
			Success: m.Success, Codes: m.StatusCodes, Errors: m.Errors}
		fmt.Printf("%s: %s\n", s.name, r)
		if err := r.failed(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		lines = append(lines, line{s.name, r})
	}
	fmt.Printf("\n%d missions, %d searches/s for %s each, %s\n\n", missions, c.rate, c.duration, time.Now().UTC().Format(time.RFC3339))
	fmt.Println("| search | p50 | p99 | goal p99 < 20 ms |")
	fmt.Println("|---|---|---|---|")
	for _, l := range lines {
		ok := "met"
		if l.r.P99 >= 20*time.Millisecond {
			ok = "missed"
		}
		fmt.Printf("| %s | %s | %s | %s |\n", l.name, l.r.P50.Round(10*time.Microsecond), l.r.P99.Round(10*time.Microsecond), ok)
	}
	return nil
}
