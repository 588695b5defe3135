package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// discoveryWorld is two companies, an employee of the first, staff, a
// verified association and a word that only this test's missions carry.
type discoveryWorld struct {
	acme, globex   *tenants.Tenant
	employee       string // session on acme's host
	staff          string // session on the platform's host
	assoc          uuid.UUID
	rna, token     string
	shared, listed uuid.UUID // a mission for everyone, one listed for Globex
}

func newDiscoveryWorld(t *testing.T, env *pgtest.Env) *discoveryWorld {
	t.Helper()
	ctx := context.Background()
	w := &discoveryWorld{assoc: uuid.Must(uuid.NewV7()), rna: fmt.Sprintf("W%09d", rand.IntN(1_000_000_000)), token: "zq" + uuid.NewString()[:8]}
	w.token = strings.Map(func(r rune) rune { // letters only: the stemmer keeps them
		if r >= '0' && r <= '9' {
			return 'k' + (r - '0')
		}
		if r == '-' {
			return 'x'
		}
		return r
	}, w.token)
	w.acme, w.globex = newTenant(t, env.App, "Company"), newTenant(t, env.App, "Company")
	pp := people{t: t, db: env.App}
	w.employee = pp.session(w.acme, pp.member(w.acme, "employee"))
	w.staff = pp.session(nil, pp.account(true, nil))
	w.shared, w.listed = uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	lat, lon := 48.85, 2.35
	_, err := postgres.BulkLoad(ctx, env.App, []catalog.Association{{ID: w.assoc, Name: "Les Amis " + w.token, LegalID: w.rna, Status: catalog.AssociationVerified}},
		[]catalog.Mission{
			{ID: w.shared, AssociationID: &w.assoc, Title: "Atelier numérique " + w.token, Format: catalog.OnSite, Lat: &lat, Lon: &lon,
				Places: 3, PlacesLeft: 3, Status: catalog.MissionOpen, Visibility: "all", CommitmentKind: "total", DateKind: "ongoing",
				Skills: []catalog.SkillNeed{{Skill: "it.digital-inclusion", Level: 2, Required: true}}},
			{ID: w.listed, AssociationID: &w.assoc, Title: "Atelier réservé " + w.token, Format: catalog.Remote, Places: 3, PlacesLeft: 3,
				Status: catalog.MissionOpen, Visibility: "listed", VisibleTo: []uuid.UUID{w.globex.ID}, CommitmentKind: "total", DateKind: "ongoing"},
		})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

type pageJSON struct {
	Missions []struct {
		ID          uuid.UUID   `json:"id"`
		Title       string      `json:"title"`
		Association string      `json:"association"`
		Skills      []any       `json:"skills"`
		DistanceKM  *float64    `json:"distance_km"`
		VisibleTo   []uuid.UUID `json:"visible_to"`
	} `json:"missions"`
	Next string `json:"next"`
}

func getJSON(t *testing.T, app *fiber.App, host, path, session string, out any) int {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Host = host
	if session != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: session})
	}
	res, err := app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return res.StatusCode
}

func TestSearchMissionsOverHTTP(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	w := newDiscoveryWorld(t, env)
	acme := w.acme.Slug + ".localhost"

	var page pageJSON
	if st := getJSON(t, app, acme, "/api/v1/missions?q="+w.token+"&lat=48.8566&lon=2.3522&radius_km=10", w.employee, &page); st != 200 ||
		len(page.Missions) != 1 || page.Missions[0].ID != w.shared {
		t.Fatalf("Acme's employee searches: %d %+v; want the shared mission only", st, page)
	}
	m := page.Missions[0]
	if m.Association != "Les Amis "+w.token || len(m.Skills) != 1 || m.DistanceKM == nil || *m.DistanceKM > 1 || m.VisibleTo != nil {
		t.Errorf("the mission as shown: %+v", m)
	}

	t.Run("a page, then the next with its cursor", func(t *testing.T) {
		var first, second pageJSON
		if st := getJSON(t, app, "localhost", "/api/v1/missions?q="+w.token+"&limit=1", w.staff, &first); st != 200 || len(first.Missions) != 1 || first.Next == "" {
			t.Fatalf("first page: %d %+v", st, first)
		}
		if st := getJSON(t, app, "localhost", "/api/v1/missions?q="+w.token+"&limit=1&after="+url.QueryEscape(first.Next), w.staff, &second); st != 200 ||
			len(second.Missions) != 1 || second.Next != "" || second.Missions[0].ID == first.Missions[0].ID {
			t.Fatalf("second page: %d %+v", st, second)
		}
	})

	t.Run("staff on the platform see every open mission", func(t *testing.T) {
		var page pageJSON
		if st := getJSON(t, app, "localhost", "/api/v1/missions?q="+w.token, w.staff, &page); st != 200 || len(page.Missions) != 2 {
			t.Fatalf("staff search: %d %+v", st, page)
		}
		var m struct {
			VisibleTo []uuid.UUID `json:"visible_to"`
		}
		if st := getJSON(t, app, "localhost", "/api/v1/missions/"+w.listed.String(), w.staff, &m); st != 200 || len(m.VisibleTo) != 1 {
			t.Fatalf("staff read the listed mission: %d %+v", st, m)
		}
	})

	t.Run("another company's listed mission answers as a missing one", func(t *testing.T) {
		var listed, missing map[string]any
		stListed := getJSON(t, app, acme, "/api/v1/missions/"+w.listed.String(), w.employee, &listed)
		stMissing := getJSON(t, app, acme, "/api/v1/missions/"+uuid.NewString(), w.employee, &missing)
		if stListed != 404 || stMissing != 404 || listed["detail"] != missing["detail"] {
			t.Fatalf("listed for Globex: %d %v; missing: %d %v; want the same 404", stListed, listed, stMissing, missing)
		}
		var shared map[string]any
		if st := getJSON(t, app, acme, "/api/v1/missions/"+w.shared.String(), w.employee, &shared); st != 200 || shared["title"] != "Atelier numérique "+w.token {
			t.Fatalf("the shared mission: %d %v", st, shared)
		}
	})
}

func TestSearchMissionsBadFiltersNameTheFilter(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	w := newDiscoveryWorld(t, env)
	acme := w.acme.Slug + ".localhost"
	for _, tc := range []struct{ query, field string }{
		{"q=" + strings.Repeat("a", 201), "q"},
		{"skills=it.web-dev,it.cobol", "skills"},
		{"causes=pets", "causes"},
		{"formats=online", "formats"},
		{"lat=north&lon=2", "lat"},
		{"lat=48.8", "lon"},
		{"lon=2.3", "lat"},
		{"lat=95&lon=2", "lat"},
		{"lat=48&lon=200", "lon"},
		{"radius_km=ten&lat=48&lon=2", "radius_km"},
		{"radius_km=10", "radius_km"},
		{"radius_km=5000&lat=48&lon=2", "radius_km"},
		{"from=2020-13-01", "from"},
		{"to=tomorrow", "to"},
		{"from=2020-05-01&to=2020-04-01", "to"},
		{"min_places=0", "min_places"},
		{"min_places=many", "min_places"},
		{"association=asso", "association"},
		{"sort=price", "sort"},
		{"sort=relevance", "sort"},
		{"sort=distance", "sort"},
		{"limit=500", "limit"},
		{"limit=-1", "limit"},
		{"after=not-a-cursor", "after"},
	} {
		var p struct {
			Status int `json:"status"`
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		st := getJSON(t, app, acme, "/api/v1/missions?"+tc.query, w.employee, &p)
		if st != 400 || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("?%s: %d %+v; want 400 naming %s", tc.query, st, p, tc.field)
		}
	}
}

func TestImportMissionsOverHTTP(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	w := newDiscoveryWorld(t, env)
	source := "test-" + w.token
	file := fmt.Sprintf(`{"missions": [
		{"clientId": "a-1", "title": "Tri de dons %[1]s", "organizationRNA": %[2]q, "remote": "full", "domain": "solidarite-insertion",
		 "skills": ["logistics.warehousing"], "places": 4},
		{"clientId": "a-2", "title": "Cours de code %[1]s", "organizationRNA": %[2]q, "remote": "full", "skills": ["it.cobol"]}
	]}`, w.token, w.rna)
	post := func(path, contentType string, body io.Reader, session string) (int, map[string]any) {
		req := httptest.NewRequest("POST", path, body)
		req.Host = "localhost"
		req.Header.Set("Content-Type", contentType)
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: session})
		res, err := app.Test(req, 10000)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	st, rep := post("/api/v1/platform/missions/import?source="+source, "application/json", strings.NewReader(file), w.staff)
	if st != 200 || rep["created"] != 1.0 || rep["rejected"] != 1.0 {
		t.Fatalf("import: %d %v; want one created, one rejected", st, rep)
	}
	results := rep["results"].([]any)
	if r := results[1].(map[string]any); r["outcome"] != "rejected" || r["field"] != "skills" || !strings.Contains(r["reason"].(string), "it.cobol") {
		t.Errorf("the unknown skill's result: %v", r)
	}

	// The same file as a form upload: the mission is updated.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "missions.json")
	_, _ = fw.Write([]byte(file))
	_ = mw.Close()
	st, rep = post("/api/v1/platform/missions/import?source="+source, mw.FormDataContentType(), &body, w.staff)
	if st != 200 || rep["created"] != 0.0 || rep["updated"] != 1.0 {
		t.Fatalf("second import, uploaded: %d %v; want the mission updated", st, rep)
	}
	var page pageJSON
	if st := getJSON(t, app, w.acme.Slug+".localhost", "/api/v1/missions?q=tri+"+w.token, w.employee, &page); st != 200 || len(page.Missions) != 1 {
		t.Fatalf("the imported mission is found: %d %+v", st, page)
	}

	for _, tc := range []struct{ name, query, body, field string }{
		{"no source", "", file, "source"},
		{"a bad source", "?source=Not%20A%20Name", file, "source"},
		{"no file", "?source=" + source, "", "file"},
		{"broken JSON", "?source=" + source, `[{"clientId": "x",`, "file"},
		{"not an array", "?source=" + source, `{"items": []}`, "file"},
	} {
		st, p := post("/api/v1/platform/missions/import"+tc.query, "application/json", strings.NewReader(tc.body), w.staff)
		errors, _ := p["errors"].([]any)
		if st != 400 || len(errors) == 0 || errors[0].(map[string]any)["field"] != tc.field {
			t.Errorf("%s: %d %v; want 400 naming %s", tc.name, st, p, tc.field)
		}
	}
}
