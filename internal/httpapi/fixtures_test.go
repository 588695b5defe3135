package httpapi_test

import (
	"cmp"
	"context"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// The fixtures: what the tests put in the database before they start.
// Companies, members and accounts go through the stores; associations,
// missions and campaigns are inserted directly, since the flows that make
// them are tested on their own.

// password is the password of everyone the fixtures give one.
const password = "correct horse battery"

// hashedPassword is password as the product stores it, hashed once for
// the package.
var hashedPassword = sync.OnceValues(func() (string, error) {
	return identity.NewService(identity.DefaultConfig(), nil, nil, nil, nil, nil, nil).HashPassword("p", password)
})

func passwordHash(t testing.TB) string {
	t.Helper()
	hash, err := hashedPassword()
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

// newTenant creates a French company named name, on a slug of its own.
func newTenant(t testing.TB, db *postgres.DB, name string) *tenants.Tenant {
	t.Helper()
	return createTenant(t, db, "co-"+uuid.NewString()[:8], name, "fr")
}

// createTenant creates a company on slug, with its people's email domains.
func createTenant(t testing.TB, db *postgres.DB, slug, name, locale string, domains ...string) *tenants.Tenant {
	t.Helper()
	tn, err := tenants.New(slug, name, domains, locale)
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewTenantStore(db).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

// addMember adds p to tn: active unless p says otherwise, with an id of
// its own unless p has one.
func addMember(t testing.TB, db *postgres.DB, tn *tenants.Tenant, p identity.Person) uuid.UUID {
	t.Helper()
	if p.ID == uuid.Nil {
		p.ID = uuid.Must(uuid.NewV7())
	}
	if p.Status == "" {
		p.Status = identity.StatusActive
	}
	if err := postgres.NewMemberDirectory(db).Create(tenants.NewContext(context.Background(), tn), &p, "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// memberWithPassword adds an active member of tn who signs in with email
// and password.
func memberWithPassword(t *testing.T, db *postgres.DB, tn *tenants.Tenant, email, fullName, role string) uuid.UUID {
	t.Helper()
	return addMember(t, db, tn, identity.Person{Email: email, FullName: fullName, Role: role, PasswordHash: passwordHash(t)})
}

// people creates persons directly in the stores and mints their sessions,
// so that tests choose who calls without going through sign-in.
type people struct {
	t  testing.TB
	db *postgres.DB
}

func (p people) member(tn *tenants.Tenant, role string) uuid.UUID {
	p.t.Helper()
	id := uuid.Must(uuid.NewV7())
	return addMember(p.t, p.db, tn, identity.Person{ID: id, Email: id.String() + "@example.org", FullName: "Member " + role, Role: role})
}

func (p people) account(staff bool, association *uuid.UUID) uuid.UUID {
	p.t.Helper()
	id := uuid.Must(uuid.NewV7())
	ctx := context.Background()
	err := postgres.NewAccountDirectory(p.db).Create(ctx, &identity.Person{ID: id, Email: id.String() + "@example.org",
		FullName: "Account", Status: identity.StatusActive, Staff: staff}, "", nil, time.Time{})
	if err == nil && association != nil {
		err = p.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)", *association, id)
			return err
		})
	}
	if err != nil {
		p.t.Fatal(err)
	}
	return id
}

// session mints a session for a person of tn (nil: a platform account).
func (p people) session(tn *tenants.Tenant, id uuid.UUID) string {
	ctx := context.Background()
	dir := postgres.NewAccountDirectory(p.db)
	if tn != nil {
		ctx = tenants.NewContext(ctx, tn)
		dir = postgres.NewMemberDirectory(p.db)
	}
	plain, hash := identity.NewSecret()
	if err := dir.StartSession(ctx, id, hash, time.Now().Add(time.Hour), identity.Client{},
		identity.Event{ActorKind: "system", Action: identity.ActionSignIn}); err != nil {
		panic(err)
	}
	return plain
}

// verifiedAssociation creates a verified association with a legal id of
// its own, named name ("Asso" and the start of its id when empty).
func verifiedAssociation(t *testing.T, env *pgtest.Env, name string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if name == "" {
		name = "Asso " + id.String()[:8]
	}
	if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO associations (id, name, legal_id, description, status) VALUES (?, ?, ?, 'Aide alimentaire.', 'verified')",
			id, name, fmt.Sprintf("W%09d", rand.IntN(1_000_000_000)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

type missionSpec struct {
	assoc     *uuid.UUID // a new verified association's when nil (and not vital)
	title     string
	format    string
	cause     string
	vital     string
	visibleTo *uuid.UUID // a private mission of this company
	skill     string     // asked for at level 2, required
	places    int        // 5 when zero (none for a vital mission)
	full      bool       // no place left
	lat, lon  float64    // where it is when not remote: Paris when both are zero
}

// mission creates an open mission (full if said) and returns its id.
func mission(t *testing.T, env *pgtest.Env, m missionSpec) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if m.format == "" {
		m.format = "remote"
	}
	if m.title == "" {
		m.title = "Mission " + id.String()[:8]
	}
	if m.assoc == nil && m.vital == "" {
		a := verifiedAssociation(t, env, "")
		m.assoc = &a
	}
	var cause, vital, organizer, url any
	if m.cause != "" {
		cause = m.cause
	}
	places := 5
	if m.places != 0 {
		places = m.places
	}
	if m.vital != "" {
		vital, organizer, url, places = m.vital, "Réserve Civique", "https://covid19.reserve-civique.gouv.fr/"+m.vital, 0
	}
	left, status := places, "open"
	if m.full {
		left, status = 0, "full"
	}
	visibility, visibleTo := "all", []uuid.UUID{}
	if m.visibleTo != nil {
		visibility, visibleTo = "listed", []uuid.UUID{*m.visibleTo}
	}
	var lat, lon any
	if m.format != "remote" {
		lat, lon = 48.85, 2.35
		if m.lat != 0 || m.lon != 0 {
			lat, lon = m.lat, m.lon
		}
	}
	if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, organizer, title, format, cause, vital_category,
				external_url, places, places_left, status, visibility, visible_to, lat, lon, requires_sanitary_ack)
			VALUES (?, ?, coalesce(?, ''), ?, ?, ?, ?, coalesce(?, ''), ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, m.assoc, organizer, m.title, m.format, cause, vital, url, places, left, status, visibility, pgArr(visibleTo),
			lat, lon, (&catalog.Mission{Format: m.format}).NeedsSanitaryAck()); err != nil {
			return err
		}
		if m.skill != "" {
			_, err := tx.ExecContext(ctx, "INSERT INTO mission_skills (mission_id, skill, level) VALUES (?, ?, 2)", id, m.skill)
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// vitalMission creates an open vital mission of category, on site, whose
// sign-up happens on JeVeuxAider.
func vitalMission(t *testing.T, env *pgtest.Env, title, category string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO missions (id, organizer, title, format, vital_category, external_url, places, places_left, status)
			VALUES (?, 'Réserve Civique', ?, 'on_site', ?, 'https://www.jeveuxaider.gouv.fr/', 0, 0, 'open')`, id, title, category)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func pgArr(ids []uuid.UUID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return "{" + strings.Join(s, ",") + "}"
}

type campaignSpec struct {
	name        string // "Drive" when empty
	description string
	since       int         // days since it started: 1 when zero
	maxActive   int         // sign-ups an employee may have at once: the column's default, 2, when zero
	missions    []uuid.UUID // the campaign's missions when set; else every mission
	crisis      bool
}

// activeCampaign creates a campaign of tn running for another 30 days and
// returns its id.
func activeCampaign(t *testing.T, db *postgres.DB, tn *tenants.Tenant, c campaignSpec) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if c.name == "" {
		c.name = "Drive"
	}
	if c.since == 0 {
		c.since = 1
	}
	if c.maxActive == 0 {
		c.maxActive = 2
	}
	scope, missions := "all", []uuid.UUID{}
	if len(c.missions) > 0 {
		scope, missions = "listed", c.missions
	}
	if err := db.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, description, starts_on, ends_on, status,
				max_active_per_employee, mission_scope, mission_ids, crisis)
			VALUES (app.current_tenant_id(), ?, ?, ?, current_date - ?, current_date + 30, 'active', ?, ?, ?, ?)`,
			id, c.name, c.description, c.since, c.maxActive, scope, pgdialect.Array(missions), c.crisis)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// browserless sends the pages' requests as a browser without JavaScript
// does: forms url-encoded, the session and language in cookies.
type browserless struct {
	t       *testing.T
	app     *fiber.App
	host    string
	session string
	lang    string
	accept  string // the Accept header; text/html when empty
	site    string // the Sec-Fetch-Site header, when not empty
	// unescape returns the page with its HTML entities decoded, to look
	// for the text as the reader sees it.
	unescape bool
}

func (b browserless) send(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		return b.request(method, path, nil, "")
	}
	return b.request(method, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (b browserless) get(path string) (*http.Response, string) { return b.send("GET", path, nil) }

func (b browserless) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	return b.send("POST", path, form)
}

// signIn posts the sign-in form as email with pw, and next when not
// empty, and returns the answer and the session it opened ("" when none).
func (b browserless) signIn(email, pw, next string) (*http.Response, string) {
	b.t.Helper()
	form := url.Values{"email": {email}, "password": {pw}}
	if next != "" {
		form.Set("next", next)
	}
	res, _ := b.post("/sign-in", form)
	return res, sessionOf(res)
}

// upload posts a body of another kind than a form, a multipart one say,
// whose content type is given.
func (b browserless) upload(path string, body io.Reader, contentType string) (*http.Response, string) {
	b.t.Helper()
	return b.request("POST", path, body, contentType)
}

func (b browserless) request(method, path string, body io.Reader, contentType string) (*http.Response, string) {
	b.t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Host = b.host
	req.Header.Set("Accept", cmp.Or(b.accept, "text/html"))
	if b.site != "" {
		req.Header.Set("Sec-Fetch-Site", b.site)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if b.session != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: b.session})
	}
	if b.lang != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.LangCookie, Value: b.lang})
	}
	res, err := b.app.Test(req, 10000)
	if err != nil {
		b.t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	if b.unescape {
		return res, html.UnescapeString(string(out))
	}
	return res, string(out)
}

// staffPages serves the product on the package's database with a new
// member of the platform's staff signed in to its pages, from the same
// site, the pages read as the reader sees them.
func staffPages(t *testing.T) (*pgtest.Env, *fiber.App, people, browserless) {
	t.Helper()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	return env, app, pp, browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(true, nil)), site: "same-origin", unescape: true}
}

// remoteVolunteer gives the signed-in employee a profile with one skill at
// level 3, working remotely, through the API as the profile page does.
func remoteVolunteer(t *testing.T, app *fiber.App, host, session, skill string) {
	t.Helper()
	if res, body := do(t, app, "PUT", host, "/api/v1/me/profile",
		`{"skills":[{"skill":"`+skill+`","level":3}],"formats":["remote"],"hours_per_week":4,"radius_km":20,"languages":["fr"],"causes":[],"days":[]}`,
		session); res.StatusCode != 200 {
		t.Fatalf("profile with %s: %d %v", skill, res.StatusCode, body)
	}
}

// hrWorld is a new company on the package's server, with an HR admin
// signed in to its pages.
type hrWorld struct {
	env    *pgtest.Env
	app    *fiber.App
	tn     *tenants.Tenant
	people people
	admin  browserless
}

func newHRWorld(t *testing.T) hrWorld {
	t.Helper()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	pp := people{t: t, db: env.App}
	return hrWorld{env: env, app: app, tn: tn, people: pp,
		admin: browserless{t: t, app: app, host: tn.Slug + ".localhost", session: pp.session(tn, pp.member(tn, "hr_admin"))}}
}

// as signs a new member of the company in to its pages, with role.
func (w hrWorld) as(role string) browserless {
	return browserless{t: w.admin.t, app: w.app, host: w.admin.host, session: w.people.session(w.tn, w.people.member(w.tn, role))}
}

// matchingDrive is a company whose campaign offers two missions, an
// accounting one (one place) and a web one (webPlaces places), to
// volunteers with one skill each (by name), and its HR admin.
type matchingDrive struct {
	app        *fiber.App
	host       string
	campaignID uuid.UUID
	admin      string            // the HR admin's session
	sessions   map[string]string // each volunteer's, by name
	env        *pgtest.Env
	tn         *tenants.Tenant
	accounting uuid.UUID // the mission that wants finance.accounting
	webdev     uuid.UUID // the one that wants it.web-dev
}

func newMatchingDrive(t *testing.T, webPlaces int, volunteers map[string]string) matchingDrive {
	t.Helper()
	d, ids := newDrive(t, []missionSpec{
		{title: "Tenir la comptabilité", skill: "finance.accounting", places: 1},
		{title: "Refaire le site", skill: "it.web-dev", places: webPlaces}}, volunteers)
	d.accounting, d.webdev = ids[0], ids[1]
	return d
}

// newDrive is a company whose campaign offers these missions (of one
// verified association) to volunteers with one skill each (by name), and
// its HR admin; it returns the missions' ids, in order.
func newDrive(t *testing.T, missions []missionSpec, volunteers map[string]string) (matchingDrive, []uuid.UUID) {
	t.Helper()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	assoc := verifiedAssociation(t, env, "Asso")
	var ids []uuid.UUID
	for _, m := range missions {
		m.assoc = &assoc
		ids = append(ids, mission(t, env, m))
	}
	d := matchingDrive{app: app, host: tn.Slug + ".localhost", sessions: map[string]string{}, env: env, tn: tn,
		// Its missions only: other tests' missions share the database.
		campaignID: activeCampaign(t, env.App, tn, campaignSpec{maxActive: 1, missions: ids})}
	pp := people{t: t, db: env.App}
	d.admin = pp.session(tn, pp.member(tn, "hr_admin"))
	for name, skill := range volunteers {
		d.sessions[name] = pp.session(tn, pp.member(tn, "employee"))
		remoteVolunteer(t, app, d.host, d.sessions[name], skill)
	}
	return d, ids
}

// ageInvitations makes the invitation mails of the company slug look an
// hour old, past the resend throttle, for a test that resends at once.
func ageInvitations(t testing.TB, db *postgres.DB, slug string) {
	t.Helper()
	ctx := context.Background()
	tn, err := postgres.NewTenantStore(db).BySlug(ctx, slug)
	if err == nil {
		err = db.TenantTx(tenants.NewContext(ctx, tn), func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE member_tokens SET created_at = created_at - interval '1 hour' WHERE purpose = 'invite'")
			return err
		})
	}
	if err != nil {
		t.Fatalf("age the invitations of %s: %v", slug, err)
	}
}
