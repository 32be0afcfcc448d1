package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/internal/benchkit"
	"github.com/google/uuid"
)

// scaleSizes chooses the organisation sizes of BenchmarkScale, for example
// go test -bench '^BenchmarkScale$' -args -sqlite.sizes=10k,1M. The 1M world is left out
// under -short.
var scaleSizes = flag.String("sqlite.sizes", "10k,100k,1M", "organisation sizes (channels) of BenchmarkScale, comma-separated")

// scalePragmas sets pragmas on every connection of BenchmarkScale's store
// after Open, to compare settings with the defaults, for example
// -sqlite.pragmas=cache_size=-16384,mmap_size=268435456.
var scalePragmas = flag.String("sqlite.pragmas", "", "pragmas (name=value, comma-separated) set on every connection of BenchmarkScale's store")

// BenchmarkScale times the lists, point reads and a few writes of the
// store, through the grouping.Store API, in the world of scale_test.go at
// each size: an organisation of n channels, n/10 groups (a quarter of the
// channels in one big group) and a workspace of n/10 channel groups. The
// world is loaded once per size and cached under os.TempDir() (see
// scaleFile); each run works on a copy. Sub-benchmark names carry the size
// (n=…), so that benchstat -col /n shows how each operation grows:
//
//	go test -run '^$' -bench '^BenchmarkScale$' -count 6 ./sqlite | tee scale.txt
//	benchstat -col /n scale.txt
//
// Every list is read in pages of 50: the first page (page=first), and
// pages that start at 64 cursors spread over the list, one after the
// other (page=later). ListDiscoverableChannelsSkip is the first page for
// a user who is a member of the first n/10 channels, which the list passes
// over: ns/skip is its time less that of the first page of a user of few
// memberships, per membership passed over. Besides ns/op, each reports the
// processor time of the process per operation (cpu-ns/op), which varies
// less on a machine that other work shares.
func BenchmarkScale(b *testing.B) {
	forEachScaleSize(b, func(b *testing.B, n int) {
		sb := newScaleBench(b, n)
		for _, op := range scaleOps {
			b.Run("op="+op.name, func(b *testing.B) {
				b.ReportAllocs()
				op.run(b, sb)
			})
		}
	})
}

// forEachScaleSize runs fn in a sub-benchmark (n=…) for each size of
// -sqlite.sizes, all but those above 100k under -short.
func forEachScaleSize(b *testing.B, fn func(b *testing.B, n int)) {
	for _, size := range strings.Split(*scaleSizes, ",") {
		n, err := benchkit.ParseSize(size)
		if err != nil || n < 1000 {
			b.Fatalf("bad size %q in -sqlite.sizes (at least 1k)", size)
		}
		b.Run("n="+size, func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("large organisation: not under -short")
			}
			fn(b, n)
		})
	}
}

// scaleBench is what the operations of one size work on.
type scaleBench struct {
	*scaleWorld
	s   *Store
	ctx context.Context

	sample    []uuid.UUID // random channels
	ungrouped []uuid.UUID // random channels in no group
	bigSample []uuid.UUID // random channels of the big group
	unlinked  []uuid.UUID // random channels in no channel group
	groupPick []uuid.UUID // random groups other than the big one
	cgPick    []uuid.UUID // random channel groups
	target    uuid.UUID   // a group of few channels

	later map[string][]string // the later-page cursors of each list
}

const scaleSampleSize = 1024

// newScaleBench opens a copy of the world of n channels, sets the pragmas
// of -sqlite.pragmas, and draws the samples and cursors the operations
// use.
func newScaleBench(b *testing.B, n int) *scaleBench {
	b.Helper()
	path, took := scaleFile(b, n)
	if took > 0 {
		b.Logf("loaded %d channels in %v", n, took.Round(time.Millisecond))
	}
	ctx := context.Background()
	s, err := Open(ctx, copyScaleFile(b, path))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if *scalePragmas != "" {
		setPoolPragmas(b, s, strings.Split(*scalePragmas, ","))
	}
	sb := &scaleBench{scaleWorld: newScaleWorld(n), s: s, ctx: ctx}
	sb.target = sb.groups[1]

	rng := rand.New(rand.NewPCG(uint64(n), 11))
	for _, i := range rng.Perm(n) {
		if len(sb.sample) < scaleSampleSize {
			sb.sample = append(sb.sample, sb.channels[i])
		}
		switch g := sb.groupOf(i); {
		case g < 0 && len(sb.ungrouped) < scaleSampleSize:
			sb.ungrouped = append(sb.ungrouped, sb.channels[i])
		case g == 0 && len(sb.bigSample) < scaleSampleSize:
			sb.bigSample = append(sb.bigSample, sb.channels[i])
		}
		if i%2 == 1 && len(sb.unlinked) < scaleSampleSize {
			sb.unlinked = append(sb.unlinked, sb.channels[i])
		}
	}
	for range scaleSampleSize {
		sb.groupPick = append(sb.groupPick, sb.groups[1+rng.IntN(len(sb.groups)-1)])
		sb.cgPick = append(sb.cgPick, sb.cgs[rng.IntN(len(sb.cgs))])
	}
	sb.makeCursors(b)
	return sb
}

// setPoolPragmas runs PRAGMA name=value for each of pragmas on every
// connection of the store's pools: it takes all of them at once, so that
// each is a different one, and gives them back to the pool, which keeps
// them open.
func setPoolPragmas(tb testing.TB, s *Store, pragmas []string) {
	tb.Helper()
	ctx := context.Background()
	set := func(c *sql.Conn) {
		for _, p := range pragmas {
			if _, err := c.ExecContext(ctx, "PRAGMA "+p); err != nil {
				tb.Fatalf("PRAGMA %s: %v", p, err)
			}
		}
	}
	set(s.d.w.conn) // the writer's one connection, which the store holds
	conns := make([]*sql.Conn, s.d.reader.Stats().MaxOpenConnections)
	for i := range conns {
		c, err := s.d.reader.Conn(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		set(c)
		c.Close()
	}
}

// The lists' numbers and the cursors of engine/cursor.go, which
// makeCursors checks against the engine's own.
const (
	listGroups byte = iota + 1
	listGroupChannels
	listUngrouped
	listDiscoverable
	listChannelGroups
)

// scaleCursor returns the cursor the engine makes for key k of list l
// scoped to parts.
func scaleCursor(l byte, parts []string, k driver.Key) string {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	buf := []byte{l}
	buf = binary.BigEndian.AppendUint32(buf, h.Sum32())
	buf = binary.AppendVarint(buf, k.Pos)
	buf = binary.AppendVarint(buf, k.Time)
	buf = append(buf, k.ID[:]...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// scaleList is a list the benchmarks page through.
type scaleList struct {
	name  string
	list  func(sb *scaleBench, cursor string) (next string, items int, err error)
	id    byte
	scope func(sb *scaleBench) []string
	// lastKey is the key of the last item of the first page.
	lastKey func(b *testing.B, sb *scaleBench) driver.Key
	// count is the number of entries of the list's index range, archived
	// channels included; key is the key of the i-th.
	count func(sb *scaleBench) int
	key   func(sb *scaleBench, i int) driver.Key
}

var scaleLists = []scaleList{
	{
		name: "ListGroups",
		list: func(sb *scaleBench, c string) (string, int, error) {
			return listed(sb.s.ListGroups(sb.ctx, sb.org, grouping.ListGroupsOptions{Limit: 50, Cursor: c}))
		},
		id:    listGroups,
		scope: func(sb *scaleBench) []string { return []string{sb.org.String(), "any"} },
		lastKey: func(b *testing.B, sb *scaleBench) driver.Key {
			p, err := sb.s.ListGroups(sb.ctx, sb.org, grouping.ListGroupsOptions{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			return driver.GroupKey(&p.Items[49])
		},
		count: func(sb *scaleBench) int { return len(sb.groups) },
		key: func(sb *scaleBench, i int) driver.Key {
			return driver.Key{Pos: int64(i), Time: sb.base.UnixMilli(), ID: sb.groups[i]}
		},
	},
	{
		name: "ListGroupChannels", // of the big group, a quarter of the channels
		list: func(sb *scaleBench, c string) (string, int, error) {
			return listed(sb.s.ListGroupChannels(sb.ctx, sb.org, sb.groups[0], grouping.ListChannelsOptions{Limit: 50, Cursor: c}))
		},
		id:    listGroupChannels,
		scope: func(sb *scaleBench) []string { return []string{sb.org.String(), sb.groups[0].String(), "false"} },
		lastKey: func(b *testing.B, sb *scaleBench) driver.Key {
			p, err := sb.s.ListGroupChannels(sb.ctx, sb.org, sb.groups[0], grouping.ListChannelsOptions{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			id := p.Items[49].ID
			var pos int64
			if err := sb.s.d.reader.QueryRow("SELECT group_position FROM channels WHERE id = ?", id).Scan(&pos); err != nil {
				b.Fatal(err)
			}
			return driver.GroupChannelKey(pos, id)
		},
		count: func(sb *scaleBench) int { return (sb.n + 2) / 4 }, // the channels 4k+1
		key: func(sb *scaleBench, k int) driver.Key {
			return driver.GroupChannelKey(int64(k), sb.channels[4*k+1])
		},
	},
	{
		name: "ListUngroupedChannels",
		list: func(sb *scaleBench, c string) (string, int, error) {
			return listed(sb.s.ListUngroupedChannels(sb.ctx, sb.org, grouping.ListChannelsOptions{Limit: 50, Cursor: c}))
		},
		id:    listUngrouped,
		scope: func(sb *scaleBench) []string { return []string{sb.org.String(), "false"} },
		lastKey: func(b *testing.B, sb *scaleBench) driver.Key {
			p, err := sb.s.ListUngroupedChannels(sb.ctx, sb.org, grouping.ListChannelsOptions{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			return driver.CreationKey(p.Items[49].CreatedAt, p.Items[49].ID)
		},
		count: func(sb *scaleBench) int { return (sb.n + 1) / 2 }, // the channels 2k
		key: func(sb *scaleBench, k int) driver.Key {
			return driver.CreationKey(sb.at(2*k), sb.channels[2*k])
		},
	},
	{
		name: "ListDiscoverableChannels", // for a user of one channel in a thousand
		list: func(sb *scaleBench, c string) (string, int, error) {
			return listed(sb.s.ListDiscoverableChannels(sb.ctx, sb.org, sb.light, grouping.ListChannelsOptions{Limit: 50, Cursor: c}))
		},
		id:    listDiscoverable,
		scope: func(sb *scaleBench) []string { return []string{sb.org.String(), sb.light.String(), "false"} },
		lastKey: func(b *testing.B, sb *scaleBench) driver.Key {
			p, err := sb.s.ListDiscoverableChannels(sb.ctx, sb.org, sb.light, grouping.ListChannelsOptions{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			return driver.CreationKey(p.Items[49].CreatedAt, p.Items[49].ID)
		},
		count: func(sb *scaleBench) int { return sb.n },
		key: func(sb *scaleBench, i int) driver.Key {
			return driver.CreationKey(sb.at(i), sb.channels[i])
		},
	},
	{
		name: "ListChannelGroups",
		list: func(sb *scaleBench, c string) (string, int, error) {
			return listed(sb.s.ListChannelGroups(sb.ctx, sb.ws, grouping.ListChannelGroupsOptions{Limit: 50, Cursor: c}))
		},
		id:    listChannelGroups,
		scope: func(sb *scaleBench) []string { return []string{sb.ws.String(), ""} },
		lastKey: func(b *testing.B, sb *scaleBench) driver.Key {
			p, err := sb.s.ListChannelGroups(sb.ctx, sb.ws, grouping.ListChannelGroupsOptions{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			return driver.CreationKey(p.Items[49].CreatedAt, p.Items[49].ID)
		},
		count: func(sb *scaleBench) int { return len(sb.cgs) },
		key: func(sb *scaleBench, j int) driver.Key {
			return driver.CreationKey(sb.at(j), sb.cgs[j])
		},
	},
	{
		name: "ListPlatformChannelGroups", // of one platform, half the channel groups
		list: func(sb *scaleBench, c string) (string, int, error) {
			return listed(sb.s.ListChannelGroups(sb.ctx, sb.ws, grouping.ListChannelGroupsOptions{PlatformID: "whatsapp", Limit: 50, Cursor: c}))
		},
		id:    listChannelGroups,
		scope: func(sb *scaleBench) []string { return []string{sb.ws.String(), "whatsapp"} },
		lastKey: func(b *testing.B, sb *scaleBench) driver.Key {
			p, err := sb.s.ListChannelGroups(sb.ctx, sb.ws, grouping.ListChannelGroupsOptions{PlatformID: "whatsapp", Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			return driver.CreationKey(p.Items[49].CreatedAt, p.Items[49].ID)
		},
		count: func(sb *scaleBench) int { return (len(sb.cgs) + 1) / 2 }, // the channel groups 2k
		key: func(sb *scaleBench, k int) driver.Key {
			return driver.CreationKey(sb.at(2*k), sb.cgs[2*k])
		},
	},
}

func listed[T any](p grouping.Page[T], err error) (string, int, error) {
	return p.NextCursor, len(p.Items), err
}

// scaleLaterPages is the number of cursors of page=later.
const scaleLaterPages = 64

// makeCursors makes the cursors of page=later: of the 1st to 64th of 65
// keys spread evenly over each list's index range, short of its last 100
// entries, so that a full page follows each. It checks first that a cursor
// made here for the last item of the first page is the engine's.
func (sb *scaleBench) makeCursors(b *testing.B) {
	sb.later = make(map[string][]string)
	for _, l := range scaleLists {
		next, items, err := l.list(sb, "")
		if err != nil || items != 50 || next == "" {
			b.Fatalf("%s: first page: %d items, %v", l.name, items, err)
		}
		if got := scaleCursor(l.id, l.scope(sb), l.lastKey(b, sb)); got != next {
			b.Fatalf("%s: the cursor made here, %s, is not the engine's, %s: update scaleCursor to engine/cursor.go", l.name, got, next)
		}
		span := l.count(sb) - 100
		for m := range scaleLaterPages {
			sb.later[l.name] = append(sb.later[l.name], scaleCursor(l.id, l.scope(sb), l.key(sb, (m+1)*span/(scaleLaterPages+1))))
		}
	}
}

type scaleOp struct {
	name string
	run  func(b *testing.B, sb *scaleBench)
}

// scaleLoop runs op(i) for i = 0, 1, … in b.Loop, reports the processor
// time per operation (cpu-ns/op) and returns it.
func scaleLoop(b *testing.B, op func(i int)) time.Duration {
	start, i := benchkit.ProcessCPU(), 0
	for b.Loop() {
		op(i)
		i++
	}
	cpu := (benchkit.ProcessCPU() - start) / time.Duration(b.N)
	b.ReportMetric(float64(cpu), "cpu-ns/op")
	return cpu
}

func scaleMust(b *testing.B, err error) {
	if err != nil {
		b.Helper()
		b.Fatal(err)
	}
}

// scaleOps are the operations of BenchmarkScale: the lists, the point
// reads, then writes that leave the world as they found it (but for their
// events, and the groups deleted, which the store keeps).
var scaleOps = func() []scaleOp {
	var ops []scaleOp
	for _, l := range scaleLists {
		ops = append(ops,
			scaleOp{l.name + "/page=first", func(b *testing.B, sb *scaleBench) {
				scaleLoop(b, func(int) {
					if _, n, err := l.list(sb, ""); err != nil || n != 50 {
						b.Fatal(n, err)
					}
				})
			}},
			scaleOp{l.name + "/page=later", func(b *testing.B, sb *scaleBench) {
				cursors := sb.later[l.name]
				scaleLoop(b, func(i int) {
					if _, n, err := l.list(sb, cursors[i%len(cursors)]); err != nil || n != 50 {
						b.Fatal(n, err)
					}
				})
			}},
		)
	}
	return append(ops,
		scaleOp{"ListDiscoverableChannelsSkip", func(b *testing.B, sb *scaleBench) {
			page := func(user uuid.UUID) {
				p, err := sb.s.ListDiscoverableChannels(sb.ctx, sb.org, user, grouping.ListChannelsOptions{Limit: 50})
				if err != nil || len(p.Items) != 50 {
					b.Fatal(len(p.Items), err)
				}
			}
			start, startCPU, rounds := time.Now(), benchkit.ProcessCPU(), 0
			for ; rounds < 5 || time.Since(start) < 50*time.Millisecond; rounds++ {
				page(sb.light)
			}
			base := time.Since(start) / time.Duration(rounds)
			baseCPU := (benchkit.ProcessCPU() - startCPU) / time.Duration(rounds)
			cpu := scaleLoop(b, func(int) { page(sb.heavy) })
			skips := float64(sb.n / 10)
			b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N)-base)/skips, "ns/skip")
			b.ReportMetric(float64(cpu-baseCPU)/skips, "cpu-ns/skip")
		}},
		scaleOp{"GetChannel", func(b *testing.B, sb *scaleBench) {
			scaleLoop(b, func(i int) {
				_, err := sb.s.GetChannel(sb.ctx, sb.org, sb.sample[i%scaleSampleSize])
				scaleMust(b, err)
			})
		}},
		scaleOp{"GetGroup", func(b *testing.B, sb *scaleBench) {
			scaleLoop(b, func(i int) {
				_, err := sb.s.GetGroup(sb.ctx, sb.org, sb.groupPick[i%scaleSampleSize], grouping.GetGroupOptions{})
				scaleMust(b, err)
			})
		}},
		scaleOp{"GetChannelGroup", func(b *testing.B, sb *scaleBench) {
			scaleLoop(b, func(i int) {
				_, err := sb.s.GetChannelGroup(sb.ctx, sb.ws, sb.cgPick[i%scaleSampleSize])
				scaleMust(b, err)
			})
		}},
		scaleOp{"UpsertChannel", func(b *testing.B, sb *scaleBench) { // an update of an ungrouped channel
			scaleLoop(b, func(i int) {
				_, err := sb.s.UpsertChannel(sb.ctx, grouping.ChannelUpsert{
					ID: sb.ungrouped[i%scaleSampleSize], OrganisationID: sb.org, OwnerID: sb.heavy,
					Name: "renamed", MessageCount: int64(i),
				})
				scaleMust(b, err)
			})
		}},
		scaleOp{"AssignChannel+RemoveChannel", func(b *testing.B, sb *scaleBench) {
			scaleLoop(b, func(i int) {
				ch := sb.ungrouped[i%scaleSampleSize]
				scaleMust(b, sb.s.AssignChannel(sb.ctx, sb.org, sb.target, ch))
				scaleMust(b, sb.s.RemoveChannel(sb.ctx, sb.org, sb.target, ch))
			})
		}},
		scaleOp{"MoveChannel+MoveChannel", func(b *testing.B, sb *scaleBench) { // out of the big group and back
			scaleLoop(b, func(i int) {
				ch := sb.bigSample[i%scaleSampleSize]
				scaleMust(b, sb.s.MoveChannel(sb.ctx, sb.org, sb.target, ch))
				scaleMust(b, sb.s.MoveChannel(sb.ctx, sb.org, sb.groups[0], ch))
			})
		}},
		scaleOp{"CreateGroup+DeleteGroup", func(b *testing.B, sb *scaleBench) {
			scaleLoop(b, func(int) {
				g, err := sb.s.CreateGroup(sb.ctx, sb.org, grouping.NewGroup{Name: "a group of the benchmarks"})
				scaleMust(b, err)
				scaleMust(b, sb.s.DeleteGroup(sb.ctx, sb.org, g.ID, 0))
			})
		}},
		scaleOp{"AttachChannel", func(b *testing.B, sb *scaleBench) { // 8 channels moving between two accounts
			const k = 8
			accounts := [2]grouping.ChannelGroupAttach{
				{PlatformID: "whatsapp", PlatformGroupID: "bench-a", PlatformGroupName: "A"},
				{PlatformID: "whatsapp", PlatformGroupID: "bench-b", PlatformGroupName: "B"},
			}
			scaleLoop(b, func(i int) {
				_, err := sb.s.AttachChannel(sb.ctx, sb.ws, sb.unlinked[i%k], accounts[(i/k)%2])
				scaleMust(b, err)
			})
			for _, id := range sb.unlinked[:k] {
				if err := sb.s.DetachChannel(sb.ctx, sb.ws, id); err != nil && grouping.ErrorCode(err) != grouping.NotFound {
					b.Fatal(err)
				}
			}
		}},
	)
}()
