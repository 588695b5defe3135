package postgres

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
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
// Requests go in batches of one group (a company's, say), at most size
// each, of requests that together accepts. A group has one batch at the
// database at a time, so that its requests gather into as few as its pace
// allows: one company's rush shares transactions, and one company's slow
// transaction holds none of the others up. At most inFlight batches run
// at once. Beyond that, requests wait in the queue, in order, instead of
// waiting for a connection.
type combiner[T combinable, G comparable] struct {
	inFlight, size int
	group          func(T) G
	// together says whether r, of batch's group, may join it (never
	// empty); nil: any may.
	together func(batch []T, r T) bool
	// apply runs a batch and sets each request's outcome; an error is the
	// batch's, and then none of them holds.
	apply func(ctx context.Context, batch []T) error

	mu      sync.Mutex
	waiting []T
	running int
	busy    map[G]bool // the groups with a batch at the database
}

// do queues r and returns once its batch has run (r's outcome is then
// set), or with ctx's error if ctx ends before a batch took it: a request
// taken is seen through, so that a write is never reported as failed when
// it was committed. A request made within a unit of work (DB.InTx) runs
// alone in the unit's transaction, at once: it must see what the unit
// wrote, and commit with it.
func (q *combiner[T, G]) do(ctx context.Context, r T) error {
	c := r.base()
	if _, joined := ctx.Value(unitKey{}).(bun.Tx); joined {
		if err := q.apply(ctx, []T{r}); err != nil {
			return err
		}
		return c.err
	}
	c.ctx, c.done = ctx, make(chan struct{})
	q.mu.Lock()
	q.waiting = append(q.waiting, r)
	// A group with a batch running is taken up by its worker next.
	start := q.running < q.inFlight && !q.busy[q.group(r)]
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

// work runs batches while requests wait for a group with none running.
func (q *combiner[T, G]) work() {
	for {
		q.mu.Lock()
		batch := q.take()
		if len(batch) == 0 {
			q.running--
			q.mu.Unlock()
			return
		}
		g := q.group(batch[0])
		if q.busy == nil {
			q.busy = make(map[G]bool)
		}
		q.busy[g] = true
		q.mu.Unlock()
		q.run(batch)
		q.mu.Lock()
		delete(q.busy, g)
		q.mu.Unlock()
	}
}

// take removes from the queue the first waiting request of a group with
// no batch running and those after it that may go with it, up to size;
// the others keep their place. Withdrawn requests are dropped.
func (q *combiner[T, G]) take() []T {
	var batch []T
	var g G
	kept := q.waiting[:0]
	for _, r := range q.waiting {
		c := r.base()
		switch {
		case c.state.Load() == withdrawn:
			continue
		case len(batch) == 0 && !q.busy[q.group(r)],
			len(batch) > 0 && len(batch) < q.size && q.group(r) == g && (q.together == nil || q.together(batch, r)):
			if !c.state.CompareAndSwap(queued, taken) {
				continue // withdrawn just now
			}
			g = q.group(r)
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
func (q *combiner[T, G]) run(batch []T) {
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
func (q *combiner[T, G]) safeApply(ctx context.Context, batch []T) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("postgres: a batch panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return q.apply(ctx, batch)
}
