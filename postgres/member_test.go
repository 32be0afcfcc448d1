package postgres

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// meanwhileDriver is the store's driver with a function that runs once,
// between a transaction's conditional membership change (driver.MemberTx)
// and whatever the transaction does next: another instance's write in the
// gap.
type meanwhileDriver struct {
	*pgDriver
	meanwhile func()
	once      sync.Once
}

func (d *meanwhileDriver) Write(ctx context.Context, fn func(driver.Tx) error) error {
	return d.pgDriver.Write(ctx, func(tx driver.Tx) error { return fn(meanwhileTx{tx.(*pgTx), d}) })
}

type meanwhileTx struct {
	*pgTx
	d *meanwhileDriver
}

func (t meanwhileTx) AddLiveMember(ctx context.Context, org, channel, user uuid.UUID) (bool, error) {
	added, err := t.pgTx.AddLiveMember(ctx, org, channel, user)
	t.d.once.Do(t.d.meanwhile)
	return added, err
}

func (t meanwhileTx) RemoveLiveMember(ctx context.Context, org, channel, user uuid.UUID) (bool, error) {
	removed, err := t.pgTx.RemoveLiveMember(ctx, org, channel, user)
	t.d.once.Do(t.d.meanwhile)
	return removed, err
}

// TestMemberChangeWhenTheOrganisationAppearsMeanwhile: while the
// organisation does not exist, its lock locks nothing, so the conditional
// change runs unlocked and changes nothing; another instance then makes the
// organisation and its channel (with the member, for the removal) before
// the transaction reads the channel's facts under the lock. The change must
// still be made: an add that answers success has to leave a member, and a
// removal of a member has to remove it.
func TestMemberChangeWhenTheOrganisationAppearsMeanwhile(t *testing.T) {
	for _, add := range []bool{true, false} {
		name := map[bool]string{true: "Add", false: "Remove"}[add]
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			ctx := t.Context()
			other := openTestStore(t) // the other instance
			org, channel, user := uuid.New(), uuid.New(), uuid.New()
			d := &meanwhileDriver{pgDriver: other.d, meanwhile: func() {
				_, err := other.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
				is.NoErr(err) // the organisation is made meanwhile
				u := grouping.ChannelUpsert{ID: channel, OrganisationID: org, Name: "general"}
				if !add {
					u.Users = []uuid.UUID{user}
				}
				_, err = other.UpsertChannel(ctx, u)
				is.NoErr(err) // and its channel
			}}
			s := engine.New(d) // this instance, on the same schema
			var err error
			if add {
				err = s.AddChannelMember(ctx, org, channel, user)
			} else {
				err = s.RemoveChannelMember(ctx, org, channel, user)
			}
			is.NoErr(err) // the change is made, on the channel that exists by then
			ch, err := other.GetChannel(ctx, org, channel)
			is.NoErr(err)                                      // read the channel
			is.Equal(slices.Contains(ch.Users, user), add)     // a member after the add, none after the removal
			is.Equal(ch.UserCount, map[bool]int{true: 1}[add]) // and counted so
		})
	}
}
