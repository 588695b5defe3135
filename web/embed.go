// Package web holds the server-rendered pages' templates and static assets,
// embedded in the binary. Asset URLs carry a content hash so that browsers
// may cache them for a year and still get a new version at once.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
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

// Languages the pages speak, French first: it is the product's home.
var Languages = []string{"fr", "en"}

// Templates parses the page templates once per language, with t bound to
// that language's messages; each page is executed by its name.
func Templates() (map[string]*template.Template, error) {
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
			if _, err := bundle.LoadMessageFileFS(files, name); err != nil {
				return nil, err
			}
		}
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
		tpl, err := template.New("").Funcs(template.FuncMap{"asset": Asset, "t": t}).ParseFS(files, "templates/*.html", "templates/*/*.html")
		if err != nil {
			return nil, err
		}
		out[l] = tpl
	}
	return out, nil
}
