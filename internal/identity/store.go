package identity

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Directory stores the people of one realm and their credentials. On a
// company's side every method works within the company of the context.
// Failure codes: errs.NotFound for an unknown person, session or link;
// errs.Conflict for an email already used in the realm.
type Directory interface {
	ByEmail(ctx context.Context, email string) (*Person, error)
	ByID(ctx context.Context, id uuid.UUID) (*Person, error)
	// Create adds a person (sign-up, invitation) and, when tokenHash is set,
	// the one-time link that goes with it, in one transaction.
	Create(ctx context.Context, p *Person, purpose string, tokenHash []byte, expires time.Time) error
	// Update changes a person under a row lock.
	Update(ctx context.Context, id uuid.UUID, fn func(*Person) error) (*Person, error)

	// StartSession records a sign-in: the session, the person's last
	// sign-in and the audit event, in one transaction.
	StartSession(ctx context.Context, personID uuid.UUID, hash []byte, expires time.Time, c Client, ev Event) error
	// Session returns the person of a live session of an active person and
	// pushes its expiry to extendTo.
	Session(ctx context.Context, hash []byte, extendTo time.Time) (*Person, error)
	EndSession(ctx context.Context, hash []byte) error
	EndSessions(ctx context.Context, personID uuid.UUID) error

	// IssueToken stores a one-time link, voiding the person's unused links
	// of the same purpose.
	IssueToken(ctx context.Context, personID uuid.UUID, purpose string, hash []byte, expires time.Time) error
	// RedeemToken uses an unexpired, unused link exactly once (concurrent
	// redemptions: one wins) and applies fn to its person in the same
	// transaction. Fails with errs.NotFound for an unknown, used or expired link.
	RedeemToken(ctx context.Context, hash []byte, purpose string, fn func(*Person) error) (*Person, error)

	Record(ctx context.Context, ev Event) error
	// Audit reads the realm's log, newest first, before a time.
	Audit(ctx context.Context, q AuditQuery) ([]Event, error)
}

// Members is the company side's directory, with invitations.
type Members interface {
	Directory
	Invitations(ctx context.Context) ([]Invitation, error)
	// ReissueInvite replaces a pending invitation's link with hash, under
	// the member's row lock, unless its last link was issued less than gap
	// ago: then it issues nothing and says how long is left (concurrent
	// resends: one issues, the others wait). errs.NotFound when there is
	// no pending invitation with that id.
	ReissueInvite(ctx context.Context, memberID uuid.UUID, hash []byte, expires time.Time, gap time.Duration) (wait time.Duration, err error)
	// RevokeInvitation deletes an invited member; errs.NotFound when there
	// is no pending invitation with that id.
	RevokeInvitation(ctx context.Context, memberID uuid.UUID) (*Person, error)
	// List returns the company's members, invited ones included, by name.
	List(ctx context.Context) ([]Person, error)
}

// AuditQuery is a page of the audit log, newest first: Limit events
// strictly older than (Before, BeforeID), the last event of the previous
// page (BeforeID nil: older than Before), of one Action if set.
type AuditQuery struct {
	Limit    int
	Before   time.Time
	BeforeID uuid.UUID
	Action   string
}

// APIToken is an integration's credential, shown once at creation.
type APIToken struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedBy  uuid.UUID  `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// ExpiresAt is when the token stops working by itself; nil for never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Scopes are the interfaces the token reaches: ScopeAPI (/api/v1,
	// with Role) and ScopeSCIM (/scim/v2, an identity provider's
	// provisioning).
	Scopes []string `json:"scopes"`
}

// Token scopes.
const (
	ScopeAPI  = "api"
	ScopeSCIM = "scim"
)

// Expired tells whether the token has stopped working by itself.
func (t *APIToken) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// APITokens stores a company's API tokens.
type APITokens interface {
	CreateToken(ctx context.Context, t *APIToken, hash []byte) error
	// TokenByHash returns a live (unrevoked, unexpired) token; errs.NotFound
	// otherwise.
	TokenByHash(ctx context.Context, hash []byte) (*APIToken, error)
	Tokens(ctx context.Context) ([]APIToken, error)
	// RevokeToken fails with errs.NotFound for an unknown or revoked token.
	RevokeToken(ctx context.Context, id uuid.UUID) (*APIToken, error)
}

// Limiter counts attempts shared by every server instance, over the last
// window-long span (a sliding window).
type Limiter interface {
	// Hit counts one attempt under key and reports whether the span's
	// count stays within limit, and if not, how long until it is.
	Hit(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
	// Hits is the span's count under key, without adding one, and how
	// long until it is below limit.
	Hits(ctx context.Context, key string, limit int, window time.Duration) (hits int, retryAfter time.Duration, err error)
}

// Mail is one message of an identity flow; the mail package renders it.
type Mail struct {
	Template    string // one of the Mail* constants
	Locale      string
	To          string
	Name        string // the recipient's name
	Company     string // the company, or the association for MailVerifyEmail
	Inviter     string
	Admin       bool
	Link        string
	ValidFor    time.Duration
	Association string
	Status      string // a claim's decision, for MailAssociationClaim
	Reason      string // why a claim was rejected
}

// Mail templates.
const (
	MailInvitation          = "invitation"
	MailSignIn              = "signin"
	MailPasswordReset       = "password-reset"
	MailCoManagerInvitation = "comanager-invitation"
	MailVerifyEmail         = "verify-email"
	MailAssociationClaim    = "association-claim"
)

// Mailer sends the mails of identity flows. Failure codes: errs.Invalid
// (the address is refused), errs.Unavailable (the mail server is down).
type Mailer interface {
	Notify(ctx context.Context, m Mail) error
}
