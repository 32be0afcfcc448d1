package memstore

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/channelgrouping/grouping/internal/benchkit"
	"github.com/google/uuid"
)

// benchSizes chooses the organisation sizes of BenchmarkStore, for example
// go test -bench Store -args -memstore.sizes=10k,1M. The 1M world is left
// out under -short.
var benchSizes = flag.String("memstore.sizes", "10k,100k,1M", "organisation sizes (channels) of BenchmarkStore, comma-separated")

// BenchmarkStore times every operation of the store, through the
// grouping.Store API, in an organisation of each size: n channels (a tenth
// of them archived, half of them in groups, a quarter in one big group),
// n/10 groups, and a workspace with n/10 channel groups holding half of the
// channels. Write benchmarks leave the world as they found it, putting back
// what they change in untimed batches. Sub-benchmark names carry the size
// (n=…) so that benchstat -col /n shows how each operation grows.
func BenchmarkStore(b *testing.B) {
	for _, size := range strings.Split(*benchSizes, ",") {
		n, err := benchkit.ParseSize(size)
		if err != nil {
			b.Fatalf("-memstore.sizes: %v", err)
		}
		b.Run("n="+size, func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("large organisation: not under -short")
			}
			w := newBenchWorld(b, n)
			for _, op := range benchOps {
				b.Run("op="+op.name, func(b *testing.B) {
					b.ReportAllocs()
					cpu.start()
					op.run(b, w)
					cpu.stop()
					b.ReportMetric(float64(cpu.total)/float64(b.N), "cpu-ns/op")
				})
			}
		})
		runtime.GC() // the world of this size is gone
	}
}

// benchWorld is the data every benchmark of one size runs on.
type benchWorld struct {
	n     int
	store *Store
	d     *memDriver
	rng   *rand.Rand
	// writes counts the writes of the write benchmarks, loops the calls
	// of loop (see wrote).
	writes, loops int

	org      uuid.UUID
	smallOrg uuid.UUID   // an organisation of its own with a few groups
	small    []uuid.UUID // its groups
	ws       uuid.UUID
	base     time.Time // the creation time of the first channel

	channels  []uuid.UUID // every channel, in creation order
	sample    []uuid.UUID // random channels
	ungrouped []uuid.UUID // random ungrouped, unarchived channels
	unlinked  []uuid.UUID // random channels in no channel group
	bigSample []uuid.UUID // random channels of the big group
	groups    []uuid.UUID // every group, the big one first
	groupName []string
	target    uuid.UUID // a group of few channels
	cgs       []uuid.UUID
	heavy     uuid.UUID // a member of the first n/10 channels
	light     uuid.UUID // a member of one channel in a thousand

	bytesPerChannel float64 // heap per channel, less names and descriptions
	// What the garbage collector has to go through per channel: heap
	// objects, scannable bytes, and the time of a full collection.
	objectsPerChannel, scanPerChannel, gcPerChannel float64
}

const sampleSize = 1024

var benchCtx = context.Background()

// newBenchWorld builds the world of n channels through the driver, in
// transactions of a few thousand writes, and measures the heap it takes.
func newBenchWorld(b *testing.B, n int) *benchWorld {
	b.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	ids := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)})
	newID := func() uuid.UUID {
		id, err := uuid.NewRandomFromReader(ids)
		if err != nil {
			b.Fatal(err)
		}
		return id
	}
	w := &benchWorld{
		n: n, rng: rng, org: newID(), smallOrg: newID(), ws: newID(), heavy: newID(), light: newID(),
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

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	gcBefore := readGCMetrics()

	d := newDriver()
	var texts int // bytes of channel names and descriptions
	batch := func(from, to int, fn func(tx driver.Tx, i int)) {
		for lo := from; lo < to; lo += 4096 {
			err := d.Write(benchCtx, func(tx driver.Tx) error {
				for i := lo; i < min(lo+4096, to); i++ {
					fn(tx, i)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	check := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	batch(0, 1, func(tx driver.Tx, _ int) {
		_, _, err := tx.UpsertOrganisation(benchCtx, grouping.Organisation{ID: w.org, Name: "Bench"}, w.base)
		check(err)
		_, _, err = tx.UpsertOrganisation(benchCtx, grouping.Organisation{ID: w.smallOrg, Name: "Small"}, w.base)
		check(err)
		for i, id := range w.small {
			g := grouping.Group{ID: id, Name: fmt.Sprint("small ", i), OrganisationID: w.smallOrg, Position: i, Version: 1, CreatedAt: w.base, UpdatedAt: w.base}
			check(tx.InsertGroup(benchCtx, g, grouping.FoldName(g.Name)))
		}
	})
	batch(0, numGroups, func(tx driver.Tx, i int) {
		g := grouping.Group{ID: w.groups[i], Name: w.groupName[i], OrganisationID: w.org, Position: i, Version: 1, CreatedAt: w.base, UpdatedAt: w.base}
		check(tx.InsertGroup(benchCtx, g, grouping.FoldName(g.Name)))
	})
	positions := make([]int64, numGroups)
	batch(0, n, func(tx driver.Tx, i int) {
		rec := driver.ChannelRecord{
			ID: w.channels[i], OrganisationID: w.org, OwnerID: w.heavy, Name: fmt.Sprintf("channel %07d", i),
			Archived: i%10 == 9, MessageCount: int64(i), CreatedAt: w.at(i),
		}
		if i%4 == 0 {
			rec.Description = "a channel of the benchmarks"
		}
		texts += len(rec.Name) + len(rec.Description)
		check(tx.InsertChannel(benchCtx, rec))
		var users []uuid.UUID
		if i < n/10 {
			users = append(users, w.heavy)
		}
		if i%1000 == 500 {
			users = append(users, w.light)
		}
		if users != nil {
			check(tx.SetMembers(benchCtx, rec.ID, users))
		}
		if i%2 == 1 { // grouped: the odd quarter in the big group
			g := 0
			if i%4 == 3 {
				g = 1 + (i/4)%(numGroups-1)
			}
			check(tx.PlaceChannel(benchCtx, rec.ID, w.groups[g], positions[g]))
			positions[g]++
		}
	})
	linkPos := make([]int64, len(w.cgs))
	batch(0, len(w.cgs), func(tx driver.Tx, i int) {
		platform := "whatsapp"
		if i%2 == 1 {
			platform = "telegram"
		}
		cg := grouping.ChannelGroup{
			ID: w.cgs[i], WorkspaceID: w.ws, PlatformID: platform, PlatformGroupID: fmt.Sprint("account-", i),
			PlatformGroupName: fmt.Sprint("Account ", i), CreatedAt: w.at(i), UpdatedAt: w.at(i),
		}
		check(tx.InsertChannelGroup(benchCtx, cg))
	})
	batch(0, n/2, func(tx driver.Tx, i int) {
		cg := i % len(w.cgs)
		check(tx.LinkChannel(benchCtx, w.ws, w.channels[2*i], w.cgs[cg], linkPos[cg]))
		linkPos[cg]++
	})
	positions, linkPos = nil, nil

	runtime.GC()
	runtime.ReadMemStats(&after)
	w.bytesPerChannel = (float64(after.HeapAlloc) - float64(before.HeapAlloc) - float64(texts)) / float64(n)
	gcAfter := readGCMetrics()
	w.objectsPerChannel = float64(gcAfter.objects-gcBefore.objects) / float64(n)
	w.scanPerChannel = float64(gcAfter.scan-gcBefore.scan) / float64(n)
	start := time.Now()
	runtime.GC() // the mark work of a collection of this heap
	w.gcPerChannel = float64(time.Since(start)) / float64(n)

	w.d, w.store = d, &Store{engine.New(d)}
	for _, i := range rng.Perm(n) { // distinct random channels
		if len(w.sample) < sampleSize {
			w.sample = append(w.sample, w.channels[i])
		}
		switch {
		case i%10 == 9: // archived
		case i%2 == 0 && len(w.ungrouped) < sampleSize:
			w.ungrouped = append(w.ungrouped, w.channels[i])
		case i%4 == 1 && len(w.bigSample) < sampleSize:
			w.bigSample = append(w.bigSample, w.channels[i])
		}
		if i%2 == 1 && len(w.unlinked) < sampleSize {
			w.unlinked = append(w.unlinked, w.channels[i])
		}
		if len(w.sample) == sampleSize && len(w.ungrouped) == sampleSize &&
			len(w.bigSample) == sampleSize && len(w.unlinked) == sampleSize {
			break
		}
	}
	w.target = w.groups[1]
	return w
}

// at returns the creation time of the i-th channel.
func (w *benchWorld) at(i int) time.Time { return w.base.Add(time.Duration(i) * time.Millisecond) }

// randomTime returns the creation time of a random channel of the world,
// so that a channel created then lands anywhere in the lists.
func (w *benchWorld) randomTime() time.Time { return w.at(w.rng.IntN(w.n)) }

// forgetChannels drops deleted channels from the store's memory, as no
// call can (the store keeps a deleted channel so that upserting it again
// is refused), so that benchmarks that delete do not grow the world. Once
// deleted, a channel is only in the map by ID and its slot.
func (w *benchWorld) forgetChannels(ids []uuid.UUID) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	for _, id := range ids {
		if c := w.d.data.channel(id); c != nil {
			delete(w.d.data.channels, id)
			w.d.data.slab.release(c)
		}
	}
}

// forgetGroups is forgetChannels for groups.
func (w *benchWorld) forgetGroups(ids []uuid.UUID) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	for _, id := range ids {
		delete(w.d.data.groups, id)
	}
}

// The write benchmarks prune the event log as a store that runs for long
// does (grouping.Retention): every pruneEvery writes they keep each
// tenant's newest keepEvents, in the timed part, so that the writes append
// into the memory that pruned events leave rather than into a log that
// grows for as long as the benchmark runs.
const pruneEvery, keepEvents = 4096, 1024

// wrote counts a write of a benchmark and prunes the log every pruneEvery.
func (w *benchWorld) wrote(b *testing.B) {
	w.writes++
	if w.writes%pruneEvery == 0 {
		_, err := w.store.PruneEvents(benchCtx, grouping.Retention{MaxCount: keepEvents})
		must(b, err)
	}
}

// loop is b.Loop for the write benchmarks, with wrote after each write
// (each call but the first of a benchmark's loop).
func (w *benchWorld) loop(b *testing.B) bool {
	if w.loops > 0 {
		w.wrote(b)
	}
	w.loops++
	if !b.Loop() {
		w.loops = 0
		return false
	}
	return true
}

// inBatches runs op for i in [0, b.N), timed, in batches of size: before
// each batch, untimed, setup(from, to) prepares it; after it, cleanup(from,
// to) puts the world back.
func (w *benchWorld) inBatches(b *testing.B, size int, setup, cleanup func(from, to int), op func(i int)) {
	b.Helper()
	b.ResetTimer()
	cpu.reset()
	pause(b)
	for from := 0; from < b.N; from += size {
		to := min(from+size, b.N)
		if setup != nil {
			setup(from, to)
		}
		resume(b)
		for i := from; i < to; i++ {
			op(i)
			w.wrote(b)
		}
		pause(b)
		if cleanup != nil {
			cleanup(from, to)
		}
	}
}

// cpu adds up the processor time (user and system, of every thread) of
// the timed parts of a benchmark. On a machine that other work shares, it
// varies less than the time per operation, which also counts the time
// spent waiting for a processor; it also counts the garbage collector's
// work on the other processors, some of it caused by untimed setup, so it
// can exceed the time per operation.
var cpu cpuMeter

type cpuMeter struct {
	total, since time.Duration
	running      bool
}

func (m *cpuMeter) reset() { m.total, m.since = 0, processTime() }

func (m *cpuMeter) start() {
	m.total, m.since, m.running = 0, processTime(), true
}

func (m *cpuMeter) stop() {
	if m.running {
		m.total += processTime() - m.since
		m.running = false
	}
}

func (m *cpuMeter) resume() {
	if !m.running {
		m.since, m.running = processTime(), true
	}
}

// pause stops the benchmark's timer and its processor time.
func pause(b *testing.B) {
	b.StopTimer()
	cpu.stop()
}

// resume starts them again.
func resume(b *testing.B) {
	cpu.resume()
	b.StartTimer()
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Helper()
		b.Fatal(err)
	}
}

// benchInsert times upserts of new channels created at created(), checked
// by check when it is not nil, and deletes them again, untimed.
func benchInsert(b *testing.B, w *benchWorld, created func() time.Time, check func(grouping.Channel)) {
	ups := make([]grouping.ChannelUpsert, sampleSize)
	w.inBatches(b, sampleSize, func(from, to int) {
		for i := range to - from {
			ups[i] = grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: w.org, OwnerID: w.heavy, Name: "new", CreatedAt: created()}
		}
	}, func(from, to int) {
		ids := make([]uuid.UUID, 0, to-from)
		for _, up := range ups[:to-from] {
			must(b, w.store.DeleteChannel(benchCtx, w.org, up.ID))
			ids = append(ids, up.ID)
		}
		w.forgetChannels(ids)
	}, func(i int) {
		ch, err := w.store.UpsertChannel(benchCtx, ups[i%sampleSize])
		must(b, err)
		if check != nil {
			check(ch)
		}
	})
}

type benchOp struct {
	name string
	run  func(b *testing.B, w *benchWorld)
}

// secondPage returns the cursor after the first page of 50 of list.
func secondPage(b *testing.B, list func(cursor string) (string, int, error)) string {
	b.Helper()
	next, n, err := list("")
	if err != nil || n != 50 || next == "" {
		b.Fatal("first page:", n, err)
	}
	return next
}

// benchList times the page of 50 after the first one.
func benchList(b *testing.B, list func(cursor string) (string, int, error)) {
	cursor := secondPage(b, list)
	for b.Loop() {
		if _, n, err := list(cursor); err != nil || n != 50 {
			b.Fatal(n, err)
		}
	}
}

func listed[T any](p grouping.Page[T], err error) (string, int, error) {
	return p.NextCursor, len(p.Items), err
}

var benchOps = []benchOp{
	// ---- reads ----
	{"GetChannel", func(b *testing.B, w *benchWorld) {
		i := 0
		for b.Loop() {
			_, err := w.store.GetChannel(benchCtx, w.org, w.sample[i%sampleSize])
			must(b, err)
			i++
		}
	}},
	{"GetGroup", func(b *testing.B, w *benchWorld) {
		i := 0
		for b.Loop() {
			_, err := w.store.GetGroup(benchCtx, w.org, w.groups[1+i%(len(w.groups)-1)], grouping.GetGroupOptions{})
			must(b, err)
			i++
		}
	}},
	{"GetChannelGroup", func(b *testing.B, w *benchWorld) {
		i := 0
		for b.Loop() {
			_, err := w.store.GetChannelGroup(benchCtx, w.ws, w.cgs[i%len(w.cgs)])
			must(b, err)
			i++
		}
	}},

	// ---- lists: the second page of 50 ----
	{"ListGroups", func(b *testing.B, w *benchWorld) {
		benchList(b, func(c string) (string, int, error) {
			return listed(w.store.ListGroups(benchCtx, w.org, grouping.ListGroupsOptions{Limit: 50, Cursor: c}))
		})
	}},
	{"ListGroupChannels", func(b *testing.B, w *benchWorld) {
		benchList(b, func(c string) (string, int, error) {
			return listed(w.store.ListGroupChannels(benchCtx, w.org, w.groups[0], grouping.ListChannelsOptions{Limit: 50, Cursor: c}))
		})
	}},
	{"ListUngroupedChannels", func(b *testing.B, w *benchWorld) {
		benchList(b, func(c string) (string, int, error) {
			return listed(w.store.ListUngroupedChannels(benchCtx, w.org, grouping.ListChannelsOptions{Limit: 50, Cursor: c}))
		})
	}},
	{"ListUngroupedChannelsArchived", func(b *testing.B, w *benchWorld) {
		benchList(b, func(c string) (string, int, error) {
			return listed(w.store.ListUngroupedChannels(benchCtx, w.org, grouping.ListChannelsOptions{IncludeArchived: true, Limit: 50, Cursor: c}))
		})
	}},
	{"ListDiscoverableChannels", func(b *testing.B, w *benchWorld) {
		benchList(b, func(c string) (string, int, error) {
			return listed(w.store.ListDiscoverableChannels(benchCtx, w.org, w.light, grouping.ListChannelsOptions{Limit: 50, Cursor: c}))
		})
	}},
	{"ListChannelGroups", func(b *testing.B, w *benchWorld) {
		benchList(b, func(c string) (string, int, error) {
			return listed(w.store.ListChannelGroups(benchCtx, w.ws, grouping.ListChannelGroupsOptions{Limit: 50, Cursor: c}))
		})
	}},
	// The first page of 50 for a user who is a member of the first n/10
	// channels: the list passes over every one of those memberships.
	// ns/skip (cpu-ns/skip) is the time (processor time) of the page less
	// that of the light user's first page, per membership passed over.
	{"ListDiscoverableChannelsSkip", func(b *testing.B, w *benchWorld) {
		page := func(user uuid.UUID) {
			p, err := w.store.ListDiscoverableChannels(benchCtx, w.org, user, grouping.ListChannelsOptions{Limit: 50})
			if err != nil || len(p.Items) != 50 {
				b.Fatal(len(p.Items), err)
			}
		}
		pause(b)
		start, startCPU, rounds := time.Now(), processTime(), 0
		for ; rounds < 5 || time.Since(start) < 50*time.Millisecond; rounds++ {
			page(w.light)
		}
		base := time.Since(start) / time.Duration(rounds)
		baseCPU := (processTime() - startCPU) / time.Duration(rounds)
		b.ResetTimer()
		cpu.reset()
		resume(b)
		for range b.N {
			page(w.heavy)
		}
		pause(b)
		skips := float64(w.n / 10)
		b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N)-base)/skips, "ns/skip")
		b.ReportMetric(float64(cpu.total/time.Duration(b.N)-baseCPU)/skips, "cpu-ns/skip")
	}},

	// ---- writes that leave the world as it was ----
	{"UpsertOrganisation", func(b *testing.B, w *benchWorld) {
		names := []string{"Bench", "Bench renamed"}
		i := 0
		for w.loop(b) {
			_, err := w.store.UpsertOrganisation(benchCtx, grouping.Organisation{ID: w.org, Name: names[i%2]})
			must(b, err)
			i++
		}
	}},
	{"UpsertChannelUpdate", func(b *testing.B, w *benchWorld) {
		i := 0
		for w.loop(b) {
			_, err := w.store.UpsertChannel(benchCtx, grouping.ChannelUpsert{
				ID: w.ungrouped[i%len(w.ungrouped)], OrganisationID: w.org, OwnerID: w.heavy, Name: "renamed", MessageCount: int64(i),
			})
			must(b, err)
			i++
		}
	}},
	{"AddChannelMember", func(b *testing.B, w *benchWorld) {
		user := uuid.New()
		w.inBatches(b, sampleSize, nil, func(from, to int) {
			for i := from; i < to; i++ {
				must(b, w.store.RemoveChannelMember(benchCtx, w.org, w.sample[i%sampleSize], user))
			}
		}, func(i int) {
			must(b, w.store.AddChannelMember(benchCtx, w.org, w.sample[i%sampleSize], user))
		})
	}},
	{"RemoveChannelMember", func(b *testing.B, w *benchWorld) {
		user := uuid.New()
		w.inBatches(b, sampleSize, func(from, to int) {
			for i := from; i < to; i++ {
				must(b, w.store.AddChannelMember(benchCtx, w.org, w.sample[i%sampleSize], user))
			}
		}, nil, func(i int) {
			must(b, w.store.RemoveChannelMember(benchCtx, w.org, w.sample[i%sampleSize], user))
		})
	}},
	{"UpdateGroup", func(b *testing.B, w *benchWorld) {
		k := min(sampleSize, len(w.groups)-1)
		renamed := make([]string, k)
		for i := range renamed {
			renamed[i] = w.groupName[1+i] + " renamed"
		}
		i := 0
		for w.loop(b) {
			j := i % k
			name := renamed[j]
			if (i/k)%2 == 1 {
				name = w.groupName[1+j]
			}
			_, err := w.store.UpdateGroup(benchCtx, w.org, w.groups[1+j], grouping.GroupUpdate{Name: &name})
			must(b, err)
			i++
		}
		pause(b)
		if (i/k)%2 == 1 || i%k != 0 { // put every name back
			for j := range k {
				name := w.groupName[1+j]
				_, err := w.store.UpdateGroup(benchCtx, w.org, w.groups[1+j], grouping.GroupUpdate{Name: &name})
				must(b, err)
			}
		}
	}},
	{"ReorderGroups", func(b *testing.B, w *benchWorld) {
		orders := [][]uuid.UUID{slices.Clone(w.small), slices.Clone(w.small)}
		slices.Reverse(orders[0])
		i := 0
		for w.loop(b) {
			must(b, w.store.ReorderGroups(benchCtx, w.smallOrg, orders[i%2]))
			i++
		}
	}},
	{"AssignChannel", func(b *testing.B, w *benchWorld) {
		k := len(w.ungrouped)
		w.inBatches(b, k, nil, func(from, to int) {
			for i := from; i < to; i++ {
				must(b, w.store.RemoveChannel(benchCtx, w.org, w.target, w.ungrouped[i%k]))
			}
		}, func(i int) {
			must(b, w.store.AssignChannel(benchCtx, w.org, w.target, w.ungrouped[i%k]))
		})
	}},
	{"RemoveChannel", func(b *testing.B, w *benchWorld) {
		k := len(w.ungrouped)
		w.inBatches(b, k, func(from, to int) {
			for i := from; i < to; i++ {
				must(b, w.store.AssignChannel(benchCtx, w.org, w.target, w.ungrouped[i%k]))
			}
		}, nil, func(i int) {
			must(b, w.store.RemoveChannel(benchCtx, w.org, w.target, w.ungrouped[i%k]))
		})
	}},
	{"MoveChannel", func(b *testing.B, w *benchWorld) {
		k := len(w.bigSample)
		to := [2]uuid.UUID{w.target, w.groups[0]}
		i := 0
		for w.loop(b) {
			must(b, w.store.MoveChannel(benchCtx, w.org, to[(i/k)%2], w.bigSample[i%k]))
			i++
		}
		pause(b)
		for _, id := range w.bigSample { // back to the big group
			must(b, w.store.MoveChannel(benchCtx, w.org, w.groups[0], id))
		}
	}},
	{"ReorderGroupChannels", func(b *testing.B, w *benchWorld) {
		p, err := w.store.ListGroupChannels(benchCtx, w.org, w.target, grouping.ListChannelsOptions{IncludeArchived: true})
		must(b, err)
		var order [2][]uuid.UUID
		for _, ch := range p.Items {
			order[0] = append(order[0], ch.ID)
		}
		order[1] = slices.Clone(order[0])
		slices.Reverse(order[1])
		i := 0
		for w.loop(b) {
			must(b, w.store.ReorderGroupChannels(benchCtx, w.org, w.target, order[(i+1)%2]))
			i++
		}
		pause(b)
		must(b, w.store.ReorderGroupChannels(benchCtx, w.org, w.target, order[0]))
	}},
	{"AttachChannel", func(b *testing.B, w *benchWorld) {
		const k = 8 // channels moving between two accounts
		accounts := [2]grouping.ChannelGroupAttach{
			{PlatformID: "whatsapp", PlatformGroupID: "bench-a", PlatformGroupName: "A"},
			{PlatformID: "whatsapp", PlatformGroupID: "bench-b", PlatformGroupName: "B"},
		}
		i := 0
		for w.loop(b) {
			_, err := w.store.AttachChannel(benchCtx, w.ws, w.unlinked[i%k], accounts[(i/k)%2])
			must(b, err)
			i++
		}
		pause(b)
		for _, id := range w.unlinked[:k] {
			if err := w.store.DetachChannel(benchCtx, w.ws, id); err != nil && grouping.ErrorCode(err) != grouping.NotFound {
				b.Fatal(err)
			}
		}
	}},
	{"DetachChannel", func(b *testing.B, w *benchWorld) {
		k := len(w.unlinked)
		account := grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "bench-c"}
		w.inBatches(b, k, func(from, to int) {
			for i := from; i < to; i++ {
				_, err := w.store.AttachChannel(benchCtx, w.ws, w.unlinked[i%k], account)
				must(b, err)
			}
		}, nil, func(i int) {
			must(b, w.store.DetachChannel(benchCtx, w.ws, w.unlinked[i%k]))
		})
	}},

	// ---- writes that add records the store keeps once deleted: last, and
	// the benchmark forgets what it deleted, so that the world keeps its
	// size ----
	{"UpsertChannelInsert", func(b *testing.B, w *benchWorld) {
		benchInsert(b, w, w.randomTime, nil)
	}},
	{"UpsertChannelInsertNow", func(b *testing.B, w *benchWorld) {
		// New channels without a creation time, which the store gives
		// the time of the call: they go after the world's channels in
		// the indexes by creation (among themselves, those of one
		// millisecond by ID), as channels made on a platform and
		// upserted at once do, where UpsertChannelInsert's random times
		// put each one on a path of its own.
		benchInsert(b, w, func() time.Time { return time.Time{} }, func(ch grouping.Channel) {
			if !ch.CreatedAt.After(w.at(w.n - 1)) {
				b.Fatalf("a channel created at %v, not after the world's last", ch.CreatedAt)
			}
		})
	}},
	{"DeleteChannel", func(b *testing.B, w *benchWorld) {
		ids := make([]uuid.UUID, sampleSize)
		w.inBatches(b, sampleSize, func(from, to int) {
			for i := range to - from {
				ch, err := w.store.UpsertChannel(benchCtx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: w.org, OwnerID: w.heavy, Name: "doomed", CreatedAt: w.randomTime()})
				must(b, err)
				ids[i] = ch.ID
			}
		}, func(from, to int) {
			w.forgetChannels(ids[:to-from])
		}, func(i int) {
			must(b, w.store.DeleteChannel(benchCtx, w.org, ids[i%sampleSize]))
		})
	}},
	{"CreateGroup", func(b *testing.B, w *benchWorld) {
		names := make([]grouping.NewGroup, sampleSize)
		ids := make([]uuid.UUID, sampleSize)
		round := 0
		w.inBatches(b, sampleSize, func(from, to int) {
			for i := range to - from {
				names[i] = grouping.NewGroup{Name: fmt.Sprintf("new group %d.%d", round, i)}
			}
			round++
		}, func(from, to int) {
			for _, id := range ids[:to-from] {
				must(b, w.store.DeleteGroup(benchCtx, w.org, id, 0))
			}
			w.forgetGroups(ids[:to-from])
		}, func(i int) {
			g, err := w.store.CreateGroup(benchCtx, w.org, names[i%sampleSize])
			must(b, err)
			ids[i%sampleSize] = g.ID
		})
	}},
	{"DeleteGroup", func(b *testing.B, w *benchWorld) {
		ids := make([]uuid.UUID, sampleSize)
		round := 0
		w.inBatches(b, sampleSize, func(from, to int) {
			for i := range to - from {
				g, err := w.store.CreateGroup(benchCtx, w.org, grouping.NewGroup{Name: fmt.Sprintf("doomed group %d.%d", round, i)})
				must(b, err)
				ids[i] = g.ID
			}
			round++
		}, func(from, to int) {
			w.forgetGroups(ids[:to-from])
		}, func(i int) {
			must(b, w.store.DeleteGroup(benchCtx, w.org, ids[i%sampleSize], 0))
		})
	}},
	{"DeleteChannelGroup", func(b *testing.B, w *benchWorld) {
		k := len(w.unlinked)
		ids := make([]uuid.UUID, k)
		round := 0
		w.inBatches(b, k, func(from, to int) {
			for i := from; i < to; i++ {
				cg, err := w.store.AttachChannel(benchCtx, w.ws, w.unlinked[i%k], grouping.ChannelGroupAttach{
					PlatformID: "whatsapp", PlatformGroupID: fmt.Sprintf("doomed-%d.%d", round, i%k),
				})
				must(b, err)
				ids[i%k] = cg.ID
			}
			round++
		}, nil, func(i int) {
			must(b, w.store.DeleteChannelGroup(benchCtx, w.ws, ids[i%k]))
		})
	}},

	// ---- the world's heap ----
	{"Memory", func(b *testing.B, w *benchWorld) {
		for b.Loop() {
		}
		b.ReportMetric(w.bytesPerChannel, "B/channel")
		b.ReportMetric(w.objectsPerChannel, "objects/channel")
		b.ReportMetric(w.scanPerChannel, "scan-B/channel")
		b.ReportMetric(w.gcPerChannel, "gc-ns/channel")
	}},
}

// gcMetrics is the heap as the garbage collector sees it.
type gcMetrics struct{ objects, scan uint64 }

// readGCMetrics returns the live heap objects and scannable heap bytes as
// of the last collection.
func readGCMetrics() gcMetrics {
	s := []metrics.Sample{{Name: "/gc/heap/objects:objects"}, {Name: "/gc/scan/heap:bytes"}}
	metrics.Read(s)
	return gcMetrics{s[0].Value.Uint64(), s[1].Value.Uint64()}
}
