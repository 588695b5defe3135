package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// Each person starts where their work is, and the header offers the links
// of what they are, never another role's.
func TestHomeAndHeaderFollowTheRole(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	assoc := verifiedAssociation(t, env, "Asso")
	activeCampaign(t, env.App, tn, campaignSpec{name: "Drive de printemps"})
	pp := people{t: t, db: env.App}
	host := tn.Slug + ".localhost"
	cases := []struct {
		name, host, session string
		path                string   // "/" unless said
		redirect            string   // where the page sends them, if anywhere
		see, notSee         []string // on the page "/" serves
	}{
		{name: "staff", host: "localhost", session: pp.session(nil, pp.account(true, nil)), redirect: "/platform"},
		{name: "manager", host: "localhost", session: pp.session(nil, pp.account(false, &assoc)), redirect: "/associations/" + assoc.String()},
		{name: "anonymous on the platform", host: "localhost",
			see: []string{`href="/sign-in"`, "Les quatre missions vitales"}, notSee: []string{"/platform", "/admin/"}},
		{name: "employee", host: host, session: pp.session(tn, pp.member(tn, "employee")),
			see:    []string{"Vos campagnes", "Drive de printemps", `href="/me/profile"`},
			notSee: []string{`href="/admin/`, `href="/platform"`}},
		{name: "employee without sign-ups", host: host, session: pp.session(tn, pp.member(tn, "employee")), path: "/me/participations",
			see: []string{"aucune participation", `<a class="button" href="/">Voir les missions</a>`}},
		{name: "hr admin", host: host, session: pp.session(tn, pp.member(tn, "hr_admin")),
			see: []string{"Vos campagnes", `href="/admin/people"`, `href="/me/profile"`}, notSee: []string{`href="/platform"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/"
			}
			res, body := browserless{t: t, app: app, host: tc.host, session: tc.session}.get(path)
			if tc.redirect != "" {
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.redirect {
					t.Fatalf("%d to %q; want 303 to %s", res.StatusCode, res.Header.Get("Location"), tc.redirect)
				}
				return
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%d", res.StatusCode)
			}
			// No script runs but ours, and no other site frames the page.
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
				!strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("Referrer-Policy") != "same-origin" {
				t.Errorf("security headers: %v", res.Header)
			}
			for _, s := range tc.see {
				if !strings.Contains(body, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			for _, s := range tc.notSee {
				if strings.Contains(body, s) {
					t.Errorf("the page shows %q", s)
				}
			}
		})
	}
}
