package web

import "testing"

// A count's sentence agrees with it in each language's way: French says
// 0 and 1 in the singular, English only 1.
func TestSingular(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want bool
	}{{"fr", 0, true}, {"fr", 1, true}, {"fr", 2, false}, {"en", 0, false}, {"en", 1, true}, {"en", 2, false}} {
		if got := Singular(c.lang, c.n); got != c.want {
			t.Errorf("Singular(%s, %d) = %v, want %v", c.lang, c.n, got, c.want)
		}
	}
}
