// Package postgres implements Vendredi's stores on PostgreSQL through bun.
//
// Every unit of work is one transaction. Work on tenant-owned tables goes
// through TenantTx, which sets app.tenant_id for the transaction only
// (SET LOCAL), or TenantRead, for one statement only, so that row-level security, the second lock after
// the stores' own WHERE clauses, binds every statement and a pooled
// connection never carries a tenant into the next request.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// DB is a connection pool with Vendredi's unit-of-work helpers.
type DB struct {
	*bun.DB
	cache *caches
	hooks []bun.QueryHook // Hooked's, for the statements select sends past bun
}

// Options tune the pool.
type Options struct {
	MaxConns int
	// Warm, when set, runs on every new connection, on that connection
	// alone, before the pool hands it out, and Open opens MaxConns
	// connections before it returns: a server's first requests then
	// find them ready (WarmHotReads). Its errors are logged, never the
	// connection's.
	Warm func(ctx context.Context, db *DB) error
}

// Open connects to url and checks that the server answers.
func Open(ctx context.Context, url string, opt Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		// A server that does not answer fails the request (503) instead
		// of holding it: the URL's connect_timeout overrides this.
		cfg.ConnectTimeout = 5 * time.Second
	}
	sqldb := sql.OpenDB(connector{Connector: stdlib.GetConnector(*cfg), warm: opt.Warm})
	if opt.MaxConns > 0 {
		sqldb.SetMaxOpenConns(opt.MaxConns)
		sqldb.SetMaxIdleConns(opt.MaxConns)
	}
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New())
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, errs.Wrap(err, errs.Unavailable, "cannot reach PostgreSQL as %s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	}
	out := &DB{DB: db, cache: &caches{}}
	if opt.Warm != nil && opt.MaxConns > 0 {
		out.fill(ctx, opt.MaxConns)
	}
	return out, nil
}

// Hooked returns the pool with hook called around every query, for
// tests that look at the statements a store sends; it shares db's
// connections and caches.
func (db *DB) Hooked(hook bun.QueryHook) *DB {
	return &DB{DB: db.DB.WithQueryHook(hook), cache: db.cache, hooks: append(slices.Clip(db.hooks), hook)}
}

// Tx runs fn in a transaction that sees no tenant: the platform's own
// tables only. Row-level security hides every tenant-owned row from it.
func (db *DB) Tx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return translate(db.run(ctx, fn))
}

// lazyBegin is ctx for a BEGIN that goes with the transaction's first
// statement (conn.BeginTx); fn's transactions begin as usual.
func lazyBegin(ctx context.Context, begin string) context.Context {
	return context.WithValue(ctx, beginKey{}, begin)
}

type (
	txKey   struct{}
	unitKey struct{}
)

// InTx runs fn as one unit of work: every store call made with the ctx it
// gets joins one transaction, and so does every job enqueued with it (the
// outbox), so that a change and the mails it causes are committed, or
// rolled back, together. A unit inside a unit is the same unit.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(unitKey{}).(bun.Tx); ok {
		return fn(ctx)
	}
	return translate(db.RunInTx(lazyBegin(ctx, beginGeneric), nil, func(ctx context.Context, tx bun.Tx) error {
		ctx = context.WithValue(context.WithValue(context.WithValue(ctx, beginKey{}, nil), unitKey{}, tx), txKey{}, tx)
		return fn(ctx)
	}))
}

// CurrentTx is the transaction that ctx runs in, if one of this package's
// helpers opened it: jobs enqueued in it are committed with the change.
func CurrentTx(ctx context.Context) (*sql.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(bun.Tx)
	if !ok {
		return nil, false
	}
	return tx.Tx, true
}

// run opens a transaction, or joins the unit of work of ctx (InTx), and
// lets fn's ctx carry it for CurrentTx.
func (db *DB) run(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if tx, ok := ctx.Value(unitKey{}).(bun.Tx); ok {
		return fn(ctx, tx)
	}
	return db.RunInTx(lazyBegin(ctx, beginGeneric), nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(context.WithValue(context.WithValue(ctx, beginKey{}, nil), txKey{}, tx), tx)
	})
}

// TenantTx runs fn in a transaction bound to the tenant of ctx. It fails
// with errs.Internal when ctx carries no tenant: that is a bug, not input.
//
// A transaction of its own sets the tenant with its BEGIN, both sent with
// its first statement (see conn.BeginTx); one joined (InTx) sets it with a
// statement.
func (db *DB) TenantTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	if _, joined := ctx.Value(unitKey{}).(bun.Tx); joined {
		return translate(db.run(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, true)", t.ID.String()); err != nil {
				return fmt.Errorf("set tenant: %w", err)
			}
			return fn(ctx, tx)
		}))
	}
	// A uuid's text is hex digits and dashes: nothing to quote.
	begin := beginGeneric + "; SET LOCAL app.tenant_id = '" + t.ID.String() + "'"
	return translate(db.RunInTx(lazyBegin(ctx, begin), nil, func(ctx context.Context, tx bun.Tx) error {
		// Transactions that fn opens begin as usual.
		ctx = context.WithValue(context.WithValue(ctx, beginKey{}, nil), txKey{}, tx)
		return fn(ctx, tx)
	}))
}

// beginGeneric begins a transaction whose prepared statements run their
// generic plans from their first run (see setTenant).
const beginGeneric = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan"

// beginKey carries, in the context of a BEGIN, the statements that begin
// the transaction instead: "BEGIN; SET LOCAL app.tenant_id = ...", sent at once.
type beginKey struct{}

// TenantRead runs fn's statements bound to the tenant of ctx without a
// transaction of their own: each statement goes to the server in one
// message with the SET LOCAL that binds it ("SET LOCAL app.tenant_id =
// ...; SELECT ..."), which PostgreSQL runs as one implicit transaction, so the
// tenant holds for that statement and nothing after it: one round trip
// where TenantTx takes three (BEGIN, the statement, COMMIT).
//
// For reads only, and for reads that need no snapshot shared between
// their statements: under READ COMMITTED each statement of a transaction
// sees its own snapshot anyway, so a read of several statements loses
// nothing it had. Inside a unit of work (InTx), fn joins its transaction,
// so that it reads what the unit wrote. fn must use the db it is given;
// statements with bind parameters are refused (bun writes every value
// into the text).
func (db *DB) TenantRead(ctx context.Context, fn func(ctx context.Context, db bun.IDB) error) error {
	if _, joined := ctx.Value(unitKey{}).(bun.Tx); joined {
		return db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx) })
	}
	t, err := tenants.Require(ctx)
	if err != nil {
		return err
	}
	return translate(fn(context.WithValue(ctx, readTenantKey{}, t.ID.String()), db.DB))
}

// Read is TenantRead for the platform's own tables: no tenant, each
// statement its own transaction, or the unit's (InTx) inside one.
func (db *DB) Read(ctx context.Context, fn func(ctx context.Context, db bun.IDB) error) error {
	if tx, joined := ctx.Value(unitKey{}).(bun.Tx); joined {
		return translate(fn(ctx, tx))
	}
	return translate(fn(ctx, db.DB))
}

// readTenantKey carries the tenant TenantRead binds its statements to.
type readTenantKey struct{}

// CommitWith returns ctx for the last statement of a transaction that a
// TenantTx or Tx opened for itself: the statement goes to the server with
// the COMMIT, in one round trip, so that the row locks it takes are held
// for that statement and the commit only, not for one more exchange with
// the client; the transaction's own Commit then sends nothing. Within a
// unit of work (InTx) the unit commits, later: ctx is returned as it is.
// Nothing may be sent in the transaction after that statement.
func CommitWith(ctx context.Context) context.Context {
	if _, joined := ctx.Value(unitKey{}).(bun.Tx); joined {
		return ctx
	}
	return context.WithValue(ctx, commitKey{}, true)
}

type commitKey struct{}

// part is one statement of a round trip, with its bind parameters, if
// any ($1, $2 …).
type part struct {
	sql  string
	args []any
}

// partsKey carries the statements queryEach sends in one round trip.
type partsKey struct{}

// queryEach sends statements in one round trip and scans the rows of each
// into the dest of the same rank (a pointer to a slice, or to a struct for
// at most one row). Each statement begins when the one before it has
// finished and, under READ COMMITTED, takes its own snapshot then: a row
// lock that the first waited for is held, and what its holder committed is
// seen, when the second reads. Statements with bind parameters go
// prepared (see exchange).
func (db *DB) queryEach(ctx context.Context, idb bun.IDB, parts []part, dests ...any) error {
	if len(db.hooks) == 0 {
		return db.scanEach(ctx, idb, parts, dests)
	}
	// The hooks (tests) see each statement, with its values written in
	// as bun would have sent it.
	evs := make([]*bun.QueryEvent, len(parts))
	for i, p := range parts {
		evs[i] = &bun.QueryEvent{DB: db.DB, QueryTemplate: p.sql, Query: db.withValues(p.sql, p.args), QueryArgs: p.args,
			StartTime: time.Now()}
		for _, h := range db.hooks {
			ctx = h.BeforeQuery(ctx, evs[i])
		}
	}
	err := db.scanEach(ctx, idb, parts, dests)
	for _, ev := range evs {
		ev.Err = err
		for _, h := range slices.Backward(db.hooks) {
			h.AfterQuery(ctx, ev)
		}
	}
	return err
}

func (db *DB) scanEach(ctx context.Context, idb bun.IDB, parts []part, dests []any) error {
	// The driver sends them all, prepared with their generic plans.
	ctx = context.WithValue(ctx, partsKey{}, parts)
	var rows *sql.Rows
	var err error
	switch d := idb.(type) {
	case bun.Tx:
		rows, err = d.Tx.QueryContext(ctx, parts[0].sql, parts[0].args...)
	case *bun.DB:
		rows, err = d.DB.QueryContext(ctx, parts[0].sql, parts[0].args...)
	default:
		return fmt.Errorf("postgres: queryEach on a %T", idb)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for i, dest := range dests {
		if i > 0 && !rows.NextResultSet() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("postgres: statement %d of %d returned no result", i+1, len(parts))
		}
		if err := db.scanSet(ctx, rows, dest); err != nil {
			return err
		}
	}
	return rows.Close()
}

// selectArgs runs query with bind parameters ($1, $2 …) on idb, a
// TenantRead's or a transaction's, and scans its rows into dest: queryEach
// of one statement. bun writes every value into a statement's text, so
// that PostgreSQL parses and plans each call anew; a statement with bind
// parameters is prepared once per connection (see exchange): for the hot
// reads of the request path, where planning cost more than the work.
// query must be a fixed text, every value in args: each distinct text is
// prepared on each connection and kept there.
func (db *DB) selectArgs(ctx context.Context, idb bun.IDB, dest any, query string, args ...any) error {
	return db.queryEach(ctx, idb, []part{{sql: query, args: args}}, dest)
}

var bindParam = regexp.MustCompile(`\$[0-9]+`)

// withValues is query with its bind parameters written in, as bun would
// have sent it: what the hooks see (tests explain it).
func (db *DB) withValues(query string, args []any) string {
	if len(db.hooks) == 0 {
		return query
	}
	f := db.DB.QueryGen()
	return bindParam.ReplaceAllStringFunc(query, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		if n < 1 || n > len(args) {
			return p
		}
		return f.FormatQuery("?", asBound(args[n-1]))
	})
}

// asBound is v as bun must write it to mean what pgx binds: a slice
// (but bytes) as an array, not as JSON.
func asBound(v any) any {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8 {
		return pgdialect.Array(v)
	}
	return v
}

// scanSet scans the rows of the current result set into dest, with bun.
func (db *DB) scanSet(ctx context.Context, rows *sql.Rows, dest any) error {
	v := reflect.ValueOf(dest).Elem()
	if v.Kind() != reflect.Slice {
		if rows.Next() {
			if err := db.ScanRow(ctx, rows, dest); err != nil {
				return err
			}
		}
		for rows.Next() { // the rest of the set, if any, is not wanted
		}
		return rows.Err()
	}
	for rows.Next() {
		e := reflect.New(v.Type().Elem())
		if err := db.ScanRow(ctx, rows, e.Interface()); err != nil {
			return err
		}
		v.Set(reflect.Append(v, e.Elem()))
	}
	return rows.Err()
}

// connector makes the pool's connections conns, warmed (Options.Warm).
type connector struct {
	driver.Connector
	warm func(context.Context, *DB) error
}

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc := dc.(*stdlib.Conn)
	// A uuid.UUID is a driver.Valuer, so pgx would encode each one as its
	// string, fail to put a string in a binary uuid, build that error,
	// parse the string back and encode the bytes: an eighth of the
	// server's CPU in sign-ups. Taken first as the 16 bytes it is, it
	// costs a copy.
	m := sc.Conn().TypeMap()
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{pgxuuid.TryWrapUUIDEncodePlan}, m.TryWrapEncodePlanFuncs...)
	cn := &conn{Conn: sc}
	if c.warm != nil && !warmConn(ctx, c.warm, cn) {
		// A warm-up cut short by its deadline loses the connection
		// with the statement it cancels: a new one serves cold.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return connector{Connector: c.Connector}.Connect(ctx)
	}
	return cn, nil
}

// conn is pgx's database/sql connection with round trips saved:
//
//   - bun writes every argument into the SQL text, so its queries come
//     without parameters; pgx would prepare each distinct text (a
//     round trip to parse and describe it, then one to run it, and a
//     cache of statements that per-row values only churn). Such queries
//     go over the simple protocol instead: one round trip. Queries with
//     parameters (River's) keep pgx's statement cache, where their fixed
//     texts are prepared once per connection.
//   - a BEGIN whose context carries beginKey ("BEGIN; SET LOCAL
//     app.tenant_id = ...") is not sent on its own: it goes with the
//     transaction's first statement, in one simple query.
//   - a statement of TenantRead goes with the SET LOCAL that binds it,
//     one implicit transaction (DB.TenantRead).
//   - a transaction's last statement may go with its COMMIT (CommitWith).
//
// A simple query of several statements answers with a result each; pgx's
// database/sql driver reads only the first, so these read the one that is
// the caller's themselves (exchange, textRows).
type conn struct {
	*stdlib.Conn
	inTx      bool   // a transaction is open: statements run in it
	pending   string // its BEGIN, not sent yet: it goes with the first statement
	committed bool   // its last statement went with its COMMIT (CommitWith)
	// columns of the prepared statements' results (descriptions)
	columns map[*pgconn.StatementDescription]resultColumns
}

// pgxConn is the pgx connection under one of the pool's (sql.Conn.Raw).
func pgxConn(driverConn any) *pgx.Conn { return driverConn.(*conn).Conn.Conn() }

var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

var (
	errStatementArgs = errors.New("postgres: a tenant read runs no statement with bind parameters but a query")
	errAfterCommit   = errors.New("postgres: a statement after the one sent with the COMMIT (CommitWith)")
)

// before is what a statement must be sent after, and how many results
// that answers: the tenant of TenantRead, or a BEGIN not sent yet.
func (c *conn) before(ctx context.Context) (string, int, error) {
	switch {
	case c.committed:
		return "", 0, errAfterCommit
	case c.pending != "":
		// BEGIN, and SET LOCAL in a tenant's: a result each.
		return c.pending, strings.Count(c.pending, ";") + 1, nil
	case c.inTx:
		return "", 0, nil
	}
	tenant, ok := ctx.Value(readTenantKey{}).(string)
	if !ok {
		return "", 0, nil
	}
	if _, err := uuid.Parse(tenant); err != nil {
		return "", 0, fmt.Errorf("postgres: tenant %q is not a uuid", tenant)
	}
	// A uuid's text is hex digits and dashes: nothing to quote.
	return "SET LOCAL app.tenant_id = '" + tenant + "'", 1, nil
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	parts, ours := ctx.Value(partsKey{}).([]part) // queryEach's
	if !ours {
		parts = []part{{sql: query, args: values(args)}}
	}
	many := len(parts) > 1
	before, skip, err := c.before(ctx)
	if err != nil {
		return nil, err
	}
	last, _ := ctx.Value(commitKey{}).(bool)
	last = last && c.inTx
	switch {
	case before == "" && !last && !many && (!ours || c.inTx):
		// A statement on its own: pgx's driver (prepared when it has
		// bind parameters). Ours outside a transaction go through
		// exchange, which plans them generic.
		if len(args) == 0 {
			args = simpleProtocol
		}
		return c.Conn.QueryContext(ctx, query, args)
	case last:
		return c.queryAndCommit(ctx, before, skip, parts)
	}
	// Read by textRows: the results after before's, in order.
	mrr, rr, descs, err := c.exchange(ctx, before, skip, parts, "")
	if err != nil {
		return nil, err
	}
	return newTextRows(c.Conn.Conn().TypeMap(), mrr, rr, len(parts)-1, descs)
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	before, skip, err := c.before(ctx)
	if err != nil {
		return nil, err
	}
	if before == "" {
		return c.Conn.ExecContext(ctx, query, args)
	}
	if len(args) > 0 && !c.inTx {
		return nil, errStatementArgs // a tenant read writes nothing
	}
	mrr, rr, _, err := c.exchange(ctx, before, skip, []part{{sql: query, args: values(args)}}, "")
	if err != nil {
		return nil, err
	}
	tag, err := rr.Close()
	if cerr := mrr.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// values are the values of database/sql's arguments.
func values(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

// setTenant binds the tenant for the rest of the implicit transaction:
// SET LOCAL takes no bind parameter, set_config does. It also makes the
// prepared statements after it, to the end of the implicit transaction,
// run their generic plans from their first run. Left to choose,
// PostgreSQL plans a prepared statement's first five runs on each
// connection with their values, then keeps the generic plan when it costs
// no more: our statements are written for that plan (every company table
// says its company, the search's words and cursor are InitPlans), and
// TestHotQueriesUseTheirIndexesUnderRowLevelSecurity and the search's
// plan tests check them under it. Those five runs per statement and
// connection were the tail of the searches at 200/s: 7.5 ms of CPU each
// for the text search, 2.7 generic (docs/performance.md). River's
// statements, which share the pool, are left to choose.
const setTenant = "SELECT set_config('app.tenant_id', $1, true), set_config('plan_cache_mode', 'force_generic_plan', true)"

// exchange sends before (answering skip results), the statements and
// after in one round trip, reads before's results and returns the reader
// of the first statement's; the caller reads it and the next ones, then
// closes mrr, which reads after's. The descriptions are the statements',
// for their results' columns. Statements without bind parameters go
// as one simple query; when one has some, all go as a batch of prepared
// statements (Parse once per connection, then Bind, Execute … Sync), so
// that PostgreSQL does not parse and plan them again: that was more than
// half of its time in a sign-up. A pending BEGIN counts as sent from here
// on: if it failed, so does the statement.
func (c *conn) exchange(ctx context.Context, before string, skip int, parts []part, after string) (*pgconn.MultiResultReader, *pgconn.ResultReader, descriptions, error) {
	pc := c.Conn.Conn()
	if pc.IsClosed() {
		return nil, nil, descriptions{}, driver.ErrBadConn
	}
	prepared := false
	texts := make([]string, 0, len(parts)+2)
	if before != "" {
		texts = append(texts, before)
	}
	for _, p := range parts {
		texts = append(texts, p.sql)
		prepared = prepared || len(p.args) > 0
	}
	if after != "" {
		texts = append(texts, after)
	}
	if !prepared {
		c.pending = ""
		mrr, rr, err := skipResults(pc.PgConn().Exec(ctx, strings.Join(texts, ";\n")), skip)
		return mrr, rr, descriptions{}, err
	}
	b := &pgconn.Batch{}
	switch {
	case c.inTx && before == "":
		// Its BEGIN planned the transaction's statements generic.
	case c.inTx:
		// A transaction's BEGIN and SET LOCAL: text of ours, with no
		// parameters.
		for stmt := range strings.SplitSeq(before, ";") {
			b.ExecParams(strings.TrimSpace(stmt), nil, nil, nil, nil)
		}
	default:
		// A read: the batch up to its Sync is one implicit transaction,
		// outside any transaction block, where set_config binds the
		// tenant as SET LOCAL does in a simple query ("" for a read
		// without one, the catalogue's: no tenant, as unset) and plans
		// the statements generic. The profile's read, measured with
		// pgbench: about 3 800 a second as the simple query's SET LOCAL
		// and SELECT, 10 800 so.
		set, err := pc.Prepare(ctx, setTenant, setTenant)
		if err != nil {
			return nil, nil, descriptions{}, err
		}
		tenant, _ := ctx.Value(readTenantKey{}).(string) // checked by before
		b.ExecStatement(set, [][]byte{[]byte(tenant)}, nil, nil)
		if before == "" {
			skip++ // before's result was the tenant's SET LOCAL's
		}
	}
	if c.columns == nil {
		c.columns = map[*pgconn.StatementDescription]resultColumns{}
	}
	descs := descriptions{sds: make([]*pgconn.StatementDescription, 0, len(parts)), cache: c.columns}
	for _, p := range parts {
		sd, err := c.addPrepared(ctx, b, p)
		if err != nil {
			return nil, nil, descriptions{}, err
		}
		descs.sds = append(descs.sds, sd)
	}
	if after != "" {
		b.ExecParams(after, nil, nil, nil, nil)
	}
	c.pending = ""
	mrr, rr, err := skipResults(pc.PgConn().ExecBatch(ctx, b), skip)
	return mrr, rr, descs, err
}

// addPrepared adds p to b as a statement prepared on this connection
// (prepared now if it is not yet: a round trip, once), its results in
// text, which textRows converts as pgx's driver does.
func (c *conn) addPrepared(ctx context.Context, b *pgconn.Batch, p part) (*pgconn.StatementDescription, error) {
	pc := c.Conn.Conn()
	sd, err := pc.Prepare(ctx, p.sql, p.sql)
	if err != nil {
		return nil, err
	}
	var eqb pgx.ExtendedQueryBuilder
	if err := eqb.Build(pc.TypeMap(), sd, p.args); err != nil {
		return nil, err
	}
	b.ExecStatement(sd, eqb.ParamValues, eqb.ParamFormats, nil)
	return sd, nil
}

// skipResults reads the first skip results of mrr (the statements sent
// before the caller's) and returns the reader of the next one.
func skipResults(mrr *pgconn.MultiResultReader, skip int) (*pgconn.MultiResultReader, *pgconn.ResultReader, error) {
	fail := func(err error) (*pgconn.MultiResultReader, *pgconn.ResultReader, error) {
		if cerr := mrr.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = errors.New("postgres: the statement returned no result")
		}
		if pgconn.SafeToRetry(err) {
			return nil, nil, driver.ErrBadConn
		}
		return nil, nil, err
	}
	for range skip {
		if !mrr.NextResult() {
			return fail(nil)
		}
		if _, err := mrr.ResultReader().Close(); err != nil {
			return fail(err)
		}
	}
	if !mrr.NextResult() {
		return fail(nil)
	}
	return mrr, mrr.ResultReader(), nil
}

// queryAndCommit sends query and COMMIT in one simple query (after a
// pending BEGIN, if any), reads the query's rows and the COMMIT's outcome,
// and only then answers: a failed COMMIT is the query's error, never a
// result the caller would take for done. A failed query leaves the
// transaction open and aborted (the COMMIT after it is not run), for the
// usual ROLLBACK.
func (c *conn) queryAndCommit(ctx context.Context, before string, skip int, parts []part) (driver.Rows, error) {
	if len(parts) != 1 {
		return nil, errors.New("postgres: one statement goes with the COMMIT")
	}
	mrr, rr, descs, err := c.exchange(ctx, before, skip, parts, "COMMIT")
	if err != nil {
		return nil, err
	}
	rows, err := bufferRows(c.Conn.Conn().TypeMap(), rr, descs)
	for err == nil && mrr.NextResult() {
		tag, cerr := mrr.ResultReader().Close()
		if cerr == nil && tag.String() == "ROLLBACK" {
			// COMMIT answers ROLLBACK when the transaction had failed.
			cerr = pgx.ErrTxCommitRollback
		}
		if cerr == nil && tag.String() == "COMMIT" {
			c.committed = true
		}
		err = cerr
	}
	if cerr := mrr.Close(); err == nil {
		err = cerr
	}
	if err == nil && !c.committed {
		err = errors.New("postgres: the COMMIT sent with the last statement did not answer")
	}
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	begin, ok := ctx.Value(beginKey{}).(string)
	if ok && opts.Isolation == driver.IsolationLevel(sql.LevelDefault) && !opts.ReadOnly {
		if c.Conn.Conn().IsClosed() {
			return nil, driver.ErrBadConn
		}
		// Sent with the first statement; a transaction that sends none
		// costs nothing.
		c.inTx, c.pending = true, begin
		return lazyTx{ctx: ctx, conn: c}, nil
	}
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return endTx{conn: c, Tx: tx}, nil
}

// end notes that the transaction has ended, and says whether there is
// nothing left to send: it never began on the server (its BEGIN was not
// sent), or it was committed with its last statement.
func (c *conn) end() (done bool) {
	done = c.pending != "" || c.committed
	c.inTx, c.pending, c.committed = false, "", false
	return done
}

// endTx is a transaction begun as pgx's driver begins it.
type endTx struct {
	driver.Tx
	conn *conn
}

func (t endTx) Commit() error {
	if t.conn.end() {
		return nil // sent with the last statement (CommitWith)
	}
	return t.Tx.Commit()
}

func (t endTx) Rollback() error {
	if t.conn.end() {
		// Committed with its last statement: what failed after it is
		// the caller's, and nothing is left to undo.
		return nil
	}
	return t.Tx.Rollback()
}

// lazyTx is a transaction whose BEGIN goes with its first statement.
type lazyTx struct {
	ctx  context.Context
	conn *conn
}

func (t lazyTx) Commit() error   { return t.finish("COMMIT") }
func (t lazyTx) Rollback() error { return t.finish("ROLLBACK") }

func (t lazyTx) finish(verb string) error {
	if t.conn.end() {
		return nil
	}
	pc := t.conn.Conn.Conn()
	tag, err := pc.PgConn().Exec(context.WithoutCancel(t.ctx), verb).ReadAll()
	if err != nil {
		if verb == "COMMIT" {
			return err
		}
		// A connection that cannot roll back is not given to anyone.
		_ = pc.Close(context.WithoutCancel(t.ctx))
		return err
	}
	if verb == "COMMIT" && len(tag) == 1 && tag[0].CommandTag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// AssociationTx runs fn in a transaction that acts for an association:
// row-level security then admits the participations and hours of the
// association's missions from every company, and the names of the people
// behind them. Only an association's managers, and bookkeeping done on its
// behalf (a waiting list's promotion), may run in it.
func (db *DB) AssociationTx(ctx context.Context, associationID uuid.UUID, fn func(ctx context.Context, tx bun.Tx) error) error {
	return translate(db.run(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.association_id', ?, true)", associationID.String()); err != nil {
			return fmt.Errorf("set association: %w", err)
		}
		return fn(ctx, tx)
	}))
}

// translate turns driver errors the product can explain into *errs.Error
// and leaves the rest as they are (unexpected: logged once upstream).
func translate(err error) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(err, errs.NotFound, "not found")
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505": // unique_violation
			// Our trigger names the domain another company has: the
			// sentence is written here, so that pages can word it.
			if m := domainClash.FindStringSubmatch(pg.Message); m != nil && pg.ConstraintName == "tenants_email_domains_unique" {
				return errs.Wrap(err, errs.Conflict, "email domain %s already belongs to another company", m[1])
			}
			if m := domainClash.FindStringSubmatch(pg.Message); m != nil && pg.ConstraintName == "tenants_custom_domains_unique" {
				return errs.Wrap(err, errs.Conflict, "custom domain %s already belongs to another company", m[1])
			}
			return errs.Wrap(err, errs.Conflict, "%s", conflictMessage(pg))
		case "23514": // check_violation
			if m, ok := conflictMessages[pg.ConstraintName]; ok {
				return errs.Wrap(err, errs.Conflict, "%s", m)
			}
			return errs.Wrap(err, errs.Invalid, "a value is out of its allowed range")
		case "42501": // insufficient_privilege, including a row-level security WITH CHECK failure
			return errs.Wrap(err, errs.NotFound, "not found")
		}
	}
	if Unavailable(err) {
		return errs.Wrap(err, errs.Unavailable, "the database is unavailable; please retry")
	}
	return err
}

// Unavailable reports whether err means the server could not do the work
// at all: it is down, restarting, unreachable, or the connection broke or
// timed out. The request may be retried; nothing is wrong with its input.
func Unavailable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exceptions; 57P01-03: the server is
		// shutting down, crashed or starting; 57014: statement timeout or
		// cancelled.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03" || pg.Code == "57014"
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// domainClash reads the domain out of the tenancy trigger's message.
var domainClash = regexp.MustCompile(`domain (\S+) already belongs to another company`)

var conflictMessages = map[string]string{
	"tenants_slug_key":          "this slug is already taken by another company",
	"members_email_key":         "a member with this email already exists in the company",
	"members_keep_an_hr_admin":  "the company must keep an active HR admin: promote someone else first",
	"associations_legal_id_key": "an association with this legal identifier already exists",
}

// violates reports whether err is the violation of the named constraint:
// callers branch on the constraint, never on a message.
func violates(err error, constraint string) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.ConstraintName == constraint
}

func conflictMessage(pg *pgconn.PgError) string {
	switch pg.ConstraintName {
	case "tenants_custom_domains_unique", "tenants_email_domains_unique":
		return pg.Message // written by our trigger: it names the domain
	}
	if m, ok := conflictMessages[pg.ConstraintName]; ok {
		return m
	}
	return "this already exists"
}
