package catalog

import (
	"testing"

	"github.com/google/uuid"
)

func TestVisibleTo(t *testing.T) {
	t.Parallel()
	acme, globex := uuid.New(), uuid.New()
	assoc := uuid.New()
	of := func(status, assocStatus, audience string, companies ...uuid.UUID) Visibility {
		v := Visibility{Status: status, AssociationStatus: assocStatus, Audience: audience, Companies: companies}
		if assocStatus != "" {
			v.AssociationID = &assoc
		}
		return v
	}
	seen := map[string]Visibility{
		"open, verified association, every company": of(MissionOpen, AssociationVerified, "all"),
		"full: its waiting list takes volunteers":   of(MissionFull, AssociationVerified, "all"),
		"a vital mission, curated by the platform":  of(MissionOpen, "", "all"),
		"listed for Acme among others":              of(MissionOpen, AssociationVerified, "listed", globex, acme),
	}
	hidden := map[string]Visibility{
		"a draft":                         of(MissionDraft, AssociationVerified, "all"),
		"closed":                          of(MissionClosed, AssociationVerified, "all"),
		"flagged by staff":                of(MissionFlagged, AssociationVerified, "all"),
		"association pending review":      of(MissionOpen, AssociationPendingReview, "all"),
		"association suspended":           of(MissionOpen, AssociationSuspended, "all"),
		"listed for another company only": of(MissionOpen, AssociationVerified, "listed", globex),
		"listed for nobody":               of(MissionOpen, AssociationVerified, "listed"),
	}
	for name, v := range seen {
		if !v.VisibleTo(acme) {
			t.Errorf("%s: hidden from Acme; want visible", name)
		}
	}
	for name, v := range hidden {
		if v.VisibleTo(acme) {
			t.Errorf("%s: visible to Acme; want hidden", name)
		}
	}
}
