// Package sso is single sign-on for a company's people: one identity
// provider per company, spoken to in OpenID Connect (authorization code
// with PKCE, state and nonce, the ID token verified with go-oidc) or in
// SAML 2.0 (crewjam/saml as the service provider). The HR admins connect
// it, test it, turn it on, and may make it the only way in ("SSO only"),
// which turns passwords, sign-in links and resets off for the company.
//
// It lives apart from internal/identity because it brings its own
// protocols, libraries, secrets and storage; identity only lends it two
// hooks: SignInExternal (a person vouched for by the provider gets a
// session) and a PasswordPolicy (the SSO-only switch, read at each
// password, link or reset flow).
package sso

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// Protocols an identity provider speaks.
const (
	OIDC = "oidc"
	SAML = "saml"
)

// Purposes of a flow: signing someone in, or an HR admin trying the
// connection before turning it on (no session comes of it).
const (
	PurposeSignIn = "sign_in"
	PurposeTest   = "test"
)

// Audit actions.
const (
	ActionConfigured   = "sso_configured"
	ActionStatus       = "sso_status_changed"
	ActionTested       = "sso_tested"
	ActionDisconnected = "sso_disconnected"
	ActionBreakGlass   = "sso_break_glass"
	ActionFailed       = "sso_sign_in_failed"
)

// FlowTTL is how long a sign-in may take at the identity provider.
const FlowTTL = 10 * time.Minute

// Connection is a company's identity provider as its HR admins set it up.
// Secrets are sealed (see Cipher): the store never sees them in clear.
type Connection struct {
	Protocol    string
	DisplayName string // "Entra ID", "Okta": the sign-in page's button says "Se connecter avec" it
	// OpenID Connect.
	Issuer       string
	ClientID     string
	ClientSecret []byte // sealed
	// SAML: the provider's metadata, and this company's service provider
	// key (sealed PKCS #8) and certificate (DER), made at the first save.
	IdPMetadata string
	SPKey       []byte
	SPCert      []byte

	JIT     bool // a person of the company's domains without an account gets one at first sign-in
	Enabled bool // the sign-in page offers it
	SSOOnly bool // passwords, sign-in links and resets are off for the company's people

	TestedAt    *time.Time // the last successful test since the provider's settings changed
	TestedEmail string     // who the provider said the tester was
	TestError   string     // why the last test failed, for the settings page
	UpdatedAt   time.Time
}

// Tested tells whether the provider's settings as they are were tried.
func (c *Connection) Tested() bool { return c.TestedAt != nil }

// CanEnable is the rule that a connection is offered to people only once
// an HR admin has signed in through it: a wrong client id or certificate
// is found by the admin, not by every employee.
func CanEnable(c *Connection) error {
	if !c.Tested() {
		return errs.Field("enabled", "test the connection before turning it on")
	}
	return nil
}

// CanRequireSSO is the rule that SSO only needs the connection on: the
// company's people always keep a way in.
func CanRequireSSO(c *Connection, enabled bool) error {
	if !enabled {
		return errs.Field("sso_only", "turn the connection on before making it the only way to sign in")
	}
	return nil
}

// SettingsChanged tells whether the provider's side of a connection
// differs: then it must be tested again.
func SettingsChanged(before, after *Connection) bool {
	return before.Protocol != after.Protocol || before.Issuer != after.Issuer || before.ClientID != after.ClientID ||
		!slices.Equal(before.ClientSecret, after.ClientSecret) || before.IdPMetadata != after.IdPMetadata
}

// MatchEmail is the rule by which a provider's answer names an account:
// an address the provider says it verified, on one of the company's email
// domains. A provider is trusted for its company's domains only, so that
// a tenant of Entra ID cannot sign in as someone of another company.
func MatchEmail(t *tenants.Tenant, email string, verified bool) (string, error) {
	if strings.TrimSpace(email) == "" {
		return "", errs.E(errs.Unauthorized, "the identity provider sent no email address; map the email claim or attribute (docs/sso.md)")
	}
	e, err := identity.NormalizeEmail("email", email)
	if err != nil {
		return "", errs.E(errs.Unauthorized, "the identity provider sent %q, which is not an email address", email)
	}
	if !verified {
		return "", errs.E(errs.Unauthorized, "the identity provider does not say that %s is verified", e)
	}
	if !slices.Contains(t.EmailDomains, identity.EmailDomain(e)) {
		return "", errs.E(errs.Forbidden, "%s is not an address of %s (%s)", e, t.Name, strings.Join(t.EmailDomains, ", "))
	}
	return e, nil
}

// ConfigureInput is what an HR admin types to connect a provider. An empty
// ClientSecret keeps the stored one.
type ConfigureInput struct {
	Protocol     string
	DisplayName  string
	Issuer       string
	ClientID     string
	ClientSecret string
	IdPMetadata  string
	JIT          bool
}

func (in *ConfigureInput) normalize() error {
	in.Protocol = strings.ToLower(strings.TrimSpace(in.Protocol))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Issuer = strings.TrimSuffix(strings.TrimSpace(in.Issuer), "/")
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.ClientSecret = strings.TrimSpace(in.ClientSecret)
	in.IdPMetadata = strings.TrimSpace(in.IdPMetadata)
	if in.Protocol != OIDC && in.Protocol != SAML {
		return errs.Field("protocol", "protocol %q is not one of oidc, saml", in.Protocol)
	}
	if n := utf8.RuneCountInString(in.DisplayName); n < 1 || n > 60 {
		return errs.Field("display_name", "give the identity provider a name of 1 to 60 characters, such as Entra ID or Okta")
	}
	switch in.Protocol {
	case OIDC:
		if err := checkIssuer(in.Issuer); err != nil {
			return err
		}
		if in.ClientID == "" || len(in.ClientID) > 255 {
			return errs.Field("client_id", "enter the client id (application id) the identity provider gave, up to 255 characters")
		}
		if len(in.ClientSecret) > 1024 {
			return errs.Field("client_secret", "the client secret is longer than 1024 characters")
		}
	case SAML:
		if in.IdPMetadata == "" {
			return errs.Field("idp_metadata", "paste the identity provider's SAML metadata (XML)")
		}
		if len(in.IdPMetadata) > 256<<10 {
			return errs.Field("idp_metadata", "the metadata is larger than 256 KB")
		}
	}
	return nil
}

// StatusInput turns a connection on or off, and SSO only; nil leaves as is.
type StatusInput struct {
	Enabled *bool
	SSOOnly *bool
}

// Flow is a sign-in or a test under way at the identity provider.
type Flow struct {
	Key       []byte // SHA-256 of the OIDC state or of the SAML request id
	Protocol  string
	Purpose   string
	Nonce     string
	Verifier  string // PKCE
	ActorID   *uuid.UUID
	ExpiresAt time.Time
}

// Option is what the sign-in page of a company offers.
type Option struct {
	DisplayName string
	SSOOnly     bool
}
