package campaign

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/taxonomy"
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
// one row per figure, goal and slice, the dashboard's numbers, in the
// API's words (English, codes).
func WriteReportCSV(r *Report, w io.Writer) error { return WriteReportCSVIn(r, w, "", nil) }

// WriteReportCSVIn is WriteReportCSV for a person reading lang ("" for
// programs): the header and the report's own words come from say, causes
// and skills are named.
func WriteReportCSVIn(r *Report, w io.Writer, lang string, say func(english string) string) error {
	word := func(s string) string { return s }
	if lang != "" && say != nil {
		word = say
	}
	named := func(code string, label func() (fr, en string, ok bool)) string {
		if fr, en, ok := label(); ok && lang == "fr" {
			return fr
		} else if ok && lang == "en" {
			return en
		}
		return code
	}
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
		rows = append(rows, []string{"cause", named(c.Cause, func() (string, string, bool) {
			k, ok := taxonomy.CauseByCode(c.Cause)
			return k.LabelFR, k.LabelEN, ok
		}), "", num(c.HoursApproved), "", ""})
	}
	for _, s := range f.Skills {
		rows = append(rows, []string{"skill", named(s.Skill, func() (string, string, bool) {
			k, ok := taxonomy.SkillByCode(s.Skill)
			return k.LabelFR, k.LabelEN, ok
		}), strconv.Itoa(s.Participants), "", "", ""})
	}
	for i, row := range rows {
		// The report's own words: the header, the sections and the
		// figures' and goals' names.
		own := i == 0 || row[0] == "figure" || row[0] == "goal"
		for j := range row {
			if j == 0 || (j < 2 && own) || i == 0 {
				rows[i][j] = word(row[j])
			}
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
