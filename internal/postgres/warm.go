package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// A new PostgreSQL backend starts with empty caches of the catalogue (the
// tables, their indexes and statistics, the text search configuration and
// its dictionaries), and each of our hot statements is parsed and planned
// on each connection the first time it runs there: about 80 ms of the
// backend's CPU for the text search against 4 once warm (docs/performance.md).
// On a server just started, every connection of the pool paid that at
// once under the first requests, which queued behind them: a p99 of 60 to
// 300 ms in the first seconds where the steady state is 11. Warming moves
// that work before the server listens, or before a connection opened
// later serves its first request.

const (
	// warmTimeout bounds one connection's warm-up: past it the
	// connection serves cold rather than hold its request.
	warmTimeout = 5 * time.Second
	// fillTimeout bounds Open's filling of the pool, the start-up's
	// share of it.
	fillTimeout = 15 * time.Second
	// fillParallel is how many connections Open opens and warms at a
	// time: PostgreSQL's CPU, not ours, is what a warm-up spends.
	fillParallel = 4
)

// warmTenant is no company: the warm-up's reads find nothing, and their
// plans (generic, see setTenant) are those of every company.
var warmTenant = uuid.MustParse("00000000-0000-0000-0000-00000000a1a1")

// WarmHotReads is Options.Warm for a server: the reads of the request
// path, each as a request sends it, so that what they prepare on the
// connection is what the requests find there. Other statements still pay
// their first run on each connection; a shape of search added here costs
// every connection's warm-up about 30 ms.
func WarmHotReads(ctx context.Context, db *DB) error {
	ctx = tenants.NewContext(ctx, &tenants.Tenant{ID: warmTenant})
	search := NewSearch(db)
	queries := []catalog.Query{{}} // the catalogue's first page: what every employee opens
	// A text search's plan walks the newest missions, then their GIN
	// indexes when few of them match: a common word and one that matches
	// nothing take both ways. A backend's first runs of each way cost it
	// 5 to 10 ms more than the next ones, whatever the word.
	for _, text := range []string{"solidarité", "xqzwv"} {
		queries = append(queries, catalog.Query{Text: text}, catalog.Query{Text: text, Sort: catalog.SortRelevance})
	}
	for _, q := range queries {
		if _, err := search.Search(ctx, q); err != nil {
			return err
		}
	}
	// An employee's first request on this server reads their session,
	// not cached yet (People.Session caches it).
	if _, _, err := NewMemberDirectory(db).session(ctx, warmTenant.String(), make([]byte, 32), time.Now()); err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	// Recommendations: the campaign as its employee sees it, and the
	// employee's profile.
	id := warmTenant
	if _, err := NewCampaignStore(db).Campaigns(ctx, campaign.CampaignFilter{ID: &id, ForMember: &id}); err != nil {
		return err
	}
	if _, err := NewMatchStore(db).Candidates(ctx, &campaign.Campaign{ID: id}, &id); err != nil {
		return err
	}
	return nil
}

// warmConn runs warm on cn alone, through a pool of that one connection,
// so that the stores' own code sends their statements as requests do.
// It reports whether cn can still serve.
func warmConn(ctx context.Context, warm func(context.Context, *DB) error, cn *conn) bool {
	// ctx is that of whatever asked the pool for a connection: its
	// values (a unit of work's transaction, a read's tenant) would lead
	// the warm-up's reads elsewhere, so only its end is kept.
	wctx, cancel := context.WithTimeout(context.Background(), warmTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	ctx = wctx
	start := time.Now()
	one := sql.OpenDB(&lend{c: cn})
	one.SetMaxOpenConns(1)
	// Caches of its own: nothing the warm-up reads is kept.
	err := warm(ctx, &DB{DB: bun.NewDB(one, pgdialect.New()), cache: &caches{}})
	_ = one.Close() // closes the loan, not cn
	if err != nil {
		slog.Warn("a database connection serves without its warm-up", "err", err, "after", time.Since(start).Round(time.Millisecond))
	} else {
		slog.Debug("database connection warmed", "took", time.Since(start).Round(time.Millisecond))
	}
	cn.inTx, cn.pending, cn.committed = false, "", false
	return !cn.Conn.Conn().IsClosed()
}

// lend is a connector that gives its connection once, for warmConn: the
// pool it serves never closes it.
type lend struct {
	c     *conn
	given atomic.Bool
}

func (l *lend) Connect(context.Context) (driver.Conn, error) {
	if l.given.Swap(true) {
		return nil, errors.New("postgres: the warm-up's connection was given already")
	}
	return loan{l.c}, nil
}

func (l *lend) Driver() driver.Driver { return nil }

type loan struct{ *conn }

func (loan) Close() error { return nil }

// fill opens n connections at once, each warmed by the connector, and
// leaves them idle in the pool: the pool otherwise opens them one request
// at a time, each request paying the connection and its warm-up.
func (db *DB) fill(ctx context.Context, n int) {
	ctx, cancel := context.WithTimeout(ctx, fillTimeout)
	defer cancel()
	start := time.Now()
	held := make(chan *sql.Conn, n)
	sem := make(chan struct{}, fillParallel)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			// Held until all are open, so that each is a new one.
			c, err := db.DB.DB.Conn(ctx)
			<-sem
			if err == nil {
				held <- c
			}
		}()
	}
	wg.Wait()
	close(held)
	opened := 0
	for c := range held {
		opened++
		_ = c.Close()
	}
	slog.Info("database connections opened and warmed", "conns", opened, "of", n, "took", time.Since(start).Round(time.Millisecond))
}
