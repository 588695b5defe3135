package mecenat

import (
	"cmp"
	"slices"
)

// YearGifts are a company's valued gifts of one fiscal year (the calendar
// year): Special to organisations helping people in difficulty (a flagged
// cause), Normal to the others.
type YearGifts struct {
	Year     int
	Normal   Cents
	Special  Cents
	Turnover *Cents // declared; nil when not
}

// Carry is gifts above a year's ceiling, not yet used, that may earn a
// reduction, at their rate, until the end of year Until.
type Carry struct {
	FromYear int   `json:"from_year"`
	Base     Cents `json:"base_cents"`
	RateBP   int   `json:"rate_bp"`
	Until    int   `json:"until"`
}

// Reduction is one slice of gifts that earned a reduction in a year.
type Reduction struct {
	FromYear  int   `json:"from_year"` // the year of the gifts (earlier: carried over)
	Base      Cents `json:"base_cents"`
	RateBP    int   `json:"rate_bp"`
	Reduction Cents `json:"reduction_cents"`
}

// TaxYear is the tax side of one fiscal year.
type TaxYear struct {
	Year    int   `json:"year"`
	Gifts   Cents `json:"gifts_cents"`
	Special Cents `json:"special_gifts_cents"`
	// AboveTier is the part of the year's normal gifts above the upper
	// tier, at the upper rate.
	AboveTier Cents  `json:"above_tier_cents"`
	Turnover  *Cents `json:"turnover_cents,omitempty"`
	Ceiling   Cents  `json:"ceiling_cents"`
	// FromTurnover: the ceiling is the turnover's share, not the floor.
	FromTurnover  bool        `json:"ceiling_from_turnover"`
	Slices        []Reduction `json:"reductions"`
	Reduction     Cents       `json:"reduction_cents"` // this year's, within the ceiling
	FromCarry     Cents       `json:"reduction_from_carry_cents"`
	CarriedIn     Cents       `json:"carried_in_cents"`  // excess available at the year's start
	NewExcess     Cents       `json:"new_excess_cents"`  // this year's gifts above the ceiling
	CarriedOut    Cents       `json:"carried_out_cents"` // excess still available at the year's end
	Expired       Cents       `json:"expired_cents"`     // excess that lapsed this year, unused
	Carry         []Carry     `json:"carry"`             // what is carried into next year
	ListDue       bool        `json:"beneficiary_list_due"`
	ListThreshold Cents       `json:"beneficiary_list_threshold_cents"`
}

// Tax computes each year of years (in order, consecutive, the first one
// with nothing carried in) from its gifts and its reference figures:
//
//   - rates: Special gifts at RateBP; Normal gifts at RateBP up to
//     UpperTier, at UpperRateBP above it (the organisations helping people
//     in difficulty do not count towards the tier);
//   - ceiling: the gifts that earn a reduction in a year are at most
//     max(Floor, TurnoverBP × turnover); the year's own gifts go first,
//     highest rate first, then the excess carried from earlier years,
//     oldest first ("après prise en compte des versements effectués au
//     titre de chacun de ces exercices", art. 238 bis 1);
//   - carry-over: gifts above the ceiling keep their rate and may be used
//     in the CarryYears following years, then lapse;
//   - form 2069-RCI is due when the year's gifts pass BeneficiaryList.
//
// A year without reference figures fails (errs.Conflict).
func Tax(years []YearGifts, refs References) ([]TaxYear, error) {
	slices.SortFunc(years, func(a, b YearGifts) int { return cmp.Compare(a.Year, b.Year) })
	var carry []Carry
	out := make([]TaxYear, 0, len(years))
	for _, g := range years {
		r, err := refs.For(g.Year)
		if err != nil {
			return nil, err
		}
		t := TaxYear{Year: g.Year, Gifts: g.Normal + g.Special, Special: g.Special, Turnover: g.Turnover,
			Ceiling: r.Ceiling(g.Turnover), ListThreshold: r.BeneficiaryList}
		t.FromTurnover = t.Ceiling > r.Floor
		t.ListDue = t.Gifts > r.BeneficiaryList
		// What lapsed at the end of last year is gone.
		kept := carry[:0:0]
		for _, c := range carry {
			if c.Until < g.Year {
				t.Expired += c.Base
				continue
			}
			t.CarriedIn += c.Base
			kept = append(kept, c)
		}
		carry = kept
		below := min(g.Normal, r.UpperTier)
		t.AboveTier = g.Normal - below
		parts := []Carry{
			{FromYear: g.Year, Base: g.Special, RateBP: r.RateBP},
			{FromYear: g.Year, Base: below, RateBP: r.RateBP},
			{FromYear: g.Year, Base: t.AboveTier, RateBP: r.UpperRateBP},
		}
		room := t.Ceiling
		var excess []Carry
		for _, p := range parts {
			if p.Base == 0 {
				continue
			}
			use := min(p.Base, room)
			room -= use
			t.add(g.Year, use, p.RateBP)
			if p.Base > use {
				excess = append(excess, Carry{FromYear: g.Year, Base: p.Base - use, RateBP: p.RateBP, Until: g.Year + r.CarryYears})
				t.NewExcess += p.Base - use
			}
		}
		// Carried excess, oldest first (carry is kept in that order).
		for i := range carry {
			use := min(carry[i].Base, room)
			if use == 0 {
				continue
			}
			room -= use
			carry[i].Base -= use
			t.FromCarry += t.add(carry[i].FromYear, use, carry[i].RateBP)
		}
		next := carry[:0:0]
		for _, c := range carry {
			if c.Base > 0 {
				next = append(next, c)
			}
		}
		for _, c := range excess {
			if c.Until > g.Year { // a carry-over of 0 years lapses at once
				next = append(next, c)
			} else {
				t.Expired += c.Base
			}
		}
		carry = next
		for _, c := range carry {
			t.CarriedOut += c.Base
		}
		t.Carry = slices.Clone(carry)
		if t.Slices == nil {
			t.Slices = []Reduction{}
		}
		out = append(out, t)
	}
	return out, nil
}

// add records a slice of base at rate and returns its reduction.
func (t *TaxYear) add(from int, base Cents, rate int) Cents {
	if base == 0 {
		return 0
	}
	red := base.ApplyBP(rate)
	t.Slices = append(t.Slices, Reduction{FromYear: from, Base: base, RateBP: rate, Reduction: red})
	t.Reduction += red
	return red
}
