// Package identity is who is making a request and how they prove it:
// passwords, one-time links sent by mail (sign-in, reset, invitation,
// verification), server-side sessions, API tokens, sign-in rate limits and
// the audit log of what people did.
//
// There are two realms. On a company's host the people are the company's
// members and everything is stored under the company (row-level security
// makes a session of company A unknown on company B's host). On the
// platform's host the people are platform accounts: staff and association
// managers.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Kinds of principal.
const (
	KindMember   = "member"    // a company's HR admin or employee
	KindAccount  = "account"   // platform staff or association manager
	KindAPIToken = "api_token" // an integration of a company
)

// Roles of company members.
const (
	RoleHRAdmin  = "hr_admin"
	RoleEmployee = "employee"
)

// Statuses of a person.
const (
	StatusInvited             = "invited"
	StatusPendingVerification = "pending_verification"
	StatusActive              = "active"
	StatusDisabled            = "disabled"
)

// Token purposes.
const (
	PurposeSignIn = "sign_in"
	PurposeReset  = "reset"
	PurposeInvite = "invite"
	PurposeVerify = "verify"
)

// Person is someone who can sign in, in one realm.
type Person struct {
	ID           uuid.UUID
	Email        string
	FullName     string
	Role         string // members: hr_admin or employee
	Department   string
	Site         string
	Status       string
	PasswordHash string
	Staff        bool        // accounts: platform staff
	Associations []uuid.UUID // accounts: associations they manage
	// Loaded says the person was read from the database by this call,
	// not served from a cache: what it says is no older than the call.
	Loaded bool
}

// Principal is the authenticated caller of a request.
type Principal struct {
	Kind         string
	ID           uuid.UUID // member, account or API token id
	TenantID     uuid.UUID // zero on the platform side
	Email        string
	Name         string
	Role         string
	Staff        bool
	Associations []uuid.UUID
	// SessionHash identifies the session the request came with, if any.
	SessionHash []byte
	// Loaded: the person was read from the database for this request
	// (Person.Loaded), so its role is as current as a role lookup's.
	Loaded bool
}

// Label is how the audit log names the principal.
func (p *Principal) Label() string {
	if p.Email != "" {
		return p.Email
	}
	return p.Name
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller of the request, nil when anonymous.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Client describes where a request comes from, for rate limits and audit.
// It says nothing of where mailed links point: that comes from
// configuration (Config.Links), never from the request.
type Client struct {
	IP        string
	UserAgent string
}

// NewSecret returns a random token for a link, a session or an API token,
// and the SHA-256 that is stored instead of it.
func NewSecret() (plain string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, Hash(plain)
}

// Hash is the stored form of a secret. Secrets are 256 random bits, so a
// fast hash is enough: there is nothing to brute-force.
func Hash(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

// NormalizeEmail lower-cases and checks an address; field names the input.
func NormalizeEmail(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return "", errs.Field(field, "%q is not an email address", s)
	}
	return s, nil
}

// EmailDomain is the part after the @.
func EmailDomain(email string) string { return email[strings.LastIndex(email, "@")+1:] }

// Event is an entry of the audit log.
type Event struct {
	ID         uuid.UUID         `json:"id"`
	At         time.Time         `json:"at"`
	ActorKind  string            `json:"actor_kind"`
	ActorID    *uuid.UUID        `json:"actor_id,omitempty"`
	ActorLabel string            `json:"actor"`
	Action     string            `json:"action"`
	Object     string            `json:"object,omitempty"`
	Detail     map[string]string `json:"detail,omitempty"`
	IP         string            `json:"ip,omitempty"`
}

// Audit actions.
const (
	ActionSignIn         = "sign_in"
	ActionSignInFailed   = "sign_in_failed"
	ActionSignOut        = "sign_out"
	ActionSignOutAll     = "sign_out_everywhere"
	ActionPasswordReset  = "password_reset"
	ActionInvite         = "invitation_sent"
	ActionInviteRevoked  = "invitation_revoked"
	ActionInviteAccepted = "invitation_accepted"
	ActionSignUp         = "sign_up"
	ActionRoleChanged    = "role_changed"
	ActionTokenCreated   = "api_token_created"
	ActionTokenRevoked   = "api_token_revoked"
	ActionExport         = "export"
	ActionOffboard       = "offboard"
	ActionCompanyCreated = "company_created"
	ActionBranding       = "branding_changed"
	ActionClaimFiled     = "association_claim_filed"
	ActionClaimApproved  = "association_claim_approved"
	ActionClaimRejected  = "association_claim_rejected"
)
