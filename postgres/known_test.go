package postgres

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/channelgrouping/grouping"
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

// TestKnownOrganisationGone removes the row of an organisation a store
// knows, as restoring an older copy of the database could: the store's
// next upsert finds no row to rename, runs again, and creates it.
func TestKnownOrganisationGone(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	id := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme"})
	is.NoErr(err) // created, and known
	_, err = s.d.pool.Exec(ctx, `DELETE FROM `+s.d.quoted+`.organisations WHERE id = $1`, id)
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
