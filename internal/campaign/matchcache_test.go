package campaign

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/tenants"
)

// cacheRig is a Matchmaker whose missions are counted reads that wait for
// release, whose catalogue version the test sets, and whose cache clock
// the test moves.
type cacheRig struct {
	mm      *Matchmaker
	reads   atomic.Int32
	release chan struct{}
	version atomic.Uint64
	places  atomic.Int32    // the places left of the missions a read returns
	mission uuid.UUID       // the one mission a read returns
	ctx     context.Context // a company's
}

func newCacheRig(t *testing.T) (*cacheRig, *time.Time) {
	r := &cacheRig{release: make(chan struct{}), mission: uuid.New(),
		ctx: tenants.NewContext(context.Background(), &tenants.Tenant{ID: uuid.New()})}
	r.places.Store(1)
	missions := func(ctx context.Context, c *Campaign, limit int) ([]catalog.Mission, error) {
		r.reads.Add(1)
		select {
		case <-r.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return []catalog.Mission{{ID: r.mission, Title: "m", Status: catalog.MissionOpen, Format: catalog.Remote,
			Places: 5, PlacesLeft: int(r.places.Load())}}, nil
	}
	r.mm = NewMatchmaker(nil, nil, missions, nil)
	r.mm.CatalogueVersion = func() (uint64, bool) { return r.version.Load(), true }
	now := time.Now()
	clock := &now
	var mu sync.Mutex
	old := indexClock
	indexClock = func() time.Time { mu.Lock(); defer mu.Unlock(); return *clock }
	t.Cleanup(func() { indexClock = old })
	return r, clock
}

// get asks for the index n times at once and returns what each got.
func (r *cacheRig) get(t *testing.T, c *Campaign, n int) []*matching.Index {
	t.Helper()
	out := make([]*matching.Index, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e, err := r.mm.index(r.ctx, c.ID, func(context.Context) (*Campaign, error) { return c, nil })
			if err != nil {
				t.Error(err)
				return
			}
			out[i] = e.ix
		})
	}
	wg.Wait()
	return out
}

// waitReads waits until n reads of the missions have started.
func (r *cacheRig) waitReads(t *testing.T, n int32) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); r.reads.Load() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d reads of the missions started; want %d", r.reads.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// held starts n requests for c's index while the build they wait for is
// held, and fails, saying what was served (unwanted), when one is answered
// before the build has read the missions for the reads-th time and is let
// go. It returns what the requests got.
func (r *cacheRig) held(t *testing.T, c *Campaign, n int, reads int32, unwanted string) []*matching.Index {
	t.Helper()
	got := make(chan []*matching.Index)
	go func() { got <- r.get(t, c, n) }()
	r.waitReads(t, reads)
	select {
	case <-got:
		t.Fatal(unwanted)
	case <-time.After(50 * time.Millisecond):
	}
	close(r.release)
	return <-got
}

// TestIndexBuiltOncePerCampaign: requests arriving together while the
// index is missing, expired or of an old version share one build, and an
// index past its TTL keeps being served while its replacement is built.
func TestIndexBuiltOncePerCampaign(t *testing.T) {
	// Not parallel: it moves the cache's clock.
	r, clock := newCacheRig(t)
	c := &Campaign{ID: uuid.New()}

	// Missing: fifty requests, one read, all served its index.
	close(r.release)
	first := r.get(t, c, 50)
	if n := r.reads.Load(); n != 1 {
		t.Fatalf("50 requests on an empty cache read the missions %d times; want once", n)
	}
	for _, ix := range first {
		if ix != first[0] {
			t.Fatal("requests of one build got different indexes")
		}
	}

	// Expired by age: served at once, the previous index, while it is
	// renewed in the background by its places alone (see
	// TestIndexPastItsTTLIsRenewedByItsPlaces): the missions are not
	// read again.
	r.release = make(chan struct{})
	*clock = clock.Add(indexTTL)
	for _, ix := range r.get(t, c, 50) {
		if ix != first[0] {
			t.Fatal("an index past its TTL was not served while its replacement is built")
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		r.mm.indexes.mu.Lock()
		building := len(r.mm.indexes.building)
		r.mm.indexes.mu.Unlock()
		if building == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired index's renewal never ended")
		}
	}
	if n := r.reads.Load(); n != 1 {
		t.Fatalf("renewing an expired index read the missions %d times; want only the first build's (1)", n)
	}

	// A new version of the catalogue: nobody is served the old index;
	// the requests wait for one build.
	r.release = make(chan struct{})
	r.version.Add(1)
	r.places.Store(4)
	ixs := r.held(t, c, 50, 2, "a request was answered before the index of the new version was built")
	if n := r.reads.Load(); n != 2 {
		t.Fatalf("a new version read the missions %d times for 50 requests; want once more (2)", n)
	}
	e, _ := r.mm.index(r.ctx, c.ID, func(context.Context) (*Campaign, error) { return c, nil })
	for _, m := range e.byID {
		if m.PlacesLeft != 4 {
			t.Errorf("after a new version: the index holds places left %d; want the new read's 4", m.PlacesLeft)
		}
	}
	for _, ix := range ixs {
		if ix != ixs[0] {
			t.Fatal("requests of one build got different indexes")
		}
	}

	// Too old to be served (its renewals failing or slow): requests wait
	// for its renewal, here one that reads every mission's places.
	placesRead := make(chan struct{})
	r.mm.Places = func(ctx context.Context, c *Campaign, limit int) (map[uuid.UUID]int, error) {
		select {
		case <-placesRead:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return map[uuid.UUID]int{r.mission: 4}, nil
	}
	*clock = clock.Add(placesTTL)
	got := make(chan []*matching.Index)
	go func() { got <- r.get(t, c, 5) }()
	select {
	case <-got:
		t.Fatal("an index older than indexTTL + indexStale was served")
	case <-time.After(50 * time.Millisecond):
	}
	close(placesRead)
	<-got
}

// TestIndexPastItsTTLIsRenewedByItsPlaces: within one version of the
// catalogue, an expired index is renewed without reading the missions: it
// reads the places of those this server's sign-ups moved, nothing when
// none did, and every mission's places past placesTTL (the other servers'
// sign-ups). A mission filled or freed meanwhile then ranks accordingly.
func TestIndexPastItsTTLIsRenewedByItsPlaces(t *testing.T) {
	// Not parallel: it moves the cache's clock.
	r, clock := newCacheRig(t)
	var placeReads, movedReads atomic.Int32
	r.mm.Places = func(ctx context.Context, c *Campaign, limit int) (map[uuid.UUID]int, error) {
		placeReads.Add(1)
		return map[uuid.UUID]int{r.mission: int(r.places.Load())}, nil
	}
	var asked []uuid.UUID
	r.mm.MissionPlaces = func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int, error) {
		movedReads.Add(1)
		asked = ids
		return map[uuid.UUID]int{r.mission: int(r.places.Load())}, nil
	}
	reads := func() string {
		return fmt.Sprintf("missions %d, all places %d, moved places %d", r.reads.Load(), placeReads.Load(), movedReads.Load())
	}
	c := &Campaign{ID: uuid.New(), MaxActivePerEmployee: 3}
	e := &matching.Employee{ID: "e", Format: matching.AnyFormat}
	entry := func() *campaignIndex {
		t.Helper()
		ce, err := r.mm.index(r.ctx, c.ID, func(context.Context) (*Campaign, error) { return c, nil })
		if err != nil {
			t.Fatal(err)
		}
		return ce
	}
	// renewed moves the clock by d and waits for the index to be replaced.
	renewed := func(d time.Duration) *campaignIndex {
		t.Helper()
		old := entry()
		*clock = clock.Add(d)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			if ce := entry(); ce != old {
				return ce
			}
			if time.Now().After(deadline) {
				t.Fatal("the expired index was never renewed")
			}
		}
	}
	close(r.release)
	first := entry()
	if got := first.ix.Recommend(e, 5); len(got) != 1 {
		t.Fatalf("the mission with a place left: recommended %v; want it", got)
	}

	// Filled by another server's sign-ups, which announce nothing: the
	// renewals read nothing, and rank as before.
	r.places.Store(0)
	r.mm.PlacesMoved(uuid.New()) // a mission of no kept index
	second := renewed(indexTTL)
	if got := reads(); got != "missions 1, all places 0, moved places 0" {
		t.Fatalf("renewing with no mission of the index moved read %s; want the first build's missions only", got)
	}
	if got := second.ix.Recommend(e, 5); len(got) != 1 {
		t.Fatal("an index renewed with nothing moved changed its ranking")
	}

	// This server's sign-up moved it: the next renewal reads its places.
	r.mm.PlacesMoved(r.mission)
	third := renewed(indexTTL)
	if got := reads(); got != "missions 1, all places 0, moved places 1" || len(asked) != 1 || asked[0] != r.mission {
		t.Fatalf("renewing after the mission moved read %s, asking for %v; want one read of its places", got, asked)
	}
	if got := third.ix.Recommend(e, 5); len(got) != 0 {
		t.Fatalf("the mission moved to full is still ranked after the renewal: %v", got)
	}
	if m := third.byID[r.mission.String()]; m.PlacesLeft != 0 {
		t.Fatalf("the renewed index shows the mission with %d places left; want 0", m.PlacesLeft)
	}
	if got := second.ix.Recommend(e, 5); len(got) != 1 {
		t.Fatal("renewing changed the expired index that requests may still be ranking with")
	}
	renewed(indexTTL)
	if got := reads(); got != "missions 1, all places 0, moved places 1" {
		t.Fatalf("a renewal after the moved mission was read read %s; want nothing more", got)
	}

	// Past placesTTL every mission's places are read: one freed by
	// another server is ranked again.
	r.places.Store(2)
	last := renewed(placesTTL)
	if got := reads(); got != "missions 1, all places 1, moved places 1" {
		t.Fatalf("renewing past placesTTL read %s; want every mission's places once", got)
	}
	if got := last.ix.Recommend(e, 5); len(got) != 1 {
		t.Fatalf("the mission freed meanwhile is not ranked after the places were read: %v", got)
	}
	if m := last.byID[r.mission.String()]; m.PlacesLeft != 2 {
		t.Fatalf("the renewed index shows the mission with %d places left; want 2", m.PlacesLeft)
	}
}

// TestIndexKeptPerCompany: a company asking for another's campaign id
// never gets the index kept for it; the campaign is read with its rules.
func TestIndexKeptPerCompany(t *testing.T) {
	r, _ := newCacheRig(t)
	close(r.release)
	c := &Campaign{ID: uuid.New()}
	r.get(t, c, 1)
	other := tenants.NewContext(context.Background(), &tenants.Tenant{ID: uuid.New()})
	_, err := r.mm.index(other, c.ID, func(context.Context) (*Campaign, error) {
		return nil, errs.E(errs.NotFound, "no such campaign")
	})
	if !errs.Is(err, errs.NotFound) {
		t.Fatalf("another company asking for the campaign's index: %v; want its own read's not found", err)
	}
	if _, err := r.mm.index(context.Background(), c.ID, nil); err == nil {
		t.Fatal("an index asked for without a company was served")
	}
}
