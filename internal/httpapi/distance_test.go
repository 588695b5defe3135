package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// An employee who lives in Paris filters the campaign's missions by
// distance: a remote mission is never far, one in Lyon is.
func TestCampaignMissionsByDistanceFromHome(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	assoc := verifiedAssociation(t, env, "")
	suffix := uuid.NewString()[:6]
	campaignID := activeCampaign(t, env.App, tn, campaignSpec{missions: []uuid.UUID{
		mission(t, env, missionSpec{assoc: &assoc, title: "Colis à Paris " + suffix, format: "on_site", lat: 48.86, lon: 2.36}),
		mission(t, env, missionSpec{assoc: &assoc, title: "Colis à Lyon " + suffix, format: "on_site", lat: 45.76, lon: 4.84}),
		mission(t, env, missionSpec{assoc: &assoc, title: "Site web " + suffix}),
	}})
	pp := people{t: t, db: env.App}
	host := tn.Slug + ".localhost"
	parisian, nowhere := pp.session(tn, pp.member(tn, "employee")), pp.session(tn, pp.member(tn, "employee"))
	if res, body := do(t, app, "PUT", host, "/api/v1/me/profile",
		`{"skills":[],"formats":["remote","on_site"],"hours_per_week":4,"radius_km":20,"languages":["fr"],"causes":[],"days":[],"home_lat":48.8566,"home_lon":2.3522,"home_city":"Paris"}`,
		parisian); res.StatusCode != 200 {
		t.Fatalf("profile: %d %v", res.StatusCode, body)
	}
	// Saying the city is enough: the profile places it.
	lyonnais := pp.session(tn, pp.member(tn, "employee"))
	if res, body := do(t, app, "PUT", host, "/api/v1/me/profile",
		`{"skills":[],"formats":["remote","on_site"],"hours_per_week":4,"radius_km":20,"languages":["fr"],"causes":[],"days":[],"home_city":"Lyon"}`,
		lyonnais); res.StatusCode != 200 || body["home_lat"] == nil {
		t.Fatalf("profile in Lyon: %d %v; want it placed", res.StatusCode, body)
	}
	page := func(session, query string) (int, string) {
		res, body := browserless{t: t, app: app, host: host, session: session}.get("/campaigns/" + campaignID.String() + query)
		return res.StatusCode, body
	}

	status, all := page(parisian, "")
	if status != 200 || !strings.Contains(all, "Colis à Lyon "+suffix) || !strings.Contains(all, "à 392 km de chez vous") ||
		!strings.Contains(all, "à 1 km de chez vous") {
		t.Fatalf("without a filter: %d; want every mission, each place's distance from home:\n%s", status, all)
	}
	status, near := page(parisian, "?distance=10")
	if status != 200 || strings.Contains(near, "Colis à Lyon "+suffix) || !strings.Contains(near, "Colis à Paris "+suffix) ||
		!strings.Contains(near, "Site web "+suffix) || !strings.Contains(near, `<option value="10" selected>10 km au plus</option>`) {
		t.Fatalf("within 10 km: %d; want Paris and the remote mission, not Lyon, the choice kept:\n%s", status, near)
	}
	if status, body := page(lyonnais, "?distance=10"); status != 200 || !strings.Contains(body, "Colis à Lyon "+suffix) ||
		strings.Contains(body, "Colis à Paris "+suffix) {
		t.Fatalf("within 10 km of Lyon: %d; want the Lyon mission only:\n%s", status, body)
	}
	if _, b := (browserless{t: t, app: app, host: host, session: lyonnais}).get("/me/profile"); !strings.Contains(b, "Ville reconnue") ||
		!strings.Contains(b, `<option value="Saint-Étienne">`) {
		t.Errorf("the profile does not say the city was found, or suggests no city:\n%s", b)
	}
	// Someone whose home is unknown is told how to filter by distance.
	if status, body := page(nowhere, "?distance=10"); status != 200 || !strings.Contains(body, `id="distance-needs-home"`) ||
		!strings.Contains(body, "Colis à Lyon "+suffix) {
		t.Fatalf("no home: %d; want every mission and a word on the profile:\n%s", status, body)
	}
	if status, body := page(parisian, "?distance=7"); status != http.StatusBadRequest || !strings.Contains(body, "ne fait pas partie des choix") {
		t.Fatalf("a distance not offered: %d; want 400 saying so:\n%s", status, body)
	}
}
