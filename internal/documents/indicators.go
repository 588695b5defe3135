package documents

import (
	"strconv"
	"time"

	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/web"
)

// Indicators writes a year's social indicators, ready to paste into a
// sustainability report. causes maps a cause's code to its label in lang.
func Indicators(in *mecenat.Indicators, company, accent, lang string, causes map[string]string, at time.Time) ([]byte, error) {
	t := web.Phrases(lang)
	title := t("doc.indicators.title", in.Year)
	d := New(lang, title, company, accent, at)
	d.Title(title)
	d.Para(company)
	d.Para(t("doc.indicators.lead"))
	d.Facts([][2]string{
		{t("doc.indicators.hours"), in.Hours.Format(lang) + " h"},
		{t("doc.indicators.work_hours"), in.WorkHours.Format(lang) + " h"},
		{t("doc.indicators.free_hours"), in.FreeHours.Format(lang) + " h"},
		{t("doc.indicators.people"), strconv.Itoa(in.People)},
		{t("doc.indicators.share"), mecenat.Percent(in.ShareBP, lang) + " (" + strconv.Itoa(in.People) + " / " + strconv.Itoa(in.Employees) + ")"},
		{t("doc.indicators.associations"), strconv.Itoa(in.Associations)},
		{t("doc.indicators.value"), in.Value.Format(lang)},
		{t("doc.indicators.reduction"), in.Reduction.Format(lang)},
	})
	if len(in.Causes) > 0 {
		d.Heading(t("doc.indicators.causes"))
		bars := make([]Bar, len(in.Causes))
		for i, c := range in.Causes {
			label := causes[c.Cause]
			if label == "" {
				label = t("doc.report.unnamed")
			}
			bars[i] = Bar{Label: label, Value: float64(c.Hours), Text: c.Hours.Format(lang) + " h"}
		}
		d.Bars(bars)
	}
	d.Para(t("doc.indicators.method"))
	return d.Bytes()
}
