// Package telemetry holds Vendredi's operational signals: Prometheus
// metrics (requests, the database pool, background jobs, mails, sign-ups,
// allocations) served on their own address, and OpenTelemetry traces
// exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
//
// The counters are process-wide, as Prometheus expects of one process; any
// package may call the recording functions (JobDone, MailSent, SignUp, …)
// without knowing whether anything scrapes them. No label ever names a
// company or a person: routes are templates (/campaigns/:id), never paths.
package telemetry

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Latency buckets from a quick page (5 ms) to a slow export (10 s).
var requestBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

var (
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vendredi_http_requests_total",
		Help: "HTTP requests answered, by route template, method and status.",
	}, []string{"route", "method", "status"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vendredi_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route template and method.",
		Buckets: requestBuckets,
	}, []string{"route", "method"})
	httpInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "vendredi_http_requests_in_flight",
		Help: "HTTP requests being answered.",
	})
	jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vendredi_jobs_total",
		Help: "Background jobs run, by kind and outcome (ok, failed).",
	}, []string{"kind", "outcome"})
	jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vendredi_job_duration_seconds",
		Help:    "Time a background job took, by kind.",
		Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300},
	}, []string{"kind"})
	queueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vendredi_job_queue_depth",
		Help: "Jobs waiting to run, by queue.",
	}, []string{"queue"})
	mails = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vendredi_mails_total",
		Help: "Mails handed to the mail server (sent) or refused by it or unreachable (failed).",
	}, []string{"outcome"})
	signUps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vendredi_signups_total",
		Help: "Employees' sign-ups for missions, by the status they got (e.g. pending, waitlisted).",
	}, []string{"status"})
	allocations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vendredi_allocation_runs_total",
		Help: "Campaign allocations run, by outcome (ok, failed).",
	}, []string{"outcome"})
	allocationDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "vendredi_allocation_duration_seconds",
		Help:    "Time an allocation took from its inputs to its proposals.",
		Buckets: []float64{.1, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
	})
)

var appCollectors = []prometheus.Collector{httpRequests, httpDuration, httpInFlight, jobRuns, jobDuration, queueDepth,
	mails, signUps, allocations, allocationDuration}

// Outcomes of jobs and allocations.
const (
	OK     = "ok"
	Failed = "failed"
)

// Outcome is OK for a nil error, else Failed.
func Outcome(err error) string {
	if err != nil {
		return Failed
	}
	return OK
}

// JobDone records one run of a background job of kind: outcome is OK or
// Failed (or another word a queue uses, such as "cancelled").
func JobDone(kind, outcome string, d time.Duration) {
	jobRuns.WithLabelValues(kind, outcome).Inc()
	jobDuration.WithLabelValues(kind).Observe(d.Seconds())
}

// SetQueueDepth reports how many jobs wait in queue.
func SetQueueDepth(queue string, n int) { queueDepth.WithLabelValues(queue).Set(float64(n)) }

// MailSent counts a mail the mail server took; MailFailed one it did not.
func MailSent()   { mails.WithLabelValues("sent").Inc() }
func MailFailed() { mails.WithLabelValues("failed").Inc() }

// SignUp counts an employee's sign-up for a mission by the status it got.
func SignUp(status string) { signUps.WithLabelValues(status).Inc() }

// AllocationRun records one campaign allocation.
func AllocationRun(outcome string, d time.Duration) {
	allocations.WithLabelValues(outcome).Inc()
	allocationDuration.Observe(d.Seconds())
}

// Registry gathers the Go runtime's and the process's metrics, the
// application's, and the database pool's (connections in use and idle,
// waits for one and their time) when db is not nil. Each server has its
// own registry, so that two in one process (tests) do not collide.
func Registry(db *sql.DB) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(appCollectors...)
	if db != nil {
		reg.MustRegister(collectors.NewDBStatsCollector(db, "vendredi"))
	}
	return reg
}

// Serve answers GET /metrics on addr (":9090") with reg until stop, for
// serve and worker alike. It returns the address it listens on.
func Serve(addr string, reg *prometheus.Registry) (stop func(), bound string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: Handler(reg), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("metrics server stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, ln.Addr().String(), nil
}

// Handler serves reg in Prometheus' text format on /metrics.
func Handler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}
