package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/authz/authztest"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/policies"
	"github.com/vendredi-app/vendredi/tenants"
)

func as(host, session string) func(*http.Request) {
	return func(r *http.Request) {
		r.Host = host
		if session != "" {
			r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: session})
		}
	}
}

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, enf := serverOn(t, env, io.Discard)
	acme, globex := newTenant(t, env.App, "Company"), newTenant(t, env.App, "Company")
	acmeHost := acme.Slug + ".localhost"
	assoc := verifiedAssociation(t, env, "Asso")
	pp := people{t: t, db: env.App}
	employee, admin := pp.member(acme, "employee"), pp.member(acme, "hr_admin")
	stranger := pp.member(globex, "hr_admin")
	staff, manager := pp.account(true, nil), pp.account(false, &assoc)

	// A fresh session for every request: some routes end the caller's.
	fresh := func(tn *tenants.Tenant, host string, id uuid.UUID) func(*http.Request) {
		return func(r *http.Request) { as(host, pp.session(tn, id))(r) }
	}
	// On the base domain a manager is a platform account; in their
	// association's domain, its manager.
	managerExpect := func(d authz.Declaration, derived int) int {
		if d.Scope.Kind() == policies.ScopeAssociation || d.Public {
			return derived
		}
		return authztest.Expected(enf.Matrix(), authztest.Persona{Role: "account"}, d)
	}
	authztest.Check(t, app, enf.Matrix(), []authztest.Persona{
		{Name: "anonymous", Prepare: as(acmeHost, "")},
		{Name: "employee", Role: "employee", Prepare: fresh(acme, acmeHost, employee)},
		{Name: "hr_admin", Role: "hr_admin", Prepare: fresh(acme, acmeHost, admin)},
		{Name: "staff", Role: "staff", Prepare: fresh(nil, "localhost", staff)},
		{Name: "assoc_manager", Role: "assoc_manager", Prepare: fresh(nil, "localhost", manager),
			Params: map[string]string{"association": assoc.String()}, Expect: managerExpect},
		// Globex's HR admin with their own session, on Acme's host.
		{Name: "other_tenant", Prepare: func(r *http.Request) { as(acmeHost, pp.session(globex, stranger))(r) }},
	})
}

func do(t *testing.T, app *fiber.App, method, host, path, body, session string, headers ...string) (*http.Response, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = host
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: session})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

func sessionOf(res *http.Response) string {
	for _, c := range res.Cookies() {
		if c.Name == httpapi.SessionCookie {
			return c.Value
		}
	}
	return ""
}

func TestSignInOverHTTP(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	host := tn.Slug + ".localhost"
	id := memberWithPassword(t, env.App, tn, "rh@initech.example", "Rose", "hr_admin")

	second, _ := serverOn(t, env, io.Discard)
	res, body := do(t, app, "POST", host, "/api/v1/auth/sign-in", `{"email":"rh@initech.example","password":"nope nope nope"}`, "")
	if res.StatusCode != 401 || res.Header.Get("Content-Type") != "application/problem+json" || sessionOf(res) != "" {
		t.Fatalf("wrong password: %d %v", res.StatusCode, body)
	}
	res, body = do(t, app, "POST", host, "/api/v1/auth/sign-in", `{"email":"rh@initech.example","password":"correct horse battery"}`, "")
	session := sessionOf(res)
	if res.StatusCode != 200 || session == "" || body["role"] != "hr_admin" {
		t.Fatalf("sign-in: %d %v", res.StatusCode, body)
	}
	for _, c := range res.Cookies() {
		if c.Name == httpapi.SessionCookie && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Domain != "") {
			t.Errorf("session cookie %+v; want HttpOnly, SameSite=Lax, host-only", c)
		}
	}
	if res, body := do(t, app, "GET", host, "/api/v1/me", "", session); res.StatusCode != 200 || body["email"] != "rh@initech.example" {
		t.Fatalf("me: %d %v", res.StatusCode, body)
	}
	other := newTenant(t, env.App, "Other")
	if res, _ := do(t, app, "GET", other.Slug+".localhost", "/api/v1/me", "", session); res.StatusCode != 401 {
		t.Fatalf("Initech's session on another company's host: %d; want 401 (anonymous)", res.StatusCode)
	}

	t.Run("cross-origin state changes are refused", func(t *testing.T) {
		res, _ := do(t, app, "POST", host, "/api/v1/invitations", `{"email":"x@initech.example"}`, session,
			"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if res.StatusCode != 403 {
			t.Fatalf("cross-site POST: %d; want 403", res.StatusCode)
		}
		res, _ = do(t, app, "POST", host, "/api/v1/invitations", `{"email":"x@initech.example"}`, session,
			"Sec-Fetch-Site", "same-site", "Origin", "http://acme.localhost")
		if res.StatusCode != 403 {
			t.Fatalf("POST from another company's host: %d; want 403", res.StatusCode)
		}
		res, _ = do(t, app, "POST", host, "/api/v1/invitations", `{"email":"x@initech.example"}`, session,
			"Sec-Fetch-Site", "same-origin")
		if res.StatusCode != 201 {
			t.Fatalf("same-origin POST: %d; want 201", res.StatusCode)
		}
	})

	t.Run("a demoted HR admin loses access at once", func(t *testing.T) {
		other := people{t: t, db: env.App}.member(tn, "hr_admin")
		otherSession := people{t: t, db: env.App}.session(tn, other)
		if res, _ := do(t, app, "GET", host, "/api/v1/audit", "", otherSession); res.StatusCode != 200 {
			t.Fatalf("HR admin reads the audit log: %d", res.StatusCode)
		}
		res, body := do(t, app, "PATCH", host, "/api/v1/members/"+other.String(), `{"role":"employee"}`, session)
		if res.StatusCode != 200 || body["role"] != "employee" {
			t.Fatalf("demote: %d %v", res.StatusCode, body)
		}
		if res, _ := do(t, app, "GET", host, "/api/v1/audit", "", otherSession); res.StatusCode != 403 {
			t.Fatalf("after demotion: %d; want 403 at once", res.StatusCode)
		}
		// A second instance that had the old role cached hears of it.
		if res, _ := do(t, second, "GET", host, "/api/v1/members", "", session); res.StatusCode != 200 {
			t.Fatalf("the second instance: %d", res.StatusCode)
		}
		res, _ = do(t, app, "PATCH", host, "/api/v1/members/"+other.String(), `{"role":"hr_admin"}`, session)
		if res.StatusCode != 200 {
			t.Fatalf("promote back: %d", res.StatusCode)
		}
		if res, _ := do(t, second, "GET", host, "/api/v1/audit", "", otherSession); res.StatusCode != 200 {
			t.Fatalf("promoted HR admin on the second instance: %d", res.StatusCode)
		}
		res, _ = do(t, app, "PATCH", host, "/api/v1/members/"+other.String(), `{"role":"employee"}`, session)
		if res.StatusCode != 200 {
			t.Fatalf("demote again: %d", res.StatusCode)
		}
		waitFor(t, "the second instance refuses the demoted admin", func() bool {
			res, _ := do(t, second, "GET", host, "/api/v1/audit", "", otherSession)
			return res.StatusCode == 403
		})
		res, body = do(t, app, "PATCH", host, "/api/v1/members/"+id.String(), `{"role":"employee"}`, session)
		if res.StatusCode != 409 {
			t.Fatalf("the last HR admin demoting themselves: %d %v; want 409", res.StatusCode, body)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		if res, _ := do(t, app, "POST", host, "/api/v1/auth/sign-out", "", session); res.StatusCode != 204 {
			t.Fatalf("sign-out: %d", res.StatusCode)
		}
		if res, _ := do(t, app, "GET", host, "/api/v1/me", "", session); res.StatusCode != 401 {
			t.Fatalf("after sign-out: %d; want 401", res.StatusCode)
		}
	})
}

// waitFor polls cond: a notification crosses PostgreSQL asynchronously.
// The deadline only stops a hopeless wait; it asserts no speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: did not happen", what)
}

func TestOffboardingExportsThenDeletesOnlyThatCompany(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	ctx := context.Background()
	store := postgres.NewTenantStore(env.App)
	leaving, staying := newTenant(t, env.App, "Company"), newTenant(t, env.App, "Company")
	pp := people{t: t, db: env.App}
	gone := pp.member(leaving, "hr_admin")
	pp.member(staying, "hr_admin")
	pp.session(leaving, gone)
	staff := pp.session(nil, pp.account(true, nil))
	base := "/api/v1/platform/companies/" + leaving.Slug

	if res, _ := do(t, app, "POST", "localhost", base+"/suspend", "", staff); res.StatusCode != 200 {
		t.Fatalf("suspend: %d", res.StatusCode)
	}
	req := httptest.NewRequest("GET", base+"/export", nil)
	req.Host = "localhost"
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: staff})
	res, err := app.Test(req, 10000)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("export: %v %v", res.StatusCode, err)
	}
	var archive struct {
		Tenant struct{ Slug string }
		Tables map[string][]map[string]any
	}
	if err := json.NewDecoder(res.Body).Decode(&archive); err != nil {
		t.Fatalf("the export is not one JSON document: %v", err)
	}
	exported := false
	for _, ev := range archive.Tables["audit_events"] {
		exported = exported || ev["action"] == identity.ActionExport
	}
	if !exported {
		t.Errorf("the company's own audit log does not record the export")
	}
	if archive.Tenant.Slug != leaving.Slug || len(archive.Tables["members"]) != 1 || len(archive.Tables["member_sessions"]) != 1 {
		t.Fatalf("export of %s: tenant %q, %d members, %d sessions; want its one member and session",
			leaving.Slug, archive.Tenant.Slug, len(archive.Tables["members"]), len(archive.Tables["member_sessions"]))
	}
	for table, rows := range archive.Tables {
		for _, r := range rows {
			if r["tenant_id"] != leaving.ID.String() {
				t.Fatalf("the export holds a row of another company in %s: %v", table, r)
			}
		}
	}

	if res, _ := do(t, app, "DELETE", "localhost", base+"?confirm="+leaving.Slug, "", staff); res.StatusCode != 204 {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	count := func(tn *tenants.Tenant) int {
		total := 0
		for table := range archive.Tables {
			var n int
			err := env.App.TenantTx(tenants.NewContext(ctx, tn), func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw("SELECT count(*) FROM ?", bun.Ident(table)).Scan(ctx, &n)
			})
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
		return total
	}
	if n := count(leaving); n != 0 {
		t.Fatalf("%d rows of the offboarded company remain", n)
	}
	if n := count(staying); n == 0 {
		t.Fatal("the other company's rows went too")
	}
	if _, err := store.BySlug(ctx, leaving.Slug); err == nil {
		t.Fatal("the company is still in the directory")
	}
}
