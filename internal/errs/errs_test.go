package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestConstructorsKeepFormatAndArgs(t *testing.T) {
	for _, e := range []*Error{
		E(Conflict, "slug %q is taken", "acme"),
		Field("slug", "slug %q is taken", "acme"),
		Wrap(errors.New("duplicate key"), Conflict, "slug %q is taken", "acme"),
	} {
		if e.Message != `slug "acme" is taken` || e.Format != "slug %q is taken" || len(e.Args) != 1 || e.Args[0] != "acme" {
			t.Errorf("%#v: want the English message, its format and its argument", e)
		}
	}
}

func TestTranslated(t *testing.T) {
	fr := map[string]string{
		"slug %q is taken":      "l'identifiant %q est pris",
		"%d places left":        "il reste %s places", // a wrong verb
		"no such participation": "cette participation n'existe pas",
	}
	lookup := func(f string) (string, bool) { s, ok := fr[f]; return s, ok }
	edited := E(Conflict, "slug %q is taken", "acme")
	edited.Message = "unknown field slug"
	for _, c := range []struct {
		name string
		e    *Error
		want string
	}{
		{"translated", E(Conflict, "slug %q is taken", "acme"), `l'identifiant "acme" est pris`},
		{"no translation", E(Conflict, "slug %q is reserved", "www"), `slug "www" is reserved`},
		{"message edited after", edited, "unknown field slug"},
		{"verbs that do not fit", E(Conflict, "%d places left", 3), "3 places left"},
		{"sentence handed on", Wrap(errors.New("no rows"), NotFound, "%s", "no such participation"), "cette participation n'existe pas"},
		{"sentence handed on, unknown", E(NotFound, "%s", "no such thing"), "no such thing"},
		{"built by hand", &Error{Code: Invalid, Message: "the recipient was refused"}, "the recipient was refused"},
	} {
		if got := c.e.Translated(lookup); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestFieldsListsEveryRefusedInput(t *testing.T) {
	email, password := Field("email", "bad email"), Field("password", "too short")
	joined := errors.Join(email, fmt.Errorf("hashing: %w", password))
	for _, c := range []struct {
		name string
		err  error
		want []*Error
	}{
		{"joined", joined, []*Error{email, password}},
		{"one", email, []*Error{email}},
		{"none", errors.New("boom"), nil},
		{"nil", nil, nil},
	} {
		got := Fields(c.err)
		if len(got) != len(c.want) {
			t.Errorf("%s: %d errors, want %d", c.name, len(got), len(c.want))
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: error %d is %v, want %v", c.name, i, got[i], c.want[i])
			}
		}
	}
	if CodeOf(joined) != Invalid || FieldOf(joined) != "email" {
		t.Errorf("a join's code and field: %s %q; want the first error's", CodeOf(joined), FieldOf(joined))
	}
}
