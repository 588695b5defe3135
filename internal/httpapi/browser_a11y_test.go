package httpapi_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vendredi-app/vendredi/internal/demo"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// axeViolation is what axe-core reports of a rule a page breaks.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// Every main page of every role passes the WCAG 2.1 A and AA rules that
// axe-core decides by itself (contrast, labels, names, landmarks, lang…),
// in French and in English, on the demo world.
func TestPagesMeetWCAG21AA(t *testing.T) {
	t.Parallel()
	axe, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	// The demo world's slugs and addresses are fixed: a database of its own.
	b := newBrowserTestOn(t, func() *pgtest.Env {
		e := pgtest.Private(t)
		hash, err := argon2id.CreateHash(demo.Password, identity.DefaultConfig().Hash)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := postgres.SeedDemo(context.Background(), e.App, hash); err != nil {
			t.Fatal(err)
		}
		return e
	})
	port := b.port
	ctx := b.page(6 * time.Minute) // some 50 pages, twice

	acmeCampaign := demo.ID("campaign", "acme").String()
	assoc := "/associations/" + demo.ID("association", "entraide-numerique").String()
	visits := []struct {
		host, email string
		paths       []string
	}{
		{"acme.localhost", "", []string{"/", "/sign-in", "/sign-up", "/auth/invitation?token=unknown", "/no-such-page"}},
		{"localhost", "", []string{"/", "/associations/sign-up", "/api/docs"}},
		{"acme.localhost", "karim.benali@acme.example", []string{"/", "/campaigns/" + acmeCampaign,
			"/campaigns/" + acmeCampaign + "/missions/" + demo.ID("mission", "site-web").String(), "/me/participations", "/me/profile", "/me/personal-data", "/me/notifications"}},
		{"acme.localhost", "sophie.laurent@acme.example", []string{"/me/participations"}}, // hours logged
		{"acme.localhost", "claire.martin@acme.example", []string{"/admin", "/admin/hours", "/admin/people", "/admin/campaigns", "/admin/campaigns/" + acmeCampaign, "/admin/campaigns/" + acmeCampaign + "/settings",
			"/admin/audit", "/admin/tokens", "/admin/branding", "/admin/privacy", "/admin/chat", "/admin/mecenat", "/admin/mecenat/costs",
			"/admin/mecenat/" + strconv.Itoa(time.Now().Year()) + "/lines"}},
		{"localhost", "staff@vendredi.localhost", []string{"/platform", "/platform/companies", "/platform/associations",
			"/platform/missions", "/platform/missions/" + demo.ID("mission", "vital-food").String(), "/platform/templates", "/platform/claims",
			"/platform/templates/tous-confines-tous-engages", "/platform/deliveries", "/platform/mecenat"}},
		{"localhost", "responsable@entraide-numerique.example", []string{assoc, assoc + "/missions", assoc + "/missions/new",
			assoc + "/missions/" + demo.ID("mission", "site-web").String(),
			assoc + "/applicants", assoc + "/hours", assoc + "/receipts"}},
	}
	checked := 0
	for _, lang := range []string{"fr", "en"} {
		for _, v := range visits {
			site := "http://" + v.host + ":" + port
			err := chromedp.Run(ctx, network.ClearBrowserCookies(),
				network.SetCookie("vendredi_lang", lang).WithDomain(v.host).WithPath("/"))
			if err == nil && v.email != "" {
				err = chromedp.Run(ctx, chromedp.Navigate(site+"/sign-in"),
					typeInto("#email", v.email, "#password", demo.Password),
					chromedp.Submit("#password", chromedp.ByQuery),
					chromedp.WaitNotPresent("#password", chromedp.ByQuery))
			}
			if err != nil {
				t.Fatalf("%s on %s: %v", v.email, v.host, err)
			}
			for _, path := range v.paths {
				var found []axeViolation
				var status string
				err := chromedp.Run(ctx, chromedp.Navigate(site+path),
					chromedp.Evaluate(`document.documentElement.lang`, &status),
					chromedp.Evaluate(string(axe), nil),
					chromedp.Evaluate(`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
						.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
							nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))})))`, &found,
						func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
				if err != nil {
					t.Fatalf("%s %s: %v", v.host, path, err)
				}
				if status != lang {
					t.Errorf("%s%s is in %q; want %s", v.host, path, status, lang)
				}
				for _, f := range found {
					t.Errorf("%s%s (%s, %s): %s [%s] on %s", v.host, path, lang, v.email, f.Help, f.ID, strings.Join(f.Nodes, " | "))
				}
				checked++
			}
		}
	}
	t.Logf("%d pages checked with axe-core", checked)
}
