package telemetry

import (
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Unmatched is the route label of requests that matched no route: their
// paths are not labels, so that scanners cannot grow the series.
const Unmatched = "unmatched"

// Middleware measures every request of app by route template, method and
// status, and, when tracing is on, opens a server span named by the route
// ("GET /api/v1/campaigns/:id") whose context the handlers' database
// queries inherit.
func Middleware(tracing bool) fiber.Handler {
	var (
		once   sync.Once
		routes map[uintptr]bool
	)
	tracer := otel.Tracer(instrumentation)
	return func(c *fiber.Ctx) error {
		// Fiber leaves a request that matched nothing on the last
		// middleware it ran: tell real routes by their handlers.
		once.Do(func() { routes = realRoutes(c.App()) })
		start := time.Now()
		httpInFlight.Inc()
		var span trace.Span
		if tracing {
			ctx := otel.GetTextMapPropagator().Extract(c.UserContext(), headerCarrier{&c.Request().Header})
			ctx, span = tracer.Start(ctx, utils.CopyString(c.Method()), trace.WithSpanKind(trace.SpanKindServer))
			c.SetUserContext(ctx)
		}
		// The error handler runs here, as the access log does, so that the
		// status counted is the one sent.
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		httpInFlight.Dec()
		route, method := Unmatched, utils.CopyString(c.Method())
		if r := c.Route(); len(r.Handlers) > 0 && routes[reflect.ValueOf(r.Handlers).Pointer()] {
			route, method = r.Path, r.Method
		}
		status := c.Response().StatusCode()
		httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		httpDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		if span != nil {
			span.SetName(method + " " + route)
			span.SetAttributes(attribute.String("http.request.method", method), attribute.String("http.route", route),
				attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, strconv.Itoa(status))
			}
			span.End()
		}
		return nil
	}
}

func realRoutes(app *fiber.App) map[uintptr]bool {
	m := map[uintptr]bool{}
	for _, r := range app.GetRoutes(true) {
		if len(r.Handlers) > 0 {
			m[reflect.ValueOf(r.Handlers).Pointer()] = true
		}
	}
	return m
}

// headerCarrier reads and writes W3C trace context in fasthttp headers.
type headerCarrier struct{ h *fasthttp.RequestHeader }

func (c headerCarrier) Get(key string) string { return string(c.h.Peek(key)) }
func (c headerCarrier) Set(key, value string) { c.h.Set(key, value) }
func (c headerCarrier) Keys() []string {
	var keys []string
	c.h.VisitAll(func(k, _ []byte) { keys = append(keys, string(k)) })
	return keys
}
