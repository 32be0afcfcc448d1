package sqlite

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// wakeEnv carries the configuration of the child process of
// TestWaitEventsWakesOnAnotherProcessCommit.
const wakeEnv = "GROUPING_SQLITE_WAKE_CHILD"

// wakeConfig is what the child of TestWaitEventsWakesOnAnotherProcessCommit
// is told.
type wakeConfig struct {
	Path   string
	Org    uuid.UUID
	Writes int
}

// TestWaitEventsWakesOnAnotherProcessCommit has a child process create
// groups, one at a time, while this process waits for the organisation's
// events: each event must reach the waiter within a bounded time of its
// commit, well before the engine's fallback poll (5 s) would find it.
func TestWaitEventsWakesOnAnotherProcessCommit(t *testing.T) {
	if env := os.Getenv(wakeEnv); env != "" {
		wakeChild(t, env)
		return
	}
	is := is.New(t)
	ctx := t.Context()
	cfg := wakeConfig{Path: filepath.Join(t.TempDir(), "wake.db"), Org: uuid.New(), Writes: 5}
	s, err := Open(ctx, cfg.Path, WithWatchInterval(10*time.Millisecond))
	is.NoErr(err) // open
	defer s.Close()
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: cfg.Org, Name: "Org"})
	is.NoErr(err) // event 1
	tenant := grouping.OrganisationOf(cfg.Org)

	// The waiter reads each event as soon as it is told of it.
	type arrival struct {
		seq int64
		at  time.Time
		err error
	}
	arrivals := make(chan arrival, cfg.Writes)
	go func() {
		after := int64(1)
		for range cfg.Writes {
			p, err := s.WaitEvents(ctx, tenant, after, 1)
			if err != nil {
				arrivals <- arrival{err: err}
				return
			}
			after = p.Next
			arrivals <- arrival{seq: p.Next, at: time.Now()}
		}
	}()

	env, err := json.Marshal(cfg)
	is.NoErr(err) // encode configuration
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWaitEventsWakesOnAnotherProcessCommit$", "-test.count=1")
	cmd.Env = append(os.Environ(), wakeEnv+"="+string(env))
	out, err := cmd.StdoutPipe()
	is.NoErr(err) // pipe child output
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	is.NoErr(cmd.Start()) // start child process
	var acked []time.Time
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "ack") {
			acked = append(acked, time.Now())
		}
	}
	if err := cmd.Wait(); err != nil || len(acked) != cfg.Writes {
		t.Fatalf("child: %v after %d writes: %s", err, len(acked), stderr.String())
	}
	for i := range cfg.Writes {
		select {
		case a := <-arrivals:
			is.NoErr(a.err)             // the wait ended with an event
			is.Equal(a.seq, int64(i+2)) // the next one
			late := a.at.Sub(acked[i])  // negative when the waiter was faster than the pipe
			t.Logf("event %d: %v after the child's commit", a.seq, late)
			is.True(late < 2*time.Second) // woken by the watch, not by the fallback poll
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d never reached the waiter", i+2)
		}
	}
}

// wakeChild creates groups in the organisation, pausing before each so that
// the parent's waiter is waiting, and reports each after its commit.
func wakeChild(t *testing.T, env string) {
	cfg, s := childStore[wakeConfig](t, env)
	for i := range cfg.Writes {
		time.Sleep(100 * time.Millisecond) // pace the writes; the parent measures from each commit
		if _, err := s.CreateGroup(t.Context(), cfg.Org, grouping.NewGroup{Name: fmt.Sprint("group ", i)}); err != nil {
			t.Fatal(err)
		}
		fmt.Println("ack")
	}
}

// killEnv carries the configuration of the child process of
// TestKilledWriterLeavesEventsThatReplayToTheStore.
const killEnv = "GROUPING_SQLITE_KILL_CHILD"

// killConfig is what each child of
// TestKilledWriterLeavesEventsThatReplayToTheStore is told.
type killConfig struct {
	Path     string
	Org      uuid.UUID
	Channels []uuid.UUID
	Round    int
	Seed     uint64
}

// ack is one write a child reported done: what it did, to what.
type ack struct {
	op, id, arg string // create <group> <name>, rename <group> <name>, assign|move|remove <channel> <group>
}

// TestKilledWriterLeavesEventsThatReplayToTheStore kills (SIGKILL) a child
// process writing as fast as it can, many times, at random moments, and
// then checks the events against what the children reported done and what
// the store holds:
//
//   - the organisation's events are numbered 1, 2, … without a gap;
//   - every acknowledged write has exactly one event, in the order of the
//     writes; the only events without an acknowledgement are those of the
//     one write each child may have committed as it was killed;
//   - replaying every event gives the store's final state: the groups,
//     their names and positions, and the channels of each group in order.
func TestKilledWriterLeavesEventsThatReplayToTheStore(t *testing.T) {
	if env := os.Getenv(killEnv); env != "" {
		killChild(t, env)
		return
	}
	is := is.New(t)
	ctx := t.Context()
	rounds := 30
	if testing.Short() {
		rounds = 8
	}
	cfg := killConfig{Path: filepath.Join(t.TempDir(), "kill.db"), Org: uuid.New()}
	s, err := Open(ctx, cfg.Path)
	is.NoErr(err) // open
	defer s.Close()
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: cfg.Org, Name: "round 0"})
	is.NoErr(err) // event 1
	for i := range 8 {
		ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: cfg.Org, Name: fmt.Sprint("channel ", i), OwnerID: uuid.New()})
		is.NoErr(err) // events 2 to 9
		cfg.Channels = append(cfg.Channels, ch.ID)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acks := make([][]ack, rounds) // each round's acknowledged writes, in order
	for r := range rounds {
		cfg.Round, cfg.Seed = r+1, rng.Uint64()
		acks[r] = killRound(t, cfg, rng.IntN(44)-4) // now and then before it is ready
		// A marker between rounds, written by this process.
		_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: cfg.Org, Name: fmt.Sprint("round ", r+1)})
		is.NoErr(err) // marker
	}

	// All the events, gapless from 1.
	tenant := grouping.OrganisationOf(cfg.Org)
	var evs []grouping.Event
	for after := int64(0); ; {
		p, err := s.Events(ctx, tenant, after, grouping.MaxEventLimit)
		is.NoErr(err) // read events
		evs = append(evs, p.Events...)
		after = p.Next
		if !p.More {
			break
		}
	}
	for i, e := range evs {
		if e.Sequence != int64(i+1) {
			t.Fatalf("event %d has sequence %d: numbers are not gapless", i+1, e.Sequence)
		}
	}

	// Each round: its acknowledged writes' events in order, at most one more
	// (the write the kill interrupted after its commit), then the marker.
	i := 9
	total, unacked := 0, 0
	for r, round := range acks {
		for _, a := range round {
			if i >= len(evs) || !ackMatches(a, evs[i]) {
				t.Fatalf("round %d: acknowledged write %v has no event at sequence %d", r+1, a, i+1)
			}
			i++
			total++
		}
		if i < len(evs) && !isMarker(evs[i], r+1) {
			unacked++
			i++ // the write in flight when the child was killed
		}
		if i >= len(evs) || !isMarker(evs[i], r+1) {
			t.Fatalf("round %d: event %d is neither an acknowledged write nor the round's end", r+1, i+1)
		}
		i++
	}
	is.Equal(i, len(evs)) // no event is left unexplained
	t.Logf("%d rounds: %d acknowledged writes, %d committed as the child was killed, %d events", rounds, total, unacked, len(evs))

	// Replaying the events gives the store's state.
	replay := replayEvents(t, evs)
	groups, err := s.ListGroups(ctx, cfg.Org, grouping.ListGroupsOptions{Limit: grouping.MaxLimit})
	is.NoErr(err)                                   // list the groups
	is.Equal(groups.NextCursor, "")                 // all in one page
	is.Equal(len(groups.Items), len(replay.groups)) // the same groups
	for _, g := range groups.Items {
		want, ok := replay.groups[g.ID]
		is.True(ok)                         // every group has its creation event
		is.Equal(g.Name, want.name)         // its last name is its last event's
		is.Equal(g.Position, want.position) // its position the one it was created at
		page, err := s.ListGroupChannels(ctx, cfg.Org, g.ID, grouping.ListChannelsOptions{IncludeArchived: true})
		is.NoErr(err) // list its channels
		var got []uuid.UUID
		for _, ch := range page.Items {
			got = append(got, ch.ID)
		}
		is.Equal(got, replay.channelsOf(g.ID)) // the channels the events put there, in order
	}
	ungrouped, err := s.ListUngroupedChannels(ctx, cfg.Org, grouping.ListChannelsOptions{IncludeArchived: true})
	is.NoErr(err) // list the ungrouped channels
	var free []uuid.UUID
	for _, ch := range ungrouped.Items {
		free = append(free, ch.ID)
	}
	var replayFree []uuid.UUID
	for _, id := range cfg.Channels {
		if _, ok := replay.placed[id]; !ok {
			replayFree = append(replayFree, id)
		}
	}
	is.Equal(len(free), len(replayFree)) // the channels the events leave in no group are in none
	for _, id := range replayFree {
		is.True(slices.Contains(free, id)) // each of them
	}
	var check string
	is.NoErr(s.d.reader.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check)) // run integrity check
	is.Equal(check, "ok")                                                            // the file is sound
}

// killRound runs one child until it has reported n writes, kills it, and
// returns every write it reported, including those it reported after the
// n-th before it died. A negative n kills it as soon as it has started,
// while it opens the store.
func killRound(t *testing.T, cfg killConfig, n int) []ack {
	t.Helper()
	env, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestKilledWriterLeavesEventsThatReplayToTheStore$", "-test.count=1")
	cmd.Env = append(os.Environ(), killEnv+"="+string(env))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		acks   []ack
		ready  bool
		killed bool
	)
	kill := func() {
		if !killed {
			killed = true
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Error(err)
			}
		}
	}
	if n < 0 {
		kill()
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		switch {
		case len(f) == 1 && f[0] == "ready":
			ready = true
		case len(f) == 4 && f[0] == "ack":
			acks = append(acks, ack{f[1], f[2], f[3]})
		default:
			continue
		}
		if ready && len(acks) >= n {
			kill() // the lines it wrote before it died are still read
		}
	}
	_, _ = io.Copy(io.Discard, out)
	err = cmd.Wait()
	if !killed || err == nil {
		t.Fatalf("round %d: the child ended by itself (%v) after %d writes: %s", cfg.Round, err, len(acks), stderr.String())
	}
	return acks
}

// killChild writes to the store until it is killed: it creates and renames
// groups and assigns, moves and removes channels, and prints each write
// that succeeded once it returned.
func killChild(t *testing.T, env string) {
	cfg, s := childStore[killConfig](t, env)
	ctx := t.Context()
	page, err := s.ListGroups(ctx, cfg.Org, grouping.ListGroupsOptions{Limit: grouping.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var groups []uuid.UUID
	in := make(map[uuid.UUID]uuid.UUID) // channel → its group: the child is the only writer while it runs
	for _, g := range page.Items {
		groups = append(groups, g.ID)
		chans, err := s.ListGroupChannels(ctx, cfg.Org, g.ID, grouping.ListChannelsOptions{IncludeArchived: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range chans.Items {
			in[ch.ID] = g.ID
		}
	}
	fmt.Println("ready")
	rng := rand.New(rand.NewPCG(cfg.Seed, 2))
	for i := 0; ; i++ {
		op := rng.IntN(6)
		if len(groups) == 0 || len(groups) < 12 && op == 5 {
			op = 0
		}
		ch := cfg.Channels[rng.IntN(len(cfg.Channels))]
		var g uuid.UUID
		if len(groups) > 0 {
			g = groups[rng.IntN(len(groups))]
		}
		if (op == 1 || op == 2) && in[ch] == g {
			continue // a write that changes nothing has no event: not one to check
		}
		name := fmt.Sprintf("g%d-%d", cfg.Round, i)
		var line string
		switch op {
		case 0:
			created, err := s.CreateGroup(ctx, cfg.Org, grouping.NewGroup{Name: name})
			err = expected(t, err)
			if err == nil {
				groups = append(groups, created.ID)
				line = fmt.Sprintf("ack create %s %s", created.ID, name)
			}
		case 1:
			if expected(t, s.AssignChannel(ctx, cfg.Org, g, ch)) == nil {
				in[ch] = g
				line = fmt.Sprintf("ack assign %s %s", ch, g)
			}
		case 2:
			if expected(t, s.MoveChannel(ctx, cfg.Org, g, ch)) == nil {
				verb := "move"
				if _, ok := in[ch]; !ok {
					verb = "assign" // from no group: its event is channel.assigned
				}
				in[ch] = g
				line = fmt.Sprintf("ack %s %s %s", verb, ch, g)
			}
		case 3:
			if expected(t, s.RemoveChannel(ctx, cfg.Org, g, ch)) == nil {
				delete(in, ch)
				line = fmt.Sprintf("ack remove %s %s", ch, g)
			}
		default:
			if _, err := s.UpdateGroup(ctx, cfg.Org, g, grouping.GroupUpdate{Name: &name}); expected(t, err) == nil {
				line = fmt.Sprintf("ack rename %s %s", g, name)
			}
		}
		if line != "" {
			fmt.Println(line)
		}
	}
}

// expected returns err, or a non-nil error for the refusals the random
// writes provoke (a channel in another group, a move to its own group);
// any other error ends the child.
func expected(t *testing.T, err error) error {
	switch code := grouping.ErrorCode(err); code {
	case "":
		return nil
	case grouping.Conflict, grouping.NotFound:
		return err
	}
	t.Fatal(err)
	return err
}

// ackMatches reports whether e is the event of the acknowledged write a.
func ackMatches(a ack, e grouping.Event) bool {
	var d struct {
		Group     grouping.Group `json:"group"`
		ChannelID uuid.UUID      `json:"channel_id"`
		GroupID   uuid.UUID      `json:"group_id"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return false
	}
	switch a.op {
	case "create":
		return e.Type == grouping.EventGroupCreated && d.Group.ID.String() == a.id && d.Group.Name == a.arg
	case "rename":
		return e.Type == grouping.EventGroupUpdated && d.Group.ID.String() == a.id && d.Group.Name == a.arg
	case "assign":
		return e.Type == grouping.EventChannelAssigned && d.ChannelID.String() == a.id && d.GroupID.String() == a.arg
	case "move":
		return e.Type == grouping.EventChannelMoved && d.ChannelID.String() == a.id && d.GroupID.String() == a.arg
	case "remove":
		return e.Type == grouping.EventChannelRemoved && d.ChannelID.String() == a.id && d.GroupID.String() == a.arg
	}
	return false
}

// isMarker reports whether e is the rename that ends round r.
func isMarker(e grouping.Event, r int) bool {
	var d grouping.OrganisationEventData
	return e.Type == grouping.EventOrganisationRenamed && json.Unmarshal(e.Data, &d) == nil &&
		d.Organisation.Name == fmt.Sprint("round ", r)
}

// replayed is the state the events describe.
type replayed struct {
	groups map[uuid.UUID]struct {
		name     string
		position int
	}
	placed map[uuid.UUID]placement // channel → its group and position
}

type placement struct {
	group uuid.UUID
	pos   int64
}

// channelsOf returns the channels the events put in the group, in order.
func (r replayed) channelsOf(group uuid.UUID) []uuid.UUID {
	type entry struct {
		id  uuid.UUID
		pos int64
	}
	var in []entry
	for id, p := range r.placed {
		if p.group == group {
			in = append(in, entry{id, p.pos})
		}
	}
	slices.SortFunc(in, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.pos, b.pos), bytes.Compare(a.id[:], b.id[:]))
	})
	var ids []uuid.UUID
	for _, e := range in {
		ids = append(ids, e.id)
	}
	return ids
}

// replayEvents applies the events of an organisation, in order, to an
// empty state.
func replayEvents(t *testing.T, evs []grouping.Event) replayed {
	t.Helper()
	r := replayed{groups: map[uuid.UUID]struct {
		name     string
		position int
	}{}, placed: map[uuid.UUID]placement{}}
	for _, e := range evs {
		switch e.Type {
		case grouping.EventGroupCreated, grouping.EventGroupUpdated:
			var d grouping.GroupEventData
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			g := r.groups[d.Group.ID]
			g.name = d.Group.Name
			if e.Type == grouping.EventGroupCreated {
				g.position = d.Group.Position
			}
			r.groups[d.Group.ID] = g
		case grouping.EventChannelAssigned, grouping.EventChannelMoved, grouping.EventChannelRemoved:
			var d grouping.ChannelPlacementData
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			if e.Type == grouping.EventChannelRemoved {
				delete(r.placed, d.ChannelID)
				continue
			}
			if d.Position == nil {
				t.Fatalf("event %d places a channel without a position", e.Sequence)
			}
			r.placed[d.ChannelID] = placement{d.GroupID, *d.Position}
		}
	}
	return r
}
