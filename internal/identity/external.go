package identity

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// The hooks single sign-on (internal/sso) needs from identity: a person
// vouched for by the company's identity provider gets a session, and the
// company may turn passwords off.

// ExternalSignIn is a person the company's identity provider vouched for,
// by an address already matched to the company's domains.
type ExternalSignIn struct {
	Email    string
	FullName string
	Method   string // oidc or saml, for the audit log
	// CreateMissing makes an employee of an address without an account
	// (just-in-time provisioning).
	CreateMissing bool
}

// SignInExternal starts a session for the member of the company of ctx
// with in.Email: an invited or unverified member becomes active (the
// provider proved the address), a disabled one is refused, and an unknown
// address gets an account only with CreateMissing. Failure codes:
// errs.Forbidden (no account, disabled).
func (s *Service) SignInExternal(ctx context.Context, in ExternalSignIn, c Client) (string, *Principal, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return "", nil, err
	}
	p, err := s.members.ByEmail(ctx, in.Email)
	if errs.Is(err, errs.NotFound) {
		if !in.CreateMissing {
			return "", nil, errs.E(errs.Forbidden, "%s has no account at %s; ask your HR team for an invitation", in.Email, t.Name)
		}
		p, err = s.provision(ctx, t, in, c)
	}
	if err != nil {
		return "", nil, err
	}
	switch p.Status {
	case StatusDisabled:
		return "", nil, errs.E(errs.Forbidden, "the account of %s is disabled", p.Email)
	case StatusInvited, StatusPendingVerification:
		if p, err = s.members.Update(ctx, p.ID, func(p *Person) error {
			if p.Status != StatusDisabled {
				p.Status = StatusActive
			}
			return nil
		}); err != nil {
			return "", nil, err
		}
		if p.Status != StatusActive {
			return "", nil, errs.E(errs.Forbidden, "the account of %s is disabled", p.Email)
		}
	}
	plain, hash := NewSecret()
	ev := Event{ActorKind: KindMember, ActorID: &p.ID, ActorLabel: p.Email, Action: ActionSignIn, Object: "person:" + p.Email,
		IP: c.IP, Detail: map[string]string{"method": in.Method}}
	if err := s.members.StartSession(ctx, p.ID, hash, time.Now().Add(s.cfg.SessionTTL), c, ev); err != nil {
		return "", nil, err
	}
	pr := s.principal(ctx, p)
	pr.SessionHash = hash
	return plain, pr, nil
}

// provision creates the employee of a first sign-in; two sign-ins racing
// for the same address make one account.
func (s *Service) provision(ctx context.Context, t *tenants.Tenant, in ExternalSignIn, c Client) (*Person, error) {
	p, err := s.validateInvite(t, InviteInput{Email: in.Email, FullName: in.FullName})
	if err != nil {
		return nil, err
	}
	p.ID, p.Status = uuid.Must(uuid.NewV7()), StatusActive
	if err := s.members.Create(ctx, p, "", nil, time.Time{}); err != nil {
		if errs.Is(err, errs.Conflict) {
			return s.members.ByEmail(ctx, in.Email)
		}
		return nil, err
	}
	err = s.members.Record(ctx, Event{ActorKind: KindMember, ActorID: &p.ID, ActorLabel: p.Email, Action: ActionSignUp,
		Object: "member:" + p.Email, IP: c.IP, Detail: map[string]string{"method": in.Method, "provisioned": "just_in_time"}})
	return p, err
}

// PasswordPolicy says whether a company signs in through its identity
// provider only (sso.Service implements it).
type PasswordPolicy interface {
	PasswordsOff(ctx context.Context) (bool, error)
}

// UsePasswordPolicy makes the password, sign-in link, reset, invitation
// and sign-up flows ask policy first.
func (s *Service) UsePasswordPolicy(policy PasswordPolicy) { s.passwords = policy }

// ErrSSOOnly is the answer to a password flow of a company that signs in
// through its identity provider only.
var ErrSSOOnly = errs.E(errs.Forbidden, "your company signs in through its identity provider: use the single sign-on button")

// passwordsAllowed refuses the password flows of an SSO-only company. The
// platform's side (staff, association managers) is never SSO-only: that
// is the break-glass (docs/sso.md).
func (s *Service) passwordsAllowed(ctx context.Context) error {
	if s.passwords == nil {
		return nil
	}
	if _, ok := tenants.FromContext(ctx); !ok {
		return nil
	}
	off, err := s.passwords.PasswordsOff(ctx)
	if err != nil {
		return err
	}
	if off {
		return ErrSSOOnly
	}
	return nil
}
