package postgres

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// signUp is one employee's sign-up on its way through applyTogether.
type signUp struct {
	ctx    context.Context
	tenant uuid.UUID
	member uuid.UUID
	in     campaign.ApplyInput
	decide func(*campaign.Snapshot) (string, error)
	// The participation's id: a uuid v7, so that the sign-ups of one
	// transaction take places in the order they came.
	id uuid.UUID

	// Set by the transaction that took it, before done is closed.
	out     *campaign.Participation
	noted   bool
	refused *campaign.Snapshot
	err     error

	state atomic.Int32 // queued, taken or withdrawn
	done  chan struct{}
}

const (
	queued int32 = iota
	taken
	withdrawn
)

// signUpQueue gathers the sign-ups that arrive while others are being
// written, so that they share transactions: PostgreSQL then begins,
// plans, commits and flushes its log once for all of them, and a popular
// mission is locked once for all of its applicants. A sign-up that comes
// alone starts its own transaction at once: nothing waits for company.
//
// At most inFlight transactions run at once, each of at most size
// sign-ups of one company, at most one per employee (see applyTogether).
// Beyond that, sign-ups wait in the queue, in order, instead of waiting
// for a connection.
type signUpQueue struct {
	inFlight, size int
	apply          func(ctx context.Context, sus []*signUp) error

	mu      sync.Mutex
	waiting []*signUp
	running int
}

// wait queues su and returns once a transaction has decided it (su's
// outcome is then set), or with ctx's error if ctx ends before one took
// it: a sign-up taken is seen through, so that its employee never gets an
// error for an application that was recorded.
func (q *signUpQueue) wait(ctx context.Context, su *signUp) error {
	q.mu.Lock()
	q.waiting = append(q.waiting, su)
	start := q.running < q.inFlight
	if start {
		q.running++
	}
	q.mu.Unlock()
	if start {
		go q.work()
	}
	select {
	case <-su.done:
		return nil
	case <-ctx.Done():
		if su.state.CompareAndSwap(queued, withdrawn) {
			return ctx.Err()
		}
		<-su.done
		return nil
	}
}

// work runs transactions while sign-ups wait.
func (q *signUpQueue) work() {
	for {
		q.mu.Lock()
		batch := q.take()
		if len(batch) == 0 {
			q.running--
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		q.run(batch)
	}
}

// take removes from the queue the first waiting sign-up and those after
// it of the same company, up to size and one per employee; the others keep
// their place. Withdrawn sign-ups are dropped.
func (q *signUpQueue) take() []*signUp {
	var batch []*signUp
	var tenant uuid.UUID
	members := make(map[uuid.UUID]bool)
	kept := q.waiting[:0]
	for _, su := range q.waiting {
		switch {
		case su.state.Load() == withdrawn:
			continue
		case len(batch) < q.size && (len(batch) == 0 || su.tenant == tenant) && !members[su.member]:
			if !su.state.CompareAndSwap(queued, taken) {
				continue // withdrawn just now
			}
			tenant, members[su.member] = su.tenant, true
			batch = append(batch, su)
		default:
			kept = append(kept, su)
		}
	}
	clear(q.waiting[len(kept):])
	q.waiting = kept
	return batch
}

// run decides a batch together and, if its transaction fails, each of its
// sign-ups alone: one that the database refuses costs the others nothing
// but a second try. Each runs in its own request's context, without its
// cancellation: it was taken.
func (q *signUpQueue) run(batch []*signUp) {
	err := q.apply(context.WithoutCancel(batch[0].ctx), batch)
	if err != nil && len(batch) > 1 {
		for _, su := range batch {
			if err := q.apply(context.WithoutCancel(su.ctx), []*signUp{su}); err != nil {
				su.err = err
			}
			close(su.done)
		}
		return
	}
	for _, su := range batch {
		if err != nil {
			su.err = err
		}
		close(su.done)
	}
}
