package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

type tenantRow struct {
	bun.BaseModel `bun:"table:tenants"`

	ID            uuid.UUID `bun:"id,pk,type:uuid"`
	Slug          string    `bun:"slug"`
	Name          string    `bun:"name"`
	Status        string    `bun:"status"`
	EmailDomains  []string  `bun:"email_domains,array"`
	CustomDomains []string  `bun:"custom_domains,array"`
	Locale        string    `bun:"locale"`
	Accent        string    `bun:"accent,nullzero"`
	LogoVersion   string    `bun:"logo_version,nullzero"`
	CreatedAt     time.Time `bun:"created_at,nullzero,default:now()"`
	UpdatedAt     time.Time `bun:"updated_at,nullzero,default:now()"`
}

func (r *tenantRow) domain() *tenants.Tenant {
	return &tenants.Tenant{
		ID: r.ID, Slug: r.Slug, Name: r.Name, Status: tenants.Status(r.Status),
		EmailDomains: r.EmailDomains, CustomDomains: r.CustomDomains,
		Locale: r.Locale, Accent: r.Accent, LogoVersion: r.LogoVersion, CreatedAt: r.CreatedAt,
	}
}

func tenantRowOf(t *tenants.Tenant) *tenantRow {
	return &tenantRow{
		ID: t.ID, Slug: t.Slug, Name: t.Name, Status: string(t.Status),
		EmailDomains: nonNil(t.EmailDomains), CustomDomains: nonNil(t.CustomDomains), Locale: t.Locale,
		Accent: t.Accent,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TenantStore is the platform's directory of companies.
type TenantStore struct{ db *DB }

// NewTenantStore returns a tenants.Store on db.
func NewTenantStore(db *DB) *TenantStore { return &TenantStore{db: db} }

var _ tenants.Store = (*TenantStore)(nil)

// Create inserts t; a taken slug or domain fails with errs.Conflict.
func (s *TenantStore) Create(ctx context.Context, t *tenants.Tenant) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row := tenantRowOf(t)
		if _, err := tx.NewInsert().Model(row).Returning("created_at").Exec(ctx); err != nil {
			if violates(err, "tenants_slug_key") {
				return errs.Wrap(err, errs.Conflict, "slug %q is already taken by another company", t.Slug)
			}
			return err
		}
		t.CreatedAt = row.CreatedAt
		return nil
	})
}

// BySlug finds an active or suspended company by slug.
func (s *TenantStore) BySlug(ctx context.Context, slug string) (*tenants.Tenant, error) {
	return s.one(ctx, "slug = ?", slug)
}

// ByHost finds the company that declared host as a custom domain.
func (s *TenantStore) ByHost(ctx context.Context, host string) (*tenants.Tenant, error) {
	return s.one(ctx, "custom_domains @> ARRAY[?]::text[]", host)
}

func (s *TenantStore) one(ctx context.Context, where string, arg any) (*tenants.Tenant, error) {
	var row tenantRow
	err := s.db.NewSelect().Model(&row).Where(where, arg).Limit(1).Scan(ctx)
	if err != nil {
		if err = translate(err); errs.Is(err, errs.NotFound) {
			return nil, errs.Wrap(err, errs.NotFound, "no company at this address")
		}
		return nil, err
	}
	return row.domain(), nil
}

// ByID finds a company by id.
func (s *TenantStore) ByID(ctx context.Context, id uuid.UUID) (*tenants.Tenant, error) {
	return s.one(ctx, "id = ?", id)
}

// List returns every company, by slug.
func (s *TenantStore) List(ctx context.Context) ([]*tenants.Tenant, error) {
	var rows []tenantRow
	if err := s.db.NewSelect().Model(&rows).Order("slug").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]*tenants.Tenant, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// SetStatus suspends or resumes a company.
func (s *TenantStore) SetStatus(ctx context.Context, slug string, st tenants.Status) (*tenants.Tenant, error) {
	var row tenantRow
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewUpdate().Model(&row).
			Set("status = ?", string(st)).Set("updated_at = now()").
			Where("slug = ?", slug).Returning("?TableColumns").Scan(ctx)
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.NotFound, "no company with slug %q", slug)
	}
	if err != nil {
		return nil, err
	}
	return row.domain(), nil
}

// Logo returns the company's logo; errs.NotFound when it has none.
func (s *TenantStore) Logo(ctx context.Context, id uuid.UUID) (*tenants.Logo, error) {
	var l tenants.Logo
	err := s.db.NewRaw("SELECT logo_type, logo FROM tenants WHERE id = ? AND logo IS NOT NULL", id).Scan(ctx, &l.ContentType, &l.Content)
	if err != nil {
		if err = translate(err); errs.Is(err, errs.NotFound) {
			return nil, errs.Wrap(err, errs.NotFound, "this company has no logo")
		}
		return nil, err
	}
	return &l, nil
}

// SetBranding changes a company's accent and, when asked, its logo.
func (s *TenantStore) SetBranding(ctx context.Context, id uuid.UUID, accent string, logo *tenants.Logo, dropLogo bool) (*tenants.Tenant, error) {
	var row tenantRow
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model(&row).Set("accent = ?", nullIfEmpty(accent)).Set("updated_at = now()")
		switch {
		case logo != nil:
			q = q.Set("logo = ?, logo_type = ?, logo_version = ?", logo.Content, logo.ContentType, logo.Version())
		case dropLogo:
			q = q.Set("logo = NULL, logo_type = NULL, logo_version = NULL")
		}
		return q.Where("id = ?", id).Returning("?TableColumns").Scan(ctx)
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.NotFound, "no such company")
	}
	if err != nil {
		return nil, err
	}
	return row.domain(), nil
}

// DB is the pool the store works on, for wiring other stores to it.
func (s *TenantStore) DB() *DB { return s.db }
