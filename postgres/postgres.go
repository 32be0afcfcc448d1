package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultSchema is the schema the store's tables live in unless
// [WithSchema] says otherwise.
const DefaultSchema = "grouping"

// engineStore lets Store embed the engine without exporting it as a field.
type engineStore = engine.Store

// Store is a [grouping.Store] kept in a PostgreSQL database: the rule engine
// of package engine over this package's driver. It is safe for concurrent
// use, and any number of processes may open the same database and schema.
type Store struct {
	*engineStore
	d *pgDriver
}

var _ grouping.Store = (*Store)(nil)

// Option configures [Open].
type Option func(*config)

type config struct {
	clock    grouping.Clock
	schema   string
	maxConns int32
	pool     []func(*pgxpool.Config)
	noNotify bool
	poll     time.Duration
}

// WithSchema puts the store's tables in the named schema ([DefaultSchema] by
// default), created if it does not exist. The name is quoted, so it is used
// exactly as given, case included. Stores in different schemas of one
// database are independent.
func WithSchema(name string) Option {
	return func(c *config) { c.schema = name }
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

// WithMaxConns caps the store's connection pool at n connections (pgxpool's
// default is the greater of 4 and the number of CPUs). Every call holds one
// connection while it runs, so n bounds the calls that reach the server at
// once; the others wait for a free connection. The URL parameter
// pool_max_conns does the same; this option wins. A store whose readers
// wait for events (WaitEvents) holds one connection more, for LISTEN,
// unless [WithListenNotify] turns it off.
func WithMaxConns(n int32) Option {
	return func(c *config) { c.maxConns = n }
}

// WithPoolConfig lets fn adjust the connection pool's configuration, as
// parsed from the URL, before the pool is created: connection lifetimes,
// health checks, TLS, a tracer, hooks. It runs after [WithMaxConns]. An
// AfterConnect hook set here runs after the store's own, which teaches
// each connection to send and read uuid.UUID values as their 16 bytes.
func WithPoolConfig(fn func(*pgxpool.Config)) Option {
	return func(c *config) {
		if fn != nil {
			c.pool = append(c.pool, fn)
		}
	}
}

// WithListenNotify turns PostgreSQL's LISTEN/NOTIFY on (the default) or
// off. On, every write that appends events notifies the schema's channel
// when it commits, and a store whose readers wait for events
// (WaitEvents) listens on it, so that they learn of commits made by other
// processes at once. Off, writes notify nothing and waiting readers learn of
// other processes' commits by polling, every [WithEventPoll] interval;
// commits made through the same Store still wake them at once. Turn it off
// on servers without LISTEN/NOTIFY, such as CockroachDB, and behind a
// connection pooler in transaction mode, where a LISTEN does not keep its
// session. Stores sharing a schema should agree: one with it off sends no
// notifications, so the others see its commits only when they poll.
func WithListenNotify(on bool) Option {
	return func(c *config) { c.noNotify = !on }
}

// WithEventPoll sets how often a reader waiting for events (WaitEvents)
// reads them again when nothing woke it: the bound on how late it learns of
// a commit that no notification reported, such as one made while the
// listening connection was being re-established, or any commit of another
// process when [WithListenNotify] is off. The default is
// engine.DefaultEventPoll; each poll is one query per waiting reader.
// Values of 0 or less are ignored.
func WithEventPoll(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.poll = d
		}
	}
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgx reads them), creates the schema and its tables
// or brings them up to date, and returns the store. It fails when the
// server cannot be reached, when the role may not write (a hot standby, a
// read-only transaction default), and when the schema was written by a
// newer version of this package (see [ErrSchemaTooNew]).
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg := config{clock: time.Now, schema: DefaultSchema}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.schema == "" {
		return nil, errors.New("postgres: empty schema name")
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.maxConns > 0 {
		pc.MaxConns = cfg.maxConns
	}
	for _, fn := range cfg.pool {
		fn(pc)
	}
	pc.AfterConnect = afterConnect(pc.AfterConnect)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	d := newDriver(pool, cfg.schema)
	d.notify = !cfg.noNotify
	if err := migrate(ctx, pool, cfg.schema, migrations); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open schema %s: %w", d.quoted, err)
	}
	if d.notify {
		d.notifier = startNotifier(d)
	}
	eopts := []engine.Option{engine.WithClock(cfg.clock), engine.WithEventPoll(cfg.poll)}
	if !d.notify {
		// Without the Watch method the engine polls.
		return &Store{engine.New(unwatched{d}, eopts...), d}, nil
	}
	return &Store{engine.New(d, eopts...), d}, nil
}

// unwatched is the driver of a store that does not listen: the engine sees
// no driver.Watcher.
type unwatched struct{ driver.Driver }

// Schema returns the name of the schema the store's tables are in.
func (s *Store) Schema() string { return s.d.schema }

// pgDriver is the driver.Driver of a Store.
type pgDriver struct {
	pool   *pgxpool.Pool
	schema string
	quoted string   // schema as a quoted identifier
	sql    []string // statements[i].sql for this schema

	// notify makes the notifier notify channel, on which Watch listens,
	// after each commit that appended events.
	notify   bool
	channel  string
	notifier *notifier

	// watch is the state of Watch, for tests.
	watch watchState

	// pruneFrom is the tenant the next PruneEvents starts from.
	pruneMu   sync.Mutex
	pruneFrom grouping.Tenant

	// known holds the organisations the store wrote last.
	known knownOrganisations

	// beforeCommit, when set (by tests), runs at the end of every write
	// transaction, before the commit.
	beforeCommit func(ctx context.Context, tx querier) error

	reads // outside transactions: the pool
}

var _ driver.Driver = (*pgDriver)(nil)

func newDriver(pool *pgxpool.Pool, schema string) *pgDriver {
	d := &pgDriver{pool: pool, schema: schema, quoted: pgx.Identifier{schema}.Sanitize(), channel: notifyChannel(schema)}
	d.sql = make([]string, len(statements))
	for i, st := range statements {
		d.sql[i] = inSchema(st.sql, d.quoted)
	}
	d.reads = reads{d: d, q: pool, snapshot: d.readSnapshot}
	return d
}

// Close closes the pool. It waits for connections in use to be returned.
func (d *pgDriver) Close() error {
	if d.notifier != nil {
		d.notifier.close()
	}
	d.pool.Close()
	return nil
}

// Write implements driver.Driver: fn runs in one read committed
// transaction. The first statement of each fact read locks the row of the
// transaction's tenant (see the package documentation), so that no other
// write of the tenant commits between the transaction's reads and its
// commit. Serialisation failures and deadlocks are reported as
// driver.ErrRetry; the engine then runs fn again. BEGIN is sent with the
// first statement and COMMIT with the events (see txConn): a call that
// fails before reading anything costs no round trip.
//
// A transaction that took an organisation to be as the store knew it, and
// found it changed (see knownOrganisations), runs again at once, within
// this call, reading every organisation it upserts: fn runs twice (the
// driver contract allows it), and the second run does not fail that way.
func (d *pgDriver) Write(ctx context.Context, fn func(driver.Tx) error) error {
	t, err := d.write(ctx, fn, true)
	if err != nil && len(t.assumed) > 0 {
		d.known.forget(t.assumed...)
		if sqlState(err) == pgChanged {
			t, err = d.write(ctx, fn, false)
		}
	}
	if err == nil {
		for _, o := range t.upserted {
			d.known.put(o)
		}
	}
	return retryable(err)
}

// write runs fn in a transaction, once, and returns the transaction. Unless
// assume is set, the transaction reads every organisation it upserts
// rather than take it to be as the store knows it.
func (d *pgDriver) write(ctx context.Context, fn func(driver.Tx) error, assume bool) (*pgTx, error) {
	t := &pgTx{d: d, assume: assume}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return t, fmt.Errorf("postgres: begin: %w", err)
	}
	defer conn.Release()
	tx := &txConn{conn: conn}
	done := false
	defer func() {
		if !done { // fn panicked: give the connection and its locks back
			tx.rollback(ctx)
		}
	}()
	t.tx = tx
	t.reads = reads{d: d, q: tx, snapshot: func(ctx context.Context, fn func(querier) error) error { return fn(tx) }}
	err = fn(t)
	done = true
	if err == nil && d.beforeCommit != nil {
		err = d.beforeCommit(ctx, tx)
	}
	if err == nil {
		if err = tx.commit(ctx); err == nil {
			if len(t.appended) > 0 && d.notifier != nil {
				d.notifier.committed(t.appended)
			}
			return t, nil
		}
		err = fmt.Errorf("postgres: commit: %w", err)
	}
	tx.rollback(ctx)
	return t, err
}

// retryable marks a serialisation failure or a deadlock with
// driver.ErrRetry: running the whole transaction again resolves it.
// CockroachDB reports every transaction conflict this way. So is the
// violation of a unique key that the
// transaction's facts said was free, which only a write made without the
// tenant's lock can cause, as two organisations inserting one channel ID
// at once do: run again, the transaction reads the facts that now say
// otherwise. Deferred writes report these from a later statement or from
// the commit.
func retryable(err error) error {
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, driver.ErrRetry), errors.Is(err, driver.ErrNameTaken):
	case errors.As(err, &pe) && (pe.Code == pgSerializationFailure || pe.Code == pgDeadlockDetected || pe.Code == pgChanged ||
		pe.Code == pgUniqueViolation && (pe.ConstraintName == "channels_pkey" || pe.ConstraintName == "groups_name_key")):
		return fmt.Errorf("%w: %w", driver.ErrRetry, err)
	}
	return err
}

// The SQLSTATE codes the driver acts on.
const (
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgUniqueViolation      = "23505"
	// pgChanged is raised by expect_unchanged (migration 0004): a row was
	// not as the store knew it.
	pgChanged = "GR001"
)

// readSnapshot runs fn in a read-only repeatable read transaction, so that
// all its queries see the same snapshot of the database.
func (d *pgDriver) readSnapshot(ctx context.Context, fn func(querier) error) error {
	return pgx.BeginTxFunc(ctx, d.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error { return fn(tx) })
}

// querier runs statements: the pool, each statement on its own, or a
// transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// pgTx is a write transaction of the driver.
type pgTx struct {
	d  *pgDriver
	tx *txConn
	// locked lists the tenants whose lock row the transaction holds.
	locked []grouping.Tenant
	// appended lists the tenants the transaction appended events to.
	appended []grouping.Tenant
	// names and link are facts the transaction read under its tenant's
	// lock, kept so that writes they make certain can be deferred (see
	// writes.go).
	names nameFact
	link  linkFact
	// upserted lists the organisations the transaction upserted, as each
	// upsert left them; assumed, those whose previous state it took from
	// what it knew (see knownOrganisations) rather than read.
	upserted []knownOrganisation
	assumed  []uuid.UUID
	// assume says whether the transaction may take an organisation to be
	// as the store knows it.
	assume bool
	reads
}

var _ driver.Tx = (*pgTx)(nil)

// lockedQuery runs st in the transaction and calls scan for each row it
// returns. When the transaction does not hold the lock of tn yet, the
// lock statement (sqlLockOrganisation, sqlLockWorkspace or
// sqlLockNewWorkspace) runs first, pipelined with st in one round trip:
// under read committed each statement takes its snapshot when it starts,
// so st, which starts once the lock is granted, reads everything the
// previous holder committed.
func (t *pgTx) lockedQuery(ctx context.Context, lock *statement, tn grouping.Tenant, st *statement, args []any, scan func(pgx.Rows) error) (err error) {
	var rows pgx.Rows
	if slices.Contains(t.locked, tn) {
		rows, err = t.tx.Query(ctx, t.d.sql[st.index], args...)
	} else {
		b := &pgx.Batch{}
		b.Queue(t.d.sql[lock.index], tn.ID)
		b.Queue(t.d.sql[st.index], args...)
		br := t.tx.SendBatch(ctx, b)
		defer func() { err = errors.Join(err, br.Close()) }()
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err != nil {
			return err
		}
		// A lock that found no row locked nothing: the row may yet be
		// made (by the first attach of a workspace), and is then locked.
		if tag.RowsAffected() > 0 || lock == sqlLockNewWorkspace {
			t.locked = append(t.locked, tn)
		}
		rows, err = br.Query()
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// exec runs a statement that returns no rows in the transaction.
func (t *pgTx) exec(ctx context.Context, st *statement, args ...any) (pgconn.CommandTag, error) {
	return t.tx.Exec(ctx, t.d.sql[st.index], args...)
}

// fromDB converts a stored time to UTC, as the store hands times out.
func fromDB(t time.Time) time.Time { return t.UTC() }

// fromNullDB converts a nullable stored time.
func fromNullDB(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
