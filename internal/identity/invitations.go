package identity

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// Invitations: how a person joins a company. HR invites (one by one or
// from a CSV import), the invitation is mailed and may be resent (not
// twice within a minute) or revoked, and the person accepts it by choosing
// a name and a password. The HTTP side is httpapi/invitations.go, the
// storage postgres/invitations.go.

// Invitation is a member invited and not yet arrived.
type Invitation struct {
	MemberID   uuid.UUID `json:"id"`
	Email      string    `json:"email"`
	FullName   string    `json:"full_name"`
	Role       string    `json:"role"`
	Department string    `json:"department"`
	Site       string    `json:"site"`
	InvitedAt  time.Time `json:"invited_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Expired    bool      `json:"expired"`
}

// Invitations lists the company's pending invitations.
func (s *Service) Invitations(ctx context.Context) ([]Invitation, error) {
	return s.members.Invitations(ctx)
}

// InviteInput is one person to invite into a company.
type InviteInput struct {
	Email, FullName, Department, Site, Role string
}

// Invite adds an invited member to the company of ctx and mails them a link.
// Failure codes: errs.Invalid (bad email, wrong domain, bad role),
// errs.Conflict (already a member).
func (s *Service) Invite(ctx context.Context, actor *Principal, in InviteInput, c Client) (*Person, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.validateInvite(t, in)
	if err != nil {
		return nil, err
	}
	plain, hash := NewSecret()
	expires := time.Now().Add(s.cfg.InviteTTL)
	err = s.Unit(ctx, func(ctx context.Context) error {
		if err := s.members.Create(ctx, p, PurposeInvite, hash, expires); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Wrap(err, errs.Conflict, "%s is already a member or invited", p.Email)
			}
			return err
		}
		if err := s.record(ctx, actor, ActionInvite, "member:"+p.Email, c, map[string]string{"role": p.Role}); err != nil {
			return err
		}
		return s.mailInvitation(ctx, actor, t, p, plain, expires, c)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Service) validateInvite(t *tenants.Tenant, in InviteInput) (*Person, error) {
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	if len(t.EmailDomains) > 0 && !slices.Contains(t.EmailDomains, EmailDomain(email)) {
		return nil, errs.Field("email", "%s is not an address of %s (%s)", email, t.Name, strings.Join(t.EmailDomains, ", "))
	}
	role := in.Role
	if role == "" {
		role = RoleEmployee
	}
	if role != RoleEmployee && role != RoleHRAdmin {
		return nil, errs.Field("role", "role %q is not one of employee, hr_admin", role)
	}
	name := strings.TrimSpace(in.FullName)
	if name == "" {
		name = strings.Split(email, "@")[0]
	}
	if utf8.RuneCountInString(name) > 200 {
		return nil, errs.Field("full_name", "the name is longer than 200 characters")
	}
	return &Person{ID: uuid.Must(uuid.NewV7()), Email: email, FullName: name, Role: role,
		Department: strings.TrimSpace(in.Department), Site: strings.TrimSpace(in.Site), Status: StatusInvited}, nil
}

func (s *Service) mailInvitation(ctx context.Context, actor *Principal, t *tenants.Tenant, p *Person, plain string, expires time.Time, c Client) error {
	inviter := ""
	if actor != nil && actor.Kind != KindAPIToken {
		inviter = actor.Name
	}
	err := s.mailer.Notify(ctx, Mail{Template: MailInvitation, Locale: t.Locale, To: p.Email, Name: p.FullName,
		Company: t.Name, Inviter: inviter, Admin: p.Role == RoleHRAdmin, Link: s.link(ctx, "/auth/invitation", plain),
		ValidFor: time.Until(expires).Round(time.Hour)})
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "the invitation of %s could not be queued, so it was not saved; try again later", p.Email)
	}
	return nil
}

// ResendInvitation issues a new link (the old one stops working) and mails it.
func (s *Service) ResendInvitation(ctx context.Context, actor *Principal, memberID uuid.UUID, c Client) error {
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	p, err := s.members.ByID(ctx, memberID)
	if err != nil || p.Status != StatusInvited {
		return errs.E(errs.NotFound, "no pending invitation with this id")
	}
	plain, hash := NewSecret()
	expires := time.Now().Add(s.cfg.InviteTTL)
	return s.Unit(ctx, func(ctx context.Context) error {
		// Decided under the member's row lock, in the unit that mails: two
		// clicks, or two admins, send one mail.
		wait, err := s.members.ReissueInvite(ctx, p.ID, hash, expires, s.cfg.ResendAfter)
		if err != nil {
			return err
		}
		if wait > 0 {
			return errs.Later(wait, "an invitation was just sent to %s: you can send it again in %d seconds",
				p.Email, int(math.Ceil(wait.Seconds())))
		}
		if err := s.record(ctx, actor, ActionInvite, "member:"+p.Email, c, map[string]string{"resent": "true"}); err != nil {
			return err
		}
		return s.mailInvitation(ctx, actor, t, p, plain, expires, c)
	})
}

// RevokeInvitation withdraws an invitation that was not accepted yet.
func (s *Service) RevokeInvitation(ctx context.Context, actor *Principal, memberID uuid.UUID, c Client) error {
	p, err := s.members.RevokeInvitation(ctx, memberID)
	if err != nil {
		return err
	}
	return s.record(ctx, actor, ActionInviteRevoked, "member:"+p.Email, c, nil)
}

// AcceptInvitation redeems an invitation: the person chooses a password
// (and may correct their name) and is signed in. Works on both realms.
func (s *Service) AcceptInvitation(ctx context.Context, token, fullName, password string, c Client) (string, *Principal, error) {
	if err := s.passwordsAllowed(ctx); err != nil {
		return "", nil, err
	}
	hash, err := s.HashPassword("password", password)
	if err != nil {
		return "", nil, err
	}
	fullName = strings.TrimSpace(fullName)
	if utf8.RuneCountInString(fullName) > 200 {
		return "", nil, errs.Field("full_name", "the name is longer than 200 characters")
	}
	dir := s.dir(ctx)
	p, err := dir.RedeemToken(ctx, Hash(token), PurposeInvite, func(p *Person) error {
		if p.Status == StatusDisabled {
			return errs.E(errs.Gone, "this account is disabled")
		}
		p.Status, p.PasswordHash = StatusActive, hash
		if fullName != "" {
			p.FullName = fullName
		}
		return nil
	})
	if err != nil {
		return "", nil, linkError(err)
	}
	return s.startSession(ctx, dir, p, c, ActionInviteAccepted)
}
