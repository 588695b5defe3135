package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// listener runs Listen for the test and hands over what fn receives. next
// fails the test if Listen returns instead; a notification that never
// comes hangs until go test's -timeout, which reports it: the test asserts
// on order and content, never on time.
type listener struct {
	t   *testing.T
	got chan string
	end chan error
}

func startListener(t *testing.T, url, channel string) *listener {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{t: t, got: make(chan string, 64), end: make(chan error, 1)}
	go func() { l.end <- postgres.Listen(ctx, url, channel, func(p string) { l.got <- p }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-l.end; err != nil {
			t.Errorf("Listen returned %v when its context ended; want nil", err)
		}
	})
	return l
}

func (l *listener) next() string {
	l.t.Helper()
	select {
	case p := <-l.got:
		return p
	case err := <-l.end:
		l.t.Fatalf("Listen returned early: %v", err)
		return ""
	}
}

func notify(t *testing.T, db *postgres.DB, channel, payload string, commit bool) {
	t.Helper()
	rollback := errors.New("roll back")
	err := db.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if err := postgres.Notify(ctx, tx, channel, payload); err != nil {
			return err
		}
		if !commit {
			return rollback
		}
		return nil
	})
	if commit && err != nil || !commit && !errors.Is(err, rollback) {
		t.Fatalf("notify %q (commit %v): %v", payload, commit, err)
	}
}

func TestListenDeliversCommittedNotificationsOnly(t *testing.T) {
	env := pgtest.New(t)
	const channel = "test_commit_only"
	l := startListener(t, env.AppURL, channel)
	if p := l.next(); p != "" {
		t.Fatalf("first call: got %q, want \"\" (listening; drop what may have been missed)", p)
	}
	// PostgreSQL delivers notifications in commit order: had the
	// rolled-back one been sent, it would arrive first.
	notify(t, env.App, channel, "tenant:rolled-back", false)
	notify(t, env.App, channel, "tenant:committed", true)
	notify(t, env.App, "test_other_channel", "elsewhere", true)
	notify(t, env.App, channel, "tenant:second", true)
	for _, want := range []string{"tenant:committed", "tenant:second"} {
		if p := l.next(); p != want {
			t.Fatalf("got %q, want %q", p, want)
		}
	}
}

func TestListenReconnects(t *testing.T) {
	env := pgtest.New(t)
	const channel = "test_reconnect"
	l := startListener(t, env.AppURL, channel)
	if p := l.next(); p != "" {
		t.Fatalf("first call: got %q, want \"\"", p)
	}
	// Kill the listener's session, as a failover or an idle-connection
	// reaper would.
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = $2`, "vendredi-listen:"+channel, env.Database).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listening sessions, want 1", killed)
	}
	if p := l.next(); p != "" {
		t.Fatalf("after the reconnection: got %q, want \"\" so that caches drop what they may have missed", p)
	}
	notify(t, env.App, channel, "after", true)
	if p := l.next(); p != "after" {
		t.Fatalf("got %q, want the notification sent after the reconnection", p)
	}
}

func TestListenAndNotifyRefuse(t *testing.T) {
	env := pgtest.New(t)
	ctx := context.Background()
	fn := func(string) { t.Error("fn called") }
	listenErrors := map[string]error{
		"a channel with capitals": postgres.Listen(ctx, env.AppURL, "Roles", fn),
		"an empty channel":        postgres.Listen(ctx, env.AppURL, "", fn),
		"a channel too long":      postgres.Listen(ctx, env.AppURL, strings.Repeat("a", 64), fn),
		"a bad URL":               postgres.Listen(ctx, "postgres://%zz", "roles", fn),
	}
	for name, err := range listenErrors {
		if err == nil {
			t.Errorf("Listen with %s: got no error", name)
		}
	}
	if err := postgres.Notify(ctx, env.App, "roles", "x"); err == nil {
		t.Error("Notify on the pool (outside the change's transaction): got no error")
	}
	if err := postgres.Notify(ctx, env.App.DB, "roles", "x"); err == nil {
		t.Error("Notify on the bun pool: got no error")
	}
	err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return postgres.Notify(ctx, tx, "roles", strings.Repeat("x", 8000))
	})
	if err == nil {
		t.Error("Notify with a payload over PostgreSQL's limit: got no error")
	}
}
