package postgres

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/matryer/is"
)

// TestBulkRoundTripsAndPositions checks what the bulk calls store and
// send: each takes two round trips whatever the number of channels (the
// lock with every channel's facts; the write, the events and COMMIT), puts
// the channels at the positions their events give, after the group's last,
// in the order given, and takes removed channels out of their group.
func TestBulkRoundTripsAndPositions(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s, rt := openCounting(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // create organisation
	var a, b grouping.Group
	for i, g := range []*grouping.Group{&a, &b} {
		*g, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		is.NoErr(err) // create group
	}
	newChannel := func() uuid.UUID {
		ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: "c", OwnerID: uuid.New()})
		is.NoErr(err) // create channel
		return ch.ID
	}
	first := []uuid.UUID{newChannel(), newChannel()}
	for _, id := range first {
		is.NoErr(s.AssignChannel(ctx, org.ID, a.ID, id)) // a's first channels
	}
	ids := make([]uuid.UUID, 10)
	for i := range ids {
		ids[i] = newChannel()
	}
	warm := []uuid.UUID{newChannel(), newChannel()} // the bulk statements prepared
	is.NoErr(s.AssignChannels(ctx, org.ID, b.ID, warm))
	is.NoErr(s.MoveChannels(ctx, org.ID, a.ID, warm))
	is.NoErr(s.RemoveChannels(ctx, org.ID, a.ID, warm))

	// positions reads the group's channels and their positions in order.
	conn := connectTo(t)
	positions := func(group uuid.UUID) map[uuid.UUID]int64 {
		rows, err := conn.Query(ctx, "SELECT id, group_position FROM "+pgx.Identifier{s.Schema()}.Sanitize()+".channels WHERE group_id = $1", group)
		is.NoErr(err) // read the positions
		out := map[uuid.UUID]int64{}
		var (
			id  uuid.UUID
			pos int64
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &pos}, func() error { out[id] = pos; return nil })
		is.NoErr(err) // scan the positions
		return out
	}
	// placed checks the last events: n placements of ids, in order, at the
	// positions they were stored at.
	tenant := grouping.OrganisationOf(org.ID)
	placed := func(typ grouping.EventType, group uuid.UUID, ids []uuid.UUID, at map[uuid.UUID]int64) {
		t.Helper()
		all := allEvents(t, s, tenant)
		events := all[len(all)-len(ids):]
		for i, e := range events {
			is.Equal(e.Type, typ) // the placement's event
			var d grouping.ChannelPlacementData
			is.NoErr(json.Unmarshal(e.Data, &d))
			is.Equal(d.ChannelID, ids[i]) // in the order given
			is.Equal(d.GroupID, group)    // to the group
			if at != nil {
				is.True(d.Position != nil)        // with a position
				is.Equal(*d.Position, at[ids[i]]) // the one stored
			}
		}
	}

	before := rt.n.Load()
	is.NoErr(s.AssignChannels(ctx, org.ID, a.ID, ids)) // assign ten channels
	is.Equal(rt.n.Load()-before, int64(2))             // lock and facts; update, events and commit
	got := positions(a.ID)
	is.Equal(len(got), 12) // a's two and the ten
	for i, id := range first {
		is.Equal(got[id], int64(i)) // a's first channels stay
	}
	for i, id := range ids {
		is.Equal(got[id], int64(2+i)) // the ten after them, in the order given
	}
	placed(grouping.EventChannelAssigned, a.ID, ids, got)

	before = rt.n.Load()
	is.NoErr(s.MoveChannels(ctx, org.ID, b.ID, ids[:5])) // move five
	is.Equal(rt.n.Load()-before, int64(2))               // lock and facts; update, events and commit
	got = positions(b.ID)
	is.Equal(len(got), 5) // the five in b
	for i, id := range ids[:5] {
		is.Equal(got[id], int64(i)) // in the order given
	}
	placed(grouping.EventChannelMoved, b.ID, ids[:5], got)

	before = rt.n.Load()
	is.NoErr(s.RemoveChannels(ctx, org.ID, a.ID, ids[5:])) // remove the other five
	is.Equal(rt.n.Load()-before, int64(2))                 // lock and facts; update, events and commit
	got = positions(a.ID)
	is.Equal(len(got), 2) // a's first two are left
	placed(grouping.EventChannelRemoved, a.ID, ids[5:], nil)
	p, err := s.ListUngroupedChannels(ctx, org.ID, grouping.ListChannelsOptions{})
	is.NoErr(err)             // list the ungrouped channels
	is.Equal(len(p.Items), 7) // the five removed and the two of the warm-up
}
