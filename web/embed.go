// Package web holds the server-rendered pages' templates and static assets,
// embedded in the binary. Asset URLs carry a content hash so that browsers
// may cache them for a year and still get a new version at once.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/vendredi-app/vendredi/internal/geo"
	"github.com/vendredi-app/vendredi/internal/mecenat"

	"github.com/vendredi-app/vendredi/internal/errs"
)

//go:embed templates static i18n
var files embed.FS

// Static is the tree served under /static/.
var Static, _ = fs.Sub(files, "static")

var (
	hashesOnce sync.Once
	hashes     map[string]string
)

// Asset returns the cache-busting URL of a static file.
func Asset(name string) string {
	hashesOnce.Do(func() {
		hashes = map[string]string{}
		_ = fs.WalkDir(Static, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(Static, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			hashes[p] = hex.EncodeToString(sum[:])[:12]
			return nil
		})
	})
	return "/static/" + name + "?v=" + hashes[name]
}

var messages = sync.OnceValues(func() (*i18n.Bundle, error) {
	bundle := i18n.NewBundle(language.French)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	// Messages live in one file per part of the product and language:
	// i18n/<part>.<lang>.json.
	for _, l := range Languages {
		names, err := fs.Glob(files, "i18n/*."+l+".json")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if name == errorsFile(l) {
				continue // keyed by English sentences, for ErrorMessage
			}
			if _, err := bundle.LoadMessageFileFS(files, name); err != nil {
				return nil, err
			}
		}
	}
	return bundle, nil
})

// Phrases returns the messages of lang (French when unknown) as a
// function of a message id and its optional data, for what is written
// outside the pages (PDF documents). An unknown id is a build mistake the
// tests catch; it comes back as itself.
func Phrases(lang string) func(id string, data ...any) string {
	bundle, err := messages()
	if err != nil {
		return func(id string, _ ...any) string { return id }
	}
	loc := i18n.NewLocalizer(bundle, lang)
	return func(id string, data ...any) string {
		cfg := &i18n.LocalizeConfig{MessageID: id}
		if len(data) > 0 {
			cfg.TemplateData = data[0]
		}
		s, err := loc.Localize(cfg)
		if err != nil {
			return id
		}
		return s
	}
}

// Languages the pages speak, French first: it is the product's home.
var Languages = []string{"fr", "en"}

// Templates parses the page templates once per language, with t bound to
// that language's messages; each page is executed by its name.
func Templates() (map[string]*template.Template, error) {
	bundle, err := messages()
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, l := range Languages {
		loc := i18n.NewLocalizer(bundle, l)
		t := func(id string, data ...any) (string, error) {
			cfg := &i18n.LocalizeConfig{MessageID: id}
			if len(data) > 0 {
				cfg.TemplateData = data[0]
			}
			return loc.Localize(cfg)
		}
		lang := l
		tpl, err := template.New("").Funcs(template.FuncMap{"asset": Asset, "t": t, "cities": geo.Cities,
			"money":   func(c mecenat.Cents) string { return c.Format(lang) },
			"hours":   func(h mecenat.Centihours) string { return h.Format(lang) },
			"percent": func(bp int) string { return mecenat.Percent(bp, lang) }, "dict": dict,
			"num": func(v any) (string, error) { return number(lang, v) },
			// tn is t for a sentence that depends on a count n: id+"_one"
			// when the language says n is singular, id otherwise.
			"tn": func(id string, n any, data ...any) (string, error) {
				c, err := count(n)
				if err != nil {
					return "", err
				}
				if Singular(lang, c) {
					id += "_one"
				}
				return t(id, data...)
			},
			"date": func(v any) (string, error) {
				t, err := timeOf(v)
				if t == nil {
					return "", err
				}
				return Date(lang, *t), nil
			},
			"datetime": func(v any) (string, error) {
				t, err := timeOf(v)
				if t == nil {
					return "", err
				}
				return DateTime(lang, *t), nil
			}}).ParseFS(files, "templates/*.html", "templates/*/*.html")
		if err != nil {
			return nil, err
		}
		out[l] = tpl
	}
	return out, nil
}

// dict makes a map of its key, value pairs, to hand a sub-template more
// than one value.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: an odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: a key is not a string")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// Services word their errors in English (errs.E and co.), which the API and
// the logs keep. Pages translate them gettext-style: i18n/errors.<lang>.json
// maps each English format string, as written at its call site, to the
// language's format with the same verbs in the same order. English needs no
// file: its format is the key.

func errorsFile(lang string) string { return "i18n/errors." + lang + ".json" }

var (
	catalogueOnce sync.Once
	catalogues    map[string]map[string]string
)

// errorCatalogue is lang's English-to-lang map, nil for English or a
// language without one. A catalogue that does not parse is a build mistake
// the tests catch; at run time pages then fall back to English.
func errorCatalogue(lang string) map[string]string {
	catalogueOnce.Do(func() {
		catalogues = map[string]map[string]string{}
		for _, l := range Languages {
			b, err := fs.ReadFile(files, errorsFile(l))
			if err != nil {
				continue
			}
			m := map[string]string{}
			if json.Unmarshal(b, &m) == nil {
				catalogues[l] = m
			}
		}
	})
	return catalogues[lang]
}

// ErrorText is an English sentence of the catalogue in lang, itself when
// there is no translation. It is for sentences without arguments that the
// pages say themselves (the generic error, the unknown address).
func ErrorText(lang, english string) string { return translated(lang, english) }

func translated(lang, english string) string {
	if t, ok := errorCatalogue(lang)[english]; ok {
		return t
	}
	return english
}

// ErrorMessage is err's message for a person reading a page in lang: an
// *errs.Error's sentence translated, the generic sentence for anything the
// product did not expect (so that raw internals never reach a page).
func ErrorMessage(lang string, err error) string {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal {
		return ErrorText(lang, errs.Unexpected)
	}
	cat := errorCatalogue(lang)
	return e.TranslatedIn(lang, func(format string) (string, bool) {
		f, ok := cat[format]
		return f, ok
	})
}

// ErrorTitle is the heading of the error page for an HTTP status: the
// status's own words (http.StatusText), translated by the catalogue.
func ErrorTitle(lang string, status int) string {
	return translated(lang, http.StatusText(status))
}
