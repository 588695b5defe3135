package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/catalog/gen"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// catalogue is one test's corner of the package's database: its own
// verified association, and a made-up word that every mission it posts
// carries in its title, so that the test searches only its own missions
// while other tests add theirs.
type catalogue struct {
	t      testing.TB
	db     *postgres.DB
	search *postgres.Search
	token  string
	assoc  uuid.UUID
	name   string
	ctx    context.Context // a company's
}

func newCatalogue(t testing.TB) *catalogue {
	t.Helper()
	return newCatalogueOn(t, pgtest.New(t))
}

// newCatalogueOn is newCatalogue on env's database: pgtest.Private's for
// a test that must see only its own missions.
func newCatalogueOn(t testing.TB, env *pgtest.Env) *catalogue {
	t.Helper()
	c := &catalogue{t: t, db: env.App, search: postgres.NewSearch(env.App), token: madeUpWord(),
		ctx: tenants.NewContext(context.Background(), &tenants.Tenant{ID: uuid.New(), Slug: "co", Name: "Co"})}
	c.assoc, c.name = c.association(catalog.AssociationVerified)
	return c
}

// madeUpWord is a word no other test uses, of consonants so that the
// French stemmer leaves it as it is.
func madeUpWord() string {
	const letters = "bcdfghjklmnpqrstvwxz"
	b := []byte("zq")
	for range 10 {
		b = append(b, letters[rand.IntN(len(letters))])
	}
	return string(b)
}

func (c *catalogue) association(status string) (uuid.UUID, string) {
	c.t.Helper()
	id := uuid.Must(uuid.NewV7())
	name := "Asso " + madeUpWord()
	legal := fmt.Sprintf("W%09d", rand.IntN(1_000_000_000))
	if _, err := postgres.BulkLoad(context.Background(), c.db, []catalog.Association{{ID: id, Name: name, LegalID: legal, Status: status}}, nil); err != nil {
		c.t.Fatal(err)
	}
	return id, name
}

// add stores missions, filling what a test does not care about: the
// catalogue's association, the token in the title, open, remote, places.
func (c *catalogue) add(ms ...catalog.Mission) []uuid.UUID {
	c.t.Helper()
	ids := make([]uuid.UUID, len(ms))
	for i := range ms {
		m := &ms[i]
		if m.ID == uuid.Nil {
			m.ID = uuid.Must(uuid.NewV7())
		}
		if m.AssociationID == nil && m.Organizer == "" {
			m.AssociationID = &c.assoc
		}
		m.Title = strings.TrimSpace(m.Title + " " + c.token)
		if m.Format == "" {
			m.Format = catalog.Remote
		}
		if m.Status == "" {
			m.Status = catalog.MissionOpen
		}
		if m.Places == 0 && m.Organizer == "" {
			m.Places, m.PlacesLeft = 5, 5
		}
		if err := m.Normalize(); err != nil {
			c.t.Fatalf("mission %q: %v", m.Title, err)
		}
		ids[i] = m.ID
	}
	if _, err := postgres.BulkLoad(context.Background(), c.db, nil, ms); err != nil {
		c.t.Fatal(err)
	}
	return ids
}

// find searches the catalogue's association's missions (q.AssociationID
// unless q has text: then the token keeps to the test's missions).
func (c *catalogue) find(q catalog.Query) []catalog.Mission {
	c.t.Helper()
	page, err := c.search.Search(c.ctx, c.scoped(q))
	if err != nil {
		c.t.Fatal(err)
	}
	if page.Next != "" {
		c.t.Fatalf("one page expected, got a next cursor")
	}
	return page.Missions
}

func (c *catalogue) scoped(q catalog.Query) catalog.Query {
	if q.Text == "" && q.AssociationID == nil {
		q.AssociationID = &c.assoc
	} else if q.Text != "" {
		q.Text += " " + c.token
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	return q
}

func titles(ms []catalog.Mission, token string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = strings.TrimSpace(strings.TrimSuffix(m.Title, token))
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func day(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestSearchTextIsFrench(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.add(
		catalog.Mission{Title: "Bénévolat au jardin partagé", Description: "Arroser et désherber."},
		catalog.Mission{Title: "Aide informatique", Description: "Animer des ateliers numériques pour les seniors."},
		catalog.Mission{Title: "Ateliers de cuisine", Description: "Préparer des repas."},
		catalog.Mission{Title: "Comptabilité", Description: "Clôturer les comptes de l'atelier."},
	)
	cases := []struct{ q, want string }{
		{"benevolat", "Bénévolat au jardin partagé"},         // accents folded
		{"BÉNÉVOLAT jardins", "Bénévolat au jardin partagé"}, // plural stemmed, case folded
		{"atelier numerique", "Aide informatique"},           // plural in the text, singular asked
		{"cuisine -atelier", ""},                             // websearch syntax: minus excludes
		{"jardin -arroser", ""},                              // even a word of the description only
		{"\"comptes de l'atelier\"", "Comptabilité"},         // a phrase
		{"plomberie", ""},
	}
	for _, tc := range cases {
		got := titles(c.find(catalog.Query{Text: tc.q}), c.token)
		want := []string{}
		if tc.want != "" {
			want = []string{tc.want}
		}
		if !slices.Equal(got, want) {
			t.Errorf("q=%s: %q; want %q", tc.q, got, want)
		}
	}
	// A word of the title weighs more than one of the description.
	got := titles(c.find(catalog.Query{Text: "atelier", Sort: catalog.SortRelevance}), c.token)
	if len(got) != 3 || got[0] != "Ateliers de cuisine" {
		t.Errorf("by relevance: %q; want the title match first of three", got)
	}
}

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	lat, lon := 45.76, 4.83
	c.add(
		catalog.Mission{Title: "web", Skills: []catalog.SkillNeed{{Skill: "it.web-dev", Level: 2, Required: true}}, Cause: "education"},
		catalog.Mission{Title: "compta", Skills: []catalog.SkillNeed{{Skill: "finance.accounting", Level: 3, Required: true}}, Cause: "health",
			Format: catalog.OnSite, Lat: &lat, Lon: &lon},
		catalog.Mission{Title: "mars", DateKind: "one_off", StartsOn: day("2020-03-20"), Format: catalog.Hybrid, Lat: &lat, Lon: &lon},
		catalog.Mission{Title: "avril-mai", DateKind: "recurring", StartsOn: day("2020-04-01"), EndsOn: day("2020-05-31")},
		catalog.Mission{Title: "une place", Places: 3, PlacesLeft: 1},
		catalog.Mission{Title: "complet", Places: 3, PlacesLeft: 0, Status: catalog.MissionFull},
		catalog.Mission{Title: "fermée", Status: catalog.MissionClosed},
		catalog.Mission{Title: "brouillon", Status: catalog.MissionDraft},
	)
	all := []string{"web", "compta", "mars", "avril-mai", "une place"}
	other, _ := c.association(catalog.AssociationVerified)
	pending, _ := c.association(catalog.AssociationPendingReview)
	c.add(catalog.Mission{Title: "ailleurs", AssociationID: &other}, catalog.Mission{Title: "en attente", AssociationID: &pending})

	cases := []struct {
		name string
		q    catalog.Query
		want []string
	}{
		{"none: open missions of verified associations with a place left", catalog.Query{}, all},
		{"skills: any of them", catalog.Query{Skills: []string{"it.web-dev", "finance.accounting"}}, []string{"web", "compta"}},
		{"causes", catalog.Query{Causes: []string{"health"}}, []string{"compta"}},
		{"formats", catalog.Query{Formats: []string{catalog.OnSite, catalog.Hybrid}}, []string{"compta", "mars"}},
		{"from: missions without dates are always on", catalog.Query{From: day("2020-04-15")}, []string{"web", "compta", "avril-mai", "une place"}},
		{"to", catalog.Query{To: day("2020-03-31")}, []string{"web", "compta", "mars", "une place"}},
		{"from and to: a one-off mission on the day", catalog.Query{From: day("2020-03-20"), To: day("2020-03-20")}, []string{"web", "compta", "mars", "une place"}},
		{"min places", catalog.Query{MinPlacesLeft: 2}, []string{"web", "compta", "mars", "avril-mai"}},
		{"association", catalog.Query{AssociationID: &other}, []string{"ailleurs"}},
		{"a pending association's missions are hidden", catalog.Query{AssociationID: &pending}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := titles(c.find(tc.q), c.token)
			sort.Strings(got)
			want := slices.Clone(tc.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("%q; want %q", got, want)
			}
		})
	}
}

func TestSearchRadius(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	paris := catalog.Point{Lat: 48.8566, Lon: 2.3522}
	north := func(km float64) (*float64, *float64) { // km due north of Paris
		return ptr(paris.Lat + km/111.195), ptr(paris.Lon)
	}
	lat40, lon40 := north(40)
	lat20, lon20 := north(20)
	lat5, lon5 := north(5)
	c.add(
		catalog.Mission{Title: "sur place à 40 km", Format: catalog.OnSite, Lat: lat40, Lon: lon40},
		catalog.Mission{Title: "hybride à 40 km", Format: catalog.Hybrid, Lat: lat40, Lon: lon40},
		catalog.Mission{Title: "sur place à 20 km", Format: catalog.OnSite, Lat: lat20, Lon: lon20},
		catalog.Mission{Title: "hybride à 5 km", Format: catalog.Hybrid, Lat: lat5, Lon: lon5},
		catalog.Mission{Title: "à distance, siège à 40 km", Lat: lat40, Lon: lon40},
		catalog.Mission{Title: "à distance"},
	)
	got := c.find(catalog.Query{Near: &paris, RadiusKM: 30, Sort: catalog.SortDistance})
	want := []string{"hybride à 5 km", "sur place à 20 km", "à distance", "à distance, siège à 40 km"}
	if ts := titles(got, c.token); !slices.Equal(ts[:2], want[:2]) || !slices.Equal(sorted(ts[2:]), sorted(want[2:])) {
		t.Fatalf("within 30 km of Paris, nearest first: %q; want %q (remote ones last)", ts, want)
	}
	if d := got[1].DistanceKM; d == nil || *d < 19.9 || *d > 20.1 {
		t.Errorf("distance of the mission 20 km away: %v", d)
	}
	if got[2].DistanceKM != nil || got[3].DistanceKM != nil {
		t.Errorf("a remote mission has no distance: %v %v", got[2].DistanceKM, got[3].DistanceKM)
	}
	// Without a radius: every mission, with its distance.
	if all := c.find(catalog.Query{Near: &paris, Sort: catalog.SortDistance}); len(all) != 6 || *all[3].DistanceKM < 39.9 {
		t.Errorf("without a radius: %q", titles(all, c.token))
	}
	// The cut holds in the other orders too.
	if n := len(c.find(catalog.Query{Near: &paris, RadiusKM: 30})); n != 4 {
		t.Errorf("default order within 30 km: %d missions; want 4", n)
	}
	if n := len(c.find(catalog.Query{Near: &paris, RadiusKM: 45, Sort: catalog.SortDate})); n != 6 {
		t.Errorf("date order within 45 km: %d missions; want 6", n)
	}
}

func sorted(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }

func TestSearchVisibility(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	a, b := uuid.New(), uuid.New()
	ctxA := tenants.NewContext(context.Background(), &tenants.Tenant{ID: a})
	ctxB := tenants.NewContext(context.Background(), &tenants.Tenant{ID: b})
	ids := c.add(catalog.Mission{Title: "pour tous"}, catalog.Mission{Title: "pour B", Visibility: "listed", VisibleTo: []uuid.UUID{b}})
	q := c.scoped(catalog.Query{})
	seen := func(ctx context.Context, platform bool) []string {
		q := q
		q.Platform = platform
		page, err := c.search.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return sorted(titles(page.Missions, c.token))
	}
	if got := seen(ctxA, false); !slices.Equal(got, []string{"pour tous"}) {
		t.Errorf("company A sees %q", got)
	}
	if got := seen(ctxB, false); !slices.Equal(got, []string{"pour B", "pour tous"}) {
		t.Errorf("company B sees %q", got)
	}
	if got := seen(context.Background(), true); !slices.Equal(got, []string{"pour B", "pour tous"}) {
		t.Errorf("staff see %q", got)
	}

	_, errListed := c.search.Mission(ctxA, ids[1], false)
	_, errMissing := c.search.Mission(ctxA, uuid.New(), false)
	if !errs.Is(errListed, errs.NotFound) || errs.MessageOf(errListed) != errs.MessageOf(errMissing) {
		t.Fatalf("B's mission read by A: %v; want the same not-found as a missing one (%v)", errListed, errMissing)
	}
	m, err := c.search.Mission(ctxB, ids[1], false)
	if err != nil || m.Title != "pour B "+c.token || m.VisibleTo != nil || m.Association != c.name {
		t.Fatalf("B reads its mission: %+v, %v; want it, without the list of companies", m, err)
	}
	if m, err := c.search.Mission(context.Background(), ids[1], true); err != nil || len(m.VisibleTo) != 1 || m.VisibleTo[0] != b {
		t.Fatalf("staff read it: %+v, %v; want it with its companies", m, err)
	}
	if _, err := c.search.Search(context.Background(), q); !errs.Is(err, errs.Internal) {
		t.Fatalf("a company's search without a company: %v; want internal", err)
	}

	// The landing page keeps to the same rule: B's mission on B's host
	// only, never on A's nor on the platform's own host.
	landing := func(ctx context.Context) []string {
		ms, err := postgres.NewCatalogStore(c.db).OpenMissions(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			if strings.HasSuffix(m.Title, c.token) {
				out = append(out, strings.TrimSuffix(m.Title, " "+c.token))
			}
		}
		return sorted(out)
	}
	if got := landing(ctxA); !slices.Equal(got, []string{"pour tous"}) {
		t.Errorf("landing page on A's host shows %q", got)
	}
	if got := landing(ctxB); !slices.Equal(got, []string{"pour B", "pour tous"}) {
		t.Errorf("landing page on B's host shows %q", got)
	}
	if got := landing(context.Background()); !slices.Equal(got, []string{"pour tous"}) {
		t.Errorf("landing page on the platform's host shows %q", got)
	}
}

func TestSearchVitalMissionsFirst(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	base := time.Now().Add(-time.Hour)
	c.add(
		catalog.Mission{Title: "récente", CreatedAt: base.Add(3 * time.Minute)},
		catalog.Mission{Title: "garde d'enfants", VitalCategory: "childcare", CreatedAt: base},
		catalog.Mission{Title: "ancienne", CreatedAt: base.Add(time.Minute)},
		catalog.Mission{Title: "aide alimentaire", VitalCategory: "food_aid", CreatedAt: base.Add(-time.Minute)},
		catalog.Mission{Title: "nouvelle", CreatedAt: base.Add(2 * time.Minute)},
	)
	want := []string{"aide alimentaire", "garde d'enfants", "récente", "nouvelle", "ancienne"}
	if got := titles(c.find(catalog.Query{}), c.token); !slices.Equal(got, want) {
		t.Errorf("default order: %q; want %q", got, want)
	}
	// The platform's own vital missions (no association) come first too,
	// with no places counted here: sign-up is on the national platform.
	c.add(catalog.Mission{Title: "Lien avec les personnes isolées", Organizer: "Réserve Civique", VitalCategory: "isolated_people",
		ExternalURL: "https://www.jeveuxaider.gouv.fr/", Description: "Appeler des personnes âgées."})
	got := titles(c.find(catalog.Query{Text: c.token}), c.token) // every mission of the test: the same rank
	if want := []string{"aide alimentaire", "garde d'enfants", "Lien avec les personnes isolées"}; len(got) != 6 || !slices.Equal(got[:3], want) ||
		!slices.Equal(sorted(got[3:]), []string{"ancienne", "nouvelle", "récente"}) {
		t.Errorf("default order with text: %q; want %q first, in their official order", got, want)
	}
}

// TestSearchPagesCoverEveryResultOnce pages through the same missions in
// every order, with ties on every sort key, and compares with one page.
func TestSearchPagesCoverEveryResultOnce(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	var ms []catalog.Mission
	for i := range 23 {
		m := catalog.Mission{Title: "Atelier", CreatedAt: at.Add(time.Duration(i/4) * time.Minute)} // four by four the same date
		if i%5 == 0 {
			m.Title = "Atelier atelier couture"
		}
		if i%3 > 0 {
			m.DateKind, m.StartsOn = "recurring", day(fmt.Sprintf("2020-04-%02d", 1+i%4))
		}
		if i%2 == 0 {
			m.Format, m.Lat, m.Lon = catalog.OnSite, ptr(48.80+float64(i%3)/100), ptr(2.35)
		}
		if i%7 == 0 {
			m.VitalCategory = catalog.VitalCategories[i%4]
		}
		ms = append(ms, m)
	}
	c.add(ms...)
	paris := &catalog.Point{Lat: 48.8566, Lon: 2.3522}
	for _, q := range []catalog.Query{
		{},
		{Text: "atelier"},
		{Text: "atelier", Sort: catalog.SortRelevance},
		{Sort: catalog.SortDate},
		{Near: paris, Sort: catalog.SortDistance},
		{Near: paris, RadiusKM: 10, Sort: catalog.SortDistance},
		{Near: paris, RadiusKM: 10},
	} {
		name := fmt.Sprintf("sort=%q text=%v near=%v radius=%v", q.Sort, q.Text != "", q.Near != nil, q.RadiusKM)
		t.Run(name, func(t *testing.T) {
			whole := c.find(q)
			if len(whole) < 10 {
				t.Fatalf("%d results: too few to page", len(whole))
			}
			var paged []uuid.UUID
			pq := c.scoped(q)
			pq.Limit = 3 // not a divisor of the groups of ties
			for pages := 0; ; pages++ {
				if pages > len(whole) {
					t.Fatal("the cursor never ends")
				}
				page, err := c.search.Search(c.ctx, pq)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Missions) == 0 || len(page.Missions) > 3 {
					t.Fatalf("page %d holds %d missions", pages, len(page.Missions))
				}
				for _, m := range page.Missions {
					paged = append(paged, m.ID)
				}
				if page.Next == "" {
					break
				}
				pq.After = page.Next
			}
			want := make([]uuid.UUID, len(whole))
			for i, m := range whole {
				want[i] = m.ID
			}
			if !slices.Equal(paged, want) {
				t.Fatalf("pages of 3 give %d missions, one page %d, or in another order", len(paged), len(want))
			}
		})
	}
}

// A search whose plan suits every value (without a text, or a text in the
// default or relevance order: shared) goes with bind parameters, prepared
// once per connection: after five calls PostgreSQL may keep a generic
// plan, made without the values. Its pages must be the custom plan's,
// cursors included, for each kind of search: here both plans are forced,
// on connections of their own, and every page of each search compared;
// the text searches also with walks small enough for this catalogue to
// take each of their ways (walkHits).
func TestSearchGenericPlansGiveTheSamePages(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	var ms []catalog.Mission
	for i := range 20 {
		m := catalog.Mission{Title: "Atelier", CreatedAt: at.Add(time.Duration(i/3) * time.Minute), Cause: "solidarity"} // ties of three
		if i%2 == 0 {
			m.Format, m.Lat, m.Lon = catalog.OnSite, ptr(48.80+float64(i%5)/50), ptr(2.35)
		}
		if i%3 == 0 {
			m.DateKind, m.StartsOn = "recurring", day(fmt.Sprintf("2020-04-%02d", 1+i%4))
		}
		if i%4 < 2 {
			m.Skills = []catalog.SkillNeed{{Skill: "finance.accounting", Level: 2, Required: true}}
		}
		if i%6 == 0 {
			m.VitalCategory = catalog.VitalCategories[i%4]
		}
		switch i % 5 {
		case 1, 3:
			m.Title += " couture"
		case 2:
			m.Description = "Atelier de couture"
		}
		ms = append(ms, m)
	}
	c.add(ms...)
	env := pgtest.New(t)
	open := func(mode string) *postgres.Search {
		url := env.AppURL + "&plan_cache_mode=" + mode
		if !strings.Contains(env.AppURL, "?") {
			url = env.AppURL + "?plan_cache_mode=" + mode
		}
		db, err := postgres.Open(context.Background(), url, postgres.Options{MaxConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return postgres.NewSearch(db)
	}
	custom, generic := open("force_custom_plan"), open("force_generic_plan")
	paris := &catalog.Point{Lat: 48.8566, Lon: 2.3522}
	for _, q := range []catalog.Query{
		{},
		{Formats: []string{catalog.Remote}},
		{Formats: []string{catalog.OnSite, catalog.Hybrid}, Near: paris, RadiusKM: 30},
		{Near: paris, RadiusKM: 30},
		{Near: paris, Sort: catalog.SortDistance},
		{Near: paris, RadiusKM: 5, Sort: catalog.SortDistance},
		{Sort: catalog.SortDate, From: day("2020-04-02")},
		{Skills: []string{"finance.accounting"}, Causes: []string{"solidarity"}},
		{MinPlacesLeft: 2, To: day("2020-04-03")},
		{Text: "couture"},
		{Text: "couture", Sort: catalog.SortRelevance},
		{Text: "atelier -couture"},
		{Text: "couture", Near: paris, Formats: []string{catalog.OnSite}},
	} {
		name := fmt.Sprintf("text=%q sort=%q formats=%v near=%v radius=%v skills=%v from=%v", q.Text, q.Sort, q.Formats, q.Near != nil,
			q.RadiusKM, q.Skills, q.From != nil)
		t.Run(name, func(t *testing.T) {
			pages := func(s *postgres.Search) []string {
				q := c.scoped(q)
				q.Limit = 4
				var out []string
				for len(out) <= len(ms) {
					page, err := s.Search(c.ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					ids := make([]string, len(page.Missions))
					for i, m := range page.Missions {
						ids[i] = m.ID.String()
					}
					out = append(out, strings.Join(ids, ",")+" next="+page.Next)
					if page.Next == "" {
						return out
					}
					q.After = page.Next
				}
				t.Fatal("the cursor never ends")
				return nil
			}
			want := pages(custom)
			if len(want) < 2 {
				t.Fatalf("%d page: too few to test the cursor", len(want))
			}
			if got := pages(generic); !slices.Equal(got, want) {
				t.Fatalf("generic plan's pages:\n%s\ncustom plan's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if q.Text == "" {
				return
			}
			// Pages of 4 ask for 5 rows: a glance of 5 entries, a walk
			// of 10, dense from 2 matches in the glance.
			for _, s := range []*postgres.Search{custom.WithWalk(1, 2, 4), generic.WithWalk(1, 2, 4)} {
				if got := pages(s); !slices.Equal(got, want) {
					t.Fatalf("small walks' pages:\n%s\nreal walks':\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
		})
	}
}

// A text search in the default or relevance order goes prepared, with a
// plan that does not depend on its words: after five calls PostgreSQL
// keeps the generic plan for every word that follows, common, rare or
// missing, one prepared statement per order and page's segment (a text
// written into the SQL would be parsed and planned at each call), a
// cursor's page too.
func TestSearchTextKeepsOneGenericPlan(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	var ms []catalog.Mission
	for i := range 12 {
		m := catalog.Mission{Title: "Atelier"}
		if i%3 == 0 {
			m.Title += " couture"
		}
		if i%4 == 0 {
			m.Description = "Poterie et céramique"
		}
		ms = append(ms, m)
	}
	c.add(ms...)
	db, err := postgres.Open(context.Background(), pgtest.New(t).AppURL, postgres.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := postgres.NewSearch(db)
	// First pages: common, rare and missing words. Second pages, from a
	// first page of one mission: words of at least two titles, so that
	// the cursor is in the title segment (a statement of its own: the
	// segments from the cursor's on, with the cursor's values).
	first := []string{"atelier", "couture", "poterie", "jardinage", "atelier couture", "céramique", "couture", "atelier", "jardinage", "poterie"}
	second := []string{"atelier", "couture", "atelier couture", "ateliers", "couture atelier", "coutures", "atelier", "couture", "ateliers",
		"atelier couture"}
	for _, sort := range []string{catalog.SortDefault, catalog.SortRelevance} {
		for i := range first {
			if _, err := s.Search(c.ctx, c.scoped(catalog.Query{Text: first[i], Sort: sort})); err != nil {
				t.Fatal(err)
			}
			q := c.scoped(catalog.Query{Text: second[i], Sort: sort, Limit: 1})
			page, err := s.Search(c.ctx, q)
			if err != nil || page.Next == "" {
				t.Fatalf("%q: no second page (%v)", second[i], err)
			}
			q.After = page.Next
			if _, err := s.Search(c.ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	var plans []struct {
		Generic int    `bun:"generic_plans"`
		Custom  int    `bun:"custom_plans"`
		SQL     string `bun:"statement"`
	}
	if err := db.NewRaw("SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements WHERE statement LIKE '%websearch_to_tsquery%'").
		Scan(context.Background(), &plans); err != nil {
		t.Fatal(err)
	}
	// Per order: the first pages of 100 and of 1, the second page.
	if len(plans) != 6 {
		t.Fatalf("%d prepared text searches, want 6: one per order and kind of page", len(plans))
	}
	// Generic from the first run (db.go, generic): left to choose,
	// PostgreSQL would plan the first five with their values, 7.5 ms of
	// CPU each against 2.7.
	for _, p := range plans {
		if p.Custom != 0 || p.Generic < 10 {
			t.Errorf("%d custom plans and %d generic ones; want the generic plan from the first run:\n%s", p.Custom, p.Generic, p.SQL)
		}
	}
}

func TestSearchRefusesBadInput(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	c.add(catalog.Mission{Title: "un"}, catalog.Mission{Title: "deux"}, catalog.Mission{Title: "trois"})
	q := c.scoped(catalog.Query{Limit: 1})
	page, err := c.search.Search(c.ctx, q)
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %v %v", page, err)
	}
	tampered := []byte(page.Next)
	tampered[5] ^= 1
	otherSearch := q
	otherSearch.Formats = []string{catalog.Remote}
	cases := []struct {
		name  string
		q     catalog.Query
		field string
	}{
		{"a cursor that is not base64", with(q, func(q *catalog.Query) { q.After = "***" }), "after"},
		{"a tampered cursor", with(q, func(q *catalog.Query) { q.After = string(tampered) }), "after"},
		{"a cursor of another search", with(otherSearch, func(q *catalog.Query) { q.After = page.Next }), "after"},
		{"relevance without text", with(q, func(q *catalog.Query) { q.Sort = catalog.SortRelevance }), "sort"},
		{"distance without a point", with(q, func(q *catalog.Query) { q.Sort = catalog.SortDistance }), "sort"},
		{"an unknown sort", with(q, func(q *catalog.Query) { q.Sort = "price" }), "sort"},
		{"a radius without a point", with(q, func(q *catalog.Query) { q.RadiusKM = 10 }), "radius_km"},
		{"a latitude off the Earth", with(q, func(q *catalog.Query) { q.Near = &catalog.Point{Lat: 91} }), "lat"},
		{"an unknown skill", with(q, func(q *catalog.Query) { q.Skills = []string{"it.cobol"} }), "skills"},
		{"an unknown cause", with(q, func(q *catalog.Query) { q.Causes = []string{"pets"} }), "causes"},
		{"an unknown format", with(q, func(q *catalog.Query) { q.Formats = []string{"online"} }), "formats"},
		{"dates backwards", with(q, func(q *catalog.Query) { q.From, q.To = day("2020-05-01"), day("2020-04-01") }), "to"},
		{"too many per page", with(q, func(q *catalog.Query) { q.Limit = 101 }), "limit"},
	}
	for _, tc := range cases {
		_, err := c.search.Search(c.ctx, tc.q)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != tc.field {
			t.Errorf("%s: %v; want invalid naming %s", tc.name, err, tc.field)
		}
	}
}

// searchBench is one line of BenchmarkSearch: one query, or several sent
// in turn (each).
type searchBench struct {
	name string
	q    catalog.Query
	each []catalog.Query
}

func with(q catalog.Query, f func(*catalog.Query)) catalog.Query { f(&q); return q }

// BenchmarkSearch measures representative searches on a generated
// catalogue. It is skipped unless told where the catalogue is, so that the
// normal test run stays small:
//
//   - VENDREDI_BENCH_MISSIONS=100000 generates and loads that many missions
//     into the package's test database first (about half a minute);
//   - VENDREDI_BENCH_DATABASE_URL=postgres://vendredi_app:…/db searches a
//     database already loaded by `vendredi seed missions`.
//
// For example:
//
//	VENDREDI_BENCH_MISSIONS=100000 go test -run '^$' -bench BenchmarkSearch -benchtime 400x ./internal/postgres
//
// Each sub-benchmark reports its p50 and p99 besides the mean. With
// VENDREDI_BENCH_EXPLAIN=FILE it writes the plans of each search (EXPLAIN
// ANALYZE, BUFFERS) to FILE.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	company := uuid.New()
	var db *postgres.DB
	if url := os.Getenv("VENDREDI_BENCH_DATABASE_URL"); url != "" {
		var err error
		if db, err = postgres.Open(ctx, url, postgres.Options{MaxConns: 4}); err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if list, err := postgres.NewTenantStore(db).List(ctx); err == nil && len(list) > 0 {
			company = list[0].ID
		}
	} else if n, _ := strconv.Atoi(os.Getenv("VENDREDI_BENCH_MISSIONS")); n > 0 {
		env := pgtest.New(b)
		db = env.App
		start := time.Now()
		w := gen.Generate(gen.Options{Seed: 1, Missions: n, Companies: []uuid.UUID{company, uuid.New()}})
		generated := time.Since(start)
		rep, err := postgres.BulkLoad(ctx, env.App, w.Associations, w.Missions)
		if err != nil {
			b.Fatal(err)
		}
		loaded := time.Since(start)
		// The owner may analyze; autovacuum would, a minute later.
		if _, err := env.Owner.ExecContext(ctx, "VACUUM ANALYZE missions, mission_skills, associations, mission_title_terms"); err != nil {
			b.Fatal(err)
		}
		b.Logf("%d missions, %d associations, %d skills: generated in %v, loaded in %v", rep.Missions, rep.Associations, rep.Skills,
			generated.Round(time.Millisecond), (loaded - generated).Round(time.Millisecond))
	} else {
		b.Skip("set VENDREDI_BENCH_MISSIONS (e.g. 100000) or VENDREDI_BENCH_DATABASE_URL to run the search benchmark")
	}
	plans := benchFile(b, "VENDREDI_BENCH_EXPLAIN")
	// VENDREDI_BENCH_GENERIC names a file for the custom and generic
	// plans of each query of the lines sent with bind parameters (the
	// first word of a varied line), and the buffers each reads.
	generic := benchFile(b, "VENDREDI_BENCH_GENERIC")

	s := postgres.NewSearch(db)
	tctx := tenants.NewContext(ctx, &tenants.Tenant{ID: company})
	paris := &catalog.Point{Lat: 48.8566, Lon: 2.3522}
	first, err := s.Search(tctx, catalog.Query{})
	if err != nil {
		b.Fatal(err)
	}
	// pastVital is the cursor of the first page after the vital missions,
	// which lead the default order: the pages most searches read.
	pastVital := func(q catalog.Query) string {
		q.Limit = catalog.MaxLimit
		for {
			page, err := s.Search(tctx, q)
			if err != nil || page.Next == "" {
				b.Fatalf("no page after the vital missions: %v", err)
			}
			q.After = page.Next
			if page.Missions[len(page.Missions)-1].VitalCategory == "" {
				return q.After
			}
		}
	}
	queries := []searchBench{
		{name: "default", q: catalog.Query{}},
		{name: "default_page2", q: catalog.Query{After: first.Next}},
		{name: "default_past_vital", q: catalog.Query{After: pastVital(catalog.Query{})}},
		{name: "text", q: catalog.Query{Text: "soutien scolaire"}},
		{name: "text_by_relevance", q: catalog.Query{Text: "soutien scolaire", Sort: catalog.SortRelevance}},
		{name: "text_rare", q: catalog.Query{Text: "comptabilité"}},
		{name: "text_skills", q: catalog.Query{Text: "développement web", Skills: []string{"it.web-dev"}}},
		{name: "remote", q: catalog.Query{Formats: []string{catalog.Remote}}},
		{name: "near_paris_30km", q: catalog.Query{Near: paris, RadiusKM: 30}},
		{name: "near_paris_30km_past_vital", q: catalog.Query{Near: paris, RadiusKM: 30, After: pastVital(catalog.Query{Near: paris, RadiusKM: 30})}},
		{name: "near_paris_30km_by_distance", q: catalog.Query{Near: paris, RadiusKM: 30, Sort: catalog.SortDistance}},
		{name: "on_site_near_paris_30km", q: catalog.Query{Near: paris, RadiusKM: 30, Formats: []string{catalog.OnSite, catalog.Hybrid}}},
		{name: "by_date", q: catalog.Query{Sort: catalog.SortDate, From: day("2020-05-01")}},
		{name: "skills_cause", q: catalog.Query{Skills: []string{"finance.accounting"}, Causes: []string{"solidarity"}}},
	}
	// The varied lines send gen.SearchTerms in turn, a new one each
	// search, as the HTTP bench does: words in 65 % of the missions to
	// 0.3 %, each taking the plan its frequency gets.
	varied := func(sort string) []catalog.Query {
		qs := make([]catalog.Query, len(gen.SearchTerms))
		for i, t := range gen.SearchTerms {
			qs[i] = catalog.Query{Text: t, Sort: sort}
		}
		return qs
	}
	queries = append(queries,
		searchBench{name: "text_varied", each: varied(catalog.SortDefault)},
		searchBench{name: "text_varied_by_relevance", each: varied(catalog.SortRelevance)})
	for _, qq := range queries {
		if len(qq.each) == 0 {
			qq.each = []catalog.Query{qq.q}
		}
		b.Run(qq.name, func(b *testing.B) {
			if plans != nil {
				for _, q := range qq.each {
					text, err := s.Explain(tctx, q)
					if err != nil {
						b.Fatal(err)
					}
					name := qq.name
					if len(qq.each) > 1 {
						name += " " + q.Text
					}
					fmt.Fprintf(plans, "=== %s\n%s\n\n", name, strings.Join(text, "\n---\n"))
				}
			}
			if generic != nil {
				ps, err := s.PlanSearch(tctx, qq.each[0])
				if err != nil {
					b.Fatal(err)
				}
				for i, p := range ps {
					fmt.Fprintf(generic, "=== %s query %d: custom %d buffers, generic %d\n%s\n--- custom\n%s\n--- generic\n%s\n\n",
						qq.name, i+1, p.CustomBuffers, p.GenericBuffers, p.SQL, p.Custom, p.Generic)
					b.Logf("query %d: custom plan %d buffers, generic %d", i+1, p.CustomBuffers, p.GenericBuffers)
				}
			}
			durations := make([]time.Duration, 0, b.N)
			cpu := backendCPU(b, db)
			n := 0
			for b.Loop() {
				q := qq.each[n%len(qq.each)]
				n++
				t0 := time.Now()
				page, err := s.Search(tctx, q)
				durations = append(durations, time.Since(t0))
				if err != nil || len(page.Missions) == 0 {
					b.Fatalf("%q: %v, %d missions", q.Text, err, len(page.Missions))
				}
			}
			if cpu > 0 {
				b.ReportMetric(float64(backendCPU(b, db)-cpu)/1e3/float64(n), "db-cpu-us/op")
			}
			slices.Sort(durations)
			pct := func(p float64) float64 {
				return float64(durations[min(len(durations)-1, int(p*float64(len(durations))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}

// benchFile is the file the environment variable names, created for the
// benchmark and closed after it; nil when the variable is not set.
func benchFile(b *testing.B, env string) *os.File {
	path := os.Getenv(env)
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// TestSearchTitleWalk checks the ways to a page of the title segment's
// walk and of the description segment's (walkHits: the glance at the
// newest entries, the walk on, the GIN bitmap of the older matches) on a
// catalogue small enough for the walks' bounds made small: each word takes
// the way its frequency calls for, and every way gives the same pages,
// newest first, as a walk that sees everything. A text with a lead word
// walks that word's list of titles (mission_title_terms), one with an
// "or" the newest-first index, as the descriptions' walk does. The
// database is the test's own: the walks go through every open mission,
// and other tests' would move the ways.
func TestSearchTitleWalk(t *testing.T) {
	t.Parallel()
	c := newCatalogueOn(t, pgtest.Private(t))
	base := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	common := func(i int) bool { return i%2 == 0 }                                                  // the glance fills the page
	walkOn := func(i int) bool { return i%4 == 1 }                                                  // two in the glance: the walk goes on
	rare := func(i int) bool { return slices.Contains([]int{3, 10, 50, 111, 112}, i) }              // the bitmap, from the glance's last entry on (i = 112, the eighth newest, shown once; 111 not skipped)
	denseThenRare := func(i int) bool { return slices.Contains([]int{5, 20, 79, 80, 118, 119}, i) } // dense at first, then the bitmap, from the walk's last entry on (i = 80, the fortieth newest)
	// Two words common alone and rare together: the first one's list
	// (the lead: as short as the other's, and the longer word) has none
	// of their matches among its glance, which goes to the bitmap.
	together := []int{3, 10, 50, 51}
	laine := func(i int) bool { return i%2 == 0 || slices.Contains(together, i) }
	soie := func(i int) bool { return i%2 == 1 || slices.Contains(together, i) }
	// Rows of the glance's and the walk's entries (before the conditions
	// the walk does not cover), of the bitmap; -1: never run. A title
	// word's own list holds only its matches: its glance fills the page.
	type way struct {
		has  func(i int) bool
		walk string // the walk: of the titles (walk), of the others (dwalk)
		rows [3]int // the word alone
		or   [3]int // a title word "or" a missing one: the newest-first index
	}
	led := [3]int{4, -1, -1}
	words := map[string]way{
		"atelier":  {common, "walk", led, [3]int{4, -1, -1}},
		"tricot":   {walkOn, "walk", led, [3]int{2, 2, -1}},
		"couture":  {rare, "walk", led, [3]int{1, 0, 3}},
		"broderie": {denseThenRare, "walk", led, [3]int{2, 1, 1}},
		"laine":    {laine, "walk", led, [3]int{4, -1, -1}},
		"soie":     {soie, "walk", led, [3]int{4, -1, -1}},
		// In the descriptions only: the title segment finds nothing.
		"peinture":    {common, "dwalk", [3]int{4, -1, -1}, [3]int{}},
		"sculpture":   {walkOn, "dwalk", [3]int{2, 2, -1}, [3]int{}},
		"poterie":     {rare, "dwalk", [3]int{1, 0, 3}, [3]int{}},
		"calligraphe": {denseThenRare, "dwalk", [3]int{2, 1, 1}, [3]int{}},
		"laine soie":  {func(i int) bool { return slices.Contains(together, i) }, "walk", [3]int{0, 0, 4}, [3]int{}},
	}
	const n = 120
	var ms []catalog.Mission
	for i := range n {
		m := catalog.Mission{Title: "Mission", Description: "Une mission", CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		for w, way := range words {
			switch {
			case !way.has(i) || strings.Contains(w, " "):
			case way.walk == "walk":
				m.Title += " " + w
			default:
				m.Description += " " + w
			}
		}
		ms = append(ms, m)
	}
	ids := c.add(ms...)
	// Pages of 3: each query asks for 4 rows, so the glance is 8 entries,
	// the walk 40, and two matches in the glance make it dense.
	small := c.search.WithWalk(2, 10, 4)
	for word, way := range words {
		var want []uuid.UUID
		for i := n - 1; i >= 0; i-- {
			if way.has(i) {
				want = append(want, ids[i])
			}
		}
		texts := map[string][3]int{word: way.rows}
		if way.walk == "walk" && !strings.Contains(word, " ") {
			texts[word+" or vannerie"] = way.or
		}
		for text, rows := range texts {
			for _, sort := range []string{catalog.SortDefault, catalog.SortRelevance} {
				q := c.scoped(catalog.Query{Text: text, Sort: sort, Limit: 3})
				if got := pageIDs(t, c.ctx, small, q); !slices.Equal(got, want) {
					t.Errorf("%s (sort %q), small walk: %d missions, want %d newest first", text, sort, len(got), len(want))
				}
				if got := pageIDs(t, c.ctx, c.search, q); !slices.Equal(got, want) {
					t.Errorf("%s (sort %q), real walk: %d missions, want %d newest first", text, sort, len(got), len(want))
				}
				plans, err := small.Explain(c.ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				plan := strings.Join(plans, "\n")
				got := [3]int{subqueryRows(plan, way.walk+"_glanced"), subqueryRows(plan, way.walk+"_walked"), subqueryRows(plan, way.walk+"_unwalked")}
				if got != rows {
					t.Errorf("%s (sort %q): rows from the glance, the walk, the bitmap of %s %v; want %v", text, sort, way.walk, got, rows)
				}
			}
		}
	}
}

// pageIDs pages through a search and returns the missions' ids in order.
func pageIDs(t *testing.T, ctx context.Context, s *postgres.Search, q catalog.Query) []uuid.UUID {
	t.Helper()
	var out []uuid.UUID
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("the cursor never ends")
		}
		page, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Missions {
			out = append(out, m.ID)
		}
		if page.Next == "" {
			return out
		}
		q.After = page.Next
	}
}

// subqueryRows is the number of rows the plan's subquery name gave, -1 if
// it never ran.
func subqueryRows(plan, name string) int {
	for line := range strings.SplitSeq(plan, "\n") {
		if !strings.Contains(line, "Subquery Scan on "+name+" ") {
			continue
		}
		if strings.Contains(line, "never executed") {
			return -1
		}
		if _, after, ok := strings.Cut(line, " rows="); ok {
			if _, after, ok = strings.Cut(after, " rows="); ok {
				n, _ := strconv.Atoi(strings.Fields(after)[0])
				return n
			}
		}
	}
	return -2
}

// A text search finds a title by its words' lists (mission_title_terms),
// which the mission's writes keep: a new title is found by its words and
// no longer by the old ones, a mission found again once reopened, never
// once gone.
func TestSearchFollowsTitlesAndStatus(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	c := newCatalogueOn(t, env)
	id := c.add(catalog.Mission{Title: "Aquarelle en ligne"})[0]
	set := func(sql string) {
		t.Helper()
		if _, err := env.Owner.ExecContext(c.ctx, "UPDATE missions SET "+sql+" WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
	}
	found := func(word string) bool {
		t.Helper()
		got := c.find(catalog.Query{Text: word})
		return len(got) == 1 && got[0].ID == id
	}
	steps := []struct {
		do           func()
		word         string
		want         bool
		whatHappened string
	}{
		{func() {}, "aquarelle", true, "posted"},
		{func() { set("title = 'Gouache en ligne " + c.token + "'") }, "gouache", true, "renamed"},
		{func() {}, "aquarelle", false, "renamed"},
		{func() { set("status = 'full'") }, "gouache", false, "full"},
		{func() { set("status = 'open'") }, "gouache", true, "open again"},
		{func() {
			if _, err := env.Owner.ExecContext(c.ctx, "DELETE FROM missions WHERE id = ?", id); err != nil {
				t.Fatal(err)
			}
		}, "gouache", false, "deleted"},
	}
	for _, s := range steps {
		s.do()
		if got := found(s.word); got != s.want {
			t.Fatalf("%s, then searched %q: found %v, want %v", s.whatHappened, s.word, got, s.want)
		}
	}
	var left int
	if err := env.Owner.QueryRowContext(c.ctx, "SELECT count(*) FROM mission_title_terms WHERE mission_id = ?", id).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d words of a deleted mission still listed", left)
	}
}
