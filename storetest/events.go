package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// The event tests run for stores that implement grouping.EventReader (the
// consumer and pruning tests for those that implement grouping.EventLog);
// a store without events skips them with one line.
func eventTests() tree {
	return branch("Events",
		branch("Types",
			leaf("Mirror", testEventsMirror),
			leaf("Groups", testEventsGroups),
			leaf("Placement", testEventsPlacement),
			leaf("Bulk", testEventsBulk),
			leaf("ChannelGroups", testEventsChannelGroups),
		),
		leaf("FailedCallsAppendNothing", testEventsFailedCalls),
		leaf("NoOpsAppendNothing", testEventsNoOps),
		leaf("TenantsHaveTheirOwnSequence", testEventsTenants),
		leaf("Paging", testEventsPaging),
		leaf("InvalidQueries", testEventsInvalid),
		branch("Wait",
			leaf("ReturnsWhatIsThere", testWaitReturnsAtOnce),
			leaf("WakesOnCommit", testWaitWakes),
			leaf("EndsWithContext", testWaitContext),
		),
		leaf("ConcurrentWritersReplay", testEventsConcurrentReplay),
		branch("Consumers",
			leaf("SaveGetDelete", testConsumers),
			leaf("Invalid", testConsumersInvalid),
		),
		branch("Prune",
			leaf("KeepsNewest", testPruneKeepsNewest),
			leaf("ActiveConsumerHoldsBack", testPruneConsumers),
			leaf("YoungEventsStay", testPruneAge),
		),
	)
}

// eventReader returns the store's event reader, or skips the test.
func eventReader(t *testing.T, s grouping.Store) grouping.EventReader {
	t.Helper()
	r, ok := s.(grouping.EventReader)
	if !ok {
		t.Skip("the store does not implement grouping.EventReader")
	}
	return r
}

// eventLog returns the store's event log, or skips the test.
func eventLog(t *testing.T, s grouping.Store) grouping.EventLog {
	t.Helper()
	l, ok := s.(grouping.EventLog)
	if !ok {
		t.Skip("the store does not implement grouping.EventLog")
	}
	return l
}

// allEvents reads every event of the tenant, page by page, and checks that
// the sequences run from 1 without a gap.
func allEvents(t *testing.T, r grouping.EventReader, tenant grouping.Tenant) []grouping.Event {
	t.Helper()
	is := is.New(t)
	is.Helper()
	var out []grouping.Event
	after := int64(0)
	for {
		p, err := r.Events(t.Context(), tenant, after, 0)
		is.NoErr(err)            // read events
		is.True(p.Events != nil) // a page's events are never nil
		for _, e := range p.Events {
			if e.Sequence != int64(len(out))+1 {
				t.Logf("event %d has sequence %d", len(out)+1, e.Sequence)
			}
			is.Equal(e.Sequence, int64(len(out))+1) // sequences are gapless from 1
			is.Equal(e.Tenant, tenant)              // the event is the tenant's
			is.True(e.ID != uuid.Nil)               // the event has an ID
			is.True(!e.Time.IsZero())               // the event has a time
			is.True(json.Valid(e.Data))             // the data is JSON
			out = append(out, e)
		}
		is.Equal(p.Next, after+int64(len(p.Events))) // next is the last sequence read
		if !p.More {
			return out
		}
		is.True(len(p.Events) > 0) // a page with more to come is not empty
		after = p.Next
	}
}

// eventsSince returns the tenant's events after the first n.
func eventsSince(t *testing.T, r grouping.EventReader, tenant grouping.Tenant, n int) []grouping.Event {
	t.Helper()
	return allEvents(t, r, tenant)[n:]
}

// types returns the types of evs.
func types(evs []grouping.Event) []grouping.EventType {
	out := make([]grouping.EventType, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// decode unmarshals an event's data into a new T.
func decode[T any](t *testing.T, e grouping.Event) T {
	t.Helper()
	is := is.New(t)
	is.Helper()
	var v T
	is.NoErr(json.Unmarshal(e.Data, &v)) // the event's data decodes into its type
	return v
}

// wantTypes checks the types of the events appended since the tenant had n.
func wantTypes(t *testing.T, r grouping.EventReader, tenant grouping.Tenant, n int, want ...grouping.EventType) []grouping.Event {
	t.Helper()
	is := is.New(t)
	is.Helper()
	evs := eventsSince(t, r, tenant, n)
	if !slices.Equal(types(evs), want) {
		t.Logf("events: got %q, want %q", types(evs), want)
	}
	is.True(slices.Equal(types(evs), want)) // the call appended exactly these events
	return evs
}

// placementData is the wire form of channel.assigned, .moved and .removed.
type placementData struct {
	ChannelID   uuid.UUID  `json:"channel_id"`
	GroupID     uuid.UUID  `json:"group_id"`
	FromGroupID *uuid.UUID `json:"from_group_id"`
	Position    *int64     `json:"position"`
}

// groupData is the wire form of the group.* events.
type groupData struct {
	Group struct {
		ID        uuid.UUID  `json:"id"`
		Name      string     `json:"name"`
		Archived  bool       `json:"archived"`
		Position  int        `json:"position"`
		DeletedAt *time.Time `json:"deleted_at"`
	} `json:"group"`
	Previous *struct {
		Name     string `json:"name"`
		Archived bool   `json:"archived"`
	} `json:"previous"`
}

func testEventsMirror(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	orgID := uuid.New()
	org := grouping.OrganisationOf(orgID)

	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: orgID, Name: "Acme"})
	is.NoErr(err) // create organisation
	evs := wantTypes(t, r, org, 0, grouping.EventOrganisationCreated)
	od := decode[grouping.OrganisationEventData](t, evs[0])
	is.Equal(od.Organisation.Name, "Acme") // organisation.created carries the organisation
	is.Equal(od.PreviousName, nil)         // and no previous name

	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: orgID, Name: "Acme Ltd"})
	is.NoErr(err) // rename organisation
	evs = wantTypes(t, r, org, 1, grouping.EventOrganisationRenamed)
	od = decode[grouping.OrganisationEventData](t, evs[0])
	is.Equal(od.Organisation.Name, "Acme Ltd")                    // organisation.renamed carries the new name
	is.True(od.PreviousName != nil && *od.PreviousName == "Acme") // and the previous one

	u1, u2 := uuid.New(), uuid.New()
	up := grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: orgID, Name: "general", Users: []uuid.UUID{u1}}
	_, err = s.UpsertChannel(ctx, up)
	is.NoErr(err) // create channel
	evs = wantTypes(t, r, org, 2, grouping.EventChannelCreated)
	cd := decode[struct {
		Channel struct {
			ID        uuid.UUID   `json:"channels_id"`
			Name      string      `json:"name"`
			Users     []uuid.UUID `json:"users"`
			UserCount int         `json:"user_count"`
		} `json:"channel"`
	}](t, evs[0])
	is.Equal(cd.Channel.ID, up.ID)              // channel.created carries the channel
	is.Equal(cd.Channel.Users, []uuid.UUID{u1}) // with its members
	is.Equal(cd.Channel.UserCount, 1)           // and their count

	up.Description = "all hands"
	got, err := s.UpsertChannel(ctx, up)
	is.NoErr(err)                          // update channel
	is.Equal(got.Description, "all hands") // the upsert returns the new state
	evs = wantTypes(t, r, org, 3, grouping.EventChannelUpdated)
	ud := decode[grouping.ChannelEventData](t, evs[0])
	is.Equal(ud.Channel.Description, "all hands") // channel.updated carries the new state
	is.True(ud.Previous != nil)                   // and the previous one
	is.Equal(ud.Previous.Description, "")         // as it was

	is.NoErr(s.AddChannelMember(ctx, orgID, up.ID, u2)) // add member
	evs = wantTypes(t, r, org, 4, grouping.EventChannelMemberAdded)
	md := decode[grouping.ChannelMemberData](t, evs[0])
	is.Equal(md, grouping.ChannelMemberData{ChannelID: up.ID, UserID: u2}) // member_added names channel and user

	is.NoErr(s.RemoveChannelMember(ctx, orgID, up.ID, u1)) // remove member
	evs = wantTypes(t, r, org, 5, grouping.EventChannelMemberRemoved)
	md = decode[grouping.ChannelMemberData](t, evs[0])
	is.Equal(md, grouping.ChannelMemberData{ChannelID: up.ID, UserID: u1}) // member_removed names channel and user

	up.Users = []uuid.UUID{u1, u2}
	got, err = s.UpsertChannel(ctx, up)
	is.NoErr(err)              // replace members
	is.Equal(got.UserCount, 2) // the upsert returns the new members
	evs = wantTypes(t, r, org, 6, grouping.EventChannelUpdated)
	ud = decode[grouping.ChannelEventData](t, evs[0])
	is.Equal(ud.Channel.UserCount, 2)                             // the update carries the new membership
	is.Equal(ud.Previous.UserCount, 1)                            // and the old one
	is.Equal(mustGetChannel(t, s, orgID, up.ID).Users, got.Users) // the upsert returned what is stored

	g := mustGroup(t, s, orgID, "Team")
	mustAssign(t, s, orgID, g.ID, got)
	is.NoErr(s.DeleteChannel(ctx, orgID, up.ID)) // delete channel
	evs = wantTypes(t, r, org, 7, grouping.EventGroupCreated, grouping.EventChannelAssigned, grouping.EventChannelDeleted)
	dd := decode[struct {
		ChannelID uuid.UUID  `json:"channel_id"`
		GroupID   *uuid.UUID `json:"group_id"`
		DeletedAt *time.Time `json:"deleted_at"`
	}](t, evs[2])
	is.Equal(dd.ChannelID, up.ID)                     // channel.deleted names the channel
	is.True(dd.GroupID != nil && *dd.GroupID == g.ID) // and the group it left
	is.True(dd.DeletedAt != nil)                      // and when
}

func testEventsGroups(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	orgID := mustOrg(t, s).ID
	org := grouping.OrganisationOf(orgID)
	n := len(allEvents(t, r, org))

	g := mustGroup(t, s, orgID, "Sales")
	evs := wantTypes(t, r, org, n, grouping.EventGroupCreated)
	gd := decode[groupData](t, evs[0])
	is.Equal(gd.Group.ID, g.ID)             // group.created carries the group
	is.Equal(gd.Group.Name, "Sales")        // with its name
	is.Equal(gd.Group.Position, g.Position) // and position
	is.Equal(gd.Previous, nil)              // and nothing before it

	mustUpdate(t, s, orgID, g.ID, grouping.GroupUpdate{Name: ptr("Sales EMEA")})
	mustUpdate(t, s, orgID, g.ID, grouping.GroupUpdate{Archived: ptr(true)})
	mustUpdate(t, s, orgID, g.ID, grouping.GroupUpdate{Archived: ptr(false), Name: ptr("Sales")})
	evs = wantTypes(t, r, org, n+1, grouping.EventGroupUpdated, grouping.EventGroupArchived, grouping.EventGroupUnarchived)
	gd = decode[groupData](t, evs[0])
	is.Equal(gd.Group.Name, "Sales EMEA") // group.updated carries the new name
	is.Equal(gd.Previous.Name, "Sales")   // and the old one
	gd = decode[groupData](t, evs[1])
	is.True(gd.Group.Archived && !gd.Previous.Archived) // group.archived carries both states
	gd = decode[groupData](t, evs[2])
	is.True(!gd.Group.Archived && gd.Previous.Archived) // group.unarchived carries both states
	is.Equal(gd.Group.Name, "Sales")                    // including the rename made in the same call

	g2 := mustGroup(t, s, orgID, "Support")
	is.NoErr(s.ReorderGroups(ctx, orgID, []uuid.UUID{g2.ID, g.ID})) // reorder groups
	evs = wantTypes(t, r, org, n+4, grouping.EventGroupCreated, grouping.EventGroupsReordered)
	rd := decode[grouping.GroupsReorderedData](t, evs[1])
	is.Equal(rd.GroupIDs, []uuid.UUID{g2.ID, g.ID}) // groups.reordered carries the new order

	is.NoErr(s.DeleteGroup(ctx, orgID, g.ID, 0)) // delete group
	evs = wantTypes(t, r, org, n+6, grouping.EventGroupDeleted)
	gd = decode[groupData](t, evs[0])
	is.Equal(gd.Group.ID, g.ID)        // group.deleted names the group
	is.True(gd.Group.DeletedAt != nil) // with its deletion time
}

func testEventsPlacement(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	orgID := mustOrg(t, s).ID
	org := grouping.OrganisationOf(orgID)
	chs := mustChannels(t, s, orgID, 3)
	g1, g2 := mustGroup(t, s, orgID, "One"), mustGroup(t, s, orgID, "Two")
	n := len(allEvents(t, r, org))

	mustAssign(t, s, orgID, g1.ID, chs[0], chs[1])
	is.NoErr(s.MoveChannel(ctx, orgID, g2.ID, chs[0].ID))   // move channel
	is.NoErr(s.MoveChannel(ctx, orgID, g2.ID, chs[2].ID))   // move a channel in no group
	is.NoErr(s.RemoveChannel(ctx, orgID, g1.ID, chs[1].ID)) // remove channel
	evs := wantTypes(t, r, org, n,
		grouping.EventChannelAssigned, grouping.EventChannelAssigned, grouping.EventChannelMoved,
		grouping.EventChannelAssigned, grouping.EventChannelRemoved)
	a0, a1 := decode[placementData](t, evs[0]), decode[placementData](t, evs[1])
	is.Equal(a0.ChannelID, chs[0].ID)                 // assigned names the channel
	is.Equal(a0.GroupID, g1.ID)                       // and the group
	is.True(a0.Position != nil && a1.Position != nil) // with positions
	is.True(*a0.Position < *a1.Position)              // that follow the order of the assigns
	is.Equal(a0.FromGroupID, nil)                     // an assign comes from no group
	m := decode[placementData](t, evs[2])
	is.Equal(m.GroupID, g2.ID)                               // moved names the new group
	is.True(m.FromGroupID != nil && *m.FromGroupID == g1.ID) // and the one it left
	a2 := decode[placementData](t, evs[3])
	is.True(a2.GroupID == g2.ID && *a2.Position > *m.Position) // a move of a loose channel is an assign to the end
	rm := decode[placementData](t, evs[4])
	is.Equal(rm.ChannelID, chs[1].ID) // removed names the channel
	is.Equal(rm.GroupID, g1.ID)       // and the group it left
	is.Equal(rm.Position, nil)        // and no position

	is.NoErr(s.ReorderGroupChannels(ctx, orgID, g2.ID, []uuid.UUID{chs[2].ID, chs[0].ID})) // reorder channels
	evs = wantTypes(t, r, org, n+5, grouping.EventGroupChannelsReordered)
	cr := decode[grouping.GroupChannelsReorderedData](t, evs[0])
	is.Equal(cr, grouping.GroupChannelsReorderedData{GroupID: g2.ID, ChannelIDs: []uuid.UUID{chs[2].ID, chs[0].ID}}) // the new order
}

func testEventsBulk(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	orgID := mustOrg(t, s).ID
	org := grouping.OrganisationOf(orgID)
	chs := mustChannels(t, s, orgID, 4)
	g1, g2 := mustGroup(t, s, orgID, "One"), mustGroup(t, s, orgID, "Two")
	mustAssign(t, s, orgID, g1.ID, chs[3])
	n := len(allEvents(t, r, org))

	ids := []uuid.UUID{chs[2].ID, chs[0].ID, chs[1].ID}
	is.NoErr(s.AssignChannels(ctx, orgID, g2.ID, ids)) // bulk assign
	evs := wantTypes(t, r, org, n, grouping.EventChannelAssigned, grouping.EventChannelAssigned, grouping.EventChannelAssigned)
	var last int64 = -1 << 62
	for i, e := range evs {
		d := decode[placementData](t, e)
		is.Equal(d.ChannelID, ids[i]) // one event per channel, in the order given
		is.True(*d.Position > last)   // at increasing positions
		last = *d.Position
	}

	is.NoErr(s.MoveChannels(ctx, orgID, g2.ID, []uuid.UUID{chs[3].ID, chs[0].ID})) // bulk move, one already there
	evs = wantTypes(t, r, org, n+3, grouping.EventChannelMoved)
	d := decode[placementData](t, evs[0])
	is.True(d.ChannelID == chs[3].ID && *d.FromGroupID == g1.ID) // only the channel that moved has an event

	is.NoErr(s.RemoveChannels(ctx, orgID, g2.ID, []uuid.UUID{chs[0].ID, chs[1].ID})) // bulk remove
	wantTypes(t, r, org, n+4, grouping.EventChannelRemoved, grouping.EventChannelRemoved)
}

func testEventsChannelGroups(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	ws := uuid.New()
	tenant := grouping.WorkspaceOf(ws)
	c1, c2 := uuid.New(), uuid.New()

	cg := mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme")
	evs := wantTypes(t, r, tenant, 0, grouping.EventChannelGroupAttached)
	ad := decode[grouping.ChannelGroupAttachedData](t, evs[0])
	is.Equal(ad.ChannelID, c1)                        // attached names the channel
	is.Equal(ad.ChannelGroup.ID, cg.ID)               // and the channel group
	is.Equal(ad.ChannelGroup.PlatformGroupID, "acct") // as it is after the attach
	is.Equal(ad.ChannelGroup.ChannelIDs, nil)         // without its channels: an event does not grow with its channel group
	is.Equal(ad.FromChannelGroupID, nil)              // it came from none
	is.True(jsonHas(evs[0].Data, "channelId"))        // workspace data is camelCase

	mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme") // the same attach again
	wantTypes(t, r, tenant, 1)                           // changes nothing and appends nothing
	mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme Inc")
	evs = wantTypes(t, r, tenant, 1, grouping.EventChannelGroupRenamed)
	rd := decode[grouping.ChannelGroupRenamedData](t, evs[0])
	is.Equal(rd.ChannelGroup.PlatformGroupName, "Acme Inc") // renamed carries the new name
	is.Equal(rd.PreviousName, "Acme")                       // and the old one

	other := mustAttach(t, s, ws, c1, "whatsapp", "acct-2", "Other")
	evs = wantTypes(t, r, tenant, 2, grouping.EventChannelGroupAttached)
	ad = decode[grouping.ChannelGroupAttachedData](t, evs[0])
	is.Equal(ad.ChannelGroup.ID, other.ID)                                   // attached to the new channel group
	is.True(ad.FromChannelGroupID != nil && *ad.FromChannelGroupID == cg.ID) // from the old one

	mustAttach(t, s, ws, c2, "whatsapp", "acct-2", "")
	is.NoErr(s.DetachChannel(ctx, ws, c2)) // detach
	evs = wantTypes(t, r, tenant, 3, grouping.EventChannelGroupAttached, grouping.EventChannelGroupDetached)
	dd := decode[grouping.ChannelGroupDetachedData](t, evs[1])
	is.Equal(dd, grouping.ChannelGroupDetachedData{ChannelID: c2, ChannelGroupID: other.ID}) // detached names channel and channel group

	is.NoErr(s.DeleteChannelGroup(ctx, ws, cg.ID)) // delete channel group
	evs = wantTypes(t, r, tenant, 5, grouping.EventChannelGroupDeleted)
	is.Equal(decode[grouping.ChannelGroupDeletedData](t, evs[0]).ChannelGroupID, cg.ID) // deleted names the channel group
}

// jsonHas reports whether the JSON object b has the key.
func jsonHas(b []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

func testEventsFailedCalls(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	orgID := mustOrg(t, s).ID
	org := grouping.OrganisationOf(orgID)
	chs := mustChannels(t, s, orgID, 2)
	g := mustGroup(t, s, orgID, "Taken")
	arch := mustArchivedGroup(t, s, orgID, "Archived")
	mustAssign(t, s, orgID, g.ID, chs[0])
	n := len(allEvents(t, r, org))

	_, err := s.CreateGroup(ctx, orgID, grouping.NewGroup{Name: "TAKEN"})
	wantCode(t, err, grouping.Conflict)
	err = s.AssignChannel(ctx, orgID, arch.ID, chs[1].ID)
	wantCode(t, err, grouping.Conflict)
	err = s.AssignChannels(ctx, orgID, g.ID, []uuid.UUID{chs[1].ID, uuid.New()})
	wantCode(t, err, grouping.NotFound)
	_, err = s.UpdateGroup(ctx, orgID, g.ID, grouping.GroupUpdate{Name: ptr("x"), IfVersion: g.Version + 10})
	wantCode(t, err, grouping.PreconditionFailed)
	err = s.RemoveChannel(ctx, orgID, g.ID, chs[1].ID)
	wantCode(t, err, grouping.NotFound)
	err = s.ReorderGroups(ctx, orgID, []uuid.UUID{g.ID})
	wantCode(t, err, grouping.Invalid)
	err = s.DetachChannel(ctx, uuid.New(), uuid.New())
	wantCode(t, err, grouping.NotFound)
	wantTypes(t, r, org, n) // no failed call appended an event

	mustGroup(t, s, orgID, "Next")
	evs := allEvents(t, r, org)
	is.Equal(len(evs), n+1)               // the next change appends one event
	is.Equal(evs[n].Sequence, int64(n)+1) // with the next number: failed calls took none
}

func testEventsNoOps(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	org := mustOrg(t, s)
	tenant := grouping.OrganisationOf(org.ID)
	u := uuid.New()
	ch := mustChannel(t, s, org.ID, members(u), withOwner(uuid.Nil))
	chs := mustChannels(t, s, org.ID, 2)
	g1, g2 := mustGroup(t, s, org.ID, "One"), mustGroup(t, s, org.ID, "Two")
	mustAssign(t, s, org.ID, g1.ID, ch, chs[0], chs[1])
	n := len(allEvents(t, r, tenant))

	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org.ID, Name: org.Name})
	is.NoErr(err) // upsert the organisation as it is
	got, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: ch.Name, Users: []uuid.UUID{u, u}})
	is.NoErr(err)                                                                                  // upsert the channel as it is
	is.Equal(got, mustGetChannel(t, s, org.ID, ch.ID))                                             // and get it back as stored
	is.NoErr(s.AddChannelMember(ctx, org.ID, ch.ID, u))                                            // add a member again
	is.NoErr(s.AssignChannel(ctx, org.ID, g1.ID, ch.ID))                                           // assign to its own group
	is.NoErr(s.MoveChannel(ctx, org.ID, g1.ID, ch.ID))                                             // move to its own group
	is.NoErr(s.AssignChannels(ctx, org.ID, g1.ID, []uuid.UUID{ch.ID, chs[0].ID}))                  // bulk assign to its own group
	is.NoErr(s.ReorderGroups(ctx, org.ID, []uuid.UUID{g1.ID, g2.ID}))                              // reorder into the same order
	is.NoErr(s.ReorderGroupChannels(ctx, org.ID, g1.ID, []uuid.UUID{ch.ID, chs[0].ID, chs[1].ID})) // the same channel order
	wantTypes(t, r, tenant, n)                                                                     // no call that changed nothing appended an event
}

func testEventsTenants(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	a, b := mustOrg(t, s).ID, mustOrg(t, s).ID
	mustGroup(t, s, a, "A1")
	mustGroup(t, s, b, "B1")
	mustGroup(t, s, a, "A2")
	ea := allEvents(t, r, grouping.OrganisationOf(a))
	eb := allEvents(t, r, grouping.OrganisationOf(b))
	is.Equal(types(ea), []grouping.EventType{grouping.EventOrganisationCreated, grouping.EventGroupCreated, grouping.EventGroupCreated}) // a's events only
	is.Equal(types(eb), []grouping.EventType{grouping.EventOrganisationCreated, grouping.EventGroupCreated})                             // b's events only, numbered from 1
	ws := grouping.WorkspaceOf(a)
	evs := allEvents(t, r, ws)
	is.Equal(len(evs), 0) // a workspace with the ID of an organisation is another tenant
	p, err := r.Events(t.Context(), grouping.OrganisationOf(uuid.New()), 0, 10)
	is.NoErr(err)              // an unknown tenant is no error
	is.Equal(len(p.Events), 0) // and has no events
	is.Equal(p.Next, int64(0)) // and continues from where it was asked
	is.True(!p.More)           // with nothing more
}

func testEventsPaging(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	orgID := mustOrg(t, s).ID
	org := grouping.OrganisationOf(orgID)
	for i := range 6 {
		mustGroup(t, s, orgID, fmt.Sprintf("G%d", i))
	}
	p, err := r.Events(ctx, org, 0, 3)
	is.NoErr(err)              // first page
	is.Equal(len(p.Events), 3) // of the limit
	is.Equal(p.Next, int64(3)) // continuing after the last
	is.True(p.More)            // with more to come
	p, err = r.Events(ctx, org, p.Next, 3)
	is.NoErr(err)                            // second page
	is.Equal(p.Events[0].Sequence, int64(4)) // starts after the first
	is.True(p.More)                          // one more event follows
	p, err = r.Events(ctx, org, p.Next, 3)
	is.NoErr(err)              // last page
	is.Equal(len(p.Events), 1) // holds the rest
	is.True(!p.More)           // and nothing follows
	p, err = r.Events(ctx, org, 7, 3)
	is.NoErr(err)              // reading at the end
	is.Equal(len(p.Events), 0) // gives nothing
	is.Equal(p.Next, int64(7)) // and the same position
	p, err = r.Events(ctx, org, 100, 3)
	is.NoErr(err)              // reading past the end is no error
	is.Equal(len(p.Events), 0) // and gives nothing
	p, err = r.Events(ctx, org, 0, grouping.MaxEventLimit)
	is.NoErr(err)              // the largest page
	is.Equal(len(p.Events), 7) // holds every event
}

func testEventsInvalid(t *testing.T, s grouping.Store) {
	r := eventReader(t, s)
	ctx := t.Context()
	org := grouping.OrganisationOf(mustOrg(t, s).ID)
	_, err := r.Events(ctx, org, -1, 0)
	wantInvalid(t, err, "after")
	_, err = r.Events(ctx, org, 0, -1)
	wantInvalid(t, err, "limit")
	_, err = r.Events(ctx, org, 0, grouping.MaxEventLimit+1)
	wantInvalid(t, err, "limit")
	_, err = r.Events(ctx, grouping.Tenant{ID: uuid.New()}, 0, 0)
	wantInvalid(t, err, "tenant")
	_, err = r.Events(ctx, grouping.OrganisationOf(uuid.Nil), 0, 0)
	wantInvalid(t, err, "organisation_id")
	_, err = r.WaitEvents(ctx, grouping.WorkspaceOf(uuid.Nil), 0, 0)
	wantInvalid(t, err, "workspaceId")
}

func testWaitReturnsAtOnce(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	org := grouping.OrganisationOf(mustOrg(t, s).ID)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	p, err := r.WaitEvents(ctx, org, 0, 0)
	is.NoErr(err)              // wait with events there
	is.Equal(len(p.Events), 1) // returns them
}

func testWaitWakes(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	orgID := mustOrg(t, s).ID
	org := grouping.OrganisationOf(orgID)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	type result struct {
		p   grouping.EventPage
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := r.WaitEvents(ctx, org, 1, 0)
		done <- result{p, err}
	}()
	select {
	case res := <-done:
		t.Fatalf("WaitEvents returned before any commit: %+v", res)
	case <-time.After(50 * time.Millisecond):
	}
	mustGroup(t, s, orgID, "Wake")
	res := <-done
	is.NoErr(res.err)                                                               // the wait ends with the commit
	is.Equal(types(res.p.Events), []grouping.EventType{grouping.EventGroupCreated}) // and returns its event
}

func testWaitContext(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	org := grouping.OrganisationOf(mustOrg(t, s).ID)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	_, err := r.WaitEvents(ctx, org, 1, 0)
	wantCode(t, err, grouping.Internal)
	is.True(errors.Is(err, context.DeadlineExceeded)) // the error wraps the context's
}

// replayed is the state of an organisation's groups rebuilt from its
// events.
type replayed struct {
	groups   map[uuid.UUID]*replayedGroup
	channels map[uuid.UUID]replayedPlace
}

type replayedGroup struct {
	name     string
	archived bool
	position int
}

type replayedPlace struct {
	group uuid.UUID
	pos   int64
}

func replay(t *testing.T, evs []grouping.Event) replayed {
	t.Helper()
	st := replayed{groups: map[uuid.UUID]*replayedGroup{}, channels: map[uuid.UUID]replayedPlace{}}
	for _, e := range evs {
		switch e.Type {
		case grouping.EventGroupCreated, grouping.EventGroupUpdated, grouping.EventGroupArchived, grouping.EventGroupUnarchived:
			d := decode[groupData](t, e)
			st.groups[d.Group.ID] = &replayedGroup{name: d.Group.Name, archived: d.Group.Archived, position: d.Group.Position}
		case grouping.EventGroupDeleted:
			id := decode[groupData](t, e).Group.ID
			delete(st.groups, id)
			for ch, p := range st.channels {
				if p.group == id {
					delete(st.channels, ch)
				}
			}
		case grouping.EventGroupsReordered:
			for i, id := range decode[grouping.GroupsReorderedData](t, e).GroupIDs {
				st.groups[id].position = i
			}
		case grouping.EventChannelAssigned, grouping.EventChannelMoved:
			d := decode[placementData](t, e)
			st.channels[d.ChannelID] = replayedPlace{group: d.GroupID, pos: *d.Position}
		case grouping.EventChannelRemoved:
			delete(st.channels, decode[placementData](t, e).ChannelID)
		case grouping.EventGroupChannelsReordered:
			d := decode[grouping.GroupChannelsReorderedData](t, e)
			for i, id := range d.ChannelIDs {
				st.channels[id] = replayedPlace{group: d.GroupID, pos: int64(i)}
			}
		}
	}
	return st
}

// checkReplay checks that replaying the organisation's events gives its
// groups, their order and names, and each group's channels in order.
func checkReplay(t *testing.T, s grouping.Store, r grouping.EventReader, orgID uuid.UUID) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	st := replay(t, allEvents(t, r, grouping.OrganisationOf(orgID)))
	page, err := s.ListGroups(t.Context(), orgID, grouping.ListGroupsOptions{})
	is.NoErr(err)                             // list groups
	is.Equal(len(page.Items), len(st.groups)) // the events create and delete exactly the groups there are
	for _, g := range page.Items {
		rg := st.groups[g.ID]
		is.True(rg != nil)                // every group has its events
		is.Equal(rg.name, g.Name)         // the last event of a group carries its name
		is.Equal(rg.archived, g.Archived) // and archived state
		is.Equal(rg.position, g.Position) // and its position
		var want []uuid.UUID
		for ch, p := range st.channels {
			if p.group == g.ID {
				want = append(want, ch)
			}
		}
		slices.SortFunc(want, func(a, b uuid.UUID) int {
			pa, pb := st.channels[a].pos, st.channels[b].pos
			if pa != pb {
				if pa < pb {
					return -1
				}
				return 1
			}
			return compareIDs(a, b)
		})
		got := channelIDs(groupChannels(t, s, orgID, g.ID, true))
		if !slices.Equal(got, want) {
			t.Logf("group %s: channels %v, replayed %v", g.ID, got, want)
		}
		is.Equal(len(got), len(want))    // the events place exactly the group's channels
		is.True(slices.Equal(got, want)) // in the group's order
	}
}

func testEventsConcurrentReplay(t *testing.T, s grouping.Store) {
	is := is.New(t)
	r := eventReader(t, s)
	ctx := t.Context()
	orgID := mustOrg(t, s).ID
	chs := mustChannels(t, s, orgID, 24)
	groups := []grouping.Group{mustGroup(t, s, orgID, "G0"), mustGroup(t, s, orgID, "G1"), mustGroup(t, s, orgID, "G2")}
	var p problems
	const writers = 32
	created := make([]int, writers)
	parallel(writers, func(i int) {
		rnd := rand.New(rand.NewPCG(uint64(i), 7))
		for n := range ops(12) {
			g := groups[rnd.IntN(len(groups))]
			ch := chs[rnd.IntN(len(chs))]
			switch rnd.IntN(7) {
			case 0:
				p.expect("assign", s.AssignChannel(ctx, orgID, g.ID, ch.ID), "", grouping.Conflict)
			case 1:
				p.expect("move", s.MoveChannel(ctx, orgID, g.ID, ch.ID), "", grouping.Conflict)
			case 2:
				p.expect("remove", s.RemoveChannel(ctx, orgID, g.ID, ch.ID), "", grouping.NotFound)
			case 3:
				_, err := s.UpdateGroup(ctx, orgID, g.ID, grouping.GroupUpdate{Name: ptr(fmt.Sprintf("G %d-%d", i, n)), Archived: ptr(rnd.IntN(4) == 0)})
				p.expect("rename", err, "")
			case 4:
				page, err := s.ListGroups(ctx, orgID, grouping.ListGroupsOptions{})
				p.expect("list groups", err, "")
				ids := make([]uuid.UUID, len(page.Items))
				for i, g := range page.Items {
					ids[i] = g.ID
				}
				rnd.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
				// A group created since the list makes the order incomplete.
				p.expect("reorder groups", s.ReorderGroups(ctx, orgID, ids), "", grouping.Invalid)
			case 5:
				ids := []uuid.UUID{chs[rnd.IntN(len(chs))].ID, chs[rnd.IntN(len(chs))].ID}
				p.expect("bulk move", s.MoveChannels(ctx, orgID, g.ID, ids), "", grouping.Conflict, grouping.Invalid)
			default:
				_, err := s.CreateGroup(ctx, orgID, grouping.NewGroup{Name: fmt.Sprintf("New %d-%d", i, n)})
				p.expect("create", err, "")
				if err == nil {
					created[i]++
				}
			}
		}
	})
	p.check(t)
	checkReplay(t, s, r, orgID)
	evs := allEvents(t, r, grouping.OrganisationOf(orgID))
	creates := 0
	for _, e := range evs {
		if e.Type == grouping.EventGroupCreated {
			creates++
		}
	}
	total := 0
	for _, c := range created {
		total += c
	}
	is.Equal(creates, total+3) // exactly one group.created per group created
}

func testConsumers(t *testing.T, s grouping.Store) {
	is := is.New(t)
	l := eventLog(t, s)
	ctx := t.Context()
	tenant := grouping.OrganisationOf(uuid.New())
	_, err := l.EventConsumer(ctx, "hook", tenant)
	wantCode(t, err, grouping.NotFound)
	is.NoErr(l.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "hook", Tenant: tenant, Position: 7, Active: true})) // save consumer
	c, err := l.EventConsumer(ctx, "hook", tenant)
	is.NoErr(err)                  // read consumer
	is.Equal(c.Name, "hook")       // by name
	is.Equal(c.Tenant, tenant)     // and tenant
	is.Equal(c.Position, int64(7)) // with its position
	is.True(c.Active)              // and state
	is.True(!c.UpdatedAt.IsZero()) // and when it was saved
	_, err = l.EventConsumer(ctx, "hook", grouping.WorkspaceOf(tenant.ID))
	wantCode(t, err, grouping.NotFound)
	is.NoErr(l.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "hook", Tenant: tenant, Position: 9})) // overwrite consumer
	c, err = l.EventConsumer(ctx, "hook", tenant)
	is.NoErr(err)                                        // read consumer again
	is.Equal(c.Position, int64(9))                       // the new position
	is.True(!c.Active)                                   // the new state
	is.NoErr(l.DeleteEventConsumer(ctx, "hook", tenant)) // delete consumer
	_, err = l.EventConsumer(ctx, "hook", tenant)
	wantCode(t, err, grouping.NotFound)
	wantCode(t, l.DeleteEventConsumer(ctx, "hook", tenant), grouping.NotFound)
}

func testConsumersInvalid(t *testing.T, s grouping.Store) {
	l := eventLog(t, s)
	ctx := t.Context()
	tenant := grouping.OrganisationOf(uuid.New())
	wantInvalid(t, l.SaveEventConsumer(ctx, grouping.EventConsumer{Tenant: tenant}), "name")
	wantInvalid(t, l.SaveEventConsumer(ctx, grouping.EventConsumer{Name: string(make([]rune, 256)), Tenant: tenant}), "name")
	wantInvalid(t, l.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "x", Tenant: tenant, Position: -1}), "position")
	wantInvalid(t, l.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "x"}), "tenant")
	_, err := l.EventConsumer(ctx, "", tenant)
	wantInvalid(t, err, "name")
	_, err = l.PruneEvents(ctx, grouping.Retention{MaxCount: -1})
	wantInvalid(t, err, "max_count")
	_, err = l.PruneEvents(ctx, grouping.Retention{MaxAge: -time.Second})
	wantInvalid(t, err, "max_age")
}

func testPruneKeepsNewest(t *testing.T, s grouping.Store) {
	is := is.New(t)
	l := eventLog(t, s)
	ctx := t.Context()
	a, b := mustOrg(t, s).ID, mustOrg(t, s).ID
	for i := range 5 {
		mustGroup(t, s, a, fmt.Sprintf("A%d", i))
	}
	mustGroup(t, s, b, "B")
	n, err := l.PruneEvents(ctx, grouping.Retention{MaxCount: 2})
	is.NoErr(err)         // prune
	is.Equal(n, int64(4)) // a's six events lose four; b's two stay
	p, err := l.Events(ctx, grouping.OrganisationOf(a), 0, 0)
	is.NoErr(err)                            // read what is left
	is.Equal(len(p.Events), 2)               // the newest two
	is.Equal(p.Events[0].Sequence, int64(5)) // from 5 on: a reader sees the gap
	p, err = l.Events(ctx, grouping.OrganisationOf(b), 0, 0)
	is.NoErr(err)              // b's events
	is.Equal(len(p.Events), 2) // are within the count
	mustGroup(t, s, a, "A-next")
	p, err = l.Events(ctx, grouping.OrganisationOf(a), 6, 0)
	is.NoErr(err)                            // the next event
	is.Equal(p.Events[0].Sequence, int64(7)) // takes the next number: pruning frees none
	n, err = l.PruneEvents(ctx, grouping.Retention{})
	is.NoErr(err)         // a retention without limits
	is.Equal(n, int64(0)) // prunes nothing
}

func testPruneConsumers(t *testing.T, s grouping.Store) {
	is := is.New(t)
	l := eventLog(t, s)
	ctx := t.Context()
	orgID := mustOrg(t, s).ID
	org := grouping.OrganisationOf(orgID)
	for i := range 9 {
		mustGroup(t, s, orgID, fmt.Sprintf("G%d", i))
	}
	is.NoErr(l.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "slow", Tenant: org, Position: 3, Active: true}))  // an endpoint that has 3
	is.NoErr(l.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "fast", Tenant: org, Position: 9, Active: true}))  // one that has 9
	is.NoErr(l.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "gone", Tenant: org, Position: 0, Active: false})) // a disabled one
	n, err := l.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
	is.NoErr(err)         // prune
	is.Equal(n, int64(3)) // only what every active consumer has
	p, err := l.Events(ctx, org, 0, 0)
	is.NoErr(err)                                     // what is left
	is.Equal(p.Events[0].Sequence, int64(4))          // starts after the slowest active consumer
	is.NoErr(l.DeleteEventConsumer(ctx, "slow", org)) // forget the slow consumer
	n, err = l.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
	is.NoErr(err)         // prune again
	is.Equal(n, int64(6)) // up to the fast consumer's position
	p, err = l.Events(ctx, org, 0, 0)
	is.NoErr(err)                             // what is left
	is.Equal(len(p.Events), 1)                // is the newest event
	is.Equal(p.Events[0].Sequence, int64(10)) // which no consumer has yet
}

func testPruneAge(t *testing.T, s grouping.Store) {
	is := is.New(t)
	l := eventLog(t, s)
	orgID := mustOrg(t, s).ID
	mustGroup(t, s, orgID, "G")
	n, err := l.PruneEvents(t.Context(), grouping.Retention{MaxAge: 24 * time.Hour})
	is.NoErr(err)         // prune by age
	is.Equal(n, int64(0)) // events younger than the age stay
	p, err := l.Events(t.Context(), grouping.OrganisationOf(orgID), 0, 0)
	is.NoErr(err)              // read
	is.Equal(len(p.Events), 2) // every event is still there
}
