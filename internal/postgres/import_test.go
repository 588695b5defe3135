package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/postgres"
)

func TestImportCreatesUpdatesAndRejects(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	ctx := context.Background()
	var rna string
	if err := c.db.NewRaw("SELECT legal_id FROM associations WHERE id = ?", c.assoc).Scan(ctx, &rna); err != nil {
		t.Fatal(err)
	}
	pendingSiret := fmt.Sprintf("%014d", rand.Int64N(1e14))
	if _, err := postgres.BulkLoad(ctx, c.db, []catalog.Association{{ID: uuid.Must(uuid.NewV7()), Name: "En attente", LegalID: pendingSiret,
		Status: catalog.AssociationPendingReview}}, nil); err != nil {
		t.Fatal(err)
	}
	source := "test-" + c.token
	file := fmt.Sprintf(`[
		{"clientId": "m-1", "title": "Refaire le site %[1]s", "description": "Un site WordPress.", "organizationName": "Asso",
		 "organizationRNA": %[2]q, "remote": "full", "domain": "education", "skills": ["it.web-dev", "design.ux-ui", "it.web-dev"],
		 "places": 2, "startAt": "2020-03-31T23:30:00.000Z", "unknownField": {"ignored": true}},
		{"clientId": "m-2", "title": "Colis alimentaires %[1]s", "organizationRNA": %[2]q, "remote": "no", "domain": "solidarite-insertion",
		 "address": "3 rue de la Gare", "postalCode": "75011", "city": "Paris", "location": {"lat": 48.858, "lon": 2.38}, "places": 10},
		{"clientId": "m-3", "title": "Cobol %[1]s", "organizationRNA": %[2]q, "remote": "full", "skills": ["it.cobol"]},
		{"clientId": "m-4", "title": "Inconnue %[1]s", "organizationRNA": "W000000001", "remote": "full"},
		{"clientId": "m-5", "title": "En attente %[1]s", "organizationSiret": %[3]q, "remote": "full"},
		{"clientId": "m-6", "title": "Sur place sans lieu %[1]s", "organizationRNA": %[2]q, "remote": "no"},
		{"clientId": "m-7", "title": "", "organizationRNA": %[2]q, "remote": "full"},
		{"clientId": "m-1", "title": "Doublon %[1]s", "organizationRNA": %[2]q, "remote": "full"},
		{"clientId": "m-8", "title": "Places %[1]s", "organizationRNA": %[2]q, "remote": "full", "places": "beaucoup"},
		{"title": "Sans identifiant %[1]s", "organizationRNA": %[2]q, "remote": "full"}
	]`, c.token, rna, pendingSiret)
	im := postgres.NewImporter(c.db)

	rep, err := im.Import(ctx, source, strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 2 || rep.Updated != 0 || rep.Rejected != 8 || len(rep.Results) != 10 {
		t.Fatalf("first import: %+v; want 2 created, 8 rejected", rep)
	}
	wantRejected := map[int]string{2: "skills", 3: "organizationRNA", 4: "organizationSiret", 5: "location", 6: "title", 7: "clientId", 8: "places", 9: "clientId"}
	for _, r := range rep.Results {
		field, rejected := wantRejected[r.Index]
		switch {
		case rejected && (r.Outcome != catalog.ImportRejected || r.Field != field || r.Reason == ""):
			t.Errorf("mission %d: %+v; want rejected naming %s", r.Index, r, field)
		case !rejected && (r.Outcome != catalog.ImportCreated || r.MissionID == uuid.Nil):
			t.Errorf("mission %d: %+v; want created", r.Index, r)
		}
	}
	for i, want := range map[int]string{2: "it.cobol", 3: "W000000001", 4: "not verified"} {
		if !strings.Contains(rep.Results[i].Reason, want) {
			t.Errorf("mission %d's reason %q does not say %q", i, rep.Results[i].Reason, want)
		}
	}

	// As stored, and as a search shows them (the association's missions:
	// dated first).
	found := c.find(catalog.Query{Sort: catalog.SortDate})
	if len(found) != 2 {
		t.Fatalf("the imported missions are searchable: %q", titles(found, c.token))
	}
	web, food := found[0], found[1]
	if web.Format != catalog.Remote || web.Cause != "education" || len(web.Skills) != 2 || web.Places != 2 ||
		web.StartsOn == nil || web.StartsOn.Format("2006-01-02") != "2020-04-01" || web.Source != source || web.ExternalID != "m-1" {
		t.Errorf("m-1 stored as %+v", web)
	}
	if food.Format != catalog.OnSite || food.Cause != "solidarity" || food.City != "Paris" || food.Lat == nil || *food.Lat != 48.858 || food.Association != c.name {
		t.Errorf("m-2 stored as %+v", food)
	}

	// Two volunteers took places on m-2 meanwhile, and staff closed m-1.
	if _, err := c.db.ExecContext(ctx, "UPDATE missions SET places_left = places - 2 WHERE id = ?", food.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.ExecContext(ctx, "UPDATE missions SET status = 'closed' WHERE id = ?", web.ID); err != nil {
		t.Fatal(err)
	}
	again, err := im.Import(ctx, source, strings.NewReader(strings.Replace(file, `"places": 10`, `"places": 12`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if again.Created != 0 || again.Updated != 2 || again.Rejected != 8 {
		t.Fatalf("the same file again: %+v; want the 2 missions updated, nothing created", again)
	}
	var n, placesLeft int
	var status string
	if err := c.db.NewRaw("SELECT count(*) FROM missions WHERE source = ?", source).Scan(ctx, &n); err != nil || n != 2 {
		t.Fatalf("%d missions of source %s after two imports (%v); want 2", n, source, err)
	}
	if err := c.db.NewRaw("SELECT places_left FROM missions WHERE id = ?", food.ID).Scan(ctx, &placesLeft); err != nil || placesLeft != 10 {
		t.Errorf("m-2 has %d places left (%v); want 12 places minus the 2 taken", placesLeft, err)
	}
	if err := c.db.NewRaw("SELECT status FROM missions WHERE id = ?", web.ID).Scan(ctx, &status); err != nil || status != "closed" {
		t.Errorf("m-1 is %s after the update (%v); want it still closed", status, err)
	}

	t.Run("an import never moves a mission to another association", func(t *testing.T) {
		other, _ := c.association(catalog.AssociationVerified)
		var otherRNA string
		if err := c.db.NewRaw("SELECT legal_id FROM associations WHERE id = ?", other).Scan(ctx, &otherRNA); err != nil {
			t.Fatal(err)
		}
		rep, err := im.Import(ctx, source, strings.NewReader(fmt.Sprintf(`[{"clientId": "m-1", "title": "Volée", "organizationRNA": %q, "remote": "full"}]`, otherRNA)))
		if err != nil || rep.Rejected != 1 || rep.Results[0].Field != "organizationRNA" {
			t.Fatalf("%+v %v; want rejected", rep, err)
		}
	})
}

func TestImportRefusesABadFileBeforeStoringAnything(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	im := postgres.NewImporter(c.db)
	source := "test-" + c.token
	valid := `{"clientId": "x", "title": "Valide", "organizationRNA": "W000000001", "remote": "full"}`
	for _, tc := range []struct{ name, source, file, field string }{
		{"a bad source", "Not A Source", "[]", "source"},
		{"broken JSON after valid missions", source, "[" + valid + "," + valid + ", {", "file"},
		{"not JSON at all", source, "clientId;title", "file"},
		{"an object without missions", source, `{"data": [` + valid + `]}`, "file"},
		{"more after the array", source, "[" + valid + "] []", "file"},
	} {
		_, err := im.Import(context.Background(), tc.source, strings.NewReader(tc.file))
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != tc.field {
			t.Errorf("%s: %v; want invalid naming %s", tc.name, err, tc.field)
		}
	}
	var n int
	if err := c.db.NewRaw("SELECT count(*) FROM missions WHERE source = ?", source).Scan(context.Background(), &n); err != nil || n != 0 {
		t.Fatalf("%d missions stored (%v); want none", n, err)
	}
}

// TestBulkLoadAddsOnlyWhatIsMissing: loading the same catalogue again adds
// nothing (and, all of it being there, reads none of it); a catalogue with
// one mission more adds that mission and its skills, nothing else.
func TestBulkLoadAddsOnlyWhatIsMissing(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	ctx := context.Background()
	assoc := catalog.Association{ID: uuid.Must(uuid.NewV7()), Name: "Asso " + c.token,
		LegalID: fmt.Sprintf("W%09d", rand.IntN(1_000_000_000)), Status: catalog.AssociationVerified}
	mission := func(title string) catalog.Mission {
		m := catalog.Mission{ID: uuid.Must(uuid.NewV7()), AssociationID: &assoc.ID, Title: title + " " + c.token,
			Format: catalog.Remote, Status: catalog.MissionOpen, Places: 3, PlacesLeft: 3,
			Skills: []catalog.SkillNeed{{Skill: "it.web-dev", Level: 2, Required: true}}}
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	ms := []catalog.Mission{mission("Un site"), mission("Une affiche")}
	for _, tc := range []struct {
		name string
		ms   []catalog.Mission
		want postgres.LoadReport
	}{
		{"first load", ms, postgres.LoadReport{Associations: 1, Missions: 2, Skills: 2}},
		{"the same again", ms, postgres.LoadReport{}},
		{"one mission more", append(slices.Clone(ms), mission("Un logo")), postgres.LoadReport{Missions: 1, Skills: 1}},
	} {
		rep, err := postgres.BulkLoad(ctx, c.db, []catalog.Association{assoc}, tc.ms)
		if err != nil {
			t.Fatal(tc.name, err)
		}
		if rep != tc.want {
			t.Errorf("%s: added %+v; want %+v", tc.name, rep, tc.want)
		}
	}
	var n int
	if err := c.db.NewRaw("SELECT count(*) FROM missions WHERE association_id = ?", assoc.ID).Scan(ctx, &n); err != nil || n != 3 {
		t.Errorf("the association has %d missions (%v); want 3", n, err)
	}
}
