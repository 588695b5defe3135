package httpapi_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// An employee applies, the association validates, the employee logs hours
// and the association confirms them: the whole loop through the API, with
// the association seeing a company it knows nothing else of.
func TestApplyValidateLogAndConfirmHours(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	host := tn.Slug + ".localhost"
	assoc, otherAssoc := verifiedAssociation(t, env, "Asso 0"), verifiedAssociation(t, env, "Asso 1")
	mission := mission(t, env, missionSpec{assoc: &assoc, title: "Comptabilité", places: 2})
	campaignID := activeCampaign(t, env.App, tn, campaignSpec{since: 5})
	pp := people{t: t, db: env.App}
	employee := pp.session(tn, pp.member(tn, "employee"))
	manager := pp.session(nil, pp.account(false, &assoc))
	stranger := pp.session(nil, pp.account(false, &otherAssoc))
	base := "/api/v1/associations/" + assoc.String()

	res, body := do(t, app, "POST", host, "/api/v1/campaigns/"+campaignID.String()+"/participations", `{"mission_id":"`+mission.String()+`"}`, employee)
	if res.StatusCode != 201 || body["status"] != "pending" {
		t.Fatalf("apply: %d %v", res.StatusCode, body)
	}
	participation := body["id"].(string)
	if res, _ := do(t, app, "POST", "localhost", "/api/v1/associations/"+otherAssoc.String()+"/participations/"+participation+"/validate", "", stranger); res.StatusCode != 404 {
		t.Fatalf("another association validating: %d; want 404", res.StatusCode)
	}
	res, body = do(t, app, "GET", "localhost", base+"/participations?status=pending", "", manager)
	if res.StatusCode != 200 || !strings.Contains(fmt.Sprint(body["participations"]), "Initech") {
		t.Fatalf("the association's applicants: %d %v; want Initech's employee", res.StatusCode, body)
	}
	if res, body := do(t, app, "POST", "localhost", base+"/participations/"+participation+"/validate", "", manager); res.StatusCode != 200 || body["status"] != "validated" {
		t.Fatalf("validate: %d %v", res.StatusCode, body)
	}
	// Validated just now: hours are logged from today (the acceptance) on.
	today := time.Now().UTC().Format("2006-01-02")
	res, body = do(t, app, "POST", host, "/api/v1/participations/"+participation+"/hours", `{"worked_on":"`+today+`","hours":3,"note":"saisie"}`, employee)
	if res.StatusCode != 201 || body["status"] != "pending" {
		t.Fatalf("log hours: %d %v", res.StatusCode, body)
	}
	hours := body["id"].(string)
	if res, body := do(t, app, "GET", "localhost", "/api/v1/associations/"+otherAssoc.String()+"/hours", "", stranger); res.StatusCode != 200 || strings.Contains(fmt.Sprint(body), hours) {
		t.Fatalf("another association's hours list shows this entry: %d %v", res.StatusCode, body)
	}
	res, body = do(t, app, "GET", "localhost", base+"/hours?status=pending", "", manager)
	if res.StatusCode != 200 || !strings.Contains(fmt.Sprint(body["hours"]), hours) {
		t.Fatalf("the association's pending hours: %d %v", res.StatusCode, body)
	}
	res, body = do(t, app, "POST", "localhost", base+"/hours/approve", `{"ids":["`+hours+`"]}`, manager)
	if res.StatusCode != 200 || body["approved"] != float64(1) {
		t.Fatalf("approve: %d %v", res.StatusCode, body)
	}
	if res, body := do(t, app, "GET", host, "/api/v1/me/hours", "", employee); res.StatusCode != 200 || !strings.Contains(fmt.Sprint(body["hours"]), "approved") {
		t.Fatalf("the employee's hours: %d %v; want approved", res.StatusCode, body)
	}
}
