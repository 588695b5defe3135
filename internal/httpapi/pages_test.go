package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// Each person starts where their work is, and the header offers the links
// of what they are, never another role's.
func TestHomeAndHeaderFollowTheRole(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	ctx := context.Background()
	tn, _ := tenants.New("co-"+uuid.NewString()[:8], "Initech", nil, "fr")
	if err := postgres.NewTenantStore(env.App).Create(ctx, tn); err != nil {
		t.Fatal(err)
	}
	assoc := uuid.Must(uuid.NewV7())
	if err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO associations (id, name, legal_id, status) VALUES (?, 'Asso', ?, 'verified')",
			assoc, "W"+strings.Repeat("8", 9)); err != nil {
			return err
		}
		return env.App.TenantTx(tenants.NewContext(ctx, tn), func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status)
				VALUES (app.current_tenant_id(), ?, 'Drive de printemps', current_date - 1, current_date + 30, 'active')`, uuid.Must(uuid.NewV7()))
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
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
			req, _ := http.NewRequest("GET", path, nil)
			req.Header.Set("Accept", "text/html")
			as(tc.host, tc.session)(req)
			res, err := app.Test(req, 10000)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
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
				if !strings.Contains(string(body), s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			for _, s := range tc.notSee {
				if strings.Contains(string(body), s) {
					t.Errorf("the page shows %q", s)
				}
			}
		})
	}
}
