package drivertest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// isolationTests run transactions side by side that read a fact and write
// based on it, as the engine does, and check that none of them acted on a
// fact another one changed before it committed.
func isolationTests() node {
	return set("Isolation",
		leaf("GroupPositions", testIsolationGroupPositions),
		leaf("ChannelPositions", testIsolationChannelPositions),
		leaf("LinkPositions", testIsolationLinkPositions),
		leaf("NameKey", testIsolationNameKey),
		leaf("AddMember", testIsolationAddMember),
	)
}

// workers is how many goroutines write at once.
const workers = 8

// rounds is how many transactions each goroutine runs.
func rounds() int {
	if testing.Short() {
		return 3
	}
	return 8
}

// maxAttempts bounds how often a transaction runs while the driver asks for
// it to run again.
const maxAttempts = 50

// retry runs fn in a transaction, again while the driver reports
// driver.ErrRetry, as the engine does.
func retry(t *testing.T, d driver.Driver, fn func(tx driver.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := d.Write(t.Context(), fn)
		if !errors.Is(err, driver.ErrRetry) || attempt == maxAttempts {
			return err
		}
		time.Sleep(time.Duration(rand.N(attempt*int(time.Millisecond)) + 1))
	}
}

// between yields the processor between a transaction's read and its write,
// so that a driver that does not keep other transactions out in between
// lets them in.
func between() { runtime.Gosched() }

// concurrently runs fn(worker, round) for every round in workers goroutines
// that start together, and fails the test with every error they return.
func concurrently(t *testing.T, fn func(worker, round int) error) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		errs  []error
		start = make(chan struct{})
	)
	for w := range workers {
		wg.Go(func() {
			<-start
			for r := range rounds() {
				if err := fn(w, r); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("worker %d, round %d: %w", w, r, err))
					mu.Unlock()
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Log(err)
	}
	is.New(t).Equal(len(errs), 0) // every transaction commits
}

// checkSequence checks that positions are 0, 1, … n-1: every transaction
// appended after the one before it.
func checkSequence(t *testing.T, what string, positions []int64) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	slices.Sort(positions)
	want := make([]int64, workers*rounds())
	for i := range want {
		want[i] = int64(i)
	}
	if !slices.Equal(positions, want) {
		t.Logf("%s: %v", what, positions)
	}
	is.Equal(positions, want) // distinct positions, none lost: no transaction read a stale largest position
}

func testIsolationGroupPositions(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	commit(t, d, func(tx driver.Tx) { org = addOrg(t, tx) })
	concurrently(t, func(w, r int) error {
		return retry(t, d, func(tx driver.Tx) error {
			st, err := tx.GroupState(t.Context(), org, uuid.Nil, "")
			if err != nil {
				return err
			}
			between()
			g := grouping.Group{
				ID: uuid.New(), Name: fmt.Sprintf("Group %d-%d", w, r), OrganisationID: org,
				Position: int(st.MaxPosition + 1), Version: 1, CreatedAt: epoch, UpdatedAt: epoch,
			}
			return tx.InsertGroup(t.Context(), g, nameKey(g.Name))
		})
	})
	l, err := d.ListGroups(t.Context(), driver.GroupsQuery{OrganisationID: org, Page: driver.Page{Limit: 1000}})
	is.NoErr(err) // list groups
	var positions []int64
	for _, g := range l.Items {
		positions = append(positions, int64(g.Position))
	}
	checkSequence(t, "group positions", positions)
}

func testIsolationChannelPositions(t *testing.T, d driver.Driver) {
	var org uuid.UUID
	var g grouping.Group
	chs := make([][]driver.ChannelRecord, workers)
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		g = addGroup(t, tx, org, "Sales", 0)
		for w := range chs {
			for range rounds() {
				chs[w] = append(chs[w], addChannel(t, tx, org))
			}
		}
	})
	concurrently(t, func(w, r int) error {
		ch := chs[w][r]
		return retry(t, d, func(tx driver.Tx) error {
			p, err := tx.Placement(t.Context(), org, g.ID, ch.ID)
			switch {
			case err != nil:
				return err
			case p.Group == nil:
				return errors.New("group not found")
			}
			between()
			return tx.PlaceChannel(t.Context(), ch.ID, g.ID, p.Group.MaxChannelPosition+1)
		})
	})
	_, keys := groupChannels(t, d, org, g.ID)
	var positions []int64
	for _, k := range keys {
		positions = append(positions, k.Pos)
	}
	checkSequence(t, "channel positions", positions)
}

func testIsolationLinkPositions(t *testing.T, d driver.Driver) {
	is := is.New(t)
	ws := uuid.New()
	var cg grouping.ChannelGroup
	commit(t, d, func(tx driver.Tx) { cg = addChannelGroup(t, tx, ws, "whatsapp", "account-1", epoch) })
	var linked []uuid.UUID
	var mu sync.Mutex
	concurrently(t, func(int, int) error {
		ch := uuid.New()
		mu.Lock()
		linked = append(linked, ch)
		mu.Unlock()
		return retry(t, d, func(tx driver.Tx) error {
			at, err := tx.Attachment(t.Context(), ws, ch, "whatsapp", "account-1")
			if err != nil {
				return err
			}
			between()
			return tx.LinkChannel(t.Context(), ws, ch, cg.ID, at.MaxPosition+1)
		})
	})
	got := readChannelGroup(t, d, ws, cg.ID)
	is.True(got != nil)                              // the channel group is found
	is.Equal(sorted(got.ChannelIDs), sorted(linked)) // every channel is linked, once
	commit(t, d, func(tx driver.Tx) {
		att := attachmentOf(t, tx, ws, uuid.New(), "whatsapp", "account-1")
		// Each link went one past the largest position it read, so the
		// largest is one less than the count only if no two links read the
		// same largest position.
		is.Equal(att.MaxPosition, int64(len(linked)-1)) // no transaction read a stale largest position
	})
}

// errTaken is what a transaction of testIsolationNameKey returns when it
// finds the key held.
var errTaken = errors.New("name key held")

func testIsolationNameKey(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	commit(t, d, func(tx driver.Tx) { org = addOrg(t, tx) })
	won := make([]atomic.Int32, rounds())
	concurrently(t, func(w, r int) error {
		key := nameKey(fmt.Sprintf("Round %d", r))
		err := retry(t, d, func(tx driver.Tx) error {
			st, err := tx.GroupState(t.Context(), org, uuid.Nil, key)
			switch {
			case err != nil:
				return err
			case st.NameHolder != uuid.Nil:
				return errTaken
			}
			between()
			g := grouping.Group{
				ID: uuid.New(), Name: fmt.Sprintf("round %d", r), OrganisationID: org,
				Position: w, Version: 1, CreatedAt: epoch, UpdatedAt: epoch,
			}
			return tx.InsertGroup(t.Context(), g, key)
		})
		switch {
		case err == nil:
			won[r].Add(1)
			return nil
		case errors.Is(err, errTaken), errors.Is(err, driver.ErrNameTaken):
			return nil
		}
		return err
	})
	for r := range won {
		is.Equal(won[r].Load(), int32(1)) // exactly one transaction per key inserts its group
	}
	l, err := d.ListGroups(t.Context(), driver.GroupsQuery{OrganisationID: org, Page: driver.Page{Limit: 1000}})
	is.NoErr(err)                    // list groups
	is.Equal(len(l.Items), rounds()) // one group per key
}

func testIsolationAddMember(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var ch driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		ch = addChannel(t, tx, org)
	})
	users := make([]uuid.UUID, rounds())
	for i := range users {
		users[i] = uuid.New()
	}
	added := make([]atomic.Int32, rounds())
	concurrently(t, func(_, r int) error {
		var ok bool
		err := retry(t, d, func(tx driver.Tx) error {
			var err error
			ok, err = tx.AddMember(t.Context(), ch.ID, users[r])
			return err
		})
		if ok && err == nil {
			added[r].Add(1)
		}
		return err
	})
	for r := range added {
		is.Equal(added[r].Load(), int32(1)) // exactly one transaction reports each user added
	}
	is.Equal(members(t, d, org, ch.ID), sorted(users)) // every user is a member, once
}
