package httpapi_test

import (
	"context"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// detailWorld is a company's drive with an on-site mission described in
// full, a full one, a remote one, and missions the employee must not
// reach; its employee is signed in.
type detailWorld struct {
	env                       *pgtest.Env
	b                         browserless
	campaign                  uuid.UUID
	onSite, full, remote      uuid.UUID
	otherCompanys, outOfScope uuid.UUID
	rival                     browserless // an employee of another company
	rivalCampaign             uuid.UUID
}

func newDetailWorld(t *testing.T) detailWorld {
	t.Helper()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn, other := newTenant(t, env.App, "Initech"), newTenant(t, env.App, "Globex")
	pp := people{t: t, db: env.App}
	assoc := verifiedAssociation(t, env, "Les Restos du quartier")
	w := detailWorld{env: env}
	w.onSite = mission(t, env, missionSpec{assoc: &assoc, title: "Trier les dons au local", format: "on_site", places: 3,
		skill: "finance.accounting", lat: 48.8566, lon: 2.3522})
	w.full = mission(t, env, missionSpec{assoc: &assoc, title: "Appeler les aînés", places: 1, full: true})
	w.remote = mission(t, env, missionSpec{assoc: &assoc, title: "Tenir la comptabilité"})
	w.otherCompanys = mission(t, env, missionSpec{assoc: &assoc, title: "Mission privée de Globex", visibleTo: &other.ID})
	w.outOfScope = mission(t, env, missionSpec{assoc: &assoc, title: "Hors campagne"})
	if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE missions SET address = '12 rue des Lilas', postal_code = '75011', city = 'Paris',
				starts_on = current_date + 3, ends_on = current_date + 45, commitment_kind = 'per_week', commitment_hours = 2.5,
				duration_weeks = 6, description = 'Trier et ranger les dons.' WHERE id = ?`, w.onSite); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE associations SET description = 'Repas chauds pour le quartier.', website = 'https://restos.example',
			city = 'Paris' WHERE id = ?`, assoc)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// The other company's drive lists the private mission: listing it
	// here too must not reach it.
	w.campaign = activeCampaign(t, env.App, tn, campaignSpec{maxActive: 2, crisis: true,
		missions: []uuid.UUID{w.onSite, w.full, w.remote, w.otherCompanys}})
	w.rivalCampaign = activeCampaign(t, env.App, other, campaignSpec{missions: []uuid.UUID{w.full, w.otherCompanys}})
	host := tn.Slug + ".localhost"
	w.b = browserless{t: t, app: app, host: host, session: pp.session(tn, pp.member(tn, "employee")), unescape: true}
	w.rival = browserless{t: t, app: app, host: other.Slug + ".localhost", session: pp.session(other, pp.member(other, "employee"))}
	if res, body := do(t, app, "PUT", host, "/api/v1/me/profile",
		`{"skills":[{"skill":"finance.accounting","level":3}],"formats":["remote","on_site"],"hours_per_week":4,"radius_km":20,"languages":["fr"],"causes":[],"days":[],"home_lat":48.8566,"home_lon":2.3522,"home_city":"Paris"}`,
		w.b.session); res.StatusCode != 200 {
		t.Fatalf("profile: %d %v", res.StatusCode, body)
	}
	return w
}

// reference is the request's id on an error page, which differs by request.
var reference = regexp.MustCompile(`<code>[0-9a-f-]{36}</code>`)

// tags are the markup around the words a person reads.
var tags = regexp.MustCompile(`<[^>]*>`)

func words(html string) string { return tags.ReplaceAllString(html, "") }

func (w detailWorld) detail(m uuid.UUID) string {
	return "/campaigns/" + w.campaign.String() + "/missions/" + m.String()
}

// TestMissionDetailNotFoundOutsideWhatThePersonSees: a mission of another
// company, one the campaign does not cover, another company's campaign
// and an unknown id all answer the same 404, naming nothing.
func TestMissionDetailNotFoundOutsideWhatThePersonSees(t *testing.T) {
	t.Parallel()
	w := newDetailWorld(t)
	unknownMission := w.detail(uuid.Must(uuid.NewV7()))
	unknownCampaign := "/campaigns/" + uuid.Must(uuid.NewV7()).String() + "/missions/" + w.full.String()
	// The page of an unknown one, with what differs by request (its path,
	// its reference) taken out.
	page := func(path string) (int, string) {
		res, body := w.b.get(path)
		return res.StatusCode, reference.ReplaceAllString(strings.ReplaceAll(body, path, "PATH"), "")
	}
	for _, tc := range []struct{ name, path, title, like string }{
		{"a private mission of another company, though listed", w.detail(w.otherCompanys), "Mission privée de Globex", unknownMission},
		{"a mission the campaign does not cover", w.detail(w.outOfScope), "Hors campagne", unknownMission},
		{"a mission of another company's campaign", "/campaigns/" + w.rivalCampaign.String() + "/missions/" + w.full.String(),
			"Appeler les aînés", unknownCampaign},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := page(tc.path)
			if code != 404 || strings.Contains(body, tc.title) {
				t.Fatalf("%d; want 404 without the mission's title:\n%s", code, body)
			}
			if missingCode, missing := page(tc.like); missingCode != 404 || body != missing {
				t.Errorf("the page differs from an unknown one's (%d):\n%s\nvs\n%s", missingCode, body, missing)
			}
		})
	}
	// Signing up for it by its id is as unknown.
	res, _ := w.b.post("/campaigns/"+w.campaign.String()+"/apply", url.Values{"mission_id": {w.otherCompanys.String()}})
	if res.StatusCode != 404 {
		t.Errorf("applying to another company's mission: %d, want 404", res.StatusCode)
	}
	// The person's own mission is there.
	if res, _ := w.b.get(w.detail(w.onSite)); res.StatusCode != 200 {
		t.Fatalf("the campaign's own mission: %d, want 200", res.StatusCode)
	}
}

// TestMissionDetailSaysAllBeforeTheSignUp: the detail page says when,
// how long, where and how far, who asks (verified), how many places,
// which skills and the sanitary rules it asks to acknowledge, in both
// languages; the sign-up form lives there and keeps what was typed when
// the acknowledgement is missing.
func TestMissionDetailSaysAllBeforeTheSignUp(t *testing.T) {
	t.Parallel()
	w := newDetailWorld(t)
	res, page := w.b.get(w.detail(w.onSite))
	if res.StatusCode != 200 {
		t.Fatalf("detail: %d", res.StatusCode)
	}
	for _, want := range []string{"Trier les dons au local", "Sur place", "12 rue des Lilas, 75011 Paris", "à 0 km de chez vous",
		"2,5 h par semaine, pendant 6 semaines", "du ", "3 restantes sur 3", "<strong>Comptabilité</strong> · 2 — pratique · indispensable",
		"Les Restos du quartier", "Vérifiée par Vendredi", "Repas chauds pour le quartier.", "https://restos.example",
		"Règles sanitaires", `name="sanitary_ack"`, `<textarea id="motivation"`, "Je m'inscris",
		"2 missions au plus dans cette campagne, il vous en reste 2."} {
		if !strings.Contains(page, want) {
			t.Errorf("the detail page lacks %q", want)
		}
	}
	en := w.b
	en.lang = "en"
	_, page = en.get(w.detail(w.onSite))
	for _, want := range []string{"On site", "2.5 h a week, for 6 weeks", "from ", "3 left of 3", "Verified by Vendredi", "Skills wanted",
		"At most 2 missions in this campaign, you have 2 left.", "Sign up"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English detail page lacks %q", want)
		}
	}
	apply := "/campaigns/" + w.campaign.String() + "/apply"
	res, page = w.b.post(apply, url.Values{"mission_id": {w.onSite.String()}, "motivation": {"J'ai un camion"}})
	if res.StatusCode != 400 || !strings.Contains(page, `id="ack-error"`) || !strings.Contains(page, "J'ai un camion") ||
		!strings.Contains(page, `aria-describedby="ack-error"`) {
		t.Fatalf("applying without the acknowledgement: %d; want 400 on the detail page, the error by the box, the motivation kept:\n%s",
			res.StatusCode, page)
	}
	if res, _ := w.b.post(apply, url.Values{"mission_id": {w.onSite.String()}, "sanitary_ack": {"1"}}); res.StatusCode != 303 {
		t.Fatalf("applying with the acknowledgement: %d, want 303", res.StatusCode)
	}
	_, page = w.b.get(w.detail(w.onSite))
	if !strings.Contains(words(page), "Déjà inscrit — en attente de validation") || strings.Contains(page, "<textarea") {
		t.Errorf("after signing up, the detail page should say so and offer no form:\n%s", page)
	}
}

// TestCampaignCardsSayWhereThePersonStands: the campaign's list has no
// form; each card links to its mission's page and says, before any click,
// what a sign-up would meet: full with its waiting list, already signed
// up (with the place on the waiting list, counted across companies), the
// campaign's limit and what remains of it.
func TestCampaignCardsSayWhereThePersonStands(t *testing.T) {
	t.Parallel()
	w := newDetailWorld(t)
	list := "/campaigns/" + w.campaign.String()
	card := func(page string, m uuid.UUID) string {
		i := strings.Index(page, `id="m-`+m.String()+`"`)
		if i < 0 {
			t.Fatalf("no card for %s:\n%s", m, page)
		}
		rest := page[i:]
		return rest[:strings.Index(rest, "</li>")]
	}
	_, page := w.b.get(list)
	if strings.Contains(page, "<textarea") || strings.Contains(page, `action="`+list+`/apply"`) {
		t.Errorf("the campaign's list still carries sign-up forms:\n%s", page)
	}
	if !strings.Contains(page, "2 missions au plus dans cette campagne, il vous en reste 2.") {
		t.Errorf("the limit is not said before the click:\n%s", page)
	}
	if c := card(page, w.full); !strings.Contains(c, "Complet — liste d'attente") || !strings.Contains(c, "Voir et rejoindre la liste d'attente") ||
		strings.Contains(c, "m'inscrire") || !strings.Contains(c, `href="`+w.detail(w.full)+`#apply"`) {
		t.Errorf("the full mission's card: %s", c)
	}
	if c := card(page, w.remote); !strings.Contains(c, "Voir la mission et m'inscrire") || !strings.Contains(c, `href="`+w.detail(w.remote)) {
		t.Errorf("an open mission's card: %s", c)
	}

	// Someone of another company waits first: the employee comes second.
	if res, _ := w.rival.post("/campaigns/"+w.rivalCampaign.String()+"/apply",
		url.Values{"mission_id": {w.full.String()}, "waiting_list": {"1"}}); res.StatusCode != 303 {
		t.Fatalf("the other company's employee joins the waiting list: %d", res.StatusCode)
	}
	apply := list + "/apply"
	if res, _ := w.b.post(apply, url.Values{"mission_id": {w.full.String()}, "waiting_list": {"1"}}); res.StatusCode != 303 {
		t.Fatalf("joining the waiting list: %d", res.StatusCode)
	}
	_, page = w.b.get(list)
	if c := card(page, w.full); !strings.Contains(words(c), "Déjà inscrit — sur liste d'attente (position 2 sur la liste d'attente)") ||
		strings.Contains(c, "rejoindre") {
		t.Errorf("the card of the mission waited for: %s", c)
	}
	if !strings.Contains(page, "il vous en reste 1.") {
		t.Errorf("one sign-up taken, one left:\n%s", page)
	}
	if res, _ := w.b.post(apply, url.Values{"mission_id": {w.onSite.String()}, "sanitary_ack": {"1"}}); res.StatusCode != 303 {
		t.Fatalf("second sign-up: %d", res.StatusCode)
	}
	_, page = w.b.get(list)
	if !strings.Contains(page, "vous avez atteint cette limite.") {
		t.Errorf("the limit reached is not said:\n%s", page)
	}
	if c := card(page, w.remote); !strings.Contains(c, "Vous participez déjà au nombre de missions") || strings.Contains(c, "m'inscrire") {
		t.Errorf("at the limit, an open mission's card still offers the sign-up: %s", c)
	}
	if c := card(page, w.onSite); !strings.Contains(words(c), "Déjà inscrit — en attente de validation") {
		t.Errorf("the card of the mission signed up for: %s", c)
	}
	_, page = w.b.get(w.detail(w.remote))
	if strings.Contains(page, "<textarea") || !strings.Contains(page, "Vous participez déjà au nombre de missions") {
		t.Errorf("at the limit, the detail page still offers the form:\n%s", page)
	}
	en := w.b
	en.lang = "en"
	_, page = en.get(list)
	if !strings.Contains(page, "At most 2 missions in this campaign, you have reached this limit.") ||
		!strings.Contains(words(card(page, w.full)), "Already signed up — on the waiting list (position 2 on the waiting list)") {
		t.Errorf("the English list:\n%s", page)
	}
}

// TestMissionDetailOffersItsTimeSlots: a mission with time slots is
// signed up for by choosing one, which its page offers at France's time;
// without a choice the refusal comes back by the slots.
func TestMissionDetailOffersItsTimeSlots(t *testing.T) {
	t.Parallel()
	w := newDetailWorld(t)
	slot := uuid.Must(uuid.NewV7())
	if err := w.env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mission_slots (mission_id, id, starts_at, ends_at)
			VALUES (?, ?, (date_trunc('day', now() AT TIME ZONE 'Europe/Paris') + interval '3 days 14 hours') AT TIME ZONE 'Europe/Paris',
				(date_trunc('day', now() AT TIME ZONE 'Europe/Paris') + interval '3 days 17 hours') AT TIME ZONE 'Europe/Paris')`, w.remote, slot)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, page := w.b.get(w.detail(w.remote))
	if !strings.Contains(page, `name="slot_id" value="`+slot.String()+`"`) || !strings.Contains(page, "14:00 – 17:00") {
		t.Fatalf("the mission's page does not offer its slot:\n%s", page)
	}
	apply := "/campaigns/" + w.campaign.String() + "/apply"
	res, page := w.b.post(apply, url.Values{"mission_id": {w.remote.String()}})
	if res.StatusCode != 400 || !strings.Contains(page, `id="slot-error"`) || !strings.Contains(page, `aria-describedby="slot-error"`) {
		t.Fatalf("no slot chosen: %d; want 400 with the error by the slots:\n%s", res.StatusCode, page)
	}
	if res, _ := w.b.post(apply, url.Values{"mission_id": {w.remote.String()}, "slot_id": {slot.String()}}); res.StatusCode != 303 {
		t.Fatalf("a slot chosen: %d, want 303", res.StatusCode)
	}
}
