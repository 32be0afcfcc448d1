package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

func bulkTests() tree {
	return branch("Bulk",
		branch("Assign",
			leaf("AppendsInOrderGiven", testBulkAssignAppends),
			leaf("InGroupAlreadyStays", testBulkAssignIdempotent),
			leaf("OffendingIDsChangeNothingAndAreNamed", testBulkAssignOffending),
			leaf("ArchivedGroupIsConflict", testBulkAssignArchived),
			leaf("UnknownGroupIsNotFound", testBulkUnknownGroup),
		),
		branch("Remove",
			leaf("Ungroups", testBulkRemove),
			leaf("NotInGroupChangesNothingAndIsNamed", testBulkRemoveNotInGroup),
		),
		branch("Move",
			leaf("FromAnywhere", testBulkMove),
			leaf("OffendingIDsChangeNothing", testBulkMoveOffending),
		),
		branch("Validation",
			leaf("BadListsAreInvalid", testBulkInvalid),
		),
		leaf("ConcurrentOverlappingCalls", testBulkConcurrent),
	)
}

// wantProblems checks that err names exactly the offending IDs.
func wantProblems(t *testing.T, err error, offending ...uuid.UUID) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	var got []string
	for id := range grouping.ErrorProblems(err) {
		got = append(got, id)
	}
	var want []string
	for _, id := range offending {
		want = append(want, id.String())
	}
	slices.Sort(got)
	slices.Sort(want)
	is.Equal(got, want) // the error names every offending ID, and only those
}

func testBulkAssignAppends(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	first := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, first)
	chs := mustChannels(t, s, org.ID, 5)
	order := []grouping.Channel{chs[3], chs[0], chs[4], chs[1], chs[2]}
	is.NoErr(s.AssignChannels(t.Context(), org.ID, g.ID, ids(order...))) // assign five at once
	checkGroupState(t, s, org.ID, g.ID, append([]grouping.Channel{first}, order...)...)
}

func testBulkAssignIdempotent(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	chs := mustChannels(t, s, org.ID, 3)
	mustAssign(t, s, org.ID, g.ID, chs[0], chs[1])
	is.NoErr(s.AssignChannels(t.Context(), org.ID, g.ID, ids(chs[2], chs[1], chs[0]))) // two are in the group already
	checkGroupState(t, s, org.ID, g.ID, chs[0], chs[1], chs[2])                        // they stay where they are
	is.NoErr(s.AssignChannels(t.Context(), org.ID, g.ID, ids(chs[1])))                 // all of them in it already
	checkGroupState(t, s, org.ID, g.ID, chs[0], chs[1], chs[2])                        // nothing changes
}

func testBulkAssignOffending(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org, other := mustOrg(t, s), mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	elsewhere := mustGroup(t, s, org.ID, "Elsewhere")
	good := mustChannels(t, s, org.ID, 3)
	inOther := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, elsewhere.ID, inOther)
	deleted := mustChannel(t, s, org.ID)
	mustDeleteChannel(t, s, org.ID, deleted.ID)
	foreign := mustChannel(t, s, other.ID)
	unknown := uuid.New()

	err := s.AssignChannels(t.Context(), org.ID, g.ID, []uuid.UUID{good[0].ID, inOther.ID, good[1].ID, deleted.ID, foreign.ID, unknown, good[2].ID})
	wantCode(t, err, grouping.NotFound)                               // unknown, deleted and foreign channels are not found
	wantProblems(t, err, inOther.ID, deleted.ID, foreign.ID, unknown) // every offending ID is named
	checkGroupState(t, s, org.ID, g.ID)                               // nothing was assigned
	checkGroupState(t, s, org.ID, elsewhere.ID, inOther)              // nothing moved

	err = s.AssignChannels(t.Context(), org.ID, g.ID, ids(good[0], inOther, good[1]))
	wantCode(t, err, grouping.Conflict)                              // a channel in another group alone is a conflict
	wantProblems(t, err, inOther.ID)                                 // named
	checkGroupState(t, s, org.ID, g.ID)                              // nothing was assigned
	is.True(mustGetChannel(t, s, org.ID, good[0].ID).GroupID == nil) // the good ones neither
}

func testBulkAssignArchived(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustArchivedGroup(t, s, org.ID, "Old")
	chs := mustChannels(t, s, org.ID, 2)
	wantCode(t, s.AssignChannels(t.Context(), org.ID, g.ID, ids(chs...)), grouping.Conflict) // archived target
	wantCode(t, s.MoveChannels(t.Context(), org.ID, g.ID, ids(chs...)), grouping.Conflict)   // for moves too
	checkGroupState(t, s, org.ID, g.ID)                                                      // still empty
}

func testBulkUnknownGroup(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	chs := mustChannels(t, s, org.ID, 2)
	wantCode(t, s.AssignChannels(t.Context(), org.ID, uuid.New(), ids(chs...)), grouping.NotFound)     // unknown group
	wantCode(t, s.RemoveChannels(t.Context(), uuid.New(), uuid.New(), ids(chs...)), grouping.NotFound) // unknown organisation
	g := mustGroup(t, s, org.ID, "Gone")
	if err := s.DeleteGroup(t.Context(), org.ID, g.ID, 0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.MoveChannels(t.Context(), org.ID, g.ID, ids(chs...)), grouping.NotFound) // deleted group
}

func testBulkRemove(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	chs := mustChannels(t, s, org.ID, 4)
	mustAssign(t, s, org.ID, g.ID, chs...)
	is.NoErr(s.RemoveChannels(t.Context(), org.ID, g.ID, ids(chs[2], chs[0]))) // remove two
	checkGroupState(t, s, org.ID, g.ID, chs[1], chs[3])                        // the others keep their order
	is.True(mustGetChannel(t, s, org.ID, chs[0].ID).GroupID == nil)            // removed channels are ungrouped
}

func testBulkRemoveNotInGroup(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	chs := mustChannels(t, s, org.ID, 3)
	mustAssign(t, s, org.ID, g.ID, chs[0], chs[1])
	unknown := uuid.New()
	err := s.RemoveChannels(t.Context(), org.ID, g.ID, []uuid.UUID{chs[0].ID, chs[2].ID, unknown})
	wantCode(t, err, grouping.NotFound)                 // a channel not in the group is not found in it
	wantProblems(t, err, chs[2].ID, unknown)            // named, with the unknown one
	checkGroupState(t, s, org.ID, g.ID, chs[0], chs[1]) // nothing was removed
}

func testBulkMove(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	a, b := mustGroup(t, s, org.ID, "A"), mustGroup(t, s, org.ID, "B")
	chs := mustChannels(t, s, org.ID, 4)
	mustAssign(t, s, org.ID, a.ID, chs[0])
	mustAssign(t, s, org.ID, b.ID, chs[1])
	is.NoErr(s.MoveChannels(t.Context(), org.ID, b.ID, ids(chs[2], chs[0], chs[1], chs[3]))) // from a, from none, already in b
	checkGroupState(t, s, org.ID, b.ID, chs[1], chs[2], chs[0], chs[3])                      // appended in the order given
	checkGroupState(t, s, org.ID, a.ID)                                                      // a is empty
}

func testBulkMoveOffending(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	a, b := mustGroup(t, s, org.ID, "A"), mustGroup(t, s, org.ID, "B")
	chs := mustChannels(t, s, org.ID, 2)
	mustAssign(t, s, org.ID, a.ID, chs[0])
	deleted := mustChannel(t, s, org.ID)
	mustDeleteChannel(t, s, org.ID, deleted.ID)
	err := s.MoveChannels(t.Context(), org.ID, b.ID, ids(chs[0], deleted, chs[1]))
	wantCode(t, err, grouping.NotFound)         // a deleted channel is not found
	wantProblems(t, err, deleted.ID)            // and named
	checkGroupState(t, s, org.ID, a.ID, chs[0]) // nothing moved
	checkGroupState(t, s, org.ID, b.ID)         // nothing arrived
}

func testBulkInvalid(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	chs := mustChannels(t, s, org.ID, 2)
	tooMany := make([]uuid.UUID, grouping.MaxBulkChannels+1)
	for i := range tooMany {
		tooMany[i] = uuid.New()
	}
	for _, call := range []func([]uuid.UUID) error{
		func(l []uuid.UUID) error { return s.AssignChannels(t.Context(), org.ID, g.ID, l) },
		func(l []uuid.UUID) error { return s.RemoveChannels(t.Context(), org.ID, g.ID, l) },
		func(l []uuid.UUID) error { return s.MoveChannels(t.Context(), org.ID, g.ID, l) },
	} {
		wantInvalid(t, call(nil), "channels")                              // no IDs
		wantInvalid(t, call(tooMany), "channels")                          // more than MaxBulkChannels
		wantInvalid(t, call([]uuid.UUID{chs[0].ID, uuid.Nil}), "channels") // the nil UUID
		err := call([]uuid.UUID{chs[0].ID, chs[1].ID, chs[0].ID})
		wantInvalid(t, err, "channels")     // a repeated ID
		wantProblems(t, err, chs[0].ID)     // named
		checkGroupState(t, s, org.ID, g.ID) // nothing changed
	}
	wantCode(t, s.AssignChannels(t.Context(), uuid.Nil, g.ID, ids(chs...)), grouping.Invalid) // nil organisation ID
}

// testBulkConcurrent runs bulk calls on overlapping channels from many
// goroutines: none may deadlock or fail for another reason than the rules,
// and every channel ends in at most one group.
func testBulkConcurrent(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	var groups []grouping.Group
	for i := range 4 {
		groups = append(groups, mustGroup(t, s, org.ID, fmt.Sprint("group ", i)))
	}
	chs := mustChannels(t, s, org.ID, 24)
	var p problems
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range ops(40) {
				g := groups[(w+i)%len(groups)].ID
				start := (w*5 + i*3) % len(chs)
				var batch []uuid.UUID
				for k := range 8 {
					batch = append(batch, chs[(start+k*2)%len(chs)].ID)
				}
				switch i % 3 {
				case 0:
					p.expect("move", s.MoveChannels(t.Context(), org.ID, g, batch), "")
				case 1:
					p.expect("assign", s.AssignChannels(t.Context(), org.ID, g, batch), "", grouping.Conflict)
				default:
					p.expect("remove", s.RemoveChannels(t.Context(), org.ID, g, batch), "", grouping.NotFound)
				}
			}
		})
	}
	wg.Wait()
	p.check(t)
	n := checkGroupingConsistent(t, s, org.ID, groups, chs)
	is.True(n <= len(chs)) // no channel counted twice
}
