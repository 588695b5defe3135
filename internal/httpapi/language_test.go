package httpapi_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// The reasons of an invitation file's report are in the page's language,
// never the English of the API: a bad address, a line given twice, a
// line that is not CSV.
func TestImportReportSpeaksThePagesLanguage(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	file := "email,name\nnot-an-email,Nobody\nann@initech.example,Ann\nann@initech.example,Ann again\n\"broken,Quote\n"
	for lang, c := range map[string]struct{ want, notWant []string }{
		"fr": {want: []string{`"not-an-email" n'est pas une adresse e-mail`, "déjà plus haut dans le fichier", "n'est pas du CSV valide"},
			notWant: []string{"is not an email address", "already earlier", "not valid CSV"}},
		"en": {want: []string{`"not-an-email" is not an email address`, "already earlier in the file", "not valid CSV"},
			notWant: []string{"adresse e-mail", "plus haut"}},
	} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, _ := mw.CreateFormFile("file", "people.csv")
		_, _ = part.Write([]byte(strings.ReplaceAll(file, "ann@", lang+"-ann@")))
		_ = mw.Close()
		admin := w.admin
		admin.lang, admin.unescape = lang, true
		_, page := admin.upload("/admin/invitations/import", &body, mw.FormDataContentType())
		for _, s := range c.want {
			if !strings.Contains(page, s) {
				t.Errorf("%s: the report does not say %q:\n%s", lang, s, page)
			}
		}
		for _, s := range c.notWant {
			if strings.Contains(page, s) {
				t.Errorf("%s: the report says %q, in the other language", lang, s)
			}
		}
	}
}

// The dashboard counts by department and by site, and draws a long
// campaign whole, by week, as a drawing that scales to the page; each bar
// can be focused and says its period and value, in the page's language.
func TestDashboardBreaksDownAndDrawsTheWholeCampaign(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	assoc := verifiedAssociation(t, env, "")
	m := mission(t, env, missionSpec{assoc: &assoc})
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -20)
	id := co.campaign(`{"name":"Longue","starts_on":"` + start.Format(time.DateOnly) + `","ends_on":"` + start.AddDate(0, 0, 89).Format(time.DateOnly) + `"}`)
	ada, _ := co.person("employee", "Comptabilité", "Lyon", identity.StatusActive)
	bob, _ := co.person("employee", "Comptabilité", "Paris", identity.StatusActive)
	p := co.participation(id, ada, m, "validated", start.Add(9*time.Hour))
	co.participation(id, bob, m, "validated", start.AddDate(0, 0, 1).Add(9*time.Hour))
	co.exec(`INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on, hours, status)
		VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, 4.5, 'approved')`, uuid.Must(uuid.NewV7()), p, ada, m, start.AddDate(0, 0, 2).Format(time.DateOnly))

	admin := browserless{t: t, app: app, host: co.host, session: co.admin, unescape: true}
	for lang, want := range map[string][]string{
		"fr": {"Par service", "Par site", "Comptabilité", "Lyon", "Paris", "4,5 h", "Candidatures par semaine", "semaine du " + start.Format("02/01/2006")},
		"en": {"By department", "By site", "4.5 h", "Applications by week", "week of " + start.Format("2 Jan 2006")},
	} {
		admin.lang = lang
		_, page := admin.get("/admin/campaigns/" + id.String())
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the dashboard lacks %q", lang, w)
			}
		}
		svg := page[strings.Index(page, `id="by-day-svg"`):]
		svg = svg[:strings.Index(svg, "</svg>")]
		// 90 days are 13 or 14 weeks: each a bar that can be focused.
		if n := strings.Count(svg, `class="bar" tabindex="0"`); n < 13 || n > 14 {
			t.Errorf("%s: %d bars; want one per week", lang, n)
		}
		if strings.Contains(svg, ` width="640"`) {
			t.Errorf("%s: the chart has a fixed width: it would scroll sideways on a phone", lang)
		}
	}
}
