package identity

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// Config holds the durations and limits of identity flows.
type Config struct {
	SessionTTL time.Duration // sliding: each use pushes the expiry
	SignInTTL  time.Duration // sign-in link
	ResetTTL   time.Duration
	InviteTTL  time.Duration
	// ResendAfter is how long after an invitation's mail another may be
	// resent.
	ResendAfter time.Duration
	VerifyTTL   time.Duration
	// In each SignInWindow: at most SignInPerIP password attempts from
	// one address, SignInPerAccountIP on one account from one address,
	// and SignInPerAccount failures on one account from all addresses
	// (after which the account takes mailed sign-in links only).
	SignInPerAccount   int
	SignInPerAccountIP int
	SignInPerIP        int
	SignInWindow       time.Duration
	Hash               *argon2id.Params
	// Links builds the addresses of mailed links (PUBLIC_URL), never the
	// request: a forged Host or X-Forwarded-Host must not carry a token
	// elsewhere.
	Links tenants.Addresses
}

// DefaultConfig is what production uses.
func DefaultConfig() Config {
	return Config{
		SessionTTL: 14 * 24 * time.Hour, SignInTTL: 15 * time.Minute, ResetTTL: time.Hour,
		InviteTTL: 7 * 24 * time.Hour, ResendAfter: time.Minute, VerifyTTL: 48 * time.Hour,
		SignInPerAccount: 100, SignInPerAccountIP: 10, SignInPerIP: 50, SignInWindow: 15 * time.Minute,
		// OWASP's argon2id floor (19 MiB, 2 passes) is below this; 64 MiB and
		// one pass cost about 50 ms on this project's 2-core machines.
		Hash:  &argon2id.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32},
		Links: tenants.MustAddresses("http://localhost:3000"),
	}
}

// Service runs the identity flows of both realms; the realm is the one of
// the context: a company's when it carries a tenant, the platform's otherwise.
type Service struct {
	cfg      Config
	members  Members
	accounts Directory
	tokens   APITokens
	platform Platform
	limiter  Limiter
	mailer   Mailer
	// passwords turns the password flows off for SSO-only companies.
	passwords PasswordPolicy
	dummy     string // compared against for unknown emails, so timing tells nothing
	// Unit runs a change and the mail it causes as one unit of work
	// (postgres.DB.InTx): the mail is queued in the transaction of the
	// change, so that a token saved always has its mail and a change rolled
	// back never has. The default runs fn as it is (tests without a queue).
	Unit func(ctx context.Context, fn func(ctx context.Context) error) error
}

// NewService wires the flows to their stores.
func NewService(cfg Config, members Members, accounts Directory, tokens APITokens, platform Platform, limiter Limiter, mailer Mailer) *Service {
	dummy, err := argon2id.CreateHash("not a real password", cfg.Hash)
	if err != nil {
		panic(err)
	}
	return &Service{cfg: cfg, members: members, accounts: accounts, tokens: tokens, platform: platform,
		limiter: limiter, mailer: mailer, dummy: dummy,
		Unit: func(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }}
}

// People lists the company's members, invited ones included, by name.
func (s *Service) People(ctx context.Context) ([]Person, error) { return s.members.List(ctx) }

// Person returns one of the company's members; errs.NotFound otherwise.
func (s *Service) Person(ctx context.Context, id uuid.UUID) (*Person, error) {
	return s.members.ByID(ctx, id)
}

func (s *Service) dir(ctx context.Context) Directory {
	if _, ok := tenants.FromContext(ctx); ok {
		return s.members
	}
	return s.accounts
}

func realm(ctx context.Context) (key, locale string) {
	if t, ok := tenants.FromContext(ctx); ok {
		return "t:" + t.ID.String(), t.Locale
	}
	return "platform", "fr"
}

// HashPassword checks a new password and returns its argon2id hash.
func (s *Service) HashPassword(field, password string) (string, error) {
	n := utf8.RuneCountInString(password)
	if n < 10 || len(password) > 512 {
		return "", errs.Field(field, "the password must be at least 10 characters long")
	}
	return argon2id.CreateHash(password, s.cfg.Hash)
}

var errBadCredentials = errs.E(errs.Unauthorized, "wrong email or password")

// SignIn checks an email and password and starts a session. It answers the
// same for an unknown email and a wrong password, after the same work.
func (s *Service) SignIn(ctx context.Context, email, password string, c Client) (string, *Principal, error) {
	if strings.TrimSpace(email) == "" || password == "" {
		return "", nil, errs.Field("email", "enter your email address and your password")
	}
	if err := s.passwordsAllowed(ctx); err != nil {
		return "", nil, err
	}
	key, _ := realm(ctx)
	// Guessing is limited three ways, none of which lets a stranger lock
	// the owner out: attempts from one address (any account), attempts
	// on one account from one address, and failures on one account from
	// every address together, a far higher ceiling that only a spread-out
	// attack reaches; even then the mailed sign-in link still works.
	if err := s.limit(ctx, "signin:ip:"+c.IP, s.cfg.SignInPerIP); err != nil {
		return "", nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if err := s.limit(ctx, "signin:"+key+":"+email+":"+c.IP, s.cfg.SignInPerAccountIP); err != nil {
		return "", nil, err
	}
	failedKey := "signin-failed:" + key + ":" + email
	failed, retry, err := s.limiter.Hits(ctx, failedKey, s.cfg.SignInPerAccount, s.cfg.SignInWindow)
	if err != nil {
		return "", nil, err
	}
	if failed >= s.cfg.SignInPerAccount {
		return "", nil, errs.E(errs.TooMany, "too many failed attempts on this account; try again in %d minutes, or ask for a sign-in link by mail",
			int(retry.Minutes())+1)
	}
	dir := s.dir(ctx)
	p, err := dir.ByEmail(ctx, email)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return "", nil, err
	}
	hash := s.dummy
	if p != nil && p.PasswordHash != "" && p.Status == StatusActive {
		hash = p.PasswordHash
	}
	match, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return "", nil, fmt.Errorf("compare password: %w", err)
	}
	if !match || hash == s.dummy {
		ev := Event{ActorKind: "anonymous", ActorLabel: email, Action: ActionSignInFailed, Object: "person:" + email, IP: c.IP}
		if p != nil {
			ev.ActorID = &p.ID
		}
		if err := dir.Record(ctx, ev); err != nil {
			return "", nil, err
		}
		if _, _, err := s.limiter.Hit(ctx, failedKey, s.cfg.SignInPerAccount, s.cfg.SignInWindow); err != nil {
			return "", nil, err
		}
		return "", nil, errBadCredentials
	}
	return s.startSession(ctx, dir, p, c, ActionSignIn)
}

func (s *Service) limit(ctx context.Context, key string, limit int) error {
	ok, retry, err := s.limiter.Hit(ctx, key, limit, s.cfg.SignInWindow)
	if err != nil {
		return err
	}
	if !ok {
		mins := int(retry.Minutes()) + 1
		return errs.E(errs.TooMany, "too many attempts; try again in %d minutes", mins)
	}
	return nil
}

func (s *Service) startSession(ctx context.Context, dir Directory, p *Person, c Client, action string) (string, *Principal, error) {
	plain, hash := NewSecret()
	ev := Event{ActorKind: kindOf(ctx), ActorID: &p.ID, ActorLabel: p.Email, Action: action, Object: "person:" + p.Email, IP: c.IP}
	if err := dir.StartSession(ctx, p.ID, hash, time.Now().Add(s.cfg.SessionTTL), c, ev); err != nil {
		return "", nil, err
	}
	pr := s.principal(ctx, p)
	pr.SessionHash = hash
	return plain, pr, nil
}

func kindOf(ctx context.Context) string {
	if _, ok := tenants.FromContext(ctx); ok {
		return KindMember
	}
	return KindAccount
}

func (s *Service) principal(ctx context.Context, p *Person) *Principal {
	pr := &Principal{Kind: kindOf(ctx), ID: p.ID, Email: p.Email, Name: p.FullName, Role: p.Role,
		Staff: p.Staff, Associations: p.Associations, Loaded: p.Loaded}
	if t, ok := tenants.FromContext(ctx); ok {
		pr.TenantID = t.ID
	}
	return pr
}

// Authenticate returns the principal of a session cookie; errs.NotFound
// when the session is unknown here, expired or its person not active.
func (s *Service) Authenticate(ctx context.Context, session string) (*Principal, error) {
	hash := Hash(session)
	p, err := s.dir(ctx).Session(ctx, hash, time.Now().Add(s.cfg.SessionTTL))
	if err != nil {
		return nil, err
	}
	pr := s.principal(ctx, p)
	pr.SessionHash = hash
	return pr, nil
}

// AuthenticateToken returns the principal of an API token of the company
// of the context; errs.NotFound anywhere else.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (*Principal, error) {
	t, ok := tenants.FromContext(ctx)
	if !ok {
		return nil, errs.E(errs.NotFound, "API tokens work on a company's address")
	}
	tok, err := s.tokens.TokenByHash(ctx, Hash(token))
	if err != nil {
		return nil, err
	}
	return &Principal{Kind: KindAPIToken, ID: tok.ID, TenantID: t.ID, Name: "token " + tok.Name, Role: tok.Role}, nil
}

// SignOut ends the session of the request.
func (s *Service) SignOut(ctx context.Context, pr *Principal, c Client) error {
	if pr == nil || pr.SessionHash == nil {
		return nil
	}
	dir := s.dir(ctx)
	if err := dir.EndSession(ctx, pr.SessionHash); err != nil {
		return err
	}
	return dir.Record(ctx, Event{ActorKind: pr.Kind, ActorID: &pr.ID, ActorLabel: pr.Label(), Action: ActionSignOut, IP: c.IP})
}

// SignOutEverywhere ends every session of the principal's person.
func (s *Service) SignOutEverywhere(ctx context.Context, pr *Principal, c Client) error {
	dir := s.dir(ctx)
	if err := dir.EndSessions(ctx, pr.ID); err != nil {
		return err
	}
	return dir.Record(ctx, Event{ActorKind: pr.Kind, ActorID: &pr.ID, ActorLabel: pr.Label(), Action: ActionSignOutAll, IP: c.IP})
}

// RequestSignInLink mails a one-time sign-in link to an active person. It
// says nothing of whether the address is known.
func (s *Service) RequestSignInLink(ctx context.Context, email string, c Client) error {
	return s.mailLink(ctx, email, c, PurposeSignIn, s.cfg.SignInTTL, MailSignIn, "/auth/link")
}

// RequestPasswordReset mails a reset link to an active person, saying
// nothing of whether the address is known.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, c Client) error {
	return s.mailLink(ctx, email, c, PurposeReset, s.cfg.ResetTTL, MailPasswordReset, "/auth/reset")
}

func (s *Service) mailLink(ctx context.Context, email string, c Client, purpose string, ttl time.Duration, template, path string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	if err := s.passwordsAllowed(ctx); err != nil {
		return err
	}
	key, locale := realm(ctx)
	if err := s.limit(ctx, "link:"+key+":"+email, 5); err != nil {
		return err
	}
	if err := s.limit(ctx, "link:ip:"+c.IP, s.cfg.SignInPerIP); err != nil {
		return err
	}
	dir := s.dir(ctx)
	p, err := dir.ByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) || (err == nil && p.Status != StatusActive) {
		return nil
	}
	if err != nil {
		return err
	}
	plain, hash := NewSecret()
	expires := time.Now().Add(ttl)
	return s.Unit(ctx, func(ctx context.Context) error {
		if err := dir.IssueToken(ctx, p.ID, purpose, hash, expires); err != nil {
			return err
		}
		return s.mailer.Notify(ctx, Mail{Template: template, Locale: locale, To: p.Email, Name: p.FullName,
			Company: companyName(ctx), Link: s.link(ctx, path, plain), ValidFor: ttl})
	})
}

// link is a mailed link to path on the site of ctx (the company of its
// tenant, else the platform), from configuration only.
func (s *Service) link(ctx context.Context, path, token string) string {
	return s.cfg.Links.For(ctx) + path + "?token=" + url.QueryEscape(token)
}

func companyName(ctx context.Context) string {
	if t, ok := tenants.FromContext(ctx); ok {
		return t.Name
	}
	return "Vendredi"
}

// SignInWithLink redeems a sign-in link and starts a session.
func (s *Service) SignInWithLink(ctx context.Context, token string, c Client) (string, *Principal, error) {
	if err := s.passwordsAllowed(ctx); err != nil {
		return "", nil, err
	}
	dir := s.dir(ctx)
	p, err := dir.RedeemToken(ctx, Hash(token), PurposeSignIn, func(p *Person) error {
		if p.Status != StatusActive {
			return errs.E(errs.Gone, "this account is not active")
		}
		return nil
	})
	if err != nil {
		return "", nil, linkError(err)
	}
	return s.startSession(ctx, dir, p, c, ActionSignIn)
}

// ResetPassword redeems a reset link, sets the password, ends every other
// session and starts a new one.
func (s *Service) ResetPassword(ctx context.Context, token, password string, c Client) (string, *Principal, error) {
	if err := s.passwordsAllowed(ctx); err != nil {
		return "", nil, err
	}
	hash, err := s.HashPassword("password", password)
	if err != nil {
		return "", nil, err
	}
	dir := s.dir(ctx)
	p, err := dir.RedeemToken(ctx, Hash(token), PurposeReset, func(p *Person) error {
		p.PasswordHash = hash
		return nil
	})
	if err != nil {
		return "", nil, linkError(err)
	}
	if err := dir.EndSessions(ctx, p.ID); err != nil {
		return "", nil, err
	}
	return s.startSession(ctx, dir, p, c, ActionPasswordReset)
}

// ChangePassword sets a new password for a signed-in person, who proves
// it is them with the current one. Every session ends and a new one
// starts (its token returned), so that a session someone else holds does
// not outlive the change. Both inputs are checked together: each refusal
// names its field (errors.Join).
func (s *Service) ChangePassword(ctx context.Context, actor *Principal, current, next string, c Client) (string, error) {
	if actor == nil || (actor.Kind != KindMember && actor.Kind != KindAccount) {
		return "", errs.E(errs.Forbidden, "only a person signed in changes their password")
	}
	if err := s.passwordsAllowed(ctx); err != nil {
		return "", err
	}
	// A stolen session must not try passwords at leisure.
	if err := s.limit(ctx, "password-change:"+actor.ID.String(), s.cfg.SignInPerAccountIP); err != nil {
		return "", err
	}
	dir := s.dir(ctx)
	p, err := dir.ByID(ctx, actor.ID)
	if err != nil {
		return "", err
	}
	var refused errs.Checks
	if current == "" {
		refused.Add(errs.Field("current_password", "enter your current password"))
	} else {
		hash := s.dummy
		if p.PasswordHash != "" {
			hash = p.PasswordHash
		}
		match, err := argon2id.ComparePasswordAndHash(current, hash)
		if err != nil {
			return "", fmt.Errorf("compare password: %w", err)
		}
		if !match || hash == s.dummy {
			refused.Add(errs.Field("current_password", "this is not your current password"))
		}
	}
	hash, err := s.HashPassword("new_password", next)
	if err := refused.Take(err); err != nil {
		return "", err
	}
	if err := refused.Err(); err != nil {
		return "", err
	}
	if p, err = dir.Update(ctx, p.ID, func(p *Person) error {
		p.PasswordHash = hash
		return nil
	}); err != nil {
		return "", err
	}
	if err := dir.EndSessions(ctx, p.ID); err != nil {
		return "", err
	}
	token, _, err := s.startSession(ctx, dir, p, c, ActionPasswordReset)
	return token, err
}

// linkError explains an unusable link without saying which way it failed.
func linkError(err error) error {
	if errs.Is(err, errs.NotFound) {
		return errs.Wrap(err, errs.Gone, "this link has expired or has already been used; ask for a new one")
	}
	return err
}

// SignUp lets an employee whose address is on one of the company's domains
// join on their own; they confirm their address through a mailed link.
func (s *Service) SignUp(ctx context.Context, email, fullName, password string, c Client) error {
	t, ok := tenants.FromContext(ctx)
	if !ok {
		return errs.E(errs.NotFound, "employees sign up on their company's address")
	}
	if err := s.passwordsAllowed(ctx); err != nil {
		return err
	}
	if err := s.limit(ctx, "signup:ip:"+c.IP, s.cfg.SignInPerIP); err != nil {
		return err
	}
	// Every input at fault is said at once, so that a form shows each
	// message next to its field in one round trip.
	var refused errs.Checks
	p, err := s.validateInvite(t, InviteInput{Email: email, FullName: fullName})
	if err != nil {
		if err := refused.Take(err); err != nil {
			return err
		}
		if !refused.Has("full_name") && utf8.RuneCountInString(strings.TrimSpace(fullName)) > 200 {
			refused.Add(errs.Field("full_name", "the name is longer than 200 characters"))
		}
	}
	pwHash, err := s.HashPassword("password", password)
	if err := refused.Take(err); err != nil {
		return err
	}
	if err := refused.Err(); err != nil {
		return err
	}
	if len(t.EmailDomains) == 0 {
		return errs.E(errs.Forbidden, "%s has no email domain open to sign-up; ask your HR team for an invitation", t.Name)
	}
	p.PasswordHash = pwHash
	p.Status = StatusPendingVerification
	plain, hash := NewSecret()
	expires := time.Now().Add(s.cfg.VerifyTTL)
	return s.Unit(ctx, func(ctx context.Context) error {
		if err := s.members.Create(ctx, p, PurposeVerify, hash, expires); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Wrap(err, errs.Conflict, "an account already exists for %s: sign in or reset your password", p.Email)
			}
			return err
		}
		if err := s.members.Record(ctx, Event{ActorKind: KindMember, ActorID: &p.ID, ActorLabel: p.Email, Action: ActionSignUp, IP: c.IP}); err != nil {
			return err
		}
		return s.mailer.Notify(ctx, Mail{Template: MailVerifyEmail, Locale: t.Locale, To: p.Email, Name: p.FullName,
			Company: t.Name, Link: s.link(ctx, "/auth/verify", plain), ValidFor: s.cfg.VerifyTTL})
	})
}

// VerifyEmail redeems a verification link, activates the person and signs
// them in.
func (s *Service) VerifyEmail(ctx context.Context, token string, c Client) (string, *Principal, error) {
	dir := s.dir(ctx)
	p, err := dir.RedeemToken(ctx, Hash(token), PurposeVerify, func(p *Person) error {
		if p.Status == StatusPendingVerification {
			p.Status = StatusActive
		}
		return nil
	})
	if err != nil {
		return "", nil, linkError(err)
	}
	if p.Status != StatusActive {
		return "", nil, errs.E(errs.Gone, "this account is not active")
	}
	return s.startSession(ctx, dir, p, c, ActionSignIn)
}

// Record appends an event to the audit log of the realm of ctx, for actions
// that happen outside identity flows (a company's data exported by staff).
func (s *Service) Record(ctx context.Context, actor *Principal, action, object string, c Client, detail map[string]string) error {
	return s.record(ctx, actor, action, object, c, detail)
}

func (s *Service) record(ctx context.Context, actor *Principal, action, object string, c Client, detail map[string]string) error {
	ev := Event{ActorKind: "system", Action: action, Object: object, Detail: detail, IP: c.IP}
	if actor != nil {
		ev.ActorKind, ev.ActorID, ev.ActorLabel = actor.Kind, &actor.ID, actor.Label()
	}
	return s.dir(ctx).Record(ctx, ev)
}

// MemberChange is what an HR admin changes of a member; empty fields stay.
type MemberChange struct {
	Role, Status, Department, Site string
}

// ChangeMember changes a member's role, status (active or disabled),
// department or site. Disabling ends the member's sessions. The company
// keeps an active HR admin: errs.Conflict otherwise.
func (s *Service) ChangeMember(ctx context.Context, actor *Principal, id uuid.UUID, ch MemberChange, c Client) (*Person, error) {
	if ch.Role != "" && ch.Role != RoleEmployee && ch.Role != RoleHRAdmin {
		return nil, errs.Field("role", "role %q is not one of employee, hr_admin", ch.Role)
	}
	if ch.Status != "" && ch.Status != StatusActive && ch.Status != StatusDisabled {
		return nil, errs.Field("status", "status %q is not one of active, disabled", ch.Status)
	}
	var from Person
	p, err := s.members.Update(ctx, id, func(p *Person) error {
		from = *p
		if ch.Status != "" && p.Status != StatusActive && p.Status != StatusDisabled {
			return errs.Field("status", "%s has not joined yet: the invitation must be accepted first", p.Email)
		}
		if ch.Role != "" {
			p.Role = ch.Role
		}
		if ch.Status != "" {
			p.Status = ch.Status
		}
		if ch.Department != "" {
			p.Department = strings.TrimSpace(ch.Department)
		}
		if ch.Site != "" {
			p.Site = strings.TrimSpace(ch.Site)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.Status == StatusDisabled {
		if err := s.members.EndSessions(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	if from.Role != p.Role || from.Status != p.Status {
		detail := map[string]string{"role_from": from.Role, "role_to": p.Role, "status_from": from.Status, "status_to": p.Status}
		if err := s.record(ctx, actor, ActionRoleChanged, "member:"+p.Email, c, detail); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Audit returns the audit log of the realm of ctx (the company's, or the
// platform's for staff), newest first, before a time.
func (s *Service) Audit(ctx context.Context, q AuditQuery) ([]Event, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	if q.Before.IsZero() {
		q.Before, q.BeforeID = time.Now().Add(time.Minute), uuid.Nil
	}
	return s.dir(ctx).Audit(ctx, q)
}

// CreateAPIToken makes a token for an integration of the company and
// returns it in clear, the only time it is shown.
// MaxTokenDays is the longest a token may be made to last; one that must
// live longer is made without an expiry, knowingly.
const MaxTokenDays = 730

func (s *Service) CreateAPIToken(ctx context.Context, actor *Principal, name, role string, validDays int, c Client) (string, *APIToken, error) {
	return s.CreateScopedAPIToken(ctx, actor, name, role, validDays, nil, c)
}

// CreateScopedAPIToken is CreateAPIToken for the given scopes (none: the
// API only). A token with the scim scope alone reaches /scim/v2 and
// nothing of /api/v1.
func (s *Service) CreateScopedAPIToken(ctx context.Context, actor *Principal, name, role string, validDays int, scopes []string, c Client) (string, *APIToken, error) {
	if len(scopes) == 0 {
		scopes = []string{ScopeAPI}
	}
	for _, sc := range scopes {
		if sc != ScopeAPI && sc != ScopeSCIM {
			return "", nil, errs.Field("scopes", "scope %q is not one of api, scim", sc)
		}
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", nil, errs.Field("name", "give the token a name of 1 to 100 characters, such as the integration it serves")
	}
	if role == "" {
		role = RoleEmployee
	}
	if role != RoleEmployee && role != RoleHRAdmin {
		return "", nil, errs.Field("role", "role %q is not one of employee, hr_admin", role)
	}
	if validDays < 0 || validDays > MaxTokenDays {
		return "", nil, errs.Field("expires_in_days", "a token lasts 1 to %d days, or 0 for no expiry", MaxTokenDays)
	}
	if actor == nil || actor.Kind != KindMember {
		return "", nil, errs.E(errs.Forbidden, "only a signed-in HR admin can create API tokens")
	}
	secret, _ := NewSecret()
	plain := "vdi_" + secret
	tok := &APIToken{ID: uuid.Must(uuid.NewV7()), Name: name, Role: role, Prefix: plain[:12], CreatedBy: actor.ID, Scopes: scopes}
	if validDays > 0 {
		at := time.Now().AddDate(0, 0, validDays)
		tok.ExpiresAt = &at
	}
	if err := s.tokens.CreateToken(ctx, tok, Hash(plain)); err != nil {
		return "", nil, err
	}
	detail := map[string]string{"role": role, "prefix": tok.Prefix, "scopes": strings.Join(scopes, ",")}
	if tok.ExpiresAt != nil {
		detail["expires_at"] = tok.ExpiresAt.UTC().Format(time.DateOnly)
	}
	if err := s.record(ctx, actor, ActionTokenCreated, "api_token:"+tok.Name, c, detail); err != nil {
		return "", nil, err
	}
	return plain, tok, nil
}

// APITokens lists the company's tokens, revoked ones included.
func (s *Service) APITokens(ctx context.Context) ([]APIToken, error) { return s.tokens.Tokens(ctx) }

// RevokeAPIToken stops a token at once.
func (s *Service) RevokeAPIToken(ctx context.Context, actor *Principal, id uuid.UUID, c Client) error {
	tok, err := s.tokens.RevokeToken(ctx, id)
	if err != nil {
		return err
	}
	return s.record(ctx, actor, ActionTokenRevoked, "api_token:"+tok.Name, c, map[string]string{"prefix": tok.Prefix})
}
