package postgres

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/catalog"

	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// SeedReference loads the skills taxonomy and the cause domains shipped with
// the code. Rows that exist are left alone: platform staff may have edited
// their labels, and a new release must not undo that.
func SeedReference(ctx context.Context, db bun.IDB) error {
	for _, f := range taxonomy.Families() {
		if _, err := db.ExecContext(ctx, `INSERT INTO skill_families (code, label_fr, label_en) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, f.Code, f.LabelFR, f.LabelEN); err != nil {
			return translate(err)
		}
	}
	for _, s := range taxonomy.Skills() {
		if _, err := db.ExecContext(ctx, `INSERT INTO skills (code, family, label_fr, label_en, rome, esco) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, s.Code, s.Family, s.LabelFR, s.LabelEN, s.ROME, s.ESCO); err != nil {
			return translate(err)
		}
	}
	for _, c := range taxonomy.Causes() {
		if _, err := db.ExecContext(ctx, `INSERT INTO causes (code, label_fr, label_en, special_rate) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, c.Code, c.LabelFR, c.LabelEN, c.SpecialRate); err != nil {
			return translate(err)
		}
	}
	return nil
}

// ReferenceStore reads and edits the reference data as staff left it.
type ReferenceStore struct{ db *DB }

// NewReferenceStore returns a ReferenceStore on db.
func NewReferenceStore(db *DB) *ReferenceStore { return &ReferenceStore{db: db} }

// Reference rows scan into the catalogue's types.
type (
	SkillFamily = catalog.SkillFamily
	Skill       = catalog.Skill
	Cause       = catalog.Cause
)

// Skills returns the families and skills, by code.
func (s *ReferenceStore) Skills(ctx context.Context) ([]SkillFamily, []Skill, error) {
	var fams []SkillFamily
	var skills []Skill
	if err := s.db.NewRaw("SELECT code, label_fr, label_en FROM skill_families ORDER BY code").Scan(ctx, &fams); err != nil {
		return nil, nil, translate(err)
	}
	err := s.db.NewRaw("SELECT code, family, label_fr, label_en, rome, esco FROM skills ORDER BY code").Scan(ctx, &skills)
	return fams, skills, translate(err)
}

// Causes returns the cause domains, by code.
func (s *ReferenceStore) Causes(ctx context.Context) ([]Cause, error) {
	var out []Cause
	err := s.db.NewRaw("SELECT code, label_fr, label_en FROM causes ORDER BY code").Scan(ctx, &out)
	return out, translate(err)
}

// UpdateSkill changes a skill's labels and codes (empty fields stay).
func (s *ReferenceStore) UpdateSkill(ctx context.Context, in Skill) (*Skill, error) {
	var out Skill
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`UPDATE skills SET label_fr = coalesce(nullif(?, ''), label_fr), label_en = coalesce(nullif(?, ''), label_en),
			rome = coalesce(nullif(?, ''), rome), esco = coalesce(nullif(?, ''), esco) WHERE code = ?
			RETURNING code, family, label_fr, label_en, rome, esco`, in.LabelFR, in.LabelEN, in.ROME, in.ESCO, in.Code).Scan(ctx, &out)
	})
	if err != nil {
		return nil, notFound(err, "no such skill")
	}
	return &out, nil
}

// UpdateCause changes a cause's labels (empty fields stay).
func (s *ReferenceStore) UpdateCause(ctx context.Context, in Cause) (*Cause, error) {
	var out Cause
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`UPDATE causes SET label_fr = coalesce(nullif(?, ''), label_fr), label_en = coalesce(nullif(?, ''), label_en)
			WHERE code = ? RETURNING code, label_fr, label_en`, in.LabelFR, in.LabelEN, in.Code).Scan(ctx, &out)
	})
	if err != nil {
		return nil, notFound(err, "no such cause")
	}
	return &out, nil
}
