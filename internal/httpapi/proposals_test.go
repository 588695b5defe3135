package httpapi_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// After the HR admin's allocation, each employee finds the mission proposed
// to them, with why, on "Mes participations", and accepts or declines it in
// the page.
func TestProposalsOnTheParticipationsPage(t *testing.T) {
	t.Parallel()
	d := newMatchingDrive(t, 1, map[string]string{"accountant": "finance.accounting", "developer": "it.web-dev"})
	app, host, campaignID, admin := d.app, d.host, d.campaignID, d.admin
	employees := map[string]browserless{}
	for name, session := range d.sessions {
		employees[name] = browserless{t: t, app: app, host: host, session: session}
	}
	accountant, developer := employees["accountant"], employees["developer"]
	base := "/api/v1/campaigns/" + campaignID.String()
	if res, body := do(t, app, "POST", host, base+"/allocation", "", admin); res.StatusCode != 202 {
		t.Fatalf("start allocation: %d %v", res.StatusCode, body)
	}
	waitFor(t, "the allocation finishes", func() bool {
		_, run := do(t, app, "GET", host, base+"/allocation", "", admin)
		return run["status"] == "done"
	})

	if _, page := accountant.get("/campaigns/" + campaignID.String()); !strings.Contains(page, `id="proposed-notice"`) ||
		!strings.Contains(page, "vous propose une mission de cette campagne") {
		t.Errorf("the campaign page does not say a mission is proposed:\n%s", page)
	}
	proposalRE := regexp.MustCompile(`action="/me/proposals/([0-9a-f-]{36})/accept"`)
	_, page := accountant.get("/me/participations")
	m := proposalRE.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "Missions proposées pour vous") || !strings.Contains(page, "Tenir la comptabilité") ||
		!strings.Contains(page, "Comptabilité") {
		t.Fatalf("the accountant's page does not propose the accounting mission with why:\n%s", page)
	}
	accountants := m[1]
	_, page = developer.get("/me/participations")
	m = proposalRE.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "Refaire le site") {
		t.Fatalf("the developer's page does not propose the web mission:\n%s", page)
	}
	developers := m[1]

	// Nobody accepts another's proposal: it is not theirs to see.
	if res, _ := developer.post("/me/proposals/"+accountants+"/accept", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("accepting someone else's proposal: %d; want 404", res.StatusCode)
	}
	res, _ := accountant.post("/me/proposals/"+accountants+"/accept", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d; want 303", res.StatusCode)
	}
	_, page = accountant.get("/me/participations?applied=1")
	if strings.Contains(page, "Missions proposées pour vous") || !strings.Contains(page, `id="p-`) || !strings.Contains(page, "Tenir la comptabilité") {
		t.Fatalf("after accepting: want the sign-up listed and no proposal left:\n%s", page)
	}
	if res, _ := developer.post("/me/proposals/"+developers+"/decline", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %d; want 303", res.StatusCode)
	}
	if _, page = developer.get("/me/participations?done=declined"); strings.Contains(page, "/me/proposals/") ||
		!strings.Contains(page, "ne vous sera plus proposée") {
		t.Fatalf("after declining: want the proposal gone and the word said:\n%s", page)
	}
	// Accepting a proposal already declined says why, on the page.
	if res, page := developer.post("/me/proposals/"+developers+"/accept", url.Values{}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(page, "Mes participations") {
		t.Errorf("accepting a declined proposal: %d; want 409 on the page", res.StatusCode)
	}
}
