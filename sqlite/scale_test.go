package sqlite

// The scale fixture: an organisation of n channels written straight into the
// schema's tables, fast enough that BenchmarkScale can run at a million
// channels (see scale_bench_test.go).
//
// Its shape is memstore's BenchmarkStore world, with the same IDs for the
// same n: n channels (a tenth archived, half grouped: the odd quarter in
// one big group, the other odd quarter spread over the rest), n/10 groups
// (at least 10), a user ("heavy") who is a member of the first n/10
// channels and one ("light") who is a member of one channel in a thousand,
// a workspace of n/10 channel groups (at least 10) holding the even
// channels, and a second organisation of 10 groups.
//
// The loader writes no events. A loaded file is a store whose tenants have
// never had events, as a file upgraded from schema version 2 is: Events
// reads an empty page, and the first write of a tenant numbers its event 1.
// Writing the events the API would have written (one or two per channel)
// would double the file and the load time for nothing the list and write
// benchmarks read: lists never read events, and an append finds its
// tenant's last number with one probe of an index.

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// scaleWorld is the data of the scale fixture for one n: every ID and the
// rules that give every row its values.
type scaleWorld struct {
	n                 int
	org, smallOrg, ws uuid.UUID
	heavy, light      uuid.UUID
	base              time.Time   // the creation time of the first channel
	channels          []uuid.UUID // every channel, in creation order
	groups            []uuid.UUID // the organisation's groups; groups[0] is the big one
	groupName         []string
	small             []uuid.UUID // the groups of smallOrg
	cgs               []uuid.UUID // the workspace's channel groups
}

// newScaleWorld returns the world of n channels, its IDs drawn as
// memstore's newBenchWorld draws them.
func newScaleWorld(n int) *scaleWorld {
	ids := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)})
	newID := func() uuid.UUID {
		id, err := uuid.NewRandomFromReader(ids)
		if err != nil {
			panic(err) // ChaCha8 never fails
		}
		return id
	}
	w := &scaleWorld{
		n: n, org: newID(), smallOrg: newID(), ws: newID(), heavy: newID(), light: newID(),
		base:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		channels: make([]uuid.UUID, n),
	}
	for i := range w.channels {
		w.channels[i] = newID()
	}
	numGroups := max(n/10, 10)
	w.groups, w.groupName = make([]uuid.UUID, numGroups), make([]string, numGroups)
	for i := range w.groups {
		w.groups[i], w.groupName[i] = newID(), fmt.Sprint("group ", i)
	}
	w.cgs = make([]uuid.UUID, max(n/10, 10))
	for i := range w.cgs {
		w.cgs[i] = newID()
	}
	w.small = make([]uuid.UUID, 10)
	for i := range w.small {
		w.small[i] = newID()
	}
	return w
}

// at returns the creation time of the i-th channel (and of the i-th
// channel group).
func (w *scaleWorld) at(i int) time.Time { return w.base.Add(time.Duration(i) * time.Millisecond) }

// channel returns the i-th channel as the host describes it.
func (w *scaleWorld) channel(i int) grouping.ChannelUpsert {
	up := grouping.ChannelUpsert{
		ID: w.channels[i], OrganisationID: w.org, OwnerID: w.heavy, Name: fmt.Sprintf("channel %07d", i),
		Archived: i%10 == 9, MessageCount: int64(i), CreatedAt: w.at(i),
	}
	if i%4 == 0 {
		up.Description = "a channel of the benchmarks"
	}
	if i < w.n/10 {
		up.Users = append(up.Users, w.heavy)
	}
	if i%1000 == 500 {
		up.Users = append(up.Users, w.light)
	}
	return up
}

// groupOf returns the index of the group of the i-th channel, or -1 when
// it is in none.
func (w *scaleWorld) groupOf(i int) int {
	switch {
	case i%2 == 0:
		return -1
	case i%4 == 3:
		return 1 + (i/4)%(len(w.groups)-1)
	default:
		return 0
	}
}

// account is the platform account of the j-th channel group.
func (w *scaleWorld) account(j int) grouping.ChannelGroupAttach {
	platform := "whatsapp"
	if j%2 == 1 {
		platform = "telegram"
	}
	return grouping.ChannelGroupAttach{PlatformID: platform, PlatformGroupID: fmt.Sprint("account-", j), PlatformGroupName: fmt.Sprint("Account ", j)}
}

// links is the number of channels in channel groups: the i-th link puts
// channel 2i in channel group i % len(cgs).
func (w *scaleWorld) links() int { return w.n / 2 }

// scaleTables are the tables the loader writes, in the order it writes
// them.
var scaleTables = []string{"organisations", "groups", "channels", "channel_members", "channel_groups", "channel_group_channels"}

// loadScale creates the database file at path with the store's schema (by
// opening it with Open) and writes w into it in one transaction: the
// secondary indexes and the triggers of the tables it writes are dropped
// first and created again, from their own SQL in sqlite_master, at the end,
// and the rows go in through prepared INSERTs of many rows each. The
// channels' user_count, which the dropped triggers would keep, is written
// with the channel. The file is left in WAL mode, as the store keeps it.
func loadScale(ctx context.Context, path string, w *scaleWorld) error {
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	// One connection, no rollback journal (a failed load leaves a file the
	// caller throws away), and a page cache of 64 MiB, which holds the
	// interior of the indexes the rows go into. A larger cache loads no
	// faster: the pages it allocates are freed one by one, each with a
	// system call, when the connection closes (measured at 1M channels:
	// 512 MiB, 36 s of processor time; 64 MiB, 19 s).
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+
		"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// The indexes and triggers to drop, with the SQL that makes them again.
	// Automatic indexes (primary keys, UNIQUE constraints) have no SQL and
	// cannot be dropped: SQLite fills them as the rows go in.
	rows, err := tx.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_master
		WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
			AND tbl_name IN ('`+strings.Join(scaleTables, "', '")+`')
		ORDER BY type, rowid`)
	if err != nil {
		return err
	}
	type schemaObject struct{ typ, name, sql string }
	var dropped []schemaObject
	for rows.Next() {
		var o schemaObject
		if err := rows.Scan(&o.typ, &o.name, &o.sql); err != nil {
			rows.Close()
			return err
		}
		dropped = append(dropped, o)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range dropped {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("DROP %s %s", strings.ToUpper(o.typ), o.name)); err != nil {
			return err
		}
	}

	if err := writeScaleRows(ctx, tx, w); err != nil {
		return err
	}

	for _, o := range dropped { // indexes first: ORDER BY type
		if _, err := tx.ExecContext(ctx, o.sql); err != nil {
			return fmt.Errorf("recreate %s %s: %w", o.typ, o.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "PRAGMA journal_mode = WAL")
	return err
}

// writeScaleRows inserts every row of w, in the order the store's API
// would have created them: organisations, groups, then each channel with
// its members and its place in a group, then the channel groups and their
// links.
func writeScaleRows(ctx context.Context, tx *sql.Tx, w *scaleWorld) error {
	millis := func(t time.Time) int64 { return t.UnixMilli() }
	base := millis(w.base)

	orgs := newBulkInsert(ctx, tx, "organisations", "id", "name", "created_at")
	orgs.add(w.org.String(), "Bench", base)
	orgs.add(w.smallOrg.String(), "Small", base)

	groups := newBulkInsert(ctx, tx, "groups", "id", "organisation_id", "name", "name_key", "description",
		"archived", "position", "version", "created_at", "updated_at")
	for i, id := range w.small {
		name := fmt.Sprint("small ", i)
		groups.add(id.String(), w.smallOrg.String(), name, grouping.FoldName(name), "", false, i, 1, base, base)
	}
	for i, id := range w.groups {
		groups.add(id.String(), w.org.String(), w.groupName[i], grouping.FoldName(w.groupName[i]), "", false, i, 1, base, base)
	}

	channels := newBulkInsert(ctx, tx, "channels", "id", "organisation_id", "name", "description", "owner_id",
		"archived", "message_count", "user_count", "created_at", "group_id", "group_position")
	// A membership carries its channel's organisation, creation time and
	// deletion (none here), as the store's statements copy them.
	members := newBulkInsert(ctx, tx, "channel_members", "channel_id", "user_id",
		"organisation_id", "channel_created_at", "channel_deleted")
	positions := make([]int64, len(w.groups))
	org := w.org.String()
	type member struct {
		channel, user string
		created       int64
	}
	var memberRows []member
	for i := range w.n {
		ch := w.channel(i)
		id := ch.ID.String()
		var group, pos any // NULL
		if g := w.groupOf(i); g >= 0 {
			group, pos = w.groups[g].String(), positions[g]
			positions[g]++
		}
		channels.add(id, org, ch.Name, ch.Description, ch.OwnerID.String(), ch.Archived, ch.MessageCount,
			len(ch.Users), millis(ch.CreatedAt), group, pos)
		for _, u := range ch.Users {
			memberRows = append(memberRows, member{id, u.String(), millis(ch.CreatedAt)})
		}
	}
	// The tables without rowid are kept in primary key order: rows added in
	// that order go to the end of the table instead of amid it.
	slices.SortFunc(memberRows, func(a, b member) int {
		return cmp.Or(strings.Compare(a.channel, b.channel), strings.Compare(a.user, b.user))
	})
	for _, m := range memberRows {
		members.add(m.channel, m.user, org, m.created, 0)
	}

	cgs := newBulkInsert(ctx, tx, "channel_groups", "id", "workspace_id", "platform_id", "platform_group_id",
		"platform_group_name", "created_at", "updated_at")
	ws := w.ws.String()
	for j, id := range w.cgs {
		a, at := w.account(j), millis(w.at(j))
		cgs.add(id.String(), ws, a.PlatformID, a.PlatformGroupID, a.PlatformGroupName, at, at)
	}
	// A link carries its channel group's creation time (see migration
	// 0005).
	links := newBulkInsert(ctx, tx, "channel_group_channels", "workspace_id", "channel_id", "channel_group_id",
		"cg_created_at", "position")
	linkPos := make([]int64, len(w.cgs))
	type link struct {
		channel, cg  string
		created, pos int64
	}
	linkRows := make([]link, w.links())
	for i := range linkRows {
		j := i % len(w.cgs)
		linkRows[i] = link{w.channels[2*i].String(), w.cgs[j].String(), millis(w.at(j)), linkPos[j]}
		linkPos[j]++
	}
	slices.SortFunc(linkRows, func(a, b link) int { return strings.Compare(a.channel, b.channel) })
	for _, l := range linkRows {
		links.add(ws, l.channel, l.cg, l.created, l.pos)
	}
	// Each table's rows are flushed before the next table's: the order of
	// a bulkInsert's rows is kept, but not the order across tables.
	for _, b := range []*bulkInsert{orgs, groups, channels, members, cgs, links} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return nil
}

// bulkInsert inserts rows of one table with a prepared statement of many
// rows, executed each time that many rows are waiting.
type bulkInsert struct {
	ctx   context.Context
	tx    *sql.Tx
	table string
	cols  []string
	per   int       // rows per statement
	full  *sql.Stmt // the statement of per rows, once prepared
	args  []any
	err   error
}

func newBulkInsert(ctx context.Context, tx *sql.Tx, table string, cols ...string) *bulkInsert {
	// SQLite takes up to 32,766 parameters a statement.
	return &bulkInsert{ctx: ctx, tx: tx, table: table, cols: cols, per: min(1000, 32000/len(cols))}
}

// insertSQL returns the INSERT of rows rows.
func (b *bulkInsert) insertSQL(rows int) string {
	row := "(" + strings.Repeat("?, ", len(b.cols)-1) + "?)"
	return "INSERT INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES " +
		strings.Repeat(row+", ", rows-1) + row
}

// add queues a row, and inserts the queued rows when a statement is full.
func (b *bulkInsert) add(vals ...any) {
	if b.err != nil {
		return
	}
	b.args = append(b.args, vals...)
	if len(b.args) < b.per*len(b.cols) {
		return
	}
	if b.full == nil {
		if b.full, b.err = b.tx.PrepareContext(b.ctx, b.insertSQL(b.per)); b.err != nil {
			return
		}
	}
	_, b.err = b.full.ExecContext(b.ctx, b.args...)
	b.args = b.args[:0]
}

// flush inserts the rows still queued and reports the first error.
func (b *bulkInsert) flush() error {
	if b.err == nil && len(b.args) > 0 {
		_, b.err = b.tx.ExecContext(b.ctx, b.insertSQL(len(b.args)/len(b.cols)), b.args...)
		b.args = nil
	}
	if b.full != nil {
		b.full.Close()
	}
	return b.err
}

// scaleLoaderRevision changes whenever the loader or the world's shape
// change, so that files cached by an older loader are not reused.
const scaleLoaderRevision = "3"

// scaleCacheKey names the files of one schema and loader: the schema
// version, and a digest of the migrations and the loader's revision.
func scaleCacheKey() string {
	h := sha256.New()
	for _, m := range migrations {
		fmt.Fprintf(h, "%s\x00%s\x00", m.name, m.sql)
	}
	h.Write([]byte(scaleLoaderRevision))
	return fmt.Sprintf("schema%d-%s", schemaVersion, hex.EncodeToString(h.Sum(nil))[:12])
}

var scaleCacheMu sync.Mutex

// scaleFile returns the path of a database file holding the world of n
// channels, built once and kept under os.TempDir() for later runs, and the
// time the build took (0 when the file was cached). Callers that write must
// copy it first (copyScaleFile).
func scaleFile(tb testing.TB, n int) (string, time.Duration) {
	tb.Helper()
	scaleCacheMu.Lock()
	defer scaleCacheMu.Unlock()
	dir := filepath.Join(os.TempDir(), "grouping-sqlite-scale")
	path := filepath.Join(dir, fmt.Sprintf("scale-%d-%s.db", n, scaleCacheKey()))
	if _, err := os.Stat(path); err == nil {
		return path, 0
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	// Built under a name of its own and renamed when complete, so that a
	// process building the same file at the same time, or one killed while
	// building, never leaves a partial file under the final name.
	tmp := filepath.Join(dir, fmt.Sprintf("building-%d-%d-%d.db", n, os.Getpid(), time.Now().UnixNano()))
	start := time.Now()
	err := loadScale(context.Background(), tmp, newScaleWorld(n))
	took := time.Since(start)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	// The store's write lock file (see writelock.go) stays behind the
	// file it locked; the copies that are opened later have their own.
	os.Remove(tmp + lockFileSuffix)
	if err != nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		tb.Fatalf("load %d channels: %v", n, err)
	}
	return path, took
}

// copyScaleFile copies the database file at src into a new file of tb's
// temporary directory, synced to the disk, and returns its path.
func copyScaleFile(tb testing.TB, src string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), filepath.Base(src))
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		tb.Fatal(err)
	}
	// Written to the disk before the copy is used, so that the system's
	// write-back of hundreds of megabytes does not run under the first
	// benchmarks that follow.
	if err := out.Sync(); err != nil {
		out.Close()
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// buildScaleThroughAPI writes w into s through the grouping.Store API, as
// a host would: the organisations, their groups, the channels (each
// grouped one assigned after its upsert) and the channel groups, made by
// attaching their channels. The store's clock must be clock, which this
// sets before each call to the time the loader writes. The groups and
// channel groups get the IDs the store gives them; w is updated with them.
func buildScaleThroughAPI(ctx context.Context, s *Store, clock *time.Time, w *scaleWorld) error {
	*clock = w.base
	if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: w.org, Name: "Bench"}); err != nil {
		return err
	}
	if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: w.smallOrg, Name: "Small"}); err != nil {
		return err
	}
	for i := range w.small {
		g, err := s.CreateGroup(ctx, w.smallOrg, grouping.NewGroup{Name: fmt.Sprint("small ", i)})
		if err != nil {
			return err
		}
		w.small[i] = g.ID
	}
	for i, name := range w.groupName {
		g, err := s.CreateGroup(ctx, w.org, grouping.NewGroup{Name: name})
		if err != nil {
			return err
		}
		w.groups[i] = g.ID
	}
	for i := range w.n {
		if _, err := s.UpsertChannel(ctx, w.channel(i)); err != nil {
			return err
		}
		if g := w.groupOf(i); g >= 0 {
			if err := s.AssignChannel(ctx, w.org, w.groups[g], w.channels[i]); err != nil {
				return err
			}
		}
	}
	for i := range w.links() {
		j := i % len(w.cgs)
		*clock = w.at(j)
		cg, err := s.AttachChannel(ctx, w.ws, w.channels[2*i], w.account(j))
		if err != nil {
			return err
		}
		w.cgs[j] = cg.ID
	}
	return nil
}

// dumpTable returns every row of a table (or subquery) of db, in the
// order of its first columns (each table's key), as text.
func dumpTable(tb testing.TB, db *sql.DB, table string) []string {
	tb.Helper()
	rows, err := db.Query("SELECT * FROM " + table + " ORDER BY 1, 2")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%v", vals))
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// schemaOf returns the schema of the database: every object's type, name,
// table and SQL, by name, and its user_version.
func schemaOf(tb testing.TB, db *sql.DB) []string {
	tb.Helper()
	out := dumpTable(tb, db, "(SELECT name, type, tbl_name, sql FROM sqlite_master)")
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return append(out, fmt.Sprint("user_version ", v))
}

// TestLoadScaleMatchesAPI builds the same world twice, through the store's
// API and with the loader, and compares the two files: the same schema and
// the same rows in every table the loader writes. The API's file also has
// the events of its calls; the loader's has none.
func TestLoadScaleMatchesAPI(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	n := 600 // the light user is a member of channel 500
	if testing.Short() {
		n = 200
	}
	clock := time.Time{}
	apiPath := filepath.Join(t.TempDir(), "api.db")
	s, err := Open(ctx, apiPath, WithClock(func() time.Time { return clock }))
	is.NoErr(err) // open the API's file
	w := newScaleWorld(n)
	is.NoErr(buildScaleThroughAPI(ctx, s, &clock, w)) // build through the API
	is.NoErr(s.Close())                               // close the API's file

	loadPath := filepath.Join(t.TempDir(), "load.db")
	is.NoErr(loadScale(ctx, loadPath, w)) // load the same world, with the API's IDs

	api, err := sql.Open("sqlite", apiPath)
	is.NoErr(err) // open the API's file directly
	defer api.Close()
	loaded, err := sql.Open("sqlite", loadPath)
	is.NoErr(err) // open the loaded file directly
	defer loaded.Close()

	is.Equal(schemaOf(t, loaded), schemaOf(t, api)) // the same schema, to the SQL of every index and trigger
	for _, table := range scaleTables {
		a, l := dumpTable(t, api, table), dumpTable(t, loaded, table)
		is.True(len(a) > 0)                                    // the world has rows in every table
		is.Equal(len(l), len(a))                               // as many rows
		is.Equal(strings.Join(l, "\n"), strings.Join(a, "\n")) // the same rows
	}
	var apiEvents, loadedEvents int
	is.NoErr(api.QueryRow("SELECT COUNT(*) FROM events").Scan(&apiEvents))       // count the API's events
	is.NoErr(loaded.QueryRow("SELECT COUNT(*) FROM events").Scan(&loadedEvents)) // count the loader's events
	is.True(apiEvents > n)                                                       // the API wrote events
	is.Equal(loadedEvents, 0)                                                    // the loader writes none

	var mode, check string
	is.NoErr(loaded.QueryRow("PRAGMA journal_mode").Scan(&mode))     // read the journal mode
	is.Equal(mode, "wal")                                            // left in WAL mode, as the store keeps it
	is.NoErr(loaded.QueryRow("PRAGMA integrity_check").Scan(&check)) // check the file
	is.Equal(check, "ok")                                            // sound, indexes included
	fk, err := loaded.Query("PRAGMA foreign_key_check")
	is.NoErr(err)       // check the foreign keys
	is.True(!fk.Next()) // every reference holds
	fk.Close()
}

// TestLoadedScaleServes opens a loaded file with Open and uses it: the
// store's check, every list, point reads, the events of a tenant that has
// none, and a write, whose event is its tenant's first.
func TestLoadedScaleServes(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	w := newScaleWorld(2000)
	path := filepath.Join(t.TempDir(), "load.db")
	is.NoErr(loadScale(ctx, path, w)) // load
	s, err := Open(ctx, path)
	is.NoErr(err) // open the loaded file
	defer s.Close()
	is.NoErr(s.Check(ctx)) // the store's readiness check

	groups, err := s.ListGroups(ctx, w.org, grouping.ListGroupsOptions{Limit: 50, IncludeChannels: true})
	is.NoErr(err)                               // list groups
	is.Equal(len(groups.Items), 50)             // a full page
	is.Equal(groups.Items[0].ID, w.groups[0])   // in position order
	is.True(len(groups.Items[0].Channels) > 50) // with their channels
	big, err := s.ListGroupChannels(ctx, w.org, w.groups[0], grouping.ListChannelsOptions{Limit: 50})
	is.NoErr(err)                            // list the big group
	is.Equal(big.Items[0].ID, w.channels[1]) // its first channel
	is.True(big.NextCursor != "")            // more follow
	next, err := s.ListGroupChannels(ctx, w.org, w.groups[0], grouping.ListChannelsOptions{Limit: 50, Cursor: big.NextCursor})
	is.NoErr(err)                 // the next page
	is.Equal(len(next.Items), 50) // a full page
	ungrouped, err := s.ListUngroupedChannels(ctx, w.org, grouping.ListChannelsOptions{Limit: 50})
	is.NoErr(err)                                  // list ungrouped channels
	is.Equal(ungrouped.Items[1].ID, w.channels[2]) // the even channels, by creation
	disc, err := s.ListDiscoverableChannels(ctx, w.org, w.heavy, grouping.ListChannelsOptions{Limit: 50})
	is.NoErr(err)                                  // list discoverable channels
	is.Equal(disc.Items[0].ID, w.channels[w.n/10]) // after the heavy user's channels
	cgs, err := s.ListChannelGroups(ctx, w.ws, grouping.ListChannelGroupsOptions{Limit: 50})
	is.NoErr(err)                                                // list channel groups
	is.Equal(len(cgs.Items), 50)                                 // a full page
	is.Equal(cgs.Items[0].ID, w.cgs[0])                          // by creation
	is.Equal(len(cgs.Items[0].ChannelIDs), w.links()/len(w.cgs)) // with their channels

	ch, err := s.GetChannel(ctx, w.org, w.channels[500])
	is.NoErr(err)                            // read a channel
	is.Equal(ch.Users, []uuid.UUID{w.light}) // its members
	is.Equal(ch.UserCount, 1)                // counted as the trigger counts them
	is.Equal(ch.CreatedAt, w.at(500))        // its creation time
	tenant := grouping.OrganisationOf(w.org)
	evs, err := s.Events(ctx, tenant, 0, 10)
	is.NoErr(err)                // read the organisation's events
	is.Equal(len(evs.Events), 0) // none

	is.NoErr(s.AssignChannel(ctx, w.org, w.groups[1], w.channels[0])) // a write
	evs, err = s.Events(ctx, tenant, 0, 10)
	is.NoErr(err)                              // read the events again
	is.Equal(len(evs.Events), 1)               // the write's event
	is.Equal(evs.Events[0].Sequence, int64(1)) // numbered first
	ch, err = s.GetChannel(ctx, w.org, w.channels[0])
	is.NoErr(err)                      // read the channel back
	is.Equal(*ch.GroupID, w.groups[1]) // assigned
}
