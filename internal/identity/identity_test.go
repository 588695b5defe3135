package identity_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

func TestMain(m *testing.M) { os.Exit(mailtest.Run(func() int { return pgtest.Main(m) })) }

// world is a service on a fresh database, sending through a real SMTP server.
type world struct {
	svc  *identity.Service
	db   *postgres.DB
	mail *mailtest.Server
}

// testConfig keeps production's flows but hashes cheaply: argon2id at
// 64 MiB under the race detector would make the suite crawl.
// ageInvitations makes the company's invitation mails look an hour old,
// past the resend throttle.
func (w *world) ageInvitations(t *testing.T, ctx context.Context) {
	t.Helper()
	err := w.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE member_tokens SET created_at = created_at - interval '1 hour' WHERE purpose = 'invite'")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testConfig() identity.Config {
	cfg := identity.DefaultConfig()
	cfg.Hash = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	return cfg
}

func newWorld(t *testing.T, cfg identity.Config) *world {
	t.Helper()
	env := pgtest.New(t)
	srv := mailtest.Start(t)
	smtp, err := mail.NewSMTP(mail.Config{URL: srv.SMTPURL(), From: "Vendredi <no-reply@vendredi.test>", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db := env.App
	svc := identity.NewService(cfg, postgres.NewMemberDirectory(db), postgres.NewAccountDirectory(db),
		postgres.NewAPITokenStore(db), postgres.NewPlatformStore(db), postgres.NewLimiter(db), mail.Notifier{Sender: smtp})
	return &world{svc: svc, db: db, mail: srv}
}

// company creates a company and returns a context on its host.
func (w *world) company(t *testing.T, domains ...string) (context.Context, *tenants.Tenant) {
	t.Helper()
	tn, err := tenants.New("co-"+uuid.NewString()[:8], "Company "+t.Name(), domains, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewTenantStore(w.db).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return tenants.NewContext(context.Background(), tn), tn
}

// client is a request from a random address: links come from the
// service's configuration (http://localhost:3000 by default), never from it.
func client() identity.Client {
	return identity.Client{IP: "198.51.100." + uuid.NewString()[:2], UserAgent: "test"}
}

// token reads the token of a mailed link whose path contains path.
func token(t *testing.T, m mailtest.Message, path string) string {
	t.Helper()
	l := m.Link(path)
	if l == "" {
		t.Fatalf("mail %q has no link to %s: %v", m.Subject, path, m.Links)
	}
	u, err := url.Parse(l)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// member invites someone and has them accept with password.
func (w *world) member(t *testing.T, ctx context.Context, role, password string) (string, *identity.Principal) {
	t.Helper()
	email := mailtest.Address(t)
	c := client()
	if _, err := w.svc.Invite(ctx, nil, identity.InviteInput{Email: email, FullName: "Léa Dupont", Role: role}, c); err != nil {
		t.Fatal(err)
	}
	m := w.mail.WaitFor(t, email, 5*time.Second)
	_, pr, err := w.svc.AcceptInvitation(ctx, token(t, m, "/auth/invitation"), "", password, c)
	if err != nil {
		t.Fatal(err)
	}
	return email, pr
}

func TestInvitationThenPasswordSignIn(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	ctx, tn := w.company(t)
	email := mailtest.Address(t)
	c := client()

	if _, err := w.svc.Invite(ctx, nil, identity.InviteInput{Email: email, FullName: "Léa Dupont", Role: "hr_admin"}, c); err != nil {
		t.Fatal(err)
	}
	m := w.mail.WaitFor(t, email, 5*time.Second)
	if !strings.Contains(m.Subject, tn.Name) || !strings.HasPrefix(m.Link("/auth/invitation"), "http://"+tn.Slug+".localhost:3000/auth/invitation?token=") {
		t.Fatalf("invitation mail %q links %v; want the company named and a link on its host", m.Subject, m.Links)
	}
	tok := token(t, m, "/auth/invitation")

	if _, _, err := w.svc.AcceptInvitation(ctx, tok, "", "short", c); !errs.Is(err, errs.Invalid) {
		t.Fatalf("accept with a 5-letter password: %v; want invalid", err)
	}
	session, pr, err := w.svc.AcceptInvitation(ctx, tok, "Léa Dupont-Martin", "correct horse battery", c)
	if err != nil || pr.Role != "hr_admin" || pr.Name != "Léa Dupont-Martin" {
		t.Fatalf("accept: %+v, %v", pr, err)
	}
	if _, _, err := w.svc.AcceptInvitation(ctx, tok, "", "correct horse battery", c); !errs.Is(err, errs.Gone) {
		t.Fatalf("second use of the invitation: %v; want gone", err)
	}
	if got, err := w.svc.Authenticate(ctx, session); err != nil || got.ID != pr.ID {
		t.Fatalf("the new session does not authenticate: %v", err)
	}

	t.Run("signs in", func(t *testing.T) {
		_, pr, err := w.svc.SignIn(ctx, strings.ToUpper(email), "correct horse battery", c)
		if err != nil || pr.Email != email {
			t.Fatalf("sign-in: %+v, %v", pr, err)
		}
	})
	t.Run("refused, with one message for every reason", func(t *testing.T) {
		for name, try := range map[string][2]string{
			"wrong password": {email, "wrong horse battery"},
			"unknown email":  {"nobody-" + email, "correct horse battery"},
		} {
			_, _, err := w.svc.SignIn(ctx, try[0], try[1], c)
			if !errs.Is(err, errs.Unauthorized) || errs.MessageOf(err) != "wrong email or password" {
				t.Errorf("%s: %v; want unauthorized, wrong email or password", name, err)
			}
		}
	})
	t.Run("audited", func(t *testing.T) {
		evs, err := w.svc.Audit(ctx, identity.AuditQuery{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range evs {
			seen[e.Action] = true
		}
		for _, a := range []string{identity.ActionInvite, identity.ActionInviteAccepted, identity.ActionSignIn, identity.ActionSignInFailed} {
			if !seen[a] {
				t.Errorf("no %s in the audit log: %+v", a, evs)
			}
		}
	})
}

func TestSessionsAndTokensStayInTheirCompany(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	acme, _ := w.company(t)
	globex, _ := w.company(t)
	c := client()
	email, pr := w.member(t, acme, "hr_admin", "correct horse battery")
	session, _, err := w.svc.SignIn(acme, email, "correct horse battery", c)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := w.svc.CreateAPIToken(acme, pr, "payroll sync", "employee", 0, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AuthenticateToken(acme, plain); err != nil {
		t.Fatalf("token on its own company: %v", err)
	}
	if _, err := w.svc.Authenticate(globex, session); !errs.Is(err, errs.NotFound) {
		t.Errorf("Acme's session on Globex: %v; want unknown", err)
	}
	if _, err := w.svc.AuthenticateToken(globex, plain); !errs.Is(err, errs.NotFound) {
		t.Errorf("Acme's token on Globex: %v; want unknown", err)
	}
	if _, err := w.svc.Authenticate(context.Background(), session); !errs.Is(err, errs.NotFound) {
		t.Errorf("Acme's session on the platform: %v; want unknown", err)
	}
	if _, _, err := w.svc.SignIn(globex, email, "correct horse battery", c); !errs.Is(err, errs.Unauthorized) {
		t.Errorf("Acme's member signing in on Globex: %v; want refused", err)
	}
}

func TestSignOutAndRevocation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	ctx, _ := w.company(t)
	c := client()
	email, pr := w.member(t, ctx, "hr_admin", "correct horse battery")
	s1, p1, _ := w.svc.SignIn(ctx, email, "correct horse battery", c)
	s2, _, _ := w.svc.SignIn(ctx, email, "correct horse battery", c)
	if err := w.svc.SignOut(ctx, p1, c); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Authenticate(ctx, s1); !errs.Is(err, errs.NotFound) {
		t.Errorf("signed-out session still works: %v", err)
	}
	if _, err := w.svc.Authenticate(ctx, s2); err != nil {
		t.Errorf("signing out one session ended another: %v", err)
	}
	if err := w.svc.SignOutEverywhere(ctx, pr, c); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Authenticate(ctx, s2); !errs.Is(err, errs.NotFound) {
		t.Errorf("session alive after sign-out everywhere: %v", err)
	}

	plain, tok, _ := w.svc.CreateAPIToken(ctx, pr, "crm", "hr_admin", 0, c)
	if err := w.svc.RevokeAPIToken(ctx, pr, tok.ID, c); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AuthenticateToken(ctx, plain); !errs.Is(err, errs.NotFound) {
		t.Errorf("revoked token still works: %v", err)
	}
	if err := w.svc.RevokeAPIToken(ctx, pr, tok.ID, c); !errs.Is(err, errs.NotFound) {
		t.Errorf("revoking twice: %v; want not found", err)
	}
}

func TestSignInLinkWorksOnceAndExpires(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	ctx, tn := w.company(t)
	c := client()
	email, _ := w.member(t, ctx, "employee", "correct horse battery")

	if err := w.svc.RequestSignInLink(ctx, email, c); err != nil {
		t.Fatal(err)
	}
	m := w.mail.WaitFor(t, email, 5*time.Second)
	if l := m.Link("/auth/link"); !strings.HasPrefix(l, "http://"+tn.Slug+".localhost:3000/auth/link?token=") {
		t.Fatalf("sign-in link %q: want the company's configured address", l)
	}
	tok := token(t, m, "/auth/link")
	// Ten tabs open the link at once: one signs in.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 10 {
		wg.Go(func() {
			_, _, err := w.svc.SignInWithLink(ctx, tok, c)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errs.Is(err, errs.Gone):
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d sign-ins with one link; want 1", won)
	}
	if err := w.svc.RequestSignInLink(ctx, "nobody@example.com", c); err != nil {
		t.Fatalf("a link for an unknown address must look like any other request: %v", err)
	}

	expired := newWorld(t, func() identity.Config { c := testConfig(); c.SignInTTL = time.Nanosecond; return c }())
	if err := expired.svc.RequestSignInLink(ctx, email, c); err != nil {
		t.Fatal(err)
	}
	old := token(t, w.mail.WaitFor(t, email, 5*time.Second), "/auth/link")
	if _, _, err := w.svc.SignInWithLink(ctx, old, c); !errs.Is(err, errs.Gone) {
		t.Fatalf("expired link: %v; want gone", err)
	}
}

func TestPasswordResetEndsOtherSessions(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	ctx, _ := w.company(t)
	c := client()
	email, _ := w.member(t, ctx, "employee", "correct horse battery")
	old, _, _ := w.svc.SignIn(ctx, email, "correct horse battery", c)

	if err := w.svc.RequestPasswordReset(ctx, email, c); err != nil {
		t.Fatal(err)
	}
	tok := token(t, w.mail.WaitFor(t, email, 5*time.Second), "/auth/reset")
	fresh, _, err := w.svc.ResetPassword(ctx, tok, "a brand new passphrase", c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Authenticate(ctx, old); !errs.Is(err, errs.NotFound) {
		t.Errorf("a session from before the reset still works: %v", err)
	}
	if _, err := w.svc.Authenticate(ctx, fresh); err != nil {
		t.Errorf("the session of the reset does not work: %v", err)
	}
	if _, _, err := w.svc.SignIn(ctx, email, "correct horse battery", c); !errs.Is(err, errs.Unauthorized) {
		t.Errorf("the old password still works: %v", err)
	}
	if _, _, err := w.svc.SignIn(ctx, email, "a brand new passphrase", c); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
}

func TestSignInAttemptsAreLimited(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.SignInPerAccount = 3
	w := newWorld(t, cfg)
	ctx, _ := w.company(t)
	email, _ := w.member(t, ctx, "employee", "correct horse battery")
	var last error
	for i := range 4 {
		// From a new address each time: the account's own limit holds.
		_, _, last = w.svc.SignIn(ctx, email, "guess number "+string(rune('a'+i)), client())
	}
	if !errs.Is(last, errs.TooMany) {
		t.Fatalf("fourth attempt in the window: %v; want too many", last)
	}
	if _, _, err := w.svc.SignIn(ctx, email, "correct horse battery", client()); !errs.Is(err, errs.TooMany) {
		t.Fatalf("even the right password waits for the window: %v", err)
	}
	// Another server instance shares the count: it lives in PostgreSQL.
	other := newWorld(t, cfg)
	if _, _, err := other.svc.SignIn(ctx, email, "correct horse battery", client()); !errs.Is(err, errs.TooMany) {
		t.Fatalf("a second instance: %v; want the same limit", err)
	}
	// The owner still gets in by the mailed link.
	if err := w.svc.RequestSignInLink(ctx, email, client()); err != nil {
		t.Fatalf("a sign-in link while passwords wait: %v", err)
	}
	if _, pr, err := w.svc.SignInWithLink(ctx, token(t, w.mail.WaitFor(t, email, 5*time.Second), "/auth/link"), client()); err != nil || pr.Email != email {
		t.Fatalf("signing in by the link while passwords wait: %v", err)
	}
}

// A stranger guessing from one address locks out that address only: the
// owner, from theirs, signs in with the right password.
func TestGuessesFromOneAddressDoNotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.SignInPerAccountIP = 3
	w := newWorld(t, cfg)
	ctx, _ := w.company(t)
	email, _ := w.member(t, ctx, "employee", "correct horse battery")
	attacker := identity.Client{IP: "203.0.113.7", UserAgent: "guesser"}
	var last error
	for i := range 4 {
		_, _, last = w.svc.SignIn(ctx, email, "guess number "+string(rune('a'+i)), attacker)
	}
	if !errs.Is(last, errs.TooMany) {
		t.Fatalf("fourth guess from one address: %v; want too many", last)
	}
	if _, _, err := w.svc.SignIn(ctx, email, "correct horse battery", attacker); !errs.Is(err, errs.TooMany) {
		t.Fatalf("the guessing address, even with the right password: %v; want too many", err)
	}
	if _, pr, err := w.svc.SignIn(ctx, email, "correct horse battery", identity.Client{IP: "198.51.100.20"}); err != nil || pr.Email != email {
		t.Fatalf("the owner from their own address: %v; want signed in", err)
	}
}

func TestImportInvitationsReportsEachLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	domain := "co-" + uuid.NewString()[:8] + ".example"
	ctx, _ := w.company(t, domain)
	c := client()
	existing := "deja@" + domain
	if _, err := w.svc.Invite(ctx, nil, identity.InviteInput{Email: existing}, c); err != nil {
		t.Fatal(err)
	}
	csv := "\ufeffEmail,Nom,Service,Site\n" +
		"alice@" + domain + ",Alice Martin,Finance,Paris\n" +
		"bob@" + domain + ",Bob,IT,Lyon\n" +
		"ALICE@" + domain + ",Alice again,,\n" +
		existing + ",Déjà là,,\n" +
		"not-an-email,X,,\n" +
		"eve@elsewhere.example,Eve,,\n"
	rep, err := w.svc.ImportInvitations(ctx, nil, strings.NewReader(csv), c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{identity.LineInvited, identity.LineInvited, identity.LineSkipped, identity.LineSkipped, identity.LineRejected, identity.LineRejected}
	if rep.Invited != 2 || rep.Skipped != 2 || rep.Rejected != 2 || len(rep.Lines) != len(want) {
		t.Fatalf("report %+v; want 2 invited, 2 skipped, 2 rejected", rep)
	}
	for i, l := range rep.Lines {
		if l.Outcome != want[i] || l.Line != i+2 || (l.Outcome != identity.LineInvited && l.Reason == "") {
			t.Errorf("line %d: %+v; want %s with a reason", i+2, l, want[i])
		}
	}
	if !strings.Contains(rep.Lines[5].Reason, domain) {
		t.Errorf("wrong-domain reason %q should name the company's domain", rep.Lines[5].Reason)
	}
	inv, err := w.svc.Invitations(ctx)
	if err != nil || len(inv) != 3 {
		t.Fatalf("%d invitations pending (err %v); want 3", len(inv), err)
	}
	m := w.mail.WaitFor(t, "alice@"+domain, 5*time.Second)
	if m.Link("/auth/invitation") == "" {
		t.Fatalf("alice's mail has no invitation link")
	}
	if _, err := w.svc.ImportInvitations(ctx, nil, strings.NewReader("name,site\nx,y\n"), c); !errs.Is(err, errs.Invalid) {
		t.Fatalf("a file without an email column: %v; want invalid", err)
	}
}

func TestInvitationsCanBeResentAndRevoked(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	ctx, _ := w.company(t)
	c := client()
	email := mailtest.Address(t)
	p, err := w.svc.Invite(ctx, nil, identity.InviteInput{Email: email}, c)
	if err != nil {
		t.Fatal(err)
	}
	first := token(t, w.mail.WaitFor(t, email, 5*time.Second), "/auth/invitation")
	w.ageInvitations(t, ctx) // past the resend throttle
	if err := w.svc.ResendInvitation(ctx, nil, p.ID, c); err != nil {
		t.Fatal(err)
	}
	second := token(t, w.mail.WaitFor(t, email, 5*time.Second), "/auth/invitation")
	if _, _, err := w.svc.AcceptInvitation(ctx, first, "", "correct horse battery", c); !errs.Is(err, errs.Gone) {
		t.Errorf("the first link after a resend: %v; want gone", err)
	}
	if err := w.svc.RevokeInvitation(ctx, nil, p.ID, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.AcceptInvitation(ctx, second, "", "correct horse battery", c); !errs.Is(err, errs.Gone) {
		t.Errorf("a revoked invitation: %v; want gone", err)
	}
	if err := w.svc.RevokeInvitation(ctx, nil, p.ID, c); !errs.Is(err, errs.NotFound) {
		t.Errorf("revoking twice: %v; want not found", err)
	}
}

func TestEmployeesOfTheDomainSignUpOnTheirOwn(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	domain := "co-" + uuid.NewString()[:8] + ".example"
	ctx, _ := w.company(t, domain)
	c := client()
	if err := w.svc.SignUp(ctx, "someone@gmail.com", "Some One", "correct horse battery", c); !errs.Is(err, errs.Invalid) {
		t.Fatalf("sign-up with a personal address: %v; want invalid", err)
	}
	email := "karim@" + domain
	if err := w.svc.SignUp(ctx, email, "Karim", "correct horse battery", c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.SignIn(ctx, email, "correct horse battery", c); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("sign-in before confirming the address: %v; want refused", err)
	}
	tok := token(t, w.mail.WaitFor(t, email, 5*time.Second), "/auth/verify")
	if _, pr, err := w.svc.VerifyEmail(ctx, tok, c); err != nil || pr.Role != "employee" {
		t.Fatalf("verify: %+v %v", pr, err)
	}
	if _, _, err := w.svc.SignIn(ctx, email, "correct horse battery", c); err != nil {
		t.Fatalf("sign-in after confirming: %v", err)
	}
	if err := w.svc.SignUp(ctx, email, "Karim", "correct horse battery", c); !errs.Is(err, errs.Conflict) {
		t.Fatalf("signing up twice: %v; want conflict", err)
	}
}

func TestStaffOnboardACompanyWithItsFirstHRAdmin(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	platform := context.Background()
	slug := "co-" + uuid.NewString()[:8]
	admin := "rh@" + slug + ".example"
	tn, _, err := w.svc.OnboardCompany(platform, nil, identity.OnboardInput{Slug: slug, Name: "Initech", Locale: "fr",
		EmailDomains: []string{slug + ".example"}, AdminEmail: admin, AdminName: "Rose Hubert"}, client())
	if err != nil {
		t.Fatal(err)
	}
	m := w.mail.WaitFor(t, admin, 5*time.Second)
	link := m.Link("/auth/invitation")
	if !strings.HasPrefix(link, "http://"+slug+".localhost:3000/auth/invitation?token=") {
		t.Fatalf("the HR admin's link %q should open the company's host", link)
	}
	ctx := tenants.NewContext(platform, tn)
	if _, pr, err := w.svc.AcceptInvitation(ctx, token(t, m, "/auth/invitation"), "", "correct horse battery", client()); err != nil || pr.Role != "hr_admin" {
		t.Fatalf("accept: %+v, %v", pr, err)
	}
	_, _, err = w.svc.OnboardCompany(platform, nil, identity.OnboardInput{Slug: slug, Name: "Other", AdminEmail: "x@y.example"}, client())
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("a taken slug: %v; want conflict", err)
	}
	_, _, err = w.svc.OnboardCompany(platform, nil, identity.OnboardInput{Slug: "co-" + uuid.NewString()[:8], Name: "Other",
		EmailDomains: []string{"other.example"}, AdminEmail: "x@y.example"}, client())
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("an HR admin outside the company's domains: %v; want invalid", err)
	}
}

func TestAssociationManagersSignUpAndInviteCoManagers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	platform := context.Background()
	c := client()
	email := mailtest.Address(t)
	legal := "W" + strings.ReplaceAll(uuid.NewString(), "-", "")[:9]
	legal = "W" + strings.Map(func(r rune) rune {
		if r >= 'a' {
			return '0' + (r-'a')%10
		}
		return r
	}, legal[1:])
	in := identity.ManagerSignUp{Email: email, FullName: "Nadia Haddad", Password: "correct horse battery",
		Association: identity.AssociationDraft{Name: "Les Amis du Quartier", LegalID: legal, City: "Lille"}}
	if _, err := w.svc.SignUpManager(platform, in, c); err != nil {
		t.Fatal(err)
	}
	tok := token(t, w.mail.WaitFor(t, email, 5*time.Second), "/auth/verify")
	_, manager, err := w.svc.VerifyEmail(platform, tok, c)
	if err != nil || len(manager.Associations) != 1 {
		t.Fatalf("verify: %+v %v; want a manager of one association", manager, err)
	}
	var status string
	if err := w.db.NewRaw("SELECT status FROM associations WHERE legal_id = ?", legal).Scan(platform, &status); err != nil || status != "pending_review" {
		t.Fatalf("association status %q (err %v); want pending_review until staff vet it", status, err)
	}

	in.Email = mailtest.Address(t)
	if _, err := w.svc.SignUpManager(platform, in, c); !errs.Is(err, errs.Invalid) {
		t.Fatalf("claiming an association that has a manager: %v; want refused", err)
	}
	bad := in
	bad.Association.LegalID = "12345678901234"
	if _, err := w.svc.SignUpManager(platform, bad, c); !errs.Is(err, errs.Invalid) {
		t.Fatalf("a SIRET with a wrong check digit: %v; want invalid", err)
	}

	co := mailtest.Address(t)
	if err := w.svc.InviteCoManager(platform, manager, manager.Associations[0], co, "Paul", c); err != nil {
		t.Fatal(err)
	}
	m := w.mail.WaitFor(t, co, 5*time.Second)
	if !strings.Contains(m.Text, "Les Amis du Quartier") {
		t.Errorf("the co-manager's mail does not name the association: %q", m.Text)
	}
	_, pr, err := w.svc.AcceptInvitation(platform, token(t, m, "/auth/invitation"), "Paul Leroy", "correct horse battery", c)
	if err != nil || len(pr.Associations) != 1 || pr.Associations[0] != manager.Associations[0] {
		t.Fatalf("co-manager: %+v %v; want a manager of the same association", pr, err)
	}
	stranger := &identity.Principal{Kind: identity.KindAccount, ID: uuid.New(), Associations: []uuid.UUID{uuid.New()}}
	if err := w.svc.InviteCoManager(platform, stranger, manager.Associations[0], mailtest.Address(t), "", c); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a manager of another association inviting: %v; want not found", err)
	}
}

// Two HR admins demote each other at the same moment: the company keeps one.
func TestTheLastHRAdminStays(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	ctx, _ := w.company(t)
	_, a := w.member(t, ctx, "hr_admin", "correct horse battery")
	_, b := w.member(t, ctx, "hr_admin", "correct horse battery")
	c := client()
	for range 5 {
		errc := make(chan error, 2)
		go func() {
			_, err := w.svc.ChangeMember(ctx, a, b.ID, identity.MemberChange{Role: "employee"}, c)
			errc <- err
		}()
		go func() {
			_, err := w.svc.ChangeMember(ctx, b, a.ID, identity.MemberChange{Role: "employee"}, c)
			errc <- err
		}()
		e1, e2 := <-errc, <-errc
		won := 0
		for _, err := range []error{e1, e2} {
			switch {
			case err == nil:
				won++
			case !errs.Is(err, errs.Conflict):
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d demotions went through; want exactly 1 (the company keeps an HR admin)", won)
		}
		// Promote both back for the next round.
		for _, p := range []*identity.Principal{a, b} {
			if _, err := w.svc.ChangeMember(ctx, nil, p.ID, identity.MemberChange{Role: "hr_admin"}, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := w.svc.ChangeMember(ctx, a, b.ID, identity.MemberChange{Status: "disabled"}, c); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ChangeMember(ctx, a, a.ID, identity.MemberChange{Status: "disabled"}, c); !errs.Is(err, errs.Conflict) {
		t.Fatalf("disabling the last active HR admin: %v; want conflict", err)
	}
}

// BenchmarkSignIn measures a password sign-in with production's argon2id
// parameters, against PostgreSQL: the lookup, the hash, the session and
// the audit event. Rate limits are lifted so that only the work counts.
func BenchmarkSignIn(b *testing.B) {
	cfg := identity.DefaultConfig()
	cfg.SignInPerAccount, cfg.SignInPerAccountIP, cfg.SignInPerIP = 1<<30, 1<<30, 1<<30
	env := pgtest.New(b)
	db := env.App
	svc := identity.NewService(cfg, postgres.NewMemberDirectory(db), postgres.NewAccountDirectory(db),
		postgres.NewAPITokenStore(db), postgres.NewPlatformStore(db), postgres.NewLimiter(db), nil)
	tn, _ := tenants.New("co-"+uuid.NewString()[:8], "Bench", nil, "fr")
	if err := postgres.NewTenantStore(db).Create(context.Background(), tn); err != nil {
		b.Fatal(err)
	}
	ctx := tenants.NewContext(context.Background(), tn)
	hash, _ := svc.HashPassword("p", "correct horse battery")
	if err := postgres.NewMemberDirectory(db).Create(ctx, &identity.Person{ID: uuid.Must(uuid.NewV7()), Email: "bench@example.org",
		FullName: "Bench", Role: "employee", Status: "active", PasswordHash: hash}, "", nil, time.Time{}); err != nil {
		b.Fatal(err)
	}
	c := identity.Client{IP: "198.51.100.1"}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := svc.SignIn(ctx, "bench@example.org", "correct horse battery", c); err != nil {
			b.Fatal(err)
		}
	}
}

// Resending an invitation right after its mail is refused, saying how long
// to wait; two resends at once (a double click, two admins) send one mail.
func TestResendingAnInvitationIsThrottled(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testConfig())
	ctx, _ := w.company(t)
	c := client()
	email := mailtest.Address(t)
	p, err := w.svc.Invite(ctx, nil, identity.InviteInput{Email: email}, c)
	if err != nil {
		t.Fatal(err)
	}
	w.mail.WaitFor(t, email, 5*time.Second)
	var e *errs.Error
	if err := w.svc.ResendInvitation(ctx, nil, p.ID, c); !errors.As(err, &e) || e.Code != errs.TooMany ||
		e.RetryAfter <= 0 || e.RetryAfter > time.Minute || !strings.Contains(e.Message, email) {
		t.Fatalf("a resend right after the invitation: %v; want too many, to retry within a minute, naming the address", err)
	}

	w.ageInvitations(t, ctx)
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = w.svc.ResendInvitation(ctx, nil, p.ID, c)
		}()
	}
	wg.Wait()
	sent, refused := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			sent++
		case errs.Is(err, errs.TooMany):
			refused++
		default:
			t.Fatalf("a concurrent resend: %v", err)
		}
	}
	if sent != 1 || refused != 1 {
		t.Fatalf("two resends at once: %d sent, %d refused; want one of each", sent, refused)
	}
	w.mail.WaitFor(t, email, 5*time.Second)
	time.Sleep(time.Second) // a second mail, if any, has arrived by now
	if n := len(w.mail.Messages(t, email)); n != 2 {
		t.Errorf("%d mails to %s; want 2: the invitation and one resend", n, email)
	}
}
