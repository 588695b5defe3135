package authztest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/policies"
)

// Pass is the expectation of a request that gets past authorization: any
// status but 401 and 403 (the handler may still answer 404 or 400 to the
// made-up ids and empty bodies of the matrix test).
const Pass = 0

// DefaultParam fills the path parameters a persona does not name.
const DefaultParam = "0193a000-0000-7000-8000-000000000000"

// Persona is a kind of user the matrix test sends every route as.
type Persona struct {
	Name string
	// Role is the role the persona holds, in the domain of its host or of
	// its association (policies' roles.csv); "" for a request with no
	// principal: anonymous, or a member of another company, whom the
	// identity layer treats as anonymous.
	Role string
	// Prepare makes req this persona's: a session cookie or token, a host.
	Prepare func(req *http.Request)
	// Params are path parameter values (an association manager's
	// association id, say); the others are DefaultParam.
	Params map[string]string
	// Denied is the status where the persona has no principal: 401 when 0.
	// The identity layer may answer 404 to a member of another company.
	Denied int
	// Expect, if set, may change the expectation derived from the matrix
	// for a route: for a handler that answers 401 or 403 by itself.
	Expect func(d authz.Declaration, derived int) int
}

// Expected is the status (or Pass) the matrix promises persona p on d:
// public routes pass; without a principal, Denied (401); with one, Pass
// when the persona's role may do d's action in the domain d is checked
// in, 403 otherwise.
func Expected(m *policies.Matrix, p Persona, d authz.Declaration) int {
	want := expected(m, p, d)
	if p.Expect != nil {
		want = p.Expect(d, want)
	}
	return want
}

func expected(m *policies.Matrix, p Persona, d authz.Declaration) int {
	switch {
	case d.Public:
		return Pass
	case p.Role == "":
		if p.Denied != 0 {
			return p.Denied
		}
		return http.StatusUnauthorized
	}
	role, _ := m.Role(p.Role)
	// A host route is checked in the principal's domain (platform or
	// company); an association route in the association's.
	inAssociation := d.Scope.Kind() == policies.ScopeAssociation
	if inAssociation != (role.Scope == policies.ScopeAssociation) || !m.Allows(p.Role, d.Obj, d.Act) {
		return http.StatusForbidden
	}
	return Pass
}

// Cell is one route sent as one persona.
type Cell struct{ Want, Got int }

// OK reports whether the status is the expected one.
func (c Cell) OK() bool {
	if c.Want == Pass {
		return c.Got != http.StatusUnauthorized && c.Got != http.StatusForbidden
	}
	return c.Got == c.Want
}

// Row is one route.
type Row struct {
	Decl  authz.Declaration
	Cells []Cell // one per persona
}

// Result is the whole matrix: every route × every persona.
type Result struct {
	Personas []string
	Rows     []Row
}

// Failures counts the cells that differ from the matrix.
func (r *Result) Failures() int {
	n := 0
	for _, row := range r.Rows {
		for _, c := range row.Cells {
			if !c.OK() {
				n++
			}
		}
	}
	return n
}

// String renders the table: the status of each cell, and "✗got≠want"
// where it differs.
func (r *Result) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(w, "route\tneeds")
	for _, p := range r.Personas {
		fmt.Fprint(w, "\t"+p)
	}
	fmt.Fprintln(w)
	for _, row := range r.Rows {
		fmt.Fprintf(w, "%s %s\t%s", row.Decl.Method, row.Decl.Path, row.Decl)
		for _, c := range row.Cells {
			if c.OK() {
				fmt.Fprintf(w, "\t%d", c.Got)
			} else {
				fmt.Fprintf(w, "\t✗%d≠%s", c.Got, wantString(c.Want))
			}
		}
		fmt.Fprintln(w)
	}
	_ = w.Flush()
	return b.String()
}

func wantString(w int) string {
	if w == Pass {
		return "pass"
	}
	return fmt.Sprint(w)
}

// Run sends every declared route of app once as each persona, and
// compares each status with Expected. It fails when a route lacks a
// declaration (authz.Declarations) or a persona names an unknown role.
func Run(app *fiber.App, m *policies.Matrix, personas []Persona) (*Result, error) {
	decls, err := authz.Declarations(app)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, p := range personas {
		if _, ok := m.Role(p.Role); p.Role != "" && !ok {
			return nil, fmt.Errorf("authztest: persona %s: role %q is not in the matrix", p.Name, p.Role)
		}
		res.Personas = append(res.Personas, p.Name)
	}
	for _, d := range decls {
		row := Row{Decl: d}
		for _, p := range personas {
			req := httptest.NewRequest(d.Method, fillPath(d.Path, p.Params), nil)
			if d.Method == fiber.MethodPost || d.Method == fiber.MethodPut || d.Method == fiber.MethodPatch {
				req = httptest.NewRequest(d.Method, fillPath(d.Path, p.Params), strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Accept", "application/json")
			if p.Prepare != nil {
				p.Prepare(req)
			}
			resp, err := app.Test(req, -1) // no time limit: a slow machine is not a failure
			if err != nil {
				return nil, fmt.Errorf("authztest: %s %s as %s: %w", d.Method, d.Path, p.Name, err)
			}
			_ = resp.Body.Close()
			row.Cells = append(row.Cells, Cell{Want: Expected(m, p, d), Got: resp.StatusCode})
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// Check is Run for a test: it fails t and prints the whole matrix when a
// cell differs, and logs the matrix otherwise (go test -v shows it).
func Check(t testing.TB, app *fiber.App, m *policies.Matrix, personas []Persona) {
	t.Helper()
	res, err := Run(app, m, personas)
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Failures(); n > 0 {
		t.Errorf("permission matrix (policies %s): %d of %d cells differ from the matrix (✗got≠want):\n%s", m.Version, n, len(res.Rows)*len(res.Personas), res)
		return
	}
	t.Logf("permission matrix (policies %s), %d routes × %d personas:\n%s", m.Version, len(res.Rows), len(res.Personas), res)
}

var paramRE = regexp.MustCompile(`:([A-Za-z0-9_]+)(<[^>]*>)?\??`)

// fillPath turns a route's path into a request path: parameters from
// params or DefaultParam, wildcards "x".
func fillPath(path string, params map[string]string) string {
	path = paramRE.ReplaceAllStringFunc(path, func(seg string) string {
		name := paramRE.FindStringSubmatch(seg)[1]
		if v, ok := params[name]; ok {
			return v
		}
		return DefaultParam
	})
	return strings.NewReplacer("*", "x", "+", "x").Replace(path)
}
