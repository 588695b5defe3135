package openapi_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vendredi-app/vendredi/internal/httpapi/openapi"
)

const base = `
openapi: 3.1.0
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Problem: {type: object}
  responses:
    Problem:
      description: a problem
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
`

func fragment(path, schema string) string {
	return `
paths:
  ` + path + `:
    get:
      operationId: get` + strings.NewReplacer("/", "", "{", "", "}", "").Replace(path) + `
      summary: read it
      responses:
        "200": {description: ok}
        default: {$ref: '#/components/responses/Problem'}
components:
  schemas:
    ` + schema + `: {type: string}
`
}

func merge(files map[string]string) (string, error) {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	b, err := openapi.Merge(fsys)
	return string(b), err
}

func TestMergeTakesEveryFragment(t *testing.T) {
	got, err := merge(map[string]string{"base.yaml": base, "a.yaml": fragment("/a", "A"), "b.yaml": fragment("/b", "B")})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Load([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/a", "/b"} {
		if doc.Paths.Value(p) == nil {
			t.Errorf("path %s missing from %s", p, got)
		}
	}
	for _, s := range []string{"A", "B", "Problem"} {
		if doc.Components.Schemas[s] == nil {
			t.Errorf("schema %s missing", s)
		}
	}
	// Each fragment's operations are tagged with its name.
	if tags := doc.Paths.Value("/b").Get.Tags; len(tags) != 1 || tags[0] != "b" {
		t.Errorf("tags of /b: %v, want [b]", tags)
	}
}

// Two fragments written apart must not overwrite each other: the merge
// fails and names both files.
func TestMergeRefusesWhatTwoFragmentsDefine(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"path":               {"base.yaml": base, "billing.yaml": fragment("/a", "A"), "sso.yaml": fragment("/a", "B")},
		"schema":             {"base.yaml": base, "billing.yaml": fragment("/a", "Same"), "sso.yaml": fragment("/b", "Same")},
		"schema of the base": {"base.yaml": base, "billing.yaml": fragment("/a", "Problem")},
	} {
		_, err := merge(files)
		if err == nil {
			t.Errorf("%s: merged", name)
			continue
		}
		for _, want := range []string{"billing.yaml", "already in"} {
			if name != "schema of the base" && !strings.Contains(err.Error(), "sso.yaml") {
				t.Errorf("%s: %v does not name sso.yaml", name, err)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v does not say %q", name, err, want)
			}
		}
	}
}

func TestMergeRefusesMalformedFragments(t *testing.T) {
	for name, frag := range map[string]string{
		"another top-level key":          "info: {title: x}\npaths: {}\n",
		"a key given twice":              "paths: {}\npaths: {}\n",
		"the prefix in a path":           fragment("/api/v1/a", "A"),
		"a relative path":                fragment("a", "A"),
		"not a component kind":           "components:\n  widgets: {}\n",
		"an operation without a name":    "paths:\n  /a:\n    get:\n      summary: A\n      responses:\n        default: {$ref: '#/components/responses/Problem'}\n",
		"an operation without a summary": "paths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        default: {$ref: '#/components/responses/Problem'}\n",
		"errors that are not problems":   "paths:\n  /a:\n    get:\n      operationId: a\n      summary: A\n      responses:\n        default: {description: x, content: {application/json: {schema: {type: object}}}}\n",
		"no errors at all":               "paths:\n  /a:\n    get:\n      operationId: a\n      summary: A\n      responses:\n        '200': {description: OK}\n",
	} {
		if _, err := merge(map[string]string{"base.yaml": base, "x.yaml": frag}); err == nil || !strings.Contains(err.Error(), "x.yaml") {
			t.Errorf("%s: %v, want an error naming x.yaml", name, err)
		}
	}
	if _, err := merge(map[string]string{"x.yaml": fragment("/a", "A")}); err == nil {
		t.Error("merged without base.yaml")
	}
}

func TestPathOf(t *testing.T) {
	for route, want := range map[string]string{
		"/api/v1/campaigns/:id":                          "/campaigns/{id}",
		"/api/v1/missions/:id<guid>":                     "/missions/{id}",
		"/api/v1/campaigns/:id/participations.csv":       "/campaigns/{id}/participations.csv",
		"/api/v1/associations/:association/missions/:id": "/associations/{association}/missions/{id}",
		"/api/v1/openapi.json":                           "/openapi.json",
	} {
		if got, ok := openapi.PathOf(route); !ok || got != want {
			t.Errorf("PathOf(%s) = %q, %v; want %q", route, got, ok, want)
		}
	}
	for _, route := range []string{"/admin/campaigns", "/api/v10/x", "/"} {
		if _, ok := openapi.PathOf(route); ok {
			t.Errorf("PathOf(%s): ok outside /api/v1", route)
		}
	}
}

// The embedded document merges and is valid OpenAPI 3.1.
func TestEmbeddedDocument(t *testing.T) {
	doc, err := openapi.Document()
	if err != nil {
		t.Fatal(err)
	}
	if err := openapi.Validate(doc); err != nil {
		t.Fatal(err)
	}
}
