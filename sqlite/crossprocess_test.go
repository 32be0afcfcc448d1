package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
	sqlite3 "modernc.org/sqlite/lib"
)

// hammerEnv carries the configuration of a child process of
// TestCrossProcessHammer; its presence makes the test run as that child.
const hammerEnv = "GROUPING_SQLITE_HAMMER_CHILD"

// hammerConfig is what the processes of TestCrossProcessHammer share.
type hammerConfig struct {
	Path     string
	Org      uuid.UUID
	Groups   []uuid.UUID
	Channels []uuid.UUID
	Until    time.Time
	Seed     uint64
}

// TestCrossProcessHammer runs several processes (this test binary, started
// again as children) and the test itself against one database file, all
// assigning, moving and removing the same channels among the same groups at
// once, and then checks that the database is consistent and that no call
// failed for want of a lock.
func TestCrossProcessHammer(t *testing.T) {
	if env := os.Getenv(hammerEnv); env != "" {
		hammerChild(t, env)
		return
	}
	is := is.New(t)
	ctx := t.Context()
	const children = 2
	duration := 3 * time.Second
	if testing.Short() {
		duration = time.Second
	}

	cfg := hammerConfig{Path: filepath.Join(t.TempDir(), "shared.db")}
	s, err := Open(ctx, cfg.Path)
	is.NoErr(err) // open
	defer s.Close()
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Shared"})
	is.NoErr(err) // create organisation
	cfg.Org = org.ID
	for i := range 4 {
		g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		is.NoErr(err) // create group
		cfg.Groups = append(cfg.Groups, g.ID)
	}
	archived := true
	_, err = s.UpdateGroup(ctx, org.ID, cfg.Groups[3], grouping.GroupUpdate{Archived: &archived})
	is.NoErr(err) // one archived group: assigning to it must fail cleanly
	for i := range 24 {
		ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{
			ID: uuid.New(), OrganisationID: org.ID, Name: fmt.Sprint("channel ", i), OwnerID: uuid.New(),
		})
		is.NoErr(err) // create channel
		cfg.Channels = append(cfg.Channels, ch.ID)
	}
	cfg.Until = time.Now().Add(duration)

	type child struct {
		cmd *exec.Cmd
		out bytes.Buffer
	}
	var kids []*child
	for i := range children {
		c := cfg
		c.Seed = uint64(i + 1)
		env, err := json.Marshal(c)
		is.NoErr(err) // encode configuration
		k := &child{cmd: exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrossProcessHammer$", "-test.count=1", "-test.v")}
		k.cmd.Env = append(os.Environ(), hammerEnv+"="+string(env))
		k.cmd.Stdout, k.cmd.Stderr = &k.out, &k.out
		is.NoErr(k.cmd.Start()) // start child process
		kids = append(kids, k)
	}

	// The parent hammers too, from two goroutines sharing its Store.
	var wg sync.WaitGroup
	results := make([]hammerResult, 2)
	for i := range results {
		wg.Go(func() { results[i] = hammer(ctx, s, cfg, uint64(100+i)) })
	}
	wg.Wait()
	for i, r := range results {
		t.Logf("parent %d: %d calls", i, r.calls)
		is.NoErr(r.err) // no call failed unexpectedly in the parent
	}
	for i, k := range kids {
		err := k.cmd.Wait()
		out := k.out.String()
		for line := range strings.Lines(out) {
			if strings.Contains(line, "hammer:") {
				t.Logf("child %d: %s", i, strings.TrimSpace(line))
			}
		}
		if err != nil {
			t.Errorf("child %d failed: %v\n%s", i, err, out)
		}
	}

	checkConsistent(t, s, cfg)
}

// hammerChild is TestCrossProcessHammer in a child process.
func hammerChild(t *testing.T, env string) {
	cfg, s := childStore[hammerConfig](t, env)
	r := hammer(t.Context(), s, cfg, cfg.Seed)
	t.Logf("hammer: %d calls", r.calls)
	if r.err != nil {
		t.Fatal(r.err)
	}
}

type hammerResult struct {
	calls int
	err   error
}

// hammer makes random calls until cfg.Until. The conflicts and not-found
// errors that the random choices provoke are expected; any other error ends
// it.
func hammer(ctx context.Context, s *Store, cfg hammerConfig, seed uint64) hammerResult {
	rng := rand.New(rand.NewPCG(seed, seed))
	var r hammerResult
	for time.Now().Before(cfg.Until) {
		g := cfg.Groups[rng.IntN(len(cfg.Groups))]
		ch := cfg.Channels[rng.IntN(len(cfg.Channels))]
		var err error
		switch rng.IntN(7) {
		case 0, 1:
			err = s.AssignChannel(ctx, cfg.Org, g, ch)
		case 2, 3:
			err = s.MoveChannel(ctx, cfg.Org, g, ch)
		case 4, 5:
			err = s.RemoveChannel(ctx, cfg.Org, g, ch)
		case 6:
			_, err = s.ListGroupChannels(ctx, cfg.Org, g, grouping.ListChannelsOptions{IncludeArchived: true})
		}
		r.calls++
		switch code := grouping.ErrorCode(err); {
		case code == "" || code == grouping.Conflict || code == grouping.NotFound:
		case resultCode(err)&0xff == sqlite3.SQLITE_BUSY || strings.Contains(err.Error(), "database is locked"):
			r.err = fmt.Errorf("call %d: lock not obtained: %w", r.calls, err)
			return r
		default:
			r.err = fmt.Errorf("call %d: %w", r.calls, err)
			return r
		}
	}
	return r
}

// checkConsistent checks the database after the hammering.
func checkConsistent(t *testing.T, s *Store, cfg hammerConfig) {
	is := is.New(t)
	ctx := t.Context()

	var check string
	is.NoErr(s.d.reader.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check)) // run integrity check
	is.Equal(check, "ok")                                                            // the file is sound
	rows, err := s.d.reader.QueryContext(ctx, "PRAGMA foreign_key_check")
	is.NoErr(err)         // run foreign key check
	is.True(!rows.Next()) // no dangling reference
	rows.Close()

	// Each channel shows up in exactly one list: one group's or the
	// ungrouped channels, and each group's list is what the channels say.
	seen := make(map[uuid.UUID]string)
	opts := grouping.ListChannelsOptions{IncludeArchived: true}
	for _, g := range cfg.Groups {
		page, err := s.ListGroupChannels(ctx, cfg.Org, g, opts)
		is.NoErr(err) // list group channels
		for _, ch := range page.Items {
			is.Equal(seen[ch.ID], "") // in at most one group
			is.Equal(*ch.GroupID, g)  // the channel names the group that lists it
			seen[ch.ID] = g.String()
		}
		var n int
		is.NoErr(s.d.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM channels WHERE group_id = ?", g).Scan(&n)) // count members
		is.Equal(n, len(page.Items))                                                                              // the list has every member
		var dup int
		is.NoErr(s.d.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT group_position FROM channels
			WHERE group_id = ? GROUP BY group_position HAVING COUNT(*) > 1)`, g).Scan(&dup)) // look for shared positions
		is.Equal(dup, 0) // every channel has a position of its own
	}
	ungrouped, err := s.ListUngroupedChannels(ctx, cfg.Org, opts)
	is.NoErr(err) // list ungrouped channels
	for _, ch := range ungrouped.Items {
		is.Equal(seen[ch.ID], "") // an ungrouped channel is in no group
		seen[ch.ID] = "none"
	}
	is.Equal(len(seen), len(cfg.Channels)) // every channel is accounted for
	archived, err := s.ListGroupChannels(ctx, cfg.Org, cfg.Groups[3], opts)
	is.NoErr(err)                    // list the archived group
	is.Equal(len(archived.Items), 0) // nothing got into the archived group
}

// crashEnv carries the configuration of the child process of
// TestCrossProcessCrashKeepsAcknowledgedWrites.
const crashEnv = "GROUPING_SQLITE_CRASH_CHILD"

// TestCrossProcessCrashKeepsAcknowledgedWrites kills a process that is
// writing as fast as it can and checks that every write it had reported as
// done is in the database.
func TestCrossProcessCrashKeepsAcknowledgedWrites(t *testing.T) {
	if env := os.Getenv(crashEnv); env != "" {
		crashChild(t, env)
		return
	}
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "crash.db")
	org := uuid.New()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrossProcessCrashKeepsAcknowledgedWrites$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path+"|"+org.String())
	out, err := cmd.StdoutPipe()
	is.NoErr(err) // pipe child output
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	is.NoErr(cmd.Start()) // start child process

	var acked []uuid.UUID
	lines := bufio.NewScanner(out)
	for len(acked) < 200 && lines.Scan() {
		if id, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			acked = append(acked, uuid.MustParse(id))
		}
	}
	is.NoErr(cmd.Process.Kill()) // crash the child in the middle of its writes
	_ = cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("child stopped after %d writes: %s", len(acked), stderr.String())
	}

	s, err := Open(ctx, path)
	is.NoErr(err) // reopen after the crash
	defer s.Close()
	for _, id := range acked {
		_, err := s.GetGroup(ctx, org, id, grouping.GetGroupOptions{})
		is.NoErr(err) // every acknowledged group is there
	}
	var check string
	is.NoErr(s.d.reader.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check)) // run integrity check
	is.Equal(check, "ok")                                                            // the file is sound
}

// crashChild creates groups until it is killed, writing the ID of each one
// created to stdout.
func crashChild(t *testing.T, env string) {
	path, org, _ := strings.Cut(env, "|")
	ctx := t.Context()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	orgID := uuid.MustParse(org)
	if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: orgID, Name: "Crash"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		g, err := s.CreateGroup(ctx, orgID, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("ack", g.ID)
	}
}

// childStore decodes the configuration a child process of a test was
// given in env, and opens the store at its Path, closed when the test ends.
func childStore[C interface{ path() string }](t *testing.T, env string) (C, *Store) {
	t.Helper()
	var cfg C
	if err := json.Unmarshal([]byte(env), &cfg); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), cfg.path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return cfg, s
}

func (c hammerConfig) path() string { return c.Path }
func (c wakeConfig) path() string   { return c.Path }
func (c killConfig) path() string   { return c.Path }
func (c fairConfig) path() string   { return c.Path }
