package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/matryer/is"
)

// BenchmarkFloorScale runs the cases of BenchmarkFloor, the library and
// its floor side by side, in the organisation of each size of
// -sqlite.sizes (the world of scale_test.go, loaded straight into the
// tables: n channels, n/10 groups, a workspace of n/10 channel groups),
// rather than in the 3,000 channels of BenchmarkFloor's fixture:
//
//	for i in 1 2 3 4 5 6; do go test ./sqlite -run '^$' -bench FloorScale -benchtime 1000x; done | tee floorscale.txt
//	benchstat -col '/impl@(floor library)' floorscale.txt
//
// Each case works on the same few channels, groups and channel groups
// throughout, as in BenchmarkFloor, so that it measures what the size of
// the tables and their indexes adds to the work on both sides. The
// reorder of every group of the organisation is left out: at n/10 groups
// it is a different operation at each size, and BenchmarkFloor times it on
// 60.
func BenchmarkFloorScale(b *testing.B) {
	forEachScaleSize(b, func(b *testing.B, n int) {
		runFloorCases(b, newScaleFixture(b, n), scaleFloorCases())
	})
}

// scaleFloorCases are the floor cases that BenchmarkFloorScale runs: all
// but the reorder of every group.
func scaleFloorCases() []floorCase {
	var out []floorCase
	for _, c := range floorCases() {
		if c.name != "ReorderGroups" {
			out = append(out, c)
		}
	}
	return out
}

// newScaleFixture returns a fixture of the floor cases on a copy of the
// scale world of n channels: its organisation and workspace, the user who
// is a member of one channel in a thousand, the big group first among the
// groups, a channel of the big group first among the channels, unarchived
// ungrouped channels from the middle of the creation order as the free
// ones, ten more of them and ten channels of the big group for the bulk
// cases, and the first channel groups' accounts, the even channels 0 and 2
// being in the first two. It makes one write in each tenant through the
// library first: the loader writes no events, and the floor appends to a
// tenant's events only once the tenant has a number.
func newScaleFixture(tb testing.TB, n int) *fixture {
	tb.Helper()
	ctx := context.Background()
	path, _ := scaleFile(tb, n)
	s, err := Open(ctx, copyScaleFile(tb, path))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	w := newScaleWorld(n)
	fx := &fixture{s: s, org: w.org, user: w.light, ws: w.ws, page: 50}
	must := func(err error) {
		if err != nil {
			tb.Helper()
			tb.Fatal(err)
		}
	}
	for _, id := range w.groups[:6] {
		g, err := s.GetGroup(ctx, w.org, id, grouping.GetGroupOptions{})
		must(err)
		fx.groups = append(fx.groups, g)
	}
	ch, err := s.GetChannel(ctx, w.org, w.channels[1]) // in the big group (scaleWorld.groupOf)
	must(err)
	fx.channels = append(fx.channels, ch)
	i := n / 2 &^ 1
	for ; len(fx.free) < 4; i += 2 { // even: neither grouped nor archived
		c, err := s.GetChannel(ctx, w.org, w.channels[i])
		must(err)
		fx.free = append(fx.free, c)
	}
	for ; len(fx.bulkFree) < 10; i += 2 {
		fx.bulkFree = append(fx.bulkFree, w.channels[i])
	}
	for i := 5; len(fx.bulkPlaced) < 10; i += 4 { // in the big group
		if i%10 != 9 { // not archived
			fx.bulkPlaced = append(fx.bulkPlaced, w.channels[i])
		}
	}
	for j := range 8 {
		fx.accounts = append(fx.accounts, w.account(j))
		fx.channelGroups = append(fx.channelGroups, grouping.ChannelGroup{ID: w.cgs[j]})
	}
	// Link i puts channel 2i in channel group i (scaleWorld.links).
	fx.attached, fx.detached = w.channels[0], w.channels[2]
	// The moving cases put their channel back at the end of where it was:
	// put them there once, so that each run finds the same world.
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: w.org, Name: "Floor"})
	must(err)
	must(s.MoveChannel(ctx, w.org, fx.groups[4].ID, ch.ID))
	must(s.MoveChannel(ctx, w.org, fx.groups[0].ID, ch.ID))
	must(s.MoveChannels(ctx, w.org, fx.groups[4].ID, fx.bulkPlaced))
	must(s.MoveChannels(ctx, w.org, fx.groups[0].ID, fx.bulkPlaced))
	for _, a := range []grouping.ChannelGroupAttach{fx.accounts[2], fx.accounts[0]} {
		_, err = s.AttachChannel(ctx, w.ws, fx.attached, a)
		must(err)
	}
	must(s.DetachChannel(ctx, w.ws, fx.detached))
	_, err = s.AttachChannel(ctx, w.ws, fx.detached, fx.accounts[1])
	must(err)
	fx.f = openFloor(tb, s)
	return fx
}

// TestScaleFixtureRunsEveryCase checks that every case of
// BenchmarkFloorScale runs on the scale fixture, through the library and
// through the floor, each twice (the cases alternate between two states),
// and that together they leave every channel where it was: the benchmark
// relies on each case finding the same world.
func TestScaleFixtureRunsEveryCase(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	fx := newScaleFixture(t, 1000)
	before := fixturePlacements(ctx, t, fx)
	is.True(len(before) > 100) // the placements cover the fixture's groups and channel groups
	for _, c := range scaleFloorCases() {
		for range 2 {
			_, err := c.library(ctx, fx)
			is.NoErr(err) // the library's run of the case
			_, err = c.floor(ctx, fx)
			is.NoErr(err) // the floor's run of the case
		}
	}
	is.Equal(before, fixturePlacements(ctx, t, fx)) // every channel where it was
}

// fixturePlacements lists, in order, the channels of the fixture's groups,
// the organisation's ungrouped channels, and the channel groups of the
// workspace with their channels.
func fixturePlacements(ctx context.Context, t *testing.T, fx *fixture) []string {
	t.Helper()
	var out []string
	for _, g := range fx.groups {
		p, err := fx.s.ListGroupChannels(ctx, fx.org, g.ID, grouping.ListChannelsOptions{IncludeArchived: true, Limit: grouping.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			out = append(out, g.ID.String()+" "+c.ID.String())
		}
	}
	p, err := fx.s.ListUngroupedChannels(ctx, fx.org, grouping.ListChannelsOptions{IncludeArchived: true, Limit: grouping.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Items {
		out = append(out, "ungrouped "+c.ID.String())
	}
	cgs, err := fx.s.ListChannelGroups(ctx, fx.ws, grouping.ListChannelGroupsOptions{Limit: grouping.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, cg := range cgs.Items {
		out = append(out, fmt.Sprint(cg.ID, " ", cg.PlatformGroupName, " ", cg.ChannelIDs))
	}
	return out
}
