package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// The sign-in limits count the last window-long span, not a fixed window:
// a fixed window let twice the limit through around its turn (the limit
// just before it, the limit again just after).
func TestLimiterCountsTheLastWindowNotTheCurrentOne(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	ctx := context.Background()
	l := postgres.NewLimiter(env.App)
	const limit, window = 5, time.Hour

	t.Run("attempts just before the turn still count just after it", func(t *testing.T) {
		// How far into the current hour PostgreSQL's clock is, hence the
		// share of the previous hour that the last hour still covers.
		var elapsed float64
		if err := env.Owner.NewRaw(`SELECT extract(epoch FROM now() - to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600))::float8`).
			Scan(ctx, &elapsed); err != nil {
			t.Fatal(err)
		}
		share := 1 - elapsed/window.Seconds()
		// Enough attempts in the previous hour that its share alone is
		// twice the limit, and none yet in this one.
		key := "test:" + uuid.NewString()
		sum := sha256.Sum256([]byte(key))
		if _, err := env.Owner.ExecContext(ctx, `INSERT INTO rate_limits (key, window_start, hits)
			VALUES (?, to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600) - interval '1 hour', ?)`,
			hex.EncodeToString(sum[:]), int(math.Ceil(2*limit/share))); err != nil {
			t.Fatal(err)
		}
		hits, _, err := l.Hits(ctx, key, limit, window)
		if err != nil || hits < limit {
			t.Fatalf("the last hour's count reads %d (%v); want at least the limit %d", hits, err, limit)
		}
		ok, retry, err := l.Hit(ctx, key, limit, window)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			t.Fatal("an attempt was let through right after a window's worth of attempts, because a new fixed window began")
		}
		if untilTurn := time.Duration(share * float64(window)); retry <= 0 || retry > untilTurn+time.Second {
			t.Fatalf("retry after %v; want a wait within this window's remaining %v (the previous one's share fades first)", retry, untilTurn)
		}
	})

	t.Run("without earlier attempts, the limit holds within the window", func(t *testing.T) {
		key := "test:" + uuid.NewString()
		for i := range limit {
			if ok, _, err := l.Hit(ctx, key, limit, window); err != nil || !ok {
				t.Fatalf("attempt %d of %d refused (%v)", i+1, limit, err)
			}
		}
		ok, retry, err := l.Hit(ctx, key, limit, window)
		if err != nil || ok {
			t.Fatalf("attempt %d of a limit of %d: allowed %v (%v)", limit+1, limit, ok, err)
		}
		if retry <= 0 || retry > 2*window {
			t.Fatalf("retry after %v; want between 0 and two windows", retry)
		}
		if hits, _, err := l.Hits(ctx, key, limit, window); err != nil || hits != limit+1 {
			t.Fatalf("count %d (%v); want %d", hits, err, limit+1)
		}
	})
}
