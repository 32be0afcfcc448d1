package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/matryer/is"
)

// renames returns, for each organisation event of the tenant in order, the
// name it gives the organisation and the previous name it reports ("" for
// none), and fails unless each event's previous name is the name the event
// before it gave.
func renames(t *testing.T, s *Store, org uuid.UUID) (names []string) {
	t.Helper()
	is := is.NewRelaxed(t)
	prev := ""
	for _, e := range allEvents(t, s, grouping.OrganisationOf(org)) {
		var d grouping.OrganisationEventData
		is.NoErr(json.Unmarshal(e.Data, &d)) // event data
		switch e.Type {
		case grouping.EventOrganisationCreated:
			is.Equal(prev, "")             // created once, first
			is.True(d.PreviousName == nil) // a new organisation has no previous name
		case grouping.EventOrganisationRenamed:
			is.True(d.PreviousName != nil)                  // a rename has a previous name
			is.Equal(*d.PreviousName, prev)                 // the name the event before gave
			is.True(*d.PreviousName != d.Organisation.Name) // and it changed
		default:
			t.Fatalf("event %d: type %s", e.Sequence, e.Type)
		}
		prev = d.Organisation.Name
		names = append(names, d.Organisation.Name)
	}
	return names
}

// TestKnownOrganisationChangedElsewhere renames an organisation from one
// store, then from another, then from the first again: what the first
// knows is out of date, the rename it sends with its events fails, and it
// runs the upsert again on what it reads: after the rollback, in two more
// round trips. The result and the event report the name the other store
// gave.
func TestKnownOrganisationChangedElsewhere(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	rt := &roundTrips{}
	s1 := openTestStore(t)
	s1 = openOn(t, s1.Schema(), WithMaxConns(1), WithListenNotify(false), WithPoolConfig(func(c *pgxpool.Config) { c.ConnConfig.Tracer = rt }))
	s2 := openOn(t, s1.Schema())
	id := uuid.New()
	created, err := s1.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme"})
	is.NoErr(err)      // created by the first store, which knows it
	for i := range 3 { // the statements prepared on the one connection
		_, err := s1.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: fmt.Sprint("Acme ", i)})
		is.NoErr(err) // renamed by the first store
	}
	_, err = s2.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme Ltd"})
	is.NoErr(err) // renamed by the second

	before := rt.n.Load()
	got, err := s1.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme plc"})
	is.NoErr(err)                                   // renamed by the first, which knew "Acme 2"
	is.Equal(rt.n.Load()-before, int64(4))          // the known rename fails; rollback; insert and rename; events and commit
	is.True(got.CreatedAt.Equal(created.CreatedAt)) // the creation time stays
	before = rt.n.Load()
	_, err = s1.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme SA"})
	is.NoErr(err)                          // and again
	is.Equal(rt.n.Load()-before, int64(1)) // known again: one round trip

	is.Equal(renames(t, s1, id), []string{"Acme", "Acme 0", "Acme 1", "Acme 2", "Acme Ltd", "Acme plc", "Acme SA"}) // every rename once, in order
	org, err := s2.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme SA"})
	is.NoErr(err)                        // the same name again, from the second store
	is.Equal(org.Name, "Acme SA")        // as the first left it
	is.Equal(len(renames(t, s1, id)), 7) // no event for no change
}

// storeKnowingAcme returns a store in a schema of its own, and the ID of
// an organisation "Acme" that it created and so knows.
func storeKnowingAcme(t *testing.T) (*Store, uuid.UUID) {
	t.Helper()
	s := openTestStore(t)
	id := uuid.New()
	if _, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	return s, id
}

// TestKnownOrganisationGone removes the row of an organisation a store
// knows, as restoring an older copy of the database could: the store's
// next upsert finds no row to rename, runs again, and creates it.
func TestKnownOrganisationGone(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s, id := storeKnowingAcme(t)
	_, err := s.d.pool.Exec(ctx, `DELETE FROM `+s.d.quoted+`.organisations WHERE id = $1`, id)
	is.NoErr(err) // the row is gone
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme Ltd"})
	is.NoErr(err) // upserted again
	evs := allEvents(t, s, grouping.OrganisationOf(id))
	is.Equal(len(evs), 2)                                    // created twice, renamed never
	is.Equal(evs[1].Type, grouping.EventOrganisationCreated) // made again
	ok, err := s.d.OrganisationExists(ctx, id)
	is.NoErr(err) // exists
	is.True(ok)   // the row is back
}

// TestKnownOrganisationChangedBack renames an organisation from another
// store, then upserts it from the first under the name the first knows:
// to the first store nothing changes, but the row has the other name, so
// the upsert is a rename back, with its event.
func TestKnownOrganisationChangedBack(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s1, id := storeKnowingAcme(t)
	s2 := openOn(t, s1.Schema())
	_, err := s2.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Other"})
	is.NoErr(err) // renamed by the second store
	org, err := s1.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme"})
	is.NoErr(err)              // upserted by the first under the name it knows
	is.Equal(org.Name, "Acme") // the result
	var name string
	err = s1.d.pool.QueryRow(ctx, `SELECT name FROM `+s1.d.quoted+`.organisations WHERE id = $1`, id).Scan(&name)
	is.NoErr(err)                                                   // read the row
	is.Equal(name, "Acme")                                          // renamed back
	is.Equal(renames(t, s1, id), []string{"Acme", "Other", "Acme"}) // with its event
}

// TestKnownOrganisationUnchanged upserts an organisation a store knows
// under the name it has: nothing changes, so the row keeps its version
// (the same ctid and xmin) and no event is appended; a rename then writes
// a new version.
func TestKnownOrganisationUnchanged(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s, id := storeKnowingAcme(t)
	version := func() string {
		var v string
		err := s.d.pool.QueryRow(ctx, `SELECT ctid::text || '/' || xmin::text FROM `+s.d.quoted+`.organisations WHERE id = $1`, id).Scan(&v)
		is.NoErr(err) // read the row's version
		return v
	}
	before := version()
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme"})
	is.NoErr(err)                                 // the same name again
	is.Equal(org.Name, "Acme")                    // as it was
	is.Equal(version(), before)                   // no row version written
	is.Equal(renames(t, s, id), []string{"Acme"}) // and no event
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme Ltd"})
	is.NoErr(err)                // renamed
	is.True(version() != before) // a new row version
}

// TestKnownOrganisationRecreated changes the creation time of an
// organisation a store knows, as making it again elsewhere or restoring a
// copy could, and keeps its name: the store's next rename must report the
// creation time in the row, not the one it remembers.
func TestKnownOrganisationRecreated(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s, id := storeKnowingAcme(t)
	var stored time.Time
	err := s.d.pool.QueryRow(ctx, `UPDATE `+s.d.quoted+`.organisations SET created_at = created_at - interval '1 day'
		WHERE id = $1 RETURNING created_at`, id).Scan(&stored)
	is.NoErr(err) // made a day earlier, under the same name
	got, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme Ltd"})
	is.NoErr(err)                                             // renamed
	is.True(got.CreatedAt.Equal(stored))                      // with the creation time in the row
	is.Equal(renames(t, s, id), []string{"Acme", "Acme Ltd"}) // one rename
	evs := allEvents(t, s, grouping.OrganisationOf(id))
	var d grouping.OrganisationEventData
	is.NoErr(json.Unmarshal(evs[1].Data, &d))       // the rename's data
	is.True(d.Organisation.CreatedAt.Equal(stored)) // the event has it too
}

// TestKnownOrganisationRerunInWrite calls the driver's Write with an
// organisation the store knows out of date: Write runs the function a
// second time itself, reading the row, and commits, even when the store
// has learnt something out of date again between the runs (as another
// goroutine's commit can teach it). An error of the function's own is
// returned after one run.
func TestKnownOrganisationRerunInWrite(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s1 := openTestStore(t)
	s2 := openOn(t, s1.Schema())
	id := uuid.New()
	_, err := s1.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme"})
	is.NoErr(err) // created, and known to the first store
	_, err = s2.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme Ltd"})
	is.NoErr(err) // renamed by the second
	known, _ := s1.d.known.get(id)
	var prevs []string
	err = s1.d.Write(ctx, func(tx driver.Tx) error {
		if len(prevs) == 1 {
			s1.d.known.put(known) // out of date again
		}
		prev, _, err := tx.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme plc"}, grouping.Timestamp(time.Now()))
		prevs = append(prevs, prev.Name)
		return err
	})
	is.NoErr(err)                                 // committed within the one Write
	is.Equal(prevs, []string{"Acme", "Acme Ltd"}) // on what it knew, then on what it read

	errOwn := errors.New("the function's own")
	runs := 0
	err = s1.d.Write(ctx, func(tx driver.Tx) error {
		runs++
		if _, _, err := tx.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme SA"}, grouping.Timestamp(time.Now())); err != nil {
			return err
		}
		return errOwn
	})
	is.True(errors.Is(err, errOwn)) // returned
	is.Equal(runs, 1)               // after one run
	_, ok := s1.d.known.get(id)
	is.True(!ok) // what the failed write took for granted is forgotten, and nothing of it learnt
	var name string
	is.NoErr(s1.d.pool.QueryRow(ctx, `SELECT name FROM `+s1.d.quoted+`.organisations WHERE id = $1`, id).Scan(&name)) // read the row
	is.Equal(name, "Acme plc")                                                                                        // as the first Write left it, nothing of the second
}

// TestKnownOrganisationConcurrentRenames renames one organisation from
// many goroutines of two stores at once, each store mostly knowing it out
// of date: every rename has one event, whose previous name is the name
// the event before it gave, and the last event gives the stored name.
func TestKnownOrganisationConcurrentRenames(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s1 := openTestStore(t)
	stores := []*Store{s1, openOn(t, s1.Schema())}
	id := uuid.New()
	created, err := s1.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "start"})
	is.NoErr(err) // created
	const goroutines, each = 8, 25
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			s := stores[g%len(stores)]
			for i := range each {
				org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: fmt.Sprintf("g%d-%d", g, i)})
				if err != nil {
					t.Error(err)
					return
				}
				if !org.CreatedAt.Equal(created.CreatedAt) {
					t.Errorf("creation time %v, want %v", org.CreatedAt, created.CreatedAt)
				}
			}
		})
	}
	wg.Wait()
	names := renames(t, s1, id)
	is.Equal(len(names), 1+goroutines*each) // one event per rename: every name is new
	org, err := stores[1].UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: names[len(names)-1]})
	is.NoErr(err)                                 // the last name again
	is.Equal(len(renames(t, s1, id)), len(names)) // is the stored name: no event
	is.Equal(org.Name, names[len(names)-1])
}

// TestKnownOrganisationsBound fills what a store knows past its bound.
func TestKnownOrganisationsBound(t *testing.T) {
	is := is.New(t)
	var k knownOrganisations
	var last uuid.UUID
	for range maxKnownOrganisations + 10 {
		last = uuid.New()
		k.put(knownOrganisation{id: last, name: "n"})
	}
	is.Equal(len(k.m), maxKnownOrganisations) // bounded
	_, ok := k.get(last)
	is.True(ok) // the last one learnt is known
	k.forget(last)
	_, ok = k.get(last)
	is.True(!ok) // forgotten
}
