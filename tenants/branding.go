package tenants

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Logo is a company's logo as uploaded.
type Logo struct {
	ContentType string
	Content     []byte
}

// MaxLogoSize keeps a logo small enough to sit in the companies table and
// be served on every page of the company without a CDN.
const MaxLogoSize = 256 << 10

var accentRE = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// MinAccentContrast is WCAG 2.1 AA's ratio for normal text: the accent is
// the background of white button labels and the colour of links.
const MinAccentContrast = 4.5

// ParseAccent checks a colour (#rrggbb) that white text must stay readable
// on; "" means the product's own colour.
func ParseAccent(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if !accentRE.MatchString(s) {
		return "", errs.Field("accent", "accent colour %q must look like #1a6b4f", s)
	}
	if c := contrastWithWhite(s); c < MinAccentContrast {
		return "", errs.Field("accent", "white text on %s has a contrast of %.1f:1, below the 4.5:1 that reading needs; choose a darker shade", s, c)
	}
	return s, nil
}

// contrastWithWhite is the WCAG contrast ratio of white on the colour.
func contrastWithWhite(hex string) float64 {
	lin := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(1) + 0.7152*lin(3) + 0.0722*lin(5)
	return 1.05 / (l + 0.05)
}

// ParseLogo checks an uploaded logo: PNG, JPEG, WebP or SVG, at most
// MaxLogoSize. nil or empty content means no logo.
func ParseLogo(b []byte) (*Logo, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) > MaxLogoSize {
		return nil, errs.Field("logo", "the logo weighs %d KiB; 256 KiB at most", len(b)>>10)
	}
	ct := http.DetectContentType(b)
	switch {
	case ct == "image/png" || ct == "image/jpeg" || ct == "image/webp":
	case isSVG(b):
		ct = "image/svg+xml"
	default:
		return nil, errs.Field("logo", "the logo must be a PNG, JPEG, WebP or SVG image")
	}
	return &Logo{ContentType: ct, Content: b}, nil
}

func isSVG(b []byte) bool {
	head := b[:min(len(b), 1024)]
	return bytes.Contains(head, []byte("<svg")) && !bytes.ContainsRune(head, 0)
}

// Version is the logo's content hash: its URL changes when it changes.
func (l *Logo) Version() string {
	sum := sha256.Sum256(l.Content)
	return hex.EncodeToString(sum[:6])
}

// Brand sets the company's accent colour and logo, validated.
func (t *Tenant) Brand(accent string, logo []byte) (*Logo, error) {
	a, err := ParseAccent(accent)
	if err != nil {
		return nil, err
	}
	l, err := ParseLogo(logo)
	if err != nil {
		return nil, err
	}
	t.Accent, t.LogoVersion = a, ""
	if l != nil {
		t.LogoVersion = l.Version()
	}
	return l, nil
}

// AccentDark is a darker shade of the accent for hover and focus, or "".
func (t *Tenant) AccentDark() string {
	if t.Accent == "" {
		return ""
	}
	var out strings.Builder
	out.WriteByte('#')
	for i := 1; i < 7; i += 2 {
		v, _ := strconv.ParseUint(t.Accent[i:i+2], 16, 8)
		fmt.Fprintf(&out, "%02x", v*4/5)
	}
	return out.String()
}
