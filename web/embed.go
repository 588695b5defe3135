// Package web holds the server-rendered pages' templates and static assets,
// embedded in the binary. Asset URLs carry a content hash so that browsers
// may cache them for a year and still get a new version at once.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"sync"
)

//go:embed templates static
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

// Templates parses the page templates; each page is executed by its name.
func Templates() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{"asset": Asset}).ParseFS(files, "templates/*.html")
}
