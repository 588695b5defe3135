package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// fitsWidth fails when the page scrolls sideways (a phone's 390 px).
func fitsWidth(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	var wide bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &wide)); err != nil {
		t.Fatal(err)
	}
	if wide {
		t.Errorf("%s: the page scrolls sideways", label)
	}
}

// A new employee signs up, an employee changes their password, an HR
// admin lands on their home and approves hours from the queue: each page
// in French and English, at 1280 and 390 px, axe-clean, errors shown at
// once next to their fields.
func TestBrowserNewCustomerJourneys(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	slug := "nc-" + uuid.NewString()[:8]
	domain := slug + ".example"
	tn := createTenant(t, b.env.App, slug, "Aviato", "fr", domain)
	memberWithPassword(t, b.env.App, tn, "erlich@"+domain, "Erlich Bachman", "hr_admin")
	jian := memberWithPassword(t, b.env.App, tn, "jian@"+domain, "Jian Yang", "employee")
	m := mission(t, b.env, missionSpec{title: "Réparer des ordinateurs"})
	campaignID := activeCampaign(t, b.env.App, tn, campaignSpec{name: "Hiver solidaire"})
	first := pendingEntry(t, b.env, tn, campaignID, jian, m, 6, "atelier du samedi")
	second := pendingEntry(t, b.env, tn, campaignID, jian, mission(t, b.env, missionSpec{title: "Trier des livres"}), 5, "")
	site := b.site(slug)
	ctx := b.page(4 * time.Minute)

	sizes := []struct {
		name string
		w, h int64
	}{{"1280", 1280, 900}, {"390", 390, 844}}
	for _, lang := range []string{"fr", "en"} {
		if err := chromedp.Run(ctx, network.ClearBrowserCookies(),
			network.SetCookie("vendredi_lang", lang).WithDomain(slug+".localhost").WithPath("/")); err != nil {
			t.Fatal(err)
		}
		// Sign-up: every refused input at once, what was typed kept.
		for _, size := range sizes {
			var emailErr, passwordErr, kept string
			err := chromedp.Run(ctx, chromedp.EmulateViewport(size.w, size.h),
				chromedp.Navigate(site+"/sign-in"),
				chromedp.Click(`#sign-up-link a`, chromedp.ByQuery),
				chromedp.WaitVisible("#sign-up-rule", chromedp.ByQuery),
				typeInto("#email", "dinesh@gmail.example", "#password", "short"),
				chromedp.Click("#sign-up-submit", chromedp.ByQuery),
				chromedp.WaitVisible("#password-error", chromedp.ByQuery),
				chromedp.Text("#email-error", &emailErr, chromedp.ByQuery),
				chromedp.Text("#password-error", &passwordErr, chromedp.ByQuery),
				chromedp.Value("#email", &kept, chromedp.ByQuery),
			)
			label := "sign-up " + lang + " " + size.name
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			if !strings.Contains(emailErr, domain) || !strings.Contains(passwordErr, "10") || kept != "dinesh@gmail.example" {
				t.Fatalf("%s: errors %q / %q, kept %q; want both errors and the address kept", label, emailErr, passwordErr, kept)
			}
			axeClean(t, ctx, label)
			fitsWidth(t, ctx, label)
			screenshot(t, ctx, "sign-up-"+lang+"-"+size.name)
		}
		var sent string
		if err := chromedp.Run(ctx, chromedp.SetValue("#email", "dinesh-"+lang+"@"+domain, chromedp.ByQuery),
			chromedp.SendKeys("#password", "assez-long-pour-passer", chromedp.ByQuery),
			chromedp.Click("#sign-up-submit", chromedp.ByQuery),
			shown("#sign-up-sent", &sent)); err != nil || !strings.Contains(sent, "dinesh-"+lang+"@"+domain) {
			t.Fatalf("sign-up %s: %v, %q; want the confirmation mail announced", lang, err, sent)
		}

		// The HR admin lands on their home, then the hours queue.
		var where string
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900), signIn(site, "erlich@"+domain),
			chromedp.WaitVisible("#glance", chromedp.ByQuery), chromedp.Location(&where)); err != nil || where != site+"/admin" {
			t.Fatalf("HR admin signing in (%s): %v, at %q; want the HR home", lang, err, where)
		}
		for _, size := range sizes {
			label := "HR home " + lang + " " + size.name
			if err := chromedp.Run(ctx, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(site+"/admin"),
				chromedp.WaitVisible("#step-campaign", chromedp.ByQuery)); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			axeClean(t, ctx, label)
			fitsWidth(t, ctx, label)
			screenshot(t, ctx, "hr-home-"+lang+"-"+size.name)
			label = "HR hours " + lang + " " + size.name
			if err := chromedp.Run(ctx, chromedp.Navigate(site+"/admin/hours"), chromedp.WaitVisible("#hours-h", chromedp.ByQuery)); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			axeClean(t, ctx, label)
			fitsWidth(t, ctx, label)
			screenshot(t, ctx, "hr-hours-"+lang+"-"+size.name)
		}
		if lang == "fr" {
			// Approve the checked entry: the other one stays.
			var flash string
			var left int
			err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844),
				chromedp.Click(`.hr-nav a[href="/admin/hours"]`, chromedp.ByQuery),
				chromedp.WaitVisible("#approve-checked", chromedp.ByQuery),
				chromedp.Click("#check-"+first.String(), chromedp.ByQuery),
				chromedp.Click("#approve-checked", chromedp.ByQuery),
				shown("#hours-flash", &flash),
				chromedp.Evaluate(`document.querySelectorAll("#hours tbody tr").length`, &left),
			)
			if err != nil || !strings.Contains(flash, "1 déclaration") || left != 1 {
				t.Fatalf("approve the checked entry: %v, %q, %d left; want one approved and one left", err, flash, left)
			}
			var gone bool
			if err := chromedp.Run(ctx, chromedp.Evaluate(`!document.getElementById("h-`+first.String()+`") && !!document.getElementById("h-`+second.String()+`")`, &gone)); err != nil || !gone {
				t.Fatalf("after approving: %v; want the approved entry gone and the other still there", err)
			}
		}

		// The employee's password section: errors at once, then the change.
		if err := chromedp.Run(ctx, network.ClearBrowserCookies(),
			network.SetCookie("vendredi_lang", lang).WithDomain(slug+".localhost").WithPath("/")); err != nil {
			t.Fatal(err)
		}
		current, next := password, "nouveau-mot-de-passe"
		if lang == "en" {
			current, next = "nouveau-mot-de-passe", password // back to the fixtures' one
		}
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(site+"/sign-in"),
			typeInto("#email", "jian@"+domain, "#password", current),
			chromedp.Submit("#password", chromedp.ByQuery),
			chromedp.WaitVisible(".who", chromedp.ByQuery)); err != nil {
			t.Fatalf("employee signing in (%s): %v", lang, err)
		}
		for _, size := range sizes {
			label := "password " + lang + " " + size.name
			var invalid string
			err := chromedp.Run(ctx, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(site+"/me/profile"),
				typeInto("#current_password", "pas-le-bon-du-tout", "#new_password", "court"),
				chromedp.Click("#password-submit", chromedp.ByQuery),
				chromedp.WaitVisible("#new_password-error", chromedp.ByQuery),
				chromedp.WaitVisible("#current_password-error", chromedp.ByQuery),
				chromedp.AttributeValue("#current_password", "aria-invalid", &invalid, nil, chromedp.ByQuery),
			)
			if err != nil || invalid != "true" {
				t.Fatalf("%s: %v, aria-invalid %q; want both errors next to their fields", label, err, invalid)
			}
			if err := chromedp.Run(ctx, chromedp.ScrollIntoView("#password", chromedp.ByQuery)); err != nil {
				t.Fatal(err)
			}
			axeClean(t, ctx, label)
			fitsWidth(t, ctx, label)
			screenshot(t, ctx, "password-"+lang+"-"+size.name)
		}
		var changed string
		if err := chromedp.Run(ctx, chromedp.SendKeys("#current_password", current, chromedp.ByQuery),
			chromedp.SendKeys("#new_password", next, chromedp.ByQuery),
			chromedp.Click("#password-submit", chromedp.ByQuery),
			shown("#password-changed", &changed)); err != nil || changed == "" {
			t.Fatalf("change the password (%s): %v", lang, err)
		}
	}
}
