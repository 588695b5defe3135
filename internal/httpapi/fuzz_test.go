package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// fuzzRoute is a route whose input the fuzzer writes: a body for the
// writes, the query for the reads.
type fuzzRoute struct {
	method, path string
	company      bool   // on the company's host (else the platform's)
	as           string // "hr", "employee" or "" (anonymous)
}

var fuzzRoutes = []fuzzRoute{
	{"POST", "/api/v1/auth/sign-in", true, ""},
	{"POST", "/api/v1/auth/sign-up", true, ""},
	{"POST", "/api/v1/auth/sign-in-link", true, ""},
	{"POST", "/api/v1/associations/sign-up", false, ""},
	{"POST", "/sign-in", true, ""},
	{"POST", "/lang", true, ""},
	{"GET", "/api/v1/missions", true, "employee"},
	{"PUT", "/api/v1/me/profile", true, "employee"},
	{"POST", "/api/v1/invitations", true, "hr"},
	{"POST", "/api/v1/invitations/import", true, "hr"},
	{"POST", "/api/v1/campaigns", true, "hr"},
	{"GET", "/api/v1/audit", true, "hr"},
	{"POST", "/admin/people/invite", true, "hr"},
}

var fuzzTypes = []string{"application/json", "application/x-www-form-urlencoded", "text/csv", "", "application/json; charset=utf-8"}

// FuzzRequestDecoding sends what the fuzzer writes as the body and the
// query of the routes that decode input (JSON, form, CSV, query), on the
// real server and database: no input may make the server fail (5xx).
// `go test` runs the seeds; CI fuzzes it for a short time.
func FuzzRequestDecoding(f *testing.F) {
	for i := range fuzzRoutes {
		f.Add(uint8(i), uint8(0), `{"email":"rose@initech.example","password":"correct horse battery"}`, "q=compta")
	}
	f.Add(uint8(0), uint8(0), `{"email":"a\u0000b@x.fr","password":"\u0000"}`, "")
	f.Add(uint8(1), uint8(1), "email=a%00b&full_name=%FF&password=x", "")
	f.Add(uint8(3), uint8(0), `{"association":{"legal_id":"W123456789","name":"\u0085"}}`, "")
	f.Add(uint8(6), uint8(3), "", "q=%00&formats=remote&near=48.85,2.35&radius_km=-1&limit=999999")
	f.Add(uint8(7), uint8(0), `{"skills":[{"code":"finance.accounting","level":99}],"radius_km":"abc","home_city":"\u202eParis"}`, "")
	f.Add(uint8(9), uint8(2), "email,full_name\n\"a@b.fr\",\"x\"\"\n\u0000,y", "")
	f.Add(uint8(10), uint8(0), `{"name":"`+strings.Repeat("é", 5000)+`","starts_on":"2026-02-30","goal_hours":-1e309}`, "")
	f.Add(uint8(11), uint8(0), "", "before=2026-13-01T00:00:00Z&before_id=x&limit=0")
	f.Add(uint8(5), uint8(1), "lang=en&back=%2F%5Cevil.example", "")
	f.Add(uint8(2), uint8(4), `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`, "")
	f.Add(uint8(4), uint8(1), "email=%C0%80&password=%ED%A0%80", "a=1&a=2&%zz")

	env := pgtest.New(f)
	app, _ := serverOn(f, env, io.Discard)
	tn := newTenant(f, env.App, "Fuzz")
	pp := people{t: f, db: env.App}
	sessions := map[string]string{"hr": pp.session(tn, pp.member(tn, "hr_admin")), "employee": pp.session(tn, pp.member(tn, "employee"))}

	f.Fuzz(func(t *testing.T, route, contentType uint8, body, query string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		target := r.path
		if query != "" {
			target += "?" + strings.Map(func(c rune) rune {
				// The query is the fuzzer's, but the request line must
				// still parse as one: no space, no line break, no '#'.
				if c <= ' ' || c == '#' || c == 0x7f || c == utf8.RuneError {
					return -1
				}
				return c
			}, query)
		}
		req := httptest.NewRequest(r.method, "/", strings.NewReader(body))
		req.URL.RawQuery, req.URL.Path = "", r.path
		if i := strings.IndexByte(target, '?'); i >= 0 {
			req.URL.RawQuery = target[i+1:]
		}
		req.Host = "localhost"
		if r.company {
			req.Host = tn.Slug + ".localhost"
		}
		if ct := fuzzTypes[int(contentType)%len(fuzzTypes)]; ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Accept", "application/json")
		if s := sessions[r.as]; s != "" {
			req.AddCookie(&http.Cookie{Name: "vendredi_session", Value: s})
		}
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, target, err)
		}
		if res.StatusCode >= 500 {
			out, _ := io.ReadAll(res.Body)
			t.Fatalf("%s %s (%s) with body %q: %d %s", r.method, target, req.Header.Get("Content-Type"), body, res.StatusCode, out)
		}
	})
}
