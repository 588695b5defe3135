package postgres

import (
	"context"

	"github.com/google/uuid"
)

// VitalCategory is one of the four vital missions of spring 2020.
type VitalCategory struct {
	Code          string `bun:"code"`
	Position      int    `bun:"position"`
	LabelFR       string `bun:"label_fr"`
	LabelEN       string `bun:"label_en"`
	DescriptionFR string `bun:"description_fr"`
	DescriptionEN string `bun:"description_en"`
}

// SanitaryRule is one of the health ministry's rules shown with vital missions.
type SanitaryRule struct {
	Position int    `bun:"position"`
	TextFR   string `bun:"text_fr"`
	TextEN   string `bun:"text_en"`
}

// MissionSummary is a mission as listed on a landing page.
type MissionSummary struct {
	ID            uuid.UUID `bun:"id"`
	Title         string    `bun:"title"`
	Association   string    `bun:"association"`
	Format        string    `bun:"format"`
	City          string    `bun:"city"`
	VitalCategory string    `bun:"vital_category"`
	VitalLabelFR  string    `bun:"vital_label_fr"`
	VitalLabelEN  string    `bun:"vital_label_en"`
	ExternalURL   string    `bun:"external_url"`
	Places        int       `bun:"places"`
	PlacesLeft    int       `bun:"places_left"`
}

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
