package catalog

import (
	"context"
	"time"

	"github.com/google/uuid"
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
}

// ImportReport sums an import up.
type ImportReport struct {
	Created  int            `json:"created"`
	Updated  int            `json:"updated"`
	Rejected int            `json:"rejected"`
	Results  []ImportResult `json:"results"`
}
