package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// txConn runs the statements of one write transaction on a connection of
// the pool, saving round trips: BEGIN goes to the server with the
// transaction's first statement rather than on its own, and a statement
// that is deferred (the writes whose results the engine does not wait for,
// and the append of the events) goes with the next one, or with COMMIT. A
// MoveChannel that appends its event thus makes two round trips (BEGIN
// with the lock and the facts; the update and the events with COMMIT)
// where separate statements would make five.
//
// The statements sent together are a pipeline: when one fails, the server
// skips the others, and the error is returned for the statement that
// failed and those after it.
type txConn struct {
	conn *pgxpool.Conn
	// begun reports whether BEGIN was sent, and the transaction has not
	// ended since.
	begun bool
	// deferred holds statements to send before the next one.
	deferred []*pgx.QueuedQuery
}

// sqlBegin starts a write transaction.
const sqlBegin = "BEGIN ISOLATION LEVEL READ COMMITTED"

// prefix returns the statements to send before the next one, and forgets
// them.
func (c *txConn) prefix() []*pgx.QueuedQuery {
	var pre []*pgx.QueuedQuery
	if !c.begun {
		pre = append(pre, &pgx.QueuedQuery{SQL: sqlBegin})
		c.begun = true
	}
	pre = append(pre, c.deferred...)
	c.deferred = nil
	return pre
}

// deferStatement queues a statement whose result the transaction does not
// wait for, to be sent with the next one or with COMMIT; its error, if
// any, is returned then. It returns the queued statement, on which a
// callback may be set (QueryRow, Query or Exec) to read its result when
// it comes back.
func (c *txConn) deferStatement(sql string, args ...any) *pgx.QueuedQuery {
	q := &pgx.QueuedQuery{SQL: sql, Arguments: args}
	c.deferred = append(c.deferred, q)
	return q
}

// SendBatch sends the prefix and b in one round trip. The results are b's.
func (c *txConn) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	pre := c.prefix()
	if len(pre) == 0 {
		return c.conn.SendBatch(ctx, b)
	}
	all := &pgx.Batch{QueuedQueries: append(pre, b.QueuedQueries...)}
	return &prefixedResults{BatchResults: c.conn.SendBatch(ctx, all), pre: pre}
}

// prefixedResults are the results of a batch that began with the
// statements of pre. Their errors carry over: pgx returns the first error
// of a batch for every result after it. The callback of a statement of
// pre, if it has one, reads its result; an error it returns is returned
// for every result after it too.
type prefixedResults struct {
	pgx.BatchResults
	pre []*pgx.QueuedQuery
	err error
}

func (r *prefixedResults) skipPrefix() {
	for _, q := range r.pre {
		if q.Fn == nil {
			r.BatchResults.Exec()
		} else if err := q.Fn(r.BatchResults); err != nil && r.err == nil {
			r.err = err
		}
	}
	r.pre = nil
}

func (r *prefixedResults) Exec() (pgconn.CommandTag, error) {
	r.skipPrefix()
	tag, err := r.BatchResults.Exec()
	if r.err != nil {
		return pgconn.CommandTag{}, r.err
	}
	return tag, err
}

func (r *prefixedResults) Query() (pgx.Rows, error) {
	r.skipPrefix()
	rows, err := r.BatchResults.Query()
	if r.err != nil {
		rows.Close()
		return rows, r.err
	}
	return rows, err
}

func (r *prefixedResults) QueryRow() pgx.Row {
	r.skipPrefix()
	row := r.BatchResults.QueryRow()
	if r.err != nil {
		return errRow{r.err}
	}
	return row
}

// errRow is a row that fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// Query runs a statement that returns rows, after the prefix.
func (c *txConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	pre := c.prefix()
	if len(pre) == 0 {
		return c.conn.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{QueuedQueries: pre}
	b.Queue(sql, args...)
	br := &prefixedResults{BatchResults: c.conn.SendBatch(ctx, b), pre: pre}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return rows, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// batchRows are the rows of the last statement of a batch: closing them
// ends the batch.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *batchRows) Close() {
	r.Rows.Close()
	r.br.Close()
}

// QueryRow runs a statement that returns a row, after the prefix.
func (c *txConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if !c.begun || len(c.deferred) > 0 {
		rows, err := c.Query(ctx, sql, args...)
		return rowOf{rows, err}
	}
	return c.conn.QueryRow(ctx, sql, args...)
}

// rowOf is the first row of rows, as pgx.Row.
type rowOf struct {
	rows pgx.Rows
	err  error
}

func (r rowOf) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// Exec runs a statement that returns no rows, after the prefix.
func (c *txConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	pre := c.prefix()
	if len(pre) == 0 {
		return c.conn.Exec(ctx, sql, args...)
	}
	b := &pgx.Batch{QueuedQueries: pre}
	b.Queue(sql, args...)
	br := &prefixedResults{BatchResults: c.conn.SendBatch(ctx, b), pre: pre}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

// commit sends the deferred statements and COMMIT in one round trip. A
// transaction that sent nothing has nothing to commit.
func (c *txConn) commit(ctx context.Context) error {
	if !c.begun && len(c.deferred) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue("COMMIT")
	br := c.SendBatch(ctx, b)
	tag, err := br.Exec()
	if err = errors.Join(err, br.Close()); err != nil {
		return err // the transaction is aborted or over: rollback ends it
	}
	c.begun = false
	if tag.String() == "ROLLBACK" { // the server had aborted it
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// rollback ends the transaction, if one was begun, without its writes. It
// does not depend on ctx being live: a connection whose rollback is cut
// short is closed rather than reused. The pool closes a connection that is
// still in a transaction when it is released, whatever happened.
func (c *txConn) rollback(ctx context.Context) {
	c.deferred = nil
	if !c.begun {
		return
	}
	c.begun = false
	c.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
}
