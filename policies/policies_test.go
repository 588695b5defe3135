package policies_test

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vendredi-app/vendredi/policies"
)

var update = flag.Bool("update", false, "rewrite README.md's table from matrix.csv")

// pinned maps each VERSION to the hash of the files it names, so that the
// matrix cannot change without a new version: a log line or an audit
// record saying "matrix 3" must mean one matrix.
var pinned = map[string]string{
	"1":  "181bc342c99a5fa9",
	"2":  "065b412d103f3a02",
	"3":  "357814d3c17681e8",
	"4":  "6f84511a910b5d9a",
	"5":  "4b078095ee106f70",
	"6":  "ec08149fda3f3038",
	"7":  "70b73a24803882d8",
	"8":  "65fc695a3f1cd252",
	"9":  "de60a10d785e15c3",
	"10": "37ff3d148abe7316",
}

func TestEmbeddedMatrixParses(t *testing.T) {
	m, err := policies.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Rules) == 0 || len(m.Roles) == 0 {
		t.Fatalf("empty matrix: %d rules, %d roles", len(m.Rules), len(m.Roles))
	}
	for _, r := range m.Roles {
		if !slices.ContainsFunc(m.Rules, func(x policies.Rule) bool { return x.Role == r.Name }) {
			t.Errorf("role %s has no permission", r.Name)
		}
	}
}

func TestVersionPinsContent(t *testing.T) {
	m, err := policies.Load()
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, name := range []string{"model.conf", "roles.csv", "matrix.csv"} {
		b, err := policies.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(name + "\x00"))
		h.Write(b)
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]
	if want, ok := pinned[m.Version]; !ok || want != sum {
		t.Fatalf("model.conf, roles.csv or matrix.csv changed (hash %s) but VERSION %s pins %q: bump VERSION and pin the new version to %q in this file", sum, m.Version, want, sum)
	}
}

func TestAllows(t *testing.T) {
	m, err := policies.Load()
	if err != nil {
		t.Fatal(err)
	}
	allowed := []policies.Rule{
		{"staff", "companies", "create"},
		{"hr_admin", "campaigns", "create"},
		{"hr_admin", "participations", "create"}, // inherited from employee
		{"employee", "participations", "create"},
		{"assoc_manager", "participations", "approve"},
		{"employee", "notifications", "update"},
		{"account", "notifications", "update"},
		{"hr_admin", "calendar_feed", "update"}, // inherited from employee
		{"hr_admin", "chat_webhooks", "update"},
	}
	denied := []policies.Rule{
		{"employee", "campaigns", "create"},
		{"employee", "members", "read"},
		{"staff", "members", "read"}, // staff do not see a company's people
		{"assoc_manager", "campaigns", "read"},
		{"nobody", "tenants", "read"},
		{"hr_admin", "companies", "create"},
		{"employee", "companies", "read"}, // an employee reads their own company (tenants), never the list
		{"employee", "chat_webhooks", "update"},
		{"assoc_manager", "calendar_feed", "read"},
	}
	for _, r := range allowed {
		if !m.Allows(r.Role, r.Obj, r.Act) {
			t.Errorf("%s should be allowed to %s %s", r.Role, r.Act, r.Obj)
		}
	}
	for _, r := range denied {
		if m.Allows(r.Role, r.Obj, r.Act) {
			t.Errorf("%s should not be allowed to %s %s", r.Role, r.Act, r.Obj)
		}
	}
}

func TestParseRejects(t *testing.T) {
	valid := fstest.MapFS{
		"VERSION":    {Data: []byte("1\n")},
		"model.conf": {Data: []byte("[request_definition]\n")},
		"roles.csv":  {Data: []byte("a_role, tenant, -, someone\nb_role, tenant, a_role, someone else\n")},
		"matrix.csv": {Data: []byte("# comment\np, a_role, things, read\n")},
	}
	if _, err := policies.Parse(valid); err != nil {
		t.Fatalf("the base of these cases must parse: %v", err)
	}
	cases := map[string]struct{ file, data, want string }{
		"grouping line":      {"matrix.csv", "g, alice, a_role, tenant:1\n", "only p lines"},
		"unknown role":       {"matrix.csv", "p, c_role, things, read\n", "not in roles.csv"},
		"duplicate grant":    {"matrix.csv", "p, a_role, things, read\np, a_role, things, read\n", "twice"},
		"missing field":      {"matrix.csv", "p, a_role, things\n", "want 4"},
		"domain in a rule":   {"matrix.csv", "p, a_role, tenant:1, things, read\n", "want 4"},
		"bad object":         {"matrix.csv", "p, a_role, Things, read\n", "lowercase"},
		"bad scope":          {"roles.csv", "a_role, company, -, x\n", "scope"},
		"inherit other kind": {"roles.csv", "a_role, tenant, -, x\nb_role, platform, a_role, y\n", "scopes differ"},
		"inherit unknown":    {"roles.csv", "a_role, tenant, z_role, x\n", "unknown role"},
		"inherit chain":      {"roles.csv", "a_role, tenant, -, x\nb_role, tenant, a_role, y\nc_role, tenant, b_role, z\n", "one level"},
		"empty version":      {"VERSION", " \n", "empty"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range valid {
				fsys[k] = v
			}
			fsys[c.file] = &fstest.MapFile{Data: []byte(c.data)}
			_, err := policies.Parse(fsys)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
}

// TestREADMETable keeps README.md's table equal to the matrix; run
// `go test ./policies -update` after changing matrix.csv.
func TestREADMETable(t *testing.T) {
	m, err := policies.Load()
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- matrix:begin (go test ./policies -update) -->\n", "<!-- matrix:end -->"
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q and %q", begin, end)
	}
	want := doc[:i+len(begin)] + table(m) + doc[j:]
	if *update {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != doc {
		t.Fatal("README.md's table differs from matrix.csv: run go test ./policies -update")
	}
}

func table(m *policies.Matrix) string {
	var b strings.Builder
	b.WriteString("| object |")
	for _, r := range m.Roles {
		b.WriteString(" " + r.Name + " |")
	}
	b.WriteString("\n|---|")
	for range m.Roles {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	objs := m.Objects()
	slices.Sort(objs)
	for _, o := range objs {
		b.WriteString("| " + o + " |")
		for _, r := range m.Roles {
			var acts []string
			for _, x := range m.Rules {
				if x.Obj == o && m.Allows(r.Name, o, x.Act) && !slices.Contains(acts, x.Act) {
					acts = append(acts, x.Act)
				}
			}
			slices.SortFunc(acts, func(a, b string) int {
				if d := actionRank(a) - actionRank(b); d != 0 {
					return d
				}
				return strings.Compare(a, b)
			})
			if len(acts) == 0 {
				acts = []string{"–"}
			}
			b.WriteString(" " + strings.Join(acts, ", ") + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// actionRank puts the usual four first, then the rest alphabetically.
func actionRank(a string) int {
	if i := slices.Index([]string{"read", "create", "update", "delete"}, a); i >= 0 {
		return i
	}
	return 4
}
