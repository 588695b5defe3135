package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/demo"
	"github.com/vendredi-app/vendredi/tenants"
)

// SeedReport counts what a seed inserted; zero everywhere on a second run.
type SeedReport struct {
	Tenants, Members, Accounts, Associations, Missions, Participations int
}

// SeedDemo loads the demo world. Every insert skips rows that exist, so a
// second run changes nothing; the whole seed is one transaction per tenant
// and one for the shared catalogue.
//
// passwordHash is the hash of demo.Password that every demo person signs
// in with (the caller hashes: this package does not choose algorithms).
func SeedDemo(ctx context.Context, db *DB, passwordHash string) (SeedReport, error) {
	var rep SeedReport
	store := NewTenantStore(db)
	// The catalogue first: the companies' people sign up for its missions.
	if err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
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
			var lat, lon any
			if m.Lat != 0 {
				lat, lon = m.Lat, m.Lon
			}
			id := demo.ID("mission", m.Key)
			res, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, organizer, title, description,
					format, city, vital_category, external_url, places, places_left, status, cause, lat, lon,
					commitment_kind, commitment_hours, requires_sanitary_ack)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, 'per_week', ?, ?) ON CONFLICT DO NOTHING`,
				id, assoc, m.Organizer, m.Title, m.Description,
				m.Format, m.City, vital, m.ExternalURL, m.Places, m.PlacesLeft, m.Cause, lat, lon, m.Hours,
				(&catalog.Mission{Format: m.Format}).NeedsSanitaryAck())
			if err == nil {
				for _, sk := range m.Skills {
					if _, err = tx.ExecContext(ctx, `INSERT INTO mission_skills (mission_id, skill, level, required)
						VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, id, sk.Code, sk.Level, sk.Required); err != nil {
						break
					}
				}
			}
			if err != nil {
				return fmt.Errorf("mission %s: %w", m.Key, err)
			}
			rep.Missions += rowsAffected(res)
		}
		for _, a := range demo.Accounts {
			id := demo.ID("account", a.Email)
			res, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, full_name, password_hash, email_verified_at, is_staff, status)
				VALUES (?, ?, ?, ?, now(), ?, 'active') ON CONFLICT DO NOTHING`, id, a.Email, a.FullName, passwordHash, a.Staff)
			if err != nil {
				return fmt.Errorf("account %s: %w", a.Email, err)
			}
			rep.Accounts += rowsAffected(res)
			if a.AssociationKey != "" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)
					ON CONFLICT DO NOTHING`, demo.ID("association", a.AssociationKey), id); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return rep, err
	}
	for _, c := range demo.Companies {
		t, err := tenants.New(c.Slug, c.Name, c.EmailDomains, c.Locale)
		if err != nil {
			return rep, fmt.Errorf("demo company %s: %w", c.Slug, err)
		}
		t.ID = demo.ID("tenant", c.Slug)
		logo, err := t.Brand(c.Accent, []byte(c.Logo))
		if err != nil {
			return rep, fmt.Errorf("demo company %s: %w", c.Slug, err)
		}
		err = db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewInsert().Model(tenantRowOf(t)).On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			if rowsAffected(res) == 1 && logo != nil {
				if _, err := tx.ExecContext(ctx, "UPDATE tenants SET logo = ?, logo_type = ?, logo_version = ? WHERE id = ?",
					logo.Content, logo.ContentType, logo.Version(), t.ID); err != nil {
					return err
				}
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
			// Each demo company runs "Tous confinés, Tous engagés", active, from
			// the built-in template, so that sign-ups can be tried at once.
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, template_code, name, description, starts_on, ends_on,
					status, max_active_per_employee, auto_approve_hours, crisis, remote_first, goal_participants, goal_hours, launched_at,
					work_time)
				SELECT app.current_tenant_id(), ?, code, CASE WHEN ? = 'en' THEN name_en ELSE name_fr END,
					CASE WHEN ? = 'en' THEN description_en ELSE description_fr END, current_date - 7, current_date - 7 + duration_days,
					'active', max_active_per_employee, auto_approve_hours, crisis, remote_first, ?, ?, now(), ?
				FROM campaign_templates WHERE code = 'tous-confines-tous-engages'
				ON CONFLICT DO NOTHING`, demo.ID("campaign", c.Slug), c.Locale, c.Locale, len(c.People), 10*len(c.People),
				c.WorkTime); err != nil {
				return err
			}
			if c.HourlyCostCents > 0 {
				// The costs' lock is opened for this statement's transaction only.
				if _, err := tx.ExecContext(ctx, `SELECT set_config('app.costs', 'on', true)`); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO mecenat_settings (tenant_id, default_hourly_cents)
					VALUES (app.current_tenant_id(), ?) ON CONFLICT DO NOTHING`, c.HourlyCostCents); err != nil {
					return err
				}
			}
			if c.TurnoverCents > 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO mecenat_turnovers (tenant_id, year, turnover_cents)
					VALUES (app.current_tenant_id(), extract(year FROM current_date)::int, ?) ON CONFLICT DO NOTHING`,
					c.TurnoverCents); err != nil {
					return err
				}
			}
			for _, p := range c.People {
				res, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, department, site,
						status, password_hash, email_verified_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, now()) ON CONFLICT DO NOTHING`,
					t.ID, demo.ID("member", p.Email), p.Email, p.FullName, p.Role, p.Department, p.Site, passwordHash)
				if err != nil {
					return err
				}
				rep.Members += rowsAffected(res)
				var member uuid.UUID
				if err := tx.NewRaw("SELECT id FROM members WHERE email = ?", p.Email).Scan(ctx, &member); err != nil {
					return err
				}
				n, err := seedActivity(ctx, tx, demo.ID("campaign", c.Slug), member, p)
				if err != nil {
					return fmt.Errorf("%s: %w", p.Email, err)
				}
				rep.Participations += n
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func rowsAffected(res interface{ RowsAffected() (int64, error) }) int {
	n, _ := res.RowsAffected()
	return int(n)
}

// seedActivity gives a demo person their profile and sign-ups, with the
// places they hold taken from the missions, as a real sign-up would.
func seedActivity(ctx context.Context, tx bun.Tx, campaign, member uuid.UUID, p demo.Person) (int, error) {
	if len(p.Skills) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO profiles (tenant_id, member_id, hours_per_week, formats)
			VALUES (app.current_tenant_id(), ?, 3, '{remote,hybrid,on_site}') ON CONFLICT DO NOTHING`, member); err != nil {
			return 0, err
		}
		for _, sk := range p.Skills {
			if _, err := tx.ExecContext(ctx, `INSERT INTO profile_skills (tenant_id, member_id, skill, level)
				VALUES (app.current_tenant_id(), ?, ?, ?) ON CONFLICT DO NOTHING`, member, sk.Code, sk.Level); err != nil {
				return 0, err
			}
		}
	}
	n := 0
	for _, pa := range p.Participations {
		id, mission := demo.ID("participation", p.Email+"/"+pa.MissionKey), demo.ID("mission", pa.MissionKey)
		res, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status,
				created_at, decided_at)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, now() - make_interval(days => ?),
				CASE WHEN ? = 'validated' THEN now() - make_interval(days => ?) + interval '1 day' END)
			ON CONFLICT DO NOTHING`, id, campaign, member, mission, pa.Status, pa.DaysAgo, pa.Status, pa.DaysAgo)
		if err != nil {
			return n, err
		}
		if rowsAffected(res) == 0 {
			continue
		}
		n++
		if _, err := tx.ExecContext(ctx, "UPDATE missions SET places_left = places_left - 1 WHERE id = ? AND places_left > 0", mission); err != nil {
			return n, err
		}
		for i, h := range pa.Hours {
			if _, err := tx.ExecContext(ctx, `INSERT INTO hour_logs (tenant_id, id, participation_id, member_id, mission_id, worked_on,
					hours, status, decided_at, decided_by, created_at)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, current_date - ?, ?, ?,
					CASE WHEN ? = 'approved' THEN now() END, CASE WHEN ? = 'approved' THEN 'demo' ELSE '' END, now() - make_interval(days => ?))
				ON CONFLICT DO NOTHING`, demo.ID("hours", fmt.Sprint(p.Email, "/", pa.MissionKey, "/", i)), id, member, mission,
				h.DaysAgo, h.Hours, h.Status, h.Status, h.Status, h.DaysAgo); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
