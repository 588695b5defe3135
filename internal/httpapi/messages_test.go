package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

const htmlAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

var emailError = regexp.MustCompile(`(?s)<span class="field-error" id="email-error">(.*?)</span>`)

// TestServiceErrorsSpeakThePagesLanguage follows a person who mistypes their
// address on the sign-in link form: the identity service's error shows next
// to the field in French, the page's default, then in English once they
// choose English with the language form. The error page does the same; the
// API keeps English.
func TestServiceErrorsSpeakThePagesLanguage(t *testing.T) {
	t.Parallel()
	app, _ := serverOn(t, pgtest.New(t), io.Discard)
	bad := url.Values{"email": {"pas-une-adresse"}}
	b := browserless{t: t, app: app, host: "localhost", accept: htmlAccept, site: "same-origin", unescape: true}

	res, body := b.post("/sign-in/link", bad)
	m := emailError.FindStringSubmatch(body)
	if res.StatusCode != http.StatusBadRequest || m == nil || m[1] != `"pas-une-adresse" n'est pas une adresse e-mail` {
		t.Fatalf("French page: %d, email error %q; want 400 and the French sentence next to the field", res.StatusCode, m)
	}

	res, _ = b.post("/lang", url.Values{"lang": {"en"}, "back": {"/sign-in"}})
	var chosen string
	for _, c := range res.Cookies() {
		if c.Name == httpapi.LangCookie {
			chosen = c.Value
		}
	}
	if res.StatusCode != http.StatusSeeOther || chosen != "en" {
		t.Fatalf("choosing English: %d, cookie %q", res.StatusCode, chosen)
	}
	en := b
	en.lang = chosen
	res, body = en.post("/sign-in/link", bad)
	m = emailError.FindStringSubmatch(body)
	if res.StatusCode != http.StatusBadRequest || m == nil || m[1] != `"pas-une-adresse" is not an email address` {
		t.Fatalf("English page: %d, email error %q; want 400 and the English sentence", res.StatusCode, m)
	}

	t.Run("error page", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
			form         url.Values
			lang         string
			status       int
			want         []string
		}{
			{http.MethodPost, "/lang", url.Values{"lang": {"de"}}, "", 400,
				[]string{"<h1>Demande incorrecte</h1>", `<p>la langue "de" n'est ni le français (fr) ni l'anglais (en)</p>`}},
			{http.MethodPost, "/lang", url.Values{"lang": {"de"}}, "en", 400,
				[]string{"<h1>Bad Request</h1>", `<p>language "de" is not one of fr, en</p>`}},
			{http.MethodGet, "/nothing-here", nil, "", 404,
				[]string{"<h1>Page introuvable</h1>", "<p>Il n'y a rien à cette adresse.</p>"}},
			{http.MethodGet, "/nothing-here", nil, "en", 404,
				[]string{"<h1>Not Found</h1>", "<p>There is nothing at this address.</p>"}},
		} {
			reader := b
			reader.t, reader.lang = t, c.lang
			res, body := reader.send(c.method, c.path, c.form)
			if res.StatusCode != c.status {
				t.Errorf("%s %s (%q): %d, want %d", c.method, c.path, c.lang, res.StatusCode, c.status)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s %s (%q): no %q in the page", c.method, c.path, c.lang, w)
				}
			}
		}
	})

	t.Run("the API stays English", func(t *testing.T) {
		api := b
		api.t, api.accept = t, "application/json"
		res, body := api.post("/lang", url.Values{"lang": {"de"}})
		if res.StatusCode != 400 || res.Header.Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(body, `"detail":"language \"de\" is not one of fr, en"`) {
			t.Errorf("%d %s %s; want the English problem", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	})
}
