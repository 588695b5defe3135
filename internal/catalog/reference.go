package catalog

import "context"

// SkillFamily, Skill and Cause are reference rows as served.
type (
	SkillFamily struct {
		Code    string `bun:"code" json:"code"`
		LabelFR string `bun:"label_fr" json:"label_fr"`
		LabelEN string `bun:"label_en" json:"label_en"`
	}
	Skill struct {
		Code    string `bun:"code" json:"code"`
		Family  string `bun:"family" json:"family"`
		LabelFR string `bun:"label_fr" json:"label_fr"`
		LabelEN string `bun:"label_en" json:"label_en"`
		ROME    string `bun:"rome" json:"rome,omitempty"`
		ESCO    string `bun:"esco" json:"esco,omitempty"`
	}
	Cause struct {
		Code    string `bun:"code" json:"code"`
		LabelFR string `bun:"label_fr" json:"label_fr"`
		LabelEN string `bun:"label_en" json:"label_en"`
	}
)

// Reference reads and edits the skills and causes as staff left them.
type Reference interface {
	Skills(ctx context.Context) ([]SkillFamily, []Skill, error)
	Causes(ctx context.Context) ([]Cause, error)
	// UpdateSkill and UpdateCause change labels (and a skill's codes);
	// empty fields stay. An unknown code is errs.NotFound.
	UpdateSkill(ctx context.Context, in Skill) (*Skill, error)
	UpdateCause(ctx context.Context, in Cause) (*Cause, error)
}
