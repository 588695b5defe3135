package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// testSSOKey seals the SSO secrets of the tests' servers
// (SSO_ENCRYPTION_KEY).
const testSSOKey = "RIOVdyyhSq088ANX+qg/b9KtPbYUfI22xbxcdBS3tv0="

// ssoWorld is a company, its HR admin, and a browser-like client that
// follows a sign-in through the company's site and its identity provider.
type ssoWorld struct {
	t    *testing.T
	app  *fiber.App
	env  *pgtest.Env
	tn   *tenants.Tenant
	host string
	// domain is the company's email domain; at(name) an address on it.
	domain string
	admin  string // the HR admin's session
	pp     people
}

func newSSOWorld(t *testing.T) *ssoWorld {
	t.Helper()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	slug := "sso-" + uuid.NewString()[:8]
	// A domain of its own: a domain belongs to one company, and the
	// package's tests share a database.
	domain := slug + ".example"
	tn := createTenant(t, env.App, slug, "Initrode", "fr", domain)
	w := &ssoWorld{t: t, app: app, env: env, tn: tn, host: tn.Slug + ".localhost", domain: domain, pp: people{t: t, db: env.App}}
	adminID := addMember(t, env.App, tn, identity.Person{Email: w.at("rh"), FullName: "Rita RH", Role: identity.RoleHRAdmin,
		PasswordHash: passwordHash(t)})
	w.admin = w.pp.session(tn, adminID)
	return w
}

// call sends a request to the company's host, with the cookies given.
func (w *ssoWorld) call(method, path, contentType string, body io.Reader, cookies map[string]string, headers ...string) (*http.Response, string) {
	w.t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Host = w.host
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	for k, v := range cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := w.app.Test(req, 20000)
	if err != nil {
		w.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (w *ssoWorld) at(name string) string { return name + "@" + w.domain }

func (w *ssoWorld) api(method, path, body, session string) (*http.Response, map[string]any) {
	w.t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	res, text := w.call(method, path, ct, strings.NewReader(body), map[string]string{httpapi.SessionCookie: session})
	var out map[string]any
	_ = json.Unmarshal([]byte(text), &out)
	return res, out
}

func cookieOf(res *http.Response, name string) string {
	for _, c := range res.Cookies() {
		if c.Name == name && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

// noRedirects is a client that stops at the first redirect, as a test
// reads where each one points.
var noRedirects = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// oidcProvider is a real OpenID provider (mockoidc) on a port of its own;
// tamper, when set, rewrites the claims of the ID token it issues (and
// signs it again with its own key), to play a provider gone wrong or an
// attacker replaying a token.
type oidcProvider struct {
	*mockoidc.MockOIDC
	tamper func(jwt.MapClaims)
	// forger, when set, signs the tampered token instead of the
	// provider's published key.
	forger *mockoidc.Keypair
}

func startOIDC(t *testing.T) *oidcProvider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &oidcProvider{MockOIDC: m}
	_ = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.TokenEndpoint || p.tamper == nil {
				next.ServeHTTP(rw, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err == nil && body["id_token"] != nil {
				claims := jwt.MapClaims{}
				if _, _, err := jwt.NewParser().ParseUnverified(body["id_token"].(string), claims); err == nil {
					p.tamper(claims)
					key := m.Keypair
					if p.forger != nil {
						key = p.forger
					}
					body["id_token"], _ = key.SignJWT(claims)
				}
			}
			rw.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(rw).Encode(body)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

// through follows a flow that starts with res (a redirect to the
// provider): the provider signs user in and sends the browser back to
// the company's callback, which this returns with its answer.
func (w *ssoWorld) through(p *oidcProvider, res *http.Response, user *mockoidc.MockUser, session string) (*http.Response, string, string) {
	w.t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		w.t.Fatalf("start: %d, want a redirect to the provider", res.StatusCode)
	}
	state := cookieOf(res, "vendredi_sso_state")
	to := res.Header.Get("Location")
	if !strings.HasPrefix(to, p.AuthorizationEndpoint()) || !strings.Contains(to, "code_challenge_method=S256") || !strings.Contains(to, "nonce=") {
		w.t.Fatalf("start sends the browser to %s; want the provider's authorization endpoint with PKCE and a nonce", to)
	}
	p.QueueUser(user)
	back, err := noRedirects.Get(to)
	if err != nil {
		w.t.Fatal(err)
	}
	back.Body.Close()
	cb, err := url.Parse(back.Header.Get("Location"))
	if err != nil || cb.Path != "/auth/sso/callback" || cb.Host != w.host {
		w.t.Fatalf("the provider sends the browser back to %q; want this company's callback", back.Header.Get("Location"))
	}
	cookies := map[string]string{"vendredi_sso_state": state}
	if session != "" {
		cookies[httpapi.SessionCookie] = session
	}
	out, body := w.call("GET", cb.RequestURI(), "", nil, cookies, "Accept", "text/html")
	return out, body, cb.RequestURI()
}

// signIn is a person clicking "Se connecter avec …" on the sign-in page.
func (w *ssoWorld) signIn(p *oidcProvider, user *mockoidc.MockUser) (*http.Response, string) {
	w.t.Helper()
	res, _ := w.call("GET", "/auth/sso/start", "", nil, nil, "Accept", "text/html")
	out, body, _ := w.through(p, res, user, "")
	return out, body
}

func employee(email string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: email, Email: email, EmailVerified: true, PreferredUsername: email}
}

func (w *ssoWorld) me(session string) string {
	w.t.Helper()
	_, me := w.api("GET", "/api/v1/me", "", session)
	email, _ := me["email"].(string)
	return email
}

func TestOpenIDConnectSignIn(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t)
	p := startOIDC(t)
	employeeID := addMember(t, w.env.App, w.tn, identity.Person{Email: w.at("paul"), FullName: "Paul", Role: identity.RoleEmployee,
		PasswordHash: passwordHash(t)})
	_ = employeeID
	secret := p.ClientSecret
	configure := func(extra string) (*http.Response, map[string]any) {
		return w.api("PUT", "/api/v1/sso", `{"protocol":"oidc","display_name":"Entra ID","issuer":"`+p.Issuer()+`","client_id":"`+
			p.ClientID+`","client_secret":"`+secret+`"`+extra+`}`, w.admin)
	}

	t.Run("the issuer is checked against the provider", func(t *testing.T) {
		res, body := w.api("PUT", "/api/v1/sso", `{"protocol":"oidc","display_name":"Entra ID","issuer":"http://127.0.0.1:1/nobody","client_id":"x","client_secret":"y"}`, w.admin)
		if res.StatusCode != 400 || !strings.Contains(toJSON(body), `"field":"issuer"`) {
			t.Fatalf("%d %v; want 400 naming issuer", res.StatusCode, body)
		}
	})
	t.Run("the settings page says what is wrong next to the field, and keeps what was typed", func(t *testing.T) {
		form := url.Values{"protocol": {"oidc"}, "display_name": {"Entra ID"}, "issuer": {"http://idp.example"},
			"client_id": {"typed-client"}, "client_secret": {"s"}}
		res, page := w.call("POST", "/admin/sso", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()),
			map[string]string{httpapi.SessionCookie: w.admin}, "Accept", "text/html")
		if res.StatusCode != 400 || !strings.Contains(page, `id="issuer-error">l&#39;émetteur doit être une adresse https`) ||
			!strings.Contains(page, `value="typed-client"`) {
			t.Fatalf("%d; want the page again with the issuer's error in French and the client id kept:\n%s", res.StatusCode, snippet(page, "issuer"))
		}
		employee := w.pp.session(w.tn, w.pp.member(w.tn, identity.RoleEmployee))
		if res, _ := w.call("GET", "/admin/sso", "", nil, map[string]string{httpapi.SessionCookie: employee}, "Accept", "text/html"); res.StatusCode != 403 {
			t.Fatalf("an employee on the SSO settings: %d; want 403", res.StatusCode)
		}
	})
	t.Run("configured, the secret is sealed and never shown", func(t *testing.T) {
		res, body := configure("")
		if res.StatusCode != 200 || body["client_secret_set"] != true || strings.Contains(toJSON(body), secret) || body["enabled"] != false {
			t.Fatalf("%d %v; want the connection, off, with its secret set and not shown", res.StatusCode, body)
		}
		var sealed []byte
		err := w.env.App.TenantTx(tenants.NewContext(context.Background(), w.tn), func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT oidc_client_secret FROM sso_connections").Scan(ctx, &sealed)
		})
		if err != nil || len(sealed) == 0 || bytes.Contains(sealed, []byte(secret)) {
			t.Fatalf("stored secret %x (%v): want it sealed", sealed, err)
		}
	})
	t.Run("not offered before a test", func(t *testing.T) {
		res, body := w.api("PATCH", "/api/v1/sso/status", `{"enabled":true}`, w.admin)
		if res.StatusCode != 400 || !strings.Contains(toJSON(body), `"field":"enabled"`) {
			t.Fatalf("%d %v; want 400: test first", res.StatusCode, body)
		}
		_, page := w.call("GET", "/sign-in", "", nil, nil, "Accept", "text/html")
		if strings.Contains(page, "Se connecter avec") {
			t.Fatal("the sign-in page offers a connection nobody tested")
		}
	})
	t.Run("the HR admin tests it", func(t *testing.T) {
		res, _ := w.call("POST", "/admin/sso/test", "", nil, map[string]string{httpapi.SessionCookie: w.admin}, "Accept", "text/html")
		out, _, _ := w.through(p, res, employee(w.at("rh")), w.admin)
		if out.StatusCode != 303 || out.Header.Get("Location") != "/admin/sso?test=ok" || sessionOf(out) != "" {
			t.Fatalf("test: %d to %s; want back on the settings with success, and no new session", out.StatusCode, out.Header.Get("Location"))
		}
		_, page := w.call("GET", "/admin/sso?test=ok", "", nil, map[string]string{httpapi.SessionCookie: w.admin}, "Accept", "text/html")
		if !strings.Contains(page, w.at("rh")) {
			t.Fatal("the settings page does not say who the provider recognised")
		}
		if res, body := w.api("PATCH", "/api/v1/sso/status", `{"enabled":true}`, w.admin); res.StatusCode != 200 || body["enabled"] != true {
			t.Fatalf("enable: %d %v", res.StatusCode, body)
		}
		_, page = w.call("GET", "/sign-in", "", nil, nil, "Accept", "text/html")
		if !strings.Contains(page, "Se connecter avec Entra ID") || !strings.Contains(page, `action="/sign-in"`) {
			t.Fatal("the sign-in page should offer Entra ID beside the password")
		}
	})
	t.Run("a member signs in", func(t *testing.T) {
		res, _ := w.signIn(p, employee(w.at("paul")))
		if res.StatusCode != 303 || res.Header.Get("Location") != "/" || w.me(sessionOf(res)) != w.at("paul") {
			t.Fatalf("%d to %s; want Paul signed in", res.StatusCode, res.Header.Get("Location"))
		}
	})
	refused := func(t *testing.T, user *mockoidc.MockUser, status int, says string) {
		t.Helper()
		res, page := w.signIn(p, user)
		if res.StatusCode != status || sessionOf(res) != "" || !strings.Contains(page, says) {
			t.Fatalf("%d, session %q; want %d, no session, and a page saying %q:\n%s", res.StatusCode, sessionOf(res), status, says, snippet(page, "sso-error"))
		}
	}
	t.Run("an address outside the company's domains is refused", func(t *testing.T) {
		refused(t, employee("eve@evil.example"), 403, w.domain)
	})
	t.Run("an address the provider did not verify is refused", func(t *testing.T) {
		u := employee(w.at("paul"))
		u.EmailVerified = false
		refused(t, u, 401, "vérifiée")
	})
	t.Run("no account without just-in-time creation", func(t *testing.T) {
		refused(t, employee(w.at("nouveau")), 403, "pas de compte")
	})
	t.Run("a token for another client is refused", func(t *testing.T) {
		p.tamper = func(c jwt.MapClaims) { c["aud"] = []string{"another-client"} }
		defer func() { p.tamper = nil }()
		refused(t, employee(w.at("paul")), 401, "audience")
	})
	t.Run("an expired token is refused", func(t *testing.T) {
		p.FastForward(-time.Hour)
		defer p.FastForward(time.Hour)
		refused(t, employee(w.at("paul")), 401, "expired")
	})
	t.Run("a token of another sign-in (nonce) is refused", func(t *testing.T) {
		p.tamper = func(c jwt.MapClaims) { c["nonce"] = "replayed-from-elsewhere" }
		defer func() { p.tamper = nil }()
		refused(t, employee(w.at("paul")), 401, "nonce")
	})
	t.Run("a token signed by another key is refused", func(t *testing.T) {
		other, err := mockoidc.RandomKeypair(2048)
		if err != nil {
			t.Fatal(err)
		}
		p.tamper, p.forger = func(c jwt.MapClaims) {}, other
		defer func() { p.tamper, p.forger = nil, nil }()
		// The key is not among those the provider publishes.
		refused(t, employee(w.at("paul")), 401, "jeton d&#39;identité n&#39;est pas valide")
	})
	t.Run("an answer pushed into another browser, or replayed, is refused", func(t *testing.T) {
		start, _ := w.call("GET", "/auth/sso/start", "", nil, nil)
		p.QueueUser(employee(w.at("paul")))
		back, err := noRedirects.Get(start.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		back.Body.Close()
		cb, _ := url.Parse(back.Header.Get("Location"))
		if res, _ := w.call("GET", cb.RequestURI(), "", nil, map[string]string{"vendredi_sso_state": "someone-elses"}); res.StatusCode != 400 || sessionOf(res) != "" {
			t.Fatalf("another browser: %d; want 400", res.StatusCode)
		}
		state := cookieOf(start, "vendredi_sso_state")
		if res, _ := w.call("GET", cb.RequestURI(), "", nil, map[string]string{"vendredi_sso_state": state}); res.StatusCode != 303 || sessionOf(res) == "" {
			t.Fatalf("own browser: %d; want signed in", res.StatusCode)
		}
		if res, _ := w.call("GET", cb.RequestURI(), "", nil, map[string]string{"vendredi_sso_state": state}); res.StatusCode != 410 || sessionOf(res) != "" {
			t.Fatalf("replay: %d; want 410", res.StatusCode)
		}
	})
	t.Run("just-in-time creation makes an employee", func(t *testing.T) {
		if res, body := configure(`,"jit":true`); res.StatusCode != 200 || body["enabled"] != true || body["jit"] != true {
			t.Fatalf("%d %v; want JIT on and the connection still on (the provider did not change)", res.StatusCode, body)
		}
		res, _ := w.signIn(p, employee(w.at("nouveau")))
		if res.StatusCode != 303 || w.me(sessionOf(res)) != w.at("nouveau") {
			t.Fatalf("%d; want the new employee signed in", res.StatusCode)
		}
		_, m := w.api("GET", "/api/v1/me", "", sessionOf(res))
		if m["role"] != identity.RoleEmployee {
			t.Fatalf("created as %v; want employee", m["role"])
		}
	})
	t.Run("SSO only turns passwords off; staff's break-glass turns them on", func(t *testing.T) {
		if res, body := w.api("PATCH", "/api/v1/sso/status", `{"sso_only":true}`, w.admin); res.StatusCode != 200 || body["sso_only"] != true {
			t.Fatalf("sso only: %d %v", res.StatusCode, body)
		}
		res, body := w.api("POST", "/api/v1/auth/sign-in", `{"email":"`+w.at("paul")+`","password":"correct horse battery"}`, "")
		if res.StatusCode != 403 || sessionOf(res) != "" {
			t.Fatalf("password sign-in: %d %v; want 403", res.StatusCode, body)
		}
		for _, path := range []string{"/api/v1/auth/sign-in-link", "/api/v1/auth/password-reset"} {
			if res, body := w.api("POST", path, `{"email":"`+w.at("paul")+`"}`, ""); res.StatusCode != 403 {
				t.Fatalf("%s: %d %v; want 403", path, res.StatusCode, body)
			}
		}
		_, page := w.call("GET", "/sign-in", "", nil, nil, "Accept", "text/html")
		if strings.Contains(page, `name="password"`) || !strings.Contains(page, "Se connecter avec Entra ID") {
			t.Fatal("an SSO-only company's sign-in page shows a password field, or no SSO button")
		}
		if res, _ := w.signIn(p, employee(w.at("paul"))); res.StatusCode != 303 || sessionOf(res) == "" {
			t.Fatalf("SSO sign-in under SSO only: %d", res.StatusCode)
		}

		staff := w.pp.session(nil, w.pp.account(true, nil))
		req := httptest.NewRequest("POST", "/api/v1/platform/companies/"+w.tn.Slug+"/sso/break-glass",
			strings.NewReader(`{"reason":"Entra ID outage, ticket 4242"}`))
		req.Host, req.Header["Content-Type"] = "localhost", []string{"application/json"}
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: staff})
		if res, err := w.app.Test(req, 10000); err != nil || res.StatusCode != 204 {
			t.Fatalf("break-glass: %v %v", res.StatusCode, err)
		}
		res, body = w.api("POST", "/api/v1/auth/sign-in", `{"email":"`+w.at("paul")+`","password":"correct horse battery"}`, "")
		if res.StatusCode != 200 {
			t.Fatalf("password after break-glass: %d %v", res.StatusCode, body)
		}
		_, audit := w.api("GET", "/api/v1/audit?action=sso_break_glass", "", w.admin)
		if !strings.Contains(toJSON(audit), "ticket 4242") {
			t.Fatalf("the company's audit log lacks the break-glass: %v", audit)
		}
	})
	t.Run("another company has nothing to start", func(t *testing.T) {
		other := newTenant(t, w.env.App, "Other")
		req := httptest.NewRequest("GET", "/auth/sso/start", nil)
		req.Host = other.Slug + ".localhost"
		if res, _ := w.app.Test(req, 10000); res.StatusCode != 404 {
			t.Fatalf("%d; want 404", res.StatusCode)
		}
	})
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// snippet is the part of a page around id, for failure messages.
func snippet(page, id string) string {
	i := strings.Index(page, id)
	if i < 0 {
		if len(page) > 400 {
			return page[:400]
		}
		return page
	}
	return page[i:min(len(page), i+400)]
}

// samlIdP is an identity provider built from crewjam/saml, on a port of
// its own; user is who it says signed in.
type samlIdP struct {
	*saml.IdentityProvider
	srv  *httptest.Server
	sps  map[string]*saml.EntityDescriptor
	user string
}

func (p *samlIdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if ed, ok := p.sps[id]; ok {
		return ed, nil
	}
	return nil, os.ErrNotExist
}

func (p *samlIdP) GetSession(http.ResponseWriter, *http.Request, *saml.IdpAuthnRequest) *saml.Session {
	return &saml.Session{ID: uuid.NewString(), CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "1",
		NameID: p.user, NameIDFormat: string(saml.EmailAddressNameIDFormat), UserEmail: p.user, UserCommonName: "Sam Elle"}
}

func keyAndCert(t *testing.T, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return k, c
}

func startSAMLIdP(t *testing.T) *samlIdP {
	t.Helper()
	p := &samlIdP{sps: map[string]*saml.EntityDescriptor{}}
	var handler http.Handler
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(p.srv.Close)
	meta, _ := url.Parse(p.srv.URL + "/metadata")
	sso, _ := url.Parse(p.srv.URL + "/sso")
	key, cert := keyAndCert(t, "idp.test")
	p.IdentityProvider = &saml.IdentityProvider{Key: key, Certificate: cert, Logger: nil,
		MetadataURL: *meta, SSOURL: *sso,
		ServiceProviderProvider: p, SessionProvider: p}
	handler = p.Handler()
	return p
}

func (p *samlIdP) metadata(t *testing.T) string {
	t.Helper()
	b, err := xml.MarshalIndent(p.Metadata(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var samlResponseField = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)

// samlThrough follows a SAML flow from res (a redirect to the provider):
// the provider answers with its auto-posting form, whose SAMLResponse
// this returns.
func (w *ssoWorld) samlThrough(p *samlIdP, res *http.Response) string {
	w.t.Helper()
	to := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, p.srv.URL+"/sso?SAMLRequest=") {
		w.t.Fatalf("start: %d to %q; want a redirect to the provider's sign-on address", res.StatusCode, to)
	}
	form, err := noRedirects.Get(to)
	if err != nil {
		w.t.Fatal(err)
	}
	b, _ := io.ReadAll(form.Body)
	form.Body.Close()
	m := samlResponseField.FindSubmatch(b)
	if m == nil {
		w.t.Fatalf("the provider answered %d without a SAMLResponse:\n%s", form.StatusCode, b)
	}
	return html.UnescapeString(string(m[1]))
}

// post sends the provider's form to the company's ACS, from the
// provider's origin as a browser would.
func (w *ssoWorld) postACS(p *samlIdP, samlResponse string) (*http.Response, string) {
	w.t.Helper()
	body := url.Values{"SAMLResponse": {samlResponse}}.Encode()
	return w.call("POST", "/auth/sso/saml/acs", "application/x-www-form-urlencoded", strings.NewReader(body), nil,
		"Origin", p.srv.URL, "Sec-Fetch-Site", "cross-site", "Accept", "text/html")
}

func TestSAMLSignIn(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t)
	p := startSAMLIdP(t)
	addMember(t, w.env.App, w.tn, identity.Person{Email: w.at("sam"), FullName: "Sam", Role: identity.RoleEmployee})

	t.Run("metadata that is not an IdP's is refused", func(t *testing.T) {
		res, body := w.api("PUT", "/api/v1/sso", toJSON(map[string]any{"protocol": "saml", "display_name": "ADFS", "idp_metadata": "<nope/>"}), w.admin)
		if res.StatusCode != 400 || !strings.Contains(toJSON(body), `"field":"idp_metadata"`) {
			t.Fatalf("%d %v; want 400 naming idp_metadata", res.StatusCode, body)
		}
	})
	t.Run("configured from the IdP's metadata, the SP's is served", func(t *testing.T) {
		res, body := w.api("PUT", "/api/v1/sso", toJSON(map[string]any{"protocol": "saml", "display_name": "ADFS", "idp_metadata": p.metadata(t)}), w.admin)
		if res.StatusCode != 200 || body["protocol"] != "saml" {
			t.Fatalf("%d %v", res.StatusCode, body)
		}
		sp := body["service_provider"].(map[string]any)
		res, meta := w.call("GET", "/auth/sso/saml/metadata", "", nil, nil)
		ed := &saml.EntityDescriptor{}
		if res.StatusCode != 200 || xml.Unmarshal([]byte(meta), ed) != nil || ed.EntityID != sp["sp_entity_id"] ||
			len(ed.SPSSODescriptors) != 1 || ed.SPSSODescriptors[0].AssertionConsumerServices[0].Location != sp["sp_acs_url"] {
			t.Fatalf("SP metadata %d:\n%s\nwant the entity id and ACS of %v", res.StatusCode, meta, sp)
		}
		p.sps[ed.EntityID] = ed
	})
	t.Run("the HR admin tests it", func(t *testing.T) {
		p.user = w.at("rh")
		res, _ := w.call("POST", "/admin/sso/test", "", nil, map[string]string{httpapi.SessionCookie: w.admin}, "Accept", "text/html")
		out, _ := w.postACS(p, w.samlThrough(p, res))
		if out.StatusCode != 303 || out.Header.Get("Location") != "/admin/sso?test=ok" {
			t.Fatalf("%d to %s; want the settings with success", out.StatusCode, out.Header.Get("Location"))
		}
		if res, body := w.api("PATCH", "/api/v1/sso/status", `{"enabled":true}`, w.admin); res.StatusCode != 200 || body["tested_email"] != w.at("rh") {
			t.Fatalf("enable: %d %v", res.StatusCode, body)
		}
	})
	var used string
	t.Run("a member signs in, and the response serves once", func(t *testing.T) {
		p.user = w.at("sam")
		start, _ := w.call("GET", "/auth/sso/start", "", nil, nil)
		used = w.samlThrough(p, start)
		res, _ := w.postACS(p, used)
		if res.StatusCode != 303 || res.Header.Get("Location") != "/" || w.me(sessionOf(res)) != w.at("sam") {
			t.Fatalf("%d to %s; want Sam signed in", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := w.postACS(p, used); res.StatusCode != 410 || sessionOf(res) != "" {
			t.Fatalf("replayed: %d; want 410", res.StatusCode)
		}
	})
	t.Run("an address outside the company's domains is refused", func(t *testing.T) {
		p.user = "sam@globex.example"
		start, _ := w.call("GET", "/auth/sso/start", "", nil, nil)
		if res, page := w.postACS(p, w.samlThrough(p, start)); res.StatusCode != 403 || sessionOf(res) != "" || !strings.Contains(page, w.domain) {
			t.Fatalf("%d; want 403 naming the company's domains", res.StatusCode)
		}
	})
	t.Run("a response signed by another IdP is refused", func(t *testing.T) {
		p.user = w.at("sam")
		start, _ := w.call("GET", "/auth/sso/start", "", nil, nil)
		orig := p.Key
		p.Key, _ = keyAndCert(t, "evil")
		defer func() { p.Key = orig }()
		if res, page := w.postACS(p, w.samlThrough(p, start)); res.StatusCode != 401 || sessionOf(res) != "" || !strings.Contains(page, "signature") {
			t.Fatalf("%d; want 401:\n%s", res.StatusCode, snippet(page, "sso-error"))
		}
	})
	t.Run("a response nobody asked for is refused", func(t *testing.T) {
		unsolicited := base64.StdEncoding.EncodeToString([]byte(strings.Replace(mustDecode(t, used), "InResponseTo=", "Foo=", 1)))
		if res, _ := w.postACS(p, unsolicited); res.StatusCode != 403 || sessionOf(res) != "" {
			t.Fatalf("%d; want 403", res.StatusCode)
		}
	})
}

func mustDecode(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
