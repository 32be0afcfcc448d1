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
// connection, which the store holds from Open to Close with every statement
// prepared on it, one transaction at a time; each transaction begins with
// BEGIN IMMEDIATE, taking SQLite's write lock up front, so concurrent
// writers queue rather than fail, and ends with COMMIT or ROLLBACK. A
// transaction that could not be rolled back closes the connection for good,
// and the next write opens a new one. Reads go through a separate pool of read-only
// connections, and in WAL mode they run alongside the writer: every read
// call sees one consistent snapshot and is never blocked by writes.
// Journal mode, busy timeout, foreign keys and synchronous mode are set by
// the data source name on every connection either pool opens.
//
// # Checkpoints
//
// Commits append pages to the write-ahead log; checkpoints copy them back
// into the database file and flush both to disk. SQLite runs a checkpoint
// inside the commit that brings the log to 1,000 pages, so that one write in
// a few hundred waits for the copying and two fsyncs, and every write pays
// for them on average. A Store checkpoints on one more connection of its
// own, in the background, half a second after a commit or once 512 commits
// have gathered, whichever comes first, so that its writes do not wait for
// the disk. A background checkpoint copies the log only as
// far as it went when the checkpoint began, and the log can start again
// from its beginning only once all of it is copied, which a steady stream
// of writes prevents: so the writer still checkpoints in its commit, as
// SQLite does, but only when the log reaches 16,000 pages (64 MiB, about
// the most disk the log takes), and then finds most of it copied already.
// Processes that open the file without this package checkpoint as SQLite
// does by default.
//
// # Several processes
//
// Several processes (or several Stores in one process) may open the same
// file at once, on one machine with a local file system; WAL does not work
// over network file systems. Their writes are serialised by SQLite's write
// lock, and they take turns for it. Within a process, writes wait for one
// another in the order they arrive. Across processes, a write transaction
// first takes an exclusive flock(2) on a lock file beside the database (its
// path followed by "-lock", created when missing and never removed), and
// holds it until after its commit or rollback. A process that waits for a
// flock sleeps in the kernel, which wakes it as soon as the lock is
// released, where SQLite's lock can only be tried again and again: a
// process writing without pause would take it back between another
// process's tries and starve that process's writes until they time out.
// The lock file changes nothing in the order or durability of commits, and
// the kernel releases it when a process dies, even killed in the middle of
// a write. Reads, backups (VACUUM INTO on a read-only connection) and
// checkpoints never take it. A write waits for its turn, the lock file and
// SQLite's lock together at most the busy timeout ([WithBusyTimeout], 5
// seconds by default) or until its context is done. On systems without
// flock (Windows, among others), or when the lock file cannot be opened, a
// writer waits for SQLite's lock alone, trying it again after short sleeps;
// so it does for programs that write the file without this package, such as
// the sqlite3 shell, which do not know the lock file. Every invariant of
// [grouping.Store] holds across processes, because each call reads and
// writes within one such transaction.
//
// # Calls at once
//
// SQLite runs inside the process, as Go code: each call of a Store is work
// for the Go scheduler, which cannot tell a write that others wait for from
// a read, and calls running side by side contend for locks that every
// connection of the process shares (the page cache's and the memory
// allocator's). So a Store lets at most as many reads run SQLite at once as
// GOMAXPROCS was when it opened (see [WithConcurrentCalls]) and queues the
// others, first come, first served. The write whose turn it is never waits
// there: it starts at once, beside the reads already running, and once it
// has SQLite's write lock no read starts until it ends, when the reads that
// waited start. While it waits for the lock, held by a connection that does
// not take the lock file (the sqlite3 shell, say), reads go on. A read
// waiting there uses no processor and gives up when its context is done. A
// write waits only for this process's earlier writes and other processes'
// locks, and gives up when its context is done or its
// busy timeout ([WithBusyTimeout]) has passed. The background
// checkpoints and the watch for other processes' commits run on
// connections of their own, outside this queue.
//
// # Events
//
// Every write call that changes something appends its events (see
// [grouping.Event]) in its own transaction, so an event exists exactly when
// its change does, through crashes too. A tenant's events are numbered 1, 2, …
// without gaps, in commit order, across processes as well: the numbering is
// decided under SQLite's write lock. Each event is one row, with its data
// stored as the JSON text the engine built, byte for byte, and an entry in an
// index on (tenant, sequence): reading a page of a tenant's events is one
// range of that index. The next number of a tenant is one more than its newest
// event's, so appending reads no counter row and writes none; pruning records
// how far it went, so that a pruned number is never handed out again.
// PruneEvents ([grouping.EventLog]) removes each tenant's oldest events, never
// past the position of an active consumer.
//
// Events cost every write that has them a row and an index entry: one
// statement (two when another process wrote the tenant's last event, and
// two for all the events of a bulk call together) and about two more pages
// in the commit's write-ahead log, where the same writes without events
// write one to six pages. The pages are most of the cost, and the writes
// that change one page only pay the most; checkpointing in the background
// (see Checkpoints) took more off every write than that, on this package's
// benchmarks (see PERFORMANCE.md in the repository).
//
// # Waiting for events
//
// WaitEvents ([grouping.EventReader]) returns as soon as the tenant has an
// event after the one asked for. A commit of this Store wakes its waiting
// readers at once. To see commits of other processes (or other Stores on the
// same file), the Store watches the file from its first WaitEvents call until
// Close: every watch interval ([WithWatchInterval], [DefaultWatchInterval] =
// 25 ms) it reads PRAGMA data_version on a read-only connection of its own,
// which changes whenever another connection has committed. So a reader learns
// of another process's events within about one interval. The watch costs one
// connection and one statement per interval (a few microseconds of processor
// time: about 0.01 % of a core at 25 ms). It cannot tell which tenant changed,
// nor another process's commits from this Store's own, so each interval with
// any commit wakes every waiting reader of the Store once, and each of them
// reads its tenant's events again (one indexed read that usually finds
// nothing). With many waiting readers and frequent writes, a longer interval
// trades latency for fewer such reads. Should the watch fail to read (the file
// busy beyond the busy timeout), it tries again at the next interval and then
// wakes every reader, since it may have missed a commit.
//
// # Schema
//
// The schema is created and upgraded by embedded, numbered migrations when the
// file is opened, inside a write transaction; the version is kept in PRAGMA
// user_version. A file whose schema is newer than this package knows is
// refused with [ErrSchemaTooNew]. Version 2 recomputes every group's name key
// under the current rule of grouping.FoldName (Unicode normalisation and full
// case folding): existing groups whose names become equal under it keep their
// names, the one created first keeps the plain key, and the later ones stay
// distinct until renamed, while any new group or rename to such a name is a
// conflict. Version 3 adds the events, the tenants that have them and the
// positions of their consumers; existing data has no events. Version 4 gives
// every membership a copy of its channel's organisation, creation time and
// deletion, filled in for the memberships already there, written by the
// statements that add members and kept by a trigger whenever they change on
// the channel; an index orders a user's memberships of an organisation as its
// channels are listed, and a partial index its archived channels. Version 5
// keys the channel groups by workspace, creation time and ID, in a table
// without rowid, and gives every channel link a copy of its channel group's
// creation time, filled in for the links already there, held equal by the
// links' foreign key (which names it and cascades its updates), so that an
// index orders a workspace's links as its channel groups are listed. IDs are
// stored as UUID text and times as Unix milliseconds. Every list is read from
// an index, page by page (keyset pagination), so its cost does not grow with
// the size of the organisation or workspace. The discoverable channels merge
// three index ranges in the list's order: the organisation's live channels,
// less the user's memberships and (unless asked for) the archived channels.
// A channel passed over costs a step along those indexes, not a search of the
// memberships by channel ID, and its row is never read. A page of channel
// groups reads a range of their table and, for their channels, neighbouring
// entries of one index.
package sqlite
