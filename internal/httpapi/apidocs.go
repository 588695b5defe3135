package httpapi

import (
	"cmp"
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/httpapi/openapi"
)

// apiDocRoutes serve the OpenAPI document of /api/v1 and a page that
// shows it to people. Both are public: the API's shape is no secret, and
// partners read it before they hold any credential.
//
// The page is rendered here from the document, with the site's templates
// and styles, rather than by a JavaScript renderer: the pages run no
// script (the content security policy says so), a renderer would weigh
// a megabyte or more to vendor and keep up to date, and a page of HTML
// is read by every browser, screen reader and search box as it is.
func (s *Server) apiDocRoutes(app, api fiber.Router) {
	api.Get("/openapi.json", authz.Public(), s.openAPIDocument)
	app.Get("/api/docs", authz.Public(), s.apiDocsPage)
}

func (s *Server) openAPIDocument(c *fiber.Ctx) error {
	b, err := openapi.JSON()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(b)
}

// apiPage is the page's view of the document, built once: the document
// does not change while the server runs.
var apiPage = sync.OnceValues(func() (apiDoc, error) {
	doc, err := openapi.Document()
	if err != nil {
		return apiDoc{}, err
	}
	return apiView(doc), nil
})

func (s *Server) apiDocsPage(c *fiber.Ctx) error {
	v, err := apiPage()
	if err != nil {
		return err
	}
	return s.render(c, "api_docs.html", s.pageData(c, v.Title, map[string]any{"API": v}))
}

// The page's view of the document: groups of operations by tag, then the
// named schemas they refer to.
type (
	apiDoc struct {
		Title, Version string
		Description    []template.HTML // paragraphs
		Server         string
		Security       []apiSecurity
		Groups         []apiGroup
		Schemas        []apiNamedSchema
	}
	apiSecurity struct {
		Name, Kind  string
		Description template.HTML
	}
	apiGroup struct {
		Tag, Description string
		Operations       []apiOperation
	}
	apiOperation struct {
		Anchor, Method, Path, Summary string
		Description                   []template.HTML // paragraphs
		Public                        bool
		Parameters                    []apiParam
		Body                          []apiContent
		BodyRequired                  bool
		Responses                     []apiResponse
	}
	apiParam struct {
		Name, In, Description string
		Required              bool
		Schema                *apiSchema
	}
	apiContent struct {
		MediaType string
		Schema    *apiSchema
	}
	apiResponse struct {
		Status, Description string
		Content             []apiContent
	}
	apiNamedSchema struct {
		Name   string
		Schema *apiSchema
	}
	// apiSchema is a schema as read: a named one is a link to its entry
	// below, an object lists its fields, an array its items.
	apiSchema struct {
		Ref, Type, Description string
		Enum                   []string
		Fields                 []apiField
		Items                  *apiSchema
		Values                 *apiSchema // an object's values, for a map
		Alternatives           []*apiSchema
	}
	apiField struct {
		Name     string
		Required bool
		Schema   *apiSchema
	}
)

func apiView(doc *openapi3.T) apiDoc {
	v := apiDoc{Title: doc.Info.Title, Version: doc.Info.Version, Description: paragraphs(doc.Info.Description)}
	if len(doc.Servers) > 0 {
		v.Server = doc.Servers[0].URL
	}
	if doc.Components != nil {
		for _, name := range sortedKeys(doc.Components.SecuritySchemes) {
			ss := doc.Components.SecuritySchemes[name].Value
			kind := ss.Type
			switch {
			case ss.Type == "apiKey":
				kind = ss.In + " " + ss.Name
			case ss.Type == "http":
				kind = "Authorization: " + ss.Scheme
			}
			v.Security = append(v.Security, apiSecurity{Name: name, Kind: kind, Description: inlineMarkdown(strings.TrimSpace(ss.Description))})
		}
	}
	tagDesc := map[string]string{}
	var tagOrder []string
	for _, t := range doc.Tags {
		tagDesc[t.Name] = t.Description
		tagOrder = append(tagOrder, t.Name)
	}
	groups := map[string]*apiGroup{}
	paths := doc.Paths.Map()
	for _, p := range sortedKeys(paths) {
		item := paths[p]
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			g := groups[tag]
			if g == nil {
				g = &apiGroup{Tag: tag, Description: tagDesc[tag]}
				groups[tag] = g
				if !slices.Contains(tagOrder, tag) {
					tagOrder = append(tagOrder, tag)
				}
			}
			g.Operations = append(g.Operations, operationView(doc, method, p, item, op))
		}
	}
	for _, t := range tagOrder {
		if g := groups[t]; g != nil {
			v.Groups = append(v.Groups, *g)
		}
	}
	sort.SliceStable(v.Groups, func(i, j int) bool { return v.Groups[i].Tag < v.Groups[j].Tag })
	if doc.Components != nil {
		for _, name := range sortedKeys(doc.Components.Schemas) {
			v.Schemas = append(v.Schemas, apiNamedSchema{Name: name, Schema: schemaView(doc.Components.Schemas[name], 0, true)})
		}
	}
	return v
}

func operationView(doc *openapi3.T, method, path string, item *openapi3.PathItem, op *openapi3.Operation) apiOperation {
	o := apiOperation{Method: method, Path: path, Summary: op.Summary, Description: paragraphs(op.Description),
		Anchor: cmp.Or(op.OperationID, strings.ToLower(method)+strings.NewReplacer("/", "-", "{", "", "}", "").Replace(path))}
	sec := doc.Security
	if op.Security != nil {
		sec = *op.Security
	}
	o.Public = len(sec) == 0
	for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, pr := range ps {
			if p := pr.Value; p != nil {
				o.Parameters = append(o.Parameters, apiParam{Name: p.Name, In: p.In, Description: p.Description, Required: p.Required,
					Schema: schemaView(p.Schema, 0, false)})
			}
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.BodyRequired = op.RequestBody.Value.Required
		o.Body = contentView(op.RequestBody.Value.Content)
	}
	if op.Responses != nil {
		rs := op.Responses.Map()
		for _, status := range sortedKeys(rs) {
			r := rs[status].Value
			if r == nil {
				continue
			}
			desc := ""
			if r.Description != nil {
				desc = *r.Description
			}
			o.Responses = append(o.Responses, apiResponse{Status: status, Description: desc, Content: contentView(r.Content)})
		}
	}
	return o
}

func contentView(content openapi3.Content) []apiContent {
	var out []apiContent
	for _, mt := range sortedKeys(content) {
		out = append(out, apiContent{MediaType: mt, Schema: schemaView(content[mt].Schema, 0, false)})
	}
	return out
}

// schemaView reads s for the page; a named schema is a link, unless top
// (the named schema's own entry). Deep inline schemas stop at a depth.
func schemaView(s *openapi3.SchemaRef, depth int, top bool) *apiSchema {
	if s == nil {
		return nil
	}
	if s.Ref != "" && !top {
		return &apiSchema{Ref: strings.TrimPrefix(s.Ref, "#/components/schemas/")}
	}
	v := s.Value
	if v == nil {
		return nil
	}
	out := &apiSchema{Description: v.Description}
	if v.Type != nil {
		out.Type = strings.Join(v.Type.Slice(), " | ")
	}
	if v.Format != "" {
		out.Type += " (" + v.Format + ")"
	}
	for _, e := range v.Enum {
		out.Enum = append(out.Enum, fmt.Sprint(e))
	}
	if depth > 6 {
		return out
	}
	out.Items = schemaView(v.Items, depth+1, false)
	if v.AdditionalProperties.Schema != nil {
		out.Values = schemaView(v.AdditionalProperties.Schema, depth+1, false)
	}
	for _, alts := range []openapi3.SchemaRefs{v.OneOf, v.AnyOf, v.AllOf} {
		for _, a := range alts {
			out.Alternatives = append(out.Alternatives, schemaView(a, depth+1, false))
		}
	}
	for _, name := range sortedKeys(v.Properties) {
		out.Fields = append(out.Fields, apiField{Name: name, Required: slices.Contains(v.Required, name),
			Schema: schemaView(v.Properties[name], depth+1, false)})
	}
	// Required fields first, each part in alphabetical order.
	sort.SliceStable(out.Fields, func(i, j int) bool { return out.Fields[i].Required && !out.Fields[j].Required })
	return out
}

// paragraphs splits a description at its blank lines, with the little
// Markdown the document uses (`code` and **strong**) made HTML.
func paragraphs(s string) []template.HTML {
	var out []template.HTML
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, inlineMarkdown(strings.Join(strings.Fields(p), " ")))
		}
	}
	return out
}

var (
	mdCode   = regexp.MustCompile("`([^`]+)`")
	mdStrong = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// inlineMarkdown escapes s, then wraps its code spans and strong spans:
// nothing of s reaches the page unescaped.
func inlineMarkdown(s string) template.HTML {
	h := template.HTMLEscapeString(s)
	h = mdCode.ReplaceAllString(h, "<code>$1</code>")
	h = mdStrong.ReplaceAllString(h, "<strong>$1</strong>")
	return template.HTML(h) // escaped above: only the two wrappers are HTML
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
