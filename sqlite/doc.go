// Package sqlite is a [grouping.Store] kept in one SQLite database file, the
// store to use unless you need several application servers on one database.
// It is pure Go (modernc.org/sqlite, no cgo). Every rule is applied by the
// engine of package engine; this package is its driver: the schema, and the
// SQL that reads each fact an operation decides on (in one statement) and
// writes its changes.
//
//	store, err := sqlite.Open(ctx, "grouping.db")
//	if err != nil { … }
//	defer store.Close()
//
// # Durability
//
// The database runs in write-ahead-log (WAL) mode. By default it uses
// synchronous=NORMAL: a commit is written to the log before the call returns,
// so an acknowledged write survives the crash of the process, but the log is
// flushed to disk only at checkpoints, so the last writes before a power
// failure or operating system crash may be lost (the database itself stays
// intact). [WithSynchronousFull] flushes the log on every commit, so that
// acknowledged writes survive those too, at the cost of an fsync per write.
//
// # Connections
//
// A Store holds two connection pools to the file. Writes go through a single
// connection, one transaction at a time; each transaction begins with BEGIN
// IMMEDIATE, taking SQLite's write lock up front, so concurrent writers queue
// rather than fail. Reads go through a separate pool of read-only
// connections, and in WAL mode they run alongside the writer: every read
// call sees one consistent snapshot and is never blocked by writes.
// Journal mode, busy timeout, foreign keys and synchronous mode are set by
// the data source name on every connection either pool opens.
//
// # Several processes
//
// Several processes (or several Stores in one process) may open the same
// file at once, on one machine with a local file system; WAL does not work
// over network file systems. Their writes are serialised by SQLite's file
// locks: a writer waits up to the busy timeout ([WithBusyTimeout], 10 seconds
// by default) for another process's write to finish. Every invariant of
// [grouping.Store] holds across processes, because each call reads and writes
// within one such transaction.
//
// # Schema
//
// The schema is created and upgraded by embedded, numbered migrations when
// the file is opened, inside a write transaction; the version is kept in
// PRAGMA user_version. A file whose schema is newer than this package knows
// is refused with [ErrSchemaTooNew]. Version 2 recomputes every group's name
// key under the current rule of grouping.FoldName (Unicode normalisation and
// full case folding): existing groups whose names become equal under it keep
// their names, the one created first keeps the plain key, and the later ones
// stay distinct until renamed, while any new group or rename to such a name
// is a conflict. IDs are stored as UUID text and times as
// Unix milliseconds. Every list is read from an index, page by page (keyset
// pagination), so its cost does not grow with the size of the organisation
// or workspace.
package sqlite
