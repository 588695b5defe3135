package campaign

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/matching"
)

// cacheRig is a Matchmaker whose missions are counted reads that wait for
// release, whose catalogue version the test sets, and whose cache clock
// the test moves.
type cacheRig struct {
	mm      *Matchmaker
	reads   atomic.Int32
	release chan struct{}
	version atomic.Uint64
	places  atomic.Int32 // the places left of the missions a read returns
	mission uuid.UUID    // the one mission a read returns
}

func newCacheRig(t *testing.T) (*cacheRig, *time.Time) {
	r := &cacheRig{release: make(chan struct{}), mission: uuid.New()}
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
			ix, _, err := r.mm.index(context.Background(), c)
			if err != nil {
				t.Error(err)
			}
			out[i] = ix
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

	// Expired by age: served at once, the previous index, while one
	// build runs in the background.
	r.release = make(chan struct{})
	*clock = clock.Add(indexTTL)
	for _, ix := range r.get(t, c, 50) {
		if ix != first[0] {
			t.Fatal("an index past its TTL was not served while its replacement is built")
		}
	}
	r.waitReads(t, 2)
	close(r.release)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if ix := r.get(t, c, 1)[0]; ix != first[0] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the index built in the background never replaced the expired one")
		}
	}
	if n := r.reads.Load(); n != 2 {
		t.Fatalf("renewing an expired index read the missions %d times; want once more (2)", n)
	}

	// A new version of the catalogue: nobody is served the old index;
	// the requests wait for one build.
	r.release = make(chan struct{})
	r.version.Add(1)
	r.places.Store(4)
	ixs := r.held(t, c, 50, 3, "a request was answered before the index of the new version was built")
	if n := r.reads.Load(); n != 3 {
		t.Fatalf("a new version read the missions %d times for 50 requests; want once more (3)", n)
	}
	_, byID, _ := r.mm.index(context.Background(), c)
	for _, m := range byID {
		if m.PlacesLeft != 4 {
			t.Errorf("after a new version: the index holds places left %d; want the new read's 4", m.PlacesLeft)
		}
	}
	for _, ix := range ixs {
		if ix != ixs[0] {
			t.Fatal("requests of one build got different indexes")
		}
	}

	// Too old to be served (its renewals failing or slow): requests wait.
	r.release = make(chan struct{})
	*clock = clock.Add(indexTTL + indexStale)
	r.held(t, c, 5, 4, "an index older than indexTTL + indexStale was served")
}

// TestIndexPastItsTTLIsRenewedByItsPlaces: within one version of the
// catalogue, an expired index is renewed by reading its missions' places
// left, not the missions again, and ranks with them: a mission filled
// meanwhile is no longer recommended.
func TestIndexPastItsTTLIsRenewedByItsPlaces(t *testing.T) {
	// Not parallel: it moves the cache's clock.
	r, clock := newCacheRig(t)
	var placeReads atomic.Int32
	r.mm.Places = func(ctx context.Context, c *Campaign, limit int) (map[uuid.UUID]int, error) {
		placeReads.Add(1)
		return map[uuid.UUID]int{r.mission: int(r.places.Load())}, nil
	}
	c := &Campaign{ID: uuid.New(), MaxActivePerEmployee: 3}
	e := &matching.Employee{ID: "e", Format: matching.AnyFormat}
	close(r.release)
	first := r.get(t, c, 1)[0]
	if got := first.Recommend(e, 5); len(got) != 1 {
		t.Fatalf("the mission with a place left: recommended %v; want it", got)
	}

	r.places.Store(0) // filled by sign-ups, which announce nothing
	*clock = clock.Add(indexTTL)
	var renewed *matching.Index
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if renewed = r.get(t, c, 1)[0]; renewed != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired index was never renewed")
		}
	}
	if n, p := r.reads.Load(), placeReads.Load(); n != 1 || p != 1 {
		t.Fatalf("renewing read the missions %d times and their places %d times; want 1 (the first build) and 1", n, p)
	}
	if got := renewed.Recommend(e, 5); len(got) != 0 {
		t.Fatalf("the mission filled meanwhile is still recommended after the renewal: %v", got)
	}
	_, byID, _ := r.mm.index(context.Background(), c)
	if m := byID[r.mission.String()]; m == nil || m.PlacesLeft != 0 {
		t.Fatalf("the renewed index shows the mission %+v; want 0 places left", m)
	}
	if got := first.Recommend(e, 5); len(got) != 1 {
		t.Fatal("renewing changed the expired index that requests may still be ranking with")
	}
}
