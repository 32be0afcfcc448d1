package sqlite

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// Checkpoints copy the pages that commits append to the write-ahead log
// back into the database file, and end with an fsync of the log and one of
// the database. SQLite runs them, by default, inside the commit that makes
// the log reach 1,000 pages: one write call in a few hundred waits for the
// copying and both fsyncs (milliseconds on a virtual disk), and on average
// every write pays for them.
//
// A Store runs them on a connection of its own instead, in the background,
// soon after its commits: the writer never waits for an fsync. A checkpoint
// that runs while the writer commits copies the log as far as it went when
// the checkpoint began; the log starts again from its beginning only once a
// checkpoint has copied all of it, which under a steady stream of writes a
// background checkpoint never does. So the writer's connection keeps
// SQLite's own checkpoint, at walRestartPages: in the commit that takes the
// log there, it copies the little the background has not copied yet (the
// writer holds the write lock, so nothing is appended meanwhile), and the
// log starts again. The log thus stays under about walRestartPages pages
// (4 KiB each), and a write call pays for a checkpoint a sixteenth as often
// as with SQLite's default, and for a much smaller one.

// walRestartPages is the size of the write-ahead log, in pages, at which
// the writer's commit checkpoints it itself (PRAGMA wal_autocheckpoint):
// 64 MiB of log on disk. The commit that restarts the log flushes it and
// the database (two fsyncs, milliseconds on a virtual disk) while every
// write behind it waits, so the restarts are what the slowest writes of a
// busy store wait for. Measured against 4,000 pages (BenchmarkConcurrency,
// both mixes at 1 to 64 goroutines, five interleaved runs), 16,000 gave
// about a quarter more throughput and a third lower write p99 (geometric
// means), with single calls (BenchmarkFloor) unchanged; 8,000 was in
// between.
const walRestartPages = 16000

// The background checkpointer lets commits gather after one wakes it, so
// that one checkpoint (and its two fsyncs) serves many of them: it waits
// checkpointDelay, or until checkpointCommits commits have gathered,
// whichever comes first. A checkpoint slows the writes that run while it
// does (it takes processor time, the locks SQLite's connections share, and
// its fsyncs hold up the file system), so the fewer of them the better;
// but the more pages each copies, the longer it slows them, and the log
// must stay well below walRestartPages, whose commit copies whatever is
// left while every write waits. Measured with BenchmarkConcurrency (seven
// interleaved runs) against a checkpoint 50 ms after the first commit of
// each: these two limits lowered write p99 in the 90/10 mix by 39 to 47 %
// at 4, 16 and 64 goroutines (p <= 0.007), and left the 10/90 mix, the
// medians and throughput unchanged. A delay of 500 ms alone did as well in
// 90/10 but made p99 3.3 times as long in 10/90 at 64 goroutines; 256
// commits made it 1.7 times as long in 10/90 at 4. Two processes writing
// one file as fast as they can (BenchmarkCrossProcessWrites, three runs
// each) checkpoint less often and longer: write p99.9 went from 15-16 ms
// to 20-26 ms and the longest write from 24-29 ms to 40-49 ms.
const (
	checkpointDelay   = 500 * time.Millisecond
	checkpointCommits = 512
)

// checkpointer runs PASSIVE checkpoints of one database file in a goroutine,
// soon after commits: kick says there was one.
type checkpointer struct {
	db *sql.DB // one read-write connection, used for nothing else
	// commits counts the commits since the last checkpoint began; kicks
	// wakes the goroutine at the first of them and at each from the
	// checkpointCommits-th on.
	commits atomic.Int64
	kicks   chan struct{}
	delay   time.Duration // checkpointDelay, but in tests
	stop    context.CancelFunc
	done    chan struct{}
	paused  chan bool    // tests: true stops checkpoints, false resumes them
	ran     atomic.Int64 // the checkpoints run, for tests
}

// startCheckpointer opens a connection with dsn and starts checkpointing
// the database behind it.
func startCheckpointer(dsn string) (*checkpointer, error) {
	return startCheckpointerAfter(dsn, checkpointDelay)
}

// startCheckpointerAfter is startCheckpointer with another delay.
func startCheckpointerAfter(dsn string, delay time.Duration) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, kicks: make(chan struct{}, 1), delay: delay, stop: cancel, done: make(chan struct{}), paused: make(chan bool)}
	go c.run(ctx)
	return c, nil
}

// kick tells the checkpointer that a commit appended to the log. It never
// blocks, and wakes the checkpointer only when it has something to do:
// start waiting, or stop.
func (c *checkpointer) kick() {
	if n := c.commits.Add(1); n == 1 || n >= checkpointCommits {
		select {
		case c.kicks <- struct{}{}:
		default:
		}
	}
}

// gather waits until c.delay has passed or checkpointCommits
// commits have gathered, or the context ends, or a test pauses the
// checkpoints; it reports the last.
func (c *checkpointer) gather(ctx context.Context) (paused bool) {
	timer := time.NewTimer(c.delay)
	defer timer.Stop()
	for c.commits.Load() < checkpointCommits {
		select {
		case <-ctx.Done():
			return false
		case paused = <-c.paused:
			if paused {
				return true
			}
		case <-timer.C:
			return false
		case <-c.kicks: // perhaps the checkpointCommits-th
		}
	}
	return false
}

// close stops the checkpointer, waits for it and closes its connection.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.db.Close()
}

// pause stops (true) or resumes (false) the checkpoints, for tests that
// count the pages of the log.
func (c *checkpointer) pause(p bool) { c.paused <- p }

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	paused := false
	for {
		select {
		case <-ctx.Done():
			return
		case paused = <-c.paused:
			if paused || c.commits.Load() == 0 {
				continue
			} // resumed after commits: their checkpoint is due
		case <-c.kicks:
			if paused {
				continue
			}
		}
		if paused = c.gather(ctx); paused || ctx.Err() != nil {
			continue
		}
		c.commits.Store(0) // the commits from now on are the next checkpoint's
		// A checkpoint that fails (another process holds a lock it needs,
		// or the disk is full) is tried again after the next commit, and
		// the writer's own checkpoint bounds the log meanwhile.
		var busy, logPages, copied int
		_ = c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &copied)
		c.ran.Add(1)
	}
}
