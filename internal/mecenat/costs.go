package mecenat

import (
	"cmp"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Band is a named hourly cost ("cadres": 62 € an hour).
type Band struct {
	ID     uuid.UUID `json:"id"`
	Name   string    `json:"name"`
	Hourly Cents     `json:"hourly_cents"`
	People int       `json:"people"` // with this band
}

// Check trims and checks a band, naming the field at fault.
func (b *Band) Check() error {
	b.Name = strings.TrimSpace(b.Name)
	switch {
	case b.Name == "" || utf8.RuneCountInString(b.Name) > 100:
		return errs.Field("name", "a band needs a name of at most 100 characters")
	case b.Hourly <= 0:
		return errs.Field("hourly_cost", "the hourly cost must be above 0")
	}
	return nil
}

// PersonCost is one person's cost as HR set it.
type PersonCost struct {
	MemberID uuid.UUID  `json:"member_id"`
	Name     string     `json:"name"`
	Email    string     `json:"email"`
	Hourly   *Cents     `json:"hourly_cents,omitempty"`
	BandID   *uuid.UUID `json:"band_id,omitempty"`
	Band     string     `json:"band,omitempty"`
}

// CostBook is the company's costs: default, bands, people.
type CostBook struct {
	Default *Cents       `json:"default_hourly_cents,omitempty"`
	Bands   []Band       `json:"bands"`
	People  []PersonCost `json:"people"`
}

// CostRow is a line of a costs file: a person by email and either their
// hourly cost or their band's name.
type CostRow struct {
	Line   int
	Email  string
	Hourly *Cents
	Band   string
}

// Outcomes of a line of a costs file.
const (
	CostApplied  = "applied"
	CostRejected = "rejected"
)

// Why a line of a costs file was rejected; pages word them.
const (
	ReasonNotCSV        = "not_csv"
	ReasonBadCost       = "bad_cost"
	ReasonCostOrBand    = "cost_or_band"
	ReasonUnknownPerson = "unknown_person"
	ReasonUnknownBand   = "unknown_band"
)

// CostOutcome is what became of one line of a costs file.
type CostOutcome struct {
	Line    int    `json:"line"`
	Email   string `json:"email"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
}

// MaxCostLines bounds one costs file.
const MaxCostLines = 20000

// ParseCosts reads a costs file: a header naming an email column and an
// hourly cost column (hourly_cost, cost, coût horaire) or a band column
// (band, tranche); ";" or "," separated. Lines that cannot be read come
// back as rejected outcomes; the others as rows to apply.
func ParseCosts(r io.Reader) ([]CostRow, []CostOutcome, error) {
	b, err := io.ReadAll(io.LimitReader(r, 8<<20))
	if err != nil {
		return nil, nil, errs.Field("file", "the file could not be read")
	}
	text := strings.TrimPrefix(string(b), "\ufeff")
	first, _, _ := strings.Cut(text, "\n")
	cr := csv.NewReader(strings.NewReader(text))
	if strings.Count(first, ";") > strings.Count(first, ",") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, errs.Field("file", "the file is empty or is not CSV")
	}
	cols := map[string]int{}
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "email", "e-mail", "mail", "courriel":
			cols["email"] = i
		case "hourly_cost", "cost", "hourly cost", "coût horaire", "cout horaire", "coût", "cout":
			cols["hourly"] = i
		case "band", "tranche":
			cols["band"] = i
		}
	}
	_, hasHourly := cols["hourly"]
	_, hasBand := cols["band"]
	if _, ok := cols["email"]; !ok || (!hasHourly && !hasBand) {
		return nil, nil, errs.Field("file", "the first line must name the columns: email, and hourly_cost or band")
	}
	field := func(rec []string, name string) string {
		if i, ok := cols[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []CostRow
	var bad []CostOutcome
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if line-1 > MaxCostLines {
			return nil, nil, errs.Field("file", "the file has more than %d lines: split it", MaxCostLines)
		}
		if err != nil {
			bad = append(bad, CostOutcome{Line: line, Outcome: CostRejected, Reason: ReasonNotCSV})
			continue
		}
		row := CostRow{Line: line, Email: strings.ToLower(field(rec, "email")), Band: field(rec, "band")}
		if row.Email == "" {
			continue // a blank line
		}
		if v := field(rec, "hourly"); v != "" {
			c, err := ParseCents("hourly_cost", v)
			if err != nil || c <= 0 {
				bad = append(bad, CostOutcome{Line: line, Email: row.Email, Outcome: CostRejected, Reason: ReasonBadCost})
				continue
			}
			row.Hourly = &c
		}
		if (row.Hourly == nil) == (row.Band == "") {
			bad = append(bad, CostOutcome{Line: line, Email: row.Email, Outcome: CostRejected, Reason: ReasonCostOrBand})
			continue
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

func sortOutcomes(out []CostOutcome) {
	slices.SortFunc(out, func(a, b CostOutcome) int { return cmp.Compare(a.Line, b.Line) })
}
