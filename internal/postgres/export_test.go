package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vendredi-app/vendredi/internal/catalog"
)

// SelectArgs is selectArgs, for the tests of the package's clients.
var SelectArgs = (*DB).selectArgs

// AsBound is asBound, for the tests that bind a recorded statement's
// arguments with bun.
var AsBound = asBound

// SearchPlan is one query of a search under EXPLAIN (ANALYZE, BUFFERS),
// with its custom plan (made for its values) and its generic plan (the
// one PostgreSQL may keep for a prepared statement after five calls).
type SearchPlan struct {
	SQL             string
	Custom, Generic string
	// The shared buffers each plan's run read or hit.
	CustomBuffers, GenericBuffers int
}

// PlanSearch runs q as Search does and explains each of its queries with
// both plans, so that a test or the benchmark can tell whether the
// generic plan of a search sent with bind parameters is as good as the
// custom one; none for a search whose values are written in (planned at
// each call: Search.shared).
func (s *Search) PlanSearch(ctx context.Context, q catalog.Query) ([]SearchPlan, error) {
	sp, err := s.prepare(ctx, &q)
	if err != nil || !sp.bound() {
		return nil, err // none for a search planned at each call
	}
	c, err := s.db.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var plans []SearchPlan
	_, err = sp.run(func(query string, args []any) ([]searchRow, error) {
		lits := make([]string, len(args))
		for i, a := range args {
			lits[i] = searchLiteral(a)
		}
		p := SearchPlan{SQL: query}
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			plan, buffers, err := explainPrepared(ctx, c.Conn, mode, query, lits)
			if err != nil {
				return nil, err
			}
			if mode == "force_custom_plan" {
				p.Custom, p.CustomBuffers = plan, buffers
			} else {
				p.Generic, p.GenericBuffers = plan, buffers
			}
		}
		plans = append(plans, p)
		var part []searchRow
		err := s.db.selectArgs(ctx, s.db.DB, &part, query, args...)
		return part, err
	})
	return plans, err
}

func explainPrepared(ctx context.Context, c *sql.Conn, mode, query string, lits []string) (string, int, error) {
	for _, stmt := range []string{"SET plan_cache_mode = " + mode, "PREPARE search_plan AS " + query} {
		if _, err := c.ExecContext(ctx, stmt); err != nil {
			return "", 0, err
		}
	}
	defer c.ExecContext(ctx, "DEALLOCATE search_plan; RESET plan_cache_mode") //nolint:errcheck // the connection goes back to the pool either way
	execute := "EXECUTE search_plan(" + strings.Join(lits, ", ") + ")"
	var js string
	if err := c.QueryRowContext(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+execute).Scan(&js); err != nil {
		return "", 0, err
	}
	var out []struct {
		Plan struct {
			Hit  int `json:"Shared Hit Blocks"`
			Read int `json:"Shared Read Blocks"`
		}
	}
	if err := json.Unmarshal([]byte(js), &out); err != nil || len(out) != 1 {
		return "", 0, fmt.Errorf("explain: %v", err)
	}
	rows, err := c.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+execute)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return "", 0, err
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), out[0].Plan.Hit + out[0].Plan.Read, rows.Err()
}

// searchLiteral is a search argument as a quoted literal, of no type:
// EXECUTE gives it its parameter's.
func searchLiteral(a any) string {
	var s string
	switch v := a.(type) {
	case string:
		s = v
	case []string:
		q := make([]string, len(v))
		for i, e := range v {
			q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(e) + `"`
		}
		s = "{" + strings.Join(q, ",") + "}"
	case time.Time:
		s = v.Format(time.RFC3339Nano)
	case float64:
		s = strconv.FormatFloat(v, 'g', -1, 64)
	default:
		s = fmt.Sprint(v)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// WithWalk returns s with the walks of the title and description
// segments bounded as said (searchWalkSizes), for tests on a catalogue
// too small for the real ones.
func (s *Search) WithWalk(glance, walk, dense int) *Search {
	size := searchWalkSizes{glance: glance, walk: walk, dense: dense}
	return &Search{db: s.db, walk: searchWalks{title: size, described: size}}
}

// HoldSignUps keeps s's sign-ups queued, none written, until release:
// queued(n) returns once n wait, release lets them go, in the
// transactions they would have shared had they come while others were
// being written.
func (s *ParticipationStore) HoldSignUps() (queued func(n int), release func()) {
	return hold(&s.signUps)
}

// HoldSessionLookups is HoldSignUps for the sessions s reads (those not
// cached).
func (s *People) HoldSessionLookups() (queued func(n int), release func()) {
	return hold(s.lookups)
}

func hold[T combinable, G comparable](q *combiner[T, G]) (queued func(n int), release func()) {
	q.mu.Lock()
	inFlight := q.inFlight
	q.inFlight = 0
	q.mu.Unlock()
	queued = func(n int) {
		for {
			q.mu.Lock()
			k := len(q.waiting)
			q.mu.Unlock()
			if k >= n {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	release = func() {
		q.mu.Lock()
		q.inFlight = inFlight
		start := q.running < q.inFlight && len(q.waiting) > 0
		if start {
			q.running++
		}
		q.mu.Unlock()
		if start {
			go q.work()
		}
	}
	return queued, release
}
