package postgres

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/demo"
	"github.com/vendredi-app/vendredi/tenants"
)

// SeedReport counts what a seed inserted; zero everywhere on a second run.
type SeedReport struct {
	Tenants, Members, Associations, Missions int
}

// SeedDemo loads the demo world. Every insert skips rows that exist, so a
// second run changes nothing; the whole seed is one transaction per tenant
// and one for the shared catalogue.
func SeedDemo(ctx context.Context, db *DB) (SeedReport, error) {
	var rep SeedReport
	store := NewTenantStore(db)
	for _, c := range demo.Companies {
		t, err := tenants.New(c.Slug, c.Name, c.EmailDomains, c.Locale)
		if err != nil {
			return rep, fmt.Errorf("demo company %s: %w", c.Slug, err)
		}
		t.ID = demo.ID("tenant", c.Slug)
		err = db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewInsert().Model(tenantRowOf(t)).On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			rep.Tenants += rowsAffected(res)
			return nil
		})
		if err != nil {
			return rep, err
		}
		// The slug may have been taken by a company created by hand: seed
		// the people of whichever company holds it.
		if t, err = store.BySlug(ctx, c.Slug); err != nil {
			return rep, err
		}
		err = db.TenantTx(tenants.NewContext(ctx, t), func(ctx context.Context, tx bun.Tx) error {
			for _, p := range c.People {
				m := &Member{TenantID: t.ID, ID: demo.ID("member", p.Email), Email: p.Email, FullName: p.FullName,
					Role: p.Role, Department: p.Department, Site: p.Site, Status: "active"}
				res, err := tx.NewInsert().Model(m).On("CONFLICT DO NOTHING").Exec(ctx)
				if err != nil {
					return err
				}
				rep.Members += rowsAffected(res)
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, a := range demo.Associations {
			res, err := tx.ExecContext(ctx, `INSERT INTO associations (id, name, legal_id, description, city, status)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				demo.ID("association", a.Key), a.Name, a.LegalID, a.Description, a.City, a.Status)
			if err != nil {
				return fmt.Errorf("association %s: %w", a.Key, err)
			}
			rep.Associations += rowsAffected(res)
		}
		for _, m := range demo.Missions {
			var assoc any
			if m.AssociationKey != "" {
				assoc = demo.ID("association", m.AssociationKey)
			}
			var vital any
			if m.VitalCategory != "" {
				vital = m.VitalCategory
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, organizer, title, description,
					format, city, vital_category, external_url, places, places_left, status)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open') ON CONFLICT DO NOTHING`,
				demo.ID("mission", m.Key), assoc, m.Organizer, m.Title, m.Description,
				m.Format, m.City, vital, m.ExternalURL, m.Places, m.PlacesLeft)
			if err != nil {
				return fmt.Errorf("mission %s: %w", m.Key, err)
			}
			rep.Missions += rowsAffected(res)
		}
		return nil
	})
	return rep, err
}

func rowsAffected(res interface{ RowsAffected() (int64, error) }) int {
	n, _ := res.RowsAffected()
	return int(n)
}
