package postgres

import (
	"context"

	"github.com/uptrace/bun"

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
		if _, err := db.ExecContext(ctx, `INSERT INTO causes (code, label_fr, label_en) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, c.Code, c.LabelFR, c.LabelEN); err != nil {
			return translate(err)
		}
	}
	return nil
}
