package drivertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

func eventTests() node {
	return set("Events",
		set("AppendEvents",
			leaf("NumbersFromOne", testAppendNumbers),
			leaf("KeepsEveryField", testAppendKeepsFields),
			leaf("DataIsTheDriversOwn", testAppendDataReused),
			leaf("TenantsCountApart", testAppendTenants),
			leaf("RollbackTakesNoNumber", testAppendRollback),
		),
		set("Events",
			leaf("Paging", testEventsPaging),
		),
		set("Consumers",
			leaf("PutGetDelete", testEventConsumers),
		),
		set("PruneEvents",
			leaf("Keep", testPruneKeep),
			leaf("Before", testPruneBefore),
			leaf("Limit", testPruneLimit),
			leaf("ActiveConsumers", testPruneHeld),
			leaf("NumbersAreNotReused", testPruneCounter),
		),
	)
}

// newEvents returns n events as the engine makes them, of type typ at
// times at(first), at(first+1), …
func newEvents(n int, typ grouping.EventType, first int) []grouping.Event {
	evs := make([]grouping.Event, n)
	for i := range evs {
		evs[i] = grouping.Event{
			ID:   uuid.New(),
			Type: typ,
			Time: at(first + i),
			Data: json.RawMessage(fmt.Sprintf(`{"n":%d, "text":"é \"q\""}`, first+i)),
		}
	}
	return evs
}

// appendEvents appends evs to the tenant in tx and returns them as
// numbered.
func appendEvents(t *testing.T, tx driver.Tx, tenant grouping.Tenant, evs []grouping.Event) []grouping.Event {
	t.Helper()
	is := is.New(t)
	is.Helper()
	is.NoErr(tx.AppendEvents(t.Context(), tenant, evs)) // append events
	return evs
}

// readEvents reads every event of the tenant after after.
func readEvents(t *testing.T, r driver.Reader, tenant grouping.Tenant, after int64) []grouping.Event {
	t.Helper()
	is := is.New(t)
	is.Helper()
	evs, err := r.Events(t.Context(), driver.EventsQuery{Tenant: tenant, After: after, Limit: 1000})
	is.NoErr(err) // read events
	return evs
}

func sequences(evs []grouping.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Sequence
	}
	return out
}

func testAppendNumbers(t *testing.T, d driver.Driver) {
	is := is.New(t)
	tenant := grouping.OrganisationOf(uuid.New())
	var first, second []grouping.Event
	written(t, d, func(tx driver.Tx) {
		first = appendEvents(t, tx, tenant, newEvents(2, grouping.EventGroupCreated, 0))
		second = appendEvents(t, tx, tenant, newEvents(1, grouping.EventGroupUpdated, 2))
	}, func(r driver.Reader) {
		is.Equal(sequences(readEvents(t, r, tenant, 0)), []int64{1, 2, 3}) // every appended event is there, in order
	})
	is.Equal(sequences(first), []int64{1, 2}) // the first events of a tenant are 1, 2
	is.Equal(sequences(second), []int64{3})   // a second append in the transaction goes on
	var later []grouping.Event
	commit(t, d, func(tx driver.Tx) {
		later = appendEvents(t, tx, tenant, newEvents(3, grouping.EventGroupDeleted, 3))
	})
	is.Equal(sequences(later), []int64{4, 5, 6}) // a later transaction goes on from the last number
}

func testAppendKeepsFields(t *testing.T, d driver.Driver) {
	is := is.New(t)
	tenant := grouping.WorkspaceOf(uuid.New())
	var want []grouping.Event
	written(t, d, func(tx driver.Tx) {
		want = appendEvents(t, tx, tenant, newEvents(2, grouping.EventChannelGroupAttached, 7))
	}, func(r driver.Reader) {
		got := readEvents(t, r, tenant, 0)
		is.Equal(len(got), 2) // both events
		for i := range got {
			is.Equal(got[i].ID, want[i].ID)                     // the ID
			is.Equal(got[i].Tenant, tenant)                     // the tenant
			is.Equal(got[i].Sequence, int64(i+1))               // the number
			is.Equal(got[i].Type, want[i].Type)                 // the type
			is.True(sameTime(got[i].Time, want[i].Time))        // the time, in UTC
			is.Equal(string(got[i].Data), string(want[i].Data)) // the data, byte for byte
		}
	})
}

// testAppendDataReused checks that a driver does not keep the memory of
// the events' Data past the transaction: the engine reuses it for the
// next write call.
func testAppendDataReused(t *testing.T, d driver.Driver) {
	is := is.New(t)
	tenant := grouping.OrganisationOf(uuid.New())
	evs := newEvents(3, grouping.EventChannelAssigned, 1)
	// And one larger than a few pages, which a driver may store apart.
	evs[2].Data = json.RawMessage(`{"text":"` + strings.Repeat("long ", 4000) + `"}`)
	want := make([]string, len(evs))
	for i, e := range evs {
		want[i] = string(e.Data)
	}
	commit(t, d, func(tx driver.Tx) { appendEvents(t, tx, tenant, evs) })
	for _, e := range evs {
		for i := range e.Data {
			e.Data[i] = 'x' // the engine writes the next call's data here
		}
	}
	got := readEvents(t, d, tenant, 0)
	is.Equal(len(got), len(want)) // every event
	for i := range got {
		is.Equal(string(got[i].Data), want[i]) // the data as appended, not the reused memory
	}
}

func testAppendTenants(t *testing.T, d driver.Driver) {
	is := is.New(t)
	id := uuid.New()
	org, ws, other := grouping.OrganisationOf(id), grouping.WorkspaceOf(id), grouping.OrganisationOf(uuid.New())
	var wsEvents, otherEvents []grouping.Event
	written(t, d, func(tx driver.Tx) {
		appendEvents(t, tx, org, newEvents(3, grouping.EventGroupCreated, 0))
		wsEvents = appendEvents(t, tx, ws, newEvents(1, grouping.EventChannelGroupDetached, 3))
		otherEvents = appendEvents(t, tx, other, newEvents(2, grouping.EventGroupCreated, 4))
	}, func(r driver.Reader) {
		is.Equal(len(readEvents(t, r, org, 0)), 3)                              // the organisation's events
		is.Equal(len(readEvents(t, r, ws, 0)), 1)                               // the workspace's
		is.Equal(len(readEvents(t, r, other, 0)), 2)                            // the other organisation's
		is.Equal(len(readEvents(t, r, grouping.WorkspaceOf(uuid.New()), 0)), 0) // none of an unknown tenant
	})
	is.Equal(sequences(wsEvents), []int64{1})       // a workspace with an organisation's ID counts apart
	is.Equal(sequences(otherEvents), []int64{1, 2}) // every tenant counts from 1
}

func testAppendRollback(t *testing.T, d driver.Driver) {
	is := is.New(t)
	tenant := grouping.OrganisationOf(uuid.New())
	commit(t, d, func(tx driver.Tx) { appendEvents(t, tx, tenant, newEvents(1, grouping.EventGroupCreated, 0)) })
	err := d.Write(t.Context(), func(tx driver.Tx) error {
		appendEvents(t, tx, tenant, newEvents(2, grouping.EventGroupCreated, 1))
		return errFail
	})
	is.Equal(err, errFail)                                       // the failed transaction's error comes back
	is.Equal(sequences(readEvents(t, d, tenant, 0)), []int64{1}) // its events are gone
	var evs []grouping.Event
	commit(t, d, func(tx driver.Tx) { evs = appendEvents(t, tx, tenant, newEvents(1, grouping.EventGroupCreated, 3)) })
	is.Equal(sequences(evs), []int64{2}) // and so are their numbers: no gap
}

func testEventsPaging(t *testing.T, d driver.Driver) {
	is := is.New(t)
	tenant := grouping.OrganisationOf(uuid.New())
	commit(t, d, func(tx driver.Tx) { appendEvents(t, tx, tenant, newEvents(5, grouping.EventGroupCreated, 0)) })
	evs, err := d.Events(t.Context(), driver.EventsQuery{Tenant: tenant, After: 1, Limit: 2})
	is.NoErr(err)                           // a page
	is.Equal(sequences(evs), []int64{2, 3}) // starts after After and holds Limit events
	evs, err = d.Events(t.Context(), driver.EventsQuery{Tenant: tenant, After: 4, Limit: 2})
	is.NoErr(err)                        // the last page
	is.Equal(sequences(evs), []int64{5}) // holds what is left
	evs, err = d.Events(t.Context(), driver.EventsQuery{Tenant: tenant, After: 5, Limit: 2})
	is.NoErr(err)         // past the end
	is.Equal(len(evs), 0) // is empty
}

func testEventConsumers(t *testing.T, d driver.Driver) {
	is := is.New(t)
	tenant := grouping.OrganisationOf(uuid.New())
	c := grouping.EventConsumer{Name: "hook ✓", Tenant: tenant, Position: 4, Active: true, UpdatedAt: at(3)}
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.PutEventConsumer(t.Context(), c)) // put consumer
	}, func(r driver.Reader) {
		got, err := r.EventConsumer(t.Context(), c.Name, tenant)
		is.NoErr(err)                                 // read consumer
		is.True(got != nil)                           // it is there
		is.Equal(got.Name, c.Name)                    // with its name
		is.Equal(got.Tenant, tenant)                  // tenant
		is.Equal(got.Position, int64(4))              // position
		is.True(got.Active)                           // state
		is.True(sameTime(got.UpdatedAt, c.UpdatedAt)) // and time
		got, err = r.EventConsumer(t.Context(), c.Name, grouping.WorkspaceOf(tenant.ID))
		is.NoErr(err)      // read another tenant's consumer of that name
		is.Equal(got, nil) // there is none
	})
	c.Position, c.Active = 9, false
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.PutEventConsumer(t.Context(), c)) // overwrite consumer
	}, func(r driver.Reader) {
		got, err := r.EventConsumer(t.Context(), c.Name, tenant)
		is.NoErr(err)                    // read consumer
		is.Equal(got.Position, int64(9)) // the new position
		is.True(!got.Active)             // the new state
	})
	written(t, d, func(tx driver.Tx) {
		ok, err := tx.DeleteEventConsumer(t.Context(), c.Name, tenant)
		is.NoErr(err) // delete consumer
		is.True(ok)   // it was there
		ok, err = tx.DeleteEventConsumer(t.Context(), c.Name, tenant)
		is.NoErr(err) // delete it again
		is.True(!ok)  // it was not there any more
	}, func(r driver.Reader) {
		got, err := r.EventConsumer(t.Context(), c.Name, tenant)
		is.NoErr(err)      // read consumer
		is.Equal(got, nil) // it is gone
	})
}

// prune runs PruneEvents in a transaction of its own.
func prune(t *testing.T, d driver.Driver, q driver.PruneQuery) int64 {
	t.Helper()
	is := is.New(t)
	is.Helper()
	var n int64
	commit(t, d, func(tx driver.Tx) {
		var err error
		n, err = tx.PruneEvents(t.Context(), q)
		is.NoErr(err) // prune
	})
	return n
}

func testPruneKeep(t *testing.T, d driver.Driver) {
	is := is.New(t)
	a, b := grouping.OrganisationOf(uuid.New()), grouping.WorkspaceOf(uuid.New())
	commit(t, d, func(tx driver.Tx) {
		appendEvents(t, tx, a, newEvents(5, grouping.EventGroupCreated, 0))
		appendEvents(t, tx, b, newEvents(2, grouping.EventChannelGroupDeleted, 0))
	})
	is.Equal(prune(t, d, driver.PruneQuery{Keep: 2, Limit: 100}), int64(3)) // all but each tenant's newest two
	is.Equal(sequences(readEvents(t, d, a, 0)), []int64{4, 5})              // a keeps its newest two
	is.Equal(sequences(readEvents(t, d, b, 0)), []int64{1, 2})              // b had no more than two
}

func testPruneBefore(t *testing.T, d driver.Driver) {
	is := is.New(t)
	a := grouping.OrganisationOf(uuid.New())
	commit(t, d, func(tx driver.Tx) { appendEvents(t, tx, a, newEvents(5, grouping.EventGroupCreated, 10)) })
	is.Equal(prune(t, d, driver.PruneQuery{Before: at(12), Limit: 100}), int64(2))          // the events before the time
	is.Equal(sequences(readEvents(t, d, a, 0)), []int64{3, 4, 5})                           // the one at the time stays
	is.Equal(prune(t, d, driver.PruneQuery{Before: at(13), Keep: 1, Limit: 100}), int64(2)) // either limit makes an event prunable: 3 by age, 3 and 4 by count
	is.Equal(sequences(readEvents(t, d, a, 0)), []int64{5})                                 // only what neither prunes stays
}

func testPruneLimit(t *testing.T, d driver.Driver) {
	is := is.New(t)
	a := grouping.OrganisationOf(uuid.New())
	commit(t, d, func(tx driver.Tx) { appendEvents(t, tx, a, newEvents(6, grouping.EventGroupCreated, 0)) })
	is.Equal(prune(t, d, driver.PruneQuery{Keep: 1, Limit: 2}), int64(2)) // at most Limit events
	is.Equal(sequences(readEvents(t, d, a, 0)), []int64{3, 4, 5, 6})      // the oldest first
}

func testPruneHeld(t *testing.T, d driver.Driver) {
	is := is.New(t)
	a, b := grouping.OrganisationOf(uuid.New()), grouping.OrganisationOf(uuid.New())
	commit(t, d, func(tx driver.Tx) {
		appendEvents(t, tx, a, newEvents(6, grouping.EventGroupCreated, 0))
		appendEvents(t, tx, b, newEvents(6, grouping.EventGroupCreated, 0))
		is.NoErr(tx.PutEventConsumer(t.Context(), grouping.EventConsumer{Name: "slow", Tenant: a, Position: 2, Active: true, UpdatedAt: at(0)})) // an active consumer at 2
		is.NoErr(tx.PutEventConsumer(t.Context(), grouping.EventConsumer{Name: "fast", Tenant: a, Position: 5, Active: true, UpdatedAt: at(0)})) // one at 5
		is.NoErr(tx.PutEventConsumer(t.Context(), grouping.EventConsumer{Name: "off", Tenant: b, Position: 0, Active: false, UpdatedAt: at(0)})) // an inactive one of b
	})
	is.Equal(prune(t, d, driver.PruneQuery{Keep: 1, Limit: 100}), int64(2+5)) // a up to its slowest active consumer; b as if it had none
	is.Equal(sequences(readEvents(t, d, a, 0)), []int64{3, 4, 5, 6})          // a keeps what its slow consumer has not had
	is.Equal(sequences(readEvents(t, d, b, 0)), []int64{6})                   // b keeps its newest
}

func testPruneCounter(t *testing.T, d driver.Driver) {
	is := is.New(t)
	a := grouping.OrganisationOf(uuid.New())
	commit(t, d, func(tx driver.Tx) { appendEvents(t, tx, a, newEvents(3, grouping.EventGroupCreated, 0)) })
	is.Equal(prune(t, d, driver.PruneQuery{Before: at(1000), Limit: 100}), int64(3)) // every event
	is.Equal(len(readEvents(t, d, a, 0)), 0)                                         // the tenant has none left
	var evs []grouping.Event
	commit(t, d, func(tx driver.Tx) { evs = appendEvents(t, tx, a, newEvents(1, grouping.EventGroupCreated, 5)) })
	is.Equal(sequences(evs), []int64{4}) // the next event takes the next number
}

// worldTenant is the tenant of a world's events.
func (w world) tenant() grouping.Tenant { return grouping.OrganisationOf(w.org) }

// addWorldEvents gives a world three events and an active consumer at 1.
func addWorldEvents(t *testing.T, tx driver.Tx, w world) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	appendEvents(t, tx, w.tenant(), newEvents(3, grouping.EventGroupCreated, 0))
	is.NoErr(tx.PutEventConsumer(t.Context(), grouping.EventConsumer{Name: "world", Tenant: w.tenant(), Position: 1, Active: true, UpdatedAt: at(0)})) // put consumer
}

// eventLines describes the world's events and consumers.
func eventLines(t *testing.T, r driver.Reader, w world) []string {
	t.Helper()
	is := is.New(t)
	is.Helper()
	var out []string
	for _, e := range readEvents(t, r, w.tenant(), 0) {
		out = append(out, fmt.Sprintf("event %d %s %s %s %s", e.Sequence, e.Type, short(e.ID), e.Time.Format(time.RFC3339Nano), e.Data))
	}
	for _, name := range []string{"world", "fresh"} {
		c, err := r.EventConsumer(t.Context(), name, w.tenant())
		is.NoErr(err) // read consumer
		if c == nil {
			out = append(out, "consumer "+name+": none")
			continue
		}
		out = append(out, fmt.Sprintf("consumer %s: %d %t %s", name, c.Position, c.Active, c.UpdatedAt.Format(time.RFC3339Nano)))
	}
	return out
}

// eventWrites are the event writes of driver.Tx, for the rollback tests.
func eventWrites() []write {
	return []write{
		{"AppendEvents", func(t *testing.T, tx driver.Tx, w world) {
			appendEvents(t, tx, w.tenant(), newEvents(2, grouping.EventGroupUpdated, 50))
		}},
		{"PutEventConsumer", func(t *testing.T, tx driver.Tx, w world) {
			is.New(t).NoErr(tx.PutEventConsumer(t.Context(), grouping.EventConsumer{Name: "fresh", Tenant: w.tenant(), Position: 2, Active: true, UpdatedAt: at(30)})) // put consumer
		}},
		{"DeleteEventConsumer", func(t *testing.T, tx driver.Tx, w world) {
			_, err := tx.DeleteEventConsumer(t.Context(), "world", w.tenant())
			is.New(t).NoErr(err) // delete consumer
		}},
		{"PruneEvents", func(t *testing.T, tx driver.Tx, w world) {
			_, err := tx.PruneEvents(t.Context(), driver.PruneQuery{Keep: 1, Limit: 100})
			is.New(t).NoErr(err) // prune events
		}},
	}
}
