package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mecenat"
)

// ReceiptStore implements mecenat.ReceiptStore: a company's offers in its
// own transactions, an association's decisions in its (row-level security
// admits the receipts offered to it by every company).
type ReceiptStore struct{ db *DB }

// NewReceiptStore returns a ReceiptStore on db.
func NewReceiptStore(db *DB) *ReceiptStore { return &ReceiptStore{db: db} }

var _ mecenat.ReceiptStore = (*ReceiptStore)(nil)

const receiptCols = `r.id, r.association_id, r.year, r.donor, r.association, r.legal_id, r.period_from, r.period_to,
	r.centihours, r.value_cents, r.people, r.status, r.offered_at, r.offered_by, r.decided_at, r.decided_by`

// OfferReceipt replaces the company's offer for the association and year
// under a row lock, so that two offers sent at once leave one.
func (s *ReceiptStore) OfferReceipt(ctx context.Context, r *mecenat.Receipt) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var old []mecenat.Receipt
		if err := tx.NewRaw("SELECT "+receiptCols+" FROM mecenat_receipts r WHERE r.association_id = ? AND r.year = ? FOR UPDATE",
			r.AssociationID, r.Year).Scan(ctx, &old); err != nil {
			return err
		}
		if len(old) == 1 {
			o := old[0]
			if o.Status == mecenat.ReceiptConfirmed && o.Hours == r.Hours && o.Value == r.Value {
				return errs.E(errs.Conflict, "the association has confirmed this receipt and its figures have not changed")
			}
			r.ID = o.ID
			if _, err := tx.ExecContext(ctx, "DELETE FROM mecenat_receipt_lines WHERE receipt_id = ?", r.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mecenat_receipts (tenant_id, id, association_id, year, donor, association,
				legal_id, period_from, period_to, centihours, value_cents, people, status, offered_at, offered_by)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, id) DO UPDATE SET donor = excluded.donor, association = excluded.association,
				legal_id = excluded.legal_id, period_from = excluded.period_from, period_to = excluded.period_to,
				centihours = excluded.centihours, value_cents = excluded.value_cents, people = excluded.people,
				status = excluded.status, offered_at = excluded.offered_at, offered_by = excluded.offered_by,
				decided_at = NULL, decided_by = ''`,
			r.ID, r.AssociationID, r.Year, r.Donor, r.Association, r.LegalID, r.PeriodFrom, r.PeriodTo, int64(r.Hours),
			int64(r.Value), r.People, r.Status, r.OfferedAt, r.OfferedBy); err != nil {
			return err
		}
		for _, l := range r.Lines {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mecenat_receipt_lines (tenant_id, receipt_id, hour_log_id, association_id,
					worked_on, member_name, mission_title, centihours)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?)`,
				r.ID, l.HourLogID, r.AssociationID, l.WorkedOn, l.MemberName, l.MissionTitle, int64(l.Hours)); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanReceipts(ctx context.Context, tx bun.Tx, where string, args ...any) ([]mecenat.Receipt, error) {
	out := []mecenat.Receipt{} // an empty list, never null
	if err := tx.NewRaw("SELECT "+receiptCols+" FROM mecenat_receipts r WHERE "+where+" ORDER BY r.year DESC, r.association, r.donor",
		args...).Scan(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// receiptLines reads a receipt's lines with the disputes on them.
func receiptLines(ctx context.Context, tx bun.Tx, r *mecenat.Receipt) error {
	var rows []struct {
		HourLogID    uuid.UUID `bun:"hour_log_id"`
		WorkedOn     time.Time `bun:"worked_on"`
		MemberName   string    `bun:"member_name"`
		MissionTitle string    `bun:"mission_title"`
		Centihours   int64     `bun:"centihours"`
		Disputed     bool      `bun:"disputed"`
		Note         string    `bun:"note"`
	}
	if err := tx.NewRaw(`SELECT l.hour_log_id, l.worked_on, l.member_name, l.mission_title, l.centihours,
			d.hour_log_id IS NOT NULL AS disputed, coalesce(d.note, '') AS note
		FROM mecenat_receipt_lines l
		LEFT JOIN mecenat_disputes d ON d.tenant_id = l.tenant_id AND d.hour_log_id = l.hour_log_id
		WHERE l.receipt_id = ? ORDER BY l.worked_on, l.member_name, l.hour_log_id`, r.ID).Scan(ctx, &rows); err != nil {
		return err
	}
	r.Lines = make([]mecenat.ReceiptLine, len(rows))
	for i, l := range rows {
		r.Lines[i] = mecenat.ReceiptLine{HourLogID: l.HourLogID, WorkedOn: l.WorkedOn, MemberName: l.MemberName,
			MissionTitle: l.MissionTitle, Hours: mecenat.Centihours(l.Centihours), Disputed: l.Disputed, Note: l.Note}
	}
	return nil
}

// Receipts lists the company's receipts of a year.
func (s *ReceiptStore) Receipts(ctx context.Context, year int) ([]mecenat.Receipt, error) {
	var out []mecenat.Receipt
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) (err error) {
		out, err = scanReceipts(ctx, tx, "r.year = ?", year)
		return err
	})
	return out, err
}

// Receipt reads one of the company's receipts with its lines.
func (s *ReceiptStore) Receipt(ctx context.Context, id uuid.UUID) (*mecenat.Receipt, error) {
	var out *mecenat.Receipt
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rs, err := scanReceipts(ctx, tx, "r.id = ?", id)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return errs.E(errs.NotFound, "no such receipt")
		}
		out = &rs[0]
		return receiptLines(ctx, tx, out)
	})
	return out, err
}

// ReceiptsFor lists the receipts offered to an association.
func (s *ReceiptStore) ReceiptsFor(ctx context.Context, association uuid.UUID) ([]mecenat.Receipt, error) {
	var out []mecenat.Receipt
	err := s.db.AssociationTx(ctx, association, func(ctx context.Context, tx bun.Tx) (err error) {
		out, err = scanReceipts(ctx, tx, "r.association_id = ?", association)
		return err
	})
	return out, err
}

// ReceiptFor reads one receipt offered to an association, with its lines.
func (s *ReceiptStore) ReceiptFor(ctx context.Context, association, id uuid.UUID) (*mecenat.Receipt, error) {
	var out *mecenat.Receipt
	err := s.db.AssociationTx(ctx, association, func(ctx context.Context, tx bun.Tx) error {
		rs, err := scanReceipts(ctx, tx, "r.association_id = ? AND r.id = ?", association, id)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return errs.E(errs.NotFound, "no such receipt")
		}
		out = &rs[0]
		return receiptLines(ctx, tx, out)
	})
	return out, err
}

// DecideFor applies an association's decision under the receipt's row lock.
func (s *ReceiptStore) DecideFor(ctx context.Context, association, id uuid.UUID,
	decide func(r *mecenat.Receipt) (*mecenat.Dispute, error)) (*mecenat.Receipt, error) {
	var out *mecenat.Receipt
	err := s.db.AssociationTx(ctx, association, func(ctx context.Context, tx bun.Tx) error {
		var rows []mecenat.Receipt
		if err := tx.NewRaw("SELECT "+receiptCols+" FROM mecenat_receipts r WHERE r.association_id = ? AND r.id = ? FOR UPDATE",
			association, id).Scan(ctx, &rows); err != nil {
			return err
		}
		if len(rows) == 0 {
			return errs.E(errs.NotFound, "no such receipt")
		}
		r := rows[0]
		if err := receiptLines(ctx, tx, &r); err != nil {
			return err
		}
		d, err := decide(&r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE mecenat_receipts SET status = ?, decided_at = ?, decided_by = ? WHERE association_id = ? AND id = ?",
			r.Status, r.DecidedAt, r.DecidedBy, association, id); err != nil {
			return err
		}
		if d != nil {
			var tenant uuid.UUID
			if err := tx.NewRaw("SELECT tenant_id FROM mecenat_receipts WHERE id = ?", id).Scan(ctx, &tenant); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO mecenat_disputes (tenant_id, hour_log_id, association_id, note, by_name)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (tenant_id, hour_log_id) DO UPDATE SET note = excluded.note, by_name = excluded.by_name, at = now()`,
				tenant, d.HourLogID, association, d.Note, d.By); err != nil {
				return err
			}
			if err := receiptLines(ctx, tx, &r); err != nil {
				return err
			}
		}
		out = &r
		return nil
	})
	return out, err
}
