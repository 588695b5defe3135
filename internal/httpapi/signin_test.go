package httpapi_test

import (
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// The sign-in page's mailed links take the address typed in its one form:
// "get a sign-in link" and "forgot your password?" clicked before anything
// else mail that address, and say so in the page's language.
func TestSignInPageMailsLinksToTheAddressTyped(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	mails := mailtest.Start(t)
	tn := newTenant(t, env.App, "Globex")
	page := browserless{t: t, app: app, host: tn.Slug + ".localhost", unescape: true}

	_, body := page.get("/sign-in")
	for _, action := range []string{`formaction="/sign-in/link"`, `formaction="/sign-in/reset"`} {
		if !strings.Contains(body, action) {
			t.Errorf("the sign-in form has no button with %s", action)
		}
	}

	for _, tc := range []struct {
		path, said, link string
	}{
		{"/sign-in/link", "un lien de connexion vient de lui être envoyé", "/auth/link?token="},
		{"/sign-in/reset", "un lien pour choisir un nouveau mot de passe vient de lui être envoyé", "/auth/reset?token="},
	} {
		email := mailtest.Address(t)
		memberWithPassword(t, env.App, tn, email, "Léa Martin", "employee")
		res, body := page.post(tc.path, url.Values{"email": {email}, "password": {""}})
		if res.StatusCode != 200 || !strings.Contains(body, tc.said) {
			t.Fatalf("%s with the address typed: %d; want 200 saying %q:\n%s", tc.path, res.StatusCode, tc.said, body)
		}
		if m := mails.WaitFor(t, email, 10*time.Second); !strings.Contains(m.Text, tc.link) {
			t.Errorf("%s: the mail has no %s link:\n%s", tc.path, tc.link, m.Text)
		}
	}

	// An address left empty is refused next to the field; nothing is sent.
	res, body := page.post("/sign-in/reset", url.Values{"email": {""}})
	if res.StatusCode != 422 && res.StatusCode != 400 || !strings.Contains(body, `id="email-error"`) {
		t.Errorf("a reset without an address: %d; want a 4xx with the message next to the email field", res.StatusCode)
	}
}

// A signed-out visit to a page that needs a session lands on the sign-in
// form, not on a dead end, and signing in brings the person back to the
// page they asked for; a "next" leading off the site is ignored.
func TestSignInReturnsToThePageAsked(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Umbrella")
	email := mailtest.Address(t)
	memberWithPassword(t, env.App, tn, email, "Inès Diallo", "hr_admin")
	page := browserless{t: t, app: app, host: tn.Slug + ".localhost"}

	res, _ := page.get("/admin/people?status=invited")
	if res.StatusCode != 303 || res.Header.Get("Location") != "/sign-in?next=%2Fadmin%2Fpeople%3Fstatus%3Dinvited" {
		t.Fatalf("signed-out visit to the people page: %d to %q; want 303 to the sign-in form with next", res.StatusCode, res.Header.Get("Location"))
	}
	_, body := page.get(res.Header.Get("Location"))
	if !strings.Contains(body, `name="next" value="/admin/people?status=invited"`) {
		t.Fatalf("the sign-in form does not carry the page asked for:\n%s", body)
	}
	for next, want := range map[string]string{
		"/admin/people?status=invited": "/admin/people?status=invited",
		// Ignored: an HR admin lands on their home.
		"//evil.example/":       "/admin",
		"https://evil.example/": "/admin",
	} {
		res, _ := page.signIn(email, password, next)
		if res.StatusCode != 303 || res.Header.Get("Location") != want {
			t.Errorf("signed in with next %q: %d to %q; want 303 to %q", next, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}
