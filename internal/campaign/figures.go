package campaign

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Figures are a campaign's numbers for its HR admins: who was invited and
// took part, applications by status, hours, what was helped, and progress
// against the goals, with a series by day over the campaign's dates.
type Figures struct {
	CampaignID   uuid.UUID `json:"campaign_id"`
	AudienceSize int       `json:"audience_size"` // active members of the audience now
	Invited      int       `json:"invited"`       // mailed at launch (or due to be)
	// Participants are the employees with at least one participation
	// pending, validated or done.
	Participants int `json:"participants"`
	// ParticipationRate is Participants over Invited (over the audience
	// before the launch), from 0 to 1.
	ParticipationRate  float64        `json:"participation_rate"`
	Applications       map[string]int `json:"applications"` // by participation status, every status present
	HoursLogged        float64        `json:"hours_logged"` // approved and pending
	HoursApproved      float64        `json:"hours_approved"`
	MissionsHelped     int            `json:"missions_helped"`     // with a validated or done participation
	AssociationsHelped int            `json:"associations_helped"` // behind those missions
	Skills             []SkillCount   `json:"skills_mobilised"`
	Redirects          int            `json:"vital_redirects"` // click-throughs to the national platform
	Goals              GoalsProgress  `json:"goals"`
	ByDay              []DayFigures   `json:"by_day"`
	HoursByCause       []CauseHours   `json:"hours_by_cause"`
}

// CauseHours is the approved hours given to the missions of one cause
// (Cause empty: missions without a cause), most hours first.
type CauseHours struct {
	Cause         string  `json:"cause"`
	HoursApproved float64 `json:"hours_approved"`
}

// SkillCount is a skill the campaign's helped missions asked for and how
// many employees brought it there (validated or done participations).
type SkillCount struct {
	Skill        string `json:"skill"`
	Participants int    `json:"participants"`
}

// GoalsProgress compares the campaign with its goals; nil where no goal.
type GoalsProgress struct {
	Participants *Progress `json:"participants,omitempty"`
	Hours        *Progress `json:"hours,omitempty"` // approved hours
}

// Progress is a goal, what was reached, and their ratio (may pass 1).
type Progress struct {
	Goal    float64 `json:"goal"`
	Reached float64 `json:"reached"`
	Ratio   float64 `json:"ratio"`
}

// DayFigures is one day of the campaign.
type DayFigures struct {
	Date          Day     `json:"date"`
	Applications  int     `json:"applications"`   // participations created that day
	HoursLogged   float64 `json:"hours_logged"`   // approved and pending, by date worked
	HoursApproved float64 `json:"hours_approved"` // by date worked
}

// Complete fills what follows from the counts: every status present, the
// participation rate and the progress against goals.
func (f *Figures) Complete(c *Campaign) {
	if f.Applications == nil {
		f.Applications = map[string]int{}
	}
	for _, s := range []string{Waiting, Pending, Validated, Refused, Cancelled, Done, NoShow} {
		f.Applications[s] += 0
	}
	if f.Skills == nil {
		f.Skills = []SkillCount{}
	}
	if f.ByDay == nil {
		f.ByDay = []DayFigures{}
	}
	if f.HoursByCause == nil {
		f.HoursByCause = []CauseHours{}
	}
	base := f.Invited
	if base == 0 {
		base = f.AudienceSize
	}
	if base > 0 {
		f.ParticipationRate = round4(float64(f.Participants) / float64(base))
	}
	if c.GoalParticipants != nil {
		g := float64(*c.GoalParticipants)
		f.Goals.Participants = &Progress{Goal: g, Reached: float64(f.Participants), Ratio: round4(float64(f.Participants) / g)}
	}
	if c.GoalHours != nil {
		f.Goals.Hours = &Progress{Goal: *c.GoalHours, Reached: f.HoursApproved, Ratio: round4(f.HoursApproved / *c.GoalHours)}
	}
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

// ExportFilter selects the participations of an export, as the list does.
type ExportFilter struct {
	Status string
	From   *time.Time // applied on or after this date
	To     *time.Time // applied on or before this date
}

// ParseExportFilter reads ?status=&from=&to=; the error names the filter.
func ParseExportFilter(status, from, to string) (ExportFilter, error) {
	var f ExportFilter
	if status != "" {
		if !slices.Contains([]string{Waiting, Pending, Validated, Refused, Cancelled, Done, NoShow}, status) {
			return f, errs.Field("status", "status %q is not one of waiting, pending, validated, refused, cancelled, done, no_show", status)
		}
		f.Status = status
	}
	for _, p := range []struct {
		name, v string
		dst     **time.Time
	}{{"from", from, &f.From}, {"to", to, &f.To}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, p.v)
		if err != nil {
			return f, errs.Field(p.name, "%q is not a date such as 2020-03-17", p.v)
		}
		*p.dst = &t
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return f, errs.Field("to", "the period ends before it starts")
	}
	return f, nil
}

// ExportRow is one participation in the CSV export.
type ExportRow struct {
	Employee      string
	Email         string
	Department    string
	Site          string
	Mission       string
	Association   string
	Status        string
	AppliedAt     time.Time
	DecidedAt     *time.Time
	HoursApproved float64
}

// ExportHeader names the CSV columns.
var ExportHeader = []string{"employee", "email", "department", "site", "mission", "association", "status",
	"applied at", "decided at", "hours approved"}

// FigureStore reads a campaign's figures and exports.
type FigureStore interface {
	Figures(ctx context.Context, c *Campaign) (*Figures, error)
	// EachParticipation calls fn for every participation of the campaign
	// that passes f, oldest first, reading them from a server-side cursor
	// (never all in memory). fn's error stops the walk and is returned.
	EachParticipation(ctx context.Context, campaignID uuid.UUID, f ExportFilter, fn func(*ExportRow) error) error
	// Breakdown cuts the campaign's participation for its report.
	Breakdown(ctx context.Context, campaignID uuid.UUID) (*Breakdown, error)
}

// bom makes Excel read the CSV as UTF-8.
const bom = "\ufeff"

// ExportWords is how an export reads: the API's is for programs (the
// columns' and statuses' codes, times in UTC as RFC 3339); an HR admin's
// download speaks their language and gives times in the company's zone.
type ExportWords struct {
	Header []string            // as many as ExportHeader
	Status func(string) string // a status in words
	Zone   *time.Location      // nil: UTC, written as RFC 3339
}

// WriteCSV writes the participations of a campaign to w as CSV, UTF-8 with
// a byte-order mark for Excel, row by row as the store reads them, for
// programs (ExportWords).
func WriteCSV(ctx context.Context, store FigureStore, campaignID uuid.UUID, f ExportFilter, w io.Writer) error {
	return WriteCSVIn(ctx, store, campaignID, f, w, ExportWords{})
}

// WriteCSVIn is WriteCSV in words.
func WriteCSVIn(ctx context.Context, store FigureStore, campaignID uuid.UUID, f ExportFilter, w io.Writer, words ExportWords) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	header, status := ExportHeader, func(s string) string { return s }
	if len(words.Header) == len(ExportHeader) {
		header = words.Header
	}
	if words.Status != nil {
		status = words.Status
	}
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	if words.Zone != nil {
		// A spreadsheet reads it as a date and time.
		stamp = func(t time.Time) string { return t.In(words.Zone).Format("2006-01-02 15:04:05") }
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(ExportHeader))
	err := store.EachParticipation(ctx, campaignID, f, func(r *ExportRow) error {
		rec[0], rec[1], rec[2], rec[3] = cell(r.Employee), cell(r.Email), cell(r.Department), cell(r.Site)
		rec[4], rec[5], rec[6] = cell(r.Mission), cell(r.Association), status(r.Status)
		rec[7], rec[8] = stamp(r.AppliedAt), ""
		if r.DecidedAt != nil {
			rec[8] = stamp(*r.DecidedAt)
		}
		rec[9] = strconv.FormatFloat(r.HoursApproved, 'f', -1, 64)
		return cw.Write(rec)
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// cell defuses text that a spreadsheet would run as a formula (a name
// starting with "=" typed by an employee or an association).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportCSV writes a campaign's participations as CSV (ExportFilter).
func (s *Service) ExportCSV(ctx context.Context, campaignID uuid.UUID, f ExportFilter, w io.Writer, words ExportWords) error {
	return WriteCSVIn(ctx, s.st.Figures, campaignID, f, w, words)
}

// Figures returns the figures of a campaign of the company.
func (s *Service) Figures(ctx context.Context, id uuid.UUID) (*Figures, error) {
	_, f, err := s.figures(ctx, id)
	return f, err
}

// figures reads a campaign and its figures, completed.
func (s *Service) figures(ctx context.Context, id uuid.UUID) (*Campaign, *Figures, error) {
	c, err := s.Get(ctx, Viewer{HRAdmin: true}, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.st.Figures.Figures(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	f.Complete(c)
	return c, f, nil
}
