package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// at is a time in whole milliseconds, UTC, as the engine writes times.
func at(ms int64) time.Time { return time.UnixMilli(1_735_689_600_000 + ms).UTC() }

// newEvent returns an event as the engine builds one, before AppendEvents.
func newEvent(typ string, ms int64, data string) grouping.Event {
	return grouping.Event{ID: uuid.New(), Type: grouping.EventType(typ), Time: at(ms), Data: json.RawMessage(data)}
}

// appendEvents appends events to the tenant in one transaction of d and
// returns them as AppendEvents left them.
func appendEvents(t testing.TB, d driver.Driver, tenant grouping.Tenant, evs ...grouping.Event) []grouping.Event {
	t.Helper()
	err := d.Write(t.Context(), func(tx driver.Tx) error { return tx.AppendEvents(t.Context(), tenant, evs) })
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// allEvents reads every event of the tenant from r, in pages of 7.
func allEvents(t testing.TB, r driver.Reader, tenant grouping.Tenant) []grouping.Event {
	t.Helper()
	var all []grouping.Event
	after := int64(0)
	for {
		evs, err := r.Events(t.Context(), driver.EventsQuery{Tenant: tenant, After: after, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, evs...)
		if len(evs) < 7 {
			return all
		}
		after = evs[len(evs)-1].Sequence
	}
}

// sameEvent reports whether two events are equal in every field, their
// data byte for byte.
func sameEvent(a, b grouping.Event) bool {
	return a.ID == b.ID && a.Tenant == b.Tenant && a.Sequence == b.Sequence && a.Type == b.Type &&
		a.Time.Equal(b.Time) && a.Time.Location() == b.Time.Location() && bytes.Equal(a.Data, b.Data)
}

func TestEventsKeepTheirDataByteForByte(t *testing.T) {
	is := is.New(t)
	d := openTestStore(t).d
	org := grouping.OrganisationOf(uuid.New())
	odd := []string{
		`{"a": 1,  "b" : [ 1 , 2 ]}`,                     // spaces JSON does not need
		`{"html":"\u003ca\u003e","e":"é\u00e9"}`,         // escapes as encoding/json writes them, and raw UTF-8
		`{"n":1.50e+2,"z":-0.0}`,                         // numbers as written, not as a parser would print them
		`{"big":"` + strings.Repeat("x", 100_000) + `"}`, // larger than a page
		`null`,
	}
	one := appendEvents(t, d, org, newEvent("group.created", 1, odd[0]))
	is.Equal(one[0].Sequence, int64(1)) // the first event of a tenant is number 1
	is.Equal(one[0].Tenant, org)        // AppendEvents sets the tenant
	var many []grouping.Event
	for i, data := range odd[1:] {
		many = append(many, newEvent(fmt.Sprint("type.", i), int64(2+i), data))
	}
	many = appendEvents(t, d, org, many...) // several at once: the statement for many events
	for i, e := range many {
		is.Equal(e.Sequence, int64(2+i)) // numbered in order after the first
	}
	got := allEvents(t, d, org)
	is.Equal(len(got), len(odd)) // every event is there
	for i, e := range append(one, many...) {
		is.True(sameEvent(got[i], e))         // read back exactly as appended
		is.Equal(string(got[i].Data), odd[i]) // data byte for byte
	}
	got[0].Data = append(got[0].Data, "tail"...)
	is.Equal(string(got[1].Data), odd[1]) // each event's data is its own: appending to one leaves the next alone

	none := appendEvents(t, d, org, grouping.Event{ID: uuid.New(), Type: "empty", Time: at(8)})
	is.Equal(none[0].Sequence, int64(len(odd)+1)) // an event without data is stored too
	appendEvents(t, d, org, grouping.Event{ID: uuid.New(), Type: "empty", Time: at(8)}, newEvent("full", 8, `{}`))
	got = allEvents(t, d, org)
	is.Equal(len(got), len(odd)+3)               // with several at once as well
	is.Equal(len(got[len(odd)].Data), 0)         // read back without data
	is.Equal(len(got[len(odd)+1].Data), 0)       // both ways
	is.Equal(string(got[len(odd)+2].Data), `{}`) // and the event after it keeps its own

	other := grouping.WorkspaceOf(org.ID) // same ID, other kind: another tenant
	evs := appendEvents(t, d, other, newEvent("channelGroup.attached", 9, `{}`))
	is.Equal(evs[0].Sequence, int64(1))             // its own numbering
	is.Equal(len(allEvents(t, d, other)), 1)        // and its own events
	is.Equal(len(allEvents(t, d, org)), len(odd)+3) // the organisation's are unchanged
}

func TestAppendEventsInTheTransactionThatWritesThem(t *testing.T) {
	is := is.New(t)
	d := openTestStore(t).d
	ws := grouping.WorkspaceOf(uuid.New())
	errRollBack := errors.New("roll back")
	err := d.Write(t.Context(), func(tx driver.Tx) error {
		evs := []grouping.Event{newEvent("a", 1, `1`), newEvent("b", 1, `2`)}
		is.NoErr(tx.AppendEvents(t.Context(), ws, evs)) // append
		got, err := tx.Events(t.Context(), driver.EventsQuery{Tenant: ws, Limit: 10})
		is.NoErr(err)         // read inside the transaction
		is.Equal(len(got), 2) // the transaction sees its own events
		return errRollBack
	})
	is.True(errors.Is(err, errRollBack))  // the transaction failed
	is.Equal(len(allEvents(t, d, ws)), 0) // and left no event
	evs := appendEvents(t, d, ws, newEvent("c", 2, `3`))
	is.Equal(evs[0].Sequence, int64(1)) // nor a used number
}

func TestAppendAThousandEventsAtOnce(t *testing.T) {
	is := is.New(t)
	d := openTestStore(t).d
	org := grouping.OrganisationOf(uuid.New())
	appendEvents(t, d, org, newEvent("first", 0, `{}`))
	evs := make([]grouping.Event, 1000)
	for i := range evs {
		evs[i] = newEvent("channel.assigned", int64(i%3), fmt.Sprintf(`{"i":%d}`, i))
	}
	appendEvents(t, d, org, evs...)
	got := allEvents(t, d, org)
	is.Equal(len(got), 1001) // all of them
	for i, e := range got[1:] {
		is.True(sameEvent(e, evs[i]))    // each as appended
		is.Equal(e.Sequence, int64(i+2)) // in order, after the first
	}
}

// TestPruneMatchesMemstore runs the same random appends, consumers and
// prunings on this driver and on memstore's, the model, and compares the
// events left once each pruning has gone as far as it can.
func TestPruneMatchesMemstore(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			is := is.New(t)
			ctx := t.Context()
			rng := rand.New(rand.NewPCG(seed, 7))
			d, model := driver.Driver(openTestStore(t).d), memstore.NewDriver()
			t.Cleanup(func() { model.Close() })
			var tenants []grouping.Tenant
			for range 5 {
				tenants = append(tenants, grouping.OrganisationOf(uuid.New()), grouping.WorkspaceOf(uuid.New()))
			}
			both := func(fn func(tx driver.Tx) error) {
				t.Helper()
				is.NoErr(d.Write(ctx, fn))     // this driver
				is.NoErr(model.Write(ctx, fn)) // the model
			}
			clock := int64(0)
			for range 60 {
				tenant := tenants[rng.IntN(len(tenants))]
				switch rng.IntN(6) {
				case 0, 1, 2: // append; now and then a clock that went back
					var evs []grouping.Event
					for range 1 + rng.IntN(4) {
						clock += int64(rng.IntN(3))
						ms := clock
						if rng.IntN(10) == 0 {
							ms -= 5
						}
						evs = append(evs, newEvent("t", ms, fmt.Sprint(clock)))
					}
					both(func(tx driver.Tx) error {
						return tx.AppendEvents(ctx, tenant, append([]grouping.Event(nil), evs...))
					})
				case 3: // a consumer
					c := grouping.EventConsumer{Name: fmt.Sprint("c", rng.IntN(2)), Tenant: tenant,
						Position: int64(rng.IntN(12)), Active: rng.IntN(3) > 0, UpdatedAt: at(clock)}
					both(func(tx driver.Tx) error { return tx.PutEventConsumer(ctx, c) })
				case 4:
					name := fmt.Sprint("c", rng.IntN(2))
					both(func(tx driver.Tx) error { _, err := tx.DeleteEventConsumer(ctx, name, tenant); return err })
				case 5: // prune until nothing more goes
					q := driver.PruneQuery{Keep: rng.IntN(5), Limit: 1 + rng.IntN(6)}
					if rng.IntN(2) == 0 {
						q.Before = at(clock - int64(rng.IntN(8)))
					}
					for _, dr := range []driver.Driver{d, model} {
						for {
							var n int64
							is.NoErr(dr.Write(ctx, func(tx driver.Tx) (err error) { n, err = tx.PruneEvents(ctx, q); return err })) // prune
							is.True(n <= int64(q.Limit))                                                                            // never more than the limit
							if n < int64(q.Limit) {
								break
							}
						}
					}
				}
				for _, tenant := range tenants {
					got, want := allEvents(t, d, tenant), allEvents(t, model, tenant)
					is.Equal(len(got), len(want)) // the same events are left
					for i := range got {
						is.True(sameEvent(got[i], want[i])) // the same events, as stored
					}
				}
			}
		})
	}
}

func TestPruneNeverHandsANumberOutAgain(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := openTestStore(t).d
	org := grouping.OrganisationOf(uuid.New())
	appendEvents(t, d, org, newEvent("a", 1, `1`), newEvent("b", 2, `2`), newEvent("c", 3, `3`))
	var n int64
	is.NoErr(d.Write(ctx, func(tx driver.Tx) (err error) {
		n, err = tx.PruneEvents(ctx, driver.PruneQuery{Before: at(100), Limit: 10})
		return err
	})) // prune everything
	is.Equal(n, int64(3))                  // every event was old enough
	is.Equal(len(allEvents(t, d, org)), 0) // none is left
	evs := appendEvents(t, d, org, newEvent("d", 101, `4`))
	is.Equal(evs[0].Sequence, int64(4)) // numbering goes on after the pruned events
	var pruned int64
	is.NoErr(d.reader.QueryRowContext(ctx, `SELECT pruned_seq FROM event_tenants WHERE tenant_id = ?`, org.ID.String()).Scan(&pruned)) // read the record
	is.Equal(pruned, int64(3))                                                                                                         // the tenant's record says how far it was pruned
}

// TestPruneGoesRoundTheTenants prunes many tenants a few events at a time,
// as the engine does with a backlog: every call removes as many as it may,
// and together they remove everything that may go.
func TestPruneGoesRoundTheTenants(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := openTestStore(t).d
	const tenants, each = 20, 5
	for i := range tenants {
		tenant := grouping.OrganisationOf(uuid.New())
		if i%2 == 1 {
			tenant = grouping.WorkspaceOf(uuid.New())
		}
		var evs []grouping.Event
		for j := range each {
			evs = append(evs, newEvent("t", int64(j), `{}`))
		}
		appendEvents(t, d, tenant, evs...)
	}
	const limit = 7
	var total int64
	calls := 0
	for {
		var n int64
		is.NoErr(d.Write(ctx, func(tx driver.Tx) (err error) {
			n, err = tx.PruneEvents(ctx, driver.PruneQuery{Keep: 1, Limit: limit})
			return err
		})) // prune a batch
		calls++
		total += n
		if n < limit {
			break
		}
		is.Equal(n, int64(limit)) // a batch that is not the last is full
	}
	is.Equal(total, int64(tenants*(each-1)))  // every tenant keeps its newest event only
	is.Equal(calls, tenants*(each-1)/limit+1) // in as few calls as the limit allows
	is.Equal(d.pruneFrom, int64(0))           // the last call went round to the start
	var left int
	is.NoErr(d.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&left)) // count
	is.Equal(left, tenants)                                                            // one event per tenant
}

func TestEventConsumersRoundTrip(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := openTestStore(t).d
	ws := grouping.WorkspaceOf(uuid.New())
	c := grouping.EventConsumer{Name: "hook ✓", Tenant: ws, Position: 42, Active: true, UpdatedAt: at(5)}
	is.NoErr(d.Write(ctx, func(tx driver.Tx) error { return tx.PutEventConsumer(ctx, c) })) // save
	got, err := d.EventConsumer(ctx, c.Name, ws)
	is.NoErr(err)     // read
	is.Equal(*got, c) // as saved
	c.Active, c.Position, c.UpdatedAt = false, 43, at(6)
	is.NoErr(d.Write(ctx, func(tx driver.Tx) error { return tx.PutEventConsumer(ctx, c) })) // overwrite
	got, err = d.EventConsumer(ctx, c.Name, ws)
	is.NoErr(err)     // read again
	is.Equal(*got, c) // overwritten
	missing, err := d.EventConsumer(ctx, c.Name, grouping.OrganisationOf(ws.ID))
	is.NoErr(err)           // read another tenant's
	is.True(missing == nil) // none there
	var deleted, again bool
	is.NoErr(d.Write(ctx, func(tx driver.Tx) (err error) {
		if deleted, err = tx.DeleteEventConsumer(ctx, c.Name, ws); err != nil {
			return err
		}
		again, err = tx.DeleteEventConsumer(ctx, c.Name, ws)
		return err
	})) // delete twice
	is.True(deleted) // the first delete found it
	is.True(!again)  // the second found nothing
}

// faultyDriver fails the write transactions that append events, after the
// events were appended, while fail is set.
type faultyDriver struct {
	driver.Driver
	fail bool
}

var errInjected = errors.New("injected failure")

func (f *faultyDriver) Write(ctx context.Context, fn func(driver.Tx) error) error {
	return f.Driver.Write(ctx, func(tx driver.Tx) error { return fn(&faultyTx{Tx: tx, f: f}) })
}

type faultyTx struct {
	driver.Tx
	f *faultyDriver
}

func (t *faultyTx) AppendEvents(ctx context.Context, tenant grouping.Tenant, evs []grouping.Event) error {
	if err := t.Tx.AppendEvents(ctx, tenant, evs); err != nil {
		return err
	}
	if t.f.fail {
		return errInjected
	}
	return nil
}

// TestFailedWritesLeaveNoEvent fails writes in three ways, a rule, the
// driver after appending, and the database refusing the event, and checks
// that each leaves no event and takes no sequence number.
func TestFailedWritesLeaveNoEvent(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // event 1
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Sales"})
	is.NoErr(err) // event 2
	tenant := grouping.OrganisationOf(org.ID)
	next := func(name string) int64 {
		t.Helper()
		g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: name})
		is.NoErr(err) // a write that succeeds
		page, err := s.Events(ctx, tenant, 0, grouping.MaxEventLimit)
		is.NoErr(err) // read the events
		last := page.Events[len(page.Events)-1]
		is.Equal(last.Type, grouping.EventGroupCreated)             // its event is the last
		is.True(strings.Contains(string(last.Data), g.ID.String())) // and is about it
		return last.Sequence
	}

	// A rule refuses the write.
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: " SALES "})
	is.Equal(grouping.ErrorCode(err), grouping.Conflict) // a taken name
	is.Equal(next("a"), int64(3))                        // the next event follows without a gap

	// The driver fails after appending the events.
	faulty := &faultyDriver{Driver: s.d, fail: true}
	withFault := engine.New(faulty)
	_, err = withFault.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "lost"})
	is.True(errors.Is(err, errInjected)) // the injected failure comes back
	is.Equal(next("b"), int64(4))        // no event, no number taken

	// The database refuses the event itself.
	_, err = s.d.w.conn.ExecContext(ctx, `CREATE TEMP TRIGGER refuse_events BEFORE INSERT ON main.events
		BEGIN SELECT RAISE(ABORT, 'no events today'); END`)
	is.NoErr(err) // install the fault on the writer connection
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "refused"})
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // the write fails
	_, err = s.d.w.conn.ExecContext(ctx, `DROP TRIGGER temp.refuse_events`)
	is.NoErr(err) // remove the fault
	page, err := s.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err)                 // list the groups
	is.Equal(len(page.Items), 3)  // the group of the refused event was not created either
	is.Equal(next("c"), int64(5)) // and no number was taken
}

// TestOrderedFactsNeedNoSort checks that the facts returned in an order,
// and the events, come from an index in that order rather than a sort.
func TestOrderedFactsNeedNoSort(t *testing.T) {
	s := openTestStore(t)
	check := func(t *testing.T) {
		for name, q := range map[string]struct {
			st   *statement
			args []any
		}{
			"GroupIDs":        {sqlGroupIDs, []any{sql.Named("org", uuid.New())}},
			"GroupChannelIDs": {sqlGroupChannelIDs, []any{sql.Named("org", uuid.New()), sql.Named("group", uuid.New())}},
			"Events":          {sqlEvents, []any{1, uuid.NewString(), 0, 100}},
		} {
			t.Run(name, func(t *testing.T) {
				is := is.New(t)
				plan := queryPlan(t, s.d.w.conn, q.st.sql, q.args...)
				t.Log(strings.Join(plan, "\n"))
				for _, line := range plan {
					is.True(!strings.Contains(line, "TEMP B-TREE")) // read in index order, not sorted
					is.True(!scansTable(line))                      // and not a whole table
				}
			})
		}
	}
	t.Run("empty", check)
	populate(t, s, 30)
	_, err := s.d.w.conn.ExecContext(t.Context(), "ANALYZE")
	is.New(t).NoErr(err) // gather statistics
	t.Run("analysed", check)
}

// BenchmarkAppendEvents appends events to one tenant of many, each call in
// a write transaction of its own that writes nothing else: the cost events
// add to a write. cache=false forgets the tenants' last sequence numbers
// before each call, as after another process's appends.
func BenchmarkAppendEvents(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 10, 100} {
		for _, cache := range []bool{true, false} {
			if n > 1 && !cache {
				continue // many events always read the sequence
			}
			b.Run(fmt.Sprintf("events=%d/cache=%v", n, cache), func(b *testing.B) {
				d := openTestStore(b).d
				tenants := make([]grouping.Tenant, 50)
				for i := range tenants {
					tenants[i] = grouping.OrganisationOf(uuid.New())
					appendEvents(b, d, tenants[i], newEvent("channel.assigned", 0, `{}`))
				}
				data := json.RawMessage(`{"channel_id":"7e4c2f05-5f4e-4f7e-9a43-2f1d3f0e9b1a","group_id":"0b8f7e1c-2b9f-4f3c-8a51-5d2f6c9e7a40","position":12}`)
				evs := make([]grouping.Event, n)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					for j := range evs {
						evs[j] = grouping.Event{ID: uuid.New(), Type: grouping.EventChannelAssigned, Time: at(int64(i)), Data: data}
					}
					if !cache {
						clear(d.seqs)
					}
					tenant := tenants[i%len(tenants)]
					if err := d.Write(ctx, func(tx driver.Tx) error { return tx.AppendEvents(ctx, tenant, evs) }); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// TestTwoStoresAppendToOneTenant writes the same organisation's events
// from two stores on one file, as two processes would, in turns: each
// store's expectation of the next number goes stale at every turn, and the
// numbers must stay gapless.
func TestTwoStoresAppendToOneTenant(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	a := openTestStore(t)
	b := openAt(t, a.Path())
	org, err := a.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // event 1
	for i := range 10 {
		s := []*Store{a, b}[i%2]
		for j := range 2 {
			_, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint(i, "-", j)})
			is.NoErr(err) // two events from one store, then two from the other
		}
	}
	evs := allEvents(t, b.d, grouping.OrganisationOf(org.ID))
	is.Equal(len(evs), 21) // every event
	for i, e := range evs {
		is.Equal(e.Sequence, int64(i+1)) // gapless, whichever store wrote it
	}
}

// BenchmarkEventsPage reads a page of one tenant's events from the middle
// of 20,000, appended in turns with 9 other tenants' events.
func BenchmarkEventsPage(b *testing.B) {
	ctx := context.Background()
	d := openTestStore(b).d
	tenants := make([]grouping.Tenant, 10)
	for i := range tenants {
		tenants[i] = grouping.OrganisationOf(uuid.New())
	}
	data := json.RawMessage(`{"channel_id":"7e4c2f05-5f4e-4f7e-9a43-2f1d3f0e9b1a","group_id":"0b8f7e1c-2b9f-4f3c-8a51-5d2f6c9e7a40","position":12}`)
	for range 200 {
		for _, tenant := range tenants {
			evs := make([]grouping.Event, 10)
			for j := range evs {
				evs[j] = grouping.Event{ID: uuid.New(), Type: grouping.EventChannelAssigned, Time: at(0), Data: data}
			}
			appendEvents(b, d, tenant, evs...)
		}
	}
	for _, limit := range []int{100, 1000} {
		b.Run(fmt.Sprint("limit=", limit), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				evs, err := d.Events(ctx, driver.EventsQuery{Tenant: tenants[3], After: 500, Limit: limit})
				if err != nil || len(evs) != limit {
					b.Fatal(len(evs), err)
				}
			}
		})
	}
}

// TestManyEventsOutsideTheRecordLayout appends, in one call, events that
// the fixed-width records of a batch cannot hold (a type over 32 bytes, a
// time before 1970) with ordinary ones, and finds every one as written.
func TestManyEventsOutsideTheRecordLayout(t *testing.T) {
	is := is.New(t)
	d := openTestStore(t).d
	tenant := grouping.OrganisationOf(uuid.New())
	long := strings.Repeat("x", 40)
	evs := []grouping.Event{
		newEvent("group.created", 1, `{"a":"é"}`),
		newEvent(long, 2, `{"b":2}`),
		{ID: uuid.New(), Type: "group.updated", Time: time.UnixMilli(-5).UTC(), Data: json.RawMessage(`{"c":3}`)},
		newEvent("group.deleted", 4, ``),
	}
	appendEvents(t, d, tenant, evs...)
	got := allEvents(t, d, tenant)
	is.Equal(len(got), len(evs)) // every event
	for i := range evs {
		is.Equal(got[i].Sequence, int64(i+1))              // numbered in order
		is.Equal(got[i].Type, evs[i].Type)                 // with its type, however long
		is.True(got[i].Time.Equal(evs[i].Time))            // its time, however early
		is.Equal(string(got[i].Data), string(evs[i].Data)) // and its data
	}
	ok := func(evs ...grouping.Event) bool { _, _, ok := eventRows(evs); return ok }
	is.True(ok(evs[0], evs[3]))  // ordinary events fit the records
	is.True(!ok(evs[0], evs[1])) // a long type does not
	is.True(!ok(evs[2]))         // nor a time before 1970
}
