// Package platform holds what platform staff read across every company:
// the figures they follow, the vital missions, the signers of associations.
// Its types are filled by the store; the staff pages show them.
package platform

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Figures are the numbers platform staff follow, across every
// company.
type Figures struct {
	CompaniesActive    int
	CompaniesSuspended int
	// People are the companies' members who joined; Invited, those whose
	// invitation is not accepted yet. Disabled members count in neither.
	People  int
	Invited int
	// Associations counts associations by status (draft, pending_review,
	// verified, rejected, suspended), every status present.
	Associations map[string]int
	// OpenMissions are the missions employees can sign up for (or be
	// redirected from): open, and vital or of a verified association.
	OpenMissions int
	// Participations are sign-ups in any status; hours are those logged
	// and not rejected. "30" means in the last 30 days (sign-up date, day
	// worked).
	Participations, Participations30 int
	Hours, Hours30                   float64
	// Vital are the vital missions with their click-throughs to the
	// Réserve Civique; Redirects and Redirects30 are their sums.
	Vital                  []VitalMission
	Redirects, Redirects30 int
	At                     time.Time
}

// VitalMission is a vital mission as staff list it.
type VitalMission struct {
	ID          uuid.UUID `bun:"id"`
	Category    string    `bun:"vital_category"`
	LabelFR     string    `bun:"label_fr"`
	LabelEN     string    `bun:"label_en"`
	Title       string    `bun:"title"`
	Status      string    `bun:"status"`
	Format      string    `bun:"format"`
	ExternalURL string    `bun:"external_url"`
	Redirects   int       `bun:"-"`
	Redirects30 int       `bun:"-"`
}

// CompanyPeople counts a company's members.
type CompanyPeople struct {
	Active, Invited int
}

// Signer is a manager of an association, the first of whom signed it up.
type Signer struct {
	AssociationID uuid.UUID `bun:"association_id"`
	FullName      string    `bun:"full_name"`
	Email         string    `bun:"email"`
	Since         time.Time `bun:"created_at"`
}

// Reader reads across the platform for the staff pages.
type Reader interface {
	Figures(ctx context.Context) (*Figures, error)
	PeopleByCompany(ctx context.Context) (map[uuid.UUID]CompanyPeople, error)
	VitalMissions(ctx context.Context) ([]VitalMission, error)
	Signers(ctx context.Context, associations []uuid.UUID) (map[uuid.UUID][]Signer, error)
}
