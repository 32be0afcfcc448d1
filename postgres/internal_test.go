package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/drivertest"
	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// schemaCount numbers the schemas of the internal tests.
var schemaCount atomic.Int64

// openTestStore opens a store in a new schema of the test database.
func openTestStore(t testing.TB) *Store {
	t.Helper()
	pgtest.Need(t, testDB)
	s, err := Open(t.Context(), testDB.URL, WithSchema(fmt.Sprintf("internal%d", schemaCount.Add(1))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// twoOrganisations creates two organisations in s.
func twoOrganisations(t *testing.T, s *Store) (a, b grouping.Organisation) {
	t.Helper()
	is := is.New(t)
	var err error
	a, err = s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "A"})
	is.NoErr(err) // create organisation A
	b, err = s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "B"})
	is.NoErr(err) // create organisation B
	return a, b
}

// raiseSerializationFailure makes the server fail the transaction as a
// serialisable transaction that lost a conflict does.
func raiseSerializationFailure(ctx context.Context, tx querier) error {
	_, err := tx.Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'forced conflict' USING ERRCODE = 'serialization_failure'; END $$`)
	return err
}

// TestSerializationFailureIsRetried fails the first attempt of a write with
// a real serialisation failure from the server: the engine runs it again,
// and the outcome is that of one run.
func TestSerializationFailureIsRetried(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // create organisation

	var attempts atomic.Int32
	s.d.beforeCommit = func(ctx context.Context, tx querier) error {
		if attempts.Add(1) == 1 {
			err := raiseSerializationFailure(ctx, tx)
			is.True(errors.Is(retryable(err), driver.ErrRetry)) // the server's 40001 is a retry
			return err
		}
		return nil
	}
	g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Sales"})
	s.d.beforeCommit = nil
	is.NoErr(err)                       // the call succeeded
	is.Equal(attempts.Load(), int32(2)) // on its second run
	page, err := s.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err)                       // list
	is.Equal(len(page.Items), 1)        // one group: the failed run left nothing
	is.Equal(page.Items[0].ID, g.ID)    // the one returned
	is.Equal(page.Items[0].Position, 0) // at the first position
}

// TestRetriesAreBounded keeps failing: the call gives up after
// engine.MaxAttempts runs with an Internal error that still says why.
func TestRetriesAreBounded(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	var attempts atomic.Int32
	s.d.beforeCommit = func(ctx context.Context, tx querier) error {
		attempts.Add(1)
		return raiseSerializationFailure(ctx, tx)
	}
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // gave up
	is.True(errors.Is(err, driver.ErrRetry))             // after retryable failures
	is.Equal(attempts.Load(), int32(10))                 // engine.MaxAttempts runs
}

// TestDeadlockIsRetryable makes two real transactions lock two
// organisations in opposite orders. The server breaks the deadlock by
// failing one of them, which the driver reports as driver.ErrRetry.
func TestDeadlockIsRetryable(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	a, b := twoOrganisations(t, s)

	var both sync.WaitGroup
	both.Add(2)
	lockBoth := func(first, second uuid.UUID) error {
		return s.d.Write(ctx, func(tx driver.Tx) error {
			if _, _, err := tx.GroupIDs(ctx, first); err != nil {
				return err
			}
			both.Done()
			both.Wait() // each holds its first lock
			_, _, err := tx.GroupIDs(ctx, second)
			return err
		})
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = lockBoth(a.ID, b.ID) })
	wg.Go(func() { errs[1] = lockBoth(b.ID, a.ID) })
	wg.Wait()
	t.Log(errs)
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			is.True(errors.Is(err, driver.ErrRetry))    // a deadlock can be retried
			is.Equal(sqlState(err), pgDeadlockDetected) // it is the server's deadlock error
		}
	}
	is.Equal(failed, 1) // the server failed exactly one of them
}

// TestLockedReadsSeeCommittedWrites holds an organisation's lock in one
// transaction that creates a group while a second creation waits for the
// lock. Once the first commits, the second's facts include its group: it
// is not placed at the same position, and a duplicate name is reported by
// the engine's check rather than by the unique index.
func TestLockedReadsSeeCommittedWrites(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // create organisation

	holding := make(chan struct{})
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.d.Write(ctx, func(tx driver.Tx) error {
			key := grouping.FoldName("Sales")
			st, err := tx.GroupState(ctx, org.ID, uuid.Nil, key)
			if err != nil {
				return err
			}
			now := grouping.Timestamp(time.Now())
			g := grouping.Group{ID: uuid.New(), OrganisationID: org.ID, Name: "Sales", Position: int(st.MaxPosition + 1),
				Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.InsertGroup(ctx, g, key); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	second := make(chan error, 1)
	var other grouping.Group
	go func() {
		var err error
		other, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Support"})
		second <- err
	}()
	dup := make(chan error, 1)
	go func() {
		_, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "SALES"})
		dup <- err
	}()
	time.Sleep(100 * time.Millisecond) // both wait for the lock
	select {
	case err := <-second:
		t.Fatalf("the second creation did not wait for the lock: %v", err)
	default:
	}
	close(release)
	is.NoErr(<-first)  // the first commits
	is.NoErr(<-second) // then the second
	err = <-dup
	is.Equal(other.Position, 1)                          // after the first group
	is.Equal(grouping.ErrorCode(err), grouping.Conflict) // the duplicate name is refused
	is.True(!errors.Is(err, driver.ErrNameTaken))        // by the engine, which saw the committed group
}

// TestInsertChannelRaceIsRetried inserts one channel ID into two
// organisations at once. The organisations' locks do not cover each other,
// so both may find the ID free; the primary key refuses the second insert
// and the retry reports the channel as another organisation's.
func TestInsertChannelRaceIsRetried(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	a, b := twoOrganisations(t, s)
	for range 20 {
		id := uuid.New()
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, org := range []uuid.UUID{a.ID, b.ID} {
			wg.Go(func() {
				_, errs[i] = s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: id, OrganisationID: org, Name: "general", OwnerID: uuid.New()})
			})
		}
		wg.Wait()
		codes := []grouping.Code{grouping.ErrorCode(errs[0]), grouping.ErrorCode(errs[1])}
		is.True(codes[0] == "" || codes[1] == "")                               // one organisation has it
		is.True(codes[0] == grouping.Conflict || codes[1] == grouping.Conflict) // the other is told it belongs elsewhere
	}
}

func TestDriver(t *testing.T) {
	pgtest.Need(t, testDB)
	drivertest.Run(t, func(t *testing.T) driver.Driver { return openTestStore(t).d })
}
