package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// onboardingForm is the onboarding form as multipart, with a logo when
// logo is not nil.
func onboardingForm(t *testing.T, fields map[string]string, logo []byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	part, err := w.CreateFormFile("logo", "logo.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(logo); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, w.FormDataContentType()
}

func TestStaffOnboardingWithoutJavaScript(t *testing.T) {
	t.Parallel()
	env, _, _, staff := staffPages(t)
	suffix := uuid.NewString()[:8]
	taken := "taken-" + suffix + ".example"
	createTenant(t, env.App, "other-"+suffix, "Other", "fr", taken)
	domain := "co-" + suffix + ".example"
	fields := func(change map[string]string) map[string]string {
		f := map[string]string{"name": "Société Générale " + suffix, "slug": "", "email_domains": domain, "locale": "fr",
			"admin_email": "rh@" + domain, "admin_name": "Rose", "accent": "#2f5bea"}
		for k, v := range change {
			f[k] = v
		}
		return f
	}
	cases := []struct {
		name   string
		change map[string]string
		logo   []byte
		status int
		field  string
	}{
		{"white text unreadable on the accent", map[string]string{"accent": "#ffff00"}, nil, http.StatusBadRequest, "accent"},
		{"a logo that is no image", nil, []byte("just some text"), http.StatusBadRequest, "logo"},
		{"an email domain of another company", map[string]string{"email_domains": domain + ", " + taken}, nil, http.StatusConflict, "email_domains"},
		{"an admin outside the domains", map[string]string{"admin_email": "rh@elsewhere.example"}, nil, http.StatusBadRequest, "admin_email"},
		{"a bad domain", map[string]string{"email_domains": "not a domain"}, nil, http.StatusBadRequest, "email_domains"},
	}
	for _, c := range cases {
		body, ct := onboardingForm(t, fields(c.change), c.logo)
		res, page := staff.upload("/platform/companies", body, ct)
		if res.StatusCode != c.status || !strings.Contains(page, `id="`+c.field+`-error"`) ||
			!strings.Contains(page, `value="Société Générale `+suffix+`"`) || !strings.Contains(page, `value="rh@`) {
			t.Errorf("%s: status %d; want %d, the error next to %s, the name and admin kept:\n%s", c.name, res.StatusCode, c.status, c.field, page)
		}
	}

	// Without a slug, the name's: accents folded, spaces as hyphens. The
	// product's own colour leaves the company without an accent.
	body, ct := onboardingForm(t, fields(nil), nil)
	res, _ := staff.upload("/platform/companies", body, ct)
	slug := "societe-generale-" + suffix
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "onboarded="+slug) {
		t.Fatalf("onboard: %d to %q; want 303 to the list with %s", res.StatusCode, res.Header.Get("Location"), slug)
	}
	co, err := postgres.NewTenantStore(env.App).BySlug(context.Background(), slug)
	if err != nil || co.Accent != "" || co.LogoVersion != "" {
		t.Fatalf("%s stored as %+v (%v); want no accent of its own and no logo", slug, co, err)
	}
	_, page := staff.get(res.Header.Get("Location"))
	if !strings.Contains(page, "Société Générale "+suffix+" est créée. L'invitation a été envoyée à rh@"+domain) {
		t.Fatalf("after onboarding, the list says:\n%s", page)
	}
	// Staff see the list and a company's logo on the platform's address.
	if res, _ := staff.get("/platform/companies/" + slug + "/logo"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("logo of a company without one: %d; want 404", res.StatusCode)
	}
}

func TestStaffTemplatesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	env, _, _, staff := staffPages(t)
	code := "drive-" + uuid.NewString()[:8]
	form := url.Values{"code": {code}, "name_fr": {"Solidarité d'été"}, "name_en": {"Summer solidarity"}, "description_fr": {"Un été utile."},
		"goal_participation_pct": {"30"}, "goal_hours_per_person": {"4,5"}, "duration_days": {"soixante"}, "max_active_per_employee": {"2"},
		"auto_approve_hours": {"0"}, "remote_first": {"on"}}

	res, page := staff.post("/platform/templates", form)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="duration_days-error">Saisissez un nombre entier`) ||
		!strings.Contains(page, `value="Solidarité d'été"`) || !strings.Contains(page, `id="remote_first" name="remote_first" type="checkbox" value="on" checked`) {
		t.Fatalf("a duration in words: %d; want 400, the error next to the duration in French, the rest kept:\n%s", res.StatusCode, page)
	}
	form.Set("duration_days", "45")
	if res, _ := staff.post("/platform/templates", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d; want 303", res.StatusCode)
	}
	if res, page := staff.post("/platform/templates", form); res.StatusCode != http.StatusConflict || !strings.Contains(page, `id="code-error"`) {
		t.Fatalf("the same code twice: %d; want 409 with the error next to the code:\n%s", res.StatusCode, page)
	}
	store := postgres.NewCampaignStore(env.App)
	tpl, err := store.Template(context.Background(), code)
	if err != nil || tpl.GoalHoursPerPerson == nil || *tpl.GoalHoursPerPerson != 4.5 || tpl.DurationDays != 45 || !tpl.RemoteFirst || tpl.Crisis {
		t.Fatalf("created %+v (%v); want 4.5 hours per person (typed 4,5), 45 days, remote first, no crisis", tpl, err)
	}

	// Editing: a goal emptied is no goal any more; a name emptied is an
	// error next to it, in English for an English reader.
	form.Del("code")
	form.Set("goal_participation_pct", "")
	form.Set("name_en", "Summer of solidarity")
	if res, _ := staff.post("/platform/templates/"+code, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d; want 303", res.StatusCode)
	}
	if tpl, err := store.Template(context.Background(), code); err != nil || tpl.GoalParticipationPct != nil || tpl.NameEN != "Summer of solidarity" {
		t.Fatalf("edited %+v (%v); want no participation goal and the new English name", tpl, err)
	}
	form.Set("name_fr", "")
	en := staff
	en.lang = "en"
	res, page = en.post("/platform/templates/"+code, form)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="name_fr-error"`) || !strings.Contains(page, "Edit a campaign template") {
		t.Fatalf("a French name emptied: %d; want 400 with the error next to it, on the English page:\n%s", res.StatusCode, page)
	}
	if res, _ := staff.post("/platform/templates/no-such-template", form); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown template: %d; want 404", res.StatusCode)
	}
}

func TestStaffEditOnlyVitalMissions(t *testing.T) {
	t.Parallel()
	env, _, _, staff := staffPages(t)
	ordinary := mission(t, env, missionSpec{title: "Aide aux devoirs"})
	path := "/platform/missions/" + ordinary.String()
	if res, _ := staff.get(path); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an association's mission on the vital missions' page: %d; want 404", res.StatusCode)
	}
	form := url.Values{"title": {"Changed by staff"}, "format": {"remote"}, "external_url": {"https://example.org"}}
	if res, _ := staff.post(path, form); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an association's mission saved as a vital one: %d; want 404", res.StatusCode)
	}

	vital := mission(t, env, missionSpec{title: "Garde d'enfants", vital: "childcare"})
	path = "/platform/missions/" + vital.String()
	form.Set("format", "on_site")
	form.Set("lat", "quarante-huit")
	res, page := staff.post(path, form)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="lat-error">Saisissez un nombre`) || !strings.Contains(page, `value="Changed by staff"`) {
		t.Fatalf("a latitude in words: %d; want 400 with the error next to it and the title kept:\n%s", res.StatusCode, page)
	}
	form.Set("lat", "48,85")
	form.Set("lon", "2.35")
	if res, _ := staff.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save on site: %d; want 303", res.StatusCode)
	}
	m, err := postgres.NewCatalogStore(env.App).MissionOf(context.Background(), nil, vital)
	if err != nil || m.Title != "Changed by staff" || !m.RequiresSanitaryAck || m.Lat == nil || *m.Lat != 48.85 || m.VitalCategory != "childcare" {
		t.Fatalf("saved %+v (%v); want the title, on site with the sanitary acknowledgement, at 48.85, still childcare", m, err)
	}
}

// A company whose HR admin never joined gets its invitation again from the
// staff's companies page; once someone has joined, there is none to send.
func TestStaffResendTheHRInvitation(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	srv := mailtest.Start(t)
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	slug, admin := "resend-"+uuid.NewString()[:6], mailtest.Address(t)
	if res, body := do(t, app, "POST", "localhost", "/api/v1/platform/companies",
		`{"slug":"`+slug+`","name":"Initech","admin_email":"`+admin+`"}`, staff); res.StatusCode != 201 {
		t.Fatalf("onboard: %d %v", res.StatusCode, body)
	}
	first := srv.WaitFor(t, admin, 5*time.Second)
	b := browserless{t: t, app: app, host: "localhost", session: staff}
	if _, page := b.get("/platform/companies"); !strings.Contains(page, `action="/platform/companies/`+slug+`/resend"`) {
		t.Fatalf("no resend button for a company nobody joined:\n%s", page)
	}
	ageInvitations(t, env.App, slug) // past the resend throttle
	res, _ := b.post("/platform/companies/"+slug+"/resend", url.Values{})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "resent="+slug) {
		t.Fatalf("resend: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	again := srv.WaitFor(t, admin, 5*time.Second)
	link := again.Link("/auth/invitation")
	if !strings.HasPrefix(link, "http://"+slug+".localhost") || link == first.Link("/auth/invitation") {
		t.Errorf("the new invitation links %q; want a new link on the company's address", link)
	}
	// A company whose admin joined has nothing waiting.
	joined := newTenant(t, env.App, "Globex")
	pp.member(joined, "hr_admin")
	if res, page := b.post("/platform/companies/"+joined.Slug+"/resend", url.Values{}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(page, "plus d&#39;invitation RH en attente") {
		t.Errorf("resend to a company whose admin joined: %d; want 409", res.StatusCode)
	}
}
