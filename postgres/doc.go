// Package postgres is a [grouping.Store] kept in a PostgreSQL database, the
// store to use when several application instances share one database. It
// uses github.com/jackc/pgx/v5 and its connection pool.
//
//	store, err := postgres.Open(ctx, "postgres://app@db.internal:5432/app?sslmode=verify-full")
//	if err != nil { … }
//	defer store.Close()
//
// The URL (or key=value connection string) is read by pgx: host, TLS,
// credentials, and the pool settings pool_max_conns, pool_min_conns,
// pool_max_conn_lifetime, pool_max_conn_idle_time and
// pool_health_check_period. [WithMaxConns] and [WithPoolConfig] set them
// from code. A store whose readers wait for events holds one connection
// more, for LISTEN (see "Waiting for events" below).
//
// # Schema
//
// Every table lives in one schema, "grouping" unless [WithSchema] names
// another; the name is quoted, so any name works, and stores in different
// schemas of one database are independent. Open creates the schema if it is
// missing and applies the embedded, numbered migrations it lacks; they have
// the version numbers of package sqlite's. Several processes may open the
// same schema at once: whoever migrates holds the one row of the table
// schema_lock locked (SELECT … FOR UPDATE) until its migrations commit, and
// the others wait for that row, then find nothing left to do. No advisory
// lock is used. Applied versions are rows of schema_migrations; a schema
// whose version is newer than this package knows is refused with
// [ErrSchemaTooNew]. A role that may not create schemas can open a schema
// that an administrator has migrated (by opening it once with a role that
// may).
//
// The invariants of grouping are constraints of the schema, whatever
// writes the tables: a unique partial index on (organisation_id, name_key)
// of the groups that are not deleted; a composite foreign key from a
// channel's (organisation_id, group_id) to its group, so that a channel is
// only ever in a group of its own organisation; checks that group_id and
// group_position are both set or both NULL, that a deleted channel is in no
// group and that counts are not negative; a primary key that puts a channel
// in at most one channel group per workspace and a composite foreign key
// that keeps that channel group in the same workspace. user_count is kept
// by a row trigger on channel_members, so that it stays exact whoever
// changes the members, and lists read it without counting members. Every
// list is read from an index in list order, page by page (keyset
// pagination).
//
// # Concurrency
//
// Write transactions run at READ COMMITTED and begin by locking one row:
// that of their organisation (organisations), or of their workspace
// (workspaces, a table of lock rows made on a workspace's first attach).
// BEGIN and the lock statement go to the server in the same round trip as
// the transaction's first read, and that read takes its snapshot after the
// lock is granted, so it sees every write the tenant's previous transaction
// committed; no other write of the tenant commits until this one ends.
// The writes whose results the engine does not wait for go to the server
// with the transaction's next statement, or with COMMIT, in the same round
// trip, so that a write that reads its facts, changes rows and appends its
// events makes two round trips. Adding or removing a channel member makes
// two as well: the change is one statement, conditional on a live channel
// of the organisation, sent with the lock (driver.MemberTx); the channel
// is read, and the plain statement run under the lock, only when it
// changed nothing. Writes of one tenant run one after
// another, across all processes, and writes of different tenants run in
// parallel. A transaction locks a single tenant row, and then, if it
// appends events, that tenant's event counter, so these locks cannot
// deadlock.
//
// This was chosen over SERIALIZABLE with retries because the writes of one
// tenant contend for the same few rows (a group's channel order, a
// channel's place): under SERIALIZABLE, concurrent writers would mostly fail
// and retry, and a busy tenant could exhaust the engine's bounded retries,
// while a queue on one row lets each of them through in turn. The cost is
// that one tenant's writes do not run in parallel, which the rules would
// rarely allow anyway.
//
// Retries remain for what locks do not cover. A serialisation failure
// (SQLSTATE 40001) or deadlock (40P01) is returned wrapped in
// driver.ErrRetry, and the engine runs the whole call again after a short
// jittered pause, a bounded number of times. The one conflict between
// tenants, two organisations inserting a channel with the same ID at the
// same moment, surfaces as the primary key's violation and is retried the
// same way; the retry then reports the channel as another organisation's.
//
// An upsert of an organisation the store wrote before skips the read of
// its row: the store remembers, for up to 4,096 organisations it wrote
// (past that, it forgets one at random for each it learns), the name and
// creation time its committed transactions left them with, and the engine
// decides on the upsert's event from that. The rename that checks the row
// is still so (sqlRenameKnownOrganisation, which locks it) goes to the
// server with the event and COMMIT, and the upsert takes one round trip.
// When the row changed since (another instance wrote it, or another
// goroutine of this store did after this one read what the store knew) or
// is gone, that statement fails (SQLSTATE GR001, raised by the function
// expect_unchanged of schema version 4) and the transaction with it; the
// store forgets the organisation, rolls back, and runs the upsert again at
// once, reading the row: two round trips more than for an organisation it
// does not know. What a store remembers thus costs time when it is out of
// date, and never makes an event wrong.
//
// The point reads a write transaction makes besides its facts (the
// channel that UpsertChannel updates, the channel group AttachChannel
// returns) lock the tenant's row first too, since the engine decides on
// them.
//
// Reads outside transactions are single statements, except a group or
// group list with its channels, which reads both in one read-only
// REPEATABLE READ transaction.
//
// # Events
//
// A write that changes something appends its events (see
// grouping.EventLog) in its own transaction, with one statement: it adds
// the number of events to the tenant's row of event_counters (made by the
// tenant's first event) and inserts the events with the numbers that
// follow. Updating that row locks it until the transaction ends, so a
// second transaction of the tenant that appends waits for the first to
// commit or roll back and then numbers its events after whatever the first
// left: sequence numbers are gapless and increase in commit order, across
// processes, and a rollback leaves no hole. Pruning deletes events but
// never counters, so a number is not handed out twice. The counters are a
// table of their own rather than columns of the tenants' lock rows because
// the driver appends for whatever tenant it is given, with or without a
// lock row, and so that the row version each append writes lands in a
// small table of its own rather than in organisations.
//
// The append costs no round trip of its own: the statement goes to the
// server with COMMIT (or with the transaction's next statement), and the
// events learn their numbers when its result comes back. The counter's row
// is thus locked for little more than the commit.
//
// An event's data, the JSON the engine wrote, is kept as bytea and read
// back byte for byte: jsonb would reorder its keys and drop its spacing,
// and text would pass through the database's encoding. Query it with
// convert_from(data, 'UTF8')::jsonb. Events are read after a sequence
// number along the primary key (tenant_kind, tenant_id, seq).
//
// PruneEvents removes, per tenant, only a prefix of its events: those from
// its oldest up to the first that is neither older than the cut-off nor
// beyond the newest it keeps, and never one after the position of an
// active consumer of the tenant, whose row it locks (FOR SHARE) so that a
// consumer being saved at the same moment is waited for. Each batch is one
// statement that reads the tenants in primary key order, starting where
// the store's previous batch stopped, and stops as soon as it has found
// its limit of events, so that pruning a large backlog reads each tenant
// about once rather than once per batch. A consumer saved while a batch
// runs that was not there when the batch began is not seen by it.
//
// # Waiting for events: LISTEN/NOTIFY
//
// Once a write that appended events has committed, the store notifies the
// schema's channel, "<schema>.events" (or "events:" and a hash of the
// schema name when that is longer than PostgreSQL's 63 bytes), with the
// tenant as the payload, "organisation:<id>" or "workspace:<id>". It does
// so after the commit, in a statement of its own sent by one goroutine of
// the store, which waits 5 ms after a commit wakes it and then sends the
// tenants of all the commits made meanwhile in one statement: PostgreSQL
// queues notifications under a server-wide lock that it holds until the
// notifying transaction's commit is done, so that notifying inside the
// writes would make their commits, WAL flushes included, happen one at a
// time across the whole server; and a statement for every commit would
// cost the server about as much again as a small write. A notification
// lost between a commit and its sending (a crash, a dropped connection) is
// covered by the readers' polling.
//
// Once a reader of a store waits for events (WaitEvents), the store listens
// on that channel until it is closed, on a connection of its own: it takes
// one from the pool, made as the pool makes them, and takes it out of the
// pool, so that the process then holds one connection more than
// WithMaxConns (count it against the server's max_connections). Each
// notification wakes every reader of the process that waits, whatever its
// tenant, and each then reads its tenant's events again (one query); the
// notifications that arrive together wake them once. When the listening
// connection fails (the server restarts, the backend is terminated, the
// network drops), the store connects again after a pause (100 ms doubling
// to 5 s) and wakes every reader once it listens again, since it may have
// missed commits meanwhile; a connection that hears nothing for 30 seconds
// is pinged, so that one whose peer vanished is noticed. Readers also read
// again every WithEventPoll interval (5 seconds by default) when nothing
// woke them, which bounds how late they are if a notification is lost.
//
// WithListenNotify(false) removes both the notifications and the
// listening connection; readers then learn of other processes' commits by
// polling. LISTEN needs a
// session of its own: behind a connection pooler in transaction mode
// (PgBouncer's pool_mode = transaction), either give the store a direct
// URL or turn LISTEN/NOTIFY off.
//
// # CockroachDB
//
// The SQL is meant to run on CockroachDB-compatible servers too: no
// advisory locks, no deferrable constraints, no expression as an ON
// CONFLICT target, and conflicts reported as 40001 are retried. This is
// untested: the tests run against PostgreSQL only. Known differences to
// expect: CockroachDB runs transactions SERIALIZABLE unless read committed
// is enabled on the cluster, so conflicts become retries rather than waits;
// the user_count trigger needs a version with PL/pgSQL trigger functions,
// and expect_unchanged one whose PL/pgSQL raises errors with a SQLSTATE of
// its own;
// schema changes inside the migration transaction are subject to its rules
// for transactional DDL; and it has no LISTEN/NOTIFY nor pg_notify, so a
// store on it must be opened with WithListenNotify(false): its writes then
// notify nothing and its readers poll (WithEventPoll). (Should LISTEN be
// refused as unsupported, SQLSTATE 0A000, the store stops trying to
// listen, but its writes need the option all the same.) Appending events
// uses data-modifying common table expressions, pipelined with COMMIT, and
// pruning uses LATERAL joins and FOR SHARE, which recent versions of
// CockroachDB support.
//
// In short, LISTEN/NOTIFY is PostgreSQL's alone; everything else is meant
// to be portable, with conflicts becoming retries where PostgreSQL waits.
//
// # Durability
//
// A write returns once PostgreSQL has committed it, so it survives a crash
// of the application process, and of the database server as far as the
// server's own settings (synchronous_commit, replication) promise.
package postgres
