package postgres

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// combined is what a combiner keeps of each of its requests: embedded in
// them.
type combined struct {
	ctx   context.Context
	state atomic.Int32 // queued, taken or withdrawn
	done  chan struct{}
	err   error // the request's, or its batch's
}

func (c *combined) base() *combined { return c }

const (
	queued int32 = iota
	taken
	withdrawn
)

type combinable interface{ base() *combined }

// combiner gathers the requests that arrive while others are at the
// database, so that they go there together: one round trip, one
// statement and, for writes, one transaction and one flush of the log for
// all of them, where each would have paid its own. A request that comes
// alone goes at once: nothing waits for company.
//
// At most inFlight batches run at once, each of at most size requests
// that together accepts (those of one company, say). Beyond that,
// requests wait in the queue, in order, instead of waiting for a
// connection.
type combiner[T combinable] struct {
	inFlight, size int
	// together says whether r may join batch (never empty).
	together func(batch []T, r T) bool
	// apply runs a batch and sets each request's outcome; an error is the
	// batch's, and then none of them holds.
	apply func(ctx context.Context, batch []T) error

	mu      sync.Mutex
	waiting []T
	running int
}

// do queues r and returns once its batch has run (r's outcome is then
// set), or with ctx's error if ctx ends before a batch took it: a request
// taken is seen through, so that a write is never reported as failed when
// it was committed.
func (q *combiner[T]) do(ctx context.Context, r T) error {
	c := r.base()
	c.ctx, c.done = ctx, make(chan struct{})
	q.mu.Lock()
	q.waiting = append(q.waiting, r)
	start := q.running < q.inFlight
	if start {
		q.running++
	}
	q.mu.Unlock()
	if start {
		go q.work()
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		if c.state.CompareAndSwap(queued, withdrawn) {
			return ctx.Err()
		}
		<-c.done
	}
	return c.err
}

// work runs batches while requests wait.
func (q *combiner[T]) work() {
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

// take removes from the queue the first waiting request and those after
// it that may go with it, up to size; the others keep their place.
// Withdrawn requests are dropped.
func (q *combiner[T]) take() []T {
	var batch []T
	kept := q.waiting[:0]
	for _, r := range q.waiting {
		c := r.base()
		switch {
		case c.state.Load() == withdrawn:
			continue
		case len(batch) < q.size && (len(batch) == 0 || q.together(batch, r)):
			if !c.state.CompareAndSwap(queued, taken) {
				continue // withdrawn just now
			}
			batch = append(batch, r)
		default:
			kept = append(kept, r)
		}
	}
	clear(q.waiting[len(kept):])
	q.waiting = kept
	return batch
}

// run applies a batch together and, if that fails, each of its requests
// alone: one that the database refuses costs the others nothing but a
// second try. A batch runs in the context of its first request (the
// company, the request's logger), a request tried alone in its own; both
// without their cancellation: they were taken.
func (q *combiner[T]) run(batch []T) {
	err := q.safeApply(context.WithoutCancel(batch[0].base().ctx), batch)
	for _, r := range batch {
		c := r.base()
		switch {
		case err == nil:
		case len(batch) == 1:
			c.err = err
		default:
			c.err = nil
			if err := q.safeApply(context.WithoutCancel(c.ctx), []T{r}); err != nil {
				c.err = err
			}
		}
		close(c.done)
	}
}

// safeApply is apply with a panic turned into the batch's error: its
// requests report it as they would their own (logged once, with its
// stack, never shown), and the server goes on.
func (q *combiner[T]) safeApply(ctx context.Context, batch []T) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("postgres: a batch panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return q.apply(ctx, batch)
}
