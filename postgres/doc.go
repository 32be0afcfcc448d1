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
// from code.
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
// The lock statement goes to the server in the same round trip as the
// transaction's first read, and that read takes its snapshot after the lock
// is granted, so it sees every write the tenant's previous transaction
// committed; no other write of the tenant commits until this one ends.
// Writes of one tenant therefore run one after another, across all
// processes, and writes of different tenants run in parallel. A
// transaction locks a single row, so these locks cannot deadlock.
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
// Reads outside transactions are single statements, except a group or
// group list with its channels, which reads both in one read-only
// REPEATABLE READ transaction.
//
// # CockroachDB
//
// The SQL is meant to run on CockroachDB-compatible servers too: no
// advisory locks, no deferrable constraints, no expression as an ON
// CONFLICT target, and conflicts reported as 40001 are retried. This is
// untested: the tests run against PostgreSQL only. Known differences to
// expect: CockroachDB runs transactions SERIALIZABLE unless read committed
// is enabled on the cluster, so conflicts become retries rather than waits;
// the user_count trigger needs a version with PL/pgSQL trigger functions;
// and schema changes inside the migration transaction are subject to its
// rules for transactional DDL.
//
// # Durability
//
// A write returns once PostgreSQL has committed it, so it survives a crash
// of the application process, and of the database server as far as the
// server's own settings (synchronous_commit, replication) promise.
package postgres
