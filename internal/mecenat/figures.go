package mecenat

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// AssociationGift is what the company gave one association in a year.
type AssociationGift struct {
	AssociationID uuid.UUID  `json:"association_id"`
	Name          string     `json:"name"`
	LegalID       string     `json:"legal_id"`
	People        int        `json:"people"`
	WorkHours     Centihours `json:"work_centihours"` // on paid working time, not disputed
	FreeHours     Centihours `json:"free_centihours"` // volunteering on free time
	Disputed      Centihours `json:"disputed_centihours"`
	Cost          Cents      `json:"cost_cents"`   // before the cap
	Valued        Cents      `json:"valued_cents"` // the gift
	Special       Cents      `json:"special_cents"`
	Lines         int        `json:"lines"`
	First, Last   string     `json:"-"` // dates worked, 2006-01-02
}

// YearFigures are the company's mécénat figures of one year: every sum is
// over Lines, which the drill-down lists.
type YearFigures struct {
	Year         int               `json:"year"`
	Reference    Reference         `json:"reference"`
	Associations []AssociationGift `json:"associations"`
	People       int               `json:"people"` // employees with hours on working time
	WorkHours    Centihours        `json:"work_centihours"`
	FreeHours    Centihours        `json:"free_centihours"`
	Disputed     Centihours        `json:"disputed_centihours"`
	// Uncosted are working-time hours of people without any cost: not
	// valued until HR gives one.
	Uncosted Centihours `json:"uncosted_centihours"`
	Cost     Cents      `json:"cost_cents"`    // before the cap
	Valued   Cents      `json:"valued_cents"`  // the year's gifts
	CapCut   Cents      `json:"cap_cut_cents"` // Cost - Valued on working time
	Tax      TaxYear    `json:"tax"`
	History  []TaxYear  `json:"history"` // the years before, for the carry-over
}

// Summarise sums year's lines (already valued) per association, biggest
// gift first.
func Summarise(year int, lines []Line) YearFigures {
	f := YearFigures{Year: year, Associations: []AssociationGift{}}
	byAssoc := map[uuid.UUID]*AssociationGift{}
	people := map[uuid.UUID]bool{}
	assocPeople := map[uuid.UUID]map[uuid.UUID]bool{}
	for i := range lines {
		l := &lines[i]
		if l.WorkedOn.Year() != year {
			continue
		}
		a := byAssoc[l.AssociationID]
		if a == nil {
			a = &AssociationGift{AssociationID: l.AssociationID, Name: l.Association, LegalID: l.LegalID}
			byAssoc[l.AssociationID] = a
			assocPeople[l.AssociationID] = map[uuid.UUID]bool{}
		}
		day := l.WorkedOn.Format("2006-01-02")
		if a.First == "" || day < a.First {
			a.First = day
		}
		if day > a.Last {
			a.Last = day
		}
		a.Lines++
		switch {
		case !l.WorkTime:
			a.FreeHours += l.Hours
			f.FreeHours += l.Hours
			continue
		case l.Disputed:
			a.Disputed += l.Hours
			f.Disputed += l.Hours
			continue
		}
		assocPeople[l.AssociationID][l.MemberID] = true
		people[l.MemberID] = true
		a.WorkHours += l.Hours
		f.WorkHours += l.Hours
		if l.CostSource == CostNone {
			f.Uncosted += l.Hours
		}
		a.Cost += l.Cost
		a.Valued += l.Valued
		f.Cost += l.Cost
		f.Valued += l.Valued
		if l.SpecialRate {
			a.Special += l.Valued
		}
	}
	for id, a := range byAssoc {
		a.People = len(assocPeople[id])
		f.Associations = append(f.Associations, *a)
	}
	slices.SortFunc(f.Associations, func(a, b AssociationGift) int {
		return cmp.Or(cmp.Compare(b.Valued, a.Valued), cmp.Compare(a.Name, b.Name))
	})
	f.People = len(people)
	f.CapCut = f.Cost - f.Valued
	return f
}

// GiftsByYear sums valued lines into each year's gifts, from the first
// year with a line to last, every year present (a year without gifts may
// still use carried-over excess).
func GiftsByYear(lines []Line, last int, turnovers map[int]Cents) []YearGifts {
	first := last
	for i := range lines {
		first = min(first, lines[i].WorkedOn.Year())
	}
	out := make([]YearGifts, 0, last-first+1)
	idx := map[int]int{}
	for y := first; y <= last; y++ {
		g := YearGifts{Year: y}
		if t, ok := turnovers[y]; ok {
			g.Turnover = &t
		}
		idx[y] = len(out)
		out = append(out, g)
	}
	for i := range lines {
		l := &lines[i]
		j, ok := idx[l.WorkedOn.Year()]
		if !ok {
			continue
		}
		if l.SpecialRate {
			out[j].Special += l.Valued
		} else {
			out[j].Normal += l.Valued
		}
	}
	return out
}

// BeneficiaryList is the year's list of beneficiaries as form 2069-RCI
// asks for it, one per line, ready to copy: name; legal identifier (RNA or
// SIRET); nature of the gift; amount in euros; dates.
func (f *YearFigures) BeneficiaryList() string {
	var b strings.Builder
	b.WriteString("bénéficiaire;identifiant;nature du don;montant (€);période\n")
	for _, a := range f.Associations {
		if a.Valued == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s;%s;mécénat de compétences (%s h);%s;%s au %s\n", strings.ReplaceAll(a.Name, ";", ","), a.LegalID,
			a.WorkHours.Plain(), a.Valued.Plain(), a.First, a.Last)
	}
	return b.String()
}
