package documents

import (
	"time"

	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/web"
)

// dateIn writes a date as people of lang read it.
func dateIn(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("02/01/2006")
}

// Receipt writes the facts of a mécénat receipt as the association
// confirmed them: donor, beneficiary, period, nature of the gift, hours,
// value as stated by the company, and the lines. It says plainly that the
// association, not Vendredi, issues the legal receipt.
func Receipt(r *mecenat.Receipt, lang string, at time.Time) ([]byte, error) {
	t := web.Phrases(lang)
	title := t("doc.receipt.title", r.Year)
	d := New(lang, title, r.Donor, "", at)
	d.Title(title)
	d.Para(t("doc.receipt.lead"))
	status := t("doc.receipt.status_" + r.Status)
	if r.DecidedAt != nil && r.Status == mecenat.ReceiptConfirmed {
		status = t("doc.receipt.confirmed_on", dateIn(lang, *r.DecidedAt))
	}
	d.Facts([][2]string{
		{t("doc.receipt.donor"), r.Donor},
		{t("doc.receipt.beneficiary"), r.Association + " (" + r.LegalID + ")"},
		{t("doc.receipt.period"), dateIn(lang, r.PeriodFrom) + " – " + dateIn(lang, r.PeriodTo)},
		{t("doc.receipt.nature"), t("doc.receipt.nature_text")},
		{t("doc.receipt.hours"), r.Hours.Format(lang) + " h"},
		{t("doc.receipt.people"), itoa(r.People)},
		{t("doc.receipt.value"), r.Value.Format(lang)},
		{t("doc.receipt.status"), status},
	})
	d.Heading(t("doc.receipt.lines"))
	rows := make([][]string, len(r.Lines))
	for i, l := range r.Lines {
		rows[i] = []string{dateIn(lang, l.WorkedOn), l.MemberName, l.MissionTitle, l.Hours.Format(lang)}
	}
	d.Table([]string{t("doc.receipt.date"), t("doc.receipt.person"), t("doc.receipt.mission"), t("doc.receipt.line_hours")},
		rows, []float64{28, 50, 76, 20}, 3)
	d.Para(t("doc.receipt.cerfa"))
	return d.Bytes()
}
