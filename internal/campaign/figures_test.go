package campaign

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// rowsStore is a FigureStore over rows in memory, to test the CSV writer
// without a database (the PostgreSQL cursor is tested in postgres).
type rowsStore struct {
	rows []ExportRow
	fail error
}

func (s rowsStore) Figures(context.Context, *Campaign) (*Figures, error) { return &Figures{}, nil }

func (s rowsStore) Breakdown(context.Context, uuid.UUID) (*Breakdown, error) {
	return &Breakdown{}, nil
}

func (s rowsStore) EachParticipation(_ context.Context, _ uuid.UUID, _ ExportFilter, fn func(*ExportRow) error) error {
	for i := range s.rows {
		if err := fn(&s.rows[i]); err != nil {
			return err
		}
	}
	return s.fail
}

func TestCSVIsExcelFriendlyAndDefusesFormulas(t *testing.T) {
	t.Parallel()
	at := time.Date(2020, 3, 18, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	store := rowsStore{rows: []ExportRow{
		{Employee: "Zoé Lefèvre", Email: "zoe@acme.example", Department: "R&D, Lyon", Mission: "=SUM(A1)", Association: "@asso",
			Status: Validated, AppliedAt: at, DecidedAt: &at, HoursApproved: 2.5},
		{Employee: "Karim", Mission: "-2", Status: Pending, AppliedAt: at},
	}}
	var b strings.Builder
	if err := WriteCSV(context.Background(), store, uuid.Nil, ExportFilter{}, &b); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffemployee,email,department,site,mission,association,status,applied at,decided at,hours approved\n" +
		`Zoé Lefèvre,zoe@acme.example,"R&D, Lyon",,'=SUM(A1),'@asso,validated,2020-03-18T08:00:00Z,2020-03-18T08:00:00Z,2.5` + "\n" +
		"Karim,,,,'-2,,pending,2020-03-18T08:00:00Z,,0\n"
	if b.String() != want {
		t.Fatalf("csv:\n%q\nwant\n%q", b.String(), want)
	}
	boom := errors.New("connection lost")
	if err := WriteCSV(context.Background(), rowsStore{fail: boom}, uuid.Nil, ExportFilter{}, &b); !errors.Is(err, boom) {
		t.Fatalf("a failing store: %v; want its error", err)
	}
}

func TestExportFiltersNameTheFilter(t *testing.T) {
	t.Parallel()
	if f, err := ParseExportFilter("validated", "2020-03-17", "2020-05-11"); err != nil || f.Status != Validated ||
		f.From.Format(time.DateOnly) != "2020-03-17" || f.To.Format(time.DateOnly) != "2020-05-11" {
		t.Fatalf("good filters: %+v %v", f, err)
	}
	for _, tc := range [][4]string{{"lost", "", "", "status"}, {"", "17/03/2020", "", "from"}, {"", "", "2020-13-01", "to"},
		{"", "2020-05-11", "2020-03-17", "to"}} {
		_, err := ParseExportFilter(tc[0], tc[1], tc[2])
		var e *errs.Error
		if !asErr(err, &e) || e.Field != tc[3] {
			t.Errorf("%v: %v; want an error naming %s", tc, err, tc[3])
		}
	}
}
