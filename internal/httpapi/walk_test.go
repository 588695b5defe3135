package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/vendredi-app/vendredi/internal/demo"
	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// The walk: every persona of the demo world, in both languages, follows
// every same-site link of every page it reaches, from its home. Pages are
// found by their links, so a page added later is walked as soon as
// something links to it. A page or one of its assets that answers 404 or
// 5xx, a sentence of the other language, a raw message key or a code
// meant for machines fails the walk.

// catalogue is what the pages may say, read from web/i18n.
type catalogue struct {
	keys map[string]bool
	// in maps a language to its keys.
	in map[string]map[string]bool
	// phrases maps a language to its sentences (the English formats of
	// the errors' catalogue among the English ones).
	phrases map[string]map[string]bool
	// words are the sentences of one language that the other never says,
	// by language: what betrays a page that speaks the wrong one.
	foreign map[string][]string
}

// placeholderRE cuts a catalogue sentence at its arguments: what lies
// between them is what a page shows word for word.
var placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}|%[-+# 0]*(\[\d+\])?(\d+|\*)?(\.(\d+|\*)?)?[a-zA-Z%]`)

func readCatalogue(t *testing.T) catalogue {
	t.Helper()
	dir := filepath.Join("..", "..", "web", "i18n")
	cat := catalogue{keys: map[string]bool{}, in: map[string]map[string]bool{"fr": {}, "en": {}}, phrases: map[string]map[string]bool{"fr": {}, "en": {}}, foreign: map[string][]string{}}
	values := map[string]map[string]string{"fr": {}, "en": {}}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(names) < 10 {
		t.Fatalf("the catalogue: %v (%d files)", err, len(names))
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		base := filepath.Base(name)
		lang := strings.TrimSuffix(base[strings.LastIndex(base[:len(base)-5], ".")+1:], ".json")
		for k, v := range m {
			if strings.HasPrefix(base, "errors.") {
				// Keyed by the English sentence: both are phrases.
				values["en"][k] = k
				values["fr"][k] = v
				continue
			}
			cat.keys[k] = true
			cat.in[lang][k] = true
			values[lang][k] = v
		}
	}
	for lang, vs := range values {
		for _, v := range vs {
			for _, piece := range placeholderRE.Split(v, -1) {
				cat.phrases[lang][strings.TrimSpace(piece)] = true
			}
		}
	}
	for _, lang := range []string{"fr", "en"} {
		other := map[string]string{"fr": "en", "en": "fr"}[lang]
		seen := map[string]bool{}
		for k, v := range values[lang] {
			if values[other][k] == v {
				continue
			}
			for _, piece := range placeholderRE.Split(v, -1) {
				piece = strings.TrimSpace(piece)
				// Long enough to be a sentence of its own, and never
				// said by the other language.
				if len(piece) < 14 || !strings.Contains(piece, " ") || cat.phrases[other][piece] || seen[piece] {
					continue
				}
				seen[piece] = true
				cat.foreign[other] = append(cat.foreign[other], piece)
			}
		}
		sort.Strings(cat.foreign[other])
	}
	return cat
}

// walker is one persona's browser without JavaScript: it keeps the
// session cookie and remembers what it fetched.
type walker struct {
	t       *testing.T
	app     *fiber.App
	host    string
	lang    string
	session string
	seen    map[string]bool
	pages   int
}

func (w *walker) fetch(method, path string, form url.Values) *http.Response {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.Host = w.host
	req.Header.Set("Accept", "text/html,*/*")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: httpapi.LangCookie, Value: w.lang})
	if w.session != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: w.session})
	}
	res, err := w.app.Test(req, 20000)
	if err != nil {
		w.t.Fatalf("%s %s%s: %v", method, w.host, path, err)
	}
	for _, c := range res.Cookies() {
		if c.Name == httpapi.SessionCookie {
			w.session = c.Value
		}
	}
	return res
}

func (w *walker) signIn(email string) {
	w.t.Helper()
	res := w.fetch("POST", "/sign-in", url.Values{"email": {email}, "password": {demo.Password}})
	if res.StatusCode != http.StatusSeeOther || w.session == "" {
		w.t.Fatalf("%s cannot sign in on %s: %d", email, w.host, res.StatusCode)
	}
}

// idRE stands for the objects' ids in a path, so that a list of a hundred
// objects is walked through a few of them.
var idRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|/\d+(/|$)`)

// skip are paths a walk does not follow: they end the session or download
// what is not a page, which the tests of their own check.
func skip(path string) bool {
	for _, p := range []string{"/sign-out", "/api/", "/auth/", "/calendar/", ".ics", ".csv", ".pdf"} {
		if strings.Contains(path, p) {
			return true
		}
	}
	return false
}

// walk visits every page reachable from start, depth first, and reports
// what a reader would mind.
func (w *walker) walk(cat catalogue, start ...string) {
	type visit struct{ path, from string }
	queue := []visit{}
	for _, s := range start {
		queue = append(queue, visit{s, "(start)"})
	}
	shapes := map[string]int{}
	for len(queue) > 0 && w.pages < 250 {
		v := queue[0]
		queue = queue[1:]
		if w.seen[v.path] {
			continue
		}
		w.seen[v.path] = true
		shape := idRE.ReplaceAllString(strings.SplitN(v.path, "?", 2)[0], ":id/")
		if shapes[shape]++; shapes[shape] > 2 {
			continue
		}
		res := w.fetch("GET", v.path, nil)
		b, _ := io.ReadAll(res.Body)
		where := fmt.Sprintf("%s %s%s (linked from %s)", w.lang, w.host, v.path, v.from)
		if res.StatusCode == http.StatusNotFound || res.StatusCode >= 500 {
			w.t.Errorf("%s: %d", where, res.StatusCode)
			continue
		}
		if res.StatusCode >= 300 && res.StatusCode < 400 {
			if to := sameSite(w.host, v.path, res.Header.Get("Location")); to != "" {
				queue = append(queue, visit{to, v.path})
			}
			continue
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		w.pages++
		// Every page names itself first in its title (tabs, history and
		// screen readers read it): never an empty name before the site's.
		if strings.Contains(string(b), "<title> ·") || strings.Contains(string(b), "<title>·") {
			w.t.Errorf("%s: the page's title is empty", where)
		}
		doc, err := html.Parse(strings.NewReader(string(b)))
		if err != nil {
			w.t.Errorf("%s: %v", where, err)
			continue
		}
		links, assets := w.read(cat, doc, where)
		for _, a := range assets {
			if w.seen[a] {
				continue
			}
			w.seen[a] = true
			if res := w.fetch("GET", a, nil); res.StatusCode >= 400 {
				w.t.Errorf("%s: its asset %s answers %d", where, a, res.StatusCode)
			}
		}
		for _, l := range links {
			if to := sameSite(w.host, v.path, l); to != "" && !skip(to) {
				queue = append(queue, visit{to, v.path})
			}
		}
	}
}

// sameSite is ref as a path on host, "" when it leads elsewhere.
func sameSite(host, from, ref string) string {
	base, _ := url.Parse("http://" + host + from)
	u, err := base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || strings.Split(u.Host, ":")[0] != host {
		return ""
	}
	u.Fragment = ""
	return u.RequestURI()
}

// rawRE is what looks like a message key or a code: dotted lower-case
// words (hr.campaigns.title, it.web-dev) or snake_case ones
// (hours_per_week).
var rawRE = regexp.MustCompile(`\b[a-z][a-z0-9-]*(\.[a-z0-9_-]+)+\b|\b[a-z]+(_[a-z]+)+\b`)

// read checks the text a person reads on the page and returns its links
// and assets.
func (w *walker) read(cat catalogue, doc *html.Node, where string) (links, assets []string) {
	var texts []string
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.DataAtom {
			case atom.A:
				if h, ok := attr["href"]; ok {
					links = append(links, h)
				}
			case atom.Link, atom.Img, atom.Script:
				if ref := attr["href"] + attr["src"]; ref != "" && !strings.HasPrefix(ref, "data:") {
					if to := sameSite(w.host, "/", ref); to != "" {
						assets = append(assets, to)
					}
				}
			}
			// Content written by people says its language; code is for
			// machines; neither is the product's wording.
			if l, ok := attr["lang"]; ok && n.DataAtom != atom.Html && l != w.lang {
				return
			}
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Code, atom.Pre, atom.Textarea, atom.Head:
				return
			case atom.Input:
				if attr["type"] == "submit" || attr["type"] == "button" {
					texts = append(texts, attr["value"])
				}
			}
			for _, k := range []string{"placeholder", "aria-label", "title", "alt"} {
				if v := attr[k]; v != "" {
					texts = append(texts, v)
				}
			}
		}
		if n.Type == html.TextNode {
			if s := strings.TrimSpace(n.Data); s != "" {
				texts = append(texts, s)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	for _, text := range texts {
		for _, f := range cat.foreign[w.lang] {
			if strings.Contains(text, f) {
				w.t.Errorf("%s: %q is not in the page's language, in %q", where, f, clip(text))
			}
		}
		for _, raw := range rawRE.FindAllString(text, -1) {
			_, skill := taxonomy.SkillByCode(raw)
			if cat.keys[raw] || skill || strings.Contains(raw, "_") {
				w.t.Errorf("%s: %q is a code, not words, in %q", where, raw, clip(text))
			}
		}
	}
	return links, assets
}

// TestWalkEveryPage walks the demo world as each persona in French and in
// English.
func TestWalkEveryPage(t *testing.T) {
	t.Parallel()
	e := pgtest.Private(t) // the demo world's slugs and addresses are fixed
	hash, err := argon2id.CreateHash(demo.Password, identity.DefaultConfig().Hash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.SeedDemo(context.Background(), e.App, hash); err != nil {
		t.Fatal(err)
	}
	app, _ := serverWith(t, e.App, e.AppURL, io.Discard)
	cat := readCatalogue(t)
	if len(cat.foreign["fr"]) < 200 || len(cat.foreign["en"]) < 200 {
		t.Fatalf("%d English and %d French sentences to look for: the catalogue was not read", len(cat.foreign["fr"]), len(cat.foreign["en"]))
	}
	personas := []struct {
		name, host, email string
		atLeast           int // pages: a walk that finds fewer is broken
	}{
		{"signed out on a company's host", "acme.localhost", "", 2},
		{"signed out on the platform's host", "localhost", "", 2},
		{"employee", "acme.localhost", "karim.benali@acme.example", 6},
		{"HR admin", "acme.localhost", "claire.martin@acme.example", 15},
		{"association manager", "localhost", "responsable@entraide-numerique.example", 6},
		{"staff", "localhost", "staff@vendredi.localhost", 10},
	}
	for _, p := range personas {
		for _, lang := range []string{"fr", "en"} {
			w := &walker{t: t, app: app, host: p.host, lang: lang, seen: map[string]bool{}}
			if p.email != "" {
				w.signIn(p.email)
			}
			// A browser asks for the icon of every site by itself.
			w.walk(cat, "/", "/favicon.ico")
			if w.pages < p.atLeast {
				t.Errorf("%s (%s): %d pages walked, want at least %d", p.name, lang, w.pages, p.atLeast)
			}
			t.Logf("%s (%s): %d pages", p.name, lang, w.pages)
		}
	}
}

func clip(s string) string {
	if r := []rune(s); len(r) > 160 {
		return string(r[:160]) + "…"
	}
	return s
}
