package drivertest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// world is data of every kind in two organisations and two workspaces, and
// IDs for what a test adds to it, so that a snapshot can read everything a
// transaction may change.
type world struct {
	placed
	accounts
	user  uuid.UUID // a member of inSales and loose
	fresh struct {
		org, channel, group, channelGroup uuid.UUID
		user                              uuid.UUID
		name, rename                      string // of a new group, of a renamed one
	}
}

func addWorld(t *testing.T, tx driver.Tx) world {
	t.Helper()
	is := is.New(t)
	is.Helper()
	w := world{placed: addPlaced(t, tx), accounts: addAccounts(t, tx), user: uuid.New()}
	is.NoErr(tx.SetMembers(t.Context(), w.inSales.ID, []uuid.UUID{w.user, uuid.New()})) // set members
	is.NoErr(tx.SetMembers(t.Context(), w.loose.ID, []uuid.UUID{w.user}))               // set members
	w.fresh.org, w.fresh.channel, w.fresh.group = uuid.New(), uuid.New(), uuid.New()
	w.fresh.channelGroup, w.fresh.user = uuid.New(), uuid.New()
	w.fresh.name, w.fresh.rename = "Fresh", "Renamed"
	addWorldEvents(t, tx, w)
	return w
}

func (w world) channels() []driver.ChannelRecord {
	return []driver.ChannelRecord{w.inSales, w.archivedIn, w.late, w.loose, w.looseArch, w.dead, w.foreignCh}
}

func (w world) groups() []grouping.Group {
	return []grouping.Group{w.sales, w.empty, w.old, w.gone, w.foreign}
}

func (w world) orgs() []uuid.UUID { return []uuid.UUID{w.org, w.other, w.fresh.org} }

func (w world) channelIDs() []uuid.UUID {
	return append(recordIDs(w.channels()...), w.fresh.channel)
}

func (w world) groupIDs() []uuid.UUID { return append(groupIDs(w.groups()), w.fresh.group) }

func (w world) channelGroupIDs() []uuid.UUID {
	return []uuid.UUID{w.wa.ID, w.tg.ID, w.otherWA.ID, w.fresh.channelGroup}
}

func (w world) linkable() []uuid.UUID {
	return []uuid.UUID{w.one, w.two, w.three, w.fresh.channel}
}

// lines collects the description of a state.
type lines []string

func (l *lines) add(format string, args ...any) { *l = append(*l, fmt.Sprintf(format, args...)) }

// snapshot describes, one line per read, everything the Reader methods show
// of w.
func snapshot(t *testing.T, r driver.Reader, w world) []string {
	t.Helper()
	is := is.New(t)
	is.Helper()
	ctx := t.Context()
	var out lines
	add := out.add
	for _, org := range w.orgs() {
		ok, err := r.OrganisationExists(ctx, org)
		is.NoErr(err) // organisation exists
		add("organisation %s exists %t", short(org), ok)
		for _, id := range w.channelIDs() {
			ch, err := r.Channel(ctx, org, id)
			is.NoErr(err) // read channel
			add("channel %s/%s: %s", short(org), short(id), describeChannel(ch))
		}
		for _, id := range w.groupIDs() {
			g, err := r.Group(ctx, org, id, true)
			is.NoErr(err) // read group
			add("group %s/%s: %s", short(org), short(id), describeGroup(g))
		}
		gl, err := r.ListGroups(ctx, driver.GroupsQuery{OrganisationID: org, WithChannels: true, Page: driver.Page{Limit: 100}})
		is.NoErr(err) // list groups
		for _, g := range gl.Items {
			add("listed group %s/%s: %s", short(org), short(g.ID), describeGroup(&g))
		}
		q := driver.ChannelsQuery{OrganisationID: org, UserID: w.user, IncludeArchived: true, Page: driver.Page{Limit: 100}}
		for _, id := range w.groupIDs() {
			q.GroupID = id
			l, err := r.ListGroupChannels(ctx, q)
			is.NoErr(err) // list group channels
			add("group channels %s/%s: %s", short(org), short(id), describeChannels(l))
		}
		l, err := r.ListUngroupedChannels(ctx, q)
		is.NoErr(err) // list ungrouped channels
		add("ungrouped %s: %s", short(org), describeChannels(l))
		l, err = r.ListDiscoverableChannels(ctx, q)
		is.NoErr(err) // list discoverable channels
		add("discoverable %s: %s", short(org), describeChannels(l))
	}
	for _, ws := range []uuid.UUID{w.ws, w.otherWS} {
		for _, id := range w.channelGroupIDs() {
			cg, err := r.ChannelGroup(ctx, ws, id)
			is.NoErr(err) // read channel group
			add("channel group %s/%s: %s", short(ws), short(id), describeChannelGroup(cg))
		}
		l, err := r.ListChannelGroups(ctx, driver.ChannelGroupsQuery{WorkspaceID: ws, Page: driver.Page{Limit: 100}})
		is.NoErr(err) // list channel groups
		for _, cg := range l.Items {
			add("listed channel group %s/%s: %s", short(ws), short(cg.ID), describeChannelGroup(&cg))
		}
	}
	for _, l := range eventLines(t, r, w) {
		add("%s", l)
	}
	return out
}

// facts describes, one line per read, everything the fact methods of a
// transaction show of w.
func facts(t *testing.T, tx driver.Tx, w world) []string {
	t.Helper()
	is := is.New(t)
	is.Helper()
	ctx := t.Context()
	var out lines
	add := out.add
	keys := []string{nameKey(w.fresh.name), nameKey(w.fresh.rename)}
	for _, g := range w.groups() {
		keys = append(keys, nameKey(g.Name))
	}
	for _, org := range w.orgs() {
		for _, id := range w.channelIDs() {
			st, err := tx.ChannelState(ctx, org, id)
			is.NoErr(err) // channel state
			add("channel state %s/%s: %t %s", short(org), short(id), st.OrganisationFound, describeFacts(st.Channel))
		}
		for _, id := range w.groupIDs() {
			st, err := tx.GroupState(ctx, org, id, "")
			is.NoErr(err) // group state
			add("group state %s/%s: %s max %d", short(org), short(id), describeGroup(st.Group), st.MaxPosition)
			gc, err := tx.GroupChannelIDs(ctx, org, id)
			is.NoErr(err) // group channel IDs
			add("group channel IDs %s/%s: %t %v", short(org), short(id), gc.GroupFound, sorted(gc.ChannelIDs))
			p, err := tx.Placement(ctx, org, id, uuid.Nil)
			is.NoErr(err) // placement
			if p.Group != nil {
				add("placement group %s/%s: %+v", short(org), short(id), *p.Group)
			}
		}
		for _, key := range keys {
			st, err := tx.GroupState(ctx, org, uuid.Nil, key)
			is.NoErr(err) // group state by name key
			add("name key %s/%q: held by %s", short(org), key, st.NameHolder)
		}
		found, ids, err := tx.GroupIDs(ctx, org)
		is.NoErr(err) // group IDs
		add("group IDs %s: %t %v", short(org), found, sorted(ids))
	}
	for _, ws := range []uuid.UUID{w.ws, w.otherWS} {
		for _, ch := range w.linkable() {
			for _, acct := range [][2]string{{"whatsapp", "account-1"}, {"telegram", "account-1"}, {"whatsapp", "account-9"}} {
				att, err := tx.Attachment(ctx, ws, ch, acct[0], acct[1])
				is.NoErr(err) // attachment
				add("attachment %s/%s/%s/%s: %s max %d in %s", short(ws), short(ch), acct[0], acct[1],
					describeChannelGroup(att.Account), att.MaxPosition, att.Current)
			}
		}
	}
	return out
}

func describeTime(tm time.Time) string { return tm.UTC().Format(time.RFC3339Nano) }

func describeChannel(ch *grouping.Channel) string {
	if ch == nil {
		return "none"
	}
	s := fmt.Sprintf("%q %q org %s owner %s archived %t messages %d users %d %v created %s",
		ch.Name, ch.Description, short(ch.OrganisationID), ch.OwnerID, ch.Archived, ch.MessageCount,
		ch.UserCount, sorted(ch.Users), describeTime(ch.CreatedAt))
	if ch.GroupID != nil {
		s += " in " + ch.GroupID.String()
	}
	if ch.DeletedAt != nil {
		s += " deleted " + describeTime(*ch.DeletedAt)
	}
	return s
}

func describeChannels(l driver.List[grouping.Channel]) string {
	s := fmt.Sprintf("more %t last %+v", l.More, l.Last)
	for _, ch := range l.Items {
		s += "; " + describeChannel(&ch)
	}
	return s
}

func describeGroup(g *grouping.Group) string {
	if g == nil {
		return "none"
	}
	s := fmt.Sprintf("%q %q org %s archived %t position %d version %d created %s updated %s channels %v",
		g.Name, g.Description, short(g.OrganisationID), g.Archived, g.Position, g.Version,
		describeTime(g.CreatedAt), describeTime(g.UpdatedAt), channelIDs(g.Channels))
	if g.DeletedAt != nil {
		s += " deleted " + describeTime(*g.DeletedAt)
	}
	return s
}

func describeChannelGroup(cg *grouping.ChannelGroup) string {
	if cg == nil {
		return "none"
	}
	return fmt.Sprintf("%s %s/%s %q created %s updated %s channels %v", short(cg.WorkspaceID),
		cg.PlatformID, cg.PlatformGroupID, cg.PlatformGroupName, describeTime(cg.CreatedAt),
		describeTime(cg.UpdatedAt), cg.ChannelIDs)
}

func describeFacts(f *driver.ChannelFacts) string {
	if f == nil {
		return "none"
	}
	return fmt.Sprintf("%+v", *f)
}

// sameState checks that two snapshots are equal, and logs the lines that
// differ when they are not.
func sameState(t *testing.T, got, want []string) bool {
	t.Helper()
	if slices.Equal(got, want) {
		return true
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Logf("got  %s\nwant %s", g, w)
		}
	}
	return false
}
