package documents

import (
	"strconv"
	"strings"
	"time"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/web"
)

// hoursIn writes hours as the pages do: "12,5" in French.
func hoursIn(lang string, h float64) string {
	s := strconv.FormatFloat(h, 'f', -1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func percentIn(lang string, ratio float64) string {
	return mecenat.Percent(int(ratio*10000+0.5), lang)
}

// CampaignReport writes a campaign's report: its figures against its
// goals, charts, the breakdown by department and site, the associations
// helped, the causes and the vital missions. causes maps a cause's code to
// its label in lang.
func CampaignReport(r *campaign.Report, company, accent, lang string, causes map[string]string, at time.Time) ([]byte, error) {
	t := web.Phrases(lang)
	f, c := r.Figures, r.Campaign
	title := t("doc.report.title", c.Name)
	d := New(lang, title, company, accent, at)
	d.Title(title)
	d.Para(company + " · " + dateIn(lang, c.StartsOn) + " – " + dateIn(lang, c.EndsOn))
	d.Heading(t("doc.report.figures"))
	d.Facts([][2]string{
		{t("doc.report.invited"), strconv.Itoa(f.Invited)},
		{t("doc.report.participants"), strconv.Itoa(f.Participants)},
		{t("doc.report.rate"), percentIn(lang, f.ParticipationRate)},
		{t("doc.report.hours_approved"), hoursIn(lang, f.HoursApproved) + " h"},
		{t("doc.report.hours_logged"), hoursIn(lang, f.HoursLogged) + " h"},
		{t("doc.report.missions"), strconv.Itoa(f.MissionsHelped)},
		{t("doc.report.associations"), strconv.Itoa(f.AssociationsHelped)},
		{t("doc.report.redirects"), strconv.Itoa(f.Redirects)},
	})
	if f.Goals.Participants != nil || f.Goals.Hours != nil {
		d.Heading(t("doc.report.goals"))
		var bars []Bar
		if g := f.Goals.Participants; g != nil {
			bars = append(bars, Bar{Label: t("doc.report.goal_participants", hoursIn(lang, g.Goal)), Value: g.Ratio, Text: percentIn(lang, g.Ratio)})
		}
		if g := f.Goals.Hours; g != nil {
			bars = append(bars, Bar{Label: t("doc.report.goal_hours", hoursIn(lang, g.Goal)), Value: g.Ratio, Text: percentIn(lang, g.Ratio)})
		}
		d.Bars(bars)
	}
	unnamed := t("doc.report.unnamed")
	slices := func(heading string, ss []campaign.Slice) {
		if len(ss) == 0 {
			return
		}
		d.Heading(heading)
		bars := make([]Bar, len(ss))
		for i, s := range ss {
			label := s.Label
			if label == "" {
				label = unnamed
			}
			bars[i] = Bar{Label: label + " (" + strconv.Itoa(s.People) + ")", Value: s.Hours, Text: hoursIn(lang, s.Hours) + " h"}
		}
		d.Bars(bars)
	}
	slices(t("doc.report.by_department"), r.Breakdown.ByDepartment)
	slices(t("doc.report.by_site"), r.Breakdown.BySite)
	slices(t("doc.report.by_association"), r.Breakdown.ByAssociation)
	if len(f.HoursByCause) > 0 {
		d.Heading(t("doc.report.causes"))
		bars := make([]Bar, len(f.HoursByCause))
		for i, h := range f.HoursByCause {
			label := causes[h.Cause]
			if label == "" {
				label = unnamed
			}
			bars[i] = Bar{Label: label, Value: h.HoursApproved, Text: hoursIn(lang, h.HoursApproved) + " h"}
		}
		d.Bars(bars)
	}
	if len(r.Breakdown.Vital) > 0 {
		d.Heading(t("doc.report.vital"))
		rows := make([][]string, len(r.Breakdown.Vital))
		for i, v := range r.Breakdown.Vital {
			rows[i] = []string{v.Label, strconv.Itoa(v.Clicks)}
		}
		d.Table([]string{t("doc.report.vital_mission"), t("doc.report.clicks")}, rows, []float64{134, 40}, 1)
	}
	if len(f.Skills) > 0 {
		d.Heading(t("doc.report.skills"))
		rows := make([][]string, 0, 15)
		for i, s := range f.Skills {
			if i == 15 {
				break
			}
			rows = append(rows, []string{s.Skill, strconv.Itoa(s.Participants)})
		}
		d.Table([]string{t("doc.report.skill"), t("doc.report.participants")}, rows, []float64{134, 40}, 1)
	}
	d.Para(t("doc.report.issued", dateIn(lang, at)))
	return d.Bytes()
}
