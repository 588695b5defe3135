package mecenat

import (
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Reference is the law's figures for one calendar year, as platform staff
// keep them. Rates are in basis points (60 % is 6000; 5 ‰ is 50).
type Reference struct {
	Year int `json:"year"`
	// PassMonthly is the monthly social security ceiling (plafond de la
	// sécurité sociale, art. L. 241-3 CSS).
	PassMonthly Cents `json:"pass_monthly_cents"`
	// CapPassMultiple times PassMonthly caps one employee's valued cost in
	// a month (3 since the 2019 finance law).
	CapPassMultiple int `json:"cap_pass_multiple"`
	// RateBP is the reduction rate (60 %); UpperRateBP applies to the part
	// of the year's gifts above UpperTier (40 % above 2 M€), except gifts
	// to organisations helping people in difficulty (always RateBP).
	RateBP      int   `json:"rate_bp"`
	UpperRateBP int   `json:"upper_rate_bp"`
	UpperTier   Cents `json:"upper_tier_cents"`
	// The gifts that earn a reduction in a year are capped at the higher
	// of Floor (20 000 €) and TurnoverBP of the turnover (5 ‰); the excess
	// is carried over CarryYears years (5).
	Floor      Cents `json:"floor_cents"`
	TurnoverBP int   `json:"turnover_bp"`
	CarryYears int   `json:"carry_years"`
	// Above BeneficiaryList of gifts in a year, the company lists its
	// beneficiaries to the tax office (form 2069-RCI; 10 000 €).
	BeneficiaryList Cents     `json:"beneficiary_list_cents"`
	Source          string    `json:"source"`
	UpdatedAt       time.Time `json:"updated_at"`
	UpdatedBy       string    `json:"updated_by,omitempty"`
}

// MonthlyCap is the most one employee's hours of one month may be valued.
func (r Reference) MonthlyCap() Cents { return r.PassMonthly * Cents(r.CapPassMultiple) }

// Ceiling is the most of a year's gifts (and carried-over excess) that
// earns a reduction: the higher of the floor and the turnover's share.
// Without a declared turnover, the floor.
func (r Reference) Ceiling(turnover *Cents) Cents {
	if turnover == nil {
		return r.Floor
	}
	return max(r.Floor, turnover.ApplyBP(r.TurnoverBP))
}

// Check refuses a reference row that cannot be right, naming the field.
func (r *Reference) Check() error {
	switch {
	case r.Year < 2000 || r.Year > 2100:
		return errs.Field("year", "the year must be between 2000 and 2100")
	case r.PassMonthly <= 0:
		return errs.Field("pass_monthly", "the monthly social security ceiling must be above 0")
	case r.CapPassMultiple <= 0:
		return errs.Field("cap_pass_multiple", "the cap must be at least one monthly ceiling")
	case r.RateBP < 0 || r.RateBP > 10000:
		return errs.Field("rate", "a rate is between 0 and 100 %%")
	case r.UpperRateBP < 0 || r.UpperRateBP > 10000:
		return errs.Field("upper_rate", "a rate is between 0 and 100 %%")
	case r.UpperTier <= 0:
		return errs.Field("upper_tier", "the tier must be above 0")
	case r.Floor < 0:
		return errs.Field("floor", "the floor cannot be negative")
	case r.TurnoverBP < 0 || r.TurnoverBP > 10000:
		return errs.Field("turnover_share", "a rate is between 0 and 100 %%")
	case r.CarryYears < 0 || r.CarryYears > 20:
		return errs.Field("carry_years", "the carry-over lasts between 0 and 20 years")
	case r.BeneficiaryList < 0:
		return errs.Field("beneficiary_list", "the threshold cannot be negative")
	}
	return nil
}

// References indexes reference rows by year.
type References map[int]Reference

// NewReferences indexes rows.
func NewReferences(rows []Reference) References {
	out := make(References, len(rows))
	for _, r := range rows {
		out[r.Year] = r
	}
	return out
}

// For returns year's figures; errs.Conflict when staff have not entered
// them, so that nothing is valued on a guess.
func (rs References) For(year int) (Reference, error) {
	r, ok := rs[year]
	if !ok {
		return r, errs.E(errs.Conflict, "the reference figures for %d (social security ceiling, rates) are not entered yet: platform staff keep them", year)
	}
	return r, nil
}
