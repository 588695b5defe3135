package catalog

import "github.com/google/uuid"

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
