package telemetry

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/vendredi-app/vendredi/internal/logging"
	"github.com/vendredi-app/vendredi/internal/logging/logtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func get(t *testing.T, app *fiber.App, target string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp
}

// scrape returns what Prometheus would read on /metrics.
func scrape(t *testing.T) string {
	t.Helper()
	stop, addr, err := Serve("127.0.0.1:0", Registry(pgtest.New(t).App.DB.DB))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	return string(body)
}

// Requests are counted by route template: neither a company's slug nor a
// person's id becomes a label, and paths that match no route share one.
func TestRequestsCountedByRouteTemplate(t *testing.T) {
	app := fiber.New()
	app.Use(Middleware(false))
	app.Get("/companies/:slug/people/:id", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/teapot/:id", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusTeapot) })
	app.Use(func(c *fiber.Ctx) error { return c.Next() }) // a middleware after the routes, as resolveTenant is

	for _, p := range []string{"/companies/acme-corp/people/4242", "/companies/globex-corp/people/77"} {
		if r := get(t, app, p); r.StatusCode != 200 {
			t.Fatalf("%s: %d", p, r.StatusCode)
		}
	}
	get(t, app, "/teapot/9")
	if r := get(t, app, "/wp-admin/secret-path-xyz"); r.StatusCode != 404 {
		t.Fatalf("unknown path: %d", r.StatusCode)
	}

	if n := testutil.ToFloat64(httpRequests.WithLabelValues("/companies/:slug/people/:id", "GET", "200")); n != 2 {
		t.Errorf("GET /companies/:slug/people/:id 200 counted %v times, want 2", n)
	}
	if n := testutil.ToFloat64(httpRequests.WithLabelValues("/teapot/:id", "GET", "418")); n != 1 {
		t.Errorf("teapot counted %v, want 1", n)
	}
	if n := testutil.ToFloat64(httpRequests.WithLabelValues(Unmatched, "GET", "404")); n < 1 {
		t.Errorf("the unknown path is not counted as %q", Unmatched)
	}
	body := scrape(t)
	for _, leak := range []string{"acme-corp", "globex-corp", "4242", "wp-admin"} {
		if strings.Contains(body, leak) {
			t.Errorf("/metrics names %q: a path, company or person became a label", leak)
		}
	}
	for _, want := range []string{
		`vendredi_http_request_duration_seconds_bucket{method="GET",route="/companies/:slug/people/:id",le="0.005"}`,
		`go_sql_in_use_connections{db_name="vendredi"}`, `go_sql_idle_connections{db_name="vendredi"}`,
		`go_sql_wait_count_total{db_name="vendredi"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestJobsMailsSignUpsAllocationsAreCounted(t *testing.T) {
	before := testutil.ToFloat64(jobRuns.WithLabelValues("test_job", Failed))
	err := Job(context.Background(), "test_job", func(context.Context) error { return errors.New("boom") })
	if err == nil || testutil.ToFloat64(jobRuns.WithLabelValues("test_job", Failed)) != before+1 {
		t.Fatalf("a failed job: err %v, counted %v (was %v)", err, testutil.ToFloat64(jobRuns.WithLabelValues("test_job", Failed)), before)
	}
	MailSent()
	MailFailed()
	SignUp("pending")
	AllocationRun(OK, 1500*time.Millisecond)
	SetQueueDepth("default", 3)
	body := scrape(t)
	for _, want := range []string{`vendredi_jobs_total{kind="test_job",outcome="failed"}`, `vendredi_mails_total{outcome="sent"}`,
		`vendredi_mails_total{outcome="failed"}`, `vendredi_signups_total{status="pending"}`,
		`vendredi_allocation_runs_total{outcome="ok"}`, `vendredi_allocation_duration_seconds_bucket{le="2.5"}`,
		`vendredi_job_queue_depth{queue="default"} 3`, `vendredi_job_duration_seconds_count{kind="test_job"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// With tracing on, a request is a span named by its route, continuing the
// caller's trace; its queries are child spans that carry the query's
// template but not its values; its log lines carry the trace id.
func TestRequestSpanWithQueryChildrenAndTraceIDInLogs(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })

	db := pgtest.New(t).App.WithQueryHook(QueryHook{})
	var logs logtest.Buffer
	log, _ := logging.New(&logs, "text", slog.LevelInfo)

	app := fiber.New()
	app.Use(Middleware(true))
	app.Get("/missions/:id", func(c *fiber.Ctx) error {
		var n int
		if err := db.NewRaw("SELECT length(?)", "zoe.secret@acme.example").Scan(c.UserContext(), &n); err != nil {
			return err
		}
		log.InfoContext(c.UserContext(), "looked up")
		return c.SendString("ok")
	})
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	if r := get(t, app, "/missions/123", "traceparent", parent); r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}

	var server, query *tracetest.SpanStub
	spans := exp.GetSpans()
	for i := range spans {
		switch spans[i].SpanKind {
		case trace.SpanKindServer:
			server = &spans[i]
		case trace.SpanKindClient:
			query = &spans[i]
		}
	}
	if server == nil || query == nil {
		t.Fatalf("spans %v: want a server span and a query span", spans)
	}
	if server.Name != "GET /missions/:id" {
		t.Errorf("request span named %q, want the route template", server.Name)
	}
	if got := server.SpanContext.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("trace %s: the caller's traceparent was not continued", got)
	}
	if query.Parent.SpanID() != server.SpanContext.SpanID() || query.Name != "SELECT" {
		t.Errorf("query span %q has parent %s, want a SELECT child of the request span %s", query.Name, query.Parent.SpanID(), server.SpanContext.SpanID())
	}
	for _, a := range query.Attributes {
		if strings.Contains(a.Value.String(), "zoe.secret") {
			t.Errorf("the query span carries a value in %s: %s", a.Key, a.Value.String())
		}
	}
	if !strings.Contains(logs.String(), "trace_id=4bf92f3577b34da6a3ce929d0e0e4736") {
		t.Errorf("log lines lack the trace id: %s", logs.String())
	}
}

// StartTracing sends spans to the OTLP/HTTP endpoint of the environment.
func TestTracesExportedOverOTLP(t *testing.T) {
	got := make(chan string, 10)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.URL.Path + " " + r.Header.Get("Content-Type")
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_SERVICE_NAME", "vendredi-test")
	if !TracingConfigured() {
		t.Fatal("TracingConfigured is false with OTEL_EXPORTER_OTLP_ENDPOINT set")
	}
	prevTP := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prevTP) })
	shutdown, err := StartTracing(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	_ = Job(context.Background(), "export_check", func(context.Context) error { return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	select {
	case r := <-got:
		if r != "POST /v1/traces application/x-protobuf" {
			t.Errorf("collector received %q", r)
		}
	default:
		t.Fatal("the collector received no spans")
	}
}

func TestTracingOffWithoutEndpoint(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	if TracingConfigured() {
		t.Fatal("tracing is on with no endpoint")
	}
}
