package errs

import (
	"errors"
	"slices"
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

func TestFieldsCarriesEveryFieldInOrder(t *testing.T) {
	if Fields() != nil || Fields(nil, nil) != nil {
		t.Fatal("no field error: want nil")
	}
	one := Field("name", "the name is required")
	if got := Fields(nil, one); got != one {
		t.Fatalf("one field error: %v, want it unchanged", got)
	}
	err := Fields(Field("name", "the name is required"), nil, Field("ends_on", "the campaign ends before it starts"))
	if CodeOf(err) != Invalid || FieldOf(err) != "name" || MessageOf(err) != "the name is required" {
		t.Errorf("%v: want invalid, about the first field, with its message", err)
	}
	var got []string
	for _, f := range FieldsOf(err) {
		got = append(got, f.Field+": "+f.Message)
	}
	if want := []string{"name: the name is required", "ends_on: the campaign ends before it starts"}; !slices.Equal(got, want) {
		t.Errorf("FieldsOf = %q, want %q", got, want)
	}
	// Joining errors that already carry several keeps them flat.
	if n := len(FieldsOf(Fields(err.(*Error), Field("x", "bad")))); n != 3 {
		t.Errorf("nested: %d fields, want 3", n)
	}
	if FieldsOf(E(Conflict, "taken")) != nil {
		t.Error("an error about no field carries no field")
	}
}
