package identity

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Outcomes of a line of an invitation file.
const (
	LineInvited  = "invited"
	LineSkipped  = "skipped"
	LineRejected = "rejected"
)

// ImportLine is what became of one line of the file.
type ImportLine struct {
	Line    int    `json:"line"`
	Email   string `json:"email"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	// Cause is the reason as an error, which pages word in their
	// language; Reason is its English.
	Cause error `json:"-"`
}

// ImportReport sums up an invitation file.
type ImportReport struct {
	Invited  int          `json:"invited"`
	Skipped  int          `json:"skipped"`
	Rejected int          `json:"rejected"`
	Lines    []ImportLine `json:"lines"`
}

// MaxImportLines bounds one file; bigger companies split theirs.
const MaxImportLines = 5000

// ImportInvitations invites the people of a CSV file with a header line
// naming its columns: email (required), name, department, site, role.
// Each line is applied whole or not at all; the report says per line what
// was invited, skipped (already there) or rejected, and why.
func (s *Service) ImportInvitations(ctx context.Context, actor *Principal, r io.Reader, c Client) (*ImportReport, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, errs.Field("file", "the file is empty or is not CSV")
	}
	cols := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch name {
		case "email", "e-mail", "mail", "courriel":
			name = "email"
		case "name", "full_name", "nom", "nom complet":
			name = "name"
		case "department", "service", "département":
			name = "department"
		case "site", "location":
			name = "site"
		case "role", "rôle":
			name = "role"
		}
		cols[name] = i
	}
	if _, ok := cols["email"]; !ok {
		return nil, errs.Field("file", "the first line must name the columns, with at least an email column (email,name,department,site)")
	}
	field := func(rec []string, name string) string {
		if i, ok := cols[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	rep := &ImportReport{}
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if line-1 > MaxImportLines {
			return nil, errs.Field("file", "the file has more than %d lines; split it", MaxImportLines)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			bad := errs.Wrap(pe.Err, errs.Invalid, "this line is not valid CSV: check its quotes")
			rep.add(ImportLine{Line: line, Outcome: LineRejected, Reason: bad.Message, Cause: bad})
			continue
		}
		if err != nil {
			return nil, err
		}
		in := InviteInput{Email: field(rec, "email"), FullName: field(rec, "name"),
			Department: field(rec, "department"), Site: field(rec, "site"), Role: field(rec, "role")}
		if strings.Join(rec, "") == "" {
			continue
		}
		key := strings.ToLower(in.Email)
		if seen[key] {
			again := errs.E(errs.Conflict, "already earlier in the file")
			rep.add(ImportLine{Line: line, Email: in.Email, Outcome: LineSkipped, Reason: again.Message, Cause: again})
			continue
		}
		seen[key] = true
		p, err := s.Invite(ctx, actor, in, c)
		switch {
		case err == nil:
			rep.add(ImportLine{Line: line, Email: p.Email, Outcome: LineInvited})
		case errs.Is(err, errs.Conflict):
			rep.add(ImportLine{Line: line, Email: in.Email, Outcome: LineSkipped, Reason: errs.MessageOf(err), Cause: err})
		case errs.Is(err, errs.Invalid):
			rep.add(ImportLine{Line: line, Email: in.Email, Outcome: LineRejected, Reason: errs.MessageOf(err), Cause: err})
		case errs.Is(err, errs.Unavailable):
			// Saved, mail not sent: the person is invited and can be re-sent.
			rep.add(ImportLine{Line: line, Email: in.Email, Outcome: LineInvited, Reason: errs.MessageOf(err), Cause: err})
		default:
			return rep, err
		}
	}
	return rep, nil
}

func (r *ImportReport) add(l ImportLine) {
	switch l.Outcome {
	case LineInvited:
		r.Invited++
	case LineSkipped:
		r.Skipped++
	case LineRejected:
		r.Rejected++
	}
	r.Lines = append(r.Lines, l)
}
