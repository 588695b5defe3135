package httpapi_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/httpapi"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// page sends a request as a browser would, with the language cookie when
// lang is set, and returns the response and its text unescaped.
func page(t *testing.T, app *fiber.App, method, path string, form url.Values, lang, accept string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	req.Host = "localhost"
	req.Header.Set("Accept", accept)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if lang != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.LangCookie, Value: lang})
	}
	res, err := app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	return res, html.UnescapeString(string(body))
}

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

	res, body := page(t, app, http.MethodPost, "/sign-in/link", bad, "", htmlAccept)
	m := emailError.FindStringSubmatch(body)
	if res.StatusCode != http.StatusBadRequest || m == nil || m[1] != `"pas-une-adresse" n'est pas une adresse e-mail` {
		t.Fatalf("French page: %d, email error %q; want 400 and the French sentence next to the field", res.StatusCode, m)
	}

	res, _ = page(t, app, http.MethodPost, "/lang", url.Values{"lang": {"en"}, "back": {"/sign-in"}}, "", htmlAccept)
	var chosen string
	for _, c := range res.Cookies() {
		if c.Name == httpapi.LangCookie {
			chosen = c.Value
		}
	}
	if res.StatusCode != http.StatusSeeOther || chosen != "en" {
		t.Fatalf("choosing English: %d, cookie %q", res.StatusCode, chosen)
	}
	res, body = page(t, app, http.MethodPost, "/sign-in/link", bad, chosen, htmlAccept)
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
			res, body := page(t, app, c.method, c.path, c.form, c.lang, htmlAccept)
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
		res, body := page(t, app, http.MethodPost, "/lang", url.Values{"lang": {"de"}}, "", "application/json")
		if res.StatusCode != 400 || res.Header.Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(body, `"detail":"language \"de\" is not one of fr, en"`) {
			t.Errorf("%d %s %s; want the English problem", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	})
}
