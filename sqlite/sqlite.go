package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultBusyTimeout is how long a connection waits for a lock held by
// another connection or process before giving up, unless [WithBusyTimeout]
// says otherwise.
const DefaultBusyTimeout = 10 * time.Second

// Store is a [grouping.Store] kept in one SQLite database file. It is safe for
// concurrent use, and several processes may open the same file.
type Store struct {
	path   string
	writer *sql.DB // one connection; every transaction is BEGIN IMMEDIATE
	reader *sql.DB // read-only connections for queries
	clock  grouping.Clock

	// The statements of each pool, parsed once per connection rather than
	// on every call.
	writerStmts, readerStmts preparedStatements
}

var _ grouping.Store = (*Store)(nil)

// Option configures [Open].
type Option func(*config)

type config struct {
	clock       grouping.Clock
	synchronous string
	busyTimeout time.Duration
}

// WithClock makes the store read the current time from clock instead of
// time.Now. Times are normalised with [grouping.Timestamp].
func WithClock(clock grouping.Clock) Option {
	return func(c *config) {
		if clock != nil {
			c.clock = clock
		}
	}
}

// WithSynchronousFull sets PRAGMA synchronous=FULL instead of NORMAL: every
// commit is flushed to disk before it returns, so an acknowledged write also
// survives a power failure or operating system crash, at the price of one
// fsync per write.
func WithSynchronousFull() Option {
	return func(c *config) { c.synchronous = "FULL" }
}

// WithBusyTimeout sets how long a connection waits for a lock held by another
// connection or process before the call fails ([DefaultBusyTimeout] by
// default). The timeout is rounded to milliseconds; values below one
// millisecond are raised to one.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = d }
}

// Open opens the database file at path, creating it if needed, and brings its
// schema up to date. It fails when the file was written by a newer version of
// this package (see [ErrSchemaTooNew]).
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{clock: time.Now, synchronous: "NORMAL", busyTimeout: DefaultBusyTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	busyMillis := max(cfg.busyTimeout.Milliseconds(), 1)

	writer, err := sql.Open("sqlite", dsn(abs, false, cfg.synchronous, busyMillis))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	// One connection: writes in this process queue in database/sql instead of
	// contending for SQLite's write lock.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := connect(ctx, writer, cfg.busyTimeout); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}

	reader, err := sql.Open("sqlite", dsn(abs, true, cfg.synchronous, busyMillis))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	s := &Store{path: abs, writer: writer, reader: reader, clock: cfg.clock}
	if s.writerStmts, err = prepareAll(ctx, writer, false); err == nil {
		s.readerStmts, err = prepareAll(ctx, reader, true)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	return s, nil
}

// dsn returns the data source name for the database at the absolute path. The
// pragmas are part of it so that every connection the pools open gets them,
// including connections opened long after Open. Read-only connections open
// the file with mode=ro, so that SQLite itself refuses any write on them.
func dsn(path string, readOnly bool, synchronous string, busyMillis int64) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/…
	}
	u := url.URL{Scheme: "file", Path: p, OmitHost: true}
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyMillis),
		"_pragma=journal_mode(WAL)",
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(" + synchronous + ")",
	}
	if readOnly {
		q = append(q, "mode=ro")
	} else {
		q = append(q, "_txlock=immediate")
	}
	return u.String() + "?" + strings.Join(q, "&")
}

// connect opens the first connection of db. The connection switches the
// file to WAL mode if it is not in it yet, as a new file is not. That switch
// needs an exclusive lock, and when another connection (of this or another
// process) is switching the same file at the same moment SQLite reports
// SQLITE_BUSY at once instead of waiting, as waiting could deadlock. So
// connect tries again, for up to the busy timeout. Once the file is in WAL
// mode, connections open without taking that lock.
func connect(ctx context.Context, db *sql.DB, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for {
		err := db.PingContext(ctx)
		if err == nil || resultCode(err)&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes the store's connections. It waits for calls in progress to
// finish.
func (s *Store) Close() error {
	return errors.Join(s.readerStmts.close(), s.writerStmts.close(), s.reader.Close(), s.writer.Close())
}

// tx is a transaction of one Store call. now is read from the clock once when
// the transaction begins, so that every time a call writes is the same.
type tx struct {
	*sql.Tx
	now   int64 // Unix milliseconds
	stmts preparedStatements
}

// beginWrite starts a write transaction on the writer connection. The
// connection's DSN makes it BEGIN IMMEDIATE: the write lock is taken up
// front (waiting up to the busy timeout for other processes), so the
// transaction never has to upgrade a read lock, which could fail at once
// with SQLITE_BUSY.
func (s *Store) beginWrite(ctx context.Context) (*tx, error) {
	t, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, internal("begin write transaction", err)
	}
	return &tx{Tx: t, now: s.now(), stmts: s.writerStmts}, nil
}

// beginRead starts a read transaction on the read pool. All queries of the
// transaction see the same snapshot of the database.
func (s *Store) beginRead(ctx context.Context) (*tx, error) {
	t, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, internal("begin read transaction", err)
	}
	return &tx{Tx: t, now: s.now(), stmts: s.readerStmts}, nil
}

// inTx runs fn in a transaction started by begin (beginWrite or beginRead)
// and commits it when fn succeeds; otherwise the transaction is rolled back
// and nothing it did remains. Unless orgID is uuid.Nil, the organisation must
// exist first (NotFound otherwise): every organisation-scoped call checks
// it before anything else, in the same transaction.
func inTx[T any](ctx context.Context, begin func(context.Context) (*tx, error), orgID uuid.UUID, fn func(*tx) (T, error)) (T, error) {
	var zero T
	t, err := begin(ctx)
	if err != nil {
		return zero, err
	}
	defer t.Rollback()
	if orgID != uuid.Nil {
		if err := checkOrganisation(ctx, t, orgID); err != nil {
			return zero, err
		}
	}
	v, err := fn(t)
	if err != nil {
		return zero, err
	}
	return v, t.commit()
}

// write runs fn in a write transaction, as inTx does.
func (s *Store) write(ctx context.Context, orgID uuid.UUID, fn func(*tx) error) error {
	_, err := inTx(ctx, s.beginWrite, orgID, func(t *tx) (struct{}, error) { return struct{}{}, fn(t) })
	return err
}

// commit commits t.
func (t *tx) commit() error {
	return internal("commit", t.Commit())
}

// stmt returns st prepared on t's connection, for use within t.
func (t *tx) stmt(ctx context.Context, st *statement) (*sql.Stmt, error) {
	prepared, ok := t.stmts[st]
	if !ok {
		return nil, fmt.Errorf("sqlite: statement not prepared: %s", st.sql)
	}
	// database/sql prepares the statement on the transaction's connection
	// the first time it runs there, and keeps it. The returned statement is
	// closed with the transaction; the prepared one stays.
	return t.StmtContext(ctx, prepared), nil
}

// exec runs a statement that returns no rows.
func (t *tx) exec(ctx context.Context, st *statement, args ...any) (sql.Result, error) {
	s, err := t.stmt(ctx, st)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// query runs a statement that returns rows.
func (t *tx) query(ctx context.Context, st *statement, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, st)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryRow runs a statement that returns at most one row.
func (t *tx) queryRow(ctx context.Context, st *statement, args ...any) row {
	s, err := t.stmt(ctx, st)
	if err != nil {
		return row{err: err}
	}
	return row{row: s.QueryRowContext(ctx, args...)}
}

// row is a *sql.Row, or the error that kept its statement from running.
type row struct {
	row *sql.Row
	err error
}

// Scan is (*sql.Row).Scan.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// preparedStatements holds every statement of the store prepared for one
// pool. They are prepared when the store opens: preparing later, during a
// write transaction, would wait for a free connection of the writer pool,
// whose only connection the transaction holds.
type preparedStatements map[*statement]*sql.Stmt

// prepareAll prepares the statements for db: all of them, or those of read
// transactions when readOnly is set.
func prepareAll(ctx context.Context, db *sql.DB, readOnly bool) (preparedStatements, error) {
	ps := make(preparedStatements, len(statements))
	for _, st := range statements {
		if readOnly && !st.read {
			continue
		}
		p, err := db.PrepareContext(ctx, st.sql)
		if err != nil {
			ps.close()
			return nil, fmt.Errorf("prepare %s: %w", st.sql, err)
		}
		ps[st] = p
	}
	return ps, nil
}

func (ps preparedStatements) close() error {
	var errs []error
	for _, p := range ps {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

func (s *Store) now() int64 {
	return grouping.Timestamp(s.clock()).UnixMilli()
}

// fromMillis converts stored Unix milliseconds to a time.
func fromMillis(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}

// fromNullMillis converts a nullable stored time.
func fromNullMillis(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := fromMillis(ms.Int64)
	return &t
}

// internal wraps an unexpected database error as a grouping Internal error;
// op says what failed. It returns nil for nil and keeps *grouping.Error
// values as they are.
func internal(op string, err error) error {
	return grouping.WrapInternal("sqlite: "+op, err)
}

// resultCode returns the extended SQLite result code of err, or 0 when err
// does not come from SQLite.
func resultCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUniqueViolation reports whether err is a UNIQUE constraint failure.
func isUniqueViolation(err error) bool {
	return resultCode(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}
