package fold

import "testing"

func TestString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Société Générale": "societe generale",
		"ŒUVRES":           "oeuvres",
		"Ärzte Straße":     "arzte strasse",
		"Crème brûlée":     "creme brulee",
		"plain":            "plain",
	} {
		if got := String(in); got != want {
			t.Errorf("%q: %q; want %q", in, got, want)
		}
	}
}
