package mecenat

import (
	"context"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Store keeps the reference figures, the company's costs and turnovers,
// and reads the hours. Methods on costs and lines open the costs lock
// (row-level security): the service is reached only from routes that need
// the "costs" permission.
type Store interface {
	References(ctx context.Context) ([]Reference, error)
	// SaveReference inserts or replaces a year's figures.
	SaveReference(ctx context.Context, r *Reference) error
	// SpecialCauses are the causes whose organisations help people in
	// difficulty; SetSpecialCauses marks special among shown, and leaves
	// the causes not shown alone (errs.Invalid naming an unknown cause).
	SpecialCauses(ctx context.Context) ([]string, error)
	SetSpecialCauses(ctx context.Context, shown, special []string) error

	// Lines returns the company's approved hours on association missions
	// worked on or before the end of year until, with each person's
	// costs, the work-time say and the association's disputes.
	Lines(ctx context.Context, until int) ([]Line, error)
	Turnovers(ctx context.Context) (map[int]Cents, error)
	// SetTurnover declares (nil: removes) a year's turnover.
	SetTurnover(ctx context.Context, year int, turnover *Cents) error

	Costs(ctx context.Context) (*CostBook, error)
	SetDefaultCost(ctx context.Context, hourly *Cents) error
	// SaveBand inserts a band (ID nil) or changes one (errs.NotFound).
	SaveBand(ctx context.Context, b *Band) error
	DeleteBand(ctx context.Context, id uuid.UUID) error
	// ApplyCosts sets each row's person's cost in one transaction; rows
	// naming nobody of the company, or an unknown band, are rejected.
	ApplyCosts(ctx context.Context, rows []CostRow) ([]CostOutcome, error)
	// ActiveMembers counts the company's active members.
	ActiveMembers(ctx context.Context) (int, error)
	// Engagements are a member's approved hours by participation, oldest
	// first: what their certificate states.
	Engagements(ctx context.Context, member uuid.UUID) ([]Engagement, error)
	// SetWorkTime overrides (nil: back to the campaign's) whether a
	// participation's hours are on working time (errs.NotFound).
	SetWorkTime(ctx context.Context, participationID uuid.UUID, workTime *bool) error
}

// Service runs the mécénat figures.
type Service struct {
	store    Store
	receipts ReceiptStore
	now      func() time.Time
}

// NewService returns a Service on its stores.
func NewService(store Store, receipts ReceiptStore) *Service {
	return &Service{store: store, receipts: receipts, now: time.Now}
}

// References lists the reference figures by year.
func (s *Service) References(ctx context.Context) ([]Reference, error) {
	return s.store.References(ctx)
}

// SaveReference checks and saves a year's figures.
func (s *Service) SaveReference(ctx context.Context, r Reference, by string) (*Reference, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	r.UpdatedBy = by
	if err := s.store.SaveReference(ctx, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// SpecialCauses are the causes at the full rate whatever the amount.
func (s *Service) SpecialCauses(ctx context.Context) ([]string, error) {
	return s.store.SpecialCauses(ctx)
}

// SetSpecialCauses marks, among the causes a form showed, those whose
// gifts earn the full rate whatever the amount (organisations helping
// people in difficulty); causes it did not show (added since) stay as
// they are.
func (s *Service) SetSpecialCauses(ctx context.Context, shown, special []string) error {
	for _, c := range special {
		if !slices.Contains(shown, c) {
			return errs.Field("special_causes", "a cause is not one of the reference causes")
		}
	}
	return s.store.SetSpecialCauses(ctx, shown, special)
}

// CheckYear refuses a year outside what the product can value.
func CheckYear(year int) error {
	if year < 2000 || year > 2100 {
		return errs.Field("year", "the year must be between 2000 and 2100")
	}
	return nil
}

// valued reads and values every line up to the end of year.
func (s *Service) valued(ctx context.Context, year int) ([]Line, References, error) {
	if err := CheckYear(year); err != nil {
		return nil, nil, err
	}
	rows, err := s.store.References(ctx)
	if err != nil {
		return nil, nil, err
	}
	refs := NewReferences(rows)
	if _, err := refs.For(year); err != nil {
		return nil, nil, err
	}
	lines, err := s.store.Lines(ctx, year)
	if err != nil {
		return nil, nil, err
	}
	return lines, refs, Value(lines, refs)
}

// Year computes a year's figures: the gifts per association, the tax
// reduction with the carry-over from the years before.
func (s *Service) Year(ctx context.Context, year int) (*YearFigures, error) {
	f, _, err := s.year(ctx, year)
	return f, err
}

// year is Year with the valued lines under it.
func (s *Service) year(ctx context.Context, year int) (*YearFigures, []Line, error) {
	lines, refs, err := s.valued(ctx, year)
	if err != nil {
		return nil, nil, err
	}
	turnovers, err := s.store.Turnovers(ctx)
	if err != nil {
		return nil, nil, err
	}
	f := Summarise(year, lines)
	f.Reference = refs[year]
	tax, err := Tax(GiftsByYear(lines, year, turnovers), refs)
	if err != nil {
		return nil, nil, err
	}
	f.Tax = tax[len(tax)-1]
	f.History = tax[:len(tax)-1]
	if f.History == nil {
		f.History = []TaxYear{}
	}
	return &f, lines, nil
}

// Lines are a year's lines, valued, of one association or of all (Nil):
// the drill-down under every figure.
func (s *Service) Lines(ctx context.Context, year int, association uuid.UUID) ([]Line, error) {
	lines, _, err := s.valued(ctx, year)
	if err != nil {
		return nil, err
	}
	out := make([]Line, 0, len(lines))
	for _, l := range lines {
		if l.WorkedOn.Year() == year && (association == uuid.Nil || l.AssociationID == association) {
			out = append(out, l)
		}
	}
	return out, nil
}

// SetTurnover declares a year's turnover (nil removes it).
func (s *Service) SetTurnover(ctx context.Context, year int, turnover *Cents) error {
	if err := CheckYear(year); err != nil {
		return err
	}
	if turnover != nil && *turnover < 0 {
		return errs.Field("turnover", "the turnover cannot be negative")
	}
	return s.store.SetTurnover(ctx, year, turnover)
}

// Costs is the company's cost book.
func (s *Service) Costs(ctx context.Context) (*CostBook, error) { return s.store.Costs(ctx) }

// SetDefaultCost sets (nil removes) the company's default hourly cost.
func (s *Service) SetDefaultCost(ctx context.Context, hourly *Cents) error {
	if hourly != nil && *hourly <= 0 {
		return errs.Field("default_hourly_cost", "the hourly cost must be above 0")
	}
	return s.store.SetDefaultCost(ctx, hourly)
}

// SaveBand checks and saves a band.
func (s *Service) SaveBand(ctx context.Context, b Band) (*Band, error) {
	if err := b.Check(); err != nil {
		return nil, err
	}
	if err := s.store.SaveBand(ctx, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// DeleteBand removes a band; its people fall back to the default.
func (s *Service) DeleteBand(ctx context.Context, id uuid.UUID) error {
	return s.store.DeleteBand(ctx, id)
}

// ImportCosts reads a costs file (ParseCosts) and applies its lines; the
// outcomes come back one per line, in order.
func (s *Service) ImportCosts(ctx context.Context, r io.Reader) ([]CostOutcome, error) {
	rows, bad, err := ParseCosts(r)
	if err != nil {
		return nil, err
	}
	out, err := s.store.ApplyCosts(ctx, rows)
	if err != nil {
		return nil, err
	}
	out = append(out, bad...)
	sortOutcomes(out)
	return out, nil
}

// SetWorkTime overrides a participation's working-time say.
func (s *Service) SetWorkTime(ctx context.Context, participationID uuid.UUID, workTime *bool) error {
	return s.store.SetWorkTime(ctx, participationID, workTime)
}
