package catalog

import (
	"context"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// Sort orders of a search.
const (
	SortDefault   = ""          // vital missions first, then relevance (with text) or newest
	SortRelevance = "relevance" // text rank; needs Text
	SortDate      = "date"      // soonest start first, ongoing last
	SortDistance  = "distance"  // nearest first; needs Near
)

// Point is a place on Earth.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Query is a search of the missions visible to the company of the context:
// open missions of verified associations and vital missions, shown to every
// company or listed for this one.
type Query struct {
	Text          string     // French full-text, accents folded
	Skills        []string   // any of these skills
	Causes        []string   // any of these causes
	Formats       []string   // any of remote, on_site, hybrid
	Near          *Point     // with RadiusKM: on-site and hybrid missions farther away are left out
	RadiusKM      float64    // 0 with Near: no cut, only distances (and distance sort)
	From, To      *time.Time // missions taking place (at least partly) within these dates
	MinPlacesLeft int        // at least this many places left (default 1)
	AssociationID *uuid.UUID
	Sort          string
	Limit         int    // 1 to 100, default 20
	After         string // the Next cursor of the previous page
	// Platform takes the staff's view on the platform host, where there is
	// no company: every open mission, whatever its visibility.
	Platform bool
}

// Page is one page of results; Next is empty on the last.
type Page struct {
	Missions []Mission `json:"missions"`
	Next     string    `json:"next,omitempty"`
}

// Searcher finds missions. Failure codes: errs.Invalid naming the filter at
// fault (a bad cursor, a sort that lacks its input, a radius without a
// point); errs.Internal without a company in the context.
type Searcher interface {
	Search(ctx context.Context, q Query) (*Page, error)
}

// Outcomes of an imported mission.
const (
	ImportCreated  = "created"
	ImportUpdated  = "updated"
	ImportRejected = "rejected"
)

// ImportResult is what became of one mission of an import file.
type ImportResult struct {
	Index      int       `json:"index"` // position in the file, from 0
	ExternalID string    `json:"external_id,omitempty"`
	Outcome    string    `json:"outcome"`
	MissionID  uuid.UUID `json:"mission_id,omitzero"`
	Reason     string    `json:"reason,omitempty"`
	// Field names the field of the file at fault in a rejected mission.
	Field string `json:"field,omitempty"`
}

// ImportReport sums an import up.
type ImportReport struct {
	Created  int            `json:"created"`
	Updated  int            `json:"updated"`
	Rejected int            `json:"rejected"`
	Results  []ImportResult `json:"results"`
}

// Field names of a search's errors: the HTTP query parameters, so that a
// 400 points at what the caller sent.
const (
	FieldText        = "q"
	FieldSkills      = "skills"
	FieldCauses      = "causes"
	FieldFormats     = "formats"
	FieldLat         = "lat"
	FieldLon         = "lon"
	FieldRadius      = "radius_km"
	FieldFrom        = "from"
	FieldTo          = "to"
	FieldMinPlaces   = "min_places"
	FieldAssociation = "association"
	FieldSort        = "sort"
	FieldLimit       = "limit"
	FieldAfter       = "after"
)

// Bounds of a search.
const (
	DefaultLimit  = 20
	MaxLimit      = 100
	MaxRadiusKM   = 1000
	maxTextRunes  = 200
	maxListValues = 50
)

// Normalize trims and deduplicates a query's lists, fills its defaults and
// checks every filter; the error names the filter (Field* constants).
// Platform is left as it is: whose view a search takes is the caller's
// decision, never input.
func (q *Query) Normalize() error {
	q.Text = strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(q.Text) > maxTextRunes {
		return errs.Field(FieldText, "the text is longer than %d characters", maxTextRunes)
	}
	var err error
	if q.Skills, err = cleanList(FieldSkills, q.Skills, func(s string) bool { _, ok := taxonomy.SkillByCode(s); return ok }, "skill %q is not in the taxonomy"); err != nil {
		return err
	}
	if q.Causes, err = cleanList(FieldCauses, q.Causes, knownCause, "cause %q is not in the list of causes"); err != nil {
		return err
	}
	if q.Formats, err = cleanList(FieldFormats, q.Formats, func(s string) bool { return s == Remote || s == OnSite || s == Hybrid },
		"format %q is not one of remote, on_site, hybrid"); err != nil {
		return err
	}
	if q.Near != nil {
		switch {
		case math.IsNaN(q.Near.Lat) || q.Near.Lat < -90 || q.Near.Lat > 90:
			return errs.Field(FieldLat, "lat must be a latitude between -90 and 90")
		case math.IsNaN(q.Near.Lon) || q.Near.Lon < -180 || q.Near.Lon > 180:
			return errs.Field(FieldLon, "lon must be a longitude between -180 and 180")
		}
	}
	switch {
	case math.IsNaN(q.RadiusKM) || q.RadiusKM < 0 || q.RadiusKM > MaxRadiusKM:
		return errs.Field(FieldRadius, "radius_km must be between 0 and %d", MaxRadiusKM)
	case q.RadiusKM > 0 && q.Near == nil:
		return errs.Field(FieldRadius, "a radius needs a point: give lat and lon")
	case q.From != nil && q.To != nil && q.To.Before(*q.From):
		return errs.Field(FieldTo, "to is before from")
	case q.MinPlacesLeft < 0 || q.MinPlacesLeft > 10000:
		return errs.Field(FieldMinPlaces, "min_places must be between 1 and 10 000")
	case q.Limit < 0 || q.Limit > MaxLimit:
		return errs.Field(FieldLimit, "limit must be between 1 and %d", MaxLimit)
	}
	if q.MinPlacesLeft == 0 {
		q.MinPlacesLeft = 1
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	switch q.Sort {
	case SortDefault, SortDate:
	case SortRelevance:
		if q.Text == "" {
			return errs.Field(FieldSort, "sorting by relevance needs a text to search (q)")
		}
	case SortDistance:
		if q.Near == nil {
			return errs.Field(FieldSort, "sorting by distance needs a point: give lat and lon")
		}
	default:
		return errs.Field(FieldSort, "sort %q is not one of relevance, date, distance", q.Sort)
	}
	return nil
}

// cleanList trims, drops empty values, deduplicates and sorts (a search's
// identity does not depend on the order of its lists) and checks each.
func cleanList(field string, in []string, ok func(string) bool, bad string) ([]string, error) {
	var out []string
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" || slices.Contains(out, v) {
			continue
		}
		if !ok(v) {
			return nil, errs.Field(field, bad, v)
		}
		out = append(out, v)
	}
	if len(out) > maxListValues {
		return nil, errs.Field(field, "at most %d values", maxListValues)
	}
	slices.Sort(out)
	return out, nil
}

// MissionReader reads one mission as a search would show it.
type MissionReader interface {
	// Mission returns the mission if the company of ctx may see it (or, with
	// platform, if it is visible on the platform at all); errs.NotFound
	// otherwise, the same for a missing mission and for another company's.
	Mission(ctx context.Context, id uuid.UUID, platform bool) (*Mission, error)
}

// Importer stores the missions of an import file (ReadImport reads it;
// docs/search.md describes it).
type Importer interface {
	// Import reads the file twice: once to check that it is JSON of the
	// right shape and not too long (errs.Invalid naming "file", nothing
	// stored), then to store each mission in its own transaction. source
	// names where the file comes from; with a mission's external id, it
	// says which stored mission an imported one updates.
	Import(ctx context.Context, source string, file io.ReadSeeker) (*ImportReport, error)
}
