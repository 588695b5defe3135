package documents

import (
	"time"

	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/web"
)

// Certificate writes an employee's certificate of engagement, in the
// company's colour: their missions, associations, validated hours and
// dates.
func Certificate(c *mecenat.Certificate, lang, accent string, at time.Time) ([]byte, error) {
	t := web.Phrases(lang)
	title := t("doc.certificate.title")
	d := New(lang, title+" · "+c.Person, c.Company, accent, at)
	d.Title(title)
	d.Para(c.Company)
	if len(c.Engagements) == 0 {
		d.Para(t("doc.certificate.none", c.Person))
		return d.Bytes()
	}
	d.Para(t("doc.certificate.lead", map[string]any{"Company": c.Company, "Person": c.Person, "Hours": c.Hours.Format(lang),
		"Associations": c.Associations, "From": dateIn(lang, c.From), "To": dateIn(lang, c.To)}))
	d.Heading(t("doc.certificate.missions"))
	rows := make([][]string, len(c.Engagements))
	for i, e := range c.Engagements {
		rows[i] = []string{e.MissionTitle, e.Association, dateIn(lang, e.From) + " – " + dateIn(lang, e.To), e.Hours.Format(lang)}
	}
	rows = append(rows, []string{t("doc.certificate.total"), "", "", c.Hours.Format(lang)})
	d.Table([]string{t("doc.certificate.mission"), t("doc.certificate.association"), t("doc.certificate.dates"), t("doc.certificate.hours")},
		rows, []float64{62, 50, 44, 18}, 3)
	d.Para(t("doc.certificate.issued", dateIn(lang, at)))
	return d.Bytes()
}
