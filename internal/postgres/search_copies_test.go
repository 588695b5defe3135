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
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
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

// TestSearchShowsTheMissionsSkills: the skills a search result and a
// mission's page show are the mission's, required first, then by level,
// after each statement that adds, changes or removes one (they are a copy
// on the mission, migration 20261205000000), and a statement that writes
// the copy by hand is computed over.
func TestSearchShowsTheMissionsSkills(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	ctx := context.Background()
	ids := c.add(catalog.Mission{Title: "web", Skills: []catalog.SkillNeed{
		{Skill: "it.web-dev", Level: 2, Required: true}, {Skill: "finance.accounting", Level: 3}}})
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := c.db.ExecContext(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want ...catalog.SkillNeed) {
		t.Helper()
		found := c.find(catalog.Query{})
		if len(found) != 1 {
			t.Fatalf("%s: %d missions found; want 1", step, len(found))
		}
		page, err := c.search.Mission(c.ctx, ids[0], false)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range [][]catalog.SkillNeed{found[0].Skills, page.Skills} {
			if !slices.Equal(got, want) {
				t.Errorf("%s: skills shown %v; want %v", step, got, want)
			}
		}
	}
	check("loaded", catalog.SkillNeed{Skill: "it.web-dev", Level: 2, Required: true}, catalog.SkillNeed{Skill: "finance.accounting", Level: 3})

	exec("UPDATE mission_skills SET level = 4 WHERE mission_id = ? AND skill = 'it.web-dev'", ids[0])
	exec("INSERT INTO mission_skills (mission_id, skill, level, required) VALUES (?, 'communication.writing', 1, true)", ids[0])
	check("a level raised and a skill added",
		catalog.SkillNeed{Skill: "it.web-dev", Level: 4, Required: true}, catalog.SkillNeed{Skill: "communication.writing", Level: 1, Required: true},
		catalog.SkillNeed{Skill: "finance.accounting", Level: 3})

	exec(`UPDATE missions SET skills = '[{"skill": "x", "level": 5, "required": true}]' WHERE id = ?`, ids[0])
	check("the copy written by hand",
		catalog.SkillNeed{Skill: "it.web-dev", Level: 4, Required: true}, catalog.SkillNeed{Skill: "communication.writing", Level: 1, Required: true},
		catalog.SkillNeed{Skill: "finance.accounting", Level: 3})

	exec("DELETE FROM mission_skills WHERE mission_id = ? AND skill <> 'finance.accounting'", ids[0])
	check("skills removed", catalog.SkillNeed{Skill: "finance.accounting", Level: 3})

	exec("DELETE FROM mission_skills WHERE mission_id = ?", ids[0])
	check("every skill removed")
}

// derivedAsComputed says, for a mission, whether its search, search_title
// and geo hold what their expressions give for its current row (migration
// 20261204000000: a trigger computes them, where they were generated
// columns).
const derivedAsComputed = `SELECT
	search IS NOT DISTINCT FROM (
		setweight(to_tsvector('app.french_unaccent', coalesce(title, '')), 'A') ||
		setweight(to_tsvector('app.french_unaccent', coalesce(description, '')), 'B') ||
		setweight(to_tsvector('app.french_unaccent', coalesce(city, '') || ' ' || coalesce(organizer, '')), 'C')) AS search,
	search_title IS NOT DISTINCT FROM to_tsvector('app.french_unaccent', coalesce(title, '')) AS search_title,
	geo::text IS NOT DISTINCT FROM point(lon, lat)::text AS geo
	FROM missions WHERE id = ?`

// TestSearchDerivedColumnsFollowTheirInputs: whichever of a mission's
// title, description, city, organiser or place changes, its words and its
// point are those of the new row (the search finds it by the new word),
// and a statement writing them directly is computed over.
func TestSearchDerivedColumnsFollowTheirInputs(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	ctx := context.Background()
	id := c.add(catalog.Mission{Title: "Renfort comptable", Description: "Tenir les comptes de l'association",
		Format: catalog.OnSite, City: "Lyon"})[0]
	check := func(step string) {
		t.Helper()
		var got struct {
			Search      bool `bun:"search"`
			SearchTitle bool `bun:"search_title"`
			Geo         bool `bun:"geo"`
		}
		if err := c.db.NewRaw(derivedAsComputed, id).Scan(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !got.Search || !got.SearchTitle || !got.Geo {
			t.Errorf("%s: as their expressions give them: search %v, search_title %v, geo %v; want all true",
				step, got.Search, got.SearchTitle, got.Geo)
		}
	}
	check("inserted")
	for _, col := range []string{"title", "description", "city", "organizer"} {
		word := madeUpWord()
		if _, err := c.db.ExecContext(ctx, "UPDATE missions SET ? = ? || ' ' || ? WHERE id = ?",
			bunIdent(col), bunIdent(col), word, id); err != nil {
			t.Fatal(err)
		}
		check(col + " changed")
		if got := c.find(catalog.Query{Text: word}); len(got) != 1 || got[0].ID != id {
			t.Errorf("%s changed: searching its new word finds %d missions; want the mission", col, len(got))
		}
	}
	for _, set := range []string{"lat = 48.8566", "lon = 2.3522"} {
		if _, err := c.db.ExecContext(ctx, "UPDATE missions SET "+set+" WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
		check(set)
	}
	paris := catalog.Point{Lat: 48.85, Lon: 2.35}
	if got := c.find(catalog.Query{Near: &paris, RadiusKM: 5}); len(got) != 1 || got[0].ID != id {
		t.Errorf("moved to Paris: %d missions within 5 km of Paris; want the mission", len(got))
	}
	if _, err := c.db.ExecContext(ctx, `UPDATE missions SET search = to_tsvector('simple', 'faux'),
		search_title = NULL, geo = point(0, 0) WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	check("written directly")
	if _, err := c.db.ExecContext(ctx, "UPDATE missions SET search = NULL, title = title WHERE id = ?", id); err != nil {
		t.Fatal(err)
	}
	check("search cleared with its inputs set as they were")
}

// TestMissionWordsAreComputedOnlyWhenTheirInputsChange: a sign-up's move
// of places left, a change of the mission's skills and one of its
// association's status do not compute the mission's words again (as the
// generated columns did, on every UPDATE of the row, since missions has
// BEFORE UPDATE triggers): for a description of a thousand characters,
// most of what such an UPDATE cost. The words' configuration is changed
// in a transaction that is rolled back: words computed again would be
// the new configuration's, unstemmed.
func TestMissionWordsAreComputedOnlyWhenTheirInputsChange(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	env := pgtest.New(t)
	ctx := context.Background()
	id := c.add(catalog.Mission{Title: "Renforts comptables", Description: "Tenir les comptes des associations partenaires"})[0]
	tx, err := env.Owner.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // the configuration's change must not outlive the test
	var before string
	if err := tx.NewRaw("SELECT search::text FROM missions WHERE id = ?", id).Scan(ctx, &before); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "ALTER TEXT SEARCH CONFIGURATION app.french_unaccent ALTER MAPPING FOR asciiword, word WITH simple"); err != nil {
		t.Fatal(err)
	}
	computedAgain := func(step, sql string, args ...any) bool {
		t.Helper()
		if _, err := tx.ExecContext(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		var now string
		if err := tx.NewRaw("SELECT search::text FROM missions WHERE id = ?", id).Scan(ctx, &now); err != nil {
			t.Fatal(err)
		}
		return now != before
	}
	for _, s := range []struct{ step, sql string }{
		{"a sign-up's move", `UPDATE missions SET places_left = places_left - 1,
			status = CASE WHEN places_left = 1 THEN 'full' ELSE status END, updated_at = now() WHERE id = ?`},
		{"a skill added", "INSERT INTO mission_skills (mission_id, skill) VALUES (?, 'it.web-dev')"},
		{"the association suspended", "UPDATE associations SET status = 'suspended' WHERE id = (SELECT association_id FROM missions WHERE id = ?)"},
		{"the title written as it was", "UPDATE missions SET title = title WHERE id = ?"},
	} {
		if computedAgain(s.step, s.sql, id) {
			t.Errorf("%s computed the mission's words again", s.step)
		}
	}
	// The probe itself: a new title does compute them, with the changed
	// configuration.
	if !computedAgain("the title changed", "UPDATE missions SET title = title || ' bis' WHERE id = ?", id) {
		t.Fatal("a new title left the words as they were: the probe sees nothing")
	}
}
