package identity

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// A claim is an account's request to manage an association that already
// exists on Vendredi. Its legal id (RNA, SIRET) is public, so knowing it
// proves nothing: staff check the claimer is who they say, and until they
// approve, the claimer reaches nothing of the association.

// Claim statuses.
const (
	ClaimPending  = "pending"
	ClaimApproved = "approved"
	ClaimRejected = "rejected"
)

// Claim is one request to manage an existing association.
type Claim struct {
	ID                uuid.UUID  `json:"id"`
	AssociationID     uuid.UUID  `json:"association_id"`
	AssociationName   string     `json:"association_name"`
	LegalID           string     `json:"legal_id"`
	AssociationStatus string     `json:"association_status"`
	AccountID         uuid.UUID  `json:"account_id"`
	Email             string     `json:"email"`
	FullName          string     `json:"full_name"`
	EmailVerified     bool       `json:"email_verified"`
	Status            string     `json:"status"`
	Reason            string     `json:"reason,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	DecidedAt         *time.Time `json:"decided_at,omitempty"`
}

// Claims stores the claims. Failure codes: errs.NotFound for an unknown
// claim, errs.Conflict for one already decided or an association that has
// found managers meanwhile.
type Claims interface {
	// Claims lists the claims of one status, oldest first.
	Claims(ctx context.Context, status string) ([]Claim, error)
	// ClaimsOf lists an account's claims, newest first.
	ClaimsOf(ctx context.Context, accountID uuid.UUID) ([]Claim, error)
	// DecideClaim approves (the account becomes a manager) or rejects a
	// pending claim, under a lock on it.
	DecideClaim(ctx context.Context, id uuid.UUID, approve bool, reason string, by uuid.UUID) (*Claim, error)
}

// PendingClaims is the staff's queue of claims, oldest first.
func (s *Service) PendingClaims(ctx context.Context) ([]Claim, error) {
	return s.platform.Claims(ctx, ClaimPending)
}

// ClaimsOf lists the caller's own claims, for their home page.
func (s *Service) ClaimsOf(ctx context.Context, actor *Principal) ([]Claim, error) {
	if actor == nil || actor.Kind != KindAccount {
		return nil, nil
	}
	return s.platform.ClaimsOf(ctx, actor.ID)
}

// DecideClaim lets staff approve a claim, or reject it with a reason the
// claimer reads; the claimer is told by mail either way, the mail queued
// with the decision (a decision that cannot queue its mail is not stored).
func (s *Service) DecideClaim(ctx context.Context, actor *Principal, id uuid.UUID, approve bool, reason string, c Client) (*Claim, error) {
	if actor == nil || !actor.Staff {
		return nil, errs.E(errs.NotFound, "no such claim")
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return nil, errs.Field("reason", "say why the claim is rejected: the claimer reads it")
	}
	if utf8.RuneCountInString(reason) > 2000 {
		return nil, errs.Field("reason", "the reason is 2000 characters at most")
	}
	var cl *Claim
	err := s.Unit(ctx, func(ctx context.Context) (err error) {
		if cl, err = s.platform.DecideClaim(ctx, id, approve, reason, actor.ID); err != nil {
			return err
		}
		action := ActionClaimApproved
		if !approve {
			action = ActionClaimRejected
		}
		if err := s.platform.RecordPlatform(ctx, Event{ActorKind: actor.Kind, ActorID: &actor.ID, ActorLabel: actor.Label(),
			Action: action, Object: "association:" + cl.AssociationID.String(), IP: c.IP,
			Detail: map[string]string{"claimer": cl.Email, "reason": reason}}); err != nil {
			return err
		}
		return s.mailer.Notify(ctx, Mail{Template: MailAssociationClaim, Locale: "fr", To: cl.Email, Name: cl.FullName,
			Association: cl.AssociationName, Status: cl.Status, Reason: cl.Reason, Link: s.cfg.Links.Platform() + "/sign-in"})
	})
	if err != nil {
		return nil, err
	}
	return cl, nil
}
