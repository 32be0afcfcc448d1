package memstore

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// listOrder returns the IDs of every group of org in list order (archived
// ones included), read one page at a time.
func listOrder(t *testing.T, s *engine.Store, org uuid.UUID) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	cursor := ""
	for {
		p, err := s.ListGroups(t.Context(), org, grouping.ListGroupsOptions{Cursor: cursor, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range p.Items {
			ids = append(ids, g.ID)
		}
		if p.NextCursor == "" {
			return ids
		}
		cursor = p.NextCursor
	}
}

// TestReorderAllGroups checks reorders of every group of an organisation,
// which rebuild its trees of groups: the lists follow each new order, with
// archived groups among the others; a transaction that fails after the
// reorder leaves the previous order; an ID given twice is refused without
// a change; and a reorder of some of the groups still works.
func TestReorderAllGroups(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	d := newDriver()
	s := engine.New(d)
	org := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Org"})
	is.NoErr(err) // organisation
	other := uuid.New()
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: other, Name: "Other"})
	is.NoErr(err) // another organisation
	_, err = s.CreateGroup(ctx, other, grouping.NewGroup{Name: "elsewhere"})
	is.NoErr(err) // a group of the other organisation

	rng := rand.New(rand.NewPCG(1, 2))
	var ids []uuid.UUID
	for i := range 80 { // more than a node of the tree holds
		g, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "g" + string(rune('A'+i%26)) + string(rune('a'+i/26))})
		is.NoErr(err) // group
		ids = append(ids, g.ID)
		if rng.IntN(4) == 0 {
			archived := true
			_, err = s.UpdateGroup(ctx, org, g.ID, grouping.GroupUpdate{Archived: &archived})
			is.NoErr(err) // archive some
		}
	}
	is.Equal(listOrder(t, s, org), ids) // creation order at first

	for range 20 {
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		is.NoErr(s.ReorderGroups(ctx, org, ids)) // reorder
		is.Equal(listOrder(t, s, org), ids)      // the list follows the new order
	}

	// A transaction that fails after reordering every group.
	errFails := errors.New("fails")
	reversed := slices.Clone(ids)
	slices.Reverse(reversed)
	err = d.Write(ctx, func(tx driver.Tx) error {
		if err := tx.SetGroupPositions(ctx, reversed); err != nil {
			return err
		}
		return errFails
	})
	is.True(errors.Is(err, errFails))   // failed
	is.Equal(listOrder(t, s, org), ids) // the order is the one before

	// An ID given twice, with as many IDs as groups.
	twice := slices.Clone(ids)
	twice[len(twice)-1] = twice[0]
	err = d.Write(ctx, func(tx driver.Tx) error { return tx.SetGroupPositions(ctx, twice) })
	is.True(err != nil)                 // refused
	is.Equal(listOrder(t, s, org), ids) // nothing changed

	// Some of the groups: positions set one by one.
	err = d.Write(ctx, func(tx driver.Tx) error { return tx.SetGroupPositions(ctx, []uuid.UUID{ids[1], ids[0]}) })
	is.NoErr(err) // the first two swapped
	want := append([]uuid.UUID{ids[1], ids[0]}, ids[2:]...)
	is.Equal(listOrder(t, s, org), want) // in their new places
}
