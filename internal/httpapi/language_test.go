package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"
)

// The reasons of an invitation file's report are in the page's language,
// never the English of the API: a bad address, a line given twice, a
// line that is not CSV.
func TestImportReportSpeaksThePagesLanguage(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	file := "email,name\nnot-an-email,Nobody\nann@initech.example,Ann\nann@initech.example,Ann again\n\"broken,Quote\n"
	for lang, c := range map[string]struct{ want, notWant []string }{
		"fr": {want: []string{`"not-an-email" n'est pas une adresse e-mail`, "déjà plus haut dans le fichier", "n'est pas du CSV valide"},
			notWant: []string{"is not an email address", "already earlier", "not valid CSV"}},
		"en": {want: []string{`"not-an-email" is not an email address`, "already earlier in the file", "not valid CSV"},
			notWant: []string{"adresse e-mail", "plus haut"}},
	} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, _ := mw.CreateFormFile("file", "people.csv")
		_, _ = part.Write([]byte(strings.ReplaceAll(file, "ann@", lang+"-ann@")))
		_ = mw.Close()
		admin := w.admin
		admin.lang, admin.unescape = lang, true
		_, page := admin.upload("/admin/invitations/import", &body, mw.FormDataContentType())
		for _, s := range c.want {
			if !strings.Contains(page, s) {
				t.Errorf("%s: the report does not say %q:\n%s", lang, s, page)
			}
		}
		for _, s := range c.notWant {
			if strings.Contains(page, s) {
				t.Errorf("%s: the report says %q, in the other language", lang, s)
			}
		}
	}
}
