package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// Tuning of Listen. A lost connection is retried from minBackoff, doubling
// up to maxBackoff; a session that lasted stableAfter starts over from
// minBackoff. An idle connection is pinged every idleCheck, so that a
// silently dead one (a NAT or a failover that dropped it) is noticed in
// about that time rather than at the next TCP keep-alive failure.
const (
	minBackoff  = 100 * time.Millisecond
	maxBackoff  = 30 * time.Second
	stableAfter = time.Minute
	idleCheck   = 30 * time.Second
	opTimeout   = 10 * time.Second
)

// A channel name is an identifier: LISTEN quotes it and pg_notify takes it
// as is, so both see the same name only if it is plain, and PostgreSQL
// would truncate one longer than 63 bytes.
var channelRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func checkChannel(channel string) error {
	if !channelRE.MatchString(channel) {
		return fmt.Errorf("postgres: channel %q: use 1 to 63 lowercase letters, digits and _", channel)
	}
	return nil
}

// Listen calls fn with the payload of every notification on channel until
// ctx ends, then returns nil. It holds a connection of its own (LISTEN
// needs a session; a pooled connection would lose it) and reconnects with
// backoff when the connection is lost.
//
// After every LISTEN, the first one included, Listen calls fn(""): what
// was notified while it was not listening is lost, so a cache fed by the
// notifications must drop everything then. fn runs on Listen's goroutine:
// a slow fn delays the next notifications, never loses them.
//
// It returns an error only for arguments that no retry can fix: a bad URL
// or channel name.
func Listen(ctx context.Context, url, channel string, fn func(payload string)) error {
	return ListenState(ctx, url, channel, fn, nil)
}

// ListenState is Listen that also tells state, when it is not nil, whether
// it listens: true once LISTEN succeeded (just before fn("")), false once
// the connection is lost. A cache that must not serve what it may have
// missed stops serving while it is false.
func ListenState(ctx context.Context, url, channel string, fn func(payload string), state func(listening bool)) error {
	if state == nil {
		state = func(bool) {}
	}
	if err := checkChannel(channel); err != nil {
		return err
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("postgres: listen: parse database URL: %w", err)
	}
	// Named, so that an operator (or a test) can find the session in
	// pg_stat_activity.
	cfg.RuntimeParams["application_name"] = "vendredi-listen:" + channel

	backoff := minBackoff
	for {
		start := time.Now()
		listening, err := listen(ctx, cfg, channel, fn, state)
		if listening {
			state(false)
		}
		if ctx.Err() != nil {
			return nil
		}
		if listening && time.Since(start) >= stableAfter {
			backoff = minBackoff
		}
		// Jitter spreads the reconnections of many servers after a
		// database restart.
		wait := backoff/2 + rand.N(backoff/2+1)
		slog.WarnContext(ctx, "postgres: listen: connection lost; reconnecting",
			"channel", channel, "err", err, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// listen runs one session: connect, LISTEN, deliver until an error.
// listening says whether LISTEN succeeded.
func listen(ctx context.Context, cfg *pgx.ConnConfig, channel string, fn func(string), state func(bool)) (listening bool, err error) {
	opCtx, cancel := context.WithTimeout(ctx, opTimeout)
	conn, err := pgx.ConnectConfig(opCtx, cfg)
	if err != nil {
		cancel()
		return false, err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	_, err = conn.Exec(opCtx, "LISTEN "+pgx.Identifier{channel}.Sanitize())
	cancel()
	if err != nil {
		return false, err
	}
	state(true)
	fn("")
	for {
		waitCtx, cancel := context.WithTimeout(ctx, idleCheck)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			fn(n.Payload)
			continue
		case ctx.Err() != nil:
			return true, ctx.Err()
		case !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded):
			return true, err
		}
		// Idle for idleCheck: make sure the connection still answers. A
		// timed-out wait leaves a pgx connection usable.
		pingCtx, cancel := context.WithTimeout(ctx, opTimeout)
		err = conn.Ping(pingCtx)
		cancel()
		if err != nil {
			return true, err
		}
	}
}

// maxPayload is PostgreSQL's limit on a notification's payload (8000
// bytes, less one in practice).
const maxPayload = 7999

// Notify queues a notification of payload on channel in tx: PostgreSQL
// delivers it when tx commits, and never if it rolls back, so a listener
// hears of a change only once every server can read it.
//
// tx must be the transaction that makes the change: a *bun.DB (or *DB)
// would notify at once, before the change is committed, and is refused.
func Notify(ctx context.Context, tx bun.IDB, channel, payload string) error {
	switch tx.(type) {
	case *bun.DB, *DB:
		return errors.New("postgres: Notify needs the transaction that makes the change, not the pool")
	}
	if err := checkChannel(channel); err != nil {
		return err
	}
	if len(payload) > maxPayload {
		return fmt.Errorf("postgres: notification payload of %d bytes; PostgreSQL takes at most %d", len(payload), maxPayload)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_notify(?, ?)", channel, payload); err != nil {
		return translate(fmt.Errorf("notify %s: %w", channel, err))
	}
	return nil
}
