// Command loadapply measures how many sign-ups per second a running
// Vendredi server takes, and checks that none overbooked: it creates a
// company with n employees signed in and a mission with p places, sends
// every employee's application at once through the HTTP API (vegeta), then
// counts in PostgreSQL who holds a place and who waits.
//
//	go run ./cmd/loadapply -url http://127.0.0.1:3000 -database-url "$DATABASE_URL" -employees 4000 -places 100
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/vendredi-app/vendredi/internal/loadtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:3000", "the server")
	dbURL := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL of the server's role")
	base := flag.String("base-domain", "localhost", "the server's BASE_DOMAIN")
	n := flag.Int("employees", 2000, "employees, each sending one application")
	places := flag.Int("places", 100, "places of each mission")
	missions := flag.Int("missions", 1, "missions the applications are spread over (1: all contend for one)")
	companies := flag.Int("companies", 2, "companies the employees are spread over")
	rate := flag.Int("rate", 0, "requests per second (0: as fast as the server answers)")
	workers := flag.Uint64("workers", 32, "concurrent connections")
	flag.Parse()
	if err := run(*url, *dbURL, *base, *n, *places, *missions, *companies, *rate, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "loadapply:", err)
		os.Exit(1)
	}
}

func run(url, dbURL, base string, n, places, missionCount, companies, rate int, workers uint64) error {
	if dbURL == "" {
		return errors.New("set -database-url (or DATABASE_URL)")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL, postgres.Options{MaxConns: 8})
	if err != nil {
		return err
	}
	defer db.Close()
	var missions []uuid.UUID
	for range missionCount {
		m, err := loadtest.Mission(ctx, db, places)
		if err != nil {
			return err
		}
		missions = append(missions, m)
	}
	start := time.Now()
	var apps []loadtest.Applicant
	var tenantIDs []uuid.UUID
	for c := range companies {
		as, tid, err := loadtest.Company(ctx, db, base, n/companies, c)
		if err != nil {
			return err
		}
		apps, tenantIDs = append(apps, as...), append(tenantIDs, tid)
	}
	fmt.Printf("set up %d employees in %d companies and %d missions of %d places in %s\n", len(apps), companies, missionCount, places, time.Since(start).Round(time.Millisecond))

	var next atomic.Int64
	targeter := func(t *vegeta.Target) error {
		i := int(next.Add(1) - 1)
		if i >= len(apps) {
			return vegeta.ErrNoTargets
		}
		a := apps[i]
		t.Method, t.URL = http.MethodPost, url+a.ApplyPath()
		t.Body = []byte(`{"mission_id":"` + missions[i%len(missions)].String() + `","waiting_list":true}`)
		t.Header = http.Header{"Host": {a.Host}, "Content-Type": {"application/json"},
			"Cookie": {"vendredi_session=" + a.Session}}
		return nil
	}
	pacer := vegeta.Pacer(vegeta.ConstantPacer{Freq: rate, Per: time.Second})
	if rate == 0 {
		pacer = vegeta.ConstantPacer{}
	}
	attacker := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	for res := range attacker.Attack(targeter, pacer, 0, "apply") {
		if res.Error == vegeta.ErrNoTargets.Error() {
			continue // the end of the targets, not a request
		}
		m.Add(res)
	}
	m.Close()
	fmt.Printf("requests %d, throughput %.0f applications/s, latency p50 %s p95 %s p99 %s max %s, status codes %v\n",
		m.Requests, m.Throughput, m.Latencies.P50.Round(time.Microsecond), m.Latencies.P95.Round(time.Microsecond),
		m.Latencies.P99.Round(time.Microsecond), m.Latencies.Max.Round(time.Microsecond), m.StatusCodes)
	if len(m.Errors) > 0 {
		fmt.Printf("errors: %v\n", m.Errors)
	}

	// Count, company by company, who holds a place and who waits, mission
	// by mission.
	totalHolding, totalWaiting, overbooked := 0, 0, 0
	for _, mission := range missions {
		p, err := loadtest.Count(ctx, db, mission, tenantIDs)
		if err != nil {
			return err
		}
		if p.Holding > places {
			overbooked += p.Holding - places
		}
		if p.Holding+p.Left != places {
			return fmt.Errorf("mission %s: %d holding + %d left != %d places", mission, p.Holding, p.Left, places)
		}
		totalHolding, totalWaiting = totalHolding+p.Holding, totalWaiting+p.Waiting
	}
	fmt.Printf("holding a place %d of %d, waiting %d, overbooked %d\n", totalHolding, places*len(missions), totalWaiting, overbooked)
	return nil
}
