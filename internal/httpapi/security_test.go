package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// The ways in that an outside probe found, each closed and kept closed.

// poison is what an attacker adds to a genuine request so that the mail it
// causes links to their own site, where the token would be collected.
var poison = []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https", "X-Url-Scheme", "https",
	"Forwarded", "host=evil.example;proto=https", "X-Forwarded-Server", "evil.example"}

// Every mail that carries a link builds it from the configured public
// address (http://localhost in the tests), whatever headers came with the
// request that caused it.
func TestMailedLinksIgnoreForwardedHeaders(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	mails := mailtest.Start(t)
	pp := people{t: t, db: env.App}
	co := newCompany(t, env, app, "fr")
	company := "http://" + co.host
	staff := pp.session(nil, pp.account(true, nil))

	type mailed struct {
		name, to, prefix string
		send             func(to string) *http.Response
	}
	post := func(host, path, body, session string) *http.Response {
		res, _ := do(t, app, "POST", host, path, body, session, poison...)
		return res
	}
	member := func(role string) string {
		_, email := co.person(role, "RH", "Paris", identity.StatusActive)
		return email
	}
	withPassword := member("employee")
	if err := env.App.TenantTx(co.ctx(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE members SET password_hash = ? WHERE email = ?", passwordHash(t), withPassword)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	assoc := verifiedAssociation(t, env, "")
	manager := pp.session(nil, pp.account(false, &assoc))
	cases := []mailed{
		{"sign-in link", withPassword, company + "/auth/link?token=", func(to string) *http.Response {
			return post(co.host, "/api/v1/auth/sign-in-link", `{"email":"`+to+`"}`, "")
		}},
		{"password reset", withPassword, company + "/auth/reset?token=", func(to string) *http.Response {
			return post(co.host, "/api/v1/auth/password-reset", `{"email":"`+to+`"}`, "")
		}},
		{"invitation", mailtest.Address(t), company + "/auth/invitation?token=", func(to string) *http.Response {
			return post(co.host, "/api/v1/invitations", `{"email":"`+to+`","role":"employee"}`, co.admin)
		}},
		{"company onboarding", mailtest.Address(t), "http://co-", func(to string) *http.Response {
			slug := "co-" + uuid.NewString()[:8]
			return post("localhost", "/api/v1/platform/companies", `{"slug":"`+slug+`","name":"Initech","admin_email":"`+to+`"}`, staff)
		}},
		{"association sign-up", mailtest.Address(t), "http://localhost/auth/verify?token=", func(to string) *http.Response {
			return post("localhost", "/api/v1/associations/sign-up", fmt.Sprintf(`{"email":%q,"full_name":"Rose","password":"correct horse battery",`+
				`"association":{"name":"Les Amis","legal_id":"W%09d"}}`, to, time.Now().UnixNano()%1_000_000_000), "")
		}},
		{"co-manager invitation", mailtest.Address(t), "http://localhost/auth/invitation?token=", func(to string) *http.Response {
			return post("localhost", "/api/v1/associations/"+assoc.String()+"/managers", `{"email":"`+to+`"}`, manager)
		}},
	}
	for _, tc := range cases {
		res := tc.send(tc.to)
		if res.StatusCode >= 300 {
			t.Fatalf("%s: %d", tc.name, res.StatusCode)
		}
		m := mails.WaitFor(t, tc.to, 10*time.Second)
		for _, l := range m.Links {
			if strings.Contains(l, "evil") || strings.HasPrefix(l, "https:") {
				t.Errorf("%s: the mail links to %s, from the request's forwarded headers", tc.name, l)
			}
		}
		if !strings.HasPrefix(m.Link("token="), tc.prefix) {
			t.Errorf("%s: link %q; want it under the configured address %s", tc.name, m.Link("token="), tc.prefix)
		}
	}

	// A campaign launched with the same headers links its invitations to
	// the company's configured address.
	to := member("employee")
	mission(t, env, missionSpec{title: "Tenir la comptabilité", cause: "solidarity"})
	id := co.campaign(`{"template":"tous-confines-tous-engages"}`)
	if res := post(co.host, "/api/v1/campaigns/"+id.String()+"/launch", "", co.admin); res.StatusCode != 200 {
		t.Fatalf("launch: %d", res.StatusCode)
	}
	m := mails.WaitFor(t, to, 10*time.Second)
	if l := m.Link("/campaigns/"); l != company+"/campaigns/"+id.String() {
		t.Errorf("campaign mail links %q; want %s/campaigns/%s", l, company, id)
	}
}

// The Host picks the company; X-Forwarded-Host from a client does not
// switch it.
func TestForwardedHostDoesNotSwitchTheCompany(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	acme, globex := newTenant(t, env.App, "Acme"), newTenant(t, env.App, "Globex")
	for _, h := range []string{"X-Forwarded-Host", "X-Host", "X-Original-Host", "Forwarded"} {
		v := globex.Slug + ".localhost"
		if h == "Forwarded" {
			v = "host=" + v
		}
		res, body := do(t, app, "GET", acme.Slug+".localhost", "/api/v1/tenant", "", "", h, v)
		if res.StatusCode != 200 || body["slug"] != acme.Slug {
			t.Errorf("Host %s with %s: %s: %d %v; want %s", acme.Slug, h, v, res.StatusCode, body, acme.Slug)
		}
	}
}

// A claim on an association that exists waits for staff; meanwhile the
// claimer reaches nothing of it. Staff approve one claim and reject
// another, each claimer told by mail.
func TestAssociationClaimWaitsForStaff(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	mails := mailtest.Start(t)
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	assoc := verifiedAssociation(t, env, "Les Restos")
	var legalID string
	if err := env.App.NewRaw("SELECT legal_id FROM associations WHERE id = ?", assoc).Scan(context.Background(), &legalID); err != nil {
		t.Fatal(err)
	}

	// claim signs someone up with the association's public legal id and
	// confirms their address; it returns their session.
	claim := func() (string, string) {
		email := mailtest.Address(t)
		res, body := do(t, app, "POST", "localhost", "/api/v1/associations/sign-up", fmt.Sprintf(`{"email":%q,"full_name":"Intrus",`+
			`"password":"correct horse battery","association":{"name":"Les Restos","legal_id":%q}}`, email, legalID), "")
		if res.StatusCode != 202 || body["claimed"] != true {
			t.Fatalf("sign-up with an existing legal id: %d %v; want 202, claimed", res.StatusCode, body)
		}
		tok := mailToken(t, mails.WaitFor(t, email, 10*time.Second), "/auth/verify")
		res, _ = do(t, app, "POST", "localhost", "/api/v1/auth/verify", `{"token":"`+tok+`"}`, "")
		if sessionOf(res) == "" {
			t.Fatalf("verify the claimer's address: %d", res.StatusCode)
		}
		return email, sessionOf(res)
	}
	email, session := claim()
	base := "/api/v1/associations/" + assoc.String()
	for _, path := range []string{base + "/participations", base + "/missions"} {
		if res, _ := do(t, app, "GET", "localhost", path, "", session); res.StatusCode != 403 && res.StatusCode != 404 {
			t.Errorf("a pending claimer reads %s: %d; want refused", path, res.StatusCode)
		}
	}
	if _, me := do(t, app, "GET", "localhost", "/api/v1/me", "", session); me["associations"] != nil {
		t.Errorf("a pending claimer manages %v; want nothing", me["associations"])
	}
	res, body := do(t, app, "GET", "localhost", "/api/v1/platform/association-claims", "", staff)
	claims, _ := body["claims"].([]any)
	if res.StatusCode != 200 || len(claims) != 1 || claims[0].(map[string]any)["email"] != email {
		t.Fatalf("staff's queue: %d %v; want the one claim", res.StatusCode, body)
	}
	id := claims[0].(map[string]any)["id"].(string)
	if res, _ := do(t, app, "POST", "localhost", "/api/v1/platform/association-claims/"+id+"/approve", "", session); res.StatusCode != 403 {
		t.Fatalf("the claimer approves their own claim: %d; want 403", res.StatusCode)
	}

	// A second claimer is rejected with a reason they read by mail.
	other, _ := claim()
	_, body = do(t, app, "GET", "localhost", "/api/v1/platform/association-claims", "", staff)
	var otherID string
	for _, c := range body["claims"].([]any) {
		if c.(map[string]any)["email"] == other {
			otherID = c.(map[string]any)["id"].(string)
		}
	}
	if res, body := do(t, app, "POST", "localhost", "/api/v1/platform/association-claims/"+otherID+"/reject", `{"reason":""}`, staff); res.StatusCode != 400 {
		t.Fatalf("reject without a reason: %d %v; want 400", res.StatusCode, body)
	}
	if res, body := do(t, app, "POST", "localhost", "/api/v1/platform/association-claims/"+otherID+"/reject",
		`{"reason":"Le président ne vous connaît pas."}`, staff); res.StatusCode != 200 {
		t.Fatalf("reject: %d %v", res.StatusCode, body)
	}
	if m := mails.WaitFor(t, other, 10*time.Second); !strings.Contains(m.Text, "Le président ne vous connaît pas.") {
		t.Errorf("the rejected claimer's mail lacks the reason:\n%s", m.Text)
	}

	if res, body := do(t, app, "POST", "localhost", "/api/v1/platform/association-claims/"+id+"/approve", "", staff); res.StatusCode != 200 {
		t.Fatalf("approve: %d %v", res.StatusCode, body)
	}
	if m := mails.WaitFor(t, email, 10*time.Second); !strings.Contains(m.Subject, "Les Restos") {
		t.Errorf("the approved claimer's mail: %q", m.Subject)
	}
	// Role caches hear of the change by NOTIFY: within a second or so.
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, _ := do(t, app, "GET", "localhost", base+"/participations", "", session)
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("once approved, the manager reads the applicants: %d; want 200", res.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if res, _ := do(t, app, "POST", "localhost", "/api/v1/platform/association-claims/"+id+"/approve", "", staff); res.StatusCode != 409 {
		t.Errorf("approving twice: %d; want 409", res.StatusCode)
	}
}

// mailToken reads the token of a mailed link whose path contains path.
func mailToken(t *testing.T, m mailtest.Message, path string) string {
	t.Helper()
	u, err := url.Parse(m.Link(path))
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no %s link in %q: %v", path, m.Subject, m.Links)
	}
	return u.Query().Get("token")
}

// Text that is not text (a NUL byte, a control character, invalid UTF-8)
// is a 400 naming the field on every route, whoever asks: in the query,
// in a form and in a JSON body. The routes come from the route table, so a
// new route is covered without anyone remembering to.
func TestInvalidTextIsRefusedOnEveryRoute(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	decls, err := authz.Declarations(app)
	if err != nil {
		t.Fatal(err)
	}
	type variant struct {
		name, query, contentType, body, field string
	}
	variants := []variant{
		{"query", "?name=a%00b", "", "", "name"},
		{"query C1", "?q=a%C2%85b", "", "", "q"},
		{"query bad UTF-8", "?q=%FF%FE", "", "", "q"},
		{"JSON NUL", "", "application/json", `{"name":"a\u0000b","email":"x@y.fr"}`, "name"},
		{"JSON nested", "", "application/json", `{"association":{"legal_id":"W\u0000"}}`, "association.legal_id"},
		{"JSON line break in a short field", "", "application/json", `{"title":"a\nb"}`, "title"},
		{"form NUL", "", "application/x-www-form-urlencoded", "email=a%00b", "email"},
		{"form escape", "", "application/x-www-form-urlencoded", "full_name=%1B%5B31m", "full_name"},
	}
	n := 0
	for _, d := range decls {
		path := strings.NewReplacer(":association", uuid.NewString(), ":id", uuid.NewString(), ":slug", co.tn.Slug,
			":code", "code", ":campaign", uuid.NewString(), ":mission", uuid.NewString()).Replace(d.Path)
		host, session := co.host, co.admin
		if strings.Contains(d.Path, "/platform") || strings.HasPrefix(d.Path, "/api/v1/associations") {
			host, session = "localhost", staff
		}
		for _, v := range variants {
			if v.body != "" && (d.Method == fiber.MethodGet || d.Method == fiber.MethodDelete) {
				continue
			}
			req := httptest.NewRequest(d.Method, path+v.query, strings.NewReader(v.body))
			req.Host = host
			req.Header.Set("Accept", "application/json")
			if v.contentType != "" {
				req.Header.Set("Content-Type", v.contentType)
			}
			req.AddCookie(&http.Cookie{Name: "vendredi_session", Value: session})
			res, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				Errors []struct{ Field string }
			}
			_ = json.NewDecoder(res.Body).Decode(&p)
			n++
			if res.StatusCode != 400 || res.Header.Get("Content-Type") != "application/problem+json" ||
				len(p.Errors) != 1 || p.Errors[0].Field != v.field {
				t.Errorf("%s %s with %s: %d %s %+v; want a problem+json 400 naming %s", d.Method, d.Path, v.name,
					res.StatusCode, res.Header.Get("Content-Type"), p.Errors, v.field)
			}
		}
	}
	t.Logf("%d requests over %d routes", n, len(decls))

	// A line break belongs in a long text; it is refused elsewhere only.
	res, _ := do(t, app, "POST", co.host, "/api/v1/campaigns", `{"name":"Drive","description":"Deux\nlignes","template":"tous-confines-tous-engages"}`, co.admin)
	if res.StatusCode != 201 {
		t.Errorf("a description on two lines: %d; want 201", res.StatusCode)
	}
	// A page's form answers in the page's language, naming the field.
	res, page := browse(t, app, "POST", co.host, "/sign-in", "email=a%00b&password=x", "")
	if res.StatusCode != 400 || !strings.Contains(page, "email doit être du texte") {
		t.Errorf("sign-in form with a NUL byte: %d; want 400 with the French message naming email", res.StatusCode)
	}
}

// Every redirect taken from input stays on the site.
func TestRedirectsStayOnTheSite(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	for back, want := range map[string]string{
		"/\\evil.example/":           "/",
		"/\t/evil.example/":          "",
		"//evil.example/":            "/",
		"https://evil.example/":      "/",
		"/%09/evil.example/":         "/%09/evil.example/", // a path: the browser does not decode it
		"\\\\evil.example":           "/",
		" //evil.example":            "/",
		"javascript:alert(1)":        "/",
		"/campaigns/x?filter=remote": "/campaigns/x?filter=remote",
	} {
		req := httptest.NewRequest("POST", "/lang", strings.NewReader(url.Values{"lang": {"en"}, "back": {back}}.Encode()))
		req.Host = "localhost"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		loc := res.Header.Get("Location")
		switch {
		case want == "" && res.StatusCode != 400:
			t.Errorf("back=%q: %d to %q; want 400 (a control character)", back, res.StatusCode, loc)
		case want != "" && (res.StatusCode != 303 || loc != want):
			t.Errorf("back=%q: %d to %q; want 303 to %q", back, res.StatusCode, loc, want)
		}
	}
}

// Staff pages exist on the platform's host only, for staff only.
func TestPlatformPagesAreStaffOnly(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Acme")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	employee, hr := pp.session(tn, pp.member(tn, "employee")), pp.session(tn, pp.member(tn, "hr_admin"))
	assoc := verifiedAssociation(t, env, "")
	manager, staff := pp.session(nil, pp.account(false, &assoc)), pp.session(nil, pp.account(true, nil))
	id := uuid.NewString()
	for _, path := range []string{"/platform", "/platform/missions", "/platform/missions/" + id, "/platform/companies", "/platform/claims",
		"/api/v1/platform/companies", "/api/v1/platform/association-claims"} {
		for _, tc := range []struct {
			who, host, session string
			want               int
		}{
			{"employee on their company's host", host, employee, 404},
			{"HR admin on their company's host", host, hr, 404},
			{"anonymous on a company's host", host, "", 404},
			{"association manager", "localhost", manager, 403},
			{"anonymous", "localhost", "", 401},
		} {
			req := httptest.NewRequest("GET", path, nil)
			req.Host = tc.host
			req.Header.Set("Accept", "application/json")
			if tc.session != "" {
				req.AddCookie(&http.Cookie{Name: "vendredi_session", Value: tc.session})
			}
			res, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.want {
				t.Errorf("GET %s as %s: %d; want %d", path, tc.who, res.StatusCode, tc.want)
			}
		}
	}
	if res, _ := get(t, app, "localhost", "/platform/missions", ""); res.StatusCode != 401 {
		t.Fatalf("anonymous: %d", res.StatusCode)
	}
	if res, _ := browse(t, app, "GET", "localhost", "/platform/missions", "", staff); res.StatusCode != 200 {
		t.Fatalf("staff: %d", res.StatusCode)
	}
}

// Ten wrong passwords from one address lock that address out of the
// account, not its owner, who signs in from theirs.
func TestGuessingFromOneAddressDoesNotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	host := tn.Slug + ".localhost"
	memberWithPassword(t, env.App, tn, "rose@initech.example", "Rose", "hr_admin")
	attacker := func(password string) *http.Response {
		// Behind the tests' trusted proxy; the left of the chain is the
		// attacker's own invention and is not believed.
		res, _ := do(t, app, "POST", host, "/api/v1/auth/sign-in", `{"email":"rose@initech.example","password":"`+password+`"}`, "",
			"X-Forwarded-For", "198.51.100.99, 203.0.113.7")
		return res
	}
	for i := range 10 {
		if res := attacker(fmt.Sprintf("guess number %d", i)); res.StatusCode != 401 {
			t.Fatalf("guess %d: %d; want 401", i, res.StatusCode)
		}
	}
	if res := attacker("correct horse battery"); res.StatusCode != 429 {
		t.Fatalf("the guessing address, eleventh try: %d; want 429", res.StatusCode)
	}
	// The spoofed left of the chain gives no fresh address either.
	res, _ := do(t, app, "POST", host, "/api/v1/auth/sign-in", `{"email":"rose@initech.example","password":"x"}`, "",
		"X-Forwarded-For", "192.0.2.1, 203.0.113.7")
	if res.StatusCode != 429 {
		t.Fatalf("a new spoofed address before the real one: %d; want 429", res.StatusCode)
	}
	res, body := do(t, app, "POST", host, "/api/v1/auth/sign-in", `{"email":"rose@initech.example","password":"correct horse battery"}`, "",
		"X-Forwarded-For", "198.51.100.20")
	if res.StatusCode != 200 || sessionOf(res) == "" {
		t.Fatalf("the owner from their own address: %d %v; want signed in", res.StatusCode, body)
	}
}

// An Origin must be this site's exactly: another scheme is another origin,
// and a foreign Origin is refused whatever Sec-Fetch-Site says.
func TestOriginChecksAreExact(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Acme")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	hr := pp.session(tn, pp.member(tn, "hr_admin"))
	body := `{"email":"` + mailtest.Address(t) + `","role":"employee"}`
	for _, tc := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"https Origin to an http site", []string{"Origin", "https://" + host}, 403},
		{"foreign Origin claiming same-origin", []string{"Origin", "http://evil.example", "Sec-Fetch-Site", "same-origin"}, 403},
		{"another company's Origin", []string{"Origin", "http://globex.localhost", "Sec-Fetch-Site", "same-site"}, 403},
		{"null Origin", []string{"Origin", "null"}, 403},
		{"cross-site without Origin", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"this site's Origin", []string{"Origin", "http://" + host, "Sec-Fetch-Site", "same-origin"}, 201},
		{"no browser headers (an API client)", nil, 201},
	} {
		b := strings.Replace(body, "@", fmt.Sprintf("+%d@", len(tc.name)), 1)
		res, out := do(t, app, "POST", host, "/api/v1/invitations", b, hr, tc.headers...)
		if res.StatusCode != tc.want {
			t.Errorf("%s: %d %v; want %d", tc.name, res.StatusCode, out, tc.want)
		}
	}
}

// An unknown campaign is unknown, not an empty list.
func TestUnknownCampaignParticipationsAreNotFound(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co, other := newCompany(t, env, app, "fr"), newCompany(t, env, app, "fr")
	theirs := other.campaign(`{"template":"tous-confines-tous-engages"}`)
	for _, id := range []string{uuid.NewString(), theirs.String()} {
		if res, body := do(t, app, "GET", co.host, "/api/v1/campaigns/"+id+"/participations", "", co.admin); res.StatusCode != 404 {
			t.Errorf("participations of campaign %s: %d %v; want 404", id, res.StatusCode, body)
		}
	}
	mine := co.campaign(`{"template":"tous-confines-tous-engages"}`)
	if res, body := do(t, app, "GET", co.host, "/api/v1/campaigns/"+mine.String()+"/participations", "", co.admin); res.StatusCode != 200 {
		t.Errorf("participations of the company's own campaign: %d %v; want 200", res.StatusCode, body)
	}
}
