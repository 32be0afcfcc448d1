package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// flaky is a driver whose first failures write transactions run their
// function and then fail with driver.ErrRetry, as a serialisation failure
// would after the work was done and rolled back.
type flaky struct {
	driver.Driver
	failures atomic.Int32 // how many more transactions fail
	runs     atomic.Int32 // how many times a transaction function ran
}

func (f *flaky) Write(ctx context.Context, fn func(driver.Tx) error) error {
	if f.failures.Add(-1) >= 0 {
		// Run fn in a transaction that is then rolled back, so that a
		// function with side effects outside the transaction would show.
		err := f.Driver.Write(ctx, func(tx driver.Tx) error {
			f.runs.Add(1)
			if err := fn(tx); err != nil {
				return err
			}
			return fmt.Errorf("serialisation failure: %w", driver.ErrRetry)
		})
		return err
	}
	return f.Driver.Write(ctx, func(tx driver.Tx) error {
		f.runs.Add(1)
		return fn(tx)
	})
}

func TestRetryRunsTheTransactionAgain(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	f := &flaky{Driver: memstore.NewDriver()}
	s := engine.New(f)
	defer s.Close()

	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation

	f.failures.Store(3)
	f.runs.Store(0)
	g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Ops"})
	is.NoErr(err)                     // the fourth attempt commits
	is.Equal(f.runs.Load(), int32(4)) // three retried attempts and the one that committed
	page, err := s.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err)                    // list
	is.Equal(len(page.Items), 1)     // exactly one group: the failed attempts left nothing
	is.Equal(page.Items[0].ID, g.ID) // the group of the attempt that committed
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	f := &flaky{Driver: memstore.NewDriver()}
	s := engine.New(f)
	defer s.Close()

	f.failures.Store(1 << 20)
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // a transaction that never commits is an internal error
	is.True(errors.Is(err, driver.ErrRetry))             // that still says why
	is.Equal(f.runs.Load(), int32(engine.MaxAttempts))   // after exactly MaxAttempts runs
}

func TestRetryStopsWhenTheContextEnds(t *testing.T) {
	is := is.New(t)
	f := &flaky{Driver: memstore.NewDriver()}
	s := engine.New(f)
	defer s.Close()

	f.failures.Store(1 << 20)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.True(errors.Is(err, context.DeadlineExceeded)) // the caller's deadline ends the retries
	is.True(time.Since(start) < time.Second)          // promptly
}

func TestNonRetryableErrorsAreNotRetried(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	f := &flaky{Driver: memstore.NewDriver()}
	s := engine.New(f)
	defer s.Close()

	f.runs.Store(0)
	_, err := s.CreateGroup(ctx, uuid.New(), grouping.NewGroup{Name: "Ops"})
	is.Equal(grouping.ErrorCode(err), grouping.NotFound) // the organisation does not exist
	is.Equal(f.runs.Load(), int32(1))                    // a decision is final: one run
}

// steppingClock returns a clock that moves one second on every reading.
func steppingClock() grouping.Clock {
	var n atomic.Int64
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { return base.Add(time.Duration(n.Add(1)) * time.Second) }
}

func TestAttachBumpsUpdatedAtOfBothChannelGroups(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := engine.New(memstore.NewDriver(), engine.WithClock(steppingClock()))
	defer s.Close()
	ws, ch, other := uuid.New(), uuid.New(), uuid.New()
	acct := func(id string) grouping.ChannelGroupAttach {
		return grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: id, PlatformGroupName: "Acme " + id}
	}

	a, err := s.AttachChannel(ctx, ws, ch, acct("1"))
	is.NoErr(err) // attach to account 1
	b, err := s.AttachChannel(ctx, ws, other, acct("2"))
	is.NoErr(err) // create account 2 with another channel

	again, err := s.AttachChannel(ctx, ws, ch, acct("1"))
	is.NoErr(err)                               // attach to the same account, same name
	is.Equal(again.UpdatedAt, a.UpdatedAt)      // a no-op changes nothing
	is.Equal(again.ChannelIDs, []uuid.UUID{ch}) // still the one channel

	b2, err := s.AttachChannel(ctx, ws, ch, acct("2"))
	is.NoErr(err)                                   // move the channel to account 2
	is.True(b2.UpdatedAt.After(b.UpdatedAt))        // the channel group it joins is touched
	is.Equal(b2.ChannelIDs, []uuid.UUID{other, ch}) // appended in attach order
	a2, err := s.GetChannelGroup(ctx, ws, a.ID)
	is.NoErr(err)                            // read the group it left
	is.True(a2.UpdatedAt.After(a.UpdatedAt)) // the channel group it leaves is touched too
	is.Equal(len(a2.ChannelIDs), 0)          // and empty

	is.NoErr(s.DetachChannel(ctx, ws, other)) // detach
	b3, err := s.GetChannelGroup(ctx, ws, b.ID)
	is.NoErr(err)                             // read
	is.True(b3.UpdatedAt.After(b2.UpdatedAt)) // detaching touches the channel group
	is.Equal(b3.ChannelIDs, []uuid.UUID{ch})  // and removes only that channel

	renamed := acct("2")
	renamed.PlatformGroupName = "Acme renamed"
	b4, err := s.AttachChannel(ctx, ws, ch, renamed)
	is.NoErr(err)                                  // attach with a new name
	is.Equal(b4.PlatformGroupName, "Acme renamed") // the name is refreshed
	is.True(b4.UpdatedAt.After(b3.UpdatedAt))      // and the channel group touched
}

func TestClosedStoreFailsEveryCall(t *testing.T) {
	is := is.New(t)
	s := engine.New(memstore.NewDriver())
	is.NoErr(s.Close()) // close
	is.NoErr(s.Close()) // a second Close is harmless
	_, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // writes fail
	_, err = s.ListChannelGroups(t.Context(), uuid.New(), grouping.ListChannelGroupsOptions{})
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // reads fail
}

func TestCanceledContextChangesNothing(t *testing.T) {
	is := is.New(t)
	s := engine.New(memstore.NewDriver())
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	id := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Org"})
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // a call whose context is done fails
	is.True(errors.Is(err, context.Canceled))            // and says why
	_, err = s.ListGroups(t.Context(), id, grouping.ListGroupsOptions{})
	is.Equal(grouping.ErrorCode(err), grouping.NotFound) // nothing was written
}
