package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// watched runs watch until the test ends and returns a channel that
// receives a value each time it reports a change, and one that is closed
// when it has returned.
func watched(t *testing.T, run func(ctx context.Context, changed func())) (changes <-chan struct{}, stop func(), done <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ch := make(chan struct{}, 1000)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		run(ctx, func() { ch <- struct{}{} })
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
	})
	return ch, cancel, finished
}

// within waits for a value of c for at most d and reports whether it came.
func within(c <-chan struct{}, d time.Duration) bool {
	select {
	case <-c:
		return true
	case <-time.After(d):
		return false
	}
}

// drain empties c.
func drain(c <-chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

func TestWatchReportsCommits(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	const every = 5 * time.Millisecond
	s := openTestStore(t, WithWatchInterval(every))
	is.Equal(s.d.watchEvery, every) // the option sets the interval
	changes, stop, done := watched(t, s.d.Watch)
	is.True(within(changes, 5*time.Second)) // once it watches, it reports, for what it may have missed while it started

	// Nothing committed: nothing reported, over many intervals.
	drain(changes)
	is.True(!within(changes, 40*every)) // reads alone change nothing

	// A commit of another connection, as another process would make.
	other, err := sql.Open("sqlite", dsn(s.Path(), false, "NORMAL", 1000))
	is.NoErr(err) // open another connection
	defer other.Close()
	_, err = other.ExecContext(ctx, `INSERT INTO organisations (id, name, created_at) VALUES (?, 'Elsewhere', 1)`, uuid.New())
	is.NoErr(err)                           // commit there
	is.True(within(changes, 5*time.Second)) // reported

	// A commit of this store's own writer.
	drain(changes)
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Here"})
	is.NoErr(err)                           // commit here
	is.True(within(changes, 5*time.Second)) // reported too

	stop()
	is.True(within(done, 5*time.Second)) // it returns once its context ends
}

func TestWatchKeepsWatchingThroughFailures(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "later.db")
	const every = 5 * time.Millisecond
	// The file does not exist yet: every read fails.
	changes, _, done := watched(t, func(ctx context.Context, changed func()) {
		watch(ctx, dsn(path, true, "NORMAL", 50), every, changed)
	})
	is.True(!within(changes, 20*every)) // failed reads report nothing
	select {
	case <-done:
		t.Fatal("watch ended on a failed read") // it must keep trying
	default:
	}

	s := openAt(t, path)                    // the file appears
	is.True(within(changes, 5*time.Second)) // once it reads again it reports, as it may have missed a commit
	drain(changes)
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err)                           // commit
	is.True(within(changes, 5*time.Second)) // and it watches the file from then on
}

func TestWatchIntervalOption(t *testing.T) {
	is := is.New(t)
	is.Equal(openTestStore(t).d.watchEvery, DefaultWatchInterval)                                  // the default
	is.Equal(openTestStore(t, WithWatchInterval(0)).d.watchEvery, DefaultWatchInterval)            // zero keeps the default
	is.Equal(openTestStore(t, WithWatchInterval(-time.Second)).d.watchEvery, DefaultWatchInterval) // and so does a negative value
	is.Equal(openTestStore(t, WithWatchInterval(time.Second)).d.watchEvery, time.Second)           // any other value is taken
}

// BenchmarkWatchPoll measures one look of the watch: PRAGMA data_version on
// its own connection, which is what a Store spends every watch interval
// while it watches.
func BenchmarkWatchPoll(b *testing.B) {
	s := openTestStore(b)
	db, err := sql.Open("sqlite", s.d.dsnReadOnly)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	w := &watchConn{db: db}
	defer w.drop()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.dataVersion(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
