package mecenat

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Receipt statuses. The company offers the facts; the association
// confirms them or disputes a line, which sends them back to the company.
const (
	ReceiptOffered   = "offered"
	ReceiptConfirmed = "confirmed"
	ReceiptDisputed  = "disputed"
)

// Receipt is the facts of a year's gift to one association that its
// receipt (Cerfa n° 16216) needs. Value is as the company states it; the
// association sees it whole, never a person's cost.
type Receipt struct {
	ID            uuid.UUID     `json:"id" bun:"id"`
	AssociationID uuid.UUID     `json:"association_id" bun:"association_id"`
	Year          int           `json:"year" bun:"year"`
	Donor         string        `json:"donor" bun:"donor"`
	Association   string        `json:"association" bun:"association"`
	LegalID       string        `json:"association_legal_id" bun:"legal_id"`
	PeriodFrom    time.Time     `json:"period_from" bun:"period_from"`
	PeriodTo      time.Time     `json:"period_to" bun:"period_to"`
	Hours         Centihours    `json:"centihours" bun:"centihours"`
	Value         Cents         `json:"value_cents" bun:"value_cents"`
	People        int           `json:"people" bun:"people"`
	Status        string        `json:"status" bun:"status"`
	OfferedAt     time.Time     `json:"offered_at" bun:"offered_at"`
	OfferedBy     string        `json:"offered_by,omitempty" bun:"offered_by"`
	DecidedAt     *time.Time    `json:"decided_at,omitempty" bun:"decided_at"`
	DecidedBy     string        `json:"decided_by,omitempty" bun:"decided_by"`
	Lines         []ReceiptLine `json:"lines,omitempty" bun:"-"`
}

// ReceiptLine is one day of hours under a receipt, as the association
// sees it: who, when, on what, how long.
type ReceiptLine struct {
	HourLogID    uuid.UUID  `json:"hour_log_id"`
	WorkedOn     time.Time  `json:"worked_on"`
	MemberName   string     `json:"member_name"`
	MissionTitle string     `json:"mission_title"`
	Hours        Centihours `json:"centihours"`
	Disputed     bool       `json:"disputed"`
	Note         string     `json:"dispute_note,omitempty"`
}

// NewReceipt gathers the facts of year's gift to association from the
// company's valued lines: the gifts (working time, not disputed, valued).
// Nothing to offer is a conflict.
func NewReceipt(year int, association uuid.UUID, donor string, lines []Line) (*Receipt, error) {
	r := &Receipt{ID: uuid.Must(uuid.NewV7()), AssociationID: association, Year: year, Donor: donor, Status: ReceiptOffered}
	people := map[uuid.UUID]bool{}
	for i := range lines {
		l := &lines[i]
		if l.AssociationID != association || l.WorkedOn.Year() != year || !l.Gift() || l.Valued == 0 {
			continue
		}
		r.Association, r.LegalID = l.Association, l.LegalID
		if r.PeriodFrom.IsZero() || l.WorkedOn.Before(r.PeriodFrom) {
			r.PeriodFrom = l.WorkedOn
		}
		if l.WorkedOn.After(r.PeriodTo) {
			r.PeriodTo = l.WorkedOn
		}
		r.Hours += l.Hours
		r.Value += l.Valued
		people[l.MemberID] = true
		r.Lines = append(r.Lines, ReceiptLine{HourLogID: l.HourLogID, WorkedOn: l.WorkedOn, MemberName: l.MemberName,
			MissionTitle: l.MissionTitle, Hours: l.Hours})
	}
	if len(r.Lines) == 0 {
		return nil, errs.E(errs.Conflict, "there is no valued gift to this association in %d to offer a receipt for", year)
	}
	r.People = len(people)
	return r, nil
}

// CanDecide reports whether an association may still confirm a receipt
// or dispute its lines: only while it is offered.
func CanDecide(status string) bool { return status == ReceiptOffered }

// CheckDisputeNote trims and checks the association's reason.
func CheckDisputeNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 2000 {
		return "", errs.Field("note", "the note is longer than 2 000 characters")
	}
	return note, nil
}

// ReceiptStore keeps receipts. Methods named For… act for an association
// (its managers), across companies; the others in the company of the
// context.
type ReceiptStore interface {
	// OfferReceipt writes r as the company's offer for its association
	// and year, replacing an earlier offer; a confirmed receipt whose
	// hours and value are unchanged stays confirmed (errs.Conflict).
	OfferReceipt(ctx context.Context, r *Receipt) error
	Receipts(ctx context.Context, year int) ([]Receipt, error)
	// Receipt reads one with its lines (errs.NotFound).
	Receipt(ctx context.Context, id uuid.UUID) (*Receipt, error)
	ReceiptsFor(ctx context.Context, association uuid.UUID) ([]Receipt, error)
	ReceiptFor(ctx context.Context, association, id uuid.UUID) (*Receipt, error)
	// DecideFor locks the association's receipt, asks decide (which may
	// change its status), writes it and records dispute (if not nil)
	// on its line.
	DecideFor(ctx context.Context, association, id uuid.UUID, decide func(r *Receipt) (*Dispute, error)) (*Receipt, error)
}

// Dispute is an association's objection to one line.
type Dispute struct {
	HourLogID uuid.UUID
	Note, By  string
}

// OfferReceipt offers association the facts of year's gift, valued now.
func (s *Service) OfferReceipt(ctx context.Context, year int, association uuid.UUID, donor, by string) (*Receipt, error) {
	lines, _, err := s.valued(ctx, year)
	if err != nil {
		return nil, err
	}
	r, err := NewReceipt(year, association, donor, lines)
	if err != nil {
		return nil, err
	}
	r.OfferedBy, r.OfferedAt = by, s.now()
	if err := s.receipts.OfferReceipt(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Receipts lists the company's receipts of a year.
func (s *Service) Receipts(ctx context.Context, year int) ([]Receipt, error) {
	if err := CheckYear(year); err != nil {
		return nil, err
	}
	return s.receipts.Receipts(ctx, year)
}

// Receipt reads one of the company's receipts with its lines.
func (s *Service) Receipt(ctx context.Context, id uuid.UUID) (*Receipt, error) {
	return s.receipts.Receipt(ctx, id)
}

// ReceiptsFor lists the receipts offered to an association by every company.
func (s *Service) ReceiptsFor(ctx context.Context, association uuid.UUID) ([]Receipt, error) {
	return s.receipts.ReceiptsFor(ctx, association)
}

// ReceiptFor reads one receipt offered to an association.
func (s *Service) ReceiptFor(ctx context.Context, association, id uuid.UUID) (*Receipt, error) {
	return s.receipts.ReceiptFor(ctx, association, id)
}

// Confirm is the association confirming the facts of its receipt.
func (s *Service) Confirm(ctx context.Context, association, id uuid.UUID, by string) (*Receipt, error) {
	return s.receipts.DecideFor(ctx, association, id, func(r *Receipt) (*Dispute, error) {
		if !CanDecide(r.Status) {
			return nil, errs.E(errs.Conflict, "this receipt is %s: only an offered receipt can be confirmed", r.Status)
		}
		now := s.now()
		r.Status, r.DecidedAt, r.DecidedBy = ReceiptConfirmed, &now, by
		return nil, nil
	})
}

// DisputeLine is the association disputing one line of its receipt: the
// receipt goes back to the company, the line leaves the valuation.
func (s *Service) DisputeLine(ctx context.Context, association, id, hourLog uuid.UUID, note, by string) (*Receipt, error) {
	note, err := CheckDisputeNote(note)
	if err != nil {
		return nil, err
	}
	return s.receipts.DecideFor(ctx, association, id, func(r *Receipt) (*Dispute, error) {
		if !CanDecide(r.Status) {
			return nil, errs.E(errs.Conflict, "this receipt is %s: only an offered receipt can be disputed", r.Status)
		}
		found := false
		for _, l := range r.Lines {
			found = found || l.HourLogID == hourLog
		}
		if !found {
			return nil, errs.E(errs.NotFound, "this receipt has no such line")
		}
		now := s.now()
		r.Status, r.DecidedAt, r.DecidedBy = ReceiptDisputed, &now, by
		return &Dispute{HourLogID: hourLog, Note: note, By: by}, nil
	})
}
