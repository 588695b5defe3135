package mecenat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mecenat"
)

// refs are the law's figures as seeded (migration 20261201000020): monthly
// PASS per year, 3 × PASS cap, 60 % / 40 % above 2 M€, max(20 000 €, 5 ‰),
// five years of carry-over, form 2069-RCI above 10 000 €.
func refs() mecenat.References {
	pass := map[int]mecenat.Cents{2020: 342800, 2021: 342800, 2022: 342800, 2023: 366600, 2024: 386400, 2025: 392500, 2026: 400500}
	var rows []mecenat.Reference
	for y, p := range pass {
		rows = append(rows, mecenat.Reference{Year: y, PassMonthly: p, CapPassMultiple: 3, RateBP: 6000, UpperRateBP: 4000,
			UpperTier: 200_000_000, Floor: 2_000_000, TurnoverBP: 50, CarryYears: 5, BeneficiaryList: 1_000_000})
	}
	return mecenat.NewReferences(rows)
}

func cents(c mecenat.Cents) *mecenat.Cents { return &c }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	alice = uuid.MustParse("00000000-0000-7000-8000-00000000000a")
	bob   = uuid.MustParse("00000000-0000-7000-8000-00000000000b")
)

// line is approved hours on working time; n orders a person's lines of one day.
func line(member uuid.UUID, n int, worked string, centihours mecenat.Centihours, own *mecenat.Cents) mecenat.Line {
	return mecenat.Line{HourLogID: uuid.MustParse("00000000-0000-7000-8000-0000000001" + string(rune('0'+n/10)) + string(rune('0'+n%10))),
		MemberID: member, WorkedOn: day(worked), Hours: centihours, WorkTime: true, OwnCost: own}
}

func TestValuation(t *testing.T) {
	t.Parallel()
	type want struct {
		cost, valued mecenat.Cents
		capped       bool
		source       string
	}
	freeTime := line(alice, 1, "2024-03-04", 800, cents(5000))
	freeTime.WorkTime = false
	disputed := line(alice, 1, "2024-03-02", 2400, cents(25000))
	disputed.Disputed = true
	band := line(bob, 1, "2024-03-02", 700, nil)
	band.BandCost, band.DefaultCost = cents(4200), cents(3500)
	dflt := line(bob, 2, "2024-03-03", 700, nil)
	dflt.DefaultCost = cents(3500)
	tests := []struct {
		name  string
		lines []mecenat.Line
		want  []want // in the order Value sorts: person, day, entry
	}{
		{
			// 2024: PASS 3 864 €, cap 3 × 3 864 = 11 592 €. At 250 €/h,
			// 24 h on 2 March cost 6 000 €; 24 h on 3 March another
			// 6 000 €, of which 11 592 − 6 000 = 5 592 € count. April
			// starts a new month: its 6 000 € count whole.
			name: "cap reached",
			lines: []mecenat.Line{line(alice, 2, "2024-03-03", 2400, cents(25000)), line(alice, 1, "2024-03-02", 2400, cents(25000)),
				line(alice, 3, "2024-04-01", 2400, cents(25000))},
			want: []want{{600000, 600000, false, mecenat.CostOwn}, {600000, 559200, true, mecenat.CostOwn}, {600000, 600000, false, mecenat.CostOwn}},
		},
		{
			// The cap is per person: Bob's 2 × 6 000 € in the same month
			// are his own 11 592 €, untouched by Alice's.
			name: "cap per person",
			lines: []mecenat.Line{line(alice, 1, "2024-03-02", 2400, cents(25000)), line(alice, 2, "2024-03-03", 2400, cents(25000)),
				line(bob, 3, "2024-03-02", 2400, cents(25000))},
			want: []want{{600000, 600000, false, mecenat.CostOwn}, {600000, 559200, true, mecenat.CostOwn}, {600000, 600000, false, mecenat.CostOwn}},
		},
		{
			// 1.25 h at 33.33 €/h = 41.6625 € → 41.66 €; 0.5 h at
			// 45.55 €/h = 22.775 € → 22.78 € (half up).
			name:  "hours in hundredths, to the cent",
			lines: []mecenat.Line{line(alice, 1, "2024-05-02", 125, cents(3333)), line(alice, 2, "2024-05-03", 50, cents(4555))},
			want:  []want{{4166, 4166, false, mecenat.CostOwn}, {2278, 2278, false, mecenat.CostOwn}},
		},
		{
			// Free time: 8 h at 50 € cost 400 € but are volunteering,
			// not a gift.
			name:  "a free-time campaign",
			lines: []mecenat.Line{freeTime},
			want:  []want{{40000, 0, false, mecenat.CostOwn}},
		},
		{
			// The disputed 24 h (6 000 €) count for nothing and leave
			// the month's cap whole: the next 24 h count 6 000 €.
			name:  "a disputed line",
			lines: []mecenat.Line{disputed, line(alice, 2, "2024-03-03", 2400, cents(25000))},
			want:  []want{{600000, 0, false, mecenat.CostOwn}, {600000, 600000, false, mecenat.CostOwn}},
		},
		{
			// Band 42 € before default 35 €: 7 h = 294 €; without a band
			// the default: 7 h × 35 € = 245 €; with nothing, not valued.
			name:  "band, default, none",
			lines: []mecenat.Line{band, dflt, line(bob, 3, "2024-03-04", 700, nil)},
			want:  []want{{29400, 29400, false, mecenat.CostBand}, {24500, 24500, false, mecenat.CostDefault}, {0, 0, false, mecenat.CostNone}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := mecenat.Value(tc.lines, refs()); err != nil {
				t.Fatal(err)
			}
			for i, w := range tc.want {
				l := tc.lines[i]
				if l.Cost != w.cost || l.Valued != w.valued || l.Capped != w.capped || l.CostSource != w.source {
					t.Errorf("line %d (%s): cost %d valued %d capped %v source %s; want %+v", i, l.WorkedOn.Format(time.DateOnly),
						l.Cost, l.Valued, l.Capped, l.CostSource, w)
				}
			}
		})
	}
	t.Run("a year without reference figures", func(t *testing.T) {
		err := mecenat.Value([]mecenat.Line{line(alice, 1, "2019-03-02", 100, cents(100))}, refs())
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("2019 has no figures: %v; want a conflict", err)
		}
	})
}

func TestTax(t *testing.T) {
	t.Parallel()
	type want struct {
		ceiling, reduction, fromCarry, carriedIn, carriedOut, expired, aboveTier mecenat.Cents
		listDue                                                                  bool
	}
	tests := []struct {
		name  string
		years []mecenat.YearGifts
		want  []want
	}{
		{
			// Turnover 1 M€: 5 ‰ = 5 000 € < 20 000 €, the floor holds.
			// 15 000 € × 60 % = 9 000 €; 15 000 > 10 000: list due.
			name:  "small company, the 20 000 € floor",
			years: []mecenat.YearGifts{{Year: 2024, Normal: 1_500_000, Turnover: cents(100_000_000)}},
			want:  []want{{ceiling: 2_000_000, reduction: 900_000, listDue: true}},
		},
		{
			// Turnover 10 M€: 5 ‰ = 50 000 € > 20 000 €. 45 000 € all
			// within: 27 000 €.
			name:  "5 ‰ of turnover above 20 000 €",
			years: []mecenat.YearGifts{{Year: 2024, Normal: 4_500_000, Turnover: cents(1_000_000_000)}},
			want:  []want{{ceiling: 5_000_000, reduction: 2_700_000, listDue: true}},
		},
		{
			// Exactly 10 000 €: the list is due only above it. 6 000 €.
			name:  "10 000 € is not above the threshold",
			years: []mecenat.YearGifts{{Year: 2024, Normal: 1_000_000}},
			want:  []want{{ceiling: 2_000_000, reduction: 600_000}},
		},
		{
			// Turnover 1 000 M€: ceiling 5 M€. Normal 2.5 M€: 2 M€ × 60 %
			// = 1 200 000 € and 0.5 M€ × 40 % = 200 000 €; special
			// 100 000 € × 60 % = 60 000 € (outside the tier). Total
			// 1 460 000 €.
			name: "the 2 M€ tier, and the people-in-difficulty 60 %",
			years: []mecenat.YearGifts{{Year: 2025, Normal: 250_000_000, Special: 10_000_000,
				Turnover: cents(100_000_000_000)}},
			want: []want{{ceiling: 500_000_000, reduction: 146_000_000, aboveTier: 50_000_000, listDue: true}},
		},
		{
			// Turnover 2 M€ (5 ‰ = 10 000 €): ceiling 20 000 €.
			// 2024: 30 000 € given, 20 000 € × 60 % = 12 000 €, 10 000 €
			// carried. 2025: 5 000 € given first (3 000 €), then the
			// 10 000 € carried (6 000 €): 9 000 €, nothing left.
			name: "carry-over used the next year",
			years: []mecenat.YearGifts{{Year: 2024, Normal: 3_000_000, Turnover: cents(200_000_000)},
				{Year: 2025, Normal: 500_000, Turnover: cents(200_000_000)}},
			want: []want{{ceiling: 2_000_000, reduction: 1_200_000, carriedOut: 1_000_000, listDue: true},
				{ceiling: 2_000_000, reduction: 900_000, fromCarry: 600_000, carriedIn: 1_000_000}},
		},
		{
			// 2020: 50 000 € without turnover: 20 000 € (12 000 €),
			// 30 000 € carried until 2025. 2021-2025 each fill their
			// 20 000 € with their own gifts: the carry waits. 2026: it
			// lapsed at the end of 2025.
			name: "carry-over lapses after five years",
			years: []mecenat.YearGifts{{Year: 2020, Normal: 5_000_000}, {Year: 2021, Normal: 2_000_000}, {Year: 2022, Normal: 2_000_000},
				{Year: 2023, Normal: 2_000_000}, {Year: 2024, Normal: 2_000_000}, {Year: 2025, Normal: 2_000_000}, {Year: 2026}},
			want: []want{{ceiling: 2_000_000, reduction: 1_200_000, carriedOut: 3_000_000, listDue: true},
				{ceiling: 2_000_000, reduction: 1_200_000, carriedIn: 3_000_000, carriedOut: 3_000_000, listDue: true},
				{ceiling: 2_000_000, reduction: 1_200_000, carriedIn: 3_000_000, carriedOut: 3_000_000, listDue: true},
				{ceiling: 2_000_000, reduction: 1_200_000, carriedIn: 3_000_000, carriedOut: 3_000_000, listDue: true},
				{ceiling: 2_000_000, reduction: 1_200_000, carriedIn: 3_000_000, carriedOut: 3_000_000, listDue: true},
				{ceiling: 2_000_000, reduction: 1_200_000, carriedIn: 3_000_000, carriedOut: 3_000_000, listDue: true},
				{ceiling: 2_000_000, expired: 3_000_000}},
		},
		{
			// Ceiling 20 000 €: special 15 000 € goes first at 60 %
			// (9 000 €), then 5 000 € of the normal 10 000 € (3 000 €):
			// 12 000 €; 5 000 € carried at 60 %. 2025 (no gifts) uses it:
			// 3 000 €.
			name: "the ceiling takes the highest rate first; carry keeps its rate",
			years: []mecenat.YearGifts{{Year: 2024, Normal: 1_000_000, Special: 1_500_000},
				{Year: 2025}},
			want: []want{{ceiling: 2_000_000, reduction: 1_200_000, carriedOut: 500_000, listDue: true},
				{ceiling: 2_000_000, reduction: 300_000, fromCarry: 300_000, carriedIn: 500_000}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mecenat.Tax(tc.years, refs())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d years; want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				have := want{g.Ceiling, g.Reduction, g.FromCarry, g.CarriedIn, g.CarriedOut, g.Expired, g.AboveTier, g.ListDue}
				if have != w {
					t.Errorf("%d:\n have %+v\n want %+v", g.Year, have, w)
				}
			}
		})
	}
}

func TestSummariseTracesEveryFigureToItsLines(t *testing.T) {
	t.Parallel()
	asso := uuid.New()
	ls := []mecenat.Line{line(alice, 1, "2024-03-02", 2400, cents(25000)), line(alice, 2, "2024-03-03", 2400, cents(25000)),
		line(bob, 3, "2024-06-01", 150, cents(4000))}
	free := line(bob, 4, "2024-06-02", 300, cents(4000))
	free.WorkTime = false
	ls = append(ls, free)
	for i := range ls {
		ls[i].AssociationID, ls[i].Association, ls[i].LegalID = asso, "Les Restos; du cœur", "W751234567"
	}
	if err := mecenat.Value(ls, refs()); err != nil {
		t.Fatal(err)
	}
	f := mecenat.Summarise(2024, ls)
	// 6 000 + 5 592 + 1.5 h × 40 € = 60 € → 11 652 €; cost 12 060 €.
	if f.Valued != 1_165_200 || f.Cost != 1_206_000 || f.CapCut != 40_800 || f.WorkHours != 4950 || f.FreeHours != 300 || f.People != 2 {
		t.Fatalf("figures %+v", f)
	}
	var sum mecenat.Cents
	for _, l := range ls {
		sum += l.Valued
	}
	if len(f.Associations) != 1 || f.Associations[0].Valued != sum {
		t.Fatalf("the association's gift %+v is not the sum of its lines %d", f.Associations, sum)
	}
	list := f.BeneficiaryList()
	if !strings.Contains(list, "Les Restos, du cœur;W751234567;mécénat de compétences (49.5 h);11652.00;2024-03-02 au 2024-06-02") {
		t.Fatalf("beneficiary list:\n%s", list)
	}
}

func TestMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c      mecenat.Cents
		fr, en string
	}{{123456789, "1\u202f234\u202f567,89\u00a0€", "€1,234,567.89"}, {5, "0,05\u00a0€", "€0.05"}} {
		if got := tc.c.Format("fr"); got != tc.fr {
			t.Errorf("%d in French: %q; want %q", tc.c, got, tc.fr)
		}
		if got := tc.c.Format("en"); got != tc.en {
			t.Errorf("%d in English: %q; want %q", tc.c, got, tc.en)
		}
	}
	for in, want := range map[string]mecenat.Cents{"45": 4500, "45,5": 4550, "1 234,56 €": 123456, "0.05": 5} {
		if got, err := mecenat.ParseCents("x", in); err != nil || got != want {
			t.Errorf("ParseCents(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "4.567", "-3", "1,2,3"} {
		if _, err := mecenat.ParseCents("hourly_cost", in); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseCents(%q): %v; want invalid", in, err)
		}
	}
}

func TestParseCosts(t *testing.T) {
	t.Parallel()
	rows, bad, err := mecenat.ParseCosts(strings.NewReader("\ufeffemail;coût horaire;tranche\nA@x.fr;45,50;\nb@x.fr;;Cadres\nc@x.fr;;\nd@x.fr;zéro;\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Email != "a@x.fr" || *rows[0].Hourly != 4550 || rows[1].Band != "Cadres" {
		t.Fatalf("rows %+v", rows)
	}
	if len(bad) != 2 || bad[0].Line != 4 || bad[0].Reason != mecenat.ReasonCostOrBand || bad[1].Reason != mecenat.ReasonBadCost {
		t.Fatalf("rejected %+v", bad)
	}
	if _, _, err := mecenat.ParseCosts(strings.NewReader("name,cost\n")); !errs.Is(err, errs.Invalid) {
		t.Fatalf("no email column: %v", err)
	}
}
