package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
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

// manualClock is a clock that moves only when told.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestPruneByAge(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	clock := &manualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := engine.New(memstore.NewDriver(), engine.WithClock(clock.Now))
	defer s.Close()
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation
	clock.Advance(time.Hour)
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Ops"})
	is.NoErr(err) // create group an hour later
	clock.Advance(30 * time.Minute)

	n, err := s.PruneEvents(ctx, grouping.Retention{MaxAge: 2 * time.Hour})
	is.NoErr(err)         // prune events older than two hours
	is.Equal(n, int64(0)) // none is that old
	n, err = s.PruneEvents(ctx, grouping.Retention{MaxAge: time.Hour})
	is.NoErr(err)         // prune events older than an hour
	is.Equal(n, int64(1)) // the organisation's creation, 90 minutes ago
	p, err := s.Events(ctx, grouping.OrganisationOf(org.ID), 0, 0)
	is.NoErr(err)                                                       // read what is left
	is.Equal(len(p.Events), 1)                                          // the group's creation
	is.Equal(p.Events[0].Type, grouping.EventGroupCreated)              // which is younger
	is.True(p.Events[0].Time.Equal(clock.Now().Add(-30 * time.Minute))) // events carry the time of their call
}

func TestPruneWorksInBatches(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := engine.New(memstore.NewDriver())
	defer s.Close()
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation
	for range 1200 {
		_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: "c"})
		is.NoErr(err) // create channel
	}
	n, err := s.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
	is.NoErr(err)            // prune more events than one batch holds
	is.Equal(n, int64(1200)) // every one but the newest
}

// watching is a driver that reports a change elsewhere whenever told to,
// and tells when events have been read.
type watching struct {
	driver.Driver
	started chan struct{}
	kick    chan struct{}
	read    chan struct{}
}

func (w *watching) Events(ctx context.Context, q driver.EventsQuery) ([]grouping.Event, error) {
	evs, err := w.Driver.Events(ctx, q)
	select {
	case w.read <- struct{}{}:
	default:
	}
	return evs, err
}

func (w *watching) Watch(ctx context.Context, changed func()) {
	close(w.started)
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
			changed()
		}
	}
}

// TestWaitWakesOnChangeElsewhere checks that a waiting reader reads again
// when the driver's watch reports a commit made by another process, here
// written to the same in-memory driver behind the engine's back.
func TestWaitWakesOnChangeElsewhere(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := memstore.NewDriver()
	w := &watching{Driver: d, started: make(chan struct{}), kick: make(chan struct{}), read: make(chan struct{}, 1)}
	s := engine.New(w, engine.WithEventPoll(time.Hour))
	defer s.Close()
	tenant := grouping.OrganisationOf(uuid.New())

	done := make(chan grouping.EventPage, 1)
	go func() {
		p, err := s.WaitEvents(ctx, tenant, 0, 0)
		if err != nil {
			t.Error(err)
		}
		done <- p
	}()
	<-w.started
	<-w.read // the waiter has read and found nothing
	// Another process commits: its events reach the database, not this
	// engine.
	err := d.Write(ctx, func(tx driver.Tx) error {
		return tx.AppendEvents(ctx, tenant, []grouping.Event{{ID: uuid.New(), Type: grouping.EventGroupCreated, Time: time.Now().UTC().Truncate(time.Millisecond), Data: []byte(`{}`)}})
	})
	is.NoErr(err) // commit elsewhere
	select {
	case <-done:
		t.Fatal("the wait ended before the watch reported the change")
	case <-time.After(20 * time.Millisecond):
	}
	w.kick <- struct{}{}
	select {
	case p := <-done:
		is.Equal(len(p.Events), 1) // the wait returns the event committed elsewhere
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end after the watch reported a change")
	}
}

// newQuietStore returns a store on memstore whose watch never reports a
// change and whose readers poll once an hour, so that only commits through
// the store wake them, with an organisation (its event 1).
func newQuietStore(t *testing.T) (*engine.Store, *watching, grouping.Organisation) {
	d := &watching{Driver: memstore.NewDriver(), started: make(chan struct{}), kick: make(chan struct{}), read: make(chan struct{}, 1)}
	s := engine.New(d, engine.WithEventPoll(time.Hour))
	t.Cleanup(func() { _ = s.Close() })
	org, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "o"})
	is.New(t).NoErr(err) // create organisation: event 1
	return s, d, org
}

// TestWaitWakesOnCommitInProcess checks that a waiting reader is woken by
// a commit of its tenant made through the same engine, with no change
// reported by the watch and no poll to fall back on: first a reader that
// has read and found nothing, then readers that start as the commits are
// made, so that a wake-up missed between a reader's read and its wait would
// leave one waiting.
func TestWaitWakesOnCommitInProcess(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s, d, org := newQuietStore(t)
	tenant := grouping.OrganisationOf(org.ID)
	var err error

	wait := func(after int64) <-chan grouping.EventPage {
		done := make(chan grouping.EventPage, 1)
		go func() {
			p, err := s.WaitEvents(ctx, tenant, after, 0)
			if err != nil {
				t.Error(err)
			}
			done <- p
		}()
		return done
	}
	done := wait(1)
	<-d.read // the waiter has read and found nothing
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "g0"})
	is.NoErr(err) // create group: event 2
	select {
	case p := <-done:
		is.Equal(len(p.Events), 1)               // the wait returns the new event
		is.Equal(p.Events[0].Sequence, int64(2)) // numbered 2
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end after a commit of its tenant")
	}

	for i := range 200 {
		done := wait(int64(2 + i))
		_, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("g", i+1)})
		is.NoErr(err) // create group
		select {
		case p := <-done:
			is.Equal(len(p.Events), 1) // the wait returns the event of the commit it raced
		case <-time.After(5 * time.Second):
			t.Fatalf("wait %d did not end after a commit of its tenant", i)
		}
	}
}

// TestWaitLetsGoOfQuietTenants checks that readers that stop waiting for
// a reason other than a commit of their tenant (their context ends, events
// already there) leave the hub nothing to wake, so that the commits that
// follow take no lock, and that a tenant's channel stays while one of its
// readers still waits.
func TestWaitLetsGoOfQuietTenants(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s, d, org := newQuietStore(t)
	tenant := grouping.OrganisationOf(org.ID)
	var err error

	// Readers of quiet tenants whose contexts end.
	for range 8 {
		wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err := s.WaitEvents(wctx, grouping.WorkspaceOf(uuid.New()), 0, 0)
		cancel()
		is.True(err != nil) // the wait ends with its context
	}
	_, err = s.WaitEvents(ctx, tenant, 0, 0) // event 1 is there: no wait at all
	is.NoErr(err)                            // read at once
	is.Equal(engine.HubWaiting(s), int64(0)) // nothing kept for readers that left

	// Two readers of one tenant: one gives up, the other is woken.
	select {
	case <-d.read: // a read of the readers above
	default:
	}
	woken := make(chan error, 1)
	go func() {
		_, err := s.WaitEvents(ctx, tenant, 1, 0)
		woken <- err
	}()
	<-d.read // the first reader waits
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = s.WaitEvents(wctx, tenant, 1, 0)
	cancel()
	is.True(err != nil)                      // the second gives up
	is.Equal(engine.HubWaiting(s), int64(1)) // the first still waits on its tenant's channel
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "g"})
	is.NoErr(err) // event 2
	select {
	case err := <-woken:
		is.NoErr(err) // the waiting reader was woken
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting reader was not woken")
	}
	is.Equal(engine.HubWaiting(s), int64(0)) // and nothing is left
}

// TestWaitPollsWithoutWakeUps checks the fallback: a change no watch
// reports is found by the next poll.
func TestWaitPollsWithoutWakeUps(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := memstore.NewDriver()
	s := engine.New(d, engine.WithEventPoll(10*time.Millisecond))
	defer s.Close()
	tenant := grouping.WorkspaceOf(uuid.New())
	go func() {
		time.Sleep(30 * time.Millisecond)
		_ = d.Write(ctx, func(tx driver.Tx) error {
			return tx.AppendEvents(ctx, tenant, []grouping.Event{{ID: uuid.New(), Type: grouping.EventChannelGroupDeleted, Time: time.Now().UTC().Truncate(time.Millisecond), Data: []byte(`{}`)}})
		})
	}()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	p, err := s.WaitEvents(wctx, tenant, 0, 0)
	is.NoErr(err)              // the poll finds the event
	is.Equal(len(p.Events), 1) // and returns it
}

func TestCloseEndsWaits(t *testing.T) {
	is := is.New(t)
	s := engine.New(memstore.NewDriver())
	errs := make(chan error, 1)
	go func() {
		_, err := s.WaitEvents(context.Background(), grouping.OrganisationOf(uuid.New()), 0, 0)
		errs <- err
	}()
	time.Sleep(10 * time.Millisecond)
	is.NoErr(s.Close()) // close the store
	select {
	case err := <-errs:
		is.Equal(grouping.ErrorCode(err), grouping.Internal) // the wait fails as every call on a closed store
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the wait")
	}
}

// TestHandWrittenDataMatchesEncodingJSON checks that the data written by
// hand for the frequent events decodes to what the data types encode.
func TestHandWrittenDataMatchesEncodingJSON(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := engine.New(memstore.NewDriver())
	defer s.Close()
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation
	ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: "c"})
	is.NoErr(err) // create channel
	g1, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "One"})
	is.NoErr(err) // create group
	g2, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Two"})
	is.NoErr(err) // create group
	user := uuid.New()
	is.NoErr(s.AssignChannel(ctx, org.ID, g1.ID, ch.ID))      // assign
	is.NoErr(s.MoveChannel(ctx, org.ID, g2.ID, ch.ID))        // move
	is.NoErr(s.RemoveChannel(ctx, org.ID, g2.ID, ch.ID))      // remove
	is.NoErr(s.AddChannelMember(ctx, org.ID, ch.ID, user))    // add member
	is.NoErr(s.RemoveChannelMember(ctx, org.ID, ch.ID, user)) // remove member
	p, err := s.Events(ctx, grouping.OrganisationOf(org.ID), 4, 0)
	is.NoErr(err) // read the events
	zero := int64(0)
	want := []any{
		grouping.ChannelPlacementData{ChannelID: ch.ID, GroupID: g1.ID, Position: &zero},
		grouping.ChannelPlacementData{ChannelID: ch.ID, GroupID: g2.ID, FromGroupID: &g1.ID, Position: &zero},
		grouping.ChannelPlacementData{ChannelID: ch.ID, GroupID: g2.ID},
		grouping.ChannelMemberData{ChannelID: ch.ID, UserID: user},
		grouping.ChannelMemberData{ChannelID: ch.ID, UserID: user},
	}
	is.Equal(len(p.Events), len(want)) // one event per call
	for i, e := range p.Events {
		b, err := json.Marshal(want[i])
		is.NoErr(err)                             // encode the data type
		is.Equal(string(e.Data), string(b))       // the hand-written data is byte for byte what encoding/json writes
		is.Equal(e.ID.Version(), uuid.Version(4)) // event IDs are version 4
		is.Equal(e.ID.Variant(), uuid.RFC4122)    // of the RFC 4122 variant
	}
}

// bulkDriver is a driver whose transactions offer driver.BulkTx, built on
// memstore's one-channel primitives, and count its calls.
type bulkDriver struct {
	driver.Driver
	calls atomic.Int32
}

func (d *bulkDriver) Write(ctx context.Context, fn func(driver.Tx) error) error {
	return d.Driver.Write(ctx, func(tx driver.Tx) error { return fn(&bulkTx{Tx: tx, d: d}) })
}

type bulkTx struct {
	driver.Tx
	d *bulkDriver
}

func (t *bulkTx) Placements(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID) (driver.BulkPlacement, error) {
	t.d.calls.Add(1)
	bp := driver.BulkPlacement{Channels: map[uuid.UUID]*driver.ChannelFacts{}}
	for _, id := range ids {
		p, err := t.Placement(ctx, org, group, id)
		if err != nil {
			return bp, err
		}
		bp.OrganisationFound, bp.Group = bp.OrganisationFound || p.OrganisationFound, p.Group
		if p.Channel != nil {
			bp.Channels[id] = p.Channel
		}
	}
	return bp, nil
}

func (t *bulkTx) PlaceChannels(ctx context.Context, group uuid.UUID, ids []uuid.UUID, first int64) error {
	t.d.calls.Add(1)
	for i, id := range ids {
		if err := t.PlaceChannel(ctx, id, group, first+int64(i)); err != nil {
			return err
		}
	}
	return nil
}

func (t *bulkTx) UnplaceChannels(ctx context.Context, ids []uuid.UUID) error {
	t.d.calls.Add(1)
	for _, id := range ids {
		if err := t.UnplaceChannel(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// TestBulkCallsUseBulkTx checks that the bulk calls go through a driver's
// driver.BulkTx when its transactions have it.
func TestBulkCallsUseBulkTx(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := &bulkDriver{Driver: memstore.NewDriver()}
	s := engine.New(d)
	defer s.Close()
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation
	g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "G"})
	is.NoErr(err) // create group
	var ids []uuid.UUID
	for range 3 {
		ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: "c"})
		is.NoErr(err) // create channel
		ids = append(ids, ch.ID)
	}
	is.NoErr(s.AssignChannels(ctx, org.ID, g.ID, ids)) // bulk assign
	is.Equal(d.calls.Load(), int32(2))                 // facts and placing went through BulkTx
	is.NoErr(s.RemoveChannels(ctx, org.ID, g.ID, ids)) // bulk remove
	is.Equal(d.calls.Load(), int32(4))                 // so did removing
}
