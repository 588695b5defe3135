package sso

import (
	"context"
	"crypto/sha256"
	"net/http"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// Store keeps the connections and the flows under way, within the company
// of the context (row-level security). Failure codes: errs.NotFound when
// the company has no connection, or the flow is unknown, used or expired.
type Store interface {
	Connection(ctx context.Context) (*Connection, error)
	// SaveConnection creates or changes the company's connection under a
	// row lock: fn gets the current one (nil when none) and returns the new.
	SaveConnection(ctx context.Context, fn func(cur *Connection) (*Connection, error)) (*Connection, error)
	DeleteConnection(ctx context.Context) error
	StartFlow(ctx context.Context, f *Flow) error
	// TakeFlow deletes and returns an unexpired flow: a flow is used once
	// even by concurrent callbacks.
	TakeFlow(ctx context.Context, key []byte) (*Flow, error)
}

// SignIns are the identity flows SSO hands its people to.
type SignIns interface {
	SignInExternal(ctx context.Context, in identity.ExternalSignIn, c identity.Client) (string, *identity.Principal, error)
	Record(ctx context.Context, actor *identity.Principal, action, object string, c identity.Client, detail map[string]string) error
}

// Config is what the service needs besides its stores.
type Config struct {
	// Links builds this site's addresses the providers send people back
	// to (PUBLIC_URL), never the request's Host.
	Links tenants.Addresses
	// Cipher seals secrets; nil when SSO_ENCRYPTION_KEY is not set, and
	// then no connection can be made.
	Cipher *Cipher
	// HTTPClient reaches the providers (discovery, keys, tokens).
	HTTPClient *http.Client
}

// Service connects companies to their identity providers and signs their
// people in through them.
type Service struct {
	cfg       Config
	store     Store
	ids       SignIns
	providers providerCache
}

// NewService wires the service.
func NewService(cfg Config, store Store, ids SignIns) *Service {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{cfg: cfg, store: store, ids: ids, providers: providerCache{m: map[string]cachedProvider{}}}
}

func (s *Service) cipher() (*Cipher, error) {
	if s.cfg.Cipher == nil {
		return nil, errs.E(errs.Unavailable, "single sign-on is not set up on this server: it needs SSO_ENCRYPTION_KEY (see docs/sso.md)")
	}
	return s.cfg.Cipher, nil
}

// Connection returns the company's connection; errs.NotFound when none.
func (s *Service) Connection(ctx context.Context) (*Connection, error) {
	if _, err := tenants.Require(ctx); err != nil {
		return nil, err
	}
	return s.store.Connection(ctx)
}

// Addresses are what the provider must be told about this site.
type Addresses struct {
	RedirectURI string `json:"redirect_uri"`    // OIDC: the sign-in redirect URI
	EntityID    string `json:"sp_entity_id"`    // SAML: the service provider's entity id (and metadata URL)
	ACS         string `json:"sp_acs_url"`      // SAML: the assertion consumer service (reply URL)
	MetadataURL string `json:"sp_metadata_url"` // SAML
}

// AddressesOf the company of ctx.
func (s *Service) AddressesOf(t *tenants.Tenant) Addresses {
	base := s.cfg.Links.Company(t.Slug)
	return Addresses{RedirectURI: base + "/auth/sso/callback", EntityID: base + "/auth/sso/saml/metadata",
		ACS: base + "/auth/sso/saml/acs", MetadataURL: base + "/auth/sso/saml/metadata"}
}

// Configure saves the provider's settings after checking them against the
// provider itself (the issuer's discovery document, the metadata's
// endpoints and certificate). A change of the provider's side needs a new
// test: the connection is then off, and SSO only with it.
func (s *Service) Configure(ctx context.Context, actor *identity.Principal, in ConfigureInput, c identity.Client) (*Connection, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	ci, err := s.cipher()
	if err != nil {
		return nil, err
	}
	if len(t.EmailDomains) == 0 {
		return nil, errs.E(errs.Conflict, "%s has no email domain: single sign-on matches people by the company's domains; ask Vendredi to add them", t.Name)
	}
	switch in.Protocol {
	case OIDC:
		if _, err := s.providers.get(s.clientCtx(ctx), in.Issuer, true); err != nil {
			return nil, onField(errs.Wrap(err, errs.Invalid, "no OpenID Connect provider answers at %s: %s", in.Issuer, rootCause(err)), "issuer")
		}
	case SAML:
		if _, err := parseIdPMetadata(in.IdPMetadata); err != nil {
			return nil, err
		}
	}
	var changed bool
	conn, err := s.store.SaveConnection(ctx, func(cur *Connection) (*Connection, error) {
		next := &Connection{}
		if cur != nil {
			*next = *cur
		} else {
			cur = &Connection{}
		}
		next.Protocol, next.DisplayName, next.JIT = in.Protocol, in.DisplayName, in.JIT
		next.Issuer, next.ClientID, next.IdPMetadata = "", "", ""
		switch in.Protocol {
		case OIDC:
			next.Issuer, next.ClientID = in.Issuer, in.ClientID
			switch {
			case in.ClientSecret != "":
				// Sealed anew each time: an unchanged secret counts as a change
				// only if it differs in clear.
				if old, err := s.openSecret(t, cur); err != nil || old != in.ClientSecret {
					next.ClientSecret = ci.Seal(t.ID, "client_secret", []byte(in.ClientSecret))
				}
			case cur.Protocol != OIDC || len(cur.ClientSecret) == 0:
				return nil, errs.Field("client_secret", "enter the client secret the identity provider gave")
			}
		case SAML:
			next.IdPMetadata = in.IdPMetadata
			next.ClientSecret = nil
			if len(next.SPKey) == 0 {
				key, cert, err := newSPKey(s.AddressesOf(t).EntityID)
				if err != nil {
					return nil, err
				}
				next.SPKey, next.SPCert = ci.Seal(t.ID, "sp_key", key), cert
			}
		}
		if changed = SettingsChanged(cur, next); changed {
			next.TestedAt, next.TestedEmail, next.TestError = nil, "", ""
			next.Enabled, next.SSOOnly = false, false
		}
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	detail := map[string]string{"protocol": conn.Protocol, "name": conn.DisplayName, "jit": boolText(conn.JIT)}
	if changed {
		detail["retest"] = "true"
	}
	if err := s.ids.Record(ctx, actor, ActionConfigured, "tenant:"+t.Slug, c, detail); err != nil {
		return nil, err
	}
	return conn, nil
}

func (s *Service) openSecret(t *tenants.Tenant, conn *Connection) (string, error) {
	ci, err := s.cipher()
	if err != nil {
		return "", err
	}
	if len(conn.ClientSecret) == 0 {
		return "", errs.E(errs.NotFound, "no client secret")
	}
	b, err := ci.Open(t.ID, "client_secret", conn.ClientSecret)
	return string(b), err
}

// SetStatus turns the connection on or off, and SSO only, under the rules
// CanEnable and CanRequireSSO. Turning it off turns SSO only off with it.
func (s *Service) SetStatus(ctx context.Context, actor *identity.Principal, in StatusInput, c identity.Client) (*Connection, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := s.store.SaveConnection(ctx, func(cur *Connection) (*Connection, error) {
		if cur == nil {
			return nil, errs.E(errs.NotFound, "%s has no identity provider connected", t.Name)
		}
		next := *cur
		if in.Enabled != nil {
			next.Enabled = *in.Enabled
			if !next.Enabled {
				next.SSOOnly = false
			}
		}
		if in.SSOOnly != nil {
			next.SSOOnly = *in.SSOOnly
		}
		if next.Enabled && !cur.Enabled {
			if err := CanEnable(&next); err != nil {
				return nil, err
			}
		}
		if next.SSOOnly {
			if err := CanRequireSSO(&next, next.Enabled); err != nil {
				return nil, err
			}
		}
		return &next, nil
	})
	if err != nil {
		return nil, err
	}
	err = s.ids.Record(ctx, actor, ActionStatus, "tenant:"+t.Slug, c,
		map[string]string{"enabled": boolText(conn.Enabled), "sso_only": boolText(conn.SSOOnly)})
	return conn, err
}

// Disconnect removes the company's connection: passwords work again.
func (s *Service) Disconnect(ctx context.Context, actor *identity.Principal, c identity.Client) error {
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	if err := s.store.DeleteConnection(ctx); err != nil {
		return err
	}
	return s.ids.Record(ctx, actor, ActionDisconnected, "tenant:"+t.Slug, c, nil)
}

// BreakGlass is platform staff's way back in for a company whose provider
// fails while SSO only is on: SSO only goes off (the connection stays),
// so that the HR admins sign in with a password or a mailed link and
// repair it. ctx carries the company; the event goes to both audit logs.
func (s *Service) BreakGlass(ctx context.Context, staff *identity.Principal, reason string, c identity.Client) error {
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	if staff == nil || !staff.Staff {
		return errs.E(errs.Forbidden, "only platform staff can break the glass")
	}
	if len(reason) < 10 || len(reason) > 500 {
		return errs.Field("reason", "say why, in 10 to 500 characters (it goes to the company's audit log)")
	}
	if _, err := s.store.SaveConnection(ctx, func(cur *Connection) (*Connection, error) {
		if cur == nil {
			return nil, errs.E(errs.NotFound, "%s has no identity provider connected", t.Name)
		}
		next := *cur
		next.SSOOnly = false
		return &next, nil
	}); err != nil {
		return err
	}
	detail := map[string]string{"reason": reason, "by": staff.Email}
	if err := s.ids.Record(ctx, staff, ActionBreakGlass, "tenant:"+t.Slug, c, detail); err != nil {
		return err
	}
	return s.ids.Record(withoutTenant(ctx), staff, ActionBreakGlass, "tenant:"+t.Slug, c, detail)
}

// PasswordsOff tells identity whether the company of ctx signs in through
// its provider only. The platform's side never does.
func (s *Service) PasswordsOff(ctx context.Context) (bool, error) {
	if _, ok := tenants.FromContext(ctx); !ok {
		return false, nil
	}
	conn, err := s.store.Connection(ctx)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return conn.SSOOnly, nil
}

// SignInOption is what the company's sign-in page offers; nil when the
// company has no connection turned on.
func (s *Service) SignInOption(ctx context.Context) (*Option, error) {
	if _, ok := tenants.FromContext(ctx); !ok {
		return nil, nil
	}
	conn, err := s.store.Connection(ctx)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil || !conn.Enabled {
		return nil, err
	}
	return &Option{DisplayName: conn.DisplayName, SSOOnly: conn.SSOOnly}, nil
}

// Begin starts a sign-in (anyone, on a connection turned on) or a test
// (an HR admin, on any saved connection). It returns where to send the
// browser, and for OIDC the state the browser must bring back in a cookie.
func (s *Service) Begin(ctx context.Context, purpose string, actor *identity.Principal) (redirect, state string, err error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return "", "", err
	}
	conn, err := s.store.Connection(ctx)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return "", "", errs.E(errs.NotFound, "%s has no identity provider connected", t.Name)
		}
		return "", "", err
	}
	f := &Flow{Protocol: conn.Protocol, Purpose: purpose, ExpiresAt: time.Now().Add(FlowTTL)}
	switch purpose {
	case PurposeSignIn:
		if !conn.Enabled {
			return "", "", errs.E(errs.NotFound, "%s has no identity provider turned on", t.Name)
		}
	case PurposeTest:
		if actor == nil || actor.Kind != identity.KindMember {
			return "", "", errs.E(errs.Forbidden, "only a signed-in HR admin can test the connection")
		}
		f.ActorID = &actor.ID
	default:
		return "", "", errs.E(errs.Invalid, "unknown purpose %q", purpose)
	}
	switch conn.Protocol {
	case OIDC:
		redirect, state, err = s.beginOIDC(ctx, t, conn, f)
	case SAML:
		redirect, err = s.beginSAML(t, conn, f)
	}
	if err != nil {
		return "", "", err
	}
	return redirect, state, s.store.StartFlow(ctx, f)
}

// Result is the end of a flow: a session for a sign-in, the provider's
// answer for a test.
type Result struct {
	Purpose   string
	Email     string
	Token     string
	Principal *identity.Principal
}

// finish applies the company's rules to what the provider vouched for.
func (s *Service) finish(ctx context.Context, t *tenants.Tenant, conn *Connection, f *Flow, a asserted, c identity.Client) (Result, error) {
	res := Result{Purpose: f.Purpose}
	email, err := MatchEmail(t, a.email, a.verified)
	if err != nil {
		return res, s.failed(ctx, t, f, err, c)
	}
	res.Email = email
	if f.Purpose == PurposeTest {
		now := time.Now()
		_, err := s.store.SaveConnection(ctx, func(cur *Connection) (*Connection, error) {
			if cur == nil || SettingsChanged(cur, conn) {
				return nil, errs.E(errs.Conflict, "the connection changed during the test; test it again")
			}
			next := *cur
			next.TestedAt, next.TestedEmail, next.TestError = &now, email, ""
			return &next, nil
		})
		if err != nil {
			return res, err
		}
		return res, s.ids.Record(ctx, &identity.Principal{Kind: identity.KindMember, ID: *f.ActorID, Email: email}, ActionTested,
			"tenant:"+t.Slug, c, map[string]string{"protocol": conn.Protocol, "email": email})
	}
	res.Token, res.Principal, err = s.ids.SignInExternal(ctx, identity.ExternalSignIn{Email: email, FullName: a.name,
		Method: conn.Protocol, CreateMissing: conn.JIT}, c)
	if err != nil && (errs.Is(err, errs.Forbidden) || errs.Is(err, errs.Gone)) {
		return res, s.failed(ctx, t, f, err, c)
	}
	return res, err
}

// failed records why a provider's answer was refused: in the audit log,
// and on the connection for a test, so that the admin reads it there.
func (s *Service) failed(ctx context.Context, t *tenants.Tenant, f *Flow, cause error, c identity.Client) error {
	msg := errs.MessageOf(cause)
	if f.Purpose == PurposeTest {
		_, _ = s.store.SaveConnection(ctx, func(cur *Connection) (*Connection, error) {
			if cur == nil {
				return nil, errs.E(errs.NotFound, "no identity provider connected")
			}
			next := *cur
			next.TestError = msg
			return &next, nil
		})
	}
	if err := s.ids.Record(ctx, nil, ActionFailed, "tenant:"+t.Slug, c,
		map[string]string{"purpose": f.Purpose, "protocol": f.Protocol, "reason": msg}); err != nil {
		return err
	}
	return cause
}

// asserted is what a provider said of the person.
type asserted struct {
	email    string
	verified bool
	name     string
}

func flowKey(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// withoutTenant is ctx on the platform's side.
func withoutTenant(ctx context.Context) context.Context { return tenants.NewContext(ctx, nil) }

// onField names the input an error is about.
func onField(e *errs.Error, field string) *errs.Error {
	e.Field = field
	return e
}
