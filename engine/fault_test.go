package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// errInjected is the failure a faulty driver injects.
var errInjected = errors.New("injected failure")

// faulty is a driver whose write transactions fail at their last write:
// writes counts the writes of every transaction, and failAt, when not
// zero, makes the write with that number fail.
type faulty struct {
	driver.Driver
	writes, failAt int
}

func (f *faulty) Write(ctx context.Context, fn func(driver.Tx) error) error {
	f.writes = 0
	return f.Driver.Write(ctx, func(tx driver.Tx) error { return fn(&faultyTx{Tx: tx, f: f}) })
}

type faultyTx struct {
	driver.Tx
	f *faulty
}

// write counts a write and fails the one the driver is set to fail.
func (t *faultyTx) write(do func() error) error {
	t.f.writes++
	if t.f.writes == t.f.failAt {
		return errInjected
	}
	return do()
}

func (t *faultyTx) InsertChannel(ctx context.Context, ch driver.ChannelRecord) error {
	return t.write(func() error { return t.Tx.InsertChannel(ctx, ch) })
}

func (t *faultyTx) SetMembers(ctx context.Context, id uuid.UUID, users []uuid.UUID) error {
	return t.write(func() error { return t.Tx.SetMembers(ctx, id, users) })
}

func (t *faultyTx) UnplaceChannel(ctx context.Context, id uuid.UUID) error {
	return t.write(func() error { return t.Tx.UnplaceChannel(ctx, id) })
}

func (t *faultyTx) MarkChannelDeleted(ctx context.Context, id uuid.UUID, at time.Time) error {
	return t.write(func() error { return t.Tx.MarkChannelDeleted(ctx, id, at) })
}

func (t *faultyTx) UngroupChannels(ctx context.Context, id uuid.UUID) error {
	return t.write(func() error { return t.Tx.UngroupChannels(ctx, id) })
}

func (t *faultyTx) MarkGroupDeleted(ctx context.Context, id uuid.UUID, at time.Time) error {
	return t.write(func() error { return t.Tx.MarkGroupDeleted(ctx, id, at) })
}

func (t *faultyTx) UnlinkChannel(ctx context.Context, ws, ch uuid.UUID) (uuid.UUID, error) {
	var from uuid.UUID
	err := t.write(func() (err error) { from, err = t.Tx.UnlinkChannel(ctx, ws, ch); return err })
	return from, err
}

func (t *faultyTx) TouchChannelGroup(ctx context.Context, id uuid.UUID, at time.Time) error {
	return t.write(func() error { return t.Tx.TouchChannelGroup(ctx, id, at) })
}

func (t *faultyTx) LinkChannel(ctx context.Context, ws, ch, cg uuid.UUID, pos int64) error {
	return t.write(func() error { return t.Tx.LinkChannel(ctx, ws, ch, cg, pos) })
}

func (t *faultyTx) UpdateChannelGroup(ctx context.Context, id uuid.UUID, name string, at time.Time) error {
	return t.write(func() error { return t.Tx.UpdateChannelGroup(ctx, id, name, at) })
}

// dump reads everything the test's calls can change, as text.
func dump(t *testing.T, s grouping.Store, org, ws uuid.UUID) string {
	t.Helper()
	ctx := t.Context()
	groups, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{IncludeChannels: true})
	if err != nil {
		t.Fatal(err)
	}
	ungrouped, err := s.ListUngroupedChannels(ctx, org, grouping.ListChannelsOptions{IncludeArchived: true})
	if err != nil {
		t.Fatal(err)
	}
	cgs, err := s.ListChannelGroups(ctx, ws, grouping.ListChannelGroupsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v\n%+v\n%+v", groups.Items, ungrouped.Items, cgs.Items)
}

// TestFailedWriteLeavesNothingBehind makes each call that writes several
// times fail at its last write, and checks that the call fails and that
// nothing of its earlier writes remains.
func TestFailedWriteLeavesNothingBehind(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes int // how many writes the call makes
		call   func(ctx context.Context, s grouping.Store, org, ws, g, ch uuid.UUID) error
	}{
		{"UpsertChannelWithMembers", 2, func(ctx context.Context, s grouping.Store, org, _, _, _ uuid.UUID) error {
			_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "new", OwnerID: uuid.New(), Users: []uuid.UUID{uuid.New()}})
			return err
		}},
		{"DeleteChannel", 2, func(ctx context.Context, s grouping.Store, org, _, _, ch uuid.UUID) error {
			return s.DeleteChannel(ctx, org, ch)
		}},
		{"DeleteGroup", 2, func(ctx context.Context, s grouping.Store, org, _, g, _ uuid.UUID) error {
			return s.DeleteGroup(ctx, org, g, 0)
		}},
		{"AttachChannelMoving", 4, func(ctx context.Context, s grouping.Store, _, ws, _, ch uuid.UUID) error {
			_, err := s.AttachChannel(ctx, ws, ch, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "1", PlatformGroupName: "renamed"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			ctx := t.Context()
			f := &faulty{Driver: memstore.NewDriver()}
			s := engine.New(f)
			defer s.Close()
			org, ws := uuid.New(), uuid.New()
			_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Org"})
			is.NoErr(err) // organisation
			ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "c", OwnerID: uuid.New()})
			is.NoErr(err) // channel
			g, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "G"})
			is.NoErr(err)                                    // group
			is.NoErr(s.AssignChannel(ctx, org, g.ID, ch.ID)) // the channel is in the group
			for _, acct := range []string{"1", "2"} {
				_, err = s.AttachChannel(ctx, ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: acct, PlatformGroupName: "Acme"})
				is.NoErr(err) // two accounts
			}
			_, err = s.AttachChannel(ctx, ws, ch.ID, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "2"})
			is.NoErr(err) // the channel is attached to account 2
			before := dump(t, s, org, ws)

			f.failAt = tc.writes
			err = tc.call(ctx, s, org, ws, g.ID, ch.ID)
			is.True(errors.Is(err, errInjected))                 // the call fails with the driver's error
			is.Equal(grouping.ErrorCode(err), grouping.Internal) // as an internal error
			is.Equal(f.writes, tc.writes)                        // at its last write
			f.failAt = 0
			is.Equal(dump(t, s, org, ws), before) // and nothing of its earlier writes remains

			is.NoErr(tc.call(ctx, s, org, ws, g.ID, ch.ID)) // the same call succeeds without the fault
			is.True(dump(t, s, org, ws) != before)          // and changes the state
		})
	}
}
