package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/vendredi-app/vendredi/internal/errs"
)

const errsPath = "github.com/vendredi-app/vendredi/internal/errs"

// errsFormatArg is the position of the format among each constructor's
// arguments.
var errsFormatArg = map[string]int{"E": 1, "Field": 1, "Wrap": 2, "Later": 1}

// errsCheckFormatArg is the format's position in errs.Checks.Check.
const errsCheckFormatArg = 2

// site is one English sentence that may reach a page: an errs constructor's
// format, or a sentence handed to ErrorText.
type site struct {
	pos    string
	format string
}

// module is the module's Go code (tests left out: their errors are for
// fakes and never reach a person), parsed once per test binary.
type module struct {
	root, path string
	fset       *token.FileSet
	// pkgs maps an import path to its files.
	pkgs map[string][]*ast.File
}

func loadModule(t *testing.T) *module {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := &module{root: root, fset: token.NewFileSet(), pkgs: map[string][]*ast.File{}}
	for line := range strings.SplitSeq(string(gomod), "\n") {
		if p, ok := strings.CutPrefix(line, "module "); ok {
			m.path = strings.TrimSpace(p)
		}
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(m.fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		imp := m.path
		if rel != "." {
			imp += "/" + filepath.ToSlash(rel)
		}
		m.pkgs[imp] = append(m.pkgs[imp], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// imports maps a file's import names to their paths.
func imports(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, s := range f.Imports {
		p, _ := strconv.Unquote(s.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if s.Name != nil {
			name = s.Name.Name
		}
		out[name] = p
	}
	return out
}

// scope is where an expression is read: its package, file and function.
type scope struct {
	pkg  string
	file *ast.File
	fn   *ast.FuncDecl
}

// resolver reads the strings an expression can be. Strict, it reads
// literals, sums of them, constants of the module and parameters of the
// enclosing function (then whatever its callers in the package pass), and
// fails on anything else. Loose, it also follows local variables, a
// package's lookup tables and the returns of its functions, leaving out
// what it cannot read: it is for sentences handed on through "%s", some of
// which are made at run time.
type resolver struct {
	m     *module
	loose bool
}

// lit is a string read from the sources and where it is written.
type lit struct {
	text string
	pos  token.Pos
}

func (r resolver) resolve(e ast.Expr, sc scope, depth int) (out []lit, ok bool) {
	if depth > 12 {
		return nil, false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return nil, false
		}
		s, err := strconv.Unquote(e.Value)
		return []lit{{s, e.Pos()}}, err == nil
	case *ast.ParenExpr:
		return r.resolve(e.X, sc, depth+1)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return nil, false
		}
		// A sum is one sentence only when all of it is known.
		strict := resolver{m: r.m}
		xs, okX := strict.resolve(e.X, sc, depth+1)
		ys, okY := strict.resolve(e.Y, sc, depth+1)
		if !okX || !okY {
			return nil, false
		}
		for _, x := range xs {
			for _, y := range ys {
				out = append(out, lit{x.text + y.text, x.pos})
			}
		}
		return out, true
	case *ast.Ident:
		if sc.fn != nil {
			if i, isParam := paramIndex(sc.fn, e.Name); isParam {
				return r.forwarded(sc, i, depth)
			}
			if v := constIn(sc.fn.Body, e.Name); v != nil {
				return r.resolve(v, sc, depth+1)
			}
		}
		for _, f := range r.m.pkgs[sc.pkg] {
			if v := constIn(f, e.Name); v != nil {
				return r.resolve(v, scope{pkg: sc.pkg, file: f}, depth+1)
			}
		}
		if r.loose && sc.fn != nil {
			return r.some(assigned(sc.fn.Body, e.Name), sc, depth)
		}
	case *ast.SelectorExpr:
		x, isIdent := e.X.(*ast.Ident)
		if !isIdent {
			return nil, false
		}
		pkg := imports(sc.file)[x.Name]
		for _, f := range r.m.pkgs[pkg] {
			if v := constIn(f, e.Sel.Name); v != nil {
				return r.resolve(v, scope{pkg: pkg, file: f}, depth+1)
			}
		}
	case *ast.IndexExpr:
		table, isIdent := e.X.(*ast.Ident)
		if !r.loose || !isIdent {
			return nil, false
		}
		var values []ast.Expr
		for _, f := range r.m.pkgs[sc.pkg] {
			for _, v := range assigned(f, table.Name) {
				if lit, isLit := v.(*ast.CompositeLit); isLit {
					for _, elt := range lit.Elts {
						if kv, isKV := elt.(*ast.KeyValueExpr); isKV {
							elt = kv.Value
						}
						values = append(values, elt)
					}
				}
			}
		}
		return r.some(values, scope{pkg: sc.pkg, file: sc.file}, depth)
	case *ast.CallExpr:
		fun, isIdent := e.Fun.(*ast.Ident)
		if !r.loose || !isIdent {
			return nil, false
		}
		for _, f := range r.m.pkgs[sc.pkg] {
			for _, fn := range funcs(f) {
				if fn.Recv != nil || fn.Name.Name != fun.Name {
					continue
				}
				var results []ast.Expr
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.FuncLit:
						return false
					case *ast.ReturnStmt:
						if len(n.Results) > 0 {
							results = append(results, n.Results[0])
						}
					}
					return true
				})
				return r.some(results, scope{pkg: sc.pkg, file: f, fn: fn}, depth)
			}
		}
	}
	return nil, false
}

// some is what a loose resolver reads of each of es.
func (r resolver) some(es []ast.Expr, sc scope, depth int) (out []lit, ok bool) {
	for _, e := range es {
		ss, _ := r.resolve(e, sc, depth+1)
		out = append(out, ss...)
	}
	return out, len(out) > 0
}

// forwarded is what the callers of sc.fn, in its package, pass as its i-th
// argument; strict, ok is false if one of them passes something
// unreadable, or if nothing calls it.
func (r resolver) forwarded(sc scope, i, depth int) (out []lit, ok bool) {
	name, method := sc.fn.Name.Name, sc.fn.Recv != nil
	calls := 0
	unreadable := false
	for _, f := range r.m.pkgs[sc.pkg] {
		for _, fn := range funcs(f) {
			ast.Inspect(fn, func(n ast.Node) bool {
				call, isCall := n.(*ast.CallExpr)
				if !isCall || len(call.Args) <= i {
					return true
				}
				switch c := call.Fun.(type) {
				case *ast.Ident:
					if method || c.Name != name {
						return true
					}
				case *ast.SelectorExpr:
					if !method || c.Sel.Name != name {
						return true
					}
				default:
					return true
				}
				calls++
				ss, okArg := r.resolve(call.Args[i], scope{pkg: sc.pkg, file: f, fn: fn}, depth+1)
				unreadable = unreadable || !okArg
				out = append(out, ss...)
				return true
			})
		}
	}
	if r.loose {
		return out, len(out) > 0
	}
	return out, calls > 0 && !unreadable
}

func funcs(f *ast.File) []*ast.FuncDecl {
	var out []*ast.FuncDecl
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
			out = append(out, fn)
		}
	}
	return out
}

func paramIndex(fn *ast.FuncDecl, name string) (int, bool) {
	i := 0
	for _, field := range fn.Type.Params.List {
		if len(field.Names) == 0 {
			i++
		}
		for _, n := range field.Names {
			if n.Name == name {
				return i, true
			}
			i++
		}
	}
	return 0, false
}

// constIn finds the value of the constant name declared in n.
func constIn(n ast.Node, name string) ast.Expr {
	var v ast.Expr
	ast.Inspect(n, func(n ast.Node) bool {
		g, ok := n.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST || v != nil {
			return v == nil
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, id := range vs.Names {
				if id.Name == name && i < len(vs.Values) {
					v = vs.Values[i]
				}
			}
		}
		return false
	})
	return v
}

// assigned is every value given to the variable name in n, by var or by
// assignment; m, ok := table[k] gives m table[k].
func assigned(n ast.Node, name string) []ast.Expr {
	var out []ast.Expr
	take := func(names []ast.Expr, values []ast.Expr) {
		for i, l := range names {
			if id, ok := l.(*ast.Ident); ok && id.Name == name {
				switch {
				case len(values) == len(names):
					out = append(out, values[i])
				case len(values) == 1 && i == 0:
					out = append(out, values[0])
				}
			}
		}
	}
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			take(n.Lhs, n.Rhs)
		case *ast.ValueSpec:
			names := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				names[i] = id
			}
			take(names, n.Values)
		}
		return true
	})
	return out
}

// sentences finds every English sentence the catalogue must translate,
// and the calls whose format it cannot read.
func (m *module) sentences() (found []site, unreadable []string) {
	strict, loose := resolver{m: m}, resolver{m: m, loose: true}
	for pkg, files := range m.pkgs {
		for _, f := range files {
			errsName, webName := "", ""
			for name, p := range imports(f) {
				switch p {
				case errsPath:
					errsName = name
				case m.path + "/web":
					webName = name
				}
			}
			inWeb := pkg == m.path+"/web"
			// Package-level declarations too: errors made once, such as
			// var errBadCredentials = errs.E(...).
			for _, decl := range f.Decls {
				fn, _ := decl.(*ast.FuncDecl)
				ast.Inspect(decl, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					arg, isErrs := -1, false
					switch c := call.Fun.(type) {
					case *ast.SelectorExpr:
						x, isIdent := c.X.(*ast.Ident)
						switch {
						case !isIdent:
						case errsName != "" && x.Name == errsName:
							arg, isErrs = errsFormatArg[c.Sel.Name]
							if !isErrs {
								arg = -1
							}
						case webName != "" && x.Name == webName && c.Sel.Name == "ErrorText":
							arg = 1
						case errsName != "" && c.Sel.Name == "Check" && len(call.Args) >= 3:
							// A form's errs.Checks: Check(broken, field, format, …).
							arg, isErrs = errsCheckFormatArg, true
						}
					case *ast.Ident:
						switch {
						case inWeb && c.Name == "ErrorText":
							arg = 1
						case errsName != "" && c.Name == "check" && len(call.Args) >= 3:
							// The same through a local check := checks.Check.
							arg, isErrs = errsCheckFormatArg, true
						}
					}
					if arg < 0 || len(call.Args) <= arg {
						return true
					}
					where := func(p token.Pos) string {
						pos := m.fset.Position(p)
						rel, _ := filepath.Rel(m.root, pos.Filename)
						return fmt.Sprintf("%s:%d", filepath.ToSlash(rel), pos.Line)
					}
					sc := scope{pkg: pkg, file: f, fn: fn}
					ls, ok := strict.resolve(call.Args[arg], sc, 0)
					if !ok {
						unreadable = append(unreadable, where(call.Pos()))
					}
					for _, l := range ls {
						if isErrs && l.text == "%s" && len(call.Args) == arg+2 {
							// A sentence handed on: the sentence is
							// what pages translate (errs.Error.Translated).
							handed, _ := loose.resolve(call.Args[arg+1], sc, 0)
							for _, h := range handed {
								found = append(found, site{where(h.pos), h.text})
							}
							continue
						}
						found = append(found, site{where(l.pos), l.text})
					}
					return true
				})
			}
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].pos < found[j].pos })
	return found, unreadable
}

var verbRE = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?(\d+|\*)?(\.(\d+|\*)?)?[a-zA-Z%]`)

// verbs are a format's verbs in order, %% left out since it takes no
// argument.
func verbs(format string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(format, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

// passThrough is a format with nothing to translate, such as "%s" handing
// on a message made elsewhere.
func passThrough(format string) bool {
	return strings.IndexFunc(verbRE.ReplaceAllString(format, ""), unicode.IsLetter) < 0
}

// TestEveryErrorHasItsFrenchWording reads the module's sources for the
// sentences a page may show and checks the French catalogue against them:
// each has a translation with the same verbs in the same order, and each
// translation still has a sentence to translate.
func TestEveryErrorHasItsFrenchWording(t *testing.T) {
	m := loadModule(t)
	found, unreadable := m.sentences()
	if len(found) < 100 {
		t.Fatalf("found %d sentences in %s; the source walk is broken", len(found), m.root)
	}
	for _, at := range unreadable {
		t.Errorf("%s: the format is not a string literal or constant, so no page can translate it; write the sentence at the call", at)
	}
	b, err := fs.ReadFile(files, errorsFile("fr"))
	if err != nil {
		t.Fatal(err)
	}
	var fr map[string]string
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fr); err != nil {
		t.Fatalf("%s: %v", errorsFile("fr"), err)
	}
	used := map[string]bool{}
	for _, s := range found {
		used[s.format] = true
		if passThrough(s.format) {
			continue
		}
		tr, ok := fr[s.format]
		if !ok {
			t.Errorf("%s: no French for %q", s.pos, s.format)
			continue
		}
		if en, f := verbs(s.format), verbs(tr); strings.Join(en, " ") != strings.Join(f, " ") {
			t.Errorf("%s: %q has verbs %v but its French %q has %v", s.pos, s.format, en, tr, f)
		}
		if strings.TrimSpace(tr) == "" || tr == s.format {
			t.Errorf("%s: %q is not translated", s.pos, s.format)
		}
	}
	for en := range fr {
		if !used[en] && !isStatusText(en) {
			t.Errorf("%s: %q is no longer said anywhere; remove it", errorsFile("fr"), en)
		}
	}
}

// isStatusText is true of the HTTP statuses' names, which ErrorTitle
// translates.
func isStatusText(s string) bool {
	for code := 100; code < 600; code++ {
		if s != "" && http.StatusText(code) == s {
			return true
		}
	}
	return false
}

func TestErrorMessageSpeaksThePagesLanguage(t *testing.T) {
	lang := errs.Field("lang", "language %q is not one of fr, en", "de")
	for _, c := range []struct {
		lang string
		err  error
		want string
	}{
		{"fr", lang, `la langue "de" n'est ni le français (fr) ni l'anglais (en)`},
		{"en", lang, `language "de" is not one of fr, en`},
		{"fr", fmt.Errorf("signing up: %w", lang), `la langue "de" n'est ni le français (fr) ni l'anglais (en)`},
		{"fr", errors.New("pq: connection refused"), "Une erreur inattendue s'est produite. Elle a été enregistrée ; veuillez réessayer."},
		{"en", errors.New("pq: connection refused"), errs.Unexpected},
		{"fr", errs.Wrap(errors.New("boom"), errs.Internal, "the email was not sent: the mail server refused it (%s)", "550"), "Une erreur inattendue s'est produite. Elle a été enregistrée ; veuillez réessayer."},
		// Someone changed the message after building it: the French of
		// the format would no longer say the same thing.
		{"fr", func() error {
			e := errs.Field("lang", "language %q is not one of fr, en", "de")
			e.Message = "unknown field lang"
			return e
		}(), "unknown field lang"},
		// A sentence handed on through "%s" is looked up whole.
		{"fr", errs.Wrap(errors.New("no rows"), errs.NotFound, "%s", "no such participation"), "cette participation n'existe pas"},
		// Built by hand, without a format: the English is all there is.
		{"fr", &errs.Error{Code: errs.Invalid, Message: "the mail server refused the recipient address"}, "the mail server refused the recipient address"},
	} {
		if got := ErrorMessage(c.lang, c.err); got != c.want {
			t.Errorf("ErrorMessage(%s, %v) = %q, want %q", c.lang, c.err, got, c.want)
		}
	}
	if got := ErrorTitle("fr", http.StatusNotFound); got != "Page introuvable" {
		t.Errorf("404's French title is %q", got)
	}
	if got := ErrorTitle("en", http.StatusNotFound); got != "Not Found" {
		t.Errorf("404's English title is %q", got)
	}
}

// TestVerbs guards the checker itself: a catalogue check that saw no verbs
// would pass anything.
func TestVerbs(t *testing.T) {
	for format, want := range map[string]string{
		"%q is not a date such as 2020-03-17": "%q",
		"at most %d values, 100%% sure":       "%d",
		"%s %q: %-4d %.2f %[1]v %w":           "%s %q %-4d %.2f %[1]v %w",
		"no verbs":                            "",
	} {
		if got := strings.Join(verbs(format), " "); got != want {
			t.Errorf("verbs(%q) = %q, want %q", format, got, want)
		}
	}
	if !passThrough("%s") || !passThrough("%s: %v") || passThrough("%s is required") {
		t.Error("passThrough misjudges")
	}
}

// A message that names something each language words its own way (a
// skill, not its code) says it in the page's language; the API and the
// logs keep the English.
func TestErrorMessageWordsItsArguments(t *testing.T) {
	twice := errs.Field("skills", "skill %s is listed twice", errs.Words{"fr": "Développement web", "en": "Web development"})
	if twice.Message != "skill Web development is listed twice" {
		t.Errorf("the English message is %q", twice.Message)
	}
	if got := ErrorMessage("fr", twice); got != "la compétence « Développement web » figure deux fois" {
		t.Errorf("French: %q", got)
	}
	if got := ErrorMessage("en", twice); got != twice.Message {
		t.Errorf("English: %q", got)
	}
	for _, e := range []*errs.Error{
		errs.Field("hours_per_week", "the hours per week must be between 0 and 60"),
		errs.Field("audience_values", "name the departments the campaign is for"),
		errs.E(errs.Conflict, "email domain %s already belongs to another company", "acme.example"),
	} {
		for _, lang := range Languages {
			if got := ErrorMessage(lang, e); strings.Contains(got, "_") || (lang == "fr" && got == e.Message) {
				t.Errorf("%s: %q", lang, got)
			}
		}
	}
}
