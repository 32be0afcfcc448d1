package sqlite

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestBackgroundCheckpointCopiesTheLog checks that commits reach the
// database file itself soon after they are made, with the log far below the
// size at which the writer would checkpoint it: the file alone, without its
// log, holds the last write.
func TestBackgroundCheckpointCopiesTheLog(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Checkpoints"})
	is.NoErr(err) // organisation
	const n = 20
	for i := range n {
		_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: fmt.Sprint("channel ", i), OwnerID: uuid.New()})
		is.NoErr(err) // channel
	}
	// A copy of the database file without its log sees only what
	// checkpoints copied into the file.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got := channelsInFileAlone(t, s.Path()); got == n {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the database file alone holds %d of %d channels 10 s after the last write", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// channelsInFileAlone copies the database file, and not its log, and counts
// the channels in the copy.
func channelsInFileAlone(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "alone.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+cp+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var count int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM channels").Scan(&count); err != nil {
		return 0 // a copy taken amid a checkpoint may not read yet
	}
	return count
}

// TestLogStaysBoundedUnderSteadyWrites checks that a stream of writes with
// no pause, during which the background checkpoints can never copy the
// whole log, still keeps the log near walRestartPages: the writer's own
// checkpoint lets it start again.
func TestLogStaysBoundedUnderSteadyWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("writes until the log has started again several times")
	}
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Log"})
	is.NoErr(err) // organisation
	g, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "Log"})
	is.NoErr(err) // group
	ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "c", OwnerID: uuid.New()})
	is.NoErr(err) // channel
	// About 10 pages a pair: six times the restart size in all.
	for range 3 * walRestartPages / 5 {
		is.NoErr(s.AssignChannel(ctx, org, g.ID, ch.ID)) // assign
		is.NoErr(s.RemoveChannel(ctx, org, g.ID, ch.ID)) // remove
	}
	fi, err := os.Stat(s.Path() + "-wal")
	is.NoErr(err) // the log
	const frame = 4096 + 24
	// The writer's checkpoint gives way to a background one that is
	// running (its fsyncs take long on a busy disk) and tries again at the
	// next commit, so the log may pass walRestartPages by what the writes
	// of a few background checkpoints add; a log that never started again
	// would hold all of them.
	limit := int64(2*walRestartPages) * frame
	is.True(fi.Size() <= limit) // the log started again instead of growing
	t.Logf("log: %d bytes (%.0f pages), limit %d", fi.Size(), float64(fi.Size())/frame, limit)
}

// TestCheckpointerGathersCommits drives a checkpointer whose delay is an
// hour, so that only the count of commits can start a checkpoint: fewer
// than checkpointCommits wait, that many start one at once, and commits
// made while checkpoints are paused start one when they resume.
func TestCheckpointerGathersCommits(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "ckpt.db")
	c, err := startCheckpointerAfter("file:"+path+"?_pragma=journal_mode(wal)", time.Hour)
	is.NoErr(err) // started
	defer c.close()
	ranBy := func(n int64) bool { // whether n checkpoints ran within 10 s
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if c.ran.Load() >= n {
				return true
			}
		}
		return false
	}

	for range checkpointCommits - 1 {
		c.kick()
	}
	time.Sleep(300 * time.Millisecond)
	is.Equal(c.ran.Load(), int64(0)) // fewer commits wait for the delay
	c.kick()
	is.True(ranBy(1))                    // the last one starts the checkpoint
	is.Equal(c.commits.Load(), int64(0)) // and the count starts again

	c.pause(true)
	for range checkpointCommits {
		c.kick()
	}
	time.Sleep(300 * time.Millisecond)
	is.Equal(c.ran.Load(), int64(1)) // paused: none runs
	c.pause(false)
	is.True(ranBy(2)) // resumed: the gathered commits' checkpoint runs
}
