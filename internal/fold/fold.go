// Package fold brings text to the form people compare it in: lower case,
// without accents, ligatures spelt out ("Œuvre" and "oeuvre" are one). The
// product compares names, cities and slugs this way.
package fold

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// ligatures are letters that decomposition leaves whole.
var ligatures = strings.NewReplacer("œ", "oe", "æ", "ae", "ß", "ss")

// String folds s: "Société Œuvre" gives "societe oeuvre".
func String(s string) string {
	out, _, _ := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC),
		ligatures.Replace(strings.ToLower(s)))
	return out
}
