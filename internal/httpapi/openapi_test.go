package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/httpapi/openapi"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// The OpenAPI document is checked three ways: it is valid OpenAPI 3.1;
// its paths are exactly the server's /api/v1 routes; and every answer any
// test of this package gets from /api/v1 matches it, and every request that
// succeeds is one it accepts (checkAgainstSpec, on every server the tests
// build), so the whole suite is its corpus.

func init() {
	// Bodies the document describes without a JSON schema: only their
	// content type is checked, but the validator wants a decoder.
	for _, ct := range []string{"application/pdf", "text/calendar"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

var specDoc = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi.Document()
	if err != nil {
		return nil, err
	}
	return doc, openapi.Validate(doc)
})

func spec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := specDoc()
	if err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc := spec(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Components.Schemas["Problem"] == nil {
		t.Error("no Problem schema in components")
	}
	for _, name := range []string{"session", "bearer"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("no security scheme %s", name)
		}
	}
	// Every operation says what it answers on error, as a Problem.
	for p, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Responses.Default() == nil {
				t.Errorf("%s %s: no default (Problem) response", method, p)
			}
		}
	}
}

// TestEveryRouteIsInTheSpec walks the routes of the server the tests
// build (as `vendredi serve` does) against the document's paths, both
// ways, and checks that an operation is public (security: []) exactly
// when its route is.
func TestEveryRouteIsInTheSpec(t *testing.T) {
	t.Parallel()
	doc := spec(t)
	app, _ := serverOn(t, pgtest.New(t), io.Discard)
	decls, err := authz.Declarations(app)
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]authz.Declaration{}
	for _, d := range decls {
		if p, ok := openapi.PathOf(d.Path); ok {
			routes[d.Method+" "+p] = d
		}
	}
	documented := map[string]*openapi3.Operation{}
	for p, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+p] = op
		}
	}
	var missing, extra, security []string
	for r, d := range routes {
		op, ok := documented[r]
		if !ok {
			missing = append(missing, r)
			continue
		}
		sec := doc.Security
		if op.Security != nil {
			sec = *op.Security
		}
		if public := len(sec) == 0; public != d.Public {
			security = append(security, r)
		}
	}
	for r := range documented {
		if _, ok := routes[r]; !ok {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(security)
	if len(missing) > 0 {
		t.Errorf("%d routes of /api/v1 are not in the OpenAPI document (internal/httpapi/openapi/*.yaml; see docs/api.md):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("%d operations of the OpenAPI document have no route:\n  %s", len(extra), strings.Join(extra, "\n  "))
	}
	if len(security) > 0 {
		t.Errorf("operations whose security disagrees with the route's declaration (security: [] is for authz.Public routes, and only them):\n  %s",
			strings.Join(security, "\n  "))
	}
	if len(routes) < 100 {
		t.Errorf("only %d routes under /api/v1: is the walk broken?", len(routes))
	}
}

// specCoverage counts the answers checked, by operation and status, for
// the figure in the closing test.
var specCoverage = struct {
	sync.Mutex
	seen map[string]int
}{seen: map[string]int{}}

// checkAgainstSpec is the server's Around hook in the tests: it checks
// every /api/v1 answer against the OpenAPI document, status, headers and
// body, and fails the test whose request got an undocumented answer.
func checkAgainstSpec(t testing.TB) fiber.Handler {
	doc := spec(t)
	problem := doc.Components.Schemas["Problem"].Value
	return func(c *fiber.Ctx) error {
		err := c.Next()
		path := utils.CopyString(c.Path())
		method := utils.CopyString(c.Method())
		if !strings.HasPrefix(path, openapi.Prefix+"/") || method == fiber.MethodHead || method == fiber.MethodOptions {
			return err
		}
		res := c.Response()
		status := res.StatusCode()
		header := http.Header{}
		res.Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
		body := bytes.Clone(res.Body())
		where := method + " " + path
		var (
			item   *openapi3.PathItem
			op     *openapi3.Operation
			specAt string
		)
		if p, ok := openapi.PathOf(c.Route().Path); ok && c.Route().Method == method {
			specAt = p
			if item = doc.Paths.Value(p); item != nil {
				op = item.GetOperation(method)
			}
		}
		if op == nil {
			// Answered before any route (a middleware's error: unknown
			// company, cross-origin, staff only, unknown path), or by a
			// route a test added: an error must still be a Problem. A real
			// route missing from the document fails TestEveryRouteIsInTheSpec.
			if status < 400 {
				return err
			}
			var v any
			if ct := header.Get(fiber.HeaderContentType); ct != "application/problem+json" {
				t.Errorf("OpenAPI: %s answered %d as %q, not a problem+json", where, status, ct)
			} else if jerr := json.Unmarshal(body, &v); jerr != nil {
				t.Errorf("OpenAPI: %s answered %d: %v", where, status, jerr)
			} else if verr := problem.VisitJSON(v, openapi3.EnableJSONSchema2020()); verr != nil {
				t.Errorf("OpenAPI: %s answered %d with a body that is no Problem: %v", where, status, verr)
			}
			count("(middleware) " + strings.TrimPrefix(path, openapi.Prefix) + " " + itoa(status))
			return err
		}
		route := &routers.Route{Spec: doc, Path: specAt, PathItem: item, Method: method, Operation: op}
		reqBody := bytes.Clone(c.Request().Body())
		req, rerr := http.NewRequest(method, "http://"+string(c.Request().Host())+string(c.Request().RequestURI()), bytes.NewReader(reqBody))
		if rerr != nil {
			t.Errorf("OpenAPI: %s: %v", where, rerr)
			return err
		}
		c.Request().Header.VisitAll(func(k, v []byte) { req.Header.Add(string(k), string(v)) })
		params := map[string]string{}
		for _, name := range c.Route().Params {
			params[name] = utils.CopyString(c.Params(name))
		}
		// A request the document refuses must not succeed: else its
		// request schema is wrong (or the handler too lax). Bad input the
		// tests send on purpose is answered 4xx, which is fine.
		if status < 300 {
			rin := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
			if verr := openapi3filter.ValidateRequest(context.Background(), rin); verr != nil {
				t.Errorf("OpenAPI: %s (%s %s) succeeded (%d) with a request the document refuses: %v\nrequest body: %.600s",
					where, method, specAt, status, verr, reqBody)
			}
		}
		req.Body = http.NoBody
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if verr := openapi3filter.ValidateResponse(context.Background(), in); verr != nil {
			t.Errorf("OpenAPI: %s (%s %s) answered %d, which the document does not allow: %v\nbody: %.600s", where, method, specAt, status, verr, body)
		}
		count(method + " " + specAt + " " + itoa(status))
		return err
	}
}

func count(key string) {
	specCoverage.Lock()
	specCoverage.seen[key]++
	specCoverage.Unlock()
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// reportSpecCoverage writes to the file VENDREDI_OPENAPI_COVERAGE names,
// when set, how many of the document's operations the run's requests
// reached and which they did not: the operations whose answers no test
// checks.
func reportSpecCoverage() {
	out := os.Getenv("VENDREDI_OPENAPI_COVERAGE")
	if out == "" {
		return
	}
	doc, err := specDoc()
	if err != nil {
		return
	}
	seen, succeeded := operationsSeen()
	var all, unseen, failedOnly []string
	for p, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			all = append(all, method+" "+p)
		}
	}
	for _, op := range all {
		switch {
		case !slices.Contains(seen, op):
			unseen = append(unseen, op)
		case !slices.Contains(succeeded, op):
			failedOnly = append(failedOnly, op)
		}
	}
	sort.Strings(unseen)
	sort.Strings(failedOnly)
	specCoverage.Lock()
	answers := 0
	for _, n := range specCoverage.seen {
		answers += n
	}
	specCoverage.Unlock()
	report := fmt.Sprintf("OpenAPI: %d answers checked; %d of %d operations answered, %d with a success (2xx)\nnot reached:\n  %s\nonly errors:\n  %s\n",
		answers, len(all)-len(unseen), len(all), len(all)-len(unseen)-len(failedOnly),
		strings.Join(unseen, "\n  "), strings.Join(failedOnly, "\n  "))
	if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// operationsSeen lists the operations the run got an answer from, and
// those among them that answered a success.
func operationsSeen() (seen, succeeded []string) {
	specCoverage.Lock()
	defer specCoverage.Unlock()
	for k := range specCoverage.seen {
		if strings.HasPrefix(k, "(") {
			continue
		}
		i := strings.LastIndex(k, " ")
		op := k[:i]
		if !slices.Contains(seen, op) {
			seen = append(seen, op)
		}
		if k[i+1] == '2' && !slices.Contains(succeeded, op) {
			succeeded = append(succeeded, op)
		}
	}
	return seen, succeeded
}

// The reference page shows every operation and schema of the document,
// in the site's own page, loading nothing from elsewhere.
func TestAPIDocsPageShowsEveryOperation(t *testing.T) {
	t.Parallel()
	doc := spec(t)
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	for _, l := range []string{"fr", "en"} {
		page := browserless{t: t, app: app, host: "localhost", lang: l}
		res, body := page.get("/api/docs")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get(fiber.HeaderContentType), "text/html") {
			t.Fatalf("/api/docs: %d %s", res.StatusCode, res.Header.Get(fiber.HeaderContentType))
		}
		if csp := res.Header.Get(fiber.HeaderContentSecurityPolicy); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		for p, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !strings.Contains(body, `id="`+op.OperationID+`"`) || !strings.Contains(body, "<code>"+p+"</code>") {
					t.Errorf("%s: %s %s (%s) is not on the page", l, method, p, op.OperationID)
				}
			}
		}
		for name := range doc.Components.Schemas {
			if !strings.Contains(body, `id="schema-`+name+`"`) {
				t.Errorf("%s: schema %s is not on the page", l, name)
			}
		}
		// Nothing from another site: no script at all, styles and images
		// from this one.
		for _, bad := range []string{"<script", `src="http`, `src="//`, `<link rel="stylesheet" href="http`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the page holds %q", l, bad)
			}
		}
		want := map[string]string{"fr": "Corps de la requête", "en": "Request body"}[l]
		if !strings.Contains(body, want) {
			t.Errorf("%s: the page lacks %q", l, want)
		}
	}
	// The document itself, as clients fetch it on a company's host.
	res, body := get(t, app, newTenant(t, env.App, "Initech").Slug+".localhost", "/api/v1/openapi.json", "")
	var got map[string]any
	if res.StatusCode != 200 || json.Unmarshal([]byte(body), &got) != nil || got["openapi"] != "3.1.0" {
		t.Fatalf("/api/v1/openapi.json: %d %.200s", res.StatusCode, body)
	}
}
