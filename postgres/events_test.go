package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/matryer/is"
)

// openOn opens another store on the schema of s, as another application
// instance on the same database would, and closes it when t ends.
func openOn(t *testing.T, schema string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), testDB.URL, append([]Option{WithSchema(schema)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newSchemaName returns a schema name no other internal test uses.
func newSchemaName() string { return fmt.Sprintf("internal%d", schemaCount.Add(1)) }

// allEvents reads every event of the tenant, page by page.
func allEvents(t *testing.T, s *Store, tenant grouping.Tenant) []grouping.Event {
	t.Helper()
	var out []grouping.Event
	after := int64(0)
	for {
		p, err := s.Events(t.Context(), tenant, after, grouping.MaxEventLimit)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Events...)
		if !p.More {
			return out
		}
		after = p.Next
	}
}

// addEvents appends events of the given types to tenant in one
// transaction of d, at time at, and returns them with their numbers.
func addEvents(t *testing.T, d *pgDriver, tenant grouping.Tenant, at time.Time, data ...string) []grouping.Event {
	t.Helper()
	evs := make([]grouping.Event, len(data))
	for i, s := range data {
		evs[i] = grouping.Event{ID: uuid.New(), Type: grouping.EventGroupCreated, Time: at, Data: json.RawMessage(s)}
	}
	err := d.Write(t.Context(), func(tx driver.Tx) error { return tx.AppendEvents(t.Context(), tenant, evs) })
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// sequences returns the sequence numbers of evs.
func sequences(evs []grouping.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Sequence
	}
	return out
}

// TestEventsKeepTheirBytes stores JSON that jsonb would rewrite (key order,
// spacing, a duplicate key) and reads back exactly the same bytes, with
// numbers that continue from one transaction to the next and skip nothing
// when a transaction rolls back.
func TestEventsKeepTheirBytes(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := openTestStore(t).d
	tenant := grouping.OrganisationOf(uuid.New())
	at := grouping.Timestamp(time.Now())
	odd := []string{`{"b":1,  "a":[ 2 ,3]}`, `{"k":"x","k":"y"}`, "\t{\"é\":\"\\u00e9\"}\n"}
	first := addEvents(t, d, tenant, at, odd...)
	is.Equal(sequences(first), []int64{1, 2, 3}) // numbered from 1

	err := d.Write(ctx, func(tx driver.Tx) error {
		evs := []grouping.Event{{ID: uuid.New(), Type: grouping.EventGroupDeleted, Time: at, Data: json.RawMessage(`{}`)}}
		if err := tx.AppendEvents(ctx, tenant, evs); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	is.True(err != nil) // the transaction rolled back
	next := addEvents(t, d, tenant, at, `{}`)
	is.Equal(next[0].Sequence, int64(4)) // the rolled-back number is handed out again: no gap

	got, err := d.Events(ctx, driver.EventsQuery{Tenant: tenant, After: 0, Limit: 10})
	is.NoErr(err)         // read
	is.Equal(len(got), 4) // every event
	for i, s := range odd {
		is.Equal(string(got[i].Data), s)           // the bytes as given
		is.Equal(got[i].ID, first[i].ID)           // its ID
		is.Equal(got[i].Tenant, tenant)            // its tenant
		is.True(got[i].Time.Equal(at))             // its time
		is.Equal(got[i].Time.Location(), time.UTC) // in UTC
	}
	other, err := d.Events(ctx, driver.EventsQuery{Tenant: grouping.WorkspaceOf(tenant.ID), Limit: 10})
	is.NoErr(err)           // read the workspace with the same ID
	is.Equal(len(other), 0) // a tenant of another kind is another tenant
}

// TestAppendWaitsForTheTenantsPreviousAppend holds one transaction that has
// appended; a second transaction of the same tenant that appends waits for
// it, then numbers its events after what the first left: after its
// commit, the next numbers; after its rollback, the same ones.
func TestAppendWaitsForTheTenantsPreviousAppend(t *testing.T) {
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%v", commit), func(t *testing.T) {
			is := is.New(t)
			ctx := t.Context()
			d := openTestStore(t).d
			tenant := grouping.WorkspaceOf(uuid.New())
			addEvents(t, d, tenant, time.Now(), `{}`)

			appended, release := make(chan struct{}), make(chan struct{})
			first := make(chan error, 1)
			go func() {
				first <- d.Write(ctx, func(tx driver.Tx) error {
					evs := []grouping.Event{{ID: uuid.New(), Type: grouping.EventChannelGroupDeleted, Time: time.Now(), Data: []byte(`{}`)}}
					err := tx.AppendEvents(ctx, tenant, evs)
					if err == nil { // the read sends the deferred append with it
						_, err = tx.Events(ctx, driver.EventsQuery{Tenant: tenant, Limit: 1})
					}
					close(appended)
					<-release
					if err == nil && !commit {
						err = errors.New("roll back")
					}
					return err
				})
			}()
			<-appended
			evs := []grouping.Event{
				{ID: uuid.New(), Type: grouping.EventChannelGroupDeleted, Time: time.Now(), Data: []byte(`{}`)},
				{ID: uuid.New(), Type: grouping.EventChannelGroupDeleted, Time: time.Now(), Data: []byte(`{}`)},
			}
			second := make(chan error, 1)
			go func() {
				second <- d.Write(ctx, func(tx driver.Tx) error { return tx.AppendEvents(ctx, tenant, evs) })
			}()
			waitForLockWait(t, d)
			select {
			case err := <-second:
				t.Fatalf("the second append did not wait: %v", err)
			default:
			}
			close(release)
			err := <-first
			is.Equal(err == nil, commit) // the first ended as meant
			is.NoErr(<-second)           // the second appended
			want := []int64{3, 4}
			if !commit {
				want = []int64{2, 3}
			}
			is.Equal(sequences(evs), want) // numbered after what the first left
		})
	}
}

// waitForLockWait returns once a backend of the test database waits for a
// row lock held by another.
func waitForLockWait(t *testing.T, d *pgDriver) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		var waiting bool
		err := d.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no transaction waits for a lock")
		case <-time.After(5 * time.Millisecond): // the condition is polled
		}
	}
}

// queryTracer calls end after every query whose SQL is sql.
type queryTracer struct {
	sql string
	end func()
}

type tracedSQL struct{}

func (q queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, tracedSQL{}, data.SQL)
}

func (q queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if ctx.Value(tracedSQL{}) == q.sql {
		q.end()
	}
}

// TestCommitElsewhereWakesWaitingReader has a reader of store A wait for
// events while store B, another instance on the same database, commits
// them: A's notification wakes it, well before its poll (a minute) would.
func TestCommitElsewhereWakesWaitingReader(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	pgtest.Need(t, testDB)
	schema := newSchemaName()
	reads := make(chan struct{}, 1)
	readsDone := func() {
		select {
		case reads <- struct{}{}:
		default:
		}
	}
	eventsSQL := inSchema(sqlEvents.sql, pgx.Identifier{schema}.Sanitize())
	a := openOn(t, schema, WithEventPoll(time.Minute), WithPoolConfig(func(c *pgxpool.Config) {
		c.ConnConfig.Tracer = queryTracer{sql: eventsSQL, end: readsDone}
	}))
	b := openOn(t, schema)
	org, err := b.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // create organisation (event 1)
	tenant := grouping.OrganisationOf(org.ID)

	const rounds = 30
	var latencies []time.Duration
	for i := range rounds {
		drain(reads)
		type result struct {
			p   grouping.EventPage
			err error
			at  time.Time
		}
		woken := make(chan result, 1)
		go func() {
			p, err := a.WaitEvents(ctx, tenant, int64(i+1), 0)
			woken <- result{p, err, time.Now()}
		}()
		<-reads // A has read, found nothing, and waits
		// The commit happens within B's call: the time from the call's
		// start to A's return bounds the wake-up's latency from above.
		started := time.Now()
		_, err := b.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		is.NoErr(err) // B commits
		var r result
		select {
		case r = <-woken:
		case <-time.After(time.Second):
			t.Fatalf("round %d: the reader was not woken within a second", i)
		}
		is.NoErr(r.err)                              // woken
		is.Equal(len(r.p.Events), 1)                 // with B's event
		is.Equal(r.p.Events[0].Sequence, int64(i+2)) // the next one
		latencies = append(latencies, r.at.Sub(started))
	}
	slices.Sort(latencies)
	t.Logf("from the start of B's write to A's return, %d rounds: p50 %v, p90 %v, max %v",
		rounds, latencies[rounds/2], latencies[rounds*9/10], latencies[rounds-1])
}

// drain empties c.
func drain(c chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// TestConcurrentWritersAcrossStores runs 32 writers, half on each of two
// stores of one database, on one organisation: each renames its own group
// in turn and renames and moves channels that all of them share. The
// organisation's events are then numbered 1 to n without a gap, each
// writer's events come in the order it made its calls, every event's
// "previous" state is what the events before it left, and replaying the
// events gives the final state of the store.
func TestConcurrentWritersAcrossStores(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	pgtest.Need(t, testDB)
	schema := newSchemaName()
	stores := []*Store{openOn(t, schema, WithMaxConns(8)), openOn(t, schema, WithMaxConns(8))}
	org, err := stores[0].UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // create organisation
	const writers, rounds, shared = 32, 12, 4
	groups := make([]grouping.Group, writers)
	for i := range groups {
		groups[i], err = stores[i%2].CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("w", i)})
		is.NoErr(err) // create a writer's group
	}
	channels := make([]uuid.UUID, shared)
	for i := range channels {
		ch, err := stores[i%2].UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: "c", OwnerID: uuid.New()})
		is.NoErr(err) // create a shared channel
		channels[i] = ch.ID
	}

	start := make(chan struct{})
	errs := make(chan error, writers*rounds*3)
	var wg sync.WaitGroup
	for w := range writers {
		s := stores[w%2]
		wg.Go(func() {
			<-start
			g := groups[w]
			for r := range rounds {
				var err error
				name := fmt.Sprintf("w%d-%d", w, r)
				if g, err = s.UpdateGroup(ctx, org.ID, g.ID, grouping.GroupUpdate{Name: &name, IfVersion: g.Version}); err != nil {
					errs <- err
				}
				ch := channels[(w+r)%shared]
				if _, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: org.ID, Name: name, OwnerID: uuid.Nil}); err != nil {
					errs <- err
				}
				if err := s.MoveChannel(ctx, org.ID, groups[(w*7+r)%writers].ID, ch); err != nil {
					errs <- err
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		is.NoErr(err) // every call succeeded
	}

	evs := allEvents(t, stores[1], grouping.OrganisationOf(org.ID))
	for i, e := range evs {
		is.Equal(e.Sequence, int64(i+1)) // gapless from 1
	}
	// Replay.
	groupName := map[uuid.UUID]string{}
	channelName := map[uuid.UUID]string{}
	channelGroup := map[uuid.UUID]uuid.UUID{}
	lastRound := map[string]int{} // per writer and kind, the round of its last event
	order := func(kind, name string) {
		var w, r int
		if _, err := fmt.Sscanf(name, "w%d-%d", &w, &r); err != nil {
			return // a name from the set-up
		}
		key := fmt.Sprint(kind, w)
		if last, ok := lastRound[key]; ok {
			is.True(r > last) // a writer's calls are numbered in the order it made them
		}
		lastRound[key] = r
	}
	for _, e := range evs {
		switch e.Type {
		case grouping.EventGroupCreated, grouping.EventGroupUpdated:
			var d grouping.GroupEventData
			is.NoErr(json.Unmarshal(e.Data, &d)) // group event
			if d.Previous != nil {
				is.Equal(d.Previous.Name, groupName[d.Group.ID]) // the previous state is what came before
			}
			groupName[d.Group.ID] = d.Group.Name
			order("group", d.Group.Name)
		case grouping.EventChannelCreated, grouping.EventChannelUpdated:
			var d grouping.ChannelEventData
			is.NoErr(json.Unmarshal(e.Data, &d)) // channel event
			if d.Previous != nil {
				is.Equal(d.Previous.Name, channelName[d.Channel.ID])          // the previous state is what came before
				is.Equal(d.Previous.GroupID, ptr(channelGroup[d.Channel.ID])) // including its group
			}
			channelName[d.Channel.ID] = d.Channel.Name
			order("channel", d.Channel.Name)
		case grouping.EventChannelAssigned, grouping.EventChannelMoved:
			var d grouping.ChannelPlacementData
			is.NoErr(json.Unmarshal(e.Data, &d)) // placement event
			if d.FromGroupID != nil {
				is.Equal(*d.FromGroupID, channelGroup[d.ChannelID]) // it left the group it was in
			}
			channelGroup[d.ChannelID] = d.GroupID
		}
	}
	for w, g := range groups {
		got, err := stores[0].GetGroup(ctx, org.ID, g.ID, grouping.GetGroupOptions{})
		is.NoErr(err)                                          // read the group
		is.Equal(got.Name, groupName[g.ID])                    // the replayed name
		is.Equal(got.Name, fmt.Sprintf("w%d-%d", w, rounds-1)) // its writer's last
	}
	for _, id := range channels {
		got, err := stores[0].GetChannel(ctx, org.ID, id)
		is.NoErr(err)                                // read the channel
		is.Equal(got.Name, channelName[id])          // the replayed name
		is.Equal(got.GroupID, ptr(channelGroup[id])) // the replayed group
	}
	t.Logf("%d events from %d writers on two stores", len(evs), writers)
}

// ptr returns a pointer to id, or nil for uuid.Nil.
func ptr(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// TestConcurrentUpsertsOfANewOrganisation upserts one new organisation from
// many goroutines of two stores at once: exactly one of them creates it,
// and each of the others sees the organisation as it was.
func TestConcurrentUpsertsOfANewOrganisation(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	pgtest.Need(t, testDB)
	schema := newSchemaName()
	stores := []*Store{openOn(t, schema), openOn(t, schema)}
	for range 10 {
		id := uuid.New()
		var wg sync.WaitGroup
		errs := make([]error, 16)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = stores[i%2].UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: fmt.Sprint("name ", i%3)})
			})
		}
		wg.Wait()
		for _, err := range errs {
			is.NoErr(err) // every upsert succeeded
		}
		evs := allEvents(t, stores[0], grouping.OrganisationOf(id))
		is.True(len(evs) >= 1)                                   // at least the creation
		is.Equal(evs[0].Type, grouping.EventOrganisationCreated) // first the creation
		name := ""
		for i, e := range evs {
			var d grouping.OrganisationEventData
			is.NoErr(json.Unmarshal(e.Data, &d)) // organisation event
			if i > 0 {
				is.Equal(e.Type, grouping.EventOrganisationRenamed) // then only renames
				is.Equal(*d.PreviousName, name)                     // from the name before
			}
			name = d.Organisation.Name
		}
	}
}

// TestWatchListensAgainAfterItsConnectionIsKilled kills the backend of the
// watch's connection: the watch connects again, calls changed, and hears
// commits again.
func TestWatchListensAgainAfterItsConnectionIsKilled(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	other := openOn(t, s.Schema())
	changed := make(chan struct{}, 1)
	watchCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s.d.Watch(watchCtx, func() {
			select {
			case changed <- struct{}{}:
			default:
			}
		})
	}()
	defer func() { stop(); <-stopped }()
	wait := func(what string) {
		t.Helper()
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("changed was not called: %s", what)
		}
	}

	wait("once listening")
	pid := s.d.watch.pid.Load()
	is.True(pid != 0) // a backend listens
	_, err := other.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // another store commits
	wait("after a commit")

	conn := connectTo(t)
	var killed bool
	is.NoErr(conn.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&killed)) // kill the listening backend
	is.True(killed)                                                                           // it was there
	wait("after listening again")
	is.True(s.d.watch.pid.Load() != pid) // on a new connection
	is.True(s.d.watch.pid.Load() != 0)   // that listens

	_, err = other.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // another commit
	wait("after a commit on the new connection")

	stop()
	<-stopped
	is.Equal(s.d.watch.pid.Load(), uint32(0)) // the watch let go of its connection
}

// connectTo opens a plain connection to the test database.
func connectTo(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), testDB.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPollingWithoutListenNotify runs two stores with LISTEN/NOTIFY off:
// their writes notify nothing, and a reader of one learns of the other's
// commits by polling.
func TestPollingWithoutListenNotify(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	pgtest.Need(t, testDB)
	schema := newSchemaName()
	a := openOn(t, schema, WithListenNotify(false), WithEventPoll(20*time.Millisecond))
	b := openOn(t, schema, WithListenNotify(false))
	notifying := openOn(t, schema)

	conn := connectTo(t)
	_, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{notifyChannel(schema)}.Sanitize())
	is.NoErr(err) // listen as a store would

	org, err := b.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // a write of a store without NOTIFY
	p, err := a.WaitEvents(ctx, grouping.OrganisationOf(org.ID), 0, 0)
	is.NoErr(err)              // the other store's reader polls
	is.Equal(len(p.Events), 1) // and finds the event
	waiting := make(chan error, 1)
	go func() {
		_, err := a.WaitEvents(ctx, grouping.OrganisationOf(org.ID), 1, 0)
		waiting <- err
	}()
	_, err = b.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Sales"})
	is.NoErr(err) // another write
	committed := time.Now()
	is.NoErr(<-waiting)                                        // found by polling
	is.True(time.Since(committed) < engine.DefaultEventPoll/2) // at the interval given, not the default

	marker := uuid.New()
	_, err = notifying.UpsertOrganisation(ctx, grouping.Organisation{ID: marker, Name: "Marker"})
	is.NoErr(err) // a write of a store with NOTIFY
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n, err := conn.WaitForNotification(waitCtx)
	is.NoErr(err)                                                 // a notification came
	is.Equal(n.Payload, grouping.OrganisationOf(marker).String()) // the first is the notifying store's: the others sent none
}

// TestPruneEvents prunes the events of several tenants, checking each rule
// of driver.PruneQuery with the numbers that remain.
func TestPruneEvents(t *testing.T) {
	ctx := t.Context()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	minute := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	type consumer struct {
		pos    int64
		active bool
	}
	for _, tc := range []struct {
		name      string
		times     []int // the minute of each event
		consumers []consumer
		q         driver.PruneQuery
		removed   int64
		remain    []int64
	}{
		{"by age", []int{0, 1, 2, 3}, nil, driver.PruneQuery{Before: minute(2), Limit: 100}, 2, []int64{3, 4}},
		{"by number", []int{0, 1, 2, 3}, nil, driver.PruneQuery{Keep: 1, Limit: 100}, 3, []int64{4}},
		{"by age or number", []int{0, 5, 1, 6}, nil, driver.PruneQuery{Before: minute(2), Keep: 3, Limit: 100}, 1, []int64{2, 3, 4}},
		{"all old", []int{0, 5, 1, 6}, nil, driver.PruneQuery{Before: minute(10), Limit: 100}, 4, nil},
		{"an old event after a newer one stays", []int{0, 5, 1, 6}, nil, driver.PruneQuery{Before: minute(2), Limit: 100}, 1, []int64{2, 3, 4}},
		{"at most the limit, oldest first", []int{0, 1, 2, 3}, nil, driver.PruneQuery{Before: minute(9), Limit: 3}, 3, []int64{4}},
		{"held by an active consumer", []int{0, 1, 2, 3}, []consumer{{2, true}, {3, true}}, driver.PruneQuery{Before: minute(9), Limit: 100}, 2, []int64{3, 4}},
		{"an inactive consumer holds nothing", []int{0, 1, 2, 3}, []consumer{{0, false}}, driver.PruneQuery{Keep: 1, Limit: 100}, 3, []int64{4}},
		{"a consumer at 0 holds everything", []int{0, 1, 2, 3}, []consumer{{0, true}}, driver.PruneQuery{Keep: 1, Limit: 100}, 0, []int64{1, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			d := openTestStore(t).d
			tenant := grouping.OrganisationOf(uuid.New())
			bystander := grouping.WorkspaceOf(uuid.New())
			addEvents(t, d, bystander, minute(100), `{}`)
			for _, m := range tc.times {
				addEvents(t, d, tenant, minute(m), `{}`)
			}
			var removed int64
			err := d.Write(ctx, func(tx driver.Tx) error {
				for i, c := range tc.consumers {
					err := tx.PutEventConsumer(ctx, grouping.EventConsumer{Name: fmt.Sprint("c", i), Tenant: tenant, Position: c.pos, Active: c.active, UpdatedAt: base})
					if err != nil {
						return err
					}
				}
				var err error
				removed, err = tx.PruneEvents(ctx, tc.q)
				return err
			})
			is.NoErr(err)                                                       // prune
			is.Equal(removed, tc.removed)                                       // as many as the rules allow
			is.Equal(sequences(mustEvents(t, d, tenant)), orEmpty64(tc.remain)) // the newest remain
			is.Equal(len(mustEvents(t, d, bystander)), 1)                       // the other tenant's new event stays
			next := addEvents(t, d, tenant, minute(200), `{}`)
			is.Equal(next[0].Sequence, int64(len(tc.times)+1)) // numbers are not handed out again
		})
	}
}

func orEmpty64(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

// mustEvents reads all events of a tenant from the driver.
func mustEvents(t *testing.T, d *pgDriver, tenant grouping.Tenant) []grouping.Event {
	t.Helper()
	evs, err := d.Events(t.Context(), driver.EventsQuery{Tenant: tenant, Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestPruneGoesRoundTheTenants prunes many tenants in small batches, as the
// engine does: each batch goes on from the tenant where the previous one
// stopped, every tenant is pruned, and the last batch removes fewer than
// its limit.
func TestPruneGoesRoundTheTenants(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	d := s.d
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var tenants []grouping.Tenant
	for i := range 20 {
		tn := grouping.OrganisationOf(uuid.New())
		if i%2 == 1 {
			tn = grouping.WorkspaceOf(tn.ID)
		}
		tenants = append(tenants, tn)
		addEvents(t, d, tn, old, `{}`, `{}`, `{}`)
		addEvents(t, d, tn, time.Now(), `{}`)
	}
	var batches []int64
	for {
		var n int64
		err := d.Write(ctx, func(tx driver.Tx) error {
			var err error
			n, err = tx.PruneEvents(ctx, driver.PruneQuery{Before: old.Add(time.Hour), Limit: 7})
			return err
		})
		is.NoErr(err) // prune a batch
		batches = append(batches, n)
		if n < 7 {
			break
		}
		is.True(len(batches) < 20) // the batches end
	}
	t.Log("batches:", batches)
	var total int64
	for _, n := range batches {
		total += n
	}
	is.Equal(total, int64(60)) // every old event, once
	sort.Slice(tenants, func(i, j int) bool { return tenantLess(tenants[i], tenants[j]) })
	for _, tn := range tenants {
		is.Equal(sequences(mustEvents(t, d, tn)), []int64{4}) // each tenant keeps its new event
	}
	n, err := s.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
	is.NoErr(err)         // through the engine
	is.Equal(n, int64(0)) // nothing more to remove
}

// TestPruneWaitsForAConsumerBeingSaved holds a transaction that activates a
// consumer: a pruning of its tenant waits for it, then respects it.
func TestPruneWaitsForAConsumerBeingSaved(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	d := s.d
	tenant := grouping.OrganisationOf(uuid.New())
	addEvents(t, d, tenant, time.Now(), `{}`, `{}`, `{}`, `{}`)
	is.NoErr(s.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "hook", Tenant: tenant, Position: 1, Active: false})) // an inactive consumer

	saved, release := make(chan struct{}), make(chan struct{})
	saving := make(chan error, 1)
	go func() {
		saving <- d.Write(ctx, func(tx driver.Tx) error {
			err := tx.PutEventConsumer(ctx, grouping.EventConsumer{Name: "hook", Tenant: tenant, Position: 1, Active: true, UpdatedAt: time.Now()})
			close(saved)
			<-release
			return err
		})
	}()
	<-saved
	pruned := make(chan int64, 1)
	go func() {
		n, err := s.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
		if err != nil {
			t.Error(err)
		}
		pruned <- n
	}()
	waitForLockWait(t, d)
	close(release)
	is.NoErr(<-saving)                                              // the consumer is active
	is.Equal(<-pruned, int64(1))                                    // only the event it has handled went
	is.Equal(sequences(mustEvents(t, d, tenant)), []int64{2, 3, 4}) // the others stay
}

// TestNotifyChannel checks the channel names: readable when they fit,
// hashed when not, and never longer than PostgreSQL allows.
func TestNotifyChannel(t *testing.T) {
	is := is.New(t)
	is.Equal(notifyChannel("grouping"), "grouping.events") // readable
	long := notifyChannel(string(make([]byte, 100)))
	is.True(len(long) <= maxChannelLen)                                   // fits
	is.True(long != notifyChannel(string(make([]byte, 101))))             // differs per schema
	is.Equal(len(notifyChannel(string(make([]byte, 56)))), maxChannelLen) // the longest readable name fits exactly
}

// TestDeferredAppend checks the append that goes to the server with the
// transaction's next statement or with COMMIT: reads later in the
// transaction see the events, a rollback leaves nothing, the events are
// numbered once the statement has come back, and an append committed by
// another transaction meanwhile is numbered first.
func TestDeferredAppend(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	d := s.d
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // event 1
	tenant := grouping.OrganisationOf(org.ID)
	event := func() []grouping.Event {
		return []grouping.Event{{ID: uuid.New(), Type: grouping.EventGroupsReordered, Time: time.Now(), Data: []byte(`{"group_ids":[]}`)}}
	}

	evs := event()
	err = d.Write(ctx, func(tx driver.Tx) error {
		if _, _, err := tx.GroupIDs(ctx, org.ID); err != nil { // takes the lock
			return err
		}
		if err := tx.AppendEvents(ctx, tenant, evs); err != nil {
			return err
		}
		is.True(len(tx.(*pgTx).tx.deferred) == 1) // the statement waits
		is.Equal(evs[0].Sequence, int64(0))       // and so does its number
		got, err := tx.Events(ctx, driver.EventsQuery{Tenant: tenant, Limit: 10})
		if err != nil {
			return err
		}
		is.Equal(sequences(got), []int64{1, 2}) // the transaction reads its own events
		is.Equal(evs[0].Sequence, int64(2))     // numbered once the statement came back
		return errors.New("roll back")
	})
	is.True(err != nil)                                       // rolled back
	is.Equal(sequences(mustEvents(t, d, tenant)), []int64{1}) // nothing remains

	evs = event()
	err = d.Write(ctx, func(tx driver.Tx) error {
		if _, _, err := tx.GroupIDs(ctx, org.ID); err != nil {
			return err
		}
		addEvents(t, d, tenant, time.Now(), `{}`) // another transaction appends without the lock
		return tx.AppendEvents(ctx, tenant, evs)
	})
	is.NoErr(err)                                                   // the commit appends
	is.Equal(evs[0].Sequence, int64(3))                             // after the other append
	is.Equal(sequences(mustEvents(t, d, tenant)), []int64{1, 2, 3}) // gapless
}

// roundTrips counts the statements and batches a store sends, each one
// round trip once its statements are prepared.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// openCounting opens a store on a new schema with one connection, whose
// round trips rt counts, and without LISTEN/NOTIFY, whose notifications
// would be counted whenever they happen to be sent.
func openCounting(t *testing.T) (*Store, *roundTrips) {
	t.Helper()
	rt := &roundTrips{}
	s := openTestStore(t)
	return openOn(t, s.Schema(), WithMaxConns(1), WithListenNotify(false), WithPoolConfig(func(c *pgxpool.Config) { c.ConnConfig.Tracer = rt })), rt
}

// TestWriteRoundTrips counts the round trips of writes that append events:
// BEGIN goes with the first statement, and the writes whose results the
// engine does not wait for and the events with COMMIT. The store
// sends no notifications, which go after the commit, off the write's path,
// and would be counted whenever they happen to be sent.
func TestWriteRoundTrips(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s, rt := openCounting(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // create organisation
	var groups [2]grouping.Group
	for i := range groups {
		groups[i], err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		is.NoErr(err) // create group
	}
	ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: "general", OwnerID: uuid.New()})
	is.NoErr(err)      // create channel
	for i := range 8 { // every statement prepared on the one connection
		is.NoErr(s.MoveChannel(ctx, org.ID, groups[i%2].ID, ch.ID)) // move
		_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org.ID, Name: fmt.Sprint("Acme ", i)})
		is.NoErr(err) // rename
	}
	before := rt.n.Load()
	is.NoErr(s.MoveChannel(ctx, org.ID, groups[0].ID, ch.ID)) // move with an event
	is.Equal(rt.n.Load()-before, int64(2))                    // lock and facts; update, events and commit
	before = rt.n.Load()
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: org.ID, Name: "Acme plc"})
	is.NoErr(err)                          // rename with an event
	is.Equal(rt.n.Load()-before, int64(1)) // the organisation known: rename, events and commit
	before = rt.n.Load()
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: org.ID, Name: "Acme plc"})
	is.NoErr(err)                          // the same name: no event
	is.Equal(rt.n.Load()-before, int64(1)) // rename and commit
	before = rt.n.Load()
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Globex"})
	is.NoErr(err)                          // a new organisation, not known
	is.Equal(rt.n.Load()-before, int64(2)) // insert and rename; events and commit
	before = rt.n.Load()
	err = s.MoveChannel(ctx, uuid.New(), groups[0].ID, ch.ID)
	is.Equal(grouping.ErrorCode(err), grouping.NotFound) // an unknown organisation
	is.Equal(rt.n.Load()-before, int64(2))               // lock and facts, rollback
	for i := range 2 {                                   // the statements of groups prepared
		g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("temporary ", i)})
		is.NoErr(err)                                 // create a group
		is.NoErr(s.DeleteGroup(ctx, org.ID, g.ID, 0)) // delete it
	}
	before = rt.n.Load()
	g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Support"})
	is.NoErr(err)                          // create a group
	is.Equal(rt.n.Load()-before, int64(2)) // lock and facts; insert, events and commit
	before = rt.n.Load()
	is.NoErr(s.DeleteGroup(ctx, org.ID, g.ID, 0)) // delete it
	is.Equal(rt.n.Load()-before, int64(2))        // lock and facts; ungroup, delete, events and commit
	ws := uuid.New()
	accounts := []grouping.ChannelGroupAttach{{PlatformID: "p", PlatformGroupID: "a"}, {PlatformID: "p", PlatformGroupID: "b"}}
	for i := range 4 { // the channel groups made and the statements prepared
		_, err := s.AttachChannel(ctx, ws, ch.ID, accounts[i%2])
		is.NoErr(err) // attach
	}
	before = rt.n.Load()
	_, err = s.AttachChannel(ctx, ws, ch.ID, accounts[0])
	is.NoErr(err)                          // move the channel to the other channel group
	is.Equal(rt.n.Load()-before, int64(2)) // lock and facts with the account's channels; unlink, touch, link, rename, events and commit
	user := uuid.New()
	for range 2 { // the member statements prepared
		is.NoErr(s.AddChannelMember(ctx, org.ID, ch.ID, user))    // add a member
		is.NoErr(s.RemoveChannelMember(ctx, org.ID, ch.ID, user)) // remove it
	}
	before = rt.n.Load()
	is.NoErr(s.AddChannelMember(ctx, org.ID, ch.ID, user)) // add a member
	is.Equal(rt.n.Load()-before, int64(2))                 // lock and conditional insert; events and commit
	got, err := s.GetChannel(ctx, org.ID, ch.ID)
	is.NoErr(err)                          // read the channel
	is.Equal(got.Users, []uuid.UUID{user}) // the user is its member
	is.Equal(got.UserCount, 1)             // and counted
	before = rt.n.Load()
	is.NoErr(s.AddChannelMember(ctx, org.ID, ch.ID, user)) // add again
	is.Equal(rt.n.Load()-before, int64(4))                 // lock and conditional insert; facts; insert; commit
	before = rt.n.Load()
	is.NoErr(s.RemoveChannelMember(ctx, org.ID, ch.ID, user)) // remove it
	is.Equal(rt.n.Load()-before, int64(2))                    // lock and conditional delete; events and commit
	got, err = s.GetChannel(ctx, org.ID, ch.ID)
	is.NoErr(err)               // read the channel
	is.Equal(len(got.Users), 0) // no member left
	is.Equal(got.UserCount, 0)  // and none counted
	before = rt.n.Load()
	err = s.RemoveChannelMember(ctx, org.ID, ch.ID, user)
	is.Equal(grouping.ErrorCode(err), grouping.NotFound) // not a member
	is.Equal(rt.n.Load()-before, int64(4))               // lock and conditional delete; facts; delete; rollback
}

// TestAppendOneAndMany appends one event, then three, so that both
// statements run (one with plain parameters, one with arrays): each event
// is numbered in turn and stored as given, an event without data as the
// JSON null.
func TestAppendOneAndMany(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := openTestStore(t).d
	tenant := grouping.WorkspaceOf(uuid.New())
	event := func(data string) grouping.Event {
		e := grouping.Event{ID: uuid.New(), Type: grouping.EventGroupsReordered, Time: time.Now().UTC().Truncate(time.Microsecond)}
		if data != "" {
			e.Data = []byte(data)
		}
		return e
	}
	batches := [][]grouping.Event{
		{event("")},
		{event(`{"a":1}`), event(""), event(`{"c":3}`)},
		{event(`{"d":4}`)},
	}
	for _, evs := range batches {
		is.NoErr(d.Write(ctx, func(tx driver.Tx) error { return tx.AppendEvents(ctx, tenant, evs) })) // appended
	}
	got := mustEvents(t, d, tenant)
	is.Equal(sequences(got), []int64{1, 2, 3, 4, 5}) // numbered in turn, across both statements
	var want []grouping.Event
	for _, evs := range batches {
		want = append(want, evs...)
	}
	for i, e := range got {
		data := string(want[i].Data)
		if data == "" {
			data = "null"
		}
		is.Equal(e.ID, want[i].ID)          // the event's own ID
		is.Equal(string(e.Data), data)      // its data as given, or null
		is.True(e.Time.Equal(want[i].Time)) // its time
	}
}
