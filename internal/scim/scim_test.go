package scim

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/uuid"
)

var userAttrs = map[string]bool{"username": true, "externalid": true, "id": true, "active": true, "emails.value": true}

func TestParseFilter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Cond
		bad  bool
	}{
		{in: ``},
		{in: `userName eq "a@b.example"`, want: []Cond{{"username", "a@b.example"}}},
		{in: `USERNAME Eq "A@b.example"`, want: []Cond{{"username", "A@b.example"}}},
		{in: `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x@y.example"`, want: []Cond{{"username", "x@y.example"}}},
		{in: `externalId eq "42" and active eq true`, want: []Cond{{"externalid", "42"}, {"active", "true"}}},
		{in: `emails[value eq "x@y.example"]`, want: []Cond{{"emails.value", "x@y.example"}}},
		{in: `userName co "a"`, bad: true},              // only eq
		{in: `userName eq "a" or id eq "b"`, bad: true}, // only and
		{in: `not (userName eq "a")`, bad: true},
		{in: `title eq "boss"`, bad: true}, // not filterable
		{in: `userName eq`, bad: true},     // not a filter
		{in: `userName eq null`, bad: true},
	} {
		got, err := ParseFilter(tc.in, userAttrs)
		if tc.bad {
			if err == nil || TypeOf(err) != "invalidFilter" {
				t.Errorf("%s: %v, %v; want invalidFilter", tc.in, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func ops(t *testing.T, body string) []PatchOp {
	t.Helper()
	o, err := DecodePatch([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestPatchUser(t *testing.T) {
	base := User{UserName: "a@b.example", FullName: "Alex Martin", GivenName: "Alex", FamilyName: "Martin", Active: true}
	for _, tc := range []struct {
		name, body string
		want       func(u *User)
		bad        string
	}{
		{"entra disable", `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, func(u *User) { u.Active = false }, ""},
		{"okta disable", `{"Operations":[{"op":"replace","value":{"active":false}}]}`, func(u *User) { u.Active = false }, ""},
		{"given name", `{"Operations":[{"op":"Replace","path":"name.givenName","value":"Alexandra"}]}`,
			func(u *User) { u.GivenName, u.FullName = "Alexandra", "Alexandra Martin" }, ""},
		{"display name wins", `{"Operations":[{"op":"Replace","path":"name.givenName","value":"Alexandra"},{"op":"Replace","path":"displayName","value":"Sacha M."}]}`,
			func(u *User) { u.GivenName, u.FullName = "Alexandra", "Sacha M." }, ""},
		{"department", `{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"RH"}]}`,
			func(u *User) { u.Department = "RH" }, ""},
		{"department in a path-less value", `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"IT"}}}]}`,
			func(u *User) { u.Department = "IT" }, ""},
		{"ignored attribute", `{"Operations":[{"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"+33"}]}`, func(u *User) {}, ""},
		{"userName not an email", `{"Operations":[{"op":"Replace","path":"userName","value":"alex"}]}`, nil, "invalidValue"},
		{"active not a boolean", `{"Operations":[{"op":"Replace","path":"active","value":"maybe"}]}`, nil, "invalidValue"},
		{"remove without path", `{"Operations":[{"op":"remove"}]}`, nil, "noTarget"},
		{"bad path", `{"Operations":[{"op":"replace","path":"name[","value":"x"}]}`, nil, "invalidPath"},
	} {
		u := base
		err := patchUser(&u, ops(t, tc.body))
		if tc.bad != "" {
			if TypeOf(err) != tc.bad {
				t.Errorf("%s: %v; want %s", tc.name, err, tc.bad)
			}
			continue
		}
		want := base
		tc.want(&want)
		if err != nil || u != want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, u, err, want)
		}
	}
	if _, err := DecodePatch([]byte(`{"Operations":[{"op":"move","path":"active"}]}`)); TypeOf(err) != "invalidSyntax" {
		t.Errorf("an unknown op: %v", err)
	}
}

func TestPatchGroup(t *testing.T) {
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	g := Group{DisplayName: "Finance", Members: []Member{{ID: a}, {ID: b}}}
	err := patchGroup(&g, ops(t, `{"Operations":[
		{"op":"remove","path":"members[value eq \"`+a.String()+`\"]"},
		{"op":"Add","path":"members","value":[{"value":"`+c.String()+`"}]},
		{"op":"Remove","path":"members","value":[{"value":"`+b.String()+`"}]},
		{"op":"replace","value":{"displayName":"Finance & Achats"}}]}`))
	if err != nil || g.DisplayName != "Finance & Achats" || !reflect.DeepEqual(g.Members, []Member{{ID: c}}) {
		t.Errorf("group after patch: %+v, %v", g, err)
	}
	if err := patchGroup(&g, ops(t, `{"Operations":[{"op":"add","path":"members","value":[{"value":"nope"}]}]}`)); TypeOf(err) != "invalidValue" {
		t.Errorf("a member that is no id: %v", err)
	}
	if err := patchGroup(&g, ops(t, `{"Operations":[{"op":"remove","path":"displayName"}]}`)); TypeOf(err) != "mutability" {
		t.Errorf("removing the name: %v", err)
	}
}

func TestCreateFromEmailsAndNames(t *testing.T) {
	var in UserInput
	if err := json.Unmarshal([]byte(`{"userName":"EMP123","emails":[{"value":"Zoe@Acme.example","primary":"true"}],
		"name":{"givenName":"Zoé","familyName":"Lefèvre"},"active":"True"}`), &in); err != nil {
		t.Fatal(err)
	}
	u := &User{}
	if err := in.apply(u, true); err != nil || u.UserName != "zoe@acme.example" || u.FullName != "Zoé Lefèvre" || !u.Active {
		t.Errorf("a user whose userName is no address: %+v, %v", u, err)
	}
}

func TestVersionAndIfMatch(t *testing.T) {
	u := User{ID: uuid.New(), UserName: "a@b.example", FullName: "A", Active: true}
	v := u.Version()
	for _, ifMatch := range []string{"", "*", v, `"` + v[3:], `W/"x", ` + v} {
		if err := checkVersion(ifMatch, v); err != nil {
			t.Errorf("If-Match %q against %s: %v", ifMatch, v, err)
		}
	}
	if err := checkVersion(`W/"0000"`, v); err != ErrVersion {
		t.Errorf("a stale If-Match: %v", err)
	}
	u.Active = false
	if u.Version() == v {
		t.Errorf("the version does not change with active")
	}
}
