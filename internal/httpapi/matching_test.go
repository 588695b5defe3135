package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRecommendationsAndAllocationThroughTheAPI(t *testing.T) {
	t.Parallel()
	d := newMatchingDrive(t, 2, map[string]string{"accountant": "finance.accounting", "developer": "it.web-dev", "other": "it.web-dev"})
	app, host, campaignID, admin, sessions := d.app, d.host, d.campaignID, d.admin, d.sessions
	base := "/api/v1/campaigns/" + campaignID.String()

	res, body := do(t, app, "GET", host, base+"/recommendations?k=5", "", sessions["accountant"])
	recs, _ := body["recommendations"].([]any)
	if res.StatusCode != 200 || len(recs) == 0 {
		t.Fatalf("recommendations: %d %v", res.StatusCode, body)
	}
	first := recs[0].(map[string]any)
	if first["mission"].(map[string]any)["title"] != "Tenir la comptabilité" || !strings.Contains(fmt.Sprint(first["explanation"]), "finance.accounting") {
		t.Fatalf("the accountant's first mission: %v; want the accounting one, explained by the skill", first)
	}
	if res, _ := do(t, app, "GET", host, base+"/recommendations?k=500", "", sessions["accountant"]); res.StatusCode != 400 {
		t.Fatalf("k=500: %d; want 400", res.StatusCode)
	}

	if res, _ := do(t, app, "POST", host, base+"/allocation", "", sessions["accountant"]); res.StatusCode != 403 {
		t.Fatalf("an employee starting the allocation: %d; want 403", res.StatusCode)
	}
	if res, body := do(t, app, "POST", host, base+"/allocation", "", admin); res.StatusCode != 202 {
		t.Fatalf("start allocation: %d %v", res.StatusCode, body)
	}
	var run map[string]any
	waitFor(t, "the allocation finishes", func() bool {
		_, run = do(t, app, "GET", host, base+"/allocation", "", admin)
		return run["status"] == "done" || run["status"] == "failed"
	})
	if run["status"] != "done" || run["proposals"] != float64(3) || run["total_score"].(float64) <= 0 {
		t.Fatalf("run: %v; want 3 proposals (1 + 2 places, one per employee) and its optimum", run)
	}

	proposal := func(who string) map[string]any {
		_, body := do(t, app, "GET", host, "/api/v1/me/proposals", "", sessions[who])
		ps, _ := body["proposals"].([]any)
		if len(ps) != 1 {
			t.Fatalf("%s has %d proposals; want 1: %v", who, len(ps), body)
		}
		return ps[0].(map[string]any)
	}
	acc := proposal("accountant")
	if acc["mission"] != "Tenir la comptabilité" {
		t.Fatalf("the accountant is proposed %v; want accounting", acc["mission"])
	}
	if res, body := do(t, app, "POST", host, "/api/v1/proposals/"+acc["id"].(string)+"/accept", "", sessions["accountant"]); res.StatusCode != 201 || body["status"] != "pending" {
		t.Fatalf("accept: %d %v; want a pending participation", res.StatusCode, body)
	}
	if res, _ := do(t, app, "POST", host, "/api/v1/proposals/"+acc["id"].(string)+"/accept", "", sessions["accountant"]); res.StatusCode != 409 {
		t.Fatalf("accepting twice: %d; want 409", res.StatusCode)
	}
	dev := proposal("developer")
	if res, _ := do(t, app, "POST", host, "/api/v1/proposals/"+dev["id"].(string)+"/decline", "", sessions["other"]); res.StatusCode != 404 {
		t.Fatalf("declining a colleague's proposal: %d; want 404", res.StatusCode)
	}
	if res, body := do(t, app, "POST", host, "/api/v1/proposals/"+dev["id"].(string)+"/decline", "", sessions["developer"]); res.StatusCode != 200 || body["status"] != "declined" {
		t.Fatalf("decline: %d %v", res.StatusCode, body)
	}

	// A re-run never proposes a declined mission again.
	if res, _ := do(t, app, "POST", host, base+"/allocation", "", admin); res.StatusCode != 202 {
		t.Fatalf("re-run: %d", res.StatusCode)
	}
	waitFor(t, "the re-run finishes", func() bool {
		_, run = do(t, app, "GET", host, base+"/allocation", "", admin)
		return run["status"] == "done"
	})
	_, body = do(t, app, "GET", host, "/api/v1/me/proposals", "", sessions["developer"])
	for _, p := range body["proposals"].([]any) {
		if p.(map[string]any)["status"] == "proposed" && p.(map[string]any)["mission"] == "Refaire le site" {
			t.Fatalf("the declined mission was proposed again: %v", body)
		}
	}
}

// Recommendations rank against the campaign's index, built once and kept
// between requests; a change to its missions (here closed and reopened
// straight in the database, as any server or psql could) reaches the
// ranking within a second.
func TestRecommendationsFollowMissionChanges(t *testing.T) {
	t.Parallel()
	d := newMatchingDrive(t, 2, map[string]string{"accountant": "finance.accounting"})
	url := "/api/v1/campaigns/" + d.campaignID.String() + "/recommendations?k=5"
	offers := func() string {
		res, body := do(t, d.app, "GET", d.host, url, "", d.sessions["accountant"])
		if res.StatusCode != 200 {
			t.Fatalf("recommendations: %d %v", res.StatusCode, body)
		}
		return fmt.Sprint(body["recommendations"])
	}
	within := func(what string, cond func(string) bool) {
		t.Helper()
		start := time.Now()
		for !cond(offers()) {
			if time.Since(start) > time.Second {
				t.Fatalf("%s: not seen a second later: %s", what, offers())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for range 3 {
		if !strings.Contains(offers(), "Tenir la comptabilité") {
			t.Fatal("the accounting mission is not recommended to the accountant")
		}
	}
	set := func(status string) {
		if _, err := d.env.Owner.ExecContext(context.Background(), "UPDATE missions SET status = ? WHERE id = ?", status, d.accounting); err != nil {
			t.Fatal(err)
		}
	}
	set("closed")
	within("mission closed", func(s string) bool { return !strings.Contains(s, "Tenir la comptabilité") })
	set("open")
	within("mission reopened", func(s string) bool { return strings.Contains(s, "Tenir la comptabilité") })
}

// Recommendations spread volunteers: a mission loses points for the share
// of its places taken. A sign-up changes no announced column of the
// mission (filling it does: its status), so the server that took it tells
// the campaigns' indexes, which read its places at their next renewal
// (every second): a mission half taken soon ranks after its equal.
func TestRecommendationsFollowPlacesTakenMeanwhile(t *testing.T) {
	t.Parallel()
	d, ids := newDrive(t, []missionSpec{
		{title: "Tenir la comptabilité", skill: "finance.accounting", places: 2},
		{title: "Clôturer les comptes", skill: "finance.accounting", places: 2}},
		map[string]string{"accountant": "finance.accounting", "colleague": "finance.accounting"})
	base := "/api/v1/campaigns/" + d.campaignID.String()
	// first is the accountant's best mission: its id and title.
	first := func() (string, string) {
		res, body := do(t, d.app, "GET", d.host, base+"/recommendations?k=1", "", d.sessions["accountant"])
		recs, _ := body["recommendations"].([]any)
		if res.StatusCode != 200 || len(recs) != 1 {
			t.Fatalf("recommendations: %d %v; want one", res.StatusCode, body)
		}
		m := recs[0].(map[string]any)["mission"].(map[string]any)
		return m["id"].(string), m["title"].(string)
	}
	id, title := first()
	// One of its two places goes to the colleague.
	if res, body := do(t, d.app, "POST", d.host, base+"/participations", `{"mission_id":"`+id+`"}`, d.sessions["colleague"]); res.StatusCode != 201 {
		t.Fatalf("the colleague's sign-up: %d %v", res.StatusCode, body)
	}
	start := time.Now()
	for {
		next, nextTitle := first()
		if next != id {
			if next != ids[0].String() && next != ids[1].String() {
				t.Fatalf("after a place of %q was taken, the accountant is recommended %q; want the campaign's other mission", title, nextTitle)
			}
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("3 s after a place of %q was taken, the accountant is still recommended it first; want its equal with every place left", title)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
