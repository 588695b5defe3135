package documents_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/documents"
	"github.com/vendredi-app/vendredi/internal/documents/pdftest"
	"github.com/vendredi-app/vendredi/internal/mecenat"
)

// A receipt's PDF is text a reader finds, in the document's language,
// with the title set, and the figures as the receipt holds them.
func TestReceiptPDFIsSearchableText(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	confirmed := day("2025-12-10")
	r := &mecenat.Receipt{ID: uuid.New(), Year: 2025, Donor: "Initech", Association: "Les Restos du cœur", LegalID: "W751234567",
		PeriodFrom: day("2025-03-03"), PeriodTo: day("2025-04-01"), Hours: 5875, Value: 1_235_500, People: 3,
		Status: mecenat.ReceiptConfirmed, DecidedAt: &confirmed,
		Lines: []mecenat.ReceiptLine{{WorkedOn: day("2025-03-03"), MemberName: "Łukasz Żółć", MissionTitle: "Tenir la comptabilité", Hours: 2400}}}
	for lang, want := range map[string][]string{
		"fr": {"Mécénat de compétences 2025", "Initech", "Les Restos du cœur (W751234567)", "03/03/2025 – 01/04/2025",
			"58,75 h", "12 355,00 €", "Confirmé par l'association le 10/12/2025", "Łukasz Żółć", "Cerfa n° 16216"},
		"en": {"Skills-based giving 2025", "58.75 h", "€12,355.00", "Confirmed by the association on 10 December 2025"},
	} {
		pdf, err := documents.Receipt(r, lang, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		text := pdftest.Text(t, pdf)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the PDF's text lacks %q:\n%s", lang, w, text)
			}
		}
		if info := pdftest.Info(t, pdf); !strings.Contains(info["Title"], "2025") || info["Author"] != "Initech" {
			t.Errorf("%s: title %q author %q", lang, info["Title"], info["Author"])
		}
		if got := pdftest.Lang(pdf); got != map[string]string{"fr": "fr-FR", "en": "en-GB"}[lang] {
			t.Errorf("%s: /Lang %q", lang, got)
		}
	}
}
