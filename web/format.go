package web

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The one way pages write numbers and dates, in the reader's language:
// templates call num, date and datetime, handlers Number, Date and
// DateTime, so that "4,5 h" on one page is never "4.5 h" on the next.

// Number is v to one decimal at most, as lang writes it: "1 234,5" in
// French (a narrow no-break space between thousands), "1,234.5" in
// English.
func Number(lang string, v float64) string {
	neg := v < 0
	tenths := int64(math.Round(math.Abs(v) * 10))
	whole, frac := tenths/10, tenths%10
	sep, dec := "\u202f", ","
	if lang == "en" {
		sep, dec = ",", "."
	}
	digits := strconv.FormatInt(whole, 10)
	var b strings.Builder
	if neg && tenths != 0 {
		b.WriteByte('-')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	if frac != 0 {
		b.WriteString(dec + strconv.FormatInt(frac, 10))
	}
	return b.String()
}

// number is Number for a template's value of any numeric kind; a nil
// pointer is empty. Another kind is a template's mistake, which the page
// tests catch, rather than an empty cell a person would puzzle over.
func number(lang string, v any) (string, error) {
	switch x := v.(type) {
	case float64:
		return Number(lang, x), nil
	case *float64:
		if x == nil {
			return "", nil
		}
		return Number(lang, *x), nil
	case float32:
		return Number(lang, float64(x)), nil
	case int:
		return Number(lang, float64(x)), nil
	case *int:
		if x == nil {
			return "", nil
		}
		return Number(lang, float64(*x)), nil
	case int64:
		return Number(lang, float64(x)), nil
	}
	return "", fmt.Errorf("num: %T is not a number", v)
}

// Date is a day as lang writes it: 17/03/2020, 17 Mar 2020.
func Date(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

// DateTime is an instant to the minute as lang writes it, in t's zone:
// 17/03/2020 09:05, 17 Mar 2020, 09:05.
func DateTime(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 Jan 2006, 15:04")
	}
	return t.Format("02/01/2006 15:04")
}

// timeOf is a template's time value, nil for a nil pointer; another kind
// is a template's mistake.
func timeOf(v any) (*time.Time, error) {
	if rv := reflect.ValueOf(v); !rv.IsValid() || rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	switch x := v.(type) {
	case time.Time:
		return &x, nil
	case *time.Time:
		return x, nil
	case interface{ Round(time.Duration) time.Time }:
		// A type embedding time.Time (campaign.Day): Round(0) is the
		// time itself, in its own zone.
		t := x.Round(0)
		return &t, nil
	}
	return nil, fmt.Errorf("date: %T is not a time", v)
}

// Singular says whether lang says n things in the singular: French for 0
// and 1 ("0 étape restante"), English for 1 only ("0 steps left").
func Singular(lang string, n int) bool {
	if lang == "en" {
		return n == 1
	}
	return n == 0 || n == 1
}

// count is a template's count of any integer kind.
func count(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case int32:
		return int(x), nil
	case *int:
		if x != nil {
			return *x, nil
		}
	case string: // a count carried in the address (?approved=3)
		if n, err := strconv.Atoi(x); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("tn: %T %v is not a count", v, v)
}
