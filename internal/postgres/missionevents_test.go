package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// markCounter counts the events marked as mailed, per event.
type markCounter struct {
	catalog.Store
	mu    sync.Mutex
	marks map[uuid.UUID]int
}

func (m *markCounter) MarkNotified(ctx context.Context, ids ...uuid.UUID) error {
	m.mu.Lock()
	for _, id := range ids {
		m.marks[id]++
	}
	m.mu.Unlock()
	return m.Store.MarkNotified(ctx, ids...)
}

// Every sign-up that fills a mission looks for the managers' mails to
// send, and so does the periodic job: at the same moment, each event is
// still mailed once.
func TestMissionEventsAreMailedOnceWhoeverLooksAtOnce(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	ctx := context.Background()
	var events []uuid.UUID
	for range 30 {
		mission, _ := newMission(t, env.App, 1)
		id := uuid.Must(uuid.NewV7())
		if _, err := env.App.ExecContext(ctx, "INSERT INTO mission_events (id, mission_id, kind) VALUES (?, ?, 'full')", id, mission); err != nil {
			t.Fatal(err)
		}
		events = append(events, id)
	}
	store := &markCounter{Store: postgres.NewCatalogStore(env.App), marks: map[uuid.UUID]int{}}
	svc := catalog.NewService(store, nil, "")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { svc.NotifyPending(ctx) })
	}
	wg.Wait()
	for _, id := range events {
		if n := store.marks[id]; n != 1 {
			t.Errorf("event %s handled %d times; want once", id, n)
		}
	}
}
