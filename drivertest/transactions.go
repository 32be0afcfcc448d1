package drivertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// transactionTests check the transaction promise of Driver.Write: a
// function's error comes back and undoes every write, a commit keeps them,
// and a cancelled context writes nothing.
func transactionTests() node {
	var rollback []node
	for _, w := range append(writes(), everything) {
		rollback = append(rollback, leaf(w.name, testRollback(w)))
	}
	return set("Transactions",
		set("Rollback", rollback...),
		set("Commit",
			leaf("KeepsEveryWrite", testCommitKeepsEverything),
		),
		set("Error",
			leaf("IsTheFunctionsError", testWriteReturnsFunctionsError),
			leaf("NameTakenUndoesEarlierWrites", testNameTakenRollsBack),
		),
		set("Panic",
			leaf("UndoesEveryWrite", testPanicRollsBack),
		),
		set("Context",
			leaf("CancelledBefore", testWriteCancelledContext),
			leaf("CancelledDuring", testWriteCancelledDuring),
		),
	)
}

// write is one kind of write, applied to a world.
type write struct {
	name string
	do   func(t *testing.T, tx driver.Tx, w world)
}

// writes returns a write for every write method of driver.Tx, each of
// which changes what w shows. Their targets are chosen so that, run in this
// order, they make one transaction the engine could make too.
func writes() []write {
	return append([]write{
		{"UpsertOrganisation", func(t *testing.T, tx driver.Tx, w world) {
			_, _, err := tx.UpsertOrganisation(t.Context(), grouping.Organisation{ID: w.fresh.org, Name: "New"}, at(30))
			is.New(t).NoErr(err) // insert organisation
		}},
		{"InsertChannel", func(t *testing.T, tx driver.Tx, w world) {
			rec := driver.ChannelRecord{ID: w.fresh.channel, OrganisationID: w.org, Name: "new", CreatedAt: at(30)}
			is.New(t).NoErr(tx.InsertChannel(t.Context(), rec)) // insert channel
		}},
		{"UpdateChannel", func(t *testing.T, tx driver.Tx, w world) {
			rec := w.loose
			rec.Name, rec.Archived, rec.MessageCount, rec.CreatedAt = "renamed", true, 1234, at(-30)
			is.New(t).NoErr(tx.UpdateChannel(t.Context(), rec)) // update channel
		}},
		{"SetMembers", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.SetMembers(t.Context(), w.inSales.ID, []uuid.UUID{w.fresh.user})) // replace members
		}},
		{"AddMember", func(t *testing.T, tx driver.Tx, w world) {
			_, err := tx.AddMember(t.Context(), w.late.ID, w.user)
			is.New(t).NoErr(err) // add member
		}},
		{"RemoveMember", func(t *testing.T, tx driver.Tx, w world) {
			_, err := tx.RemoveMember(t.Context(), w.loose.ID, w.user)
			is.New(t).NoErr(err) // remove member
		}},
		{"MarkChannelDeleted", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.MarkChannelDeleted(t.Context(), w.looseArch.ID, at(30))) // delete channel
		}},
		{"InsertGroup", func(t *testing.T, tx driver.Tx, w world) {
			g := grouping.Group{ID: w.fresh.group, Name: w.fresh.name, OrganisationID: w.org, Position: 4, Version: 1, CreatedAt: at(30), UpdatedAt: at(30)}
			is.New(t).NoErr(tx.InsertGroup(t.Context(), g, nameKey(g.Name))) // insert group
		}},
		{"UpdateGroup", func(t *testing.T, tx driver.Tx, w world) {
			g := w.sales
			g.Name, g.Description, g.Archived, g.Version, g.UpdatedAt = w.fresh.rename, "new", true, 2, at(30)
			is.New(t).NoErr(tx.UpdateGroup(t.Context(), g, nameKey(g.Name))) // update group
		}},
		{"SetGroupPositions", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.SetGroupPositions(t.Context(), groupIDs([]grouping.Group{w.old, w.empty, w.sales}))) // reorder groups
		}},
		{"MarkGroupDeleted", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.MarkGroupDeleted(t.Context(), w.old.ID, at(30))) // delete group
		}},
		{"SetChannelPositions", func(t *testing.T, tx driver.Tx, w world) {
			ids := recordIDs(w.late, w.archivedIn, w.inSales)
			is.New(t).NoErr(tx.SetChannelPositions(t.Context(), w.sales.ID, ids)) // reorder channels
		}},
		{"PlaceChannel", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.PlaceChannel(t.Context(), w.loose.ID, w.empty.ID, 0)) // place an ungrouped channel
		}},
		{"PlaceChannelFromOtherGroup", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.PlaceChannel(t.Context(), w.late.ID, w.empty.ID, 1)) // place a grouped channel elsewhere
		}},
		{"UnplaceChannel", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.UnplaceChannel(t.Context(), w.inSales.ID)) // unplace channel
		}},
		{"UngroupChannels", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.UngroupChannels(t.Context(), w.sales.ID)) // ungroup channels
		}},
		{"InsertChannelGroup", func(t *testing.T, tx driver.Tx, w world) {
			cg := grouping.ChannelGroup{ID: w.fresh.channelGroup, WorkspaceID: w.ws, PlatformID: "whatsapp", PlatformGroupID: "account-9", CreatedAt: at(30), UpdatedAt: at(30)}
			is.New(t).NoErr(tx.InsertChannelGroup(t.Context(), cg)) // insert channel group
		}},
		{"UpdateChannelGroup", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.UpdateChannelGroup(t.Context(), w.wa.ID, "renamed", at(30))) // update channel group
		}},
		{"TouchChannelGroup", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.TouchChannelGroup(t.Context(), w.tg.ID, at(30))) // touch channel group
		}},
		{"LinkChannel", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.LinkChannel(t.Context(), w.ws, w.fresh.channel, w.tg.ID, 0)) // link channel
		}},
		{"UnlinkChannel", func(t *testing.T, tx driver.Tx, w world) {
			_, err := tx.UnlinkChannel(t.Context(), w.ws, w.one)
			is.New(t).NoErr(err) // unlink channel
		}},
		{"DeleteChannelGroup", func(t *testing.T, tx driver.Tx, w world) {
			_, err := tx.DeleteChannelGroup(t.Context(), w.ws, w.wa.ID)
			is.New(t).NoErr(err) // delete channel group
		}},
	}, eventWrites()...)
}

// everything makes every write of writes in one transaction.
var everything = write{"EveryKindAtOnce", func(t *testing.T, tx driver.Tx, w world) {
	for _, one := range writes() {
		one.do(t, tx, w)
	}
}}

// state reads the whole state of w: through the driver outside any
// transaction, and through the Reader and fact methods of a transaction.
func state(t *testing.T, d driver.Driver, w world) (outside, inTx []string) {
	t.Helper()
	outside = snapshot(t, d, w)
	commit(t, d, func(tx driver.Tx) { inTx = append(snapshot(t, tx, w), facts(t, tx, w)...) })
	return outside, inTx
}

// errFail is what a transaction that fails on purpose returns.
var errFail = errors.New("drivertest: the transaction fails on purpose")

func testRollback(wr write) func(t *testing.T, d driver.Driver) {
	return func(t *testing.T, d driver.Driver) {
		is := is.New(t)
		var w world
		commit(t, d, func(tx driver.Tx) { w = addWorld(t, tx) })
		outside, inTx := state(t, d, w)
		err := d.Write(t.Context(), func(tx driver.Tx) error {
			wr.do(t, tx, w)
			changed := append(snapshot(t, tx, w), facts(t, tx, w)...)
			is.True(!slices.Equal(changed, inTx)) // the write shows inside its own transaction
			return fmt.Errorf("after %s: %w", wr.name, errFail)
		})
		is.True(errors.Is(err, errFail)) // Write returns the function's error
		gotOutside, gotInTx := state(t, d, w)
		is.True(sameState(t, gotOutside, outside)) // nothing of the failed transaction remains, read outside a transaction
		is.True(sameState(t, gotInTx, inTx))       // nor read in a new one
	}
}

// testPanicRollsBack checks that a function that panics after writing
// leaves nothing behind, and that the panic reaches Write's caller.
func testPanicRollsBack(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var w world
	commit(t, d, func(tx driver.Tx) { w = addWorld(t, tx) })
	outside, inTx := state(t, d, w)
	recovered := func() (r any) {
		defer func() { r = recover() }()
		_ = d.Write(t.Context(), func(tx driver.Tx) error {
			everything.do(t, tx, w)
			panic(errFail)
		})
		return nil
	}()
	is.Equal(recovered, errFail) // the panic goes on to the caller
	gotOutside, gotInTx := state(t, d, w)
	is.True(sameState(t, gotOutside, outside)) // nothing of the panicking transaction remains, read outside a transaction
	is.True(sameState(t, gotInTx, inTx))       // nor read in a new one
}

func testCommitKeepsEverything(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var w world
	commit(t, d, func(tx driver.Tx) { w = addWorld(t, tx) })
	_, before := state(t, d, w)
	var seen, seenFacts []string
	commit(t, d, func(tx driver.Tx) {
		everything.do(t, tx, w)
		seen, seenFacts = snapshot(t, tx, w), facts(t, tx, w)
	})
	seenInTx := append(slices.Clone(seen), seenFacts...)
	is.True(!slices.Equal(seenInTx, before)) // the writes show inside their transaction
	outside, inTx := state(t, d, w)
	is.True(sameState(t, outside, seen))  // after the commit, reads outside a transaction show what the transaction saw
	is.True(sameState(t, inTx, seenInTx)) // and so do reads in a new one
}

// failure is an error type of the suite, to check that Write returns the
// function's error itself.
type failure struct{ step string }

func (f *failure) Error() string { return "drivertest: failed at " + f.step }

func testWriteReturnsFunctionsError(t *testing.T, d driver.Driver) {
	is := is.New(t)
	want := &failure{step: "nothing written"}
	err := d.Write(t.Context(), func(driver.Tx) error { return want })
	var got *failure
	is.True(errors.As(err, &got)) // the function's error comes back from Write
	is.True(got == want)          // unchanged
	org := uuid.New()
	err = d.Write(t.Context(), func(tx driver.Tx) error {
		_, _, err := tx.UpsertOrganisation(t.Context(), grouping.Organisation{ID: org, Name: "x"}, epoch)
		if err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errFail)
	})
	is.True(errors.Is(err, errFail)) // after writes too, the function's wrapped error comes back
	ok, err := d.OrganisationExists(t.Context(), org)
	is.NoErr(err) // organisation exists
	is.True(!ok)  // and the write is undone
}

func testNameTakenRollsBack(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		addGroup(t, tx, org, "Sales", 0)
	})
	first := grouping.Group{ID: uuid.New(), Name: "Support", OrganisationID: org, Position: 1, Version: 1, CreatedAt: epoch, UpdatedAt: epoch}
	ch := uuid.New()
	err := d.Write(t.Context(), func(tx driver.Tx) error {
		if err := tx.InsertGroup(t.Context(), first, nameKey(first.Name)); err != nil {
			return err
		}
		if err := tx.InsertChannel(t.Context(), driver.ChannelRecord{ID: ch, OrganisationID: org, Name: "c", CreatedAt: epoch}); err != nil {
			return err
		}
		taken := grouping.Group{ID: uuid.New(), Name: "SALES", OrganisationID: org, Position: 2, Version: 1, CreatedAt: epoch, UpdatedAt: epoch}
		return tx.InsertGroup(t.Context(), taken, nameKey(taken.Name))
	})
	is.True(errors.Is(err, driver.ErrNameTaken)) // the name key is taken
	g, err := d.Group(t.Context(), org, first.ID, false)
	is.NoErr(err)     // read group
	is.True(g == nil) // the group inserted before the failure is gone
	c, err := d.Channel(t.Context(), org, ch)
	is.NoErr(err)     // read channel
	is.True(c == nil) // and so is the channel
	commit(t, d, func(tx driver.Tx) {
		is.NoErr(tx.InsertGroup(t.Context(), first, nameKey(first.Name))) // the failed transaction holds no key: the group can be inserted again
	})
}

func testWriteCancelledContext(t *testing.T, d driver.Driver) {
	is := is.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	org := uuid.New()
	err := d.Write(ctx, func(tx driver.Tx) error {
		if _, _, err := tx.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "x"}, epoch); err != nil {
			return err
		}
		return tx.InsertChannel(ctx, driver.ChannelRecord{ID: uuid.New(), OrganisationID: org, Name: "c", CreatedAt: epoch})
	})
	is.True(err != nil) // a write with a cancelled context fails
	ok, err := d.OrganisationExists(t.Context(), org)
	is.NoErr(err) // organisation exists
	is.True(!ok)  // and writes nothing
}

// testWriteCancelledDuring cancels the context after the writes and before
// the commit: the driver may commit or fail, but what remains must match
// what Write returns.
func testWriteCancelledDuring(t *testing.T, d driver.Driver) {
	is := is.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	org := uuid.New()
	err := d.Write(ctx, func(tx driver.Tx) error {
		if _, _, err := tx.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "x"}, epoch); err != nil {
			return err
		}
		cancel()
		return nil
	})
	ok, rerr := d.OrganisationExists(t.Context(), org)
	is.NoErr(rerr)           // organisation exists
	is.Equal(ok, err == nil) // the write remains exactly when Write reports success
}
