package tenants

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/vendredi-app/vendredi/internal/errs"
)

func TestAccentColours(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":         "",
		"#1A6B4F":  "#1a6b4f",
		" #b3261e": "#b3261e",
		"#000000":  "#000000",
	} {
		got, err := ParseAccent(in)
		if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	// Badly written, or too light for the white labels of buttons.
	for _, bad := range []string{"1a6b4f", "#1a6b4", "#1a6b4fz", "red", "#ffff00", "#7fbfff", "#ffffff"} {
		if _, err := ParseAccent(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q accepted; want invalid", bad)
		}
	}
}

func TestLogos(t *testing.T) {
	t.Parallel()
	var pngBytes bytes.Buffer
	if err := png.Encode(&pngBytes, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`)
	for name, tc := range map[string]struct {
		in   []byte
		want string
	}{
		"png": {pngBytes.Bytes(), "image/png"},
		"svg": {svg, "image/svg+xml"},
	} {
		l, err := ParseLogo(tc.in)
		if err != nil || l.ContentType != tc.want {
			t.Errorf("%s: %+v, %v; want %s", name, l, err, tc.want)
		}
	}
	for name, bad := range map[string][]byte{
		"text":     []byte("hello, this is not an image"),
		"pdf":      []byte("%PDF-1.7\n"),
		"too big":  append(pngBytes.Bytes(), make([]byte, MaxLogoSize)...),
		"html svg": []byte("<html><script>alert(1)</script></html>"),
	} {
		if _, err := ParseLogo(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s accepted; want invalid", name)
		}
	}
	if l, err := ParseLogo(nil); l != nil || err != nil {
		t.Errorf("no logo: %+v, %v", l, err)
	}
	// The version follows the content, so that a new logo gets a new URL.
	a, _ := ParseLogo(pngBytes.Bytes())
	b, _ := ParseLogo(svg)
	if a.Version() == b.Version() || len(a.Version()) != 12 || strings.Trim(a.Version(), "0123456789abcdef") != "" {
		t.Errorf("versions %q and %q", a.Version(), b.Version())
	}
}

func TestBrandDarkensTheAccentForHover(t *testing.T) {
	t.Parallel()
	c, _ := New("acme", "Acme", nil, "fr")
	if _, err := c.Brand("#1a6b4f", nil); err != nil {
		t.Fatal(err)
	}
	if c.Accent != "#1a6b4f" || c.AccentDark() != "#14553f" || c.LogoVersion != "" {
		t.Errorf("accent %q, dark %q, logo %q", c.Accent, c.AccentDark(), c.LogoVersion)
	}
}
