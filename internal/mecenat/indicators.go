package mecenat

import (
	"cmp"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
)

// CauseShare is the hours given to one cause's missions in a year.
type CauseShare struct {
	Cause string     `json:"cause"` // "" for missions without a cause
	Hours Centihours `json:"centihours"`
}

// Indicators are a year's social indicators, as an HR or CSR director
// puts them in the company's sustainability report: hours, people, the
// share of employees engaged, causes, associations and value.
type Indicators struct {
	Year         int          `json:"year"`
	Hours        Centihours   `json:"centihours"` // validated, working and free time
	WorkHours    Centihours   `json:"work_centihours"`
	FreeHours    Centihours   `json:"free_centihours"`
	People       int          `json:"people"`    // employees with validated hours
	Employees    int          `json:"employees"` // active members now
	ShareBP      int          `json:"share_bp"`  // People / Employees, in basis points
	Associations int          `json:"associations"`
	Causes       []CauseShare `json:"causes"`
	Value        Cents        `json:"value_cents"` // the year's valued gifts
	Reduction    Cents        `json:"reduction_cents"`
}

// NewIndicators reads a year's indicators off its figures and lines.
func NewIndicators(f *YearFigures, lines []Line, employees int) *Indicators {
	in := &Indicators{Year: f.Year, WorkHours: f.WorkHours, FreeHours: f.FreeHours, Employees: employees,
		Value: f.Valued, Reduction: f.Tax.Reduction, Causes: []CauseShare{}}
	people := map[string]bool{}
	assocs := map[string]bool{}
	causes := map[string]Centihours{}
	for i := range lines {
		l := &lines[i]
		if l.WorkedOn.Year() != f.Year || (l.WorkTime && l.Disputed) {
			continue
		}
		people[l.MemberID.String()] = true
		assocs[l.AssociationID.String()] = true
		causes[l.Cause] += l.Hours
	}
	in.Hours = in.WorkHours + in.FreeHours
	in.People, in.Associations = len(people), len(assocs)
	if employees > 0 {
		in.ShareBP = int((int64(in.People)*10000 + int64(employees)/2) / int64(employees))
	}
	for c, h := range causes {
		in.Causes = append(in.Causes, CauseShare{Cause: c, Hours: h})
	}
	slices.SortFunc(in.Causes, func(a, b CauseShare) int { return cmp.Or(cmp.Compare(b.Hours, a.Hours), cmp.Compare(a.Cause, b.Cause)) })
	return in
}

// WriteCSV writes the indicators as CSV (UTF-8 with a byte-order mark):
// indicator, value, unit; causes by label (labels maps a code to its).
func (in *Indicators) WriteCSV(w io.Writer, labels map[string]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	rows := [][]string{{"indicator", "value", "unit"},
		{"year", strconv.Itoa(in.Year), ""},
		{"hours validated", in.Hours.Plain(), "h"},
		{"hours on working time", in.WorkHours.Plain(), "h"},
		{"hours on free time", in.FreeHours.Plain(), "h"},
		{"employees engaged", strconv.Itoa(in.People), "people"},
		{"employees", strconv.Itoa(in.Employees), "people"},
		{"share of employees engaged", Centihours(in.ShareBP).Plain(), "%"},
		{"associations helped", strconv.Itoa(in.Associations), "associations"},
		{"value of skills-based giving", in.Value.Plain(), "EUR"},
		{"tax reduction", in.Reduction.Plain(), "EUR"},
	}
	for _, c := range in.Causes {
		label := labels[c.Cause]
		if label == "" {
			label = c.Cause
		}
		rows = append(rows, []string{"hours for cause: " + label, c.Hours.Plain(), "h"})
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// Indicators computes a year's social indicators.
func (s *Service) Indicators(ctx context.Context, year int) (*Indicators, error) {
	f, lines, err := s.year(ctx, year)
	if err != nil {
		return nil, err
	}
	n, err := s.store.ActiveMembers(ctx)
	if err != nil {
		return nil, err
	}
	return NewIndicators(f, lines, n), nil
}
