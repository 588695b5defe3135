package telemetry

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

const instrumentation = "github.com/vendredi-app/vendredi"

// TracingConfigured tells whether the environment asks for traces: the
// OTLP endpoint (all signals, or traces only) is set.
func TracingConfigured() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// StartTracing exports spans over OTLP/HTTP to the endpoint of the
// standard OTEL_EXPORTER_OTLP_* variables (headers, timeout, protocol
// options included) under OTEL_SERVICE_NAME ("vendredi" by default), and
// makes W3C trace context the propagation format. It returns the function
// that flushes the last spans; call it on shutdown.
func StartTracing(ctx context.Context, version string) (shutdown func(context.Context) error, err error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	return Trace(exp, version), nil
}

// Trace sends every span to exp, batched, and returns the function that
// flushes the last ones.
func Trace(exp sdktrace.SpanExporter, version string) func(context.Context) error {
	name := os.Getenv("OTEL_SERVICE_NAME")
	if name == "" {
		name = "vendredi"
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(name), semconv.ServiceVersion(version)))
	if err != nil { // schema conflict between the SDK and semconv: keep the defaults
		res = resource.Default()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(2*time.Second)), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown
}

// QueryHook makes each database query a child span of the request or job
// that runs it, named by its operation and table. bun's query builder
// writes the values into the query text, so the text goes with a span only
// for raw statements, where it still holds its placeholders: no personal
// data leaves in a trace.
type QueryHook struct{}

var _ bun.QueryHook = QueryHook{}

type spanKey struct{}

// BeforeQuery opens the query's span.
func (QueryHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return ctx // a query outside any request or job: no orphan spans
	}
	op := e.Operation()
	name := op
	attrs := []attribute.KeyValue{attribute.String("db.system.name", "postgresql"), attribute.String("db.operation.name", op)}
	if e.IQuery == nil {
		attrs = append(attrs, attribute.String("db.query.text", truncate(e.QueryTemplate, 2000)))
	} else if table := e.IQuery.GetTableName(); table != "" {
		name += " " + table
		attrs = append(attrs, attribute.String("db.collection.name", table))
	}
	ctx, span := otel.Tracer(instrumentation).Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, spanKey{}, span)
}

// AfterQuery closes it, with the error if any.
func (QueryHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok {
		return
	}
	if e.Err != nil && !isNoRows(e.Err) {
		span.RecordError(e.Err)
		span.SetStatus(codes.Error, "query failed")
	}
	span.End()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Job runs one background job of kind as a span of its own (a root: jobs
// outlive whatever started them) and records it with JobDone.
func Job(ctx context.Context, kind string, fn func(ctx context.Context) error) error {
	ctx, span := otel.Tracer(instrumentation).Start(ctx, "job "+kind, trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attribute.String("job.kind", kind)))
	start := time.Now()
	err := fn(ctx)
	JobDone(kind, Outcome(err), time.Since(start))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "job failed")
	}
	span.End()
	return err
}
