package postgres

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// ReminderStore finds the reminders due through the view app.due_reminders,
// the rule's one SQL fragment, under the company's row-level security.
type ReminderStore struct{ db *DB }

// NewReminderStore returns the store on db.
func NewReminderStore(db *DB) *ReminderStore { return &ReminderStore{db: db} }

var _ campaign.ReminderStore = (*ReminderStore)(nil)

// CompaniesWithDueReminders walks the companies in the database, each under
// its own row-level security, and returns those with a reminder due.
func (s *ReminderStore) CompaniesWithDueReminders(ctx context.Context) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT app.companies_with_due_reminders() AS id").Scan(ctx, &ids)
	})
	return ids, err
}

// managerEmails is the active managers' addresses of the association whose
// id is the column named, as an array.
func managerEmails(col string) string {
	return `ARRAY(SELECT ac.email FROM association_managers am JOIN accounts ac ON ac.id = am.account_id
		WHERE am.association_id = ` + col + ` AND ac.status = 'active' ORDER BY 1)`
}

// DueReminders implements campaign.ReminderStore.
func (s *ReminderStore) DueReminders(ctx context.Context) ([]campaign.Reminder, error) {
	var out []campaign.Reminder
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			campaign.Participation `bun:",extend"`
			Kind                   string     `bun:"kind"`
			Format                 string     `bun:"format"`
			Address                string     `bun:"address"`
			ExternalURL            string     `bun:"external_url"`
			AssociationID          *uuid.UUID `bun:"association_id"`
			Managers               []string   `bun:"managers,array"`
		}
		err := tx.NewRaw(`SELECT `+participationCols+`, due.kind, m.format,
				concat_ws(', ', nullif(m.address, ''), nullif(concat_ws(' ', nullif(m.postal_code, ''), nullif(m.city, '')), '')) AS address,
				m.external_url, m.association_id, `+managerEmails("m.association_id")+` AS managers
			FROM app.due_reminders due JOIN participations p ON p.tenant_id = due.tenant_id AND p.id = due.participation_id`+
			joinsAfterParticipations+` ORDER BY due.starts_at, p.id`).Scan(ctx, &rows)
		for _, r := range rows {
			if r.StartsAt == nil || r.EndsAt == nil {
				continue // its dates changed since the view read them
			}
			rem := campaign.Reminder{Kind: r.Kind, Participation: r.Participation, StartsAt: *r.StartsAt, EndsAt: *r.EndsAt,
				Format: r.Format, Address: r.Address, ExternalURL: r.ExternalURL, Managers: r.Managers}
			if r.AssociationID != nil {
				rem.AssociationID = *r.AssociationID
			}
			out = append(out, rem)
		}
		return err
	})
	return out, err
}

// RecordReminder implements campaign.ReminderStore.
func (s *ReminderStore) RecordReminder(ctx context.Context, r *campaign.Reminder) (bool, error) {
	var first bool
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO participation_reminders (tenant_id, participation_id, kind, starts_at)
			VALUES (app.current_tenant_id(), ?, ?, ?) ON CONFLICT DO NOTHING`, r.Participation.ID, r.Kind, r.StartsAt)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		first = n == 1
		return err
	})
	return first, err
}
