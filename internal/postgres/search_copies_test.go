package postgres_test

import (
	"context"
	"slices"
	"sort"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun/dialect/pgdialect"

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

// TestSearchSkillCodesFollowMissionSkills checks the other copy the search
// reads (missions.skill_codes, migration 20261202000101): whatever
// statement adds, changes or removes a mission's skills, the skill filter
// finds exactly the missions asking for one of them, and no statement can
// set the copy to anything else.
func TestSearchSkillCodesFollowMissionSkills(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	ctx := context.Background()
	ids := c.add(
		catalog.Mission{Title: "web", Skills: []catalog.SkillNeed{{Skill: "it.web-dev", Level: 2, Required: true}}},
		catalog.Mission{Title: "compta", Skills: []catalog.SkillNeed{{Skill: "finance.accounting", Level: 3, Required: true}}},
		catalog.Mission{Title: "sans"},
	)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := c.db.ExecContext(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step, skill string, want ...string) {
		t.Helper()
		got := titles(c.find(catalog.Query{Skills: []string{skill}}), c.token)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: skills=%s shows %q; want %q", step, skill, got, want)
		}
	}
	check("loaded", "it.web-dev", "web")
	check("loaded", "finance.accounting", "compta")

	exec("INSERT INTO mission_skills (mission_id, skill) VALUES (?, 'it.web-dev'), (?, 'it.web-dev')", ids[1], ids[2])
	check("two missions given the skill in one statement", "it.web-dev", "web", "compta", "sans")

	exec("UPDATE mission_skills SET skill = 'finance.accounting' WHERE mission_id = ? AND skill = 'it.web-dev'", ids[2])
	check("a skill changed", "it.web-dev", "web", "compta")
	check("a skill changed", "finance.accounting", "compta", "sans")

	exec("DELETE FROM mission_skills WHERE mission_id = ANY (?)", pgdialect.Array(ids[:2]))
	check("skills removed", "it.web-dev")
	check("skills removed", "finance.accounting", "sans")

	exec("UPDATE missions SET skill_codes = '{it.web-dev}' WHERE id = ?", ids[0])
	check("the copy written by hand", "it.web-dev")

	var wrong []uuid.UUID
	if err := c.db.NewRaw(`SELECT m.id FROM missions AS m
		WHERE m.skill_codes IS DISTINCT FROM ARRAY(SELECT s.skill FROM mission_skills AS s WHERE s.mission_id = m.id ORDER BY s.skill)`).Scan(ctx, &wrong); err != nil {
		t.Fatal(err)
	}
	if len(wrong) > 0 {
		t.Errorf("missions whose skill_codes disagree with mission_skills: %v", wrong)
	}
}
