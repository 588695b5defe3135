package campaign

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"

	"github.com/google/uuid"
)

// Slice is one line of a campaign's breakdown: a department, a site, an
// association or a vital mission, with the employees who took part and
// their approved hours (Clicks: redirects to the national platform, for a
// vital mission).
type Slice struct {
	Label  string  `json:"label"`
	People int     `json:"people"`
	Hours  float64 `json:"hours_approved"`
	Clicks int     `json:"clicks,omitempty"`
}

// Breakdown cuts a campaign's participation for its report.
type Breakdown struct {
	ByDepartment  []Slice `json:"by_department"`
	BySite        []Slice `json:"by_site"`
	ByAssociation []Slice `json:"by_association"`
	Vital         []Slice `json:"vital_missions"`
}

// Report is a campaign's report: its figures (the dashboard's) and their
// breakdown.
type Report struct {
	Campaign  *Campaign  `json:"campaign"`
	Figures   *Figures   `json:"figures"`
	Breakdown *Breakdown `json:"breakdown"`
}

// Report gathers a campaign's report.
func (s *Service) Report(ctx context.Context, id uuid.UUID) (*Report, error) {
	c, f, err := s.figures(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := s.st.Figures.Breakdown(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Report{Campaign: c, Figures: f, Breakdown: b}, nil
}

// ReportHeader names the report CSV's columns.
var ReportHeader = []string{"section", "label", "people", "hours approved", "value", "goal"}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// WriteReportCSV writes the report as CSV (UTF-8 with a byte-order mark):
// one row per figure, goal and slice, the dashboard's numbers.
func WriteReportCSV(r *Report, w io.Writer) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	f := r.Figures
	rows := [][]string{ReportHeader,
		{"figure", "audience", "", "", strconv.Itoa(f.AudienceSize), ""},
		{"figure", "invited", "", "", strconv.Itoa(f.Invited), ""},
		{"figure", "participants", strconv.Itoa(f.Participants), "", "", ""},
		{"figure", "participation rate", "", "", num(f.ParticipationRate), ""},
		{"figure", "hours logged", "", num(f.HoursLogged), "", ""},
		{"figure", "hours approved", "", num(f.HoursApproved), "", ""},
		{"figure", "missions helped", "", "", strconv.Itoa(f.MissionsHelped), ""},
		{"figure", "associations helped", "", "", strconv.Itoa(f.AssociationsHelped), ""},
		{"figure", "vital redirects", "", "", strconv.Itoa(f.Redirects), ""},
	}
	if g := f.Goals.Participants; g != nil {
		rows = append(rows, []string{"goal", "participants", num(g.Reached), "", num(g.Ratio), num(g.Goal)})
	}
	if g := f.Goals.Hours; g != nil {
		rows = append(rows, []string{"goal", "hours approved", "", num(g.Reached), num(g.Ratio), num(g.Goal)})
	}
	for _, sec := range []struct {
		name   string
		slices []Slice
	}{{"department", r.Breakdown.ByDepartment}, {"site", r.Breakdown.BySite}, {"association", r.Breakdown.ByAssociation},
		{"vital mission", r.Breakdown.Vital}} {
		for _, s := range sec.slices {
			value := ""
			if sec.name == "vital mission" {
				value = strconv.Itoa(s.Clicks)
			}
			rows = append(rows, []string{sec.name, cell(s.Label), strconv.Itoa(s.People), num(s.Hours), value, ""})
		}
	}
	for _, c := range f.HoursByCause {
		rows = append(rows, []string{"cause", c.Cause, "", num(c.HoursApproved), "", ""})
	}
	for _, s := range f.Skills {
		rows = append(rows, []string{"skill", s.Skill, strconv.Itoa(s.Participants), "", "", ""})
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
