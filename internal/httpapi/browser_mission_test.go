package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// TestBrowserMissionDetailAndCardStates walks the campaign's list and a
// mission's page in both languages, on a phone and a desktop: the list
// says before the click what a sign-up would meet (full with its waiting
// list, the campaign's limit), fits the phone without the forms it used
// to carry, the mission's page says when, where, how long and who, and
// both pass axe. Then a sign-up from the mission's page shows on its card.
func TestBrowserMissionDetailAndCardStates(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	tn, _ := b.leoAtInitech()
	assoc := verifiedAssociation(t, b.env, "Les Restos du quartier")
	var missions []uuid.UUID
	onSite := mission(t, b.env, missionSpec{assoc: &assoc, title: "Trier les dons au local", format: "on_site", places: 3, skill: "finance.accounting"})
	full := mission(t, b.env, missionSpec{assoc: &assoc, title: "Appeler les aînés", places: 2, full: true})
	missions = append(missions, onSite, full)
	for _, title := range []string{"Tenir la comptabilité", "Refaire le site web", "Animer un atelier numérique", "Traduire des fiches"} {
		missions = append(missions, mission(t, b.env, missionSpec{assoc: &assoc, title: title}))
	}
	if err := b.env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE missions SET address = '12 rue des Lilas', postal_code = '75011', city = 'Paris',
				starts_on = current_date + 3, ends_on = current_date + 45, commitment_kind = 'per_week', commitment_hours = 2.5,
				duration_weeks = 6, description = 'Trier et ranger les dons, avec l''équipe du samedi.' WHERE id = ?`, onSite)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	vitalMission(t, b.env, "Aide alimentaire et d'urgence", "food_aid")
	campaignID := activeCampaign(t, b.env.App, tn, campaignSpec{name: "Tous confinés, Tous engagés", maxActive: 2, missions: missions, crisis: true})
	host := tn.Slug + ".localhost"
	site := b.site(tn.Slug)
	list := site + "/campaigns/" + campaignID.String()
	detail := list + "/missions/" + onSite.String()
	ctx := b.signedIn(3*time.Minute, site, leoEmail)

	want := map[string]struct{ full, limit, format, commitment, verified string }{
		"fr": {"Complet — liste d'attente", "2 missions au plus dans cette campagne, il vous en reste 2.", "Sur place",
			"2,5 h par semaine, pendant 6 semaines", "Vérifiée par Vendredi"},
		"en": {"Full — waiting list", "At most 2 missions in this campaign, you have 2 left.", "On site",
			"2.5 h a week, for 6 weeks", "Verified by Vendredi"},
	}
	for _, lang := range []string{"fr", "en"} {
		w := want[lang]
		if err := chromedp.Run(ctx, network.SetCookie("vendredi_lang", lang).WithDomain(host).WithPath("/")); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{390, 1280} {
			label := lang + "-" + map[int64]string{390: "390", 1280: "1280"}[width]
			var fullState, limit, firstH2 string
			var wide bool
			var height int64
			var textareas int
			err := chromedp.Run(ctx, chromedp.EmulateViewport(width, 844), chromedp.Navigate(list),
				chromedp.WaitVisible("#others-title", chromedp.ByQuery),
				chromedp.Text("main h2", &firstH2, chromedp.ByQuery),
				chromedp.Text("#state-"+full.String(), &fullState, chromedp.ByQuery),
				chromedp.Text("#campaign-limit", &limit, chromedp.ByQuery),
				chromedp.Evaluate(`document.querySelectorAll('#others-title ~ ul textarea, .cards form.apply').length`, &textareas),
				chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide),
				chromedp.Evaluate(`document.documentElement.scrollHeight`, &height))
			if err != nil {
				t.Fatalf("%s: the campaign's list: %v", label, err)
			}
			screenshot(t, ctx, "list-"+label)
			if !strings.Contains(fullState, w.full) || strings.TrimSpace(limit) != w.limit || textareas != 0 {
				t.Errorf("%s: full card %q, limit %q, %d forms on the cards; want %q, %q, none", label, fullState, limit, textareas, w.full, w.limit)
			}
			if firstH2 != map[string]string{"fr": "Les quatre missions vitales", "en": "The four vital missions"}[lang] {
				t.Errorf("%s: first heading %q; want the vital missions first", label, firstH2)
			}
			if wide {
				t.Errorf("%s: the campaign's list scrolls sideways", label)
			}
			t.Logf("%s: the campaign's list is %d px tall", label, height)
			axeClean(t, ctx, label+" list")

			var facts, assocText string
			err = chromedp.Run(ctx, chromedp.Navigate(detail),
				chromedp.WaitVisible("#apply", chromedp.ByQuery),
				chromedp.Text(".facts", &facts, chromedp.ByQuery),
				chromedp.Text(".association", &assocText, chromedp.ByQuery),
				chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide))
			if err != nil {
				t.Fatalf("%s: the mission's page: %v", label, err)
			}
			screenshot(t, ctx, "detail-"+label)
			for _, s := range []string{w.format, "12 rue des Lilas, 75011 Paris", w.commitment} {
				if !strings.Contains(facts, s) {
					t.Errorf("%s: the facts %q lack %q", label, facts, s)
				}
			}
			if !strings.Contains(assocText, "Les Restos du quartier") || !strings.Contains(assocText, w.verified) {
				t.Errorf("%s: the association %q; want its name, verified", label, assocText)
			}
			if wide {
				t.Errorf("%s: the mission's page scrolls sideways", label)
			}
			axeClean(t, ctx, label+" detail")
		}
	}

	// From the card to the mission's page and its form, in French.
	var state, limit string
	err := chromedp.Run(ctx, network.SetCookie("vendredi_lang", "fr").WithDomain(host).WithPath("/"),
		chromedp.EmulateViewport(1280, 900), chromedp.Navigate(list),
		chromedp.WaitVisible("#m-"+onSite.String(), chromedp.ByQuery),
		chromedp.Click("#state-"+onSite.String()+" a.button", chromedp.ByQuery),
		chromedp.WaitVisible("#motivation", chromedp.ByQuery),
		chromedp.SendKeys("#motivation", "J'ai un camion", chromedp.ByQuery),
		chromedp.Click("#ack", chromedp.ByQuery),
		chromedp.Click("#apply .apply button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(".participation", chromedp.ByQuery),
		chromedp.Navigate(list),
		chromedp.WaitVisible("#m-"+onSite.String(), chromedp.ByQuery),
		chromedp.Text("#state-"+onSite.String(), &state, chromedp.ByQuery),
		chromedp.Text("#campaign-limit", &limit, chromedp.ByQuery))
	if err != nil {
		t.Fatalf("sign up from the mission's page: %v", err)
	}
	screenshot(t, ctx, "list-after-sign-up")
	if !strings.Contains(state, "Déjà inscrit — en attente de validation") || !strings.Contains(limit, "il vous en reste 1.") {
		t.Errorf("after the sign-up, the card says %q and the limit %q", state, limit)
	}
}
