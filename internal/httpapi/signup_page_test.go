package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// An employee creates their account from their company's sign-up page:
// the page says which addresses may, every refused input comes back at
// once next to its field with what was typed, and a company open to no
// domain shows no form but the way to an invitation.
func TestSignUpPage(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	slug := "su-" + uuid.NewString()[:8]
	domain := slug + ".example"
	open := createTenant(t, env.App, slug, "Pied Piper", "fr", domain)
	closed := newTenant(t, env.App, "Hooli")
	page := browserless{t: t, app: app, host: open.Slug + ".localhost", unescape: true}

	if _, signIn := page.get("/sign-in"); !strings.Contains(signIn, `href="/sign-up"`) {
		t.Fatal("the sign-in page does not lead to the sign-up page")
	}
	res, body := page.get("/sign-up")
	if res.StatusCode != 200 || !strings.Contains(body, "@"+domain+" peuvent créer leur compte") || !strings.Contains(body, "demandez une invitation") {
		t.Fatalf("the sign-up page: %d; want the domain rule said before the form", res.StatusCode)
	}

	// Outcome: refused, every field at once.
	res, body = page.post("/sign-up", url.Values{"email": {"dinesh@elsewhere.example"}, "full_name": {"Dinesh " + strings.Repeat("x", 200)}, "password": {"court"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad sign-up: %d; want 400", res.StatusCode)
	}
	for _, want := range []string{`id="email-error">dinesh@elsewhere.example n'est pas une adresse de Pied Piper`, `id="full_name-error">le nom dépasse 200 caractères`,
		`id="password-error">le mot de passe doit compter au moins 10 caractères`, `value="dinesh@elsewhere.example"`, `value="Dinesh xxx`} {
		if !strings.Contains(body, want) {
			t.Errorf("bad sign-up: want %q on the page", want)
		}
	}
	if strings.Contains(body, `value="court"`) {
		t.Error("the password came back in the page")
	}

	// Outcome: accepted, then the address is taken.
	res, body = page.post("/sign-up", url.Values{"email": {"dinesh@" + domain}, "full_name": {"Dinesh"}, "password": {"assez-long-1"}})
	if res.StatusCode != 200 || !strings.Contains(body, `id="sign-up-sent"`) || !strings.Contains(body, "dinesh@"+domain) {
		t.Fatalf("good sign-up: %d; want the mail announced", res.StatusCode)
	}
	res, body = page.post("/sign-up", url.Values{"email": {"dinesh@" + domain}, "full_name": {"Dinesh"}, "password": {"assez-long-1"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="email-error">un compte existe déjà`) {
		t.Fatalf("the same address again: %d; want 409 next to the address", res.StatusCode)
	}

	// The API names every field too.
	res, problem := do(t, app, "POST", open.Slug+".localhost", "/api/v1/auth/sign-up", `{"email":"nope","password":"x"}`, "")
	if errs, _ := problem["errors"].([]any); res.StatusCode != 400 || len(errs) != 2 {
		t.Fatalf("API sign-up with two bad fields: %d %v; want both in errors", res.StatusCode, problem)
	}

	// A company open to no domain: no form, the way to an invitation, in English too.
	closedPage := browserless{t: t, app: app, host: closed.Slug + ".localhost", lang: "en", unescape: true}
	if res, body := closedPage.get("/sign-up"); res.StatusCode != 200 || !strings.Contains(body, "ask your HR team for an invitation") || strings.Contains(body, `action="/sign-up"`) {
		t.Fatalf("a company without domains: %d; want no form and the invitation said", res.StatusCode)
	}
	// Associations sign up on the platform's address, on their own page.
	if res, _ := (browserless{t: t, app: app, host: "localhost"}).get("/sign-up"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("/sign-up on the platform's address: %d; want 404", res.StatusCode)
	}
}

// An employee changes their password from the profile: both fields are
// checked together, the change ends the other sessions and keeps this
// browser signed in; the new password signs in, the old one no longer.
func TestPasswordChangeFromProfile(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := createTenant(t, env.App, "co-"+uuid.NewString()[:8], "Hooli", "fr")
	memberWithPassword(t, env.App, tn, "jared@hooli.example", "Jared", "employee")
	anon := browserless{t: t, app: app, host: tn.Slug + ".localhost", unescape: true}
	signIn := func(pw string) string {
		_, session := anon.signIn("jared@hooli.example", pw, "")
		return session
	}
	here, elsewhere := signIn(password), signIn(password)
	me := anon
	me.session = here

	res, body := me.post("/me/password", url.Values{"current_password": {"not-it-at-all"}, "new_password": {"short"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="current_password-error">ce n'est pas votre mot de passe actuel`) ||
		!strings.Contains(body, `id="new_password-error">le mot de passe doit compter au moins 10 caractères`) {
		t.Fatalf("wrong current and short new: %d; want both errors next to their fields", res.StatusCode)
	}
	res, _ = me.post("/me/password", url.Values{"current_password": {password}, "new_password": {"un-tout-nouveau"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me/profile?password=changed#password" || sessionOf(res) == "" {
		t.Fatalf("change: %d %s; want back to the profile with a new session", res.StatusCode, res.Header.Get("Location"))
	}
	me.session = sessionOf(res)
	if res, body := me.get("/me/profile?password=changed"); res.StatusCode != 200 || !strings.Contains(body, `id="password-changed"`) {
		t.Fatalf("the profile after the change: %d; want the confirmation", res.StatusCode)
	}
	old := anon
	old.session = elsewhere
	if res, _ := old.get("/me/profile"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("another session after the change: %d; want it ended (sent to sign in)", res.StatusCode)
	}
	if signIn(password) != "" || signIn("un-tout-nouveau") == "" {
		t.Fatal("want the old password refused and the new one accepted")
	}
}

// "Forgot your password?" on the sign-in page mails a reset link for the
// address typed; clicked before typing one, it says to type it first
// (not that "" is no address), and the link's page asks for the new one.
func TestForgotPasswordFromSignIn(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := createTenant(t, env.App, "co-"+uuid.NewString()[:8], "Hooli", "fr")
	page := browserless{t: t, app: app, host: tn.Slug + ".localhost", unescape: true}
	if _, body := page.get("/sign-in"); !strings.Contains(body, `formaction="/sign-in/reset"`) {
		t.Fatal("the sign-in page offers no way to reset a password")
	}
	res, body := page.post("/sign-in/reset", url.Values{"email": {""}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="email-error">Saisissez d'abord votre adresse e-mail`) {
		t.Fatalf("forgot, no address typed: %d; want to be asked for it", res.StatusCode)
	}
	if res, body := page.post("/sign-in/reset", url.Values{"email": {"someone@hooli.example"}}); res.StatusCode != 200 || !strings.Contains(body, "un lien pour choisir un nouveau mot de passe") {
		t.Fatalf("forgot with an address: %d; want the link announced", res.StatusCode)
	}
	if res, body := page.get("/auth/reset?token=whatever"); res.StatusCode != 200 || !strings.Contains(body, `id="password"`) {
		t.Fatalf("the reset link's page: %d; want a new password field", res.StatusCode)
	}
}

// An association manager (a platform account, who has no profile) finds
// their account page behind their name in the header and changes their
// password there, with the same checks as an employee; the page exists
// on the platform's address only.
func TestPasswordChangeFromAccountPage(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	ctx := context.Background()
	email := "nadia-" + uuid.NewString()[:8] + "@asso.example"
	id := uuid.Must(uuid.NewV7())
	if err := postgres.NewAccountDirectory(env.App).Create(ctx, &identity.Person{ID: id, Email: email, FullName: "Nadia Haddad",
		Status: identity.StatusActive, PasswordHash: passwordHash(t)}, "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE accounts SET email_verified_at = now() WHERE id = ?", id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	anon := browserless{t: t, app: app, host: "localhost", unescape: true}
	signIn := func(pw string) string {
		_, session := anon.signIn(email, pw, "")
		return session
	}
	me := anon
	me.session = signIn(password)
	res, body := me.get("/me/account")
	if res.StatusCode != 200 || !strings.Contains(body, `id="my-account">Nadia Haddad`) || !strings.Contains(body, email) ||
		!strings.Contains(body, `action="/me/password"`) {
		t.Fatalf("the account page: %d; want the name in the header leading here, the address and the password form", res.StatusCode)
	}
	res, body = me.post("/me/password", url.Values{"current_password": {"not-it-at-all"}, "new_password": {"short"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="account-h"`) ||
		!strings.Contains(body, `id="current_password-error">ce n'est pas votre mot de passe actuel`) ||
		!strings.Contains(body, `id="new_password-error">le mot de passe doit compter au moins 10 caractères`) {
		t.Fatalf("wrong current and short new: %d; want both errors on the account page", res.StatusCode)
	}
	res, _ = me.post("/me/password", url.Values{"current_password": {password}, "new_password": {"un-tout-nouveau"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me/account?password=changed#password" {
		t.Fatalf("change: %d %s; want back to the account page", res.StatusCode, res.Header.Get("Location"))
	}
	if signIn(password) != "" || signIn("un-tout-nouveau") == "" {
		t.Fatal("want the old password refused and the new one accepted")
	}

	// A company's employee has their profile instead: no account page there.
	tn := createTenant(t, env.App, "co-"+uuid.NewString()[:8], "Hooli", "fr")
	memberWithPassword(t, env.App, tn, "jared@hooli.example", "Jared", "employee")
	emp := browserless{t: t, app: app, host: tn.Slug + ".localhost", unescape: true}
	_, emp.session = emp.signIn("jared@hooli.example", password, "")
	if res, _ := emp.get("/me/account"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("/me/account on a company's address: %d; want 404", res.StatusCode)
	}
	if _, body := emp.get("/me/profile"); !strings.Contains(body, `href="/me/profile" id="my-account">Jared`) {
		t.Fatal("an employee's name in the header does not lead to their profile")
	}
}
