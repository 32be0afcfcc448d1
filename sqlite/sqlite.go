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
	"unsafe"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/google/uuid"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultBusyTimeout is how long a write waits for the database, unless
// [WithBusyTimeout] says otherwise: for its turn among the writes of this
// process and for a lock held by another process, together.
const DefaultBusyTimeout = 5 * time.Second

// engineStore lets Store embed the engine without exporting it as a field.
type engineStore = engine.Store

// Store is a [grouping.Store] kept in one SQLite database file: the rule
// engine of package engine over this package's driver. It is safe for
// concurrent use, and several processes may open the same file.
type Store struct {
	*engineStore
	d *sqlDriver
}

var _ grouping.Store = (*Store)(nil)

// sqlDriver is the driver.Driver of a Store.
type sqlDriver struct {
	path string
	// writePool has one connection, which w holds: run statements on
	// w.conn, as anything run on the pool would wait for it for ever.
	writePool *sql.DB
	reader    *sql.DB // read-only connections for queries

	// w is the writer pool's connection, which write transactions run on,
	// with the statements prepared on it; readerStmts are the statements of
	// the read pool. Both are parsed once per connection rather than on
	// every call.
	w           *writeConn
	readerStmts preparedStatements
	// wtx is the transaction of the write that holds turn, reused.
	wtx sqlTx

	ckpt  *checkpointer // checkpoints the log in the background
	guard *fileGuard    // is the file at path still the one opened?
	wait  time.Duration // the longest a write waits for the database
	// turn holds a token while a write transaction of this process runs.
	// Writers queue for it in arrival order (a Go channel serves blocked
	// senders first come, first served), where database/sql would hand the
	// connection to any waiter.
	turn chan struct{}
	// gate admits the reads that run SQLite, in the order they came, and
	// none while the write that holds turn runs (see gate).
	gate *gate
	// wlock is the lock file that the turn's holder takes for its write
	// transaction, so that the writers of several processes take turns too
	// (see writelock.go).
	wlock *writeLock
	// sharedAt is when a write of this process last ended a wait for the
	// lock file, held by another process's write, taking it or giving up
	// (see sharing and passTurn). Only the turn's holder uses it.
	sharedAt time.Time

	// watchEvery is how often Watch polls the database for commits.
	watchEvery time.Duration
	// dsnReadOnly is the data source name of read-only connections.
	dsnReadOnly string
	// pruneFrom is the number of the tenant at which the last PruneEvents
	// stopped because it had removed as many events as it was allowed to,
	// or 0. The engine prunes a backlog in many such calls; starting each
	// where the last one stopped spares it walking again over the tenants
	// already pruned. Only write transactions, which hold turn, use it.
	pruneFrom int64
	// seqs holds, for the tenants this driver appended events to, their
	// number and the last sequence number they used as of its last commit
	// that gave them one, so that appending one event takes one statement
	// (see AppendEvents). Another process's appends make it stale, which
	// the statement detects. Only write transactions, which hold turn, use
	// it.
	seqs map[grouping.Tenant]tenantSeq

	reads // outside transactions: the read pool
}

var _ driver.Driver = (*sqlDriver)(nil)

// Option configures [Open].
type Option func(*config)

type config struct {
	clock         grouping.Clock
	synchronous   string
	busyTimeout   time.Duration
	watchInterval time.Duration
	calls         int // 0: GOMAXPROCS
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

// WithBusyTimeout sets how long a write waits for the database before it
// fails with a grouping.Unavailable error ([DefaultBusyTimeout] by default):
// the time it queues behind this process's other writes and the time it
// waits for another process's lock count together, and a caller's context
// deadline that comes sooner wins. Reads wait up to the same time for the
// rare locks they need. The timeout is rounded to milliseconds; values below
// one millisecond are raised to one.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = d }
}

// WithConcurrentCalls sets how many reads of the store may run SQLite at
// once, besides the one write that runs at a time (see the package
// documentation, "Calls at once"): by default as many as GOMAXPROCS when
// the store opens, since SQLite runs on the processor of its caller. More
// may suit reads that wait for a slow disk rather than a processor; fewer
// leave processors to the rest of the program. Zero or less means the
// default.
func WithConcurrentCalls(n int) Option {
	return func(c *config) { c.calls = n }
}

// DefaultWatchInterval is how often a Store looks for commits made by other
// processes while event readers wait (see [WithWatchInterval]).
const DefaultWatchInterval = 25 * time.Millisecond

// WithWatchInterval sets how often the store looks for commits made to its
// file by other processes (or other Stores on the same file), so that
// WaitEvents returns soon after another process appends events: a waiting
// reader learns of such a commit within about one interval. The default is
// [DefaultWatchInterval]. The looking starts with the first WaitEvents call
// and lasts until Close; each look is one PRAGMA data_version on a
// connection of its own (see the package documentation, "Waiting for
// events"). Values of 0 or less keep the default.
func WithWatchInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.watchInterval = d
		}
	}
}

// Open opens the database file at path, creating it if needed, and brings its
// schema up to date. It fails when the file was written by a newer version of
// this package (see [ErrSchemaTooNew]).
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{clock: time.Now, synchronous: "NORMAL", busyTimeout: DefaultBusyTimeout, watchInterval: DefaultWatchInterval}
	for _, o := range opts {
		o(&cfg)
	}
	switch path {
	case "":
		return nil, errors.New("sqlite: empty database path")
	case ":memory:":
		return nil, errors.New(`sqlite: ":memory:" is not supported: the store's connections share one file; use package memstore for a store in memory`)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := checkPath(abs); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	busyMillis := max(cfg.busyTimeout.Milliseconds(), 1)

	writeDSN := dsn(abs, false, cfg.synchronous, 0)
	writer, err := sql.Open("sqlite", writeDSN)
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
	wlock := openWriteLock(abs)
	if err := migrateLocked(ctx, writer, wlock, cfg.busyTimeout); err != nil {
		writer.Close()
		wlock.close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	guard, err := newFileGuard(abs)
	if err != nil {
		writer.Close()
		wlock.close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}

	readDSN := dsn(abs, true, cfg.synchronous, busyMillis)
	reader, err := sql.Open("sqlite", readDSN)
	if err != nil {
		writer.Close()
		wlock.close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	calls := cfg.calls
	if calls <= 0 {
		calls = runtime.GOMAXPROCS(0)
	}
	n := max(4, calls)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	d := &sqlDriver{path: abs, writePool: writer, reader: reader, guard: guard, wait: cfg.busyTimeout, turn: make(chan struct{}, 1), wlock: wlock,
		watchEvery: cfg.watchInterval, dsnReadOnly: readDSN, seqs: make(map[grouping.Tenant]tenantSeq)}
	d.gate = newGate(calls)
	d.reads = reads{q: poolQuerier{d}, snapshot: d.readSnapshot, g: d.gate}
	if d.w, err = openWriteConn(ctx, writer); err == nil {
		d.readerStmts, err = prepareAll(ctx, reader, true)
	}
	if err == nil {
		d.ckpt, err = startCheckpointer(writeDSN)
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	return &Store{engine.New(d, engine.WithClock(cfg.clock)), d}, nil
}

// dsn returns the data source name for the database at the absolute path. The
// pragmas are part of it so that every connection the pools open gets them,
// including connections opened long after Open. Read-only connections open
// the file with mode=ro, so that SQLite itself refuses any write on them.
//
// The page cache (cache_size) and memory mapping (mmap_size) are left at
// SQLite's defaults, 2 MiB per connection and none, by measurement on a
// file of a million channels (BenchmarkScale and its -sqlite.pragmas):
// mapping the file made reads faster, but each connection maps it, and a
// server's RSS under load grew from 54 MB to 0.8–0.95 GB; a larger cache
// takes twice its size in RSS on every connection (the allocator gives a
// cached page and its header an 8 KiB block), and each commit empties the
// readers' caches, so that under writes it gains little.
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
		q = append(q, "_txlock=immediate", fmt.Sprintf("_pragma=wal_autocheckpoint(%d)", walRestartPages))
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
func (s *Store) Path() string { return s.d.path }

// Close closes the driver's connections. It waits for calls in progress to
// finish.
func (d *sqlDriver) Close() error {
	var ckptErr error
	if d.ckpt != nil {
		ckptErr = d.ckpt.close()
	}
	return errors.Join(ckptErr, d.readerStmts.close(), d.w.close(), d.reader.Close(), d.writePool.Close(), d.wlock.close())
}

// beginWrite starts a write transaction on the write connection: BEGIN
// IMMEDIATE takes the write lock up front (waiting up to the deadline for
// other processes), so the transaction never has to upgrade a read lock,
// which could fail at once with SQLITE_BUSY. The transaction is d.wtx,
// which only the holder of the turn uses.
func (d *sqlDriver) beginWrite(ctx context.Context, deadline time.Time) (*sqlTx, error) {
	if err := d.renew(ctx); err != nil {
		return nil, err
	}
	if err := d.w.beginImmediate(ctx, deadline); err != nil {
		return nil, fmt.Errorf("sqlite: begin write transaction: %w", err)
	}
	tx := &d.wtx
	if tx.d == nil {
		tx.d = d
		tx.reads = reads{q: tx, snapshot: func(ctx context.Context, fn func(querier) error) error { return fn(tx) }}
	}
	tx.stmts, tx.appended, tx.rowids, tx.ids = d.w.stmts, tx.appended[:0], nil, tx.ids[:0]
	return tx, nil
}

// Write implements driver.Driver: fn runs in one BEGIN IMMEDIATE
// transaction, committed when it returns nil and rolled back otherwise.
//
// The transaction begins only while the database file is still the one the
// store opened, after this process's earlier writes (d.turn) and, within
// that turn, under the lock file shared with other processes (d.wlock). It
// waits for all of them together at most d.wait (or until ctx is done, if
// sooner); then it fails with a grouping.Unavailable error. The errors of a
// full disk or a file that cannot be written are reported with their own
// codes (see classify).
func (d *sqlDriver) Write(ctx context.Context, fn func(driver.Tx) error) error {
	if err := d.guard.check(); err != nil {
		return err
	}
	deadline := time.Now().Add(d.wait)
	if err := d.takeTurn(ctx); err != nil {
		return err
	}
	yield := false // see passTurn
	defer func() { d.passTurn(yield) }()
	held, err := d.wlock.lock(ctx, deadline)
	yield = d.sharing(time.Now())
	if err != nil {
		return err
	}
	if held {
		// Deferred before the rollback: released after the commit or the
		// rollback, on every way out, panics included.
		defer d.wlock.unlock()
	}
	tx, err := d.beginWrite(ctx, deadline)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("sqlite: waiting for the database: %w", ctx.Err())
		}
		if isBusy(err) {
			return &grouping.Error{Code: grouping.Unavailable, Message: errBusy.Message, Err: err}
		}
		return classify(err)
	}
	// Reads are held back from here, once the write has SQLite's lock,
	// not while it waits for a connection that holds it.
	d.gate.enterWrite()
	defer d.gate.leaveWrite()
	done := false
	defer func() {
		if !done { // fn failed or panicked
			d.rollbackOrDiscard()
		}
	}()
	if err := fn(tx); err != nil {
		return classify(err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: write not committed: %w", err)
	}
	done = true
	if err := d.commit(); err != nil {
		return classify(fmt.Errorf("sqlite: commit: %w", err))
	}
	d.committed(tx)
	d.ckpt.kick()
	return nil
}

// takeTurn waits, at most d.wait, for the write transactions of this process
// queued before this one. Without a queue it takes no timer.
func (d *sqlDriver) takeTurn(ctx context.Context) error {
	select {
	case d.turn <- struct{}{}:
		return nil
	default:
	}
	wait := time.NewTimer(d.wait)
	defer wait.Stop()
	select {
	case d.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqlite: waiting for the database: %w", ctx.Err())
	case <-wait.C:
		return errBusy
	}
}

// sharedFor is how long after a write of this process last waited for
// another process's write passTurn goes on yielding.
const sharedFor = time.Second

// sharing reports whether writes of other processes share the file, as
// far as the holder of the turn can tell at t, right after it took the
// lock file or gave up waiting for it: a write of this process waited for
// the lock file in the last sharedFor (it records t when this one did).
// Without a lock file there is no telling, and it reports true.
func (d *sqlDriver) sharing(t time.Time) bool {
	if d.wlock.f == nil {
		return true
	}
	if d.wlock.waited {
		d.sharedAt = t
	}
	return t.Sub(d.sharedAt) < sharedFor
}

// passTurn ends the write transaction's turn. A write waiting for the turn
// holds it from then on, and is ready to run: on this goroutine's
// processor once this goroutine blocks, or sooner on another processor
// that is free.
//
// It yields the processor to that write only when yield is set: a write of
// this process waited for another process's write (writeLock.waited) in
// the last sharedFor, or there is no lock file to tell (see sharing).
// Otherwise it does not, as a goroutine that yields waits in the
// scheduler's global queue, which a busy processor looks at only now and
// then: the caller of a write already committed got its
// answer milliseconds late, 1-2 % of the time under a queue of writes.
// Against a yield at every pass (BenchmarkConcurrency, six interleaved
// runs), write p99 fell from 5.3 to 2.2 ms and from 19.1 to 8.1 ms in the
// 10/90 mix at 4 and 16 goroutines, and from 1.9 to 1.1 ms and 1.6 to 1.2
// ms in 90/10 at 16 and 64, with the medians and throughput not
// significantly changed. Two processes writing one file
// (BenchmarkCrossProcessWrites) need the yield: without it, the median
// write took 2.3 to 3.5 times as long and 11-36 % fewer writes were made.
func (d *sqlDriver) passTurn(yield bool) {
	<-d.turn
	if yield && len(d.turn) > 0 {
		runtime.Gosched()
	}
}

// readSnapshot runs fn in a read transaction on the read pool, so that all
// its queries see the same snapshot of the database.
func (d *sqlDriver) readSnapshot(ctx context.Context, fn func(querier) error) error {
	t, err := d.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read transaction: %w", err)
	}
	defer t.Rollback()
	if err := fn(&sqlTx{rtx: t, stmts: d.readerStmts}); err != nil {
		return err
	}
	return t.Commit()
}

// querier runs the driver's prepared statements: on a pool, or within a
// transaction.
type querier interface {
	stmt(ctx context.Context, st *statement) (*sql.Stmt, error)
	// id returns a UUID as an argument of the statements (see sqlTx.id).
	id(u uuid.UUID) any
}

// poolQuerier runs statements on the read pool, each on its own.
type poolQuerier struct{ d *sqlDriver }

func (poolQuerier) id(u uuid.UUID) any { return u }

func (p poolQuerier) stmt(_ context.Context, st *statement) (*sql.Stmt, error) {
	prepared, ok := p.d.readerStmts[st]
	if !ok {
		return nil, fmt.Errorf("sqlite: statement not prepared for reads: %s", st.sql)
	}
	return prepared, nil
}

// sqlTx is a transaction of the driver: a write transaction (driver.Tx) or,
// inside readSnapshot, a read transaction.
type sqlTx struct {
	rtx   *sql.Tx // of a read transaction; nil in a write transaction
	stmts preparedStatements
	d     *sqlDriver // of a write transaction; nil in a read transaction
	// appended is what the write transaction's appends would put in
	// d.seqs once it commits.
	appended []appended
	// rowids are the rowids of the channels Placements read, by ID.
	rowids map[uuid.UUID]int64
	// ids holds the text of the IDs passed to the write transaction's
	// statements (see id).
	ids []byte
	reads
}

// id returns a UUID as an argument of a statement of t: its text, which is
// how the schema stores it. In a write transaction the text is written into
// t.ids, which the transaction reuses, so that the argument costs one
// allocation (its interface value) where database/sql would call the UUID's
// Value for an allocated string, and box both. SQLite copies text it binds,
// so the bytes may be reused once the statement has run; t.ids is emptied
// when the next write transaction begins, and never grown in place, so a
// string given out stays intact until then.
func (t *sqlTx) id(u uuid.UUID) any {
	if t.rtx != nil {
		return u
	}
	if cap(t.ids)-len(t.ids) < 36 {
		t.ids = make([]byte, 0, 36*64)
	}
	start := len(t.ids)
	t.ids = appendUUID(t.ids, u)
	return unsafe.String(&t.ids[start], 36)
}

var _ driver.Tx = (*sqlTx)(nil)

// stmt returns st prepared on t's connection, for use within t.
func (t *sqlTx) stmt(ctx context.Context, st *statement) (*sql.Stmt, error) {
	prepared, ok := t.stmts[st]
	if !ok {
		return nil, fmt.Errorf("sqlite: statement not prepared: %s", st.sql)
	}
	if t.rtx == nil { // a write transaction, on the connection it was prepared on
		return prepared, nil
	}
	// database/sql prepares the statement on the transaction's connection
	// the first time it runs there, and keeps it. The returned statement is
	// closed with the transaction; the prepared one stays.
	return t.rtx.StmtContext(ctx, prepared), nil
}

// exec runs a statement that returns no rows.
func execStmt(ctx context.Context, q querier, st *statement, args ...any) (sql.Result, error) {
	s, err := q.stmt(ctx, st)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// query runs a statement that returns rows.
func query(ctx context.Context, q querier, st *statement, args ...any) (*sql.Rows, error) {
	s, err := q.stmt(ctx, st)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryRow runs a statement that returns at most one row.
func queryRow(ctx context.Context, q querier, st *statement, args ...any) row {
	s, err := q.stmt(ctx, st)
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

// preparedStatements holds every statement of the driver prepared for one
// pool. They are prepared when the store opens: preparing later, during a
// write transaction, would wait for a free connection of the writer pool,
// whose only connection the transaction holds.
type preparedStatements map[*statement]*sql.Stmt

// prepareAll prepares the statements for a pool or a connection: all of
// them, or those of reads when readOnly is set.
func prepareAll(ctx context.Context, db interface {
	PrepareContext(context.Context, string) (*sql.Stmt, error)
}, readOnly bool) (preparedStatements, error) {
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
