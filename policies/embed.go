// Package policies holds Vendredi's access model and permission matrix:
// which role may do which action on which kind of object. The files are
// embedded, so the binary never reads them from disk, and versioned
// (VERSION), so that a log line or an audit record can say which matrix
// decided.
//
// internal/authz enforces them with Casbin; this package only reads them,
// in plain Go, so that tests can derive the expected answer of every route
// without asking the engine under test.
package policies

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// FS holds model.conf, matrix.csv, roles.csv and VERSION.
//
//go:embed model.conf matrix.csv roles.csv VERSION
var FS embed.FS

// Scopes are the kinds of domain a role can be held in.
const (
	ScopePlatform    = "platform"
	ScopeTenant      = "tenant"
	ScopeAssociation = "association"
)

// Rule grants Act on Obj to Role.
type Rule struct {
	Role, Obj, Act string
}

// Role is a line of roles.csv.
type Role struct {
	Name string
	// Scope is the kind of domain the role is held in (Scope* constants).
	Scope string
	// Inherits is a role whose permissions come with this one, or "".
	Inherits string
	// Who is a sentence for people reading the matrix.
	Who string
}

// Matrix is the parsed policy.
type Matrix struct {
	Version string
	// Model is the Casbin model (model.conf).
	Model string
	Rules []Rule
	Roles []Role

	grants map[Rule]bool
}

var load = sync.OnceValues(func() (*Matrix, error) { return Parse(FS) })

// Load returns the embedded matrix, parsed once.
func Load() (*Matrix, error) { return load() }

var ident = regexp.MustCompile(`^[a-z][a-z_]*[a-z]$`)

// Parse reads and checks a policy set laid out as this package's files. It
// is exported for tests that need a matrix of their own.
func Parse(fsys interface{ ReadFile(string) ([]byte, error) }) (*Matrix, error) {
	read := func(name string) ([]byte, error) {
		b, err := fsys.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("policies: %w", err)
		}
		return b, nil
	}
	m := &Matrix{grants: map[Rule]bool{}}
	b, err := read("VERSION")
	if err != nil {
		return nil, err
	}
	if m.Version = strings.TrimSpace(string(b)); m.Version == "" {
		return nil, fmt.Errorf("policies: VERSION is empty")
	}
	if b, err = read("model.conf"); err != nil {
		return nil, err
	}
	m.Model = string(b)

	if b, err = read("roles.csv"); err != nil {
		return nil, err
	}
	err = eachLine("roles.csv", b, 4, func(f []string) error {
		r := Role{Name: f[0], Scope: f[1], Inherits: f[2], Who: f[3]}
		if r.Inherits == "-" {
			r.Inherits = ""
		}
		switch {
		case !ident.MatchString(r.Name):
			return fmt.Errorf("role %q: names are lowercase words joined by _", r.Name)
		case r.Scope != ScopePlatform && r.Scope != ScopeTenant && r.Scope != ScopeAssociation:
			return fmt.Errorf("role %s: scope %q is not platform, tenant or association", r.Name, r.Scope)
		case slices.ContainsFunc(m.Roles, func(o Role) bool { return o.Name == r.Name }):
			return fmt.Errorf("role %s is listed twice", r.Name)
		}
		m.Roles = append(m.Roles, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range m.Roles {
		if r.Inherits == "" {
			continue
		}
		// One level only: a chain would make the README's table and the
		// role manager's expansion harder to read for no present need.
		parent, ok := m.Role(r.Inherits)
		switch {
		case !ok:
			return nil, fmt.Errorf("policies: roles.csv: %s inherits unknown role %q", r.Name, r.Inherits)
		case parent.Scope != r.Scope:
			return nil, fmt.Errorf("policies: roles.csv: %s (%s) cannot inherit %s (%s): scopes differ", r.Name, r.Scope, parent.Name, parent.Scope)
		case parent.Inherits != "":
			return nil, fmt.Errorf("policies: roles.csv: %s inherits %s, which inherits in turn; keep one level", r.Name, parent.Name)
		}
	}

	if b, err = read("matrix.csv"); err != nil {
		return nil, err
	}
	err = eachLine("matrix.csv", b, 4, func(f []string) error {
		if f[0] != "p" {
			return fmt.Errorf("only p lines belong here (role assignments live in PostgreSQL), got %q", f[0])
		}
		r := Rule{Role: f[1], Obj: f[2], Act: f[3]}
		switch {
		case !ident.MatchString(r.Obj) || !ident.MatchString(r.Act):
			return fmt.Errorf("%s, %s: objects and actions are lowercase words joined by _", r.Obj, r.Act)
		case m.grants[r]:
			return fmt.Errorf("%s may %s %s twice", r.Role, r.Act, r.Obj)
		}
		if _, ok := m.Role(r.Role); !ok {
			return fmt.Errorf("role %q is not in roles.csv", r.Role)
		}
		m.grants[r] = true
		m.Rules = append(m.Rules, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// eachLine calls fn with the n trimmed fields of each line that is not
// blank or a comment.
func eachLine(name string, b []byte, n int, fn func([]string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for no := 1; sc.Scan(); no++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != n {
			return fmt.Errorf("policies: %s:%d: want %d comma-separated fields, got %d", name, no, n, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if err := fn(f); err != nil {
			return fmt.Errorf("policies: %s:%d: %w", name, no, err)
		}
	}
	return sc.Err()
}

// Role returns the role called name.
func (m *Matrix) Role(name string) (Role, bool) {
	i := slices.IndexFunc(m.Roles, func(r Role) bool { return r.Name == name })
	if i < 0 {
		return Role{}, false
	}
	return m.Roles[i], true
}

// Allows reports whether role may do act on obj, through the role itself or
// the role it inherits.
func (m *Matrix) Allows(role, obj, act string) bool {
	if m.grants[Rule{role, obj, act}] {
		return true
	}
	r, ok := m.Role(role)
	return ok && r.Inherits != "" && m.grants[Rule{r.Inherits, obj, act}]
}

// Declared reports whether some role may do act on obj: a route that
// declares a pair no role holds is a typo or dead code.
func (m *Matrix) Declared(obj, act string) bool {
	return slices.ContainsFunc(m.Rules, func(r Rule) bool { return r.Obj == obj && r.Act == act })
}

// Objects returns the objects of the matrix in order of first appearance.
func (m *Matrix) Objects() []string {
	var out []string
	for _, r := range m.Rules {
		if !slices.Contains(out, r.Obj) {
			out = append(out, r.Obj)
		}
	}
	return out
}
