package postgres

import (
	"context"

	"github.com/vendredi-app/vendredi/internal/catalog"
)

// The landing page's rows are the catalogue's types, scanned as they are.
type (
	VitalCategory  = catalog.VitalCategory
	SanitaryRule   = catalog.SanitaryRule
	MissionSummary = catalog.MissionSummary
)

// CatalogStore reads the shared catalogue.
type CatalogStore struct{ db *DB }

// NewCatalogStore returns a CatalogStore on db.
func NewCatalogStore(db *DB) *CatalogStore { return &CatalogStore{db: db} }

// VitalCategories returns the four vital missions in their official order.
func (s *CatalogStore) VitalCategories(ctx context.Context) ([]VitalCategory, error) {
	var out []VitalCategory
	err := s.db.NewSelect().Table("vital_categories").Order("position").Scan(ctx, &out)
	return out, translate(err)
}

// SanitaryRules returns the rules in order.
func (s *CatalogStore) SanitaryRules(ctx context.Context) ([]SanitaryRule, error) {
	var out []SanitaryRule
	err := s.db.NewSelect().Table("sanitary_rules").Order("position").Scan(ctx, &out)
	return out, translate(err)
}

// OpenMissions lists open missions of verified associations, the vital
// missions first in their official order, then the newest.
func (s *CatalogStore) OpenMissions(ctx context.Context, limit int) ([]MissionSummary, error) {
	var out []MissionSummary
	err := s.db.NewSelect().
		TableExpr("missions AS m").
		Join("LEFT JOIN associations AS a ON a.id = m.association_id").
		Join("LEFT JOIN vital_categories AS v ON v.code = m.vital_category").
		ColumnExpr("m.id, m.title, coalesce(a.name, m.organizer) AS association, m.format, m.city").
		ColumnExpr("coalesce(m.vital_category, '') AS vital_category").
		ColumnExpr("coalesce(v.label_fr, '') AS vital_label_fr, coalesce(v.label_en, '') AS vital_label_en").
		ColumnExpr("m.external_url, m.places, m.places_left").
		Where("m.status = 'open'").Where("(a.status = 'verified' OR m.association_id IS NULL)").
		OrderExpr("v.position ASC NULLS LAST, m.created_at DESC, m.id").
		Limit(int64(limit)).
		Scan(ctx, &out)
	return out, translate(err)
}
