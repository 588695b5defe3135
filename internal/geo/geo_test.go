package geo

import (
	"math"
	"testing"
)

func TestLookupFoldsHowPeopleWriteCities(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Paris":                  "Paris",
		"  paris ":               "Paris",
		"SAINT-ETIENNE":          "Saint-Étienne",
		"St Étienne":             "Saint-Étienne",
		"saint denis":            "Saint-Denis",
		"Clermont Ferrand":       "Clermont-Ferrand",
		"Aix-en-Provence (13)":   "Aix-en-Provence",
		"charleville-mezieres":   "Charleville-Mézières",
		"Évry-Courcouronnes":     "Évry-Courcouronnes",
		"la rochelle":            "La Rochelle",
		"Cherbourg-en-Cotentin ": "Cherbourg-en-Cotentin",
	} {
		c, ok := Lookup(in)
		if !ok || c.Name != want {
			t.Errorf("%q: %+v, %v; want %s", in, c, ok, want)
		}
	}
	for _, unknown := range []string{"", "Atlantis", "Pariss", "Saint"} {
		if c, ok := Lookup(unknown); ok {
			t.Errorf("%q found as %+v", unknown, c)
		}
	}
}

// Every city lies in metropolitan France (Corsica included), and none is
// written twice.
func TestGazetteerIsSane(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range Cities() {
		if c.Lat < 41.3 || c.Lat > 51.2 || c.Lon < -5.2 || c.Lon > 9.6 || math.IsNaN(c.Lat) {
			t.Errorf("%s at %v,%v is outside metropolitan France", c.Name, c.Lat, c.Lon)
		}
		if seen[Key(c.Name)] {
			t.Errorf("%s is listed twice", c.Name)
		}
		seen[Key(c.Name)] = true
	}
	if len(seen) < 100 {
		t.Errorf("%d cities; want the hundred largest", len(seen))
	}
}
