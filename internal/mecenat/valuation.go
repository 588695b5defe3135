package mecenat

import (
	"cmp"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Where a line's hourly cost came from.
const (
	CostOwn     = "own"     // the person's own cost (CSV import)
	CostBand    = "band"    // their band's
	CostDefault = "default" // the company's default
	CostNone    = "none"    // no cost known: the hours are not valued
)

// HourlyCost picks a person's hourly cost: their own, else their band's,
// else the company's default; CostNone when none is known.
func HourlyCost(own, band, dflt *Cents) (Cents, string) {
	switch {
	case own != nil:
		return *own, CostOwn
	case band != nil:
		return *band, CostBand
	case dflt != nil:
		return *dflt, CostDefault
	}
	return 0, CostNone
}

// Line is one day of approved hours on one participation: the unit every
// figure traces back to.
type Line struct {
	HourLogID       uuid.UUID  `json:"hour_log_id"`
	ParticipationID uuid.UUID  `json:"participation_id"`
	MemberID        uuid.UUID  `json:"member_id"`
	MemberName      string     `json:"member_name"`
	Department      string     `json:"department,omitempty"`
	Site            string     `json:"site,omitempty"`
	CampaignID      uuid.UUID  `json:"campaign_id"`
	CampaignName    string     `json:"campaign_name"`
	MissionID       uuid.UUID  `json:"mission_id"`
	MissionTitle    string     `json:"mission_title"`
	AssociationID   uuid.UUID  `json:"association_id"`
	Association     string     `json:"association"`
	LegalID         string     `json:"association_legal_id"`
	Cause           string     `json:"cause,omitempty"`
	WorkedOn        time.Time  `json:"worked_on"`
	Hours           Centihours `json:"centihours"`
	// WorkTime says the hours were on paid working time (the campaign's
	// or the participation's say): only those are a gift.
	WorkTime bool `json:"work_time"`
	// SpecialRate: the mission's cause helps people in difficulty.
	SpecialRate bool `json:"special_rate"`
	// Disputed: the association disputes the line; it is not valued
	// while it is.
	Disputed bool `json:"disputed"`
	// The cost as the store read it, resolved by HourlyCost.
	OwnCost, BandCost, DefaultCost *Cents `json:"-"`

	// Filled by Value.
	HourlyCents Cents  `json:"hourly_cents"`
	CostSource  string `json:"cost_source"`
	// Cost is hours × hourly cost; Valued is what counts as a gift after
	// the monthly cap (and 0 for free time, disputed or uncosted lines).
	Cost   Cents `json:"cost_cents"`
	Valued Cents `json:"valued_cents"`
	// Capped: the monthly cap cut this line (Valued < Cost).
	Capped bool `json:"capped"`
}

// Gift reports whether a line is a gift in kind: approved hours on paid
// working time that the association does not dispute.
func (l *Line) Gift() bool { return l.WorkTime && !l.Disputed }

// Value prices lines in place: hours × the person's hourly cost, then the
// monthly cap per employee (CapPassMultiple × the monthly ceiling of the
// line's year), reached by the lines in the order they were worked (day,
// then entry) so that the cut falls on the month's last lines, each line
// keeping what was valued before it. Lines are sorted by person, day and
// entry. A year without reference figures fails (errs.Conflict).
func Value(lines []Line, refs References) error {
	slices.SortFunc(lines, func(a, b Line) int {
		return cmp.Or(cmp.Compare(a.MemberID.String(), b.MemberID.String()), a.WorkedOn.Compare(b.WorkedOn),
			cmp.Compare(a.HourLogID.String(), b.HourLogID.String()))
	})
	type month struct {
		member uuid.UUID
		y      int
		m      time.Month
	}
	used := map[month]Cents{}
	for i := range lines {
		l := &lines[i]
		l.HourlyCents, l.CostSource = HourlyCost(l.OwnCost, l.BandCost, l.DefaultCost)
		// Hours in hundredths × cents an hour / 100: exact to the cent.
		l.Cost = Cents(mulDiv(int64(l.Hours), int64(l.HourlyCents), 100))
		l.Valued, l.Capped = 0, false
		if !l.Gift() || l.CostSource == CostNone {
			continue
		}
		ref, err := refs.For(l.WorkedOn.Year())
		if err != nil {
			return err
		}
		k := month{l.MemberID, l.WorkedOn.Year(), l.WorkedOn.Month()}
		room := max(0, ref.MonthlyCap()-used[k])
		l.Valued = min(l.Cost, room)
		l.Capped = l.Valued < l.Cost
		used[k] += l.Valued
	}
	return nil
}
