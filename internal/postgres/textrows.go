package postgres

import (
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// textRows is the result of a TenantRead statement as database/sql reads
// it. pgx's database/sql driver reads only the first result of a simple
// query, and the statement's own result comes second, after SET LOCAL's:
// this reads it with the same conversions to driver values as pgx's driver
// (stdlib.Rows), so that bun scans it exactly as it scans any other.
type textRows struct {
	m      *pgtype.Map
	mrr    *pgconn.MultiResultReader
	rows   pgx.Rows
	conv   []func([]byte) (driver.Value, error)
	names  []string
	descs  descriptions // of the results to come, in order
	first  bool         // the first row is read (to surface errors at query time)
	more   bool
	sets   int // result sets after this one (queryEach)
	closed bool
}

func newTextRows(m *pgtype.Map, mrr *pgconn.MultiResultReader, rr *pgconn.ResultReader, sets int, descs descriptions) (*textRows, error) {
	r := &textRows{m: m, mrr: mrr, sets: sets, descs: descs}
	if err := r.read(rr); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// read starts on a result: as pgx's driver does, it reads the first row
// now, so that an error of the statement (a constraint, row-level
// security) is the query's error.
func (r *textRows) read(rr *pgconn.ResultReader) error {
	r.rows, r.first = pgx.RowsFromResultReader(r.m, rr), true
	r.more = r.rows.Next()
	if err := r.rows.Err(); err != nil {
		return err
	}
	r.names, r.conv = r.descs.columns(r.m, r.rows.FieldDescriptions())
	return nil
}

// descriptions are the prepared statements whose results an exchange
// reads, in order (none for a simple query), with the connection's cache
// of their columns: a prepared statement's columns never change, and
// building their conversions for every result was a fifth of the bytes
// a cheap GET allocated.
type descriptions struct {
	sds   []*pgconn.StatementDescription
	cache map[*pgconn.StatementDescription]resultColumns
}

type resultColumns struct {
	names []string
	conv  []func([]byte) (driver.Value, error)
}

// maxCachedColumns bounds a connection's cache; pgx's own cache of
// prepared statements is keyed by their text, which the hot path keeps to
// a few dozen shapes.
const maxCachedColumns = 512

// columns are the names and conversions of the next result, whose fields
// are fields. The conversions share their scan targets: one result is
// read at a time on a connection.
func (d *descriptions) columns(m *pgtype.Map, fields []pgconn.FieldDescription) ([]string, []func([]byte) (driver.Value, error)) {
	var sd *pgconn.StatementDescription
	if len(d.sds) > 0 {
		sd, d.sds = d.sds[0], d.sds[1:]
	}
	if sd == nil || d.cache == nil {
		return columns(m, fields)
	}
	if c, ok := d.cache[sd]; ok && len(c.names) == len(fields) {
		return c.names, c.conv
	}
	names, conv := columns(m, fields)
	if len(d.cache) >= maxCachedColumns {
		clear(d.cache)
	}
	d.cache[sd] = resultColumns{names, conv}
	return names, conv
}

// columns are a result's column names and their conversions.
func columns(m *pgtype.Map, fields []pgconn.FieldDescription) ([]string, []func([]byte) (driver.Value, error)) {
	names := make([]string, len(fields))
	conv := make([]func([]byte) (driver.Value, error), len(fields))
	for i, fd := range fields {
		names[i] = fd.Name
		conv[i] = valueFunc(m, fd.DataTypeOID, fd.Format)
	}
	return names, conv
}

// HasNextResultSet and NextResultSet give the results of a query of
// several statements in turn (driver.RowsNextResultSet).
func (r *textRows) HasNextResultSet() bool { return r.sets > 0 }

func (r *textRows) NextResultSet() error {
	if r.sets == 0 {
		return io.EOF
	}
	r.sets--
	r.rows.Close()
	if err := r.rows.Err(); err != nil {
		return err
	}
	if !r.mrr.NextResult() {
		if err := r.mrr.Close(); err != nil {
			return err
		}
		return io.EOF
	}
	return r.read(r.mrr.ResultReader())
}

func (r *textRows) Columns() []string { return r.names }

func (r *textRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.rows.Close()
	err := r.rows.Err()
	// Reads what is left of the message: the end of the implicit
	// transaction, and the connection's readiness for the next query.
	if cerr := r.mrr.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *textRows) Next(dest []driver.Value) error {
	more := r.more
	if r.first {
		r.first = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	for i, raw := range r.rows.RawValues() {
		if raw == nil {
			dest[i] = nil
			continue
		}
		v, err := r.conv[i](raw)
		if err != nil {
			return fmt.Errorf("convert field %d failed: %w", i, err)
		}
		dest[i] = v
	}
	return nil
}

// valueFunc converts a column's values as pgx's database/sql driver does
// (stdlib.Rows.initValueFuncs): Go's basic types for booleans, numbers,
// bytes and times, and the text of everything else.
func valueFunc(m *pgtype.Map, oid uint32, format int16) func([]byte) (driver.Value, error) {
	switch oid {
	case pgtype.BoolOID:
		return plan[bool](m, oid, format, func(d bool) (driver.Value, error) { return d, nil })
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID, pgtype.XMLOID:
		return plan[[]byte](m, oid, format, func(d []byte) (driver.Value, error) { return d, nil })
	case pgtype.CIDOID, pgtype.OIDOID, pgtype.XIDOID:
		return plan[pgtype.Uint32](m, oid, format, func(d pgtype.Uint32) (driver.Value, error) { return d.Value() })
	case pgtype.DateOID:
		return plan[pgtype.Date](m, oid, format, func(d pgtype.Date) (driver.Value, error) { return d.Value() })
	case pgtype.Float4OID:
		return plan[float32](m, oid, format, func(d float32) (driver.Value, error) { return float64(d), nil })
	case pgtype.Float8OID:
		return plan[float64](m, oid, format, func(d float64) (driver.Value, error) { return d, nil })
	case pgtype.Int2OID:
		return plan[int16](m, oid, format, func(d int16) (driver.Value, error) { return int64(d), nil })
	case pgtype.Int4OID:
		return plan[int32](m, oid, format, func(d int32) (driver.Value, error) { return int64(d), nil })
	case pgtype.Int8OID:
		return plan[int64](m, oid, format, func(d int64) (driver.Value, error) { return d, nil })
	case pgtype.TimestampOID:
		return plan[pgtype.Timestamp](m, oid, format, func(d pgtype.Timestamp) (driver.Value, error) { return d.Value() })
	case pgtype.TimestamptzOID:
		return plan[pgtype.Timestamptz](m, oid, format, func(d pgtype.Timestamptz) (driver.Value, error) { return d.Value() })
	}
	return plan[string](m, oid, format, func(d string) (driver.Value, error) { return d, nil })
}

// plan scans a raw value into a T with pgx's plan for the column, then
// makes it a driver value.
func plan[T any](m *pgtype.Map, oid uint32, format int16, value func(T) (driver.Value, error)) func([]byte) (driver.Value, error) {
	var d T
	p := m.PlanScan(oid, format, &d)
	return func(src []byte) (driver.Value, error) {
		var zero T
		d = zero
		if err := p.Scan(src, &d); err != nil {
			return nil, err
		}
		return value(d)
	}
}

// bufferedRows is a result read whole before it is handed over (for a
// statement sent with its COMMIT, whose outcome comes after the rows).
type bufferedRows struct {
	names  []string
	values [][]driver.Value
}

func bufferRows(m *pgtype.Map, rr *pgconn.ResultReader, descs descriptions) (*bufferedRows, error) {
	b := &bufferedRows{}
	var conv []func([]byte) (driver.Value, error)
	b.names, conv = descs.columns(m, rr.FieldDescriptions())
	for rr.NextRow() {
		row := make([]driver.Value, len(conv))
		for i, raw := range rr.Values() {
			if raw == nil {
				continue
			}
			v, err := conv[i](raw)
			if err != nil {
				_, _ = rr.Close()
				return nil, fmt.Errorf("convert field %d failed: %w", i, err)
			}
			row[i] = v
		}
		b.values = append(b.values, row)
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *bufferedRows) Columns() []string { return b.names }
func (b *bufferedRows) Close() error      { return nil }

func (b *bufferedRows) Next(dest []driver.Value) error {
	if len(b.values) == 0 {
		return io.EOF
	}
	copy(dest, b.values[0])
	b.values = b.values[1:]
	return nil
}
