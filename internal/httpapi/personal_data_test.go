package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/internal/privacy"
	"github.com/vendredi-app/vendredi/tenants"
)

// tablesHolding lists the tables of env's database where a row, read as
// text, contains one of needles (case-insensitive): read as the superuser,
// past row-level security, over every table, the job queue's included.
func tablesHolding(t *testing.T, env *pgtest.Env, needles ...string) []string {
	t.Helper()
	u, err := url.Parse(pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + env.Database
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	patterns := make([]string, len(needles))
	for i, n := range needles {
		patterns[i] = "%" + n + "%"
	}
	var out []string
	for _, tb := range tables {
		var n int
		if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM public.%s x WHERE x::text ILIKE ANY ($1)`, pgx.Identifier{tb}.Sanitize()),
			patterns).Scan(&n); err != nil {
			t.Fatalf("scan %s: %v", tb, err)
		}
		if n > 0 {
			var sample string
			_ = conn.QueryRow(ctx, fmt.Sprintf(`SELECT x::text FROM public.%s x WHERE x::text ILIKE ANY ($1) LIMIT 1`, pgx.Identifier{tb}.Sanitize()),
				patterns).Scan(&sample)
			out = append(out, fmt.Sprintf("%s (%d rows, such as %.300s)", tb, n, sample))
		}
	}
	return out
}

// privacyWorld is a company whose employee has left traces everywhere:
// signed in, filled a profile, applied with a motivation, logged hours
// with a note; the association saw the application, mails went.
type privacyWorld struct {
	env       *pgtest.Env
	tn        *tenants.Tenant
	host      string
	hr        string // an HR admin's session
	manager   string // the association's manager's session
	assoc     uuid.UUID
	campaign  uuid.UUID
	person    uuid.UUID
	session   string
	email     string
	colleague uuid.UUID
	needles   []string
}

func newPrivacyWorld(t *testing.T, app interface {
	Test(*http.Request, ...int) (*http.Response, error)
}, env *pgtest.Env, do2 func(method, host, path, body, session string) (int, map[string]any)) privacyWorld {
	t.Helper()
	w := privacyWorld{env: env}
	w.tn = newTenant(t, env.App, "Quillet")
	w.host = w.tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	w.hr = pp.session(w.tn, pp.member(w.tn, "hr_admin"))
	w.assoc = verifiedAssociation(t, env, "")
	w.manager = pp.session(nil, pp.account(false, &w.assoc))
	m := mission(t, env, missionSpec{assoc: &w.assoc, title: "Tenir la comptabilité"})
	w.campaign = activeCampaign(t, env.App, w.tn, campaignSpec{name: "Printemps solidaire", missions: []uuid.UUID{m}})
	w.email = "zephyrine.quillebeuf@" + w.tn.Slug + ".example"
	// Unique to this test: the package's tests share the database.
	name := "Zéphyrine Quillebeuf " + w.tn.Slug
	w.needles = []string{w.email, name}
	w.person = memberWithPassword(t, env.App, w.tn, w.email, name, "employee")
	w.colleague = pp.member(w.tn, "employee")

	code, body := do2("POST", w.host, "/api/v1/auth/sign-in", `{"email":"`+w.email+`","password":"`+password+`"}`, "")
	if code != http.StatusOK {
		t.Fatalf("sign-in: %d %v", code, body)
	}
	w.session = body["_session"].(string)
	// A mail to the person: a sign-in link.
	if code, body := do2("POST", w.host, "/api/v1/auth/sign-in-link", `{"email":"`+w.email+`"}`, ""); code != http.StatusAccepted {
		t.Fatalf("sign-in link: %d %v", code, body)
	}
	if code, body := do2("PUT", w.host, "/api/v1/me/profile", `{"skills":[{"skill":"communication.writing","level":3}],"hours_per_week":4,
		"days":["mon"],"formats":["remote"],"home_city":"Quimper","radius_km":20,"languages":["fr"],"causes":[]}`, w.session); code != http.StatusOK {
		t.Fatalf("profile: %d %v", code, body)
	}
	for _, who := range []struct {
		session, motivation string
	}{{w.session, name + ", comptable, disponible le lundi"}, {pp.session(w.tn, w.colleague), "Motivé"}} {
		if code, body := do2("POST", w.host, "/api/v1/campaigns/"+w.campaign.String()+"/participations",
			`{"mission_id":"`+m.String()+`","motivation":"`+who.motivation+`"}`, who.session); code != http.StatusCreated {
			t.Fatalf("apply: %d %v", code, body)
		}
	}
	// Validated, and hours logged with a note, approved.
	if err := env.App.TenantTx(tenants.NewContext(context.Background(), w.tn), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'validated' WHERE campaign_id = ?`, w.campaign); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status, note)
			SELECT tenant_id, gen_random_uuid(), id, member_id, mission_id, current_date, CASE WHEN member_id = ? THEN 3 ELSE 2 END, 'approved',
				CASE WHEN member_id = ? THEN 'Bilan fait par ' || ? ELSE 'Bilan' END
			FROM participations WHERE campaign_id = ?`, w.person, w.person, name, w.campaign); err != nil {
			return err
		}
		// The campaign was launched: its audience was invited.
		_, err := tx.ExecContext(ctx, `INSERT INTO campaign_invitations (tenant_id, campaign_id, member_id, mailed_at)
			SELECT tenant_id, ?, id, now() FROM members`, w.campaign)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// figures are what the company and the association see of the campaign.
func (w privacyWorld) figures(t *testing.T, do2 func(method, host, path, body, session string) (int, map[string]any)) map[string]any {
	t.Helper()
	code, f := do2("GET", w.host, "/api/v1/campaigns/"+w.campaign.String()+"/figures", "", w.hr)
	if code != http.StatusOK {
		t.Fatalf("figures: %d %v", code, f)
	}
	// The audience is the company's active people now: one who leaves
	// leaves it, whatever the erasure does.
	delete(f, "audience_size")
	code, hours := do2("GET", "localhost", "/api/v1/associations/"+w.assoc.String()+"/hours", "", w.manager)
	if code != http.StatusOK {
		t.Fatalf("association hours: %d %v", code, hours)
	}
	var total float64
	n := 0
	for _, h := range hours["hours"].([]any) {
		total += h.(map[string]any)["hours"].(float64)
		n++
	}
	f["association_hours"], f["association_hour_logs"] = total, n
	return f
}

func newJSONRequest(method, host, path, body, session string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = host
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: session})
	}
	return req
}

func doer(t *testing.T, app interface {
	Test(*http.Request, ...int) (*http.Response, error)
}) func(method, host, path, body, session string) (int, map[string]any) {
	return func(method, host, path, body, session string) (int, map[string]any) {
		t.Helper()
		req := newJSONRequest(method, host, path, body, session)
		res, err := app.Test(req, 10000)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		raw, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(raw, &out)
		if out != nil {
			out["_session"] = sessionOf(res)
		}
		return res.StatusCode, out
	}
}

// A person downloads everything about them, then erases it: the account,
// the profile and the free texts go; the company's and the association's
// figures do not move; no table holds their address or name any more
// (read as the superuser); the audit log records the erasure by id only.
func TestPersonalDataExportThenErasure(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	do2 := doer(t, app)
	w := newPrivacyWorld(t, app, env, do2)

	// Art. 15 and 20: the person's own copy, from the API and the page.
	code, x := do2("GET", w.host, "/api/v1/me/personal-data", "", w.session)
	if code != http.StatusOK || x["format"] != privacy.FormatV1 {
		t.Fatalf("export: %d %v", code, x)
	}
	raw, _ := json.Marshal(x)
	for _, want := range []string{`"email":"` + w.email + `"`, `"home_city":"Quimper"`, `"skill":"communication.writing"`,
		"disponible le lundi", "Bilan fait par", `"action":"sign_in"`, "Printemps solidaire", `"hours":3`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the export lacks %s", want)
		}
	}
	for _, never := range []string{"password_hash", "token_hash", "$argon2id"} {
		if strings.Contains(string(raw), never) {
			t.Errorf("the export carries %s", never)
		}
	}
	if len(x["mails"].([]any)) == 0 {
		t.Errorf("the export has no mail, though the application mailed the person")
	}
	person := browserless{t: t, app: app, host: w.host, session: w.session}
	res, page := person.get("/me/personal-data")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Télécharger mes données") {
		t.Fatalf("the personal data page: %d", res.StatusCode)
	}
	res, _ = person.get("/me/personal-data.json")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the download: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	// An HR admin answering the request gets the same, and it is audited.
	if code, hx := do2("GET", w.host, "/api/v1/members/"+w.person.String()+"/personal-data", "", w.hr); code != http.StatusOK || hx["person"].(map[string]any)["email"] != w.email {
		t.Fatalf("the HR admin's export: %d", code)
	}

	before := w.figures(t, do2)
	if before["participants"].(float64) != 2 || before["association_hours"].(float64) != 5 {
		t.Fatalf("figures before: %v", before)
	}

	// Art. 17 from the page: a wrong confirmation is refused beside its field.
	res, page = person.post("/me/personal-data/erase", url.Values{"confirm": {"someone@else.example"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="confirm-error"`) {
		t.Fatalf("a wrong confirmation: %d", res.StatusCode)
	}
	res, _ = person.post("/me/personal-data/erase", url.Values{"confirm": {strings.ToUpper(w.email)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sign-in?erased=1" {
		t.Fatalf("the erasure: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if code, _ := do2("GET", w.host, "/api/v1/me", "", w.session); code != http.StatusUnauthorized {
		t.Errorf("the erased person's session: %d; want 401", code)
	}

	after := w.figures(t, do2)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("figures changed by the erasure:\nbefore %v\nafter  %v", before, after)
	}
	if left := tablesHolding(t, env, w.needles...); len(left) > 0 {
		t.Errorf("the erased person's name or address is still in %v", left)
	}
	code, audit := do2("GET", w.host, "/api/v1/audit?action="+privacy.ActionErased, "", w.hr)
	evs := audit["events"].([]any)
	if code != http.StatusOK || len(evs) != 1 || evs[0].(map[string]any)["object"] != "member:"+w.person.String() {
		t.Fatalf("the erasure's audit event: %d %v", code, audit)
	}
	// Typing the old address now signs nobody in (and the failed attempt
	// is logged with what was typed, as any).
	if code, _ := do2("POST", w.host, "/api/v1/auth/sign-in", `{"email":"`+w.email+`","password":"`+password+`"}`, ""); code != http.StatusUnauthorized {
		t.Errorf("signing in after the erasure: %d; want 401", code)
	}
	// Done once: a second erasure finds nobody.
	if code, _ := do2("DELETE", w.host, "/api/v1/members/"+w.person.String()+"/personal-data?confirm="+url.QueryEscape(w.email), "", w.hr); code != http.StatusNotFound {
		t.Errorf("erasing again: %d; want 404", code)
	}
}

// An HR admin erases a person for them through the API; the company's last
// HR admin cannot be erased (the company would have nobody to run it).
func TestHRAdminErasesForThePerson(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	do2 := doer(t, app)
	tn := newTenant(t, env.App, "Erasers")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	admin := pp.member(tn, "hr_admin")
	hr := pp.session(tn, admin)
	someone := memberWithPassword(t, env.App, tn, "leaving@"+tn.Slug+".example", "Léonie Partante "+tn.Slug, "employee")

	if code, body := do2("DELETE", host, "/api/v1/members/"+someone.String()+"/personal-data", "", hr); code != http.StatusBadRequest {
		t.Errorf("no confirmation: %d %v; want 400", code, body)
	}
	code, body := do2("DELETE", host, "/api/v1/members/"+someone.String()+"/personal-data", `{"confirm":"leaving@`+tn.Slug+`.example"}`, hr)
	if code != http.StatusOK || body["member_id"] != someone.String() {
		t.Fatalf("erase: %d %v", code, body)
	}
	if left := tablesHolding(t, env, "Partante "+tn.Slug, "leaving@"+tn.Slug); len(left) > 0 {
		t.Errorf("still in %v", left)
	}
	code, body = do2("DELETE", host, "/api/v1/me/personal-data", `{"confirm":"`+admin.String()+`@example.org"}`, hr)
	if code != http.StatusConflict {
		t.Errorf("the last HR admin erasing themselves: %d %v; want 409", code, body)
	}
	// An employee cannot erase a colleague.
	if code, _ := do2("DELETE", host, "/api/v1/members/"+admin.String()+"/personal-data?confirm=x", "", pp.session(tn, pp.member(tn, "employee"))); code != http.StatusForbidden {
		t.Errorf("an employee erasing a colleague: %d; want 403", code)
	}
}

// The retention pass purges the personal data of campaigns ended more
// than the company's retention ago: the person keeps their account, but
// nothing links them to the old campaign any more; its figures do not
// move; a second pass changes nothing.
func TestRetentionPurgesEndedCampaigns(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	do2 := doer(t, app)
	w := newPrivacyWorld(t, app, env, do2)
	ctx := tenants.NewContext(context.Background(), w.tn)

	if code, body := do2("PUT", w.host, "/api/v1/privacy/settings", `{"retention_months":0}`, w.hr); code != http.StatusBadRequest {
		t.Fatalf("a zero retention: %d %v; want 400", code, body)
	}
	if code, body := do2("PUT", w.host, "/api/v1/privacy/settings", `{"retention_months":12}`, w.hr); code != http.StatusOK || body["retention_months"] != 12.0 {
		t.Fatalf("set the retention: %d %v", code, body)
	}
	svc := privacy.NewService(postgres.NewPrivacyStore(env.App))
	if p, err := svc.PurgeExpired(ctx); err != nil || p.Campaigns != 0 {
		t.Fatalf("a running campaign purged: %v %v", p, err)
	}
	before := w.figures(t, do2)
	// The campaign ended thirteen months ago.
	if err := env.App.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE campaigns SET starts_on = current_date - interval '14 months', ends_on = current_date - interval '13 months',
			status = 'closed' WHERE id = ?`, w.campaign)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before2 := w.figures(t, do2) // the dates moved the by-day series, nothing else
	p, err := svc.PurgeExpired(ctx)
	if err != nil || p.Campaigns != 1 || p.People != 3 {
		t.Fatalf("purge: %v %v; want one campaign, three people (two took part, all three were invited)", p, err)
	}
	if after := w.figures(t, do2); !reflect.DeepEqual(before2, after) {
		t.Errorf("figures changed by the purge:\nbefore %v\nafter  %v", before2, after)
	}
	if before["participants"] != before2["participants"] {
		t.Errorf("participants before and after the dates moved: %v, %v", before["participants"], before2["participants"])
	}
	code, mine := do2("GET", w.host, "/api/v1/me/personal-data", "", w.session)
	if code != http.StatusOK || len(mine["participations"].([]any)) != 0 || len(mine["hours"].([]any)) != 0 {
		t.Errorf("the person's data after the purge: %d participations %v hours %v; want none", code, mine["participations"], mine["hours"])
	}
	if mine["profile"] == nil {
		t.Errorf("the purge took the person's profile: they still work here")
	}
	var notes int
	if err := env.App.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM hour_logs WHERE note <> '' OR member_id = ?`, w.person).Scan(ctx, &notes)
	}); err != nil || notes != 0 {
		t.Errorf("hour logs still with a note or the person: %d %v", notes, err)
	}
	if p, err := svc.PurgeExpired(ctx); err != nil || p.Campaigns != 0 {
		t.Errorf("a second pass: %v %v; want nothing", p, err)
	}
}

// Two erasures of the same person at once (the person and an HR admin,
// say): one erases, the other finds nobody; the audit log has one event.
func TestConcurrentErasuresEraseOnce(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	do2 := doer(t, app)
	tn := newTenant(t, env.App, "Twice")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	hr := pp.session(tn, pp.member(tn, "hr_admin"))
	email := "twice@" + tn.Slug + ".example"
	someone := memberWithPassword(t, env.App, tn, email, "Deux Fois "+tn.Slug, "employee")
	codes := make(chan int, 4)
	for range 4 {
		go func() {
			code, _ := do2("DELETE", host, "/api/v1/members/"+someone.String()+"/personal-data?confirm="+url.QueryEscape(email), "", hr)
			codes <- code
		}()
	}
	got := map[int]int{}
	for range 4 {
		got[<-codes]++
	}
	if got[http.StatusOK] != 1 || got[http.StatusNotFound] != 3 {
		t.Errorf("four erasures at once: %v; want one 200 and three 404", got)
	}
	_, audit := do2("GET", host, "/api/v1/audit?action="+privacy.ActionErased, "", hr)
	if n := len(audit["events"].([]any)); n != 1 {
		t.Errorf("%d erasure events; want 1", n)
	}
}

// Offboarding a company leaves nothing of its people anywhere: not in its
// rows (deleted), nor in the platform's audit log (the onboarding named
// its first HR admin), nor in the outbox's mails.
func TestOffboardingLeavesNothingOfItsPeople(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	do2 := doer(t, app)
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	slug := "offb" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	code, body := do2("POST", "localhost", "/api/v1/platform/companies", `{"slug":"`+slug+`","name":"Offboarded","email_domains":["`+slug+`.example"],
		"admin_email":"premiere.rh@`+slug+`.example","admin_name":"Prudence Rhétaise"}`, staff)
	if code != http.StatusCreated {
		t.Fatalf("onboard: %d %v", code, body)
	}
	if left := tablesHolding(t, env, "premiere.rh@"+slug); len(left) == 0 {
		t.Fatalf("the onboarding left the admin's address nowhere: the test would prove nothing")
	}
	if code, body := do2("POST", "localhost", "/api/v1/platform/companies/"+slug+"/suspend", "", staff); code >= 300 {
		t.Fatalf("suspend: %d %v", code, body)
	}
	if code, body := do2("DELETE", "localhost", "/api/v1/platform/companies/"+slug+"?confirm="+slug, "", staff); code != http.StatusNoContent {
		t.Fatalf("delete: %d %v", code, body)
	}
	if left := tablesHolding(t, env, "premiere.rh@"+slug, "Rhétaise"); len(left) > 0 {
		t.Errorf("after offboarding, the company's people are still in %v", left)
	}
}

// An HR admin sets the retention on /admin/privacy: a value out of range
// is refused beside its field, with what was typed kept; a good one is
// saved and shown; employees do not reach the page.
func TestRetentionSettingsPage(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Keepers")
	pp := people{t: t, db: env.App}
	hr := browserless{t: t, app: app, host: tn.Slug + ".localhost", session: pp.session(tn, pp.member(tn, "hr_admin"))}
	res, page := hr.post("/admin/privacy", url.Values{"retention_months": {"500"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="retention-error"`) || !strings.Contains(page, `value="500"`) {
		t.Fatalf("500 months: %d; want 400 with the error beside the field and the value kept", res.StatusCode)
	}
	res, _ = hr.post("/admin/privacy", url.Values{"retention_months": {"36"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("36 months: %d", res.StatusCode)
	}
	if _, page = hr.get("/admin/privacy?saved=1"); !strings.Contains(page, `value="36"`) || !strings.Contains(page, `id="privacy-saved"`) {
		t.Errorf("the saved retention is not shown")
	}
	employee := hr
	employee.session = pp.session(tn, pp.member(tn, "employee"))
	if res, _ := employee.get("/admin/privacy"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an employee on /admin/privacy: %d; want 403", res.StatusCode)
	}
}
