package sqlite

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// writeConn is the connection of the writer pool, held by the store from
// Open to Close, with every statement prepared on it. Write transactions
// run on it between statements of their own (BEGIN IMMEDIATE, COMMIT,
// ROLLBACK) rather than in a database/sql transaction: a statement prepared
// on the connection runs as it is, where one of a *sql.Tx is wrapped anew
// for each transaction and each query of a transaction is watched by a
// goroutine of its own. Write transactions take turns (sqlDriver.turn), so
// the connection serves one at a time.
type writeConn struct {
	conn  *sql.Conn
	stmts preparedStatements
	// begin, commit and rollback end and start the transactions.
	begin, commit, rollback *sql.Stmt
}

// openWriteConn takes the writer pool's connection and prepares every
// statement on it.
func openWriteConn(ctx context.Context, db *sql.DB) (*writeConn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writeConn{conn: conn}
	if w.stmts, err = prepareAll(ctx, conn, false); err != nil {
		conn.Close()
		return nil, err
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{{&w.begin, "BEGIN IMMEDIATE"}, {&w.commit, "COMMIT"}, {&w.rollback, "ROLLBACK"}} {
		if *p.stmt, err = conn.PrepareContext(ctx, p.sql); err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %s: %w", p.sql, err)
		}
	}
	return w, nil
}

// close closes the statements and gives the connection back to its pool.
func (w *writeConn) close() error {
	if w == nil {
		return nil
	}
	return errors.Join(w.closeStmts(), w.conn.Close())
}

func (w *writeConn) closeStmts() error {
	errs := []error{w.stmts.close()}
	for _, s := range []*sql.Stmt{w.begin, w.commit, w.rollback} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// discard closes the connection for good, rather than giving it back to its
// pool, when it may still be in a transaction that could not be rolled
// back. Its pool opens a new one for the next writer. The statements are
// closed first, while the connection they were prepared on is open.
func (w *writeConn) discard() {
	w.closeStmts()
	w.conn.Raw(func(any) error { return sqldriver.ErrBadConn })
}

// beginImmediate begins a write transaction on w, waiting for SQLite's
// write lock until deadline or until ctx is done. Writer connections have
// no busy timeout of their own, so that the wait is bounded by the store's:
// the time a call queues for its turn and the time it waits for another
// process's lock add up to one bound. The transaction itself runs under ctx
// alone.
func (w *writeConn) beginImmediate(ctx context.Context, deadline time.Time) error {
	delay := time.Millisecond
	for {
		_, err := w.begin.ExecContext(ctx)
		if err == nil || !isBusy(err) {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return err
		}
		pause := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			pause.Stop()
			return err
		case <-pause.C:
		}
		delay = min(2*delay, 10*time.Millisecond)
	}
}

// commit commits the transaction on d.w, and rolls it back when the commit
// fails; the error is the commit's. COMMIT and ROLLBACK run to their end
// whatever the call's context says: the caller checks it before it
// commits, and a rollback must happen.
func (d *sqlDriver) commit() error {
	if d.w == nil {
		return errors.New("sqlite: the write connection was lost")
	}
	if _, err := d.w.commit.ExecContext(context.Background()); err != nil {
		// SQLite keeps the transaction open after some failed commits (a
		// full disk); roll it back.
		d.rollbackOrDiscard()
		return err
	}
	return nil
}

// rollbackOrDiscard rolls back the transaction on d.w; when that fails for
// another reason than there being none (SQLite rolls back on its own after
// some errors), it discards the connection, and the next write transaction
// takes a new one (renew).
func (d *sqlDriver) rollbackOrDiscard() {
	if d.w == nil { // discarded already, which ended the transaction
		return
	}
	_, err := d.w.rollback.ExecContext(context.Background())
	if err == nil || resultCode(err) == sqlite3.SQLITE_ERROR && noTransaction(err) {
		return
	}
	d.w.discard()
	d.w = nil
}

// noTransaction reports whether err is SQLite's answer to a ROLLBACK with
// no transaction active.
func noTransaction(err error) bool {
	return strings.Contains(err.Error(), "no transaction is active")
}

// renew gives d a write connection when it has none, after one was
// discarded.
func (d *sqlDriver) renew(ctx context.Context) error {
	if d.w != nil {
		return nil
	}
	w, err := openWriteConn(ctx, d.writePool)
	if err != nil {
		return fmt.Errorf("sqlite: reopen the write connection: %w", err)
	}
	d.w = w
	return nil
}
