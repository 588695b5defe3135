package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Member is a person of a company as the company sees them.
type Member struct {
	bun.BaseModel `bun:"table:members"`

	TenantID   uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	ID         uuid.UUID `bun:"id,pk,type:uuid"`
	Email      string    `bun:"email"`
	FullName   string    `bun:"full_name"`
	Role       string    `bun:"role"`
	Department string    `bun:"department"`
	Site       string    `bun:"site"`
	Status     string    `bun:"status"`
	CreatedAt  time.Time `bun:"created_at,nullzero,default:now()"`
}

// MemberStore reads and writes the members of the tenant in the context.
type MemberStore struct{ db *DB }

// NewMemberStore returns a MemberStore on db.
func NewMemberStore(db *DB) *MemberStore { return &MemberStore{db: db} }

// Count returns how many members the current company has, by status.
func (s *MemberStore) Count(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			Status string
			N      int
		}
		if err := tx.NewSelect().Model((*Member)(nil)).Column("status").ColumnExpr("count(*) AS n").
			Group("status").Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out[r.Status] = r.N
		}
		return nil
	})
	return out, err
}
