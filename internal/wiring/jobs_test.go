package wiring

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A job's pass that is running when the server is told to stop runs to its
// end, on a context that stop did not cancel, and no pass starts after.
func TestStopLetsTheRunningJobFinish(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	entered, release := make(chan struct{}), make(chan struct{})
	var (
		mu     sync.Mutex
		passes int
		ctxErr error
	)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		every(ctx, "test_job", time.Hour, true, func(ctx context.Context) error {
			mu.Lock()
			passes++
			mu.Unlock()
			close(entered)
			<-release // the job is busy when stop comes
			mu.Lock()
			ctxErr = ctx.Err()
			mu.Unlock()
			return nil
		})
	}()
	<-entered
	stop() // SIGTERM
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
		t.Fatal("the job loop returned while its pass was still running")
	default:
	}
	close(release)
	<-finished
	mu.Lock()
	defer mu.Unlock()
	if passes != 1 {
		t.Errorf("%d passes; want the one that was running", passes)
	}
	if errors.Is(ctxErr, context.Canceled) {
		t.Error("the running pass saw its context cancelled by stop: it would abandon its work halfway")
	}
}
