package campaign

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/matching"
)

// campaignIndex is a campaign's missions compiled for ranking, kept in
// memory between requests: building it reads every mission of the
// campaign (thousands of wide rows), ranking one employee against it
// takes microseconds.
type campaignIndex struct {
	version uint64
	built   time.Time
	ix      *matching.Index
	byID    map[string]*catalog.Mission
}

// indexTTL bounds how long an index is kept: the places left of its
// missions move with every sign-up without a notification (see migration
// 20261201000351), and a ranking may lag them that long. Sign-up itself
// always reads them.
const indexTTL = 10 * time.Second

// indexCache holds the campaigns' indexes of a Matchmaker.
type indexCache struct {
	mu sync.Mutex
	m  map[uuid.UUID]*campaignIndex
}

// index returns the campaign's index, built once per version of the
// catalogue. Without CatalogueVersion, or while it says the version is not
// known (the server is not listening for changes), every call builds it.
func (mm *Matchmaker) index(ctx context.Context, c *Campaign) (*matching.Index, map[string]*catalog.Mission, error) {
	var version uint64
	known := false
	if mm.CatalogueVersion != nil {
		version, known = mm.CatalogueVersion()
	}
	if known {
		mm.indexes.mu.Lock()
		e := mm.indexes.m[c.ID]
		mm.indexes.mu.Unlock()
		if e != nil && e.version == version && time.Since(e.built) < indexTTL {
			return e.ix, e.byID, nil
		}
	}
	built := time.Now()
	missions, byID, err := mm.inputs(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	ix := matching.NewIndex(MatchingCampaign(c), missions)
	if known {
		mm.indexes.mu.Lock()
		if mm.indexes.m == nil {
			mm.indexes.m = map[uuid.UUID]*campaignIndex{}
		}
		// The version read before the missions: a change committed
		// meanwhile has bumped it, so this entry is never served for it.
		for id, e := range mm.indexes.m {
			if e.version != version || time.Since(e.built) >= indexTTL {
				delete(mm.indexes.m, id) // stale: drop rather than keep growing
			}
		}
		mm.indexes.m[c.ID] = &campaignIndex{version: version, built: built, ix: ix, byID: byID}
		mm.indexes.mu.Unlock()
	}
	return ix, byID, nil
}
