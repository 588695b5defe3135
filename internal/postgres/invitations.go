package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
)

// The storage of invitations (identity/invitations.go): pending ones are
// members in the invited status with an unused invitation token.

// Invitations lists invited members who have not arrived yet.
func (s *People) Invitations(ctx context.Context) ([]identity.Invitation, error) {
	var out []identity.Invitation
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID         uuid.UUID `bun:"id"`
			Email      string    `bun:"email"`
			FullName   string    `bun:"full_name"`
			Role       string    `bun:"role"`
			Department string    `bun:"department"`
			Site       string    `bun:"site"`
			InvitedAt  time.Time `bun:"invited_at"`
			ExpiresAt  time.Time `bun:"expires_at"`
		}
		err := tx.NewRaw(`SELECT m.id, m.email, m.full_name, m.role, m.department, m.site,
				coalesce(m.invited_at, m.created_at) AS invited_at, coalesce(t.expires_at, m.created_at) AS expires_at
			FROM members m
			LEFT JOIN LATERAL (SELECT max(expires_at) AS expires_at FROM member_tokens mt
				WHERE mt.member_id = m.id AND mt.purpose = 'invite' AND mt.used_at IS NULL) t ON true
			WHERE m.status = 'invited' ORDER BY invited_at DESC, m.email`).Scan(ctx, &rows)
		for _, r := range rows {
			out = append(out, identity.Invitation{MemberID: r.ID, Email: r.Email, FullName: r.FullName, Role: r.Role,
				Department: r.Department, Site: r.Site, InvitedAt: r.InvitedAt, ExpiresAt: r.ExpiresAt, Expired: r.ExpiresAt.Before(time.Now())})
		}
		return err
	})
	return out, err
}

// ReissueInvite issues a new invitation link unless the last one is less
// than gap old. The member's row lock serialises concurrent resends, so the
// second reads the first's link; the age is measured by the clock, not the
// transaction's start, which may precede the first's commit.
func (s *People) ReissueInvite(ctx context.Context, memberID uuid.UUID, hash []byte, expires time.Time, gap time.Duration) (time.Duration, error) {
	var wait time.Duration
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var id uuid.UUID
		if err := tx.NewRaw("SELECT id FROM members WHERE id = ? AND status = 'invited' FOR UPDATE", memberID).Scan(ctx, &id); err != nil {
			return err
		}
		var left float64
		if err := tx.NewRaw(`SELECT coalesce(extract(epoch FROM max(created_at) + make_interval(secs => ?) - clock_timestamp()), 0)
			FROM member_tokens WHERE member_id = ? AND purpose = 'invite'`, gap.Seconds(), memberID).Scan(ctx, &left); err != nil {
			return err
		}
		if left > 0 {
			wait = time.Duration(left * float64(time.Second))
			return nil
		}
		return s.insertToken(ctx, tx, memberID, identity.PurposeInvite, hash, expires, nil)
	})
	if errs.Is(err, errs.NotFound) {
		return 0, errs.E(errs.NotFound, "no pending invitation with this id")
	}
	return wait, err
}

// RevokeInvitation deletes a member who never arrived.
func (s *People) RevokeInvitation(ctx context.Context, memberID uuid.UUID) (*identity.Person, error) {
	var p personRow
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("DELETE FROM members WHERE id = ? AND status = 'invited' RETURNING id, email, full_name, status, role",
			memberID).Scan(ctx, &p)
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.NotFound, "no pending invitation with this id")
	}
	if err != nil {
		return nil, err
	}
	return p.person(), nil
}
