package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/internal/benchkit"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// referenceDiscoverableSQL is the discoverable list as schema version 3
// read it: the organisation's live channels in order, each probed for the
// user's membership in the primary key of channel_members. It reads
// nothing the merge relies on (the copies of the channels' keys in the
// memberships, channels_archived), so it is the reference the merge is
// compared with.
const referenceDiscoverableSQL = `SELECT c.id FROM channels AS c
WHERE c.organisation_id = :org AND c.deleted_at IS NULL
	AND (:archived OR c.archived = 0)
	AND NOT EXISTS (
		SELECT 1 FROM channel_members AS m
		WHERE m.channel_id = c.id AND m.user_id = :user)
	AND (c.created_at, c.id) > (:time, :id)
ORDER BY c.created_at, c.id
LIMIT :limit`

// discoverableWorld is a store with two organisations whose channels have
// creation times that often tie, some archived and some deleted, and a
// few users who are members of many, few or none of them, in either
// organisation.
type discoverableWorld struct {
	s        *Store
	rng      *rand.Rand
	newID    func() uuid.UUID
	base     time.Time
	orgs     [2]uuid.UUID
	users    []uuid.UUID               // the users whose lists are compared
	channels map[uuid.UUID][]uuid.UUID // the live channels of each organisation
}

func newDiscoverableWorld(t *testing.T, seed uint64) *discoverableWorld {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	w := &discoverableWorld{
		s:        openTestStore(t),
		rng:      rng,
		newID:    seededIDs(rng),
		base:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		channels: make(map[uuid.UUID][]uuid.UUID),
	}
	for i := range w.orgs {
		w.orgs[i] = w.newID()
		_, err := w.s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: w.orgs[i], Name: fmt.Sprint("org ", i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		w.users = append(w.users, w.newID())
	}
	for _, org := range w.orgs {
		for range 120 {
			w.newChannel(t, org)
		}
	}
	return w
}

// seededIDs returns a function that draws random version 4 UUIDs from rng,
// so that a seed gives the same IDs every run.
func seededIDs(rng *rand.Rand) func() uuid.UUID {
	return func() uuid.UUID {
		return benchkit.UUIDFrom(rng.Uint64(), rng.Uint64())
	}
}

// created draws a creation time among 40 milliseconds, so that many
// channels share theirs and the list orders them by ID.
func (w *discoverableWorld) created() time.Time {
	return w.base.Add(time.Duration(w.rng.IntN(40)) * time.Millisecond)
}

// members draws the members of a channel: the first user is a member of
// nine channels in ten, the second of half, the third of one in ten, the
// fourth of none but those AddChannelMember gives it, the fifth of none;
// and one or two users who are never listed for.
func (w *discoverableWorld) members() []uuid.UUID {
	users := []uuid.UUID{w.newID()}
	for i, p := range []float64{0.9, 0.5, 0.1} {
		if w.rng.Float64() < p {
			users = append(users, w.users[i])
		}
	}
	if w.rng.IntN(2) == 0 {
		users = append(users, w.newID())
	}
	w.rng.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
	return users
}

func (w *discoverableWorld) newChannel(t *testing.T, org uuid.UUID) {
	t.Helper()
	id := w.newID()
	_, err := w.s.UpsertChannel(t.Context(), grouping.ChannelUpsert{
		ID: id, OrganisationID: org, Name: "channel", OwnerID: w.newID(),
		Archived: w.rng.IntN(5) == 0, CreatedAt: w.created(), Users: w.members(),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.channels[org] = append(w.channels[org], id)
}

// change makes one random change through the store's API: a new channel,
// a channel whose creation time, archived flag or members change, a member
// added or removed, or a channel deleted.
func (w *discoverableWorld) change(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	org := w.orgs[w.rng.IntN(len(w.orgs))]
	live := w.channels[org]
	i := w.rng.IntN(len(live))
	ch := live[i]
	user := w.users[w.rng.IntN(4)]
	var err error
	switch op := w.rng.IntN(20); {
	case op < 2:
		w.newChannel(t, org)
	case op < 8: // a new creation time, often with archived and members changed too
		up := grouping.ChannelUpsert{ID: ch, OrganisationID: org, Name: "channel", CreatedAt: w.created(), Archived: w.rng.IntN(5) == 0}
		if w.rng.IntN(2) == 0 {
			up.Users = w.members()
		}
		_, err = w.s.UpsertChannel(ctx, up)
	case op < 10: // archived changes, the creation time stays
		_, err = w.s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: org, Name: "channel", Archived: w.rng.IntN(2) == 0})
	case op < 14:
		err = w.s.AddChannelMember(ctx, org, ch, user)
	case op < 18:
		if err = w.s.RemoveChannelMember(ctx, org, ch, user); grouping.ErrorCode(err) == grouping.NotFound {
			err = nil // not a member
		}
	default:
		err = w.s.DeleteChannel(ctx, org, ch)
		w.channels[org] = slices.Delete(live, i, i+1)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// check compares every discoverable list of the world, page by page,
// with the reference query run with the same cursor and limit, and checks
// that every membership carries its channel's key.
func (w *discoverableWorld) check(t *testing.T) {
	t.Helper()
	is := is.NewRelaxed(t)
	ctx := t.Context()
	var stale int
	is.NoErr(w.s.d.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM channel_members AS m
		JOIN channels AS c ON c.id = m.channel_id
		WHERE m.organisation_id IS NOT c.organisation_id OR m.channel_created_at IS NOT c.created_at
			OR m.channel_deleted IS NOT (c.deleted_at IS NOT NULL)`).Scan(&stale)) // compare the memberships' copies with the channels
	is.Equal(stale, 0) // every membership carries its channel's organisation, creation time and deletion

	users := append(slices.Clone(w.users), w.newID()) // and a user of no channel
	for _, org := range w.orgs {
		for _, user := range users {
			for _, archived := range []bool{false, true} {
				limit := []int{1, 4, 9, 50}[w.rng.IntN(4)]
				var got, want []uuid.UUID
				var after *driver.Key
				cursor := ""
				for page := 0; ; page++ {
					p, err := w.s.ListDiscoverableChannels(ctx, org, user, grouping.ListChannelsOptions{IncludeArchived: archived, Limit: limit, Cursor: cursor})
					is.NoErr(err) // list a page
					ref := referenceDiscoverable(t, w.s.d.reader, org, user, archived, driver.Page{After: after, Limit: limit})
					ids := make([]uuid.UUID, len(p.Items))
					for i, ch := range p.Items {
						ids[i] = ch.ID
						is.Equal(ch.OrganisationID, org) // only the organisation's channels
						is.True(ch.DeletedAt == nil)     // never a deleted one
					}
					more := len(ref) > limit
					ref = ref[:min(len(ref), limit)]
					if !slices.Equal(ids, ref) || (p.NextCursor != "") != more {
						t.Fatalf("org %v user %v archived %v limit %d page %d:\ngot  %v (more %v)\nwant %v (more %v)",
							org, user, archived, limit, page, ids, p.NextCursor != "", ref, more)
					}
					got, want = append(got, ids...), append(want, ref...)
					if p.NextCursor == "" {
						break
					}
					last := p.Items[len(p.Items)-1]
					k := driver.CreationKey(last.CreatedAt, last.ID)
					after, cursor = &k, p.NextCursor
				}
				is.Equal(got, want) // the whole list, across pages
			}
		}
	}
}

// referenceDiscoverable runs referenceDiscoverableSQL for page p: up to
// p.Limit+1 IDs.
func referenceDiscoverable(t *testing.T, db *sql.DB, org, user uuid.UUID, archived bool, p driver.Page) []uuid.UUID {
	t.Helper()
	args := append([]any{sql.Named("org", org), sql.Named("user", user), sql.Named("archived", archived)}, pageArgs(p)...)
	return queryAll(t, db, referenceDiscoverableSQL, func(sc scanner) (id uuid.UUID, err error) {
		return id, sc.Scan(&id)
	}, args...)
}

// queryAll runs a query on db and returns its rows, each read by scan;
// an empty slice, not nil, when it has none.
func queryAll[T any](t *testing.T, db *sql.DB, query string, scan func(scanner) (T, error), args ...any) []T {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// randomWorld is a store that a test changes at random and checks after
// every round of changes.
type randomWorld interface {
	change(t *testing.T)
	check(t *testing.T)
}

// checkRandomWorlds checks the worlds of four seeds, each made by newWorld,
// when new and after each of 8 rounds of changes (one world and 3 rounds
// under -short or the race detector: the worlds have no concurrency for
// the detector to watch).
func checkRandomWorlds(t *testing.T, changes int, newWorld func(t *testing.T, seed uint64) randomWorld) {
	seeds, rounds := []uint64{1, 2, 3, 4}, 8
	if testing.Short() || raceEnabled {
		seeds, rounds = seeds[:1], 3
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, seed)
			w.check(t)
			for range rounds {
				for range changes {
					w.change(t)
				}
				w.check(t)
			}
		})
	}
}

// TestDiscoverableMatchesReference compares the discoverable lists, read
// by merging index ranges, with the reference query that probes each
// channel, over random worlds and random changes: creation times that tie
// and change, archived and deleted channels, members set, added and
// removed, two organisations, and pages of several sizes.
func TestDiscoverableMatchesReference(t *testing.T) {
	checkRandomWorlds(t, 60, func(t *testing.T, seed uint64) randomWorld { return newDiscoverableWorld(t, seed) })
}

// TestMembershipKeysFollowChannel changes a channel's organisation,
// creation time and deletion with UPDATE statements of its own (the API
// never moves a channel to another organisation) and checks that its
// memberships follow each change, and that an update that sets the same
// values leaves them alone.
func TestMembershipKeysFollowChannel(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, other, ch, user := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	for _, o := range []uuid.UUID{org, other} {
		_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: o, Name: "Org"})
		is.NoErr(err) // organisation
	}
	_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: org, Name: "c",
		CreatedAt: time.UnixMilli(1000), Users: []uuid.UUID{user, uuid.New()}})
	is.NoErr(err) // channel with two members
	keys := func() []string {
		return dumpTable(t, s.d.reader, "(SELECT organisation_id, channel_created_at, channel_deleted, user_id FROM channel_members)")
	}
	want := func(org uuid.UUID, created int64, deleted int) []string {
		var out []string
		for range 2 {
			out = append(out, fmt.Sprintf("[%s %d %d]", org, created, deleted))
		}
		return out
	}
	strip := func(rows []string) []string { // leave out the user IDs
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r[:len(r)-len(uuid.Nil.String())-2] + "]"
		}
		return out
	}
	is.Equal(strip(keys()), want(org, 1000, 0)) // copied when added

	for _, c := range []struct {
		update  string
		arg     any
		org     uuid.UUID
		created int64
		deleted int
	}{
		{"UPDATE channels SET created_at = ? WHERE id = ?", 2000, org, 2000, 0},
		{"UPDATE channels SET created_at = ? WHERE id = ?", 2000, org, 2000, 0}, // the same value
		{"UPDATE channels SET organisation_id = ? WHERE id = ?", other, other, 2000, 0},
		{"UPDATE channels SET deleted_at = ? WHERE id = ?", 3000, other, 2000, 1},
	} {
		_, err := s.d.w.conn.ExecContext(ctx, c.update, c.arg, ch)
		is.NoErr(err)                                              // update the channel
		is.Equal(strip(keys()), want(c.org, c.created, c.deleted)) // the memberships follow
	}
	var changes int
	is.NoErr(s.d.w.conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&changes)) // count the rows written so far
	_, err = s.d.w.conn.ExecContext(ctx, "UPDATE channels SET created_at = created_at, deleted_at = deleted_at WHERE id = ?", ch)
	is.NoErr(err) // an update that changes nothing
	var after int
	is.NoErr(s.d.w.conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&after)) // count again
	is.Equal(after, changes+1)                                                       // the channel only: the trigger wrote no membership
}

// TestDiscoverableMigrationCopiesKeys builds a version 3 database with
// memberships of live, archived and deleted channels in two
// organisations, opens it, and checks that version 4 gave every membership
// its channel's key, kept the member counts, and that the lists and the
// member triggers work on the migrated file.
func TestDiscoverableMigrationCopiesKeys(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	tx, open := atVersion(t, 3)
	var err error
	org, other, user := uuid.New(), uuid.New(), uuid.New()
	for _, o := range []uuid.UUID{org, other} {
		_, err = tx.ExecContext(ctx, `INSERT INTO organisations (id, name, created_at) VALUES (?, 'Org', 1)`, o)
		is.NoErr(err) // organisation
	}
	type channel struct {
		id       uuid.UUID
		org      uuid.UUID
		created  int64
		archived bool
		deleted  any
		member   bool // user is a member
	}
	channels := []channel{
		{uuid.New(), org, 10, false, nil, true},
		{uuid.New(), org, 10, false, nil, false},
		{uuid.New(), org, 20, true, nil, false},
		{uuid.New(), org, 30, false, 40, true}, // deleted
		{uuid.New(), org, 30, false, nil, true},
		{uuid.New(), org, 50, false, nil, false},
		{uuid.New(), other, 10, false, nil, false},
	}
	for _, c := range channels {
		_, err = tx.ExecContext(ctx, `INSERT INTO channels (id, organisation_id, name, description, owner_id,
			archived, message_count, created_at, deleted_at) VALUES (?, ?, 'c', '', '', ?, 0, ?, ?)`, c.id, c.org, c.archived, c.created, c.deleted)
		is.NoErr(err) // channel
		members := []uuid.UUID{uuid.New()}
		if c.member {
			members = append(members, user)
		}
		for _, u := range members {
			_, err = tx.ExecContext(ctx, `INSERT INTO channel_members (channel_id, user_id) VALUES (?, ?)`, c.id, u)
			is.NoErr(err) // member
		}
	}
	s := open()
	var v int
	is.NoErr(s.d.reader.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)) // read version
	is.Equal(v, schemaVersion)                                                // migrated to the current version
	var n, stale, counted int
	is.NoErr(s.d.reader.QueryRowContext(ctx, `SELECT COUNT(*),
		COUNT(*) FILTER (WHERE m.organisation_id IS NOT c.organisation_id OR m.channel_created_at IS NOT c.created_at
			OR m.channel_deleted IS NOT (c.deleted_at IS NOT NULL))
		FROM channel_members AS m JOIN channels AS c ON c.id = m.channel_id`).Scan(&n, &stale)) // compare the copies
	is.Equal(n, len(channels)+3) // every membership kept
	is.Equal(stale, 0)           // each with its channel's key
	is.NoErr(s.d.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM channels
		WHERE user_count <> (SELECT COUNT(*) FROM channel_members WHERE channel_id = channels.id)`).Scan(&counted)) // compare the counts
	is.Equal(counted, 0) // the member counts are unchanged

	ids := func(archived bool) []uuid.UUID {
		p, err := s.ListDiscoverableChannels(ctx, org, user, grouping.ListChannelsOptions{IncludeArchived: archived})
		is.NoErr(err) // list
		var out []uuid.UUID
		for _, ch := range p.Items {
			out = append(out, ch.ID)
		}
		return out
	}
	sorted := func(cs ...channel) []uuid.UUID { // in the list's order
		slices.SortFunc(cs, func(a, b channel) int {
			if a.created != b.created {
				return int(a.created - b.created)
			}
			return slices.Compare(a.id[:], b.id[:])
		})
		var out []uuid.UUID
		for _, c := range cs {
			out = append(out, c.id)
		}
		return out
	}
	is.Equal(ids(false), sorted(channels[1], channels[5]))             // neither the user's, the archived, the deleted nor the other organisation's
	is.Equal(ids(true), sorted(channels[1], channels[2], channels[5])) // the archived one on request

	is.NoErr(s.AddChannelMember(ctx, org, channels[1].id, user)) // a membership added after the migration
	is.Equal(ids(false), []uuid.UUID{channels[5].id})            // is skipped too
	got, err := s.GetChannel(ctx, org, channels[1].id)
	is.NoErr(err)                                                   // read the channel
	is.Equal(got.UserCount, 2)                                      // counted by the recreated trigger
	is.NoErr(s.RemoveChannelMember(ctx, org, channels[0].id, user)) // a membership removed after the migration
	got, err = s.GetChannel(ctx, org, channels[0].id)
	is.NoErr(err)              // read the other channel
	is.Equal(got.UserCount, 1) // counted down by the recreated trigger
}
