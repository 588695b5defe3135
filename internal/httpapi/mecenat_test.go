package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/documents/pdftest"
	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/tenants"
)

// mecenatWorld is a company whose three employees gave hours in 2025 to
// two associations, on a working-time campaign and a free-time one.
type mecenatWorld struct {
	hrWorld
	restos, lire               uuid.UUID // associations
	alice, bob, chloe          uuid.UUID // members
	bobParticipation           uuid.UUID
	manager                    string // the session of Restos's manager, on the platform
	employee                   browserless
	work, free                 uuid.UUID // campaigns
	restosMission, lireMission uuid.UUID
}

func newMecenatWorld(t *testing.T) mecenatWorld {
	t.Helper()
	w := mecenatWorld{hrWorld: newHRWorld(t)}
	env := w.env
	w.restos, w.lire = verifiedAssociation(t, env, "Les Restos du cœur"), verifiedAssociation(t, env, "Lire et faire lire")
	w.restosMission = mission(t, env, missionSpec{assoc: &w.restos, title: "Tenir la comptabilité", cause: "emergency"})
	w.lireMission = mission(t, env, missionSpec{assoc: &w.lire, title: "Refaire le site", cause: "education"})
	w.work = activeCampaign(t, env.App, w.tn, campaignSpec{name: "Printemps solidaire"})
	w.free = activeCampaign(t, env.App, w.tn, campaignSpec{name: "Bénévolat du soir"})
	w.alice = addMemberNamed(t, w, "alice@initech.example", "Alice Martin")
	w.bob = addMemberNamed(t, w, "bob@initech.example", "Bob Durand")
	w.chloe = addMemberNamed(t, w, "chloe@initech.example", "Chloé Petit")
	w.employee = browserless{t: t, app: w.app, host: w.admin.host, session: w.people.session(w.tn, w.chloe)}
	w.manager = w.people.session(nil, w.people.account(false, &w.restos))
	ctx := tenants.NewContext(context.Background(), w.tn)
	if err := env.App.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE campaigns SET work_time = (id = ?)", w.work); err != nil {
			return err
		}
		part := func(campaign, member, mission uuid.UUID) uuid.UUID {
			id := uuid.Must(uuid.NewV7())
			if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'validated')`, id, campaign, member, mission); err != nil {
				t.Fatal(err)
			}
			return id
		}
		hours := func(p, member, mission uuid.UUID, day, h, status string) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?::numeric, ?)`, uuid.Must(uuid.NewV7()), p, member, mission, day, h, status); err != nil {
				t.Fatal(err)
			}
		}
		a := part(w.work, w.alice, w.restosMission)
		hours(a, w.alice, w.restosMission, "2025-03-03", "24", "approved")
		hours(a, w.alice, w.restosMission, "2025-03-04", "24", "approved")
		hours(a, w.alice, w.restosMission, "2025-03-05", "8", "pending") // not approved: not counted
		w.bobParticipation = part(w.work, w.bob, w.lireMission)
		hours(w.bobParticipation, w.bob, w.lireMission, "2025-03-05", "7.5", "approved")
		c := part(w.work, w.chloe, w.lireMission)
		hours(c, w.chloe, w.lireMission, "2025-04-01", "3.25", "approved")
		f := part(w.free, w.chloe, w.restosMission)
		hours(f, w.chloe, w.restosMission, "2025-04-02", "5", "approved")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

func addMemberNamed(t *testing.T, w mecenatWorld, email, name string) uuid.UUID {
	t.Helper()
	id := w.people.member(w.tn, "employee")
	if err := w.env.App.TenantTx(tenants.NewContext(context.Background(), w.tn), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE members SET email = ?, full_name = ? WHERE id = ?", email, name, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (w mecenatWorld) api(method, path, body string) (*http.Response, map[string]any) {
	w.admin.t.Helper()
	return do(w.admin.t, w.app, method, w.admin.host, path, body, w.admin.session)
}

// yearFigures reads the year's figures from the API.
func (w mecenatWorld) yearFigures(t *testing.T, year string) mecenat.YearFigures {
	t.Helper()
	req := w.admin
	req.accept = "application/json"
	res, body := req.get("/api/v1/mecenat/years/" + year)
	if res.StatusCode != 200 {
		t.Fatalf("figures %s: %d %s", year, res.StatusCode, body)
	}
	var out struct {
		Figures mecenat.YearFigures `json:"figures"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Figures
}

// The CSR director's week in one click: costs by CSV, band and default,
// the turnover, then the year's gifts and tax figures, each traced to its
// hours, the same on the page as in the API.
func TestMecenatYearFromHoursToTaxFigures(t *testing.T) {
	t.Parallel()
	w := newMecenatWorld(t)
	if res, body := w.api("PUT", "/api/v1/mecenat/costs/default", `{"hourly_cents":4000}`); res.StatusCode != 204 {
		t.Fatalf("default cost: %d %v", res.StatusCode, body)
	}
	if res, body := w.api("POST", "/api/v1/mecenat/costs/bands", `{"name":"Cadres","hourly_cents":6000}`); res.StatusCode != 201 {
		t.Fatalf("band: %d %v", res.StatusCode, body)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "couts.csv")
	io.WriteString(fw, "email;coût horaire;tranche\nalice@initech.example;250;\nbob@initech.example;;Cadres\nnobody@initech.example;30;\n")
	mw.Close()
	res, page := w.admin.upload("/admin/mecenat/costs/import", &form, mw.FormDataContentType())
	if res.StatusCode != 200 || !strings.Contains(page, "2 ligne(s) appliquée(s)") || !strings.Contains(page, "personne inconnue dans l&#39;entreprise") {
		t.Fatalf("import: %d\n%s", res.StatusCode, page)
	}
	// Turnover 3 M€: 5 ‰ = 15 000 €, under the 20 000 € floor.
	if res, _ := w.admin.post("/admin/mecenat/turnover", map[string][]string{"year": {"2025"}, "turnover": {"3 000 000"}}); res.StatusCode != 303 {
		t.Fatalf("turnover: %d", res.StatusCode)
	}

	// 2025: PASS 3 925 €, cap 11 775 € a month. Alice (250 €/h, her own):
	// 24 h + 24 h in March = 12 000 €, capped to 11 775 €, to the Restos
	// (a cause helping people in difficulty). Bob (band, 60 €/h): 7.5 h =
	// 450 €; Chloé (default, 40 €/h): 3.25 h = 130 €; both to Lire:
	// 580 €. Chloé's 5 h on the free-time campaign and Alice's pending
	// 8 h are not gifts. Total 12 355 €; 60 % = 7 413 €; ceiling
	// 20 000 €; over 10 000 €: the 2069-RCI list is due.
	f := w.yearFigures(t, "2025")
	if f.Valued != 1_235_500 || f.Tax.Reduction != 741_300 || f.Tax.Ceiling != 2_000_000 || !f.Tax.ListDue ||
		f.WorkHours != 5875 || f.FreeHours != 500 || f.People != 3 || f.CapCut != 22_500 || f.Tax.Special != 1_177_500 {
		t.Fatalf("figures: valued %d reduction %d ceiling %d list %v work %d free %d people %d cut %d special %d",
			f.Valued, f.Tax.Reduction, f.Tax.Ceiling, f.Tax.ListDue, f.WorkHours, f.FreeHours, f.People, f.CapCut, f.Tax.Special)
	}
	byName := map[string]mecenat.AssociationGift{}
	for _, a := range f.Associations {
		byName[a.Name] = a
	}
	if byName["Les Restos du cœur"].Valued != 1_177_500 || byName["Lire et faire lire"].Valued != 58_000 {
		t.Fatalf("per association: %+v", f.Associations)
	}

	// Every association's figure is the sum of its lines.
	for _, a := range f.Associations {
		res, body := w.api("GET", "/api/v1/mecenat/years/2025/lines?association="+a.AssociationID.String(), "")
		if res.StatusCode != 200 {
			t.Fatalf("lines: %d %v", res.StatusCode, body)
		}
		var sum float64
		for _, l := range body["lines"].([]any) {
			sum += l.(map[string]any)["valued_cents"].(float64)
		}
		if int64(sum) != int64(a.Valued) {
			t.Errorf("%s: lines sum to %v; the figure says %d", a.Name, sum, a.Valued)
		}
	}

	// The page says the same, to the euro.
	_, page = w.admin.get("/admin/mecenat?year=2025")
	for _, want := range []string{mecenat.Cents(1_235_500).Format("fr"), mecenat.Cents(741_300).Format("fr"),
		mecenat.Cents(2_000_000).Format("fr"), `id="rci-due"`, "Les Restos du cœur;", "58,75 h", "5 h"} {
		if !strings.Contains(page, want) {
			t.Errorf("the mécénat page lacks %q", want)
		}
	}
	_, page = w.admin.get("/admin/mecenat/2025/lines?association=" + w.restos.String())
	for _, want := range []string{"Alice Martin", mecenat.Cents(1_177_500).Format("fr"), "(écrêté)", "Temps libre"} {
		if !strings.Contains(page, want) {
			t.Errorf("the drill-down lacks %q", want)
		}
	}

	// HR moves Bob's participation to free time: 450 € leave the gifts.
	if res, body := w.api("PUT", "/api/v1/participations/"+w.bobParticipation.String()+"/work-time", `{"work_time":false}`); res.StatusCode != 204 {
		t.Fatalf("work-time override: %d %v", res.StatusCode, body)
	}
	if f := w.yearFigures(t, "2025"); f.Valued != 1_190_500 || f.Tax.Reduction != 714_300 || f.FreeHours != 1250 {
		t.Fatalf("after the override: valued %d reduction %d free %d", f.Valued, f.Tax.Reduction, f.FreeHours)
	}

	t.Run("bad input names the field", func(t *testing.T) {
		res, body := w.api("PUT", "/api/v1/mecenat/costs/default", `{"hourly_cents":-5}`)
		if res.StatusCode != 400 || !strings.Contains(jsonString(body), "default_hourly_cost") {
			t.Fatalf("negative cost: %d %v", res.StatusCode, body)
		}
		res, page := w.admin.post("/admin/mecenat/turnover", map[string][]string{"year": {"2025"}, "turnover": {"beaucoup"}})
		if res.StatusCode != 400 || !strings.Contains(page, `id="turnover-error"`) || !strings.Contains(page, `value="beaucoup"`) {
			t.Fatalf("a turnover that is not an amount: %d", res.StatusCode)
		}
		if res, _ := w.api("GET", "/api/v1/mecenat/years/1999", ""); res.StatusCode != 400 {
			t.Fatalf("year 1999: %d", res.StatusCode)
		}
		// 2019 has no reference figures: a conflict saying so, not a 500.
		if res, _ := w.api("GET", "/api/v1/mecenat/years/2019", ""); res.StatusCode != 409 {
			t.Fatalf("2019: %d", res.StatusCode)
		}
	})
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// Hourly costs are pay: employees and associations never read them, over
// HTTP nor through the database, even within the company.
func TestHourlyCostsStayWithHR(t *testing.T) {
	t.Parallel()
	w := newMecenatWorld(t)
	if res, _ := w.api("PUT", "/api/v1/mecenat/costs/default", `{"hourly_cents":4000}`); res.StatusCode != 204 {
		t.Fatal("default cost")
	}
	for _, path := range []string{"/api/v1/mecenat/costs", "/api/v1/mecenat/years/2025", "/api/v1/mecenat/years/2025/lines",
		"/admin/mecenat/costs", "/admin/mecenat", "/admin/mecenat/2025/lines"} {
		if res, _ := w.employee.get(path); res.StatusCode != 403 {
			t.Errorf("an employee on %s: %d; want 403", path, res.StatusCode)
		}
		manager := browserless{t: t, app: w.app, host: "localhost", session: w.manager}
		if res, _ := manager.get(path); res.StatusCode != 403 && res.StatusCode != 404 {
			t.Errorf("an association manager on %s: %d; want 403 or 404", path, res.StatusCode)
		}
		// There the manager's session is no one's: a refusal, or for a page
		// the sign-in form (nothing of the page itself).
		onCompany := browserless{t: t, app: w.app, host: w.admin.host, session: w.manager}
		res, body := onCompany.get(path)
		signIn := res.StatusCode == 303 && strings.HasPrefix(res.Header.Get("Location"), "/sign-in?next=")
		if res.StatusCode < 400 && !signIn || strings.Contains(body, "4000") {
			t.Errorf("an association manager on the company's host, %s: %d to %q", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The database's own lock: the company's ordinary transactions (any
	// page an employee opens) and an association's see no cost.
	ctx := tenants.NewContext(context.Background(), w.tn)
	var n int
	if err := w.env.App.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT (SELECT count(*) FROM mecenat_settings) + (SELECT count(*) FROM mecenat_member_costs)").Scan(ctx, &n)
	}); err != nil || n != 0 {
		t.Fatalf("a company transaction without the costs lock reads %d cost rows (%v); want 0", n, err)
	}
	if err := w.env.App.AssociationTx(ctx, w.restos, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM mecenat_settings").Scan(ctx, &n)
	}); err != nil || n != 0 {
		t.Fatalf("an association reads %d cost rows (%v); want 0", n, err)
	}
	other := newTenant(t, w.env.App, "Globex")
	if err := w.env.App.TenantTx(tenants.NewContext(context.Background(), other), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.costs', 'on', true)"); err != nil {
			return err
		}
		return tx.NewRaw("SELECT count(*) FROM mecenat_settings").Scan(ctx, &n)
	}); err != nil || n != 0 {
		t.Fatalf("another company with the lock open reads %d of Initech's cost rows (%v); want 0", n, err)
	}
}

// Staff keep the law's figures by year on a page: a new year, a mistake
// shown next to its field with what was typed kept, and the figures the
// HR pages then use.
func TestStaffKeepTheReferenceFigures(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	staff := browserless{t: t, app: w.app, host: "localhost", session: w.people.session(nil, w.people.account(true, nil))}
	res, page := staff.get("/platform/mecenat")
	if res.StatusCode != 200 || !strings.Contains(page, `value="4005.00"`) || !strings.Contains(page, `value="0.5"`) {
		t.Fatalf("the reference page: %d; want 2026's PASS 4 005 € and 5 ‰ shown", res.StatusCode)
	}
	form := map[string][]string{"new": {"1"}, "year": {"2027"}, "pass_monthly": {"quatre mille"}, "cap_pass_multiple": {"3"},
		"rate": {"60"}, "upper_rate": {"40"}, "upper_tier": {"2000000"}, "floor": {"20000"}, "turnover_share": {"0,5"},
		"carry_years": {"5"}, "beneficiary_list": {"10000"}, "source": {"arrêté de décembre 2026"}}
	res, page = staff.post("/platform/mecenat", form)
	if res.StatusCode != 400 || !strings.Contains(page, `id="new-pass_monthly-error"`) || !strings.Contains(page, `value="quatre mille"`) {
		t.Fatalf("a PASS that is not an amount: %d", res.StatusCode)
	}
	form["pass_monthly"] = []string{"4 100"}
	if res, _ := staff.post("/platform/mecenat", form); res.StatusCode != 303 {
		t.Fatalf("saving 2027: %d", res.StatusCode)
	}
	res, body := do(t, w.app, "GET", w.admin.host, "/api/v1/mecenat/reference", "", w.admin.session)
	if res.StatusCode != 200 || !strings.Contains(jsonString(body), `"pass_monthly_cents":410000,"rate_bp":6000,"source":"arrêté de décembre 2026","turnover_bp":50`) {
		t.Fatalf("2027 as HR reads it: %d %v", res.StatusCode, body)
	}
	// The platform's pages answer staff on the platform's host only.
	if res, _ := w.admin.post("/platform/mecenat", form); res.StatusCode != 403 && res.StatusCode != 404 {
		t.Fatalf("an HR admin editing the law's figures: %d; want 403 or 404", res.StatusCode)
	}
	// Staff mark the causes whose gifts earn 60 % whatever the amount,
	// among those the form showed.
	if res, _ := staff.post("/platform/mecenat/causes", map[string][]string{"shown": {"emergency", "health", "education"},
		"special": {"emergency", "health"}}); res.StatusCode != 303 {
		t.Fatalf("special causes: %d", res.StatusCode)
	}
	_, page = staff.get("/platform/mecenat")
	if !strings.Contains(page, `id="special-health" name="special" value="health" checked`) || strings.Contains(page, `value="education" checked`) {
		t.Fatal("the special causes are not as saved")
	}
	if res, _ := staff.post("/platform/mecenat/causes", map[string][]string{"shown": {"nope"}, "special": {"nope"}}); res.StatusCode != 400 {
		t.Fatalf("an unknown cause: %d; want 400", res.StatusCode)
	}
}

// An employee downloads their certificate of engagement: their missions,
// associations, validated hours and dates, in their language, the figures
// those of their own hours page.
func TestEmployeeCertificate(t *testing.T) {
	t.Parallel()
	w := newMecenatWorld(t)
	// Chloé: 3.25 h for Lire (1 April 2025, working time) and 5 h for the
	// Restos (2 April, free time): 8.25 h, two associations.
	for lang, want := range map[string][]string{
		"fr": {"Attestation d'engagement", "Initech atteste que", "8,25 heures validées à 2 association(s), du 01/04/2025 au 02/04/2025",
			"Refaire le site", "Lire et faire lire", "Tenir la comptabilité", "Les Restos du cœur", "3,25", "Total"},
		"en": {"Certificate of engagement", "gave 8.25 validated hours to 2 association(s), from 1 April 2025 to 2 April 2025"},
	} {
		employee := w.employee
		employee.lang = lang
		res, body := employee.get("/me/certificate.pdf")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("certificate: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		text := pdftest.Text(t, []byte(body))
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("%s: the certificate lacks %q:\n%s", lang, s, text)
			}
		}
		if got := pdftest.Lang([]byte(body)); got[:2] != lang {
			t.Errorf("%s: /Lang %q", lang, got)
		}
	}
	// The hours page's balance says the same 8.25 h.
	res, body := do(t, w.app, "GET", w.admin.host, "/api/v1/me/hours", "", w.employee.session)
	var approved float64
	for _, b := range body["balances"].([]any) {
		approved += b.(map[string]any)["approved"].(float64)
	}
	if res.StatusCode != 200 || approved != 8.25 {
		t.Fatalf("the employee's balances: %d, %v approved", res.StatusCode, approved)
	}
	// Without a session: no certificate.
	anon := w.employee
	anon.session = ""
	if res, _ := anon.get("/me/certificate.pdf"); res.StatusCode != 401 && res.StatusCode != 303 {
		t.Fatalf("anonymous certificate: %d", res.StatusCode)
	}
}

// The campaign report, PDF and CSV, says what the dashboard says, cut by
// department, site and association.
func TestCampaignReportMatchesTheDashboard(t *testing.T) {
	t.Parallel()
	w := newMecenatWorld(t)
	if err := w.env.App.TenantTx(tenants.NewContext(context.Background(), w.tn), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE members SET department = CASE WHEN id = ? THEN 'Finance' ELSE 'Informatique' END,
			site = 'Lyon' WHERE id IN (?, ?, ?)`, w.alice, w.alice, w.bob, w.chloe)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	res, body := w.api("GET", "/api/v1/campaigns/"+w.work.String()+"/figures", "")
	if res.StatusCode != 200 {
		t.Fatalf("figures: %d", res.StatusCode)
	}
	// Alice 48 h (Finance), Bob 7.5 h and Chloé 3.25 h (Informatique):
	// 58.75 h approved by 3 participants, all in Lyon.
	if body["hours_approved"] != 58.75 || body["participants"] != 3.0 {
		t.Fatalf("the dashboard: %v h, %v participants", body["hours_approved"], body["participants"])
	}
	res, pdf := w.admin.get("/admin/campaigns/" + w.work.String() + "/report.pdf")
	if res.StatusCode != 200 {
		t.Fatalf("report PDF: %d", res.StatusCode)
	}
	text := pdftest.Text(t, []byte(pdf))
	for _, want := range []string{"Rapport de campagne · Printemps solidaire", "Participants 3", "Heures validées 58,75 h",
		"Finance (1) 48 h", "Informatique (2) 10,75 h", "Lyon (3) 58,75 h", "Les Restos du cœur (1) 48 h", "Lire et faire lire (2) 10,75 h",
		"Urgence et crise 48 h", "Éducation pour tous 10,75 h"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	res, csvText := w.admin.get("/admin/campaigns/" + w.work.String() + "/report.csv")
	// The HR admin's download is in their language, causes named.
	if res.StatusCode != 200 || !strings.Contains(csvText, "rubrique,libellé,personnes,heures approuvées,valeur,objectif") ||
		!strings.Contains(csvText, "chiffre,heures approuvées,,58.75,,") || !strings.Contains(csvText, "cause,Éducation pour tous,,10.75,,") ||
		!strings.Contains(csvText, "service,Informatique,2,10.75,,") || !strings.Contains(csvText, "association,Les Restos du cœur,1,48,,") {
		t.Fatalf("report CSV: %d\n%s", res.StatusCode, csvText)
	}
	if res, _ := w.employee.get("/admin/campaigns/" + w.work.String() + "/report.pdf"); res.StatusCode != 403 {
		t.Fatalf("an employee's report: %d; want 403", res.StatusCode)
	}
}

// The year's social indicators, PDF and CSV, are the year's figures.
func TestYearlyIndicators(t *testing.T) {
	t.Parallel()
	w := newMecenatWorld(t)
	if res, _ := w.api("PUT", "/api/v1/mecenat/costs/default", `{"hourly_cents":4000}`); res.StatusCode != 204 {
		t.Fatal("default cost")
	}
	f := w.yearFigures(t, "2025")
	// 40 €/h: Alice 48 h, Bob 7.5 h, Chloé 3.25 h on working time =
	// 58.75 h, 2 350 € (1 410 € of reduction); Chloé's 5 h of free time:
	// 63.75 h in all, by 3 of the company's 4 active members (75 %); the
	// Restos' cause 53 h, Lire's 10.75 h.
	if f.Valued != 235_000 || f.Tax.Reduction != 141_000 {
		t.Fatalf("the year's figures: %d, %d", f.Valued, f.Tax.Reduction)
	}
	res, pdf := w.admin.get("/admin/mecenat/2025/indicators.pdf")
	if res.StatusCode != 200 {
		t.Fatalf("indicators PDF: %d", res.StatusCode)
	}
	text := pdftest.Text(t, []byte(pdf))
	for _, want := range []string{"Indicateurs d'engagement solidaire 2025", "Heures d'engagement validées 63,75 h",
		"(mécénat de compétences) 58,75 h", "Salariés engagés 3", "75 % (3 / 4)", "Associations aidées 2",
		f.Valued.Format("fr"), f.Tax.Reduction.Format("fr"), "Urgence et crise", "53 h", "Éducation pour tous", "10,75 h"} {
		want = strings.NewReplacer("\u202f", " ", "\u00a0", " ").Replace(want)
		if !strings.Contains(text, want) {
			t.Errorf("the indicators lack %q:\n%s", want, text)
		}
	}
	res, csvText := w.admin.get("/admin/mecenat/2025/indicators.csv")
	for _, want := range []string{"hours validated,63.75,h", "share of employees engaged,75,%", "value of skills-based giving,2350.00,EUR",
		"hours for cause: Urgence et crise,53,h"} {
		if res.StatusCode != 200 || !strings.Contains(csvText, want) {
			t.Errorf("the indicators CSV lacks %q: %d\n%s", want, res.StatusCode, csvText)
		}
	}
}
