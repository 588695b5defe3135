package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
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
	// The staff's side (/platform, pages and API) does not exist on a
	// company's host: 404 there, for anyone, before any check.
	onCompanyHost := func(next func(authz.Declaration, int) int) func(authz.Declaration, int) int {
		return func(d authz.Declaration, derived int) int {
			if strings.HasPrefix(d.Path, "/platform") || strings.HasPrefix(d.Path, "/api/v1/platform") {
				return http.StatusNotFound
			}
			if next != nil {
				return next(d, derived)
			}
			return derived
		}
	}
	authztest.Check(t, app, enf.Matrix(), []authztest.Persona{
		{Name: "anonymous", Prepare: as(acmeHost, ""), Expect: onCompanyHost(nil)},
		{Name: "employee", Role: "employee", Prepare: fresh(acme, acmeHost, employee), Expect: onCompanyHost(nil)},
		{Name: "hr_admin", Role: "hr_admin", Prepare: fresh(acme, acmeHost, admin), Expect: onCompanyHost(nil)},
		{Name: "staff", Role: "staff", Prepare: fresh(nil, "localhost", staff)},
		{Name: "assoc_manager", Role: "assoc_manager", Prepare: fresh(nil, "localhost", manager),
			Params: map[string]string{"association": assoc.String()}, Expect: managerExpect},
		// Globex's HR admin with their own session, on Acme's host.
		{Name: "other_tenant", Prepare: func(r *http.Request) { as(acmeHost, pp.session(globex, stranger))(r) }, Expect: onCompanyHost(nil)},
		// Host mismatch: a session works on the host it was made for only.
		// Staff on a company's host are nobody there; an employee on the
		// platform's host is nobody there.
		{Name: "staff_on_company", Prepare: fresh(nil, acmeHost, staff), Expect: onCompanyHost(nil)},
		{Name: "employee_on_platform", Prepare: func(r *http.Request) { as("localhost", pp.session(acme, employee))(r) }},
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

// statements records the text of every statement a pool runs.
type statements struct {
	mu   sync.Mutex
	seen []string
}

func (s *statements) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (s *statements) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, ev.Query)
}

func (s *statements) matching(sub string) (n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.seen {
		if strings.Contains(q, sub) {
			n++
		}
	}
	return n
}

// The session's read is the member's row: the first request of a session
// takes the member's role from it instead of a lookup of its own (issue
// 14: a cheap request costs one round trip of real work), and the role
// is the one the role source gives.
func TestASessionsFirstRequestTakesTheRoleFromTheSessionsRead(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	rec := &statements{}
	app, az := serverWith(t, env.App.Hooked(rec), env.AppURL, io.Discard)
	tn := newTenant(t, env.App, "Globex")
	host := tn.Slug + ".localhost"
	for _, c := range []struct {
		role       string
		path, want string
	}{
		{"hr_admin", "/api/v1/audit", "200"},
		{"employee", "/api/v1/audit", "403"},
		{"employee", "/api/v1/me/profile", "200"},
	} {
		id := people{t: t, db: env.App}.member(tn, c.role)
		session := people{t: t, db: env.App}.session(tn, id)
		before := rec.matching("FROM api_tokens t, unnest")
		res, _ := do(t, app, "GET", host, c.path, "", session)
		if got := fmt.Sprint(res.StatusCode); got != c.want {
			t.Errorf("%s %s: %s; want %s", c.role, c.path, got, c.want)
		}
		if n := rec.matching("FROM api_tokens t, unnest") - before; n != 0 {
			t.Errorf("%s's first request looked the role up (%d statements); want it from the session's read", c.role, n)
		}
		source, err := postgres.NewRoleSource(env.App).Roles(context.Background(), id.String(), authz.TenantDomain(tn.ID))
		if err != nil {
			t.Fatal(err)
		}
		primed, err := az.Roles().RolesIn(context.Background(), id.String(), authz.TenantDomain(tn.ID))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(primed, c.role) || !slices.Contains(source, c.role) || len(source) != 1 {
			t.Errorf("%s: roles primed %v, from the source %v", c.role, primed, source)
		}
	}
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
	if _, sessions := archive.Tables["member_sessions"]; archive.Tenant.Slug != leaving.Slug || len(archive.Tables["members"]) != 1 || sessions {
		t.Fatalf("export of %s: tenant %q, %d members, sessions exported %v; want its one member and no session",
			leaving.Slug, archive.Tenant.Slug, len(archive.Tables["members"]), sessions)
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

// exportFields are the only fields a company's export may carry: its data,
// never credentials. A new column fails this test until someone decides
// which it is: add company data here, keep secrets out of the export
// (postgres.credentialColumn).
var exportFields = map[string][]string{
	"api_tokens":   {"created_at", "created_by", "expires_at", "id", "last_used_at", "name", "prefix", "revoked_at", "role", "scopes", "tenant_id"},
	"audit_events": {"action", "actor_id", "actor_kind", "actor_label", "at", "detail", "id", "ip", "object", "tenant_id"},
	"campaigns": {"allowance_hours", "audience", "audience_values", "auto_approve_hours", "created_at", "created_by", "crisis",
		"description", "ends_on", "goal_hours", "goal_participants", "id", "launched_at", "max_active_per_employee", "mission_causes",
		"mission_ids", "mission_scope", "name", "remote_first", "response_days", "starts_on", "status", "template_code", "tenant_id", "updated_at", "work_time"},
	"hour_logs": {"created_at", "decided_at", "decided_by", "hours", "id", "member_id", "mission_id", "note", "participation_id",
		"status", "tenant_id", "worked_on"},
	"members": {"created_at", "department", "email", "email_verified_at", "erased_at", "full_name", "id", "invited_at", "invited_by",
		"last_sign_in_at", "role", "site", "status", "tenant_id"},
	// Provisioning and retention (docs/scim.md, docs/privacy.md).
	"scim_users":               {"deleted_at", "external_id", "family_name", "given_name", "member_id", "tenant_id", "updated_at"},
	"scim_groups":              {"created_at", "display_name", "external_id", "id", "tenant_id", "updated_at"},
	"privacy_settings":         {"retention_months", "tenant_id", "updated_at"},
	"privacy_purged_campaigns": {"campaign_id", "people", "purged_at", "tenant_id"},
	"participations": {"answer_by", "flagged_late_at", "calendar_sequence", "campaign_id", "cancel_reason", "created_at", "decided_at", "id", "member_id", "mission_id",
		"motivation", "reason_detail", "refusal_reason", "sanitary_ack_at", "slot_id", "status", "tenant_id", "updated_at", "work_time"},
	"profile_skills": {"level", "member_id", "skill", "tenant_id"},
	// Mécénat: the company's declarations and receipts. Hourly costs
	// (mecenat_settings, mecenat_cost_bands, mecenat_member_costs) are
	// pay: the export never opens their lock, so they leave empty.
	"mecenat_turnovers": {"tenant_id", "turnover_cents", "updated_at", "year"},
	"mecenat_receipts": {"association", "association_id", "centihours", "decided_at", "decided_by", "donor", "id", "legal_id",
		"offered_at", "offered_by", "people", "period_from", "period_to", "status", "tenant_id", "value_cents", "year"},
	"mecenat_receipt_lines": {"association_id", "centihours", "hour_log_id", "member_name", "mission_title", "receipt_id",
		"tenant_id", "worked_on"},
	"mecenat_disputes": {"association_id", "at", "by_name", "hour_log_id", "note", "tenant_id"},
	"profiles": {"causes", "days", "formats", "home_city", "home_lat", "home_lon", "hours_per_week", "languages", "member_id",
		"radius_km", "tenant_id", "updated_at"},
}

// TestExportCarriesNoCredentials exports the demo company, whose people
// have passwords, sessions, invitations and API tokens, and lists every
// field against exportFields.
func TestExportCarriesNoCredentials(t *testing.T) {
	t.Parallel()
	// A database of its own: the HR admin and the invitation it adds to
	// the demo company would change the counts other tests read there.
	env := pgtest.Private(t)
	if _, err := postgres.SeedDemo(context.Background(), env.App, "not-a-real-hash"); err != nil {
		t.Fatal(err)
	}
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	acme, err := postgres.NewTenantStore(env.App).BySlug(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	hr := pp.session(acme, pp.member(acme, "hr_admin"))
	if res, body := do(t, app, "POST", "acme.localhost", "/api/v1/api-tokens", `{"name":"CI","role":"hr_admin"}`, hr); res.StatusCode != 201 {
		t.Fatalf("API token: %d %v", res.StatusCode, body)
	}
	if res, body := do(t, app, "POST", "acme.localhost", "/api/v1/invitations", `{"email":"new@acme.example","role":"employee"}`, hr); res.StatusCode != 201 {
		t.Fatalf("invitation: %d %v", res.StatusCode, body)
	}
	req := httptest.NewRequest("GET", "/api/v1/platform/companies/acme/export", nil)
	req.Host = "localhost"
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: staff})
	res, err := app.Test(req, 30000)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("export: %v %v", res.StatusCode, err)
	}
	raw, _ := io.ReadAll(res.Body)
	var archive struct {
		Tenant map[string]any
		Tables map[string][]map[string]any
	}
	if err := json.Unmarshal(raw, &archive); err != nil {
		t.Fatal(err)
	}
	seen := map[string]map[string]bool{}
	for table, rows := range archive.Tables {
		seen[table] = map[string]bool{}
		for _, r := range rows {
			for f := range r {
				seen[table][f] = true
			}
		}
	}
	var got []string
	for table, fields := range seen {
		allowed := map[string]bool{}
		for _, f := range exportFields[table] {
			allowed[f] = true
		}
		for f := range fields {
			got = append(got, table+"."+f)
			if !allowed[f] {
				t.Errorf("the export carries %s.%s, which is not in exportFields", table, f)
			}
		}
	}
	slices.Sort(got)
	t.Logf("exported fields: %q", got)
	// The demo company has a default hourly cost; its export does not.
	for _, table := range []string{"mecenat_settings", "mecenat_cost_bands", "mecenat_member_costs"} {
		if len(archive.Tables[table]) > 0 {
			t.Errorf("the export carries hourly costs (%s)", table)
		}
	}
	for _, secret := range []string{"password_hash", "token_hash", "$argon2id$"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the export holds %q", secret)
		}
	}
}
