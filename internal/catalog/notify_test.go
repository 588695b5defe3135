package catalog

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// passes counts NotifyPending's passes; the first closes started, then
// waits until release is closed.
type passes struct {
	Store
	n                atomic.Int32
	started, release chan struct{}
}

func (p *passes) PendingEvents(context.Context, int) ([]PendingEvent, error) {
	if p.n.Add(1) == 1 {
		close(p.started)
		<-p.release
	}
	return nil, nil
}

func (p *passes) MarkNotified(context.Context, ...uuid.UUID) error { return nil }

// waitIdle waits until no pass runs and at least want have run, for ten
// seconds at most.
func waitIdle(t *testing.T, s *Service, p *passes, want int32) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); p.n.Load() < want || s.pending.running.Load(); {
		if time.Now().After(deadline) {
			t.Fatalf("%d passes ran; want %d, then none running", p.n.Load(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A change that asks for its managers' mails is answered without waiting
// for them; the changes made while the mails go are all mailed by one
// more pass, not one pass each; and a change after that gets its own.
func TestNotifySoonMailsOffTheChangesPathOnePassForThoseThatCameDuringOne(t *testing.T) {
	t.Parallel()
	p := &passes{started: make(chan struct{}), release: make(chan struct{})}
	s := NewService(p, nil, "")
	returned := make(chan struct{})
	go func() {
		s.NotifySoon()
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("NotifySoon waited for the mails to go")
	}
	<-p.started
	for range 10 {
		s.NotifySoon() // while the first pass runs
	}
	close(p.release)
	waitIdle(t, s, p, 2)
	if n := p.n.Load(); n != 2 {
		t.Errorf("%d passes for 11 changes, 10 of them during the first pass; want 2", n)
	}
	s.NotifySoon()
	waitIdle(t, s, p, 3)
	if n := p.n.Load(); n != 3 {
		t.Errorf("%d passes after one more change; want 3", n)
	}
}
