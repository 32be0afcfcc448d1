package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// referenceChannelGroupsSQL is the channel groups list as schema version 4
// read it, scanning the tables instead of searching their indexes: the
// workspace's channel groups (of :platform, unless it is empty) in order,
// each with its links found by its ID. It reads neither the copies of the
// channel groups' creation times in the links nor the indexes that order
// them, so it is the reference the list is compared with.
const referenceChannelGroupsSQL = `SELECT cg.id, cg.workspace_id, cg.platform_id, cg.platform_group_id,
	cg.platform_group_name, cg.created_at, cg.updated_at,
	(SELECT group_concat(l.channel_id, ',' ORDER BY l.position) FROM channel_group_channels AS l NOT INDEXED
		WHERE l.workspace_id = cg.workspace_id AND l.channel_group_id = cg.id)
FROM channel_groups AS cg NOT INDEXED
WHERE cg.workspace_id = :ws AND (:platform = '' OR cg.platform_id = :platform)
	AND (cg.created_at, cg.id) > (:time, :id)
ORDER BY cg.created_at, cg.id
LIMIT :limit`

// staleLinkCopiesSQL counts the links whose copy of their channel group's
// creation time differs from it, or whose channel group is missing.
const staleLinkCopiesSQL = `SELECT COUNT(*) FROM channel_group_channels AS l
	LEFT JOIN channel_groups AS cg NOT INDEXED ON cg.workspace_id = l.workspace_id AND cg.id = l.channel_group_id
WHERE cg.created_at IS NOT l.cg_created_at`

// accountKey names a platform account of a workspace.
type accountKey struct {
	ws                uuid.UUID
	platform, account string
}

// channelGroupWorld is a store with two workspaces whose channel groups
// are made, filled, emptied, renamed and deleted at random, at creation
// times that often tie, and a model of what each holds: its channels in
// attach order.
type channelGroupWorld struct {
	s        *Store
	rng      *rand.Rand
	newID    func() uuid.UUID
	ws       [2]uuid.UUID
	channels map[uuid.UUID][]uuid.UUID // the channels of each workspace
	// The model: each account's channels, in attach order (an account is
	// here from its first attach until its channel group is deleted), and
	// the account each channel is attached to.
	accounts map[accountKey][]uuid.UUID
	attached map[[2]uuid.UUID]accountKey
}

func newChannelGroupWorld(t *testing.T, seed uint64) *channelGroupWorld {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 5))
	// The clock draws times among 30 milliseconds, so that many channel
	// groups share their creation time and the list orders them by ID.
	var mu sync.Mutex
	clockRng := rand.New(rand.NewPCG(seed, 6))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return base.Add(time.Duration(clockRng.IntN(30)) * time.Millisecond)
	}
	w := &channelGroupWorld{
		s:        openTestStore(t, WithClock(clock)),
		rng:      rng,
		newID:    seededIDs(rng),
		channels: make(map[uuid.UUID][]uuid.UUID),
		accounts: make(map[accountKey][]uuid.UUID),
		attached: make(map[[2]uuid.UUID]accountKey),
	}
	for i := range w.ws {
		w.ws[i] = w.newID()
		for range 40 {
			w.channels[w.ws[i]] = append(w.channels[w.ws[i]], w.newID())
		}
	}
	return w
}

// account draws one of 3 platforms' 8 accounts of a workspace.
func (w *channelGroupWorld) account(ws uuid.UUID) accountKey {
	return accountKey{ws, fmt.Sprint("p", w.rng.IntN(3)), fmt.Sprint("a", w.rng.IntN(8))}
}

// unlink takes a channel out of its account in the model.
func (w *channelGroupWorld) unlink(ws, ch uuid.UUID) {
	if from, ok := w.attached[[2]uuid.UUID{ws, ch}]; ok {
		w.accounts[from] = slices.DeleteFunc(w.accounts[from], func(id uuid.UUID) bool { return id == ch })
		delete(w.attached, [2]uuid.UUID{ws, ch})
	}
}

// change makes one random change through the store's API, and to the
// model: an attach (a channel group made, a channel moved between channel
// groups, or attached again where it is, with or without a new name), a
// detach, or a channel group deleted.
func (w *channelGroupWorld) change(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	ws := w.ws[w.rng.IntN(len(w.ws))]
	ch := w.channels[ws][w.rng.IntN(len(w.channels[ws]))]
	switch op := w.rng.IntN(10); {
	case op < 6:
		a := w.account(ws)
		name := ""
		if w.rng.IntN(3) == 0 {
			name = fmt.Sprint("name ", w.rng.IntN(4))
		}
		_, err := w.s.AttachChannel(ctx, ws, ch, grouping.ChannelGroupAttach{PlatformID: a.platform, PlatformGroupID: a.account, PlatformGroupName: name})
		if err != nil {
			t.Fatal(err)
		}
		if w.attached[[2]uuid.UUID{ws, ch}] != a {
			w.unlink(ws, ch)
			w.accounts[a] = append(w.accounts[a], ch)
			w.attached[[2]uuid.UUID{ws, ch}] = a
		}
	case op < 8:
		err := w.s.DetachChannel(ctx, ws, ch)
		if _, ok := w.attached[[2]uuid.UUID{ws, ch}]; !ok && grouping.ErrorCode(err) == grouping.NotFound {
			err = nil // not attached
		}
		if err != nil {
			t.Fatal(err)
		}
		w.unlink(ws, ch)
	default:
		a := w.account(ws)
		if _, ok := w.accounts[a]; !ok {
			return // no channel group
		}
		id := w.channelGroupOf(t, a)
		if err := w.s.DeleteChannelGroup(ctx, ws, id); err != nil {
			t.Fatal(err)
		}
		for _, c := range w.accounts[a] {
			delete(w.attached, [2]uuid.UUID{ws, c})
		}
		delete(w.accounts, a)
	}
}

// channelGroupOf finds the ID of an account's channel group by listing its
// platform's.
func (w *channelGroupWorld) channelGroupOf(t *testing.T, a accountKey) uuid.UUID {
	t.Helper()
	p, err := w.s.ListChannelGroups(t.Context(), a.ws, grouping.ListChannelGroupsOptions{PlatformID: a.platform})
	if err != nil {
		t.Fatal(err)
	}
	for _, cg := range p.Items {
		if cg.PlatformGroupID == a.account {
			return cg.ID
		}
	}
	t.Fatalf("no channel group of %v", a)
	return uuid.Nil
}

// check checks that every link carries its channel group's creation time,
// and compares every list of the world, of each workspace (and one of no
// channel group) and platform (and none), page by page, with the reference
// query run with the same cursor and limit, and the whole list with the
// model.
func (w *channelGroupWorld) check(t *testing.T) {
	t.Helper()
	is := is.NewRelaxed(t)
	ctx := t.Context()
	var stale int
	is.NoErr(w.s.d.reader.QueryRowContext(ctx, staleLinkCopiesSQL).Scan(&stale)) // compare the links' copies with their channel groups
	is.Equal(stale, 0)                                                           // every link carries its channel group's creation time

	for _, ws := range append(w.ws[:], w.newID()) {
		for _, platform := range []string{"", "p0", "p1", "p2", "p3"} {
			limit := []int{1, 3, 7, 50}[w.rng.IntN(4)]
			var got []grouping.ChannelGroup
			var after *driver.Key
			cursor := ""
			for page := 0; ; page++ {
				p, err := w.s.ListChannelGroups(ctx, ws, grouping.ListChannelGroupsOptions{PlatformID: platform, Limit: limit, Cursor: cursor})
				is.NoErr(err) // list a page
				ref := referenceChannelGroups(t, w.s.d.reader, ws, platform, driver.Page{After: after, Limit: limit})
				more := len(ref) > limit
				ref = ref[:min(len(ref), limit)]
				if !slices.EqualFunc(p.Items, ref, equalChannelGroups) || (p.NextCursor != "") != more {
					t.Fatalf("workspace %v platform %q limit %d page %d:\ngot  %v (more %v)\nwant %v (more %v)",
						ws, platform, limit, page, p.Items, p.NextCursor != "", ref, more)
				}
				got = append(got, p.Items...)
				if p.NextCursor == "" {
					break
				}
				last := p.Items[len(p.Items)-1]
				k := driver.CreationKey(last.CreatedAt, last.ID)
				after, cursor = &k, p.NextCursor
			}
			want := 0
			for a, chs := range w.accounts {
				if a.ws == ws && (platform == "" || a.platform == platform) {
					want++
					i := slices.IndexFunc(got, func(cg grouping.ChannelGroup) bool {
						return cg.PlatformID == a.platform && cg.PlatformGroupID == a.account
					})
					is.True(i >= 0) // the account's channel group is listed
					if i >= 0 {
						is.Equal(got[i].ChannelIDs, append([]uuid.UUID{}, chs...)) // with the model's channels, in attach order
					}
				}
			}
			is.Equal(len(got), want) // no other channel group
		}
	}
}

// equalChannelGroups reports whether two channel groups are equal, times
// included.
func equalChannelGroups(a, b grouping.ChannelGroup) bool {
	return a.ID == b.ID && a.WorkspaceID == b.WorkspaceID && a.PlatformID == b.PlatformID &&
		a.PlatformGroupID == b.PlatformGroupID && a.PlatformGroupName == b.PlatformGroupName &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && slices.Equal(a.ChannelIDs, b.ChannelIDs)
}

// referenceChannelGroups runs referenceChannelGroupsSQL for page p: up to
// p.Limit+1 channel groups.
func referenceChannelGroups(t *testing.T, db *sql.DB, ws uuid.UUID, platform string, p driver.Page) []grouping.ChannelGroup {
	t.Helper()
	args := append([]any{sql.Named("ws", ws), sql.Named("platform", platform)}, pageArgs(p)...)
	return queryAll(t, db, referenceChannelGroupsSQL, scanChannelGroup, args...)
}

// TestChannelGroupsMatchReference compares the channel group lists, read
// in the order of the tables' keys, with the reference query that scans
// the tables and with a model of the writes, over random worlds and random
// attaches, moves, renames, detaches and deletions, two workspaces, the
// platform filter, and pages of several sizes; after every round, every
// link must carry its channel group's creation time.
func TestChannelGroupsMatchReference(t *testing.T) {
	checkRandomWorlds(t, 80, func(t *testing.T, seed uint64) randomWorld { return newChannelGroupWorld(t, seed) })
}

// TestLinkCopiesFollowChannelGroup changes a channel group's creation time
// with an UPDATE statement of its own (the API never does) and checks that
// its links follow; that a link cannot be written with another creation
// time than its channel group's; and that deleting the channel group
// deletes its links.
func TestLinkCopiesFollowChannelGroup(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t, WithClock(func() time.Time { return time.UnixMilli(1000) }))
	ws, other := uuid.New(), uuid.New()
	var cg grouping.ChannelGroup
	for range 3 {
		var err error
		cg, err = s.AttachChannel(ctx, ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "p", PlatformGroupID: "a"})
		is.NoErr(err) // attach a channel
	}
	copies := func() []string {
		return dumpTable(t, s.d.reader, "(SELECT cg_created_at, channel_group_id FROM channel_group_channels)")
	}
	want := func(created int64) []string {
		return slices.Repeat([]string{fmt.Sprintf("[%d %s]", created, cg.ID)}, 3)
	}
	is.Equal(copies(), want(1000)) // copied when linked

	_, err := s.d.w.conn.ExecContext(ctx, "UPDATE channel_groups SET created_at = 2000 WHERE id = ?", cg.ID)
	is.NoErr(err)                  // a new creation time
	is.Equal(copies(), want(2000)) // the links follow
	got, err := s.GetChannelGroup(ctx, ws, cg.ID)
	is.NoErr(err)                           // read the channel group
	is.Equal(len(got.ChannelIDs), 3)        // its channels are still found
	is.Equal(got.ChannelIDs, cg.ChannelIDs) // in their order

	_, err = s.d.w.conn.ExecContext(ctx, `INSERT INTO channel_group_channels (workspace_id, channel_id, channel_group_id, cg_created_at, position)
		VALUES (?, ?, ?, 1000, 9)`, ws, uuid.New(), cg.ID)
	is.True(err != nil) // a link with another creation time than its channel group's is refused
	_, err = s.d.w.conn.ExecContext(ctx, `INSERT INTO channel_group_channels (workspace_id, channel_id, channel_group_id, cg_created_at, position)
		VALUES (?, ?, ?, 2000, 9)`, other, uuid.New(), cg.ID)
	is.True(err != nil) // and a link to a channel group of another workspace

	is.NoErr(s.DeleteChannelGroup(ctx, ws, cg.ID)) // delete the channel group
	is.Equal(len(copies()), 0)                     // its links go with it
}

// TestChannelGroupOrderMigration builds a version 4 database with channel
// groups of two workspaces, some empty, and their links, opens it, and
// checks that version 5 kept every row, gave every link its channel
// group's creation time, and that the lists and the writes work on the
// migrated file.
func TestChannelGroupOrderMigration(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	tx, open := atVersion(t, 4)
	var err error
	ws, other := uuid.New(), uuid.New()
	type channelGroup struct {
		id       uuid.UUID
		ws       uuid.UUID
		platform string
		created  int64
		channels []uuid.UUID // in link order
	}
	cgs := []channelGroup{
		{uuid.New(), ws, "wa", 30, []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}},
		{uuid.New(), ws, "tg", 10, []uuid.UUID{uuid.New()}},
		{uuid.New(), ws, "wa", 10, nil},
		{uuid.New(), ws, "wa", 20, []uuid.UUID{uuid.New(), uuid.New()}},
		{uuid.New(), other, "wa", 10, []uuid.UUID{uuid.New()}},
	}
	links := 0
	for i, cg := range cgs {
		_, err = tx.ExecContext(ctx, `INSERT INTO channel_groups (id, workspace_id, platform_id, platform_group_id,
			platform_group_name, created_at, updated_at) VALUES (?, ?, ?, ?, 'name', ?, ?)`, cg.id, cg.ws, cg.platform, fmt.Sprint("account ", i), cg.created, cg.created+5)
		is.NoErr(err)                                     // channel group
		for j, ch := range slices.Backward(cg.channels) { // positions not in the order of insertion
			_, err = tx.ExecContext(ctx, `INSERT INTO channel_group_channels (workspace_id, channel_id, channel_group_id, position)
				VALUES (?, ?, ?, ?)`, cg.ws, ch, cg.id, 2*j)
			is.NoErr(err) // link
			links++
		}
	}
	s := open()
	var v, n, stale int
	is.NoErr(s.d.reader.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)) // read version
	is.Equal(v, schemaVersion)                                                // migrated to the current version
	is.NoErr(s.d.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM channel_group_channels").Scan(&n))
	is.Equal(n, links)                                                         // every link kept
	is.NoErr(s.d.reader.QueryRowContext(ctx, staleLinkCopiesSQL).Scan(&stale)) // compare the copies
	is.Equal(stale, 0)                                                         // each with its channel group's creation time

	ids := func(platform string) [][]uuid.UUID {
		p, err := s.ListChannelGroups(ctx, ws, grouping.ListChannelGroupsOptions{PlatformID: platform})
		is.NoErr(err) // list
		var out [][]uuid.UUID
		for _, cg := range p.Items {
			out = append(out, append([]uuid.UUID{cg.ID}, cg.ChannelIDs...))
		}
		return out
	}
	item := func(cg channelGroup) []uuid.UUID { return append([]uuid.UUID{cg.id}, cg.channels...) }
	first, second := item(cgs[1]), item(cgs[2]) // created at the same time: in the order of their IDs
	if cgs[2].id.String() < cgs[1].id.String() {
		first, second = second, first
	}
	is.Equal(ids(""), [][]uuid.UUID{first, second, item(cgs[3]), item(cgs[0])})  // the workspace's, in the list's order, each with its channels in link order
	is.Equal(ids("wa"), [][]uuid.UUID{item(cgs[2]), item(cgs[3]), item(cgs[0])}) // one platform's

	moved := cgs[0].channels[0]
	cg, err := s.AttachChannel(ctx, ws, moved, grouping.ChannelGroupAttach{PlatformID: "wa", PlatformGroupID: "account 2"})
	is.NoErr(err)                                      // move a channel to the empty channel group after the migration
	is.Equal(cg.ChannelIDs, []uuid.UUID{moved})        // it is there
	is.NoErr(s.DeleteChannelGroup(ctx, ws, cgs[3].id)) // delete a channel group after the migration
	is.Equal(ids("wa"), [][]uuid.UUID{
		{cgs[2].id, moved},
		append([]uuid.UUID{cgs[0].id}, cgs[0].channels[1:]...),
	}) // the moved channel in its new channel group, the deleted one gone
	is.NoErr(s.d.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM channel_group_channels").Scan(&n))
	is.Equal(n, links-len(cgs[3].channels))                                    // the deleted channel group's links went with it
	is.NoErr(s.d.reader.QueryRowContext(ctx, staleLinkCopiesSQL).Scan(&stale)) // compare the copies again
	is.Equal(stale, 0)                                                         // the new link carries its channel group's creation time
}
