// Package openapi assembles the OpenAPI 3.1 document of /api/v1 from YAML
// fragments, one per resource, embedded in the binary.
//
// base.yaml carries what the whole API shares: openapi, info, servers,
// security schemes and the Problem error. Every other *.yaml file is a
// fragment with two top-level keys only, paths and components; a path or
// a component name given by two files is an error naming both, so that
// fragments written apart (one resource, one file) never overwrite each
// other silently. Each fragment's operations are tagged with its file's
// name (campaigns.yaml: "campaigns") unless they name their tags.
package openapi

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"sigs.k8s.io/yaml"
)

//go:embed *.yaml
var files embed.FS

// BaseFile is the fragment that holds the document's shared parts.
const BaseFile = "base.yaml"

// Prefix is where the documented paths are served: the document's paths
// are relative to it (its server URL).
const Prefix = "/api/v1"

var document = sync.OnceValues(func() ([]byte, error) { return Merge(files) })

// JSON returns the merged document, as served at /api/v1/openapi.json.
func JSON() ([]byte, error) { return document() }

var loaded = sync.OnceValues(func() (*openapi3.T, error) {
	b, err := JSON()
	if err != nil {
		return nil, err
	}
	return Load(b)
})

// Document returns the merged document parsed, its references resolved:
// what the documentation page walks and the tests validate against.
func Document() (*openapi3.T, error) { return loaded() }

// Load parses a merged document and resolves its references.
func Load(b []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("openapi: load the merged document: %w", err)
	}
	return doc, nil
}

// Validate checks the merged document against OpenAPI 3.1.
func Validate(doc *openapi3.T) error {
	return doc.Validate(context.Background(), openapi3.EnableSchemaFormatValidation(), openapi3.EnableSchemaPatternValidation())
}

// componentKinds are the sections of components a fragment may add to.
var componentKinds = []string{"schemas", "responses", "parameters", "requestBodies", "headers", "examples", "securitySchemes", "links", "callbacks", "pathItems"}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Merge assembles the base file and every other *.yaml file of fsys into
// one document, as JSON.
func Merge(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(names, BaseFile) {
		return nil, fmt.Errorf("openapi: %s is missing", BaseFile)
	}
	base, err := readYAML(fsys, BaseFile)
	if err != nil {
		return nil, err
	}
	paths := object(base, "paths")
	components := object(base, "components")
	// Where each path and component came from, for the error on a second.
	pathFrom := map[string]string{}
	for p := range paths {
		pathFrom[p] = BaseFile
	}
	compFrom := map[string]string{}
	for kind, v := range components {
		m, _ := v.(map[string]any)
		for name := range m {
			compFrom[kind+"/"+name] = BaseFile
		}
	}
	sort.Strings(names)
	var tags []any
	for _, name := range names {
		if name == BaseFile {
			continue
		}
		frag, err := readYAML(fsys, name)
		if err != nil {
			return nil, err
		}
		for k := range frag {
			if k != "paths" && k != "components" {
				return nil, fmt.Errorf("openapi: %s: top-level key %q: a fragment has paths and components only (the rest is in %s)", name, k, BaseFile)
			}
		}
		tag := strings.TrimSuffix(name, path.Ext(name))
		fragPaths, ok := frag["paths"].(map[string]any)
		if frag["paths"] != nil && !ok {
			return nil, fmt.Errorf("openapi: %s: paths is not a map", name)
		}
		used := false
		for p, item := range fragPaths {
			if !strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("openapi: %s: path %q does not start with /", name, p)
			}
			if strings.HasPrefix(p, Prefix+"/") {
				return nil, fmt.Errorf("openapi: %s: path %q: write it without %s, which is the server's URL", name, p, Prefix)
			}
			if from, dup := pathFrom[p]; dup {
				return nil, fmt.Errorf("openapi: %s: path %s is already in %s: a path belongs to one fragment", name, p, from)
			}
			pathFrom[p] = name
			ops, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("openapi: %s: path %s is not a map", name, p)
			}
			for _, m := range methods {
				op, ok := ops[m].(map[string]any)
				if !ok {
					continue
				}
				if err := lintOperation(op); err != nil {
					return nil, fmt.Errorf("openapi: %s: %s %s: %w", name, strings.ToUpper(m), p, err)
				}
				if _, named := op["tags"]; !named {
					op["tags"] = []any{tag}
					used = true
				}
			}
			paths[p] = item
		}
		if used {
			tags = append(tags, map[string]any{"name": tag})
		}
		fragComps, ok := frag["components"].(map[string]any)
		if frag["components"] != nil && !ok {
			return nil, fmt.Errorf("openapi: %s: components is not a map", name)
		}
		for kind, v := range fragComps {
			if !slices.Contains(componentKinds, kind) {
				return nil, fmt.Errorf("openapi: %s: components.%s is not a kind of component", name, kind)
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("openapi: %s: components.%s is not a map", name, kind)
			}
			into := object(components, kind)
			for n, c := range m {
				if from, dup := compFrom[kind+"/"+n]; dup {
					return nil, fmt.Errorf("openapi: %s: components.%s.%s is already in %s: give it another name, or use the first", name, kind, n, from)
				}
				compFrom[kind+"/"+n] = name
				into[n] = c
			}
		}
	}
	if len(tags) > 0 {
		base["tags"] = append(tags, listOf(base["tags"])...)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(base); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// lintOperation holds every operation to what clients generated from the
// document rely on: a stable name, a summary for the docs page, and the
// problem+json answer every error of the API is (the `default` response).
func lintOperation(op map[string]any) error {
	if id, _ := op["operationId"].(string); id == "" {
		return fmt.Errorf("no operationId: generated clients name the call after it")
	}
	if s, _ := op["summary"].(string); strings.TrimSpace(s) == "" {
		return fmt.Errorf("no summary: the docs page lists the operation by it")
	}
	responses, _ := op["responses"].(map[string]any)
	def, _ := responses["default"].(map[string]any)
	if ref, _ := def["$ref"].(string); ref == ProblemResponse {
		return nil
	}
	// Or a response of its own, to say which errors: still a problem.
	content, _ := def["content"].(map[string]any)
	media, _ := content["application/problem+json"].(map[string]any)
	schema, _ := media["schema"].(map[string]any)
	if ref, _ := schema["$ref"].(string); ref == ProblemSchema && len(content) == 1 {
		return nil
	}
	return fmt.Errorf("responses.default is neither {$ref: '%s'} nor application/problem+json of %s: every error the API answers is a problem",
		ProblemResponse, ProblemSchema)
}

// ProblemResponse is the response every operation's errors share, and
// ProblemSchema its body.
const (
	ProblemResponse = "#/components/responses/Problem"
	ProblemSchema   = "#/components/schemas/Problem"
)

func readYAML(fsys fs.FS, name string) (map[string]any, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	// Strict: a key given twice in one file is an error, not the last wins.
	j, err := yaml.YAMLToJSONStrict(b)
	if err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", name, err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", name, err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// object returns m[key] as a map, making it when absent.
func object(m map[string]any, key string) map[string]any {
	v, ok := m[key].(map[string]any)
	if !ok {
		v = map[string]any{}
		m[key] = v
	}
	return v
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

// PathOf is the document's path of a Fiber route under Prefix: ":id"
// becomes "{id}" and a constraint ("<guid>") goes; ok is false outside
// Prefix.
func PathOf(route string) (p string, ok bool) {
	rest, ok := strings.CutPrefix(route, Prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") {
			continue
		}
		name := s[1:]
		tail := ""
		// A parameter may end a segment with a literal: ":id.ics".
		if j := strings.IndexAny(name, "<.?"); j >= 0 {
			name, tail = name[:j], name[j:]
			if strings.HasPrefix(tail, "<") {
				if k := strings.Index(tail, ">"); k >= 0 {
					tail = tail[k+1:]
				}
			}
			tail = strings.TrimPrefix(tail, "?")
		}
		segs[i] = "{" + name + "}" + tail
	}
	return strings.Join(segs, "/"), true
}
