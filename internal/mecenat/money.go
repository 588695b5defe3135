// Package mecenat turns the hours employees give on paid working time into
// what French tax law calls a gift in kind (mécénat de compétences, CGI
// article 238 bis): their value at cost to the company, capped per employee
// and month, the year's tax reduction with its tiers, ceiling and
// carry-over, and whether the company must list its beneficiaries (form
// 2069-RCI).
//
// Every figure of the law (the social security ceiling, rates, thresholds)
// comes in as dated reference data (Reference), never as a constant here:
// the rules are pure functions of the hours, the costs and that data, so
// that the tests can check each figure by hand.
package mecenat

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Cents is an amount of money in euro cents: never a float.
type Cents int64

// Centihours are hundredths of an hour, the unit hour_logs.hours is kept
// in (numeric(5, 2)): 1.25 h is 125, exactly.
type Centihours int64

// mulDiv is a × b / d rounded half away from zero, in integers.
func mulDiv(a, b, d int64) int64 {
	n := a * b
	if n < 0 {
		return -((-n + d/2) / d)
	}
	return (n + d/2) / d
}

// ApplyBP is c × bp / 10 000 (a rate in basis points), rounded to the cent.
func (c Cents) ApplyBP(bp int) Cents { return Cents(mulDiv(int64(c), int64(bp), 10000)) }

// Euros are the amount in whole euros and cents for people: "12 345,67 €"
// in French, "€12,345.67" in English.
func (c Cents) Format(lang string) string {
	neg := c < 0
	if neg {
		c = -c
	}
	whole, frac := int64(c)/100, int64(c)%100
	sep, dec := "\u202f", ","
	if lang == "en" {
		sep, dec = ",", "."
	}
	s := group(whole, sep) + dec + fmt.Sprintf("%02d", frac)
	if lang == "en" {
		s = "€" + s
	} else {
		s += "\u00a0€"
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Plain is the amount as a decimal number for CSV and JSON readers:
// "12345.67".
func (c Cents) Plain() string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(c)/100, int64(c)%100)
}

func group(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Format is the hours for people: "12,5" in French, "12.5" in English,
// without trailing zeros.
func (h Centihours) Format(lang string) string {
	s := h.Plain()
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Plain is the hours as a decimal number: "12.5".
func (h Centihours) Plain() string {
	sign := ""
	if h < 0 {
		sign, h = "-", -h
	}
	s := fmt.Sprintf("%s%d.%02d", sign, int64(h)/100, int64(h)%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// ParseCents reads an amount in euros as people type it: "45", "45.5",
// "45,50", "1 234,56", "1234.56 €". field names the input in the error.
func ParseCents(field, s string) (Cents, error) {
	t := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "€", "").Replace(strings.TrimSpace(s))
	t = strings.Replace(t, ",", ".", 1)
	whole, frac, hasFrac := strings.Cut(t, ".")
	if whole == "" || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, errs.Field(field, "%q is not an amount in euros such as 45.50", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e13 {
		return 0, errs.Field(field, "%q is not an amount in euros such as 45.50", s)
	}
	var f int64
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, errs.Field(field, "%q is not an amount in euros such as 45.50", s)
		}
	}
	return Cents(w*100 + f), nil
}

// Percent is a rate in basis points for people: "60 %", "0,5 %" in French;
// "60%", "0.5%" in English.
func Percent(bp int, lang string) string {
	s := Centihours(bp).Plain() // the same two decimals
	if lang == "en" {
		return s + "%"
	}
	return strings.Replace(s, ".", ",", 1) + "\u00a0%"
}
