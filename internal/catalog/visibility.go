package catalog

import (
	"slices"

	"github.com/google/uuid"
)

// Visibility is what decides whether a company's people see a mission.
// Its SQL twin is postgres.missionVisibleSQL; nothing else spells the rule.
type Visibility struct {
	Status string
	// AssociationID is nil for a mission the platform curates (the vital
	// missions); AssociationStatus is its association's status otherwise.
	AssociationID     *uuid.UUID
	AssociationStatus string
	// Audience is "all" (every company) or "listed" (Companies only).
	Audience  string
	Companies []uuid.UUID
}

// Listable reports whether a mission in this status is shown at all: open,
// or full (its waiting list takes volunteers).
func Listable(status string) bool { return status == MissionOpen || status == MissionFull }

// Vetted reports whether the mission's association was verified by staff,
// or the mission is the platform's own.
func (v Visibility) Vetted() bool {
	return v.AssociationID == nil || v.AssociationStatus == AssociationVerified
}

// ShownTo reports whether the mission is offered to the company: to every
// company, or listed for this one.
func (v Visibility) ShownTo(company uuid.UUID) bool {
	return v.Audience != "listed" || slices.Contains(v.Companies, company)
}

// VisibleTo is the rule: a company's people see a mission that is listable,
// vetted and shown to their company.
func (v Visibility) VisibleTo(company uuid.UUID) bool {
	return Listable(v.Status) && v.Vetted() && v.ShownTo(company)
}
