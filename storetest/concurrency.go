package storetest

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// concurrencyTests run many callers against one store at once and check the
// guarantees afterwards. They are meant to be run with -race too.
func concurrencyTests() tree {
	return branch("Concurrency",
		leaf("AssignMoveRemove", testConcurrentAssignMoveRemove),
		leaf("CreateSameName", testConcurrentCreateSameName),
		leaf("RenameAndCreateSameName", testConcurrentRenameSameName),
		leaf("UpdateSameVersion", testConcurrentUpdateSameVersion),
		leaf("AttachOneChannelToManyAccounts", testConcurrentAttachOneChannel),
		leaf("AttachManyChannelsToOneAccount", testConcurrentAttachOneAccount),
		leaf("ReorderWhileCreating", testConcurrentReorderCreate),
		leaf("DeleteGroupWhileAssigning", testConcurrentDeleteAssign),
	)
}

// problems collects what goroutines find wrong; testing.T.FailNow must not
// be called outside the test's goroutine.
type problems struct {
	mu   sync.Mutex
	list []string
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.list) < 20 {
		p.list = append(p.list, fmt.Sprintf(format, args...))
	}
}

// check fails the test if any problem was found.
func (p *problems) check(t *testing.T) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	for _, msg := range p.list {
		t.Log(msg)
	}
	is.Equal(len(p.list), 0) // no call returned an unexpected result
}

// expect records a problem unless err has one of the allowed codes ("" is
// success).
func (p *problems) expect(op string, err error, allowed ...grouping.Code) {
	if !slices.Contains(allowed, grouping.ErrorCode(err)) {
		p.add("%s: unexpected result %v (code %q), allowed %q", op, err, grouping.ErrorCode(err), allowed)
	}
}

// parallel runs f(i) for i in [0, n) in n goroutines that start together.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// ops scales the number of operations per goroutine down under -short.
func ops(n int) int {
	if testing.Short() {
		return max(n/4, 1)
	}
	return n
}

// checkGroupingConsistent checks invariant 1 for every channel of chs: a
// channel is listed by at most one group, exactly the one its GroupID names,
// and a channel without a group is listed as ungrouped. It returns how many
// channels are grouped.
func checkGroupingConsistent(t *testing.T, s grouping.Store, orgID uuid.UUID, groups []grouping.Group, chs []grouping.Channel) int {
	t.Helper()
	is := is.New(t)
	is.Helper()
	ctx := t.Context()
	holder := map[uuid.UUID]uuid.UUID{}
	for _, g := range groups {
		if _, err := s.GetGroup(ctx, orgID, g.ID, grouping.GetGroupOptions{}); grouping.ErrorCode(err) == grouping.NotFound {
			_, err := s.ListGroupChannels(ctx, orgID, g.ID, grouping.ListChannelsOptions{})
			wantCode(t, err, grouping.NotFound) // a deleted group has no channel list
			continue
		}
		listed := groupChannels(t, s, orgID, g.ID, true)
		for _, ch := range listed {
			prev, dup := holder[ch.ID]
			if dup {
				t.Logf("channel %s listed by groups %s and %s", ch.ID, prev, g.ID)
			}
			is.True(!dup) // a channel is listed by at most one group, once
			holder[ch.ID] = g.ID
			is.True(ch.GroupID != nil && *ch.GroupID == g.ID) // the listed channel names the group listing it
		}
		// The stored order is a complete order of the group's channels.
		is.NoErr(s.ReorderGroupChannels(ctx, orgID, g.ID, channelIDs(listed))) // the group's channel list is its complete set
	}
	var loose []uuid.UUID
	for _, ch := range chs {
		got := mustGetChannel(t, s, orgID, ch.ID)
		want, grouped := holder[ch.ID]
		if grouped != (got.GroupID != nil) || grouped && *got.GroupID != want {
			t.Logf("channel %s: GroupID %s, listed by %s", ch.ID, groupOf(got), want)
		}
		is.Equal(got.GroupID != nil, grouped) // grouped exactly when a group lists it
		if grouped {
			is.Equal(*got.GroupID, want) // by the group it names
			continue
		}
		loose = append(loose, ch.ID)
	}
	is.Equal(sortedIDs(channelIDs(ungrouped(t, s, orgID, true))), sortedIDs(loose)) // the ungrouped list holds exactly the channels in no group
	return len(holder)
}

func testConcurrentAssignMoveRemove(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	var groups []grouping.Group
	for i := range 5 {
		groups = append(groups, mustGroup(t, s, org.ID, fmt.Sprintf("Group %d", i)))
	}
	groups = append(groups, mustArchivedGroup(t, s, org.ID, "Archived"))
	chs := mustChannels(t, s, org.ID, 12)

	var p problems
	var assigned, moved, removed, reordered atomic.Int64
	parallel(32, func(w int) {
		ctx := t.Context()
		rng := rand.New(rand.NewPCG(uint64(w), 1))
		for range ops(60) {
			g := groups[rng.IntN(len(groups))]
			ch := chs[rng.IntN(len(chs))]
			switch rng.IntN(6) {
			case 0, 1:
				err := s.AssignChannel(ctx, org.ID, g.ID, ch.ID)
				p.expect("assign", err, "", grouping.Conflict)
				if g.Archived && err == nil {
					p.add("assign to archived group %s succeeded", g.ID)
				}
				if err == nil {
					assigned.Add(1)
				}
			case 2:
				err := s.MoveChannel(ctx, org.ID, g.ID, ch.ID)
				if g.Archived {
					p.expect("move to archived group", err, grouping.Conflict)
				} else {
					p.expect("move", err, "")
					moved.Add(1)
				}
			case 3:
				err := s.RemoveChannel(ctx, org.ID, g.ID, ch.ID)
				p.expect("remove", err, "", grouping.NotFound)
				if err == nil {
					removed.Add(1)
				}
			case 4:
				page, err := s.ListGroupChannels(ctx, org.ID, g.ID, grouping.ListChannelsOptions{IncludeArchived: true})
				p.expect("list group channels", err, "")
				if err != nil {
					continue
				}
				order := channelIDs(page.Items)
				slices.Reverse(order)
				// The group may have changed since it was listed.
				err = s.ReorderGroupChannels(ctx, org.ID, g.ID, order)
				p.expect("reorder group channels", err, "", grouping.Invalid)
				if err == nil {
					reordered.Add(1)
				}
			case 5:
				got, err := s.GetChannel(ctx, org.ID, ch.ID)
				p.expect("get channel", err, "")
				if err == nil && got.GroupID != nil && *got.GroupID == groups[len(groups)-1].ID {
					p.add("channel %s is in the archived group", ch.ID)
				}
			}
		}
	})
	p.check(t)
	is.True(assigned.Load() > 0 && moved.Load() > 0 && removed.Load() > 0) // every kind of change took place
	t.Logf("assigned %d, moved %d, removed %d, reordered %d", assigned.Load(), moved.Load(), removed.Load(), reordered.Load())
	checkGroupingConsistent(t, s, org.ID, groups, chs)
	is.Equal(len(groupChannels(t, s, org.ID, groups[len(groups)-1].ID, true)), 0) // nothing entered the archived group
}

func testConcurrentCreateSameName(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	spellings := [][]string{
		{"Team Alpha", "team alpha", "  TEAM ALPHA ", "tEaM aLpHa\u3000", "\u00a0Team ALPHA", "TEAM alpha  "},
		{"\u212Aelvin Ünïcode", "kelvin üNÏCODE", " KELVIN ÜNÏCODE", "Kelvin u\u0308nïcode"},
		{"Straße", "STRASSE", "strasse", "STRAẞE", "Ｓｔｒａｓｓｅ"},
	}
	const n = 24
	wins := make([]atomic.Int64, len(spellings))
	var p problems
	parallel(n, func(i int) {
		set := i % len(spellings)
		name := spellings[set][i/len(spellings)%len(spellings[set])]
		_, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: name})
		p.expect("create "+name, err, "", grouping.Conflict)
		if err == nil {
			wins[set].Add(1)
		}
	})
	p.check(t)
	for i := range wins {
		is.Equal(wins[i].Load(), int64(1)) // exactly one create of the name succeeded
	}
	is.Equal(len(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), len(spellings)) // one group per name
}

func testConcurrentRenameSameName(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	var groups []grouping.Group
	for i := range 8 {
		groups = append(groups, mustGroup(t, s, org.ID, fmt.Sprintf("Group %d", i)))
	}
	var wins atomic.Int64
	var p problems
	parallel(16, func(i int) {
		var err error
		if i < len(groups) {
			_, err = s.UpdateGroup(t.Context(), org.ID, groups[i].ID, grouping.GroupUpdate{Name: ptr("Target")})
		} else {
			_, err = s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: " TARGET"})
		}
		p.expect("rename or create", err, "", grouping.Conflict)
		if err == nil {
			wins.Add(1)
		}
	})
	p.check(t)
	is.Equal(wins.Load(), int64(1)) // exactly one group got the name
	holders := 0
	for _, g := range listGroups(t, s, org.ID, grouping.ListGroupsOptions{}) {
		if grouping.FoldName(g.Name) == grouping.FoldName("target") {
			holders++
		}
	}
	is.Equal(holders, 1) // one group holds it
}

func testConcurrentUpdateSameVersion(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	var p problems
	var mu sync.Mutex
	var winner string
	parallel(16, func(i int) {
		desc := fmt.Sprintf("writer %d", i)
		_, err := s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Description: &desc, IfVersion: g.Version})
		p.expect("conditional update", err, "", grouping.PreconditionFailed)
		if err == nil {
			mu.Lock()
			if winner != "" {
				p.add("two conditional updates of version %d succeeded", g.Version)
			}
			winner = desc
			mu.Unlock()
		}
	})
	p.check(t)
	is.True(winner != "")                                          // one conditional update succeeded
	is.Equal(mustGetGroup(t, s, org.ID, g.ID).Description, winner) // and its value is stored
}

func testConcurrentAttachOneChannel(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws, ch := uuid.New(), uuid.New()
	const n = 16
	var p problems
	parallel(n, func(i int) {
		_, err := s.AttachChannel(t.Context(), ws, ch, attach("whatsapp", fmt.Sprintf("acct-%d", i), "n"))
		p.expect("attach", err, "")
	})
	p.check(t)
	all := channelGroups(t, s, ws, "")
	is.Equal(len(all), n)                                                // every account got its channel group
	is.Equal(len(holders(t, s, ws, ch)), 1)                              // the channel ends in exactly one channel group
	is.NoErr(s.DetachChannel(t.Context(), ws, ch))                       // detach it
	is.Equal(len(holders(t, s, ws, ch)), 0)                              // and it is in none
	wantCode(t, s.DetachChannel(t.Context(), ws, ch), grouping.NotFound) // it was in one only
}

func testConcurrentAttachOneAccount(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	const n = 16
	chs := make([]uuid.UUID, n)
	for i := range chs {
		chs[i] = uuid.New()
	}
	var p problems
	parallel(n, func(i int) {
		// Each channel is attached to the shared account and to an account
		// of its own, in a random order, so channels move both ways.
		ctx := t.Context()
		own := attach("whatsapp", fmt.Sprintf("own-%d", i), "own")
		shared := attach("whatsapp", "shared", "Shared")
		first, second := own, shared
		if i%2 == 0 {
			first, second = shared, own
		}
		for range ops(8) {
			_, err := s.AttachChannel(ctx, ws, chs[i], first)
			p.expect("attach", err, "")
			_, err = s.AttachChannel(ctx, ws, chs[i], second)
			p.expect("attach", err, "")
		}
		_, err := s.AttachChannel(ctx, ws, chs[i], shared)
		p.expect("attach", err, "")
	})
	p.check(t)
	var shared []grouping.ChannelGroup
	seen := map[uuid.UUID]int{}
	for _, cg := range channelGroups(t, s, ws, "") {
		if cg.PlatformGroupID == "shared" {
			shared = append(shared, cg)
		}
		for _, ch := range cg.ChannelIDs {
			seen[ch]++
		}
	}
	is.Equal(len(shared), 1)                                  // one channel group per account
	is.Equal(sortedIDs(shared[0].ChannelIDs), sortedIDs(chs)) // holding every channel, once
	for _, ch := range chs {
		is.Equal(seen[ch], 1) // each channel is in exactly one channel group
	}
}

func testConcurrentReorderCreate(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	var initial []grouping.Group
	for i := range 5 {
		initial = append(initial, mustGroup(t, s, org.ID, fmt.Sprintf("Initial %d", i)))
	}
	const creators, perCreator, reorderers = 8, 4, 8
	var p problems
	var mu sync.Mutex
	created := groupIDs(initial)
	var reordered atomic.Int64
	parallel(creators+reorderers, func(w int) {
		ctx := t.Context()
		if w < creators {
			for i := range perCreator {
				g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprintf("Created %d-%d", w, i)})
				p.expect("create", err, "")
				if err == nil {
					mu.Lock()
					created = append(created, g.ID)
					mu.Unlock()
				}
				runtime.Gosched()
			}
			return
		}
		rng := rand.New(rand.NewPCG(uint64(w), 2))
		for range ops(12) {
			page, err := s.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
			p.expect("list groups", err, "")
			if err != nil {
				return
			}
			order := groupIDs(page.Items)
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			// A group created since the list makes the order incomplete.
			err = s.ReorderGroups(ctx, org.ID, order)
			p.expect("reorder groups", err, "", grouping.Invalid)
			if err == nil {
				reordered.Add(1)
			}
		}
	})
	p.check(t)
	t.Logf("%d reorders succeeded", reordered.Load())

	got := listGroups(t, s, org.ID, grouping.ListGroupsOptions{})
	is.Equal(sortedIDs(groupIDs(got)), sortedIDs(created)) // every group listed exactly once
	for i := 1; i < len(got); i++ {
		is.True(got[i-1].Position <= got[i].Position) // listed by position
	}
	paged := collect(t, func(c string) (grouping.Page[grouping.Group], error) {
		return s.ListGroups(t.Context(), org.ID, grouping.ListGroupsOptions{Limit: 3, Cursor: c})
	})
	is.Equal(groupIDs(paged), groupIDs(got)) // pages agree with the whole list

	order := groupIDs(got)
	slices.Reverse(order)
	is.NoErr(s.ReorderGroups(t.Context(), org.ID, order))                             // the final set is complete
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), order) // and takes the new order
}

func testConcurrentDeleteAssign(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	var groups []grouping.Group
	for i := range 8 {
		groups = append(groups, mustGroup(t, s, org.ID, fmt.Sprintf("Group %d", i)))
	}
	chs := mustChannels(t, s, org.ID, 16)
	doomed := groups[:6]

	var p problems
	parallel(33, func(w int) {
		ctx := t.Context()
		if w == 0 {
			for _, g := range doomed {
				p.expect("delete group", s.DeleteGroup(ctx, org.ID, g.ID, 0), "")
				runtime.Gosched()
			}
			return
		}
		rng := rand.New(rand.NewPCG(uint64(w), 3))
		for range ops(40) {
			g := groups[rng.IntN(len(groups))]
			ch := chs[rng.IntN(len(chs))]
			switch rng.IntN(4) {
			case 0:
				p.expect("assign", s.AssignChannel(ctx, org.ID, g.ID, ch.ID), "", grouping.Conflict, grouping.NotFound)
			case 1, 2:
				p.expect("move", s.MoveChannel(ctx, org.ID, g.ID, ch.ID), "", grouping.NotFound)
			case 3:
				p.expect("remove", s.RemoveChannel(ctx, org.ID, g.ID, ch.ID), "", grouping.NotFound)
			}
		}
	})
	p.check(t)

	for _, g := range doomed {
		_, err := s.GetGroup(t.Context(), org.ID, g.ID, grouping.GetGroupOptions{})
		wantCode(t, err, grouping.NotFound) // deleted
	}
	for _, ch := range chs {
		got := mustGetChannel(t, s, org.ID, ch.ID)
		if got.GroupID != nil {
			is.True(slices.ContainsFunc(groups[6:], func(g grouping.Group) bool { return g.ID == *got.GroupID })) // no channel is left in a deleted group
		}
	}
	checkGroupingConsistent(t, s, org.ID, groups, chs)
	// The surviving groups accept every channel again.
	for _, ch := range chs {
		is.NoErr(s.MoveChannel(t.Context(), org.ID, groups[7].ID, ch.ID)) // move everything into one group
	}
	is.Equal(len(groupChannels(t, s, org.ID, groups[7].ID, true)), len(chs)) // all channels there
}
