package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/notify"
)

// DigestStore reads the weeks the digests tell: a company's under its
// row-level security, an association's under the association's (its
// missions' applicants from every company).
type DigestStore struct{ db *DB }

// NewDigestStore returns the store on db.
func NewDigestStore(db *DB) *DigestStore { return &DigestStore{db: db} }

var _ notify.DigestStore = (*DigestStore)(nil)

// HRFigures implements notify.DigestStore.
func (s *DigestStore) HRFigures(ctx context.Context, from, to time.Time) (*notify.HRFigures, error) {
	f := &notify.HRFigures{}
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(`SELECT count(*), count(*) FILTER (WHERE status IN ('validated', 'done'))
			FROM participations WHERE tenant_id = app.current_tenant_id() AND created_at >= ? AND created_at < ?`, from, to).
			Scan(ctx, &f.SignUps, &f.Validated); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT coalesce(sum(hours) FILTER (WHERE created_at >= ? AND created_at < ? AND status <> 'rejected'), 0)::float8,
				count(*) FILTER (WHERE status = 'pending')
			FROM hour_logs WHERE tenant_id = app.current_tenant_id()`, from, to).Scan(ctx, &f.Hours, &f.HoursPending); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT id, name, ends_on FROM campaigns WHERE tenant_id = app.current_tenant_id() AND status = 'active'
			AND ends_on >= (?::timestamptz AT TIME ZONE 'Europe/Paris')::date AND ends_on < (?::timestamptz AT TIME ZONE 'Europe/Paris')::date + 7
			ORDER BY ends_on, name`, to, to).Scan(ctx, &f.Ending)
	})
	return f, err
}

// HRAdmins implements notify.DigestStore.
func (s *DigestStore) HRAdmins(ctx context.Context) (out []notify.Recipient, err error) {
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT id, email, full_name FROM members WHERE tenant_id = app.current_tenant_id()
			AND role = 'hr_admin' AND status = 'active' ORDER BY email`).Scan(ctx, &out)
	})
	return out, err
}

// Managers implements notify.DigestStore.
func (s *DigestStore) Managers(ctx context.Context) (map[notify.Recipient][]uuid.UUID, error) {
	var rows []struct {
		notify.Recipient
		Association uuid.UUID `bun:"association_id"`
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT a.id, a.email, a.full_name, am.association_id FROM accounts a
			JOIN association_managers am ON am.account_id = a.id
			JOIN associations s ON s.id = am.association_id AND s.status = 'verified'
			WHERE a.status = 'active' ORDER BY a.email, am.association_id`).Scan(ctx, &rows)
	})
	out := map[notify.Recipient][]uuid.UUID{}
	for _, r := range rows {
		out[r.Recipient] = append(out[r.Recipient], r.Association)
	}
	return out, err
}

// AssociationFigures implements notify.DigestStore.
func (s *DigestStore) AssociationFigures(ctx context.Context, associationID uuid.UUID, from, to time.Time) (*notify.AssociationFigures, error) {
	f := &notify.AssociationFigures{AssociationID: associationID}
	err := s.db.AssociationTx(ctx, associationID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT name FROM associations WHERE id = ?", associationID).Scan(ctx, &f.Association); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT mb.full_name || ' — ' || m.title || ' (' || t.name || ')'
			FROM participations p JOIN missions m ON m.id = p.mission_id
			JOIN members mb ON mb.tenant_id = p.tenant_id AND mb.id = p.member_id
			JOIN tenants t ON t.id = p.tenant_id
			WHERE m.association_id = ? AND p.status IN ('pending', 'waiting') AND p.created_at >= ? AND p.created_at < ?
			ORDER BY p.created_at LIMIT 50`, associationID, from, to).Scan(ctx, &f.Applicants); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT count(*) FROM hour_logs h JOIN missions m ON m.id = h.mission_id
			WHERE m.association_id = ? AND h.status = 'pending'`, associationID).Scan(ctx, &f.HoursToConfirm)
	})
	return f, err
}

// MarkSent implements notify.DigestStore.
func (s *DigestStore) MarkSent(ctx context.Context, p notify.Person, week time.Time) (bool, error) {
	var n int64
	day := week.Format(time.DateOnly)
	run := func(ctx context.Context, tx bun.Tx) error {
		q := "INSERT INTO account_digests (account_id, week) VALUES (?, ?) ON CONFLICT DO NOTHING"
		if p.Tenant != uuid.Nil {
			q = "INSERT INTO member_digests (tenant_id, member_id, week) VALUES (app.current_tenant_id(), ?, ?) ON CONFLICT DO NOTHING"
		}
		res, err := tx.ExecContext(ctx, q, p.ID, day)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	}
	var err error
	if p.Tenant != uuid.Nil {
		err = s.db.TenantTx(ctx, run)
	} else {
		err = s.db.Tx(ctx, run)
	}
	return n == 1, err
}
