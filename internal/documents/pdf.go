// Package documents writes Vendredi's PDF documents (the facts of a
// mécénat receipt, an employee's certificate of engagement, campaign and
// yearly reports) with real, searchable text in an embedded Unicode font,
// the document's language and title set, so that screen readers and
// pdftotext read them as people do. The words come from the i18n files
// (web.Phrases); the figures from the services, the same as the pages'.
package documents

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Doc is a PDF being written, one A4 column.
type Doc struct {
	pdf  *fpdf.Fpdf
	lang string
	// accent is the company's colour (headings, bars), #rrggbb.
	accent [3]int
}

const font = "go"

// New starts a document in lang with its title, by author (the company or
// Vendredi), in the accent colour (#rrggbb; Vendredi's when empty).
func New(lang, title, author, accent string, at time.Time) *Doc {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes(font, "", goregular.TTF)
	p.AddUTF8FontFromBytes(font, "B", gobold.TTF)
	p.SetTitle(title, true)
	p.SetAuthor(author, true)
	p.SetCreator("Vendredi", true)
	p.SetSubject(title, true)
	tag := "fr-FR"
	if lang == "en" {
		tag = "en-GB"
	}
	p.SetLang(tag)
	p.SetCreationDate(at)
	p.SetModificationDate(at)
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 18)
	d := &Doc{pdf: p, lang: lang, accent: rgb(accent)}
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont(font, "", 8)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(150, 5, clean(title), "", 0, "L", false, 0, "")
		p.CellFormat(0, 5, strconv.Itoa(p.PageNo()), "", 0, "R", false, 0, "")
	})
	p.AddPage()
	return d
}

// rgb reads #rrggbb; Vendredi's green otherwise.
func rgb(hex string) [3]int {
	out := [3]int{0x1a, 0x6b, 0x4f}
	if len(hex) != 7 || hex[0] != '#' {
		return out
	}
	for i := range 3 {
		var v int
		for _, c := range hex[1+2*i : 3+2*i] {
			v *= 16
			switch {
			case c >= '0' && c <= '9':
				v += int(c - '0')
			case c >= 'a' && c <= 'f':
				v += int(c-'a') + 10
			case c >= 'A' && c <= 'F':
				v += int(c-'A') + 10
			default:
				return [3]int{0x1a, 0x6b, 0x4f}
			}
		}
		out[i] = v
	}
	return out
}

// clean keeps text the embedded font can draw: the narrow no-break space
// of French numbers becomes a no-break space.
func clean(s string) string { return strings.ReplaceAll(s, "\u202f", "\u00a0") }

// Title writes the document's heading.
func (d *Doc) Title(s string) {
	d.pdf.SetFont(font, "B", 18)
	d.pdf.SetTextColor(d.accent[0], d.accent[1], d.accent[2])
	d.pdf.MultiCell(0, 9, clean(s), "", "L", false)
	d.pdf.Ln(2)
}

// Heading writes a section's heading.
func (d *Doc) Heading(s string) {
	d.pdf.Ln(3)
	d.pdf.SetFont(font, "B", 13)
	d.pdf.SetTextColor(d.accent[0], d.accent[1], d.accent[2])
	d.pdf.MultiCell(0, 7, clean(s), "", "L", false)
	d.pdf.Ln(1)
}

// Para writes a paragraph.
func (d *Doc) Para(s string) {
	d.pdf.SetFont(font, "", 10)
	d.pdf.SetTextColor(20, 20, 20)
	d.pdf.MultiCell(0, 5, clean(s), "", "L", false)
	d.pdf.Ln(1)
}

// Facts writes label: value lines.
func (d *Doc) Facts(facts [][2]string) {
	const labelW = 95
	for _, f := range facts {
		d.pdf.SetFont(font, "B", 10)
		d.pdf.SetTextColor(20, 20, 20)
		if d.pdf.GetStringWidth(clean(f[0])) > labelW-2 {
			// A label too long for its column has a line of its own.
			d.pdf.MultiCell(0, 6, clean(f[0]), "", "L", false)
			d.pdf.SetX(d.pdf.GetX() + labelW)
		} else {
			d.pdf.CellFormat(labelW, 6, clean(f[0]), "", 0, "L", false, 0, "")
		}
		d.pdf.SetFont(font, "", 10)
		d.pdf.MultiCell(0, 6, clean(f[1]), "", "L", false)
	}
	d.pdf.Ln(1)
}

// Table writes a table; widths are in mm and sum to the column's width
// (174 mm) or less. Columns from right on are aligned right (numbers).
func (d *Doc) Table(header []string, rows [][]string, widths []float64, right int) {
	align := func(i int) string {
		if right >= 0 && i >= right {
			return "R"
		}
		return "L"
	}
	head := func() {
		d.pdf.SetFont(font, "B", 9)
		d.pdf.SetFillColor(235, 235, 235)
		d.pdf.SetTextColor(20, 20, 20)
		for i, h := range header {
			d.pdf.CellFormat(widths[i], 6, clean(h), "B", 0, align(i), true, 0, "")
		}
		d.pdf.Ln(-1)
	}
	head()
	d.pdf.SetFont(font, "", 9)
	_, pageH := d.pdf.GetPageSize()
	for _, r := range rows {
		if d.pdf.GetY() > pageH-30 {
			d.pdf.AddPage()
			head()
			d.pdf.SetFont(font, "", 9)
		}
		for i, c := range r {
			text := clean(c)
			// One line a row: a long cell is shortened to its width.
			for d.pdf.GetStringWidth(text) > widths[i]-1 && len([]rune(text)) > 2 {
				rs := []rune(text)
				text = string(rs[:len(rs)-2]) + "…"
			}
			d.pdf.CellFormat(widths[i], 5.5, text, "", 0, align(i), false, 0, "")
		}
		d.pdf.Ln(-1)
	}
	d.pdf.Ln(2)
}

// Bar is one bar of a chart.
type Bar struct {
	Label string
	Value float64
	Text  string // the value as written next to the bar
}

// Bars draws a horizontal bar chart with each bar's label and value as
// text (the chart is drawn; its figures are read).
func (d *Doc) Bars(bars []Bar) {
	top := 0.0
	for _, b := range bars {
		top = max(top, b.Value)
	}
	d.pdf.SetFont(font, "", 9)
	d.pdf.SetTextColor(20, 20, 20)
	for _, b := range bars {
		x, y := d.pdf.GetX(), d.pdf.GetY()
		d.pdf.CellFormat(60, 6, clean(b.Label), "", 0, "L", false, 0, "")
		w := 0.0
		if top > 0 {
			w = 84 * b.Value / top
		}
		d.pdf.SetFillColor(d.accent[0], d.accent[1], d.accent[2])
		if w > 0 {
			d.pdf.Rect(x+60, y+1, w, 4, "F")
		}
		d.pdf.SetX(x + 60 + 86)
		d.pdf.CellFormat(28, 6, clean(b.Text), "", 0, "R", false, 0, "")
		d.pdf.Ln(-1)
	}
	d.pdf.Ln(2)
}

// Bytes finishes the document.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.pdf.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func itoa(n int) string { return strconv.Itoa(n) }
