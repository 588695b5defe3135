// Package tenants is the tenant domain: companies that use Vendredi, how a
// request finds its company, and how the company travels with a unit of work.
//
// A tenant is never optional: code that touches tenant-owned data takes the
// tenant from the context (NewContext / FromContext), where the HTTP layer put
// it once after resolving the request's host.
package tenants

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/net/idna"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/fold"
)

// Status of a company on the platform.
type Status string

const (
	Active    Status = "active"
	Suspended Status = "suspended"
)

// Tenant is a company.
type Tenant struct {
	ID     uuid.UUID
	Slug   string
	Name   string
	Status Status
	// EmailDomains are the company's mail domains; employees whose address
	// matches one may join on their own.
	EmailDomains []string
	// CustomDomains are extra hosts (besides {slug}.{base domain}) that serve
	// the company's site.
	CustomDomains []string
	Locale        string
	// Accent is the company's colour (#rrggbb) in its pages' header and
	// buttons; empty means the product's own.
	Accent string
	// LogoVersion identifies the company's logo (a content hash), so that
	// its URL changes with it; empty when the company has none.
	LogoVersion string
	CreatedAt   time.Time
}

// Locales the product speaks. French first: it is the product's home.
var Locales = []string{"fr", "en"}

// Reserved slugs would shadow platform hosts or confuse people.
var reserved = []string{
	"www", "api", "app", "admin", "staff", "platform", "static", "assets", "mail",
	"smtp", "status", "help", "support", "docs", "blog", "billing", "stripe", "auth",
	"login", "vendredi", "localhost", "test", "demo-platform",
}

var slugRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,61}[a-z0-9]$`)

// ValidateSlug checks that slug can be a DNS label under the base domain.
func ValidateSlug(slug string) error {
	switch {
	case !slugRE.MatchString(slug):
		return errs.Field("slug", "slug %q must be 3 to 63 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen", slug)
	case strings.Contains(slug, "--"):
		return errs.Field("slug", "slug %q must not contain two hyphens in a row", slug)
	case slices.Contains(reserved, slug):
		return errs.Field("slug", "slug %q is reserved by the platform; choose another", slug)
	}
	return nil
}

// SuggestSlug derives a slug from a company's name, for a form left
// without one: "Société Générale" gives "societe-generale". It is checked
// as if typed (ValidateSlug).
func SuggestSlug(name string) string {
	folded := fold.String(name)
	var b strings.Builder
	hyphen := false
	for _, r := range folded {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
		default:
			hyphen = true
		}
	}
	out := b.String()
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}

// NormalizeDomain lower-cases, converts to ASCII (IDNA) and checks a domain
// name such as "acme.fr". field names the input for the error.
func NormalizeDomain(field, d string) (string, error) {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	ascii, err := idna.Registration.ToASCII(d)
	if err != nil || !strings.Contains(ascii, ".") || strings.ContainsAny(ascii, "/:@ ") {
		return "", errs.Field(field, "%q is not a domain name such as acme.fr", d)
	}
	return ascii, nil
}

// New validates the fields of a company about to be created and fills the
// defaults. It does not check uniqueness: the store does, atomically.
func New(slug, name string, emailDomains []string, locale string) (*Tenant, error) {
	t := &Tenant{
		ID:     uuid.Must(uuid.NewV7()),
		Slug:   strings.TrimSpace(slug),
		Name:   strings.TrimSpace(name),
		Status: Active,
		Locale: strings.TrimSpace(locale),
	}
	// Every input is checked, so that the onboarding form shows all its
	// mistakes at once.
	var bad errs.Checks
	if err := bad.Take(ValidateSlug(t.Slug)); err != nil {
		return nil, err
	}
	bad.Check(t.Name == "" || len(t.Name) > 200, "name", "the company name is required (200 characters at most)")
	if t.Locale == "" {
		t.Locale = "fr"
	}
	bad.Check(!slices.Contains(Locales, t.Locale), "locale", "locale %q is not supported; use one of %s", t.Locale, strings.Join(Locales, ", "))
	var err error
	if t.EmailDomains, err = normalizeDomains("email_domains", emailDomains); err != nil {
		if err := bad.Take(err); err != nil {
			return nil, err
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// SetCustomDomains validates and replaces the custom hosts of t.
func (t *Tenant) SetCustomDomains(hosts []string) error {
	d, err := normalizeDomains("custom_domains", hosts)
	if err != nil {
		return err
	}
	t.CustomDomains = d
	return nil
}

func normalizeDomains(field string, in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, d := range in {
		if strings.TrimSpace(d) == "" {
			continue
		}
		n, err := NormalizeDomain(field, d)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Store keeps the platform's directory of companies. It is not tenant-scoped:
// platform staff and the host resolver use it before any tenant is known.
type Store interface {
	// Create fails with errs.Conflict when the slug or a domain is taken.
	Create(ctx context.Context, t *Tenant) error
	// BySlug and ByHost fail with errs.NotFound.
	BySlug(ctx context.Context, slug string) (*Tenant, error)
	ByHost(ctx context.Context, host string) (*Tenant, error)
	List(ctx context.Context) ([]*Tenant, error)
	// SetStatus fails with errs.NotFound for an unknown slug.
	SetStatus(ctx context.Context, slug string, s Status) (*Tenant, error)
	// Logo fails with errs.NotFound when the company has none.
	Logo(ctx context.Context, id uuid.UUID) (*Logo, error)
	// SetBranding changes the company's accent and, when logo is set or
	// dropLogo is, its logo; errs.NotFound for an unknown id.
	SetBranding(ctx context.Context, id uuid.UUID, accent string, logo *Logo, dropLogo bool) (*Tenant, error)
}

type ctxKey struct{}

// NewContext returns ctx carrying t.
func NewContext(ctx context.Context, t *Tenant) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// FromContext returns the tenant of the unit of work, if any.
func FromContext(ctx context.Context) (*Tenant, bool) {
	t, ok := ctx.Value(ctxKey{}).(*Tenant)
	return t, ok && t != nil
}

// Require returns the tenant of ctx or an Internal error: reaching
// tenant-owned data without a tenant is a bug, never a user mistake.
func Require(ctx context.Context) (*Tenant, error) {
	t, ok := FromContext(ctx)
	if !ok {
		return nil, errs.E(errs.Internal, "no tenant in context")
	}
	return t, nil
}
