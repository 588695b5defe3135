package postgres

import (
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// signUp is one employee's sign-up on its way through applyTogether.
type signUp struct {
	combined
	tenant uuid.UUID
	member uuid.UUID
	in     campaign.ApplyInput
	decide func(*campaign.Snapshot) (string, error)
	// The participation's id: a uuid v7, so that the sign-ups of one
	// transaction take places in the order they came.
	id uuid.UUID

	// Set by the transaction that took it (err is combined's).
	out     *campaign.Participation
	noted   bool
	refused *campaign.Snapshot
}

// signUpsTogether says whether su may share the transaction of batch, of
// its company: at most one sign-up per employee (the second must see the
// first's).
func signUpsTogether(batch []*signUp, su *signUp) bool {
	for _, b := range batch {
		if b.member == su.member {
			return false
		}
	}
	return true
}
