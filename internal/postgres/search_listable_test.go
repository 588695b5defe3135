package postgres_test

import (
	"context"
	"slices"
	"sort"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
)

// TestSearchListableFollowsAssociation checks the copy of the
// association's status that the search reads (missions.listable, migration
// 20261202000100): whatever changes the association's status or the
// mission's association, the mission is shown exactly when its
// association is verified, and no statement can set the copy to anything
// else.
func TestSearchListableFollowsAssociation(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	ctx := context.Background()
	pending, _ := c.association(catalog.AssociationPendingReview)
	ids := c.add(catalog.Mission{Title: "en attente", AssociationID: &pending}, catalog.Mission{Title: "vérifiée"})
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := c.db.ExecContext(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want ...string) {
		t.Helper()
		got := titles(c.find(catalog.Query{Text: c.token}), c.token)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: search shows %q; want %q", step, got, want)
		}
		_, err := c.search.Mission(c.ctx, ids[0], false)
		if shown := slices.Contains(want, "en attente"); shown != (err == nil) || !shown && !errs.Is(err, errs.NotFound) {
			t.Errorf("%s: reading the pending association's mission: %v; want it shown %v", step, err, shown)
		}
	}
	check("inserted under a pending association", "vérifiée")

	exec("UPDATE associations SET status = 'verified' WHERE id = ?", pending)
	check("association verified", "en attente", "vérifiée")

	exec("UPDATE associations SET status = 'suspended' WHERE id = ?", pending)
	check("association suspended", "vérifiée")

	exec("UPDATE missions SET listable = true WHERE id = ?", ids[0])
	check("the flag written by hand", "vérifiée")

	exec("UPDATE missions SET association_id = ? WHERE id = ?", pending, ids[1])
	check("the verified mission moved to the suspended association")

	exec("UPDATE missions SET association_id = ? WHERE id = ?", c.assoc, ids[1])
	exec("UPDATE associations SET status = 'verified', name = name || ' bis' WHERE id = ?", pending)
	check("moved back, and the other association verified again", "en attente", "vérifiée")

	// Every mission of the database agrees with its association, whatever
	// the other tests did meanwhile.
	var wrong []uuid.UUID
	if err := c.db.NewRaw(`SELECT m.id FROM missions AS m LEFT JOIN associations AS a ON a.id = m.association_id
		WHERE m.listable IS DISTINCT FROM (m.association_id IS NULL OR a.status = 'verified')`).Scan(ctx, &wrong); err != nil {
		t.Fatal(err)
	}
	if len(wrong) > 0 {
		t.Errorf("missions whose listable flag disagrees with their association: %v", wrong)
	}
}
