package privacy

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// PurgeDue and RetentionCutoff, the SQL's form of it, agree: a campaign
// is purged the day after its last day plus the retention, not before.
func TestPurgeDue(t *testing.T) {
	for _, tc := range []struct {
		ends, now string
		months    int
		want      bool
	}{
		{"2025-03-31", "2026-03-31", 12, false},
		{"2025-03-31", "2026-04-01", 12, true},
		{"2025-01-15", "2025-07-15", 6, false},
		{"2025-01-15", "2025-07-16", 6, true},
		{"2025-01-15", "2030-01-01", 0, false}, // no retention: never
		{"2026-01-01", "2025-01-01", 1, false}, // not ended yet
	} {
		now := day(tc.now).Add(15 * time.Hour)
		if got := PurgeDue(day(tc.ends), tc.months, now); got != tc.want {
			t.Errorf("ended %s, %d months, at %s: %v; want %v", tc.ends, tc.months, tc.now, got, tc.want)
		}
		if tc.months > 0 {
			byCutoff := !day(tc.ends).After(RetentionCutoff(tc.months, now))
			if byCutoff != tc.want {
				t.Errorf("cutoff %s for ended %s at %s: %v; PurgeDue says %v", RetentionCutoff(tc.months, now).Format(time.DateOnly),
					tc.ends, tc.now, byCutoff, tc.want)
			}
		}
	}
}

func TestSettingsCheck(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		months *int
		ok     bool
	}{{nil, true}, {n(1), true}, {n(240), true}, {n(0), false}, {n(241), false}, {n(-3), false}} {
		if err := (Settings{RetentionMonths: tc.months}).Check(); (err == nil) != tc.ok {
			t.Errorf("%v: %v", tc.months, err)
		}
	}
}

func TestConfirmed(t *testing.T) {
	for _, tc := range []struct {
		typed, email string
		want         bool
	}{{"zoe@acme.example", "zoe@acme.example", true}, {" ZOE@acme.example ", "zoe@acme.example", true},
		{"zoe@acme.exampl", "zoe@acme.example", false}, {"", "", false}, {"x", "", false}} {
		if got := Confirmed(tc.typed, tc.email); got != tc.want {
			t.Errorf("%q for %q: %v", tc.typed, tc.email, got)
		}
	}
}
