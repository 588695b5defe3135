package campaign

import (
	"context"
	"maps"
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

// indexStale is how long after indexTTL an index of the current version
// is still served while its replacement is built: the requests of those
// moments get the previous ranking (places left at most indexTTL +
// indexStale old) instead of waiting for the build.
const indexStale = 20 * time.Second

// indexClock is the cache's clock; tests move it.
var indexClock = time.Now

// indexBuildTimeout bounds a build that no request waits for.
const indexBuildTimeout = time.Minute

// indexCache holds the campaigns' indexes of a Matchmaker and the builds
// under way: one per campaign at a time, whatever the number of requests
// asking for it. Building the index of a campaign over 20 000 missions
// takes hundreds of milliseconds; at 200 requests a second, every request
// of that moment building its own (as each did when the index expired)
// took the server down for seconds.
type indexCache struct {
	mu       sync.Mutex
	m        map[uuid.UUID]*campaignIndex
	building map[uuid.UUID]*indexBuild
}

// indexBuild is a build under way; done is closed when e or err is set.
type indexBuild struct {
	version uint64
	done    chan struct{}
	e       *campaignIndex
	err     error
}

// index returns the campaign's index, built once per version of the
// catalogue and renewed after indexTTL. Without CatalogueVersion, or while
// it says the version is not known (the server is not listening for
// changes), every call builds it.
func (mm *Matchmaker) index(ctx context.Context, c *Campaign) (*matching.Index, map[string]*catalog.Mission, error) {
	var version uint64
	known := false
	if mm.CatalogueVersion != nil {
		version, known = mm.CatalogueVersion()
	}
	if !known {
		e, err := mm.buildIndex(ctx, c, version)
		if err != nil {
			return nil, nil, err
		}
		return e.ix, e.byID, nil
	}
	cache := &mm.indexes
	cache.mu.Lock()
	e := cache.m[c.ID]
	if e != nil && e.version == version {
		age := indexClock().Sub(e.built)
		if age >= indexTTL && cache.building[c.ID] == nil {
			// Renewed in the background; this request, and those
			// until the new one is ready, rank against this one.
			mm.startBuild(context.WithoutCancel(ctx), c, version, e, indexBuildTimeout)
		}
		if age < indexTTL+indexStale {
			cache.mu.Unlock()
			return e.ix, e.byID, nil
		}
	}
	// None, of another version, or too old: wait for a build of this
	// version, joining one under way.
	b := cache.building[c.ID]
	if b == nil || b.version != version {
		b = mm.startBuild(context.WithoutCancel(ctx), c, version, nil, indexBuildTimeout)
	}
	cache.mu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if b.err != nil {
		return nil, nil, b.err
	}
	return b.e.ix, b.e.byID, nil
}

// startBuild builds the campaign's index in its own goroutine, then keeps
// it; given the expired index of the same version, it renews that one's
// places instead when it can. The caller holds mm.indexes.mu. The build
// outlives the request that started it (ctx is not cancelled with it), so
// that the requests that joined it are not failed by the first one
// leaving.
func (mm *Matchmaker) startBuild(ctx context.Context, c *Campaign, version uint64, expired *campaignIndex, timeout time.Duration) *indexBuild {
	cache := &mm.indexes
	b := &indexBuild{version: version, done: make(chan struct{})}
	if cache.building == nil {
		cache.building = map[uuid.UUID]*indexBuild{}
	}
	cache.building[c.ID] = b
	go func() {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var e *campaignIndex
		var err error
		if expired != nil && expired.version == version && mm.Places != nil {
			e, err = mm.renewPlaces(ctx, c, expired)
		}
		if e == nil {
			e, err = mm.buildIndex(ctx, c, version)
		}
		cache.mu.Lock()
		b.e, b.err = e, err
		if cache.building[c.ID] == b {
			delete(cache.building, c.ID)
		}
		if err == nil {
			if cache.m == nil {
				cache.m = map[uuid.UUID]*campaignIndex{}
			}
			for id, old := range cache.m {
				if old.version != version || indexClock().Sub(old.built) >= indexTTL+indexStale {
					delete(cache.m, id) // stale: drop rather than keep growing
				}
			}
			// A newer version may have been kept meanwhile; an older
			// one never replaces it.
			if old := cache.m[c.ID]; old == nil || old.version <= version {
				cache.m[c.ID] = e
			}
		}
		cache.mu.Unlock()
		close(b.done)
	}()
	return b
}

// buildIndex reads the campaign's missions and compiles them. The version
// is the one read before the missions: a change committed meanwhile has
// raised it, so the index is never kept for that change.
func (mm *Matchmaker) buildIndex(ctx context.Context, c *Campaign, version uint64) (*campaignIndex, error) {
	built := indexClock()
	missions, byID, err := mm.inputs(ctx, c)
	if err != nil {
		return nil, err
	}
	return &campaignIndex{version: version, built: built, ix: matching.NewIndex(MatchingCampaign(c), missions), byID: byID}, nil
}

// renewPlaces is an expired index with its missions' places left read
// again. Within one version of the catalogue they are all that moved (a
// sign-up announces nothing: see indexTTL), and reading them costs a
// narrow read of the campaign's missions where a build reads them whole
// and compiles them: the builds every indexTTL were the tail of the
// recommendations' response times. Nil when the read fails, for a full
// build to be tried instead.
func (mm *Matchmaker) renewPlaces(ctx context.Context, c *Campaign, expired *campaignIndex) (*campaignIndex, error) {
	built := indexClock()
	places, err := mm.Places(ctx, c, maxMissions)
	if err != nil {
		return nil, err
	}
	moved := map[string]int{}
	byID := expired.byID
	for id, left := range places {
		key := id.String()
		m := expired.byID[key]
		if m == nil || m.PlacesLeft == left {
			continue
		}
		if len(moved) == 0 {
			byID = maps.Clone(expired.byID) // the expired index's requests still read the old one
		}
		moved[key] = left
		mc := *m
		mc.PlacesLeft = left
		byID[key] = &mc
	}
	ix := expired.ix
	if len(moved) > 0 {
		ix = ix.WithPlaces(moved)
	}
	return &campaignIndex{version: expired.version, built: built, ix: ix, byID: byID}, nil
}
