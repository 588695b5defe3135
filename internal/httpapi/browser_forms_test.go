package httpapi_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/tenants"
)

// axeClean runs axe-core's WCAG 2.1 A and AA rules on the page as it is
// (a confirmation open, a list filtered) and fails on any violation.
func axeClean(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	axe, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	var found []axeViolation
	err = chromedp.Run(ctx, chromedp.Evaluate(string(axe), nil),
		chromedp.Evaluate(`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
			.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
				nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))})))`, &found,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if err != nil {
		t.Fatalf("axe on %s: %v", what, err)
	}
	for _, f := range found {
		t.Errorf("%s: %s [%s] on %s", what, f.Help, f.ID, strings.Join(f.Nodes, " | "))
	}
}

// An employee's cancellation asks first, in a confirmation that opens
// without leaving the page and cancels only on its second button; the
// skills picker groups the skills by family and its search keeps the ones
// that match. Both languages, phone and desktop widths, axe-clean.
func TestBrowserConfirmationsAndSkillsPicker(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	tn, leo := b.leoAtInitech()
	m := mission(t, b.env, missionSpec{title: "Tenir la comptabilité"})
	campaignID := activeCampaign(t, b.env.App, tn, campaignSpec{name: "Printemps solidaire"})
	participation := uuid.Must(uuid.NewV7())
	if err := b.env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'pending')`, participation, campaignID, leo, m)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// The pending participation holds one of the mission's places.
	if err := b.env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE missions SET places_left = places_left - 1 WHERE id = ?", m)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	site := b.site(tn.Slug)
	ctx := b.signedIn(6*time.Minute, site, leoEmail) // two languages, two widths, axe four times
	p := participation.String()
	words := map[string][3]string{ // the warning, the search's label, a skill to find
		"fr": {"votre place est libérée", "Rechercher une compétence", "comptab"},
		"en": {"your place goes to someone else", "Search for a skill", "account"},
	}
	for _, lang := range []string{"fr", "en"} {
		var warningVisible, stillThere bool
		var warning string
		err := chromedp.Run(ctx,
			network.SetCookie("vendredi_lang", lang).WithDomain(tn.Slug+".localhost").WithPath("/"),
			chromedp.Navigate(site+"/me/participations"),
			chromedp.WaitVisible("#cancel-"+p, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector("#cancel-confirm-`+p+`").checkVisibility()`, &warningVisible),
		)
		if err != nil {
			t.Fatalf("%s: the participations: %v", lang, err)
		}
		if warningVisible {
			t.Fatalf("%s: the cancellation's button shows before anyone asked", lang)
		}
		err = chromedp.Run(ctx,
			chromedp.Click("#cancel-"+p, chromedp.ByQuery),
			chromedp.WaitVisible("#cancel-confirm-"+p, chromedp.ByQuery),
			chromedp.Text(".participation details.confirm p", &warning, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatalf("%s: open the confirmation: %v", lang, err)
		}
		if !strings.Contains(warning, words[lang][0]) {
			t.Errorf("%s: the confirmation says %q; want what cancelling does", lang, warning)
		}
		axeClean(t, ctx, lang+" participations, confirmation open")
		phone(t, ctx, "cancel-confirm-"+lang+"-390")
		screenshot(t, ctx, "cancel-confirm-"+lang+"-1280")
		// Opening the confirmation cancelled nothing.
		if err := chromedp.Run(ctx, chromedp.Reload(), chromedp.WaitVisible("#cancel-"+p, chromedp.ByQuery),
			chromedp.Evaluate(`!!document.querySelector("#cancel-`+p+`")`, &stillThere)); err != nil || !stillThere {
			t.Fatalf("%s: after opening the confirmation: %v; want the participation still there", lang, err)
		}

		var label string
		var groups, shown, total int
		err = chromedp.Run(ctx,
			chromedp.Navigate(site+"/me/profile"),
			chromedp.WaitVisible("#skills", chromedp.ByQuery),
			chromedp.Click(`button[name="add"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#skill-0", chromedp.ByQuery),
			chromedp.WaitVisible("#skill-search", chromedp.ByQuery),
			chromedp.Text(`label[for="skill-search"]`, &label, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll("#skill-0 optgroup").length`, &groups),
			chromedp.Evaluate(`document.querySelectorAll("#skill-0 optgroup option").length`, &total),
			chromedp.SendKeys("#skill-search", words[lang][2], chromedp.ByQuery),
			chromedp.Evaluate(`[...document.querySelectorAll("#skill-0 option")].filter(o => o.value && !o.hidden).length`, &shown),
		)
		if err != nil {
			t.Fatalf("%s: the skills picker: %v", lang, err)
		}
		if label != words[lang][1] || groups < 5 || total < 50 {
			t.Errorf("%s: search labelled %q, %d families, %d skills; want the search and the skills by family", lang, label, groups, total)
		}
		if shown < 1 || shown >= total/4 {
			t.Errorf("%s: %q keeps %d of %d skills; want the few that match", lang, words[lang][2], shown, total)
		}
		axeClean(t, ctx, lang+" profile, filtered")
		phone(t, ctx, "skills-"+lang+"-390")
		screenshot(t, ctx, "skills-"+lang+"-1280")
	}
	// The second button cancels, and the page says so.
	var flash string
	err := chromedp.Run(ctx,
		chromedp.Navigate(site+"/me/participations"),
		chromedp.Click("#cancel-"+p, chromedp.ByQuery),
		chromedp.Click("#cancel-confirm-"+p, chromedp.ByQuery),
		shown(".flash", &flash),
	)
	if err != nil || !strings.Contains(flash, "cancelled") {
		t.Errorf("confirm the cancellation: %v, %q; want it done and said", err, flash)
	}
}
