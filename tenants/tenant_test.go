package tenants

import (
	"testing"

	"github.com/vendredi-app/vendredi/internal/errs"
)

func TestSlugs(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"acme", "la-poste", "b2b", "a23"} {
		if err := ValidateSlug(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ab", "Acme", "2acme", "acme-", "ac--me", "ac_me", "acmé", "www", "admin",
		"a234567890123456789012345678901234567890123456789012345678901234"} {
		if err := ValidateSlug(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q accepted (err %v); want invalid", bad, err)
		}
	}
}

func TestDomains(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Acme.FR":         "acme.fr",
		" acme.fr. ":      "acme.fr",
		"société.fr":      "xn--socit-esab.fr",
		"mail.acme.co.uk": "mail.acme.co.uk",
	} {
		got, err := NormalizeDomain("d", in)
		if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"acme", "http://acme.fr", "a b.fr", "me@acme.fr", "acme.fr:80", ""} {
		if _, err := NormalizeDomain("d", bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q accepted; want invalid", bad)
		}
	}
}

func TestNewCompany(t *testing.T) {
	t.Parallel()
	c, err := New("acme", "  Acme  ", []string{"acme.fr", "ACME.fr", ""}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Acme" || c.Locale != "fr" || len(c.EmailDomains) != 1 || c.Status != Active {
		t.Fatalf("%+v; want trimmed name, French by default, domains deduplicated, active", c)
	}
	invalid := map[string]func() error{
		"no name":    func() error { _, err := New("acme", " ", nil, "fr"); return err },
		"bad locale": func() error { _, err := New("acme", "Acme", nil, "de"); return err },
		"bad domain": func() error { _, err := New("acme", "Acme", []string{"nope"}, "fr"); return err },
	}
	for name, f := range invalid {
		if err := f(); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v; want invalid", name, err)
		}
	}
}

func TestParseHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		host string
		want Site
	}{
		{"localhost:3000", Site{Platform: true}},
		{"www.localhost", Site{Platform: true}},
		{"vendredi.example", Site{Platform: true}},
		{"acme.localhost:3000", Site{Slug: "acme"}},
		{"ACME.Vendredi.Example.", Site{Slug: "acme"}},
		{"a.b.localhost", Site{Host: "a.b.localhost"}},
		{"benevolat.acme.fr", Site{Host: "benevolat.acme.fr"}},
		{"[::1]:3000", Site{Host: "::1"}},
	}
	for _, c := range cases {
		base := "localhost"
		if c.host == "vendredi.example" || c.host == "ACME.Vendredi.Example." {
			base = "vendredi.example"
		}
		if got := ParseHost(c.host, base); got != c.want {
			t.Errorf("ParseHost(%q, %q) = %+v; want %+v", c.host, base, got, c.want)
		}
	}
}

func TestSuggestedSlugs(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"Société Générale":        "societe-generale",
		"  Œuvres & Cie  ":        "oeuvres-cie",
		"L'Oréal":                 "l-oreal",
		"Crédit Agricole 2024":    "credit-agricole-2024",
		"Ärzte ohne Grenzen GmbH": "arzte-ohne-grenzen-gmbh",
	} {
		got := SuggestSlug(name)
		if got != want {
			t.Errorf("%q: %q; want %q", name, got, want)
		}
		if err := ValidateSlug(got); err != nil {
			t.Errorf("%q gives %q, which is not a valid slug: %v", name, got, err)
		}
	}
}
