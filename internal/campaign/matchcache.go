package campaign

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/tenants"
)

// campaignIndex is a campaign's missions compiled for ranking, kept in
// memory between requests with the campaign they were read for: building
// it reads every mission of the campaign (thousands of wide rows),
// ranking one employee against it takes microseconds.
type campaignIndex struct {
	version  uint64
	built    time.Time
	placesAt time.Time // when the places left of all its missions were read
	campaign *Campaign
	ix       *matching.Index
	byID     map[string]*catalog.Mission

	// moved are the missions whose places this server's sign-ups,
	// cancellations and decisions moved since the index was built
	// (Matchmaker.PlacesMoved): its renewal reads theirs. Guarded by the
	// cache's mutex.
	moved map[uuid.UUID]struct{}
}

// PlacesMoved tells the kept indexes that a mission's places left moved
// (a sign-up, a cancellation, a decision, on this server): their next
// renewal reads that mission's places, by id. A sign-up announces nothing
// to the other servers (see migration 20261201000351): theirs follow at
// the next whole read (placesTTL). A mission filled, or opened again,
// changes its status, which the catalogue announces everywhere.
func (mm *Matchmaker) PlacesMoved(mission uuid.UUID) {
	key := mission.String()
	cache := &mm.indexes
	cache.mu.Lock()
	defer cache.mu.Unlock()
	for _, e := range cache.m {
		if _, ok := e.byID[key]; ok {
			e.markMoved(mission)
		}
	}
}

// markMoved adds missions to the index's moved ones; the caller holds the
// cache's mutex.
func (e *campaignIndex) markMoved(missions ...uuid.UUID) {
	if e.moved == nil {
		e.moved = map[uuid.UUID]struct{}{}
	}
	for _, id := range missions {
		e.moved[id] = struct{}{}
	}
}

// indexTTL is how often an index is renewed with the places of the
// missions this server moved (PlacesMoved): a read of those missions by
// id, nothing when none moved. The ranking's popularity penalty, and the
// places shown, follow sign-ups that soon.
const indexTTL = time.Second

// placesTTL is how often the places left of all the index's missions are
// read again, for the sign-ups of the other servers. That read scans the
// campaign's missions: 370 to 650 ms over 100 000 of them, on every core
// the database gives it, which every 10 s (as it was) cost each campaign
// asked for that much of the database.
const placesTTL = 5 * time.Minute

// indexStale is how long after indexTTL an index of the current version
// is still served while its replacement is built: the requests of those
// moments rank with the previous one instead of waiting for the build.
const indexStale = 20 * time.Second

// indexClock is the cache's clock; tests move it.
var indexClock = time.Now

// indexBuildTimeout bounds a build that no request waits for.
const indexBuildTimeout = time.Minute

// indexKey is a campaign of a company: the cache is looked up before the
// campaign is read, and a company never finds another's entry.
type indexKey struct{ tenant, campaign uuid.UUID }

// indexCache holds the campaigns' indexes of a Matchmaker and the builds
// under way: one per campaign at a time, whatever the number of requests
// asking for it. Building the index of a campaign over 20 000 missions
// takes hundreds of milliseconds; at 200 requests a second, every request
// of that moment building its own (as each did when the index expired)
// took the server down for seconds.
type indexCache struct {
	mu       sync.Mutex
	m        map[indexKey]*campaignIndex
	building map[indexKey]*indexBuild
}

// indexBuild is a build under way; done is closed when e or err is set.
type indexBuild struct {
	version uint64
	done    chan struct{}
	e       *campaignIndex
	err     error
}

// index returns the index of the company's campaign id with the campaign
// it was built for, built once per version of the catalogue (which
// campaigns' changes raise too) and renewed after indexTTL. read reads the
// campaign with the asker's rules (errs.NotFound when it may not see it):
// it runs only when no index of the current version is kept, and the
// callers check again what depends on the asker (Candidates, the
// audience). Without CatalogueVersion, or while it says the version is
// not known (the server is not listening for changes), every call reads
// and builds.
func (mm *Matchmaker) index(ctx context.Context, id uuid.UUID, read func(context.Context) (*Campaign, error)) (*campaignIndex, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	var version uint64
	known := false
	if mm.CatalogueVersion != nil {
		version, known = mm.CatalogueVersion()
	}
	if !known {
		c, err := read(ctx)
		if err != nil {
			return nil, err
		}
		return mm.buildIndex(ctx, c, version)
	}
	key := indexKey{tenant: t.ID, campaign: id}
	cache := &mm.indexes
	cache.mu.Lock()
	e := cache.m[key]
	if e != nil && e.version == version {
		age := indexClock().Sub(e.built)
		if age >= indexTTL && cache.building[key] == nil {
			// Renewed in the background; this request, and those
			// until the new one is ready, rank against this one.
			mm.startBuild(context.WithoutCancel(ctx), key, e.campaign, version, e, indexBuildTimeout)
		}
		if age < indexTTL+indexStale {
			cache.mu.Unlock()
			return e, nil
		}
	}
	// None, of another version, or too old: wait for a build of this
	// version, joining one under way.
	b := cache.building[key]
	if b == nil || b.version != version {
		cache.mu.Unlock()
		c, err := read(ctx)
		if err != nil {
			return nil, err
		}
		cache.mu.Lock()
		if b = cache.building[key]; b == nil || b.version != version {
			b = mm.startBuild(context.WithoutCancel(ctx), key, c, version, nil, indexBuildTimeout)
		}
	}
	cache.mu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.e, nil
}

// startBuild builds the campaign's index in its own goroutine, then keeps
// it; given the expired index of the same version, it renews that one's
// places instead when it can. The caller holds mm.indexes.mu. The build
// outlives the request that started it (ctx is not cancelled with it), so
// that the requests that joined it are not failed by the first one
// leaving.
func (mm *Matchmaker) startBuild(ctx context.Context, key indexKey, c *Campaign, version uint64, expired *campaignIndex, timeout time.Duration) *indexBuild {
	cache := &mm.indexes
	b := &indexBuild{version: version, done: make(chan struct{})}
	if cache.building == nil {
		cache.building = map[indexKey]*indexBuild{}
	}
	cache.building[key] = b
	go func() {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var e *campaignIndex
		var err error
		if expired != nil && expired.version == version {
			e, err = mm.renewPlaces(ctx, expired)
		}
		if e == nil {
			e, err = mm.buildIndex(ctx, c, version)
		}
		cache.mu.Lock()
		b.e, b.err = e, err
		if cache.building[key] == b {
			delete(cache.building, key)
		}
		if err == nil {
			if cache.m == nil {
				cache.m = map[indexKey]*campaignIndex{}
			}
			prev := cache.m[key]
			for k, old := range cache.m {
				if old.version != version || indexClock().Sub(old.built) >= placesTTL {
					delete(cache.m, k) // of another version, or nobody asked for it for long
				}
			}
			// A newer version may have been kept meanwhile; an older
			// one never replaces it. What moved since the one it
			// replaces took its marks is read at the next renewal.
			if prev == nil || prev.version <= version {
				if prev != nil {
					e.markMoved(slices.Collect(maps.Keys(prev.moved))...)
					prev.moved = nil
				}
				cache.m[key] = e
			}
		}
		cache.mu.Unlock()
		close(b.done)
	}()
	return b
}

// buildIndex reads the campaign's missions and compiles them. The version
// is the one read before the campaign and the missions: a change committed
// meanwhile has raised it, so the index is never kept for that change.
func (mm *Matchmaker) buildIndex(ctx context.Context, c *Campaign, version uint64) (*campaignIndex, error) {
	built := indexClock()
	missions, byID, err := mm.inputs(ctx, c)
	if err != nil {
		return nil, err
	}
	return &campaignIndex{version: version, built: built, placesAt: built, campaign: c,
		ix: matching.NewIndex(MatchingCampaign(c), missions), byID: byID}, nil
}

// renewPlaces is an expired index with the places left of the missions
// moved on this server read again, and every mission's once placesTTL has
// passed. Within one version of the catalogue the places are all that
// moved. Nil when the read fails, for a full build to be tried instead.
func (mm *Matchmaker) renewPlaces(ctx context.Context, expired *campaignIndex) (*campaignIndex, error) {
	built := indexClock()
	cache := &mm.indexes
	cache.mu.Lock()
	moved := slices.Collect(maps.Keys(expired.moved))
	expired.moved = nil
	cache.mu.Unlock()
	placesAt := expired.placesAt
	var places map[uuid.UUID]int
	var err error
	switch {
	case mm.Places != nil && built.Sub(placesAt) >= placesTTL:
		places, err = mm.Places(ctx, expired.campaign, maxMissions)
		placesAt = built
	case mm.MissionPlaces != nil && len(moved) > 0:
		places, err = mm.MissionPlaces(ctx, moved)
	}
	if err != nil {
		cache.mu.Lock()
		expired.markMoved(moved...) // for the build, or the next renewal
		cache.mu.Unlock()
		return nil, err
	}
	changed := map[string]int{}
	byID := expired.byID
	for id, left := range places {
		key := id.String()
		m := expired.byID[key]
		if m == nil || m.PlacesLeft == left {
			continue
		}
		if len(changed) == 0 {
			byID = maps.Clone(expired.byID) // the expired index's requests still read the old one
		}
		changed[key] = left
		mc := *m
		mc.PlacesLeft = left
		byID[key] = &mc
	}
	ix := expired.ix
	if len(changed) > 0 {
		ix = ix.WithPlaces(changed)
	}
	return &campaignIndex{version: expired.version, built: built, placesAt: placesAt, campaign: expired.campaign,
		ix: ix, byID: byID}, nil
}
