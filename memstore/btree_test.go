package memstore

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// num is an item ordered by its value, carrying a payload that insert
// replaces. Its rank is coarse, so that items of a node share ranks and
// searches compare them in full.
type num struct{ v, payload int }

func (a num) compare(b num) int { return cmp.Compare(a.v, b.v) }
func (a num) rank() int64       { return int64(a.v >> 2) }

// check verifies the structure of t: a flat tree's items in order, or a
// tree of nodes: items in order with their ranks,
// node sizes within bounds (a node on the path to the last item may hold
// fewer than minItems), every leaf at the same depth, nothing kept past a
// node's items and children, and the count.
func check[T ordered[T]](t *testing.T, tr *btree[T]) {
	t.Helper()
	if tr.root == nil {
		if tr.n != len(tr.flat) || tr.n > maxItems {
			t.Fatalf("flat tree of %d items counts %d", len(tr.flat), tr.n)
		}
		for i := 1; i < len(tr.flat); i++ {
			if tr.flat[i-1].compare(tr.flat[i]) >= 0 {
				t.Fatalf("items out of order")
			}
		}
		return
	}
	if tr.flat != nil {
		t.Fatalf("a tree with a root keeps %d flat items", len(tr.flat))
	}
	count, leafDepth := 0, -1
	var prev *T
	var zero T
	var walk func(n *bnode[T], depth int, last bool)
	walk = func(n *bnode[T], depth int, last bool) {
		if n.n > maxItems || n.n < 1 || (n != tr.root && !last && n.n < minItems) {
			t.Fatalf("node of %d items", n.n)
		}
		for i := n.n; i < maxItems; i++ {
			if any(n.items[i]) != any(zero) || n.ranks[i] != 0 {
				t.Fatalf("item left at %d past %d", i, n.n)
			}
		}
		if n.kids == nil {
			if leafDepth >= 0 && leafDepth != depth {
				t.Fatalf("leaves at depths %d and %d", leafDepth, depth)
			}
			leafDepth = depth
		} else {
			for i, c := range n.kids {
				if (c == nil) != (i > n.n) {
					t.Fatalf("child %d of a node of %d items: %v", i, n.n, c)
				}
			}
		}
		for i := range n.n {
			if n.kids != nil {
				walk(n.kids[i], depth+1, false)
			}
			if n.ranks[i] != n.items[i].rank() {
				t.Fatalf("rank %d kept for an item of rank %d", n.ranks[i], n.items[i].rank())
			}
			if prev != nil && (*prev).compare(n.items[i]) >= 0 {
				t.Fatalf("items out of order")
			}
			prev = &n.items[i]
			count++
		}
		if n.kids != nil {
			walk(n.kids[n.n], depth+1, last)
		}
	}
	walk(tr.root, 0, true)
	if count != tr.n || leafDepth >= maxDepth {
		t.Fatalf("%d items counted as %d, depth %d", count, tr.n, leafDepth)
	}
}

// TestBtreeAgainstSortedSlice applies random inserts, replacements and
// deletes to a btree and to a sorted slice, and compares every read after
// each step.
func TestBtreeAgainstSortedSlice(t *testing.T) {
	for _, keys := range []int{10, 200, 5000} { // dense and sparse key spaces
		rng := rand.New(rand.NewPCG(uint64(keys), 1))
		var tr btree[num]
		var want []num
		steps := 10000
		if testing.Short() {
			steps = 3000
		}
		for step := range steps {
			v := num{rng.IntN(keys), step}
			i, found := slices.BinarySearchFunc(want, v, num.compare)
			if rng.IntN(3) == 0 {
				old, ok := tr.delete(v)
				if ok != found || (found && old != want[i]) {
					t.Fatalf("delete %d: got %v %t, want found %t", v.v, old, ok, found)
				}
				if found {
					want = slices.Delete(want, i, i+1)
				}
			} else {
				old, replaced := tr.insert(v)
				if replaced != found || (found && old != want[i]) {
					t.Fatalf("insert %d: got %v %t, want found %t", v.v, old, replaced, found)
				}
				if found {
					want[i] = v
				} else {
					want = slices.Insert(want, i, v)
				}
			}
			if step%251 == 0 || len(want) < 40 {
				check(t, &tr)
				compareReads(t, &tr, want, rng.IntN(keys+2)-1)
			}
		}
		check(t, &tr)
		compareReads(t, &tr, want, -1)
		for len(want) > 0 { // empty it in random order, down to a flat tree
			i := rng.IntN(len(want))
			if _, ok := tr.delete(want[i]); !ok {
				t.Fatalf("delete %d: not found", want[i].v)
			}
			want = slices.Delete(want, i, i+1)
			if len(want) < 2*maxItems {
				check(t, &tr)
				compareReads(t, &tr, want, rng.IntN(keys+2)-1)
				if len(want) <= flatBelow {
					is.New(t).True(tr.root == nil) // flat again once small
				}
			}
		}
		check(t, &tr)
		if tr.root != nil || tr.Len() != 0 {
			t.Fatalf("tree not empty after deleting every item")
		}
	}
}

// compareReads checks every read of tr against want, the same items in a
// sorted slice, with a cursor starting after probe.
func compareReads(t *testing.T, tr *btree[num], want []num, probe int) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	is.Equal(tr.Len(), len(want))       // Len
	is.Equal(itemsOf(tr), nonNil(want)) // all, in order
	first, ok := tr.min()
	is.Equal(ok, len(want) > 0) // min found exactly when not empty
	last, _ := tr.max()
	if len(want) > 0 {
		is.Equal(first, want[0])          // min
		is.Equal(last, want[len(want)-1]) // max
	}
	got, found := tr.get(num{v: probe})
	i, wantFound := slices.BinarySearchFunc(want, num{v: probe}, num.compare)
	is.Equal(found, wantFound) // get finds exactly the items present
	if found {
		is.Equal(got, want[i]) // get returns the stored item
	}
	// A cursor after probe yields every item greater than it, in order,
	// with peek ahead of next.
	if wantFound {
		i++
	}
	c := tr.after(&num{v: probe})
	var walked []num
	for {
		p, okPeek := c.peek()
		v, okNext := c.next()
		is.Equal(okPeek, okNext) // peek and next agree on the end
		if !okNext {
			break
		}
		is.Equal(p, v) // peek shows what next returns
		walked = append(walked, v)
	}
	is.Equal(nonNil(walked), nonNil(want[i:])) // the items after probe
	c = tr.after(nil)
	walked = walked[:0]
	for v, ok := c.next(); ok; v, ok = c.next() {
		walked = append(walked, v)
	}
	is.Equal(nonNil(walked), nonNil(want)) // a cursor from the start yields everything
}

// TestBtreeInOrderInserts fills a tree in ascending and descending order,
// as creation and position indexes are filled, and checks its shape.
func TestBtreeInOrderInserts(t *testing.T) {
	is := is.New(t)
	for _, descending := range []bool{false, true} {
		var tr btree[num]
		const n = 10000
		for i := range n {
			v := i
			if descending {
				v = n - i
			}
			tr.insert(num{v: v})
		}
		check(t, &tr)
		is.Equal(tr.Len(), n) // every item
		for i := 0; i < n; i += 2 {
			v := i
			if descending {
				v = n - i
			}
			_, ok := tr.delete(num{v: v})
			is.True(ok) // deleted
		}
		check(t, &tr)
		is.Equal(tr.Len(), n/2) // half left
	}
}

// TestSortedTree checks trees built from sorted items, of every size up
// to a few nodes: valid, holding the items in order, and a tree that
// inserts and deletes go on working on.
func TestSortedTree(t *testing.T) {
	is := is.New(t)
	for n := range 3*maxItems + 5 {
		items := make([]num, n)
		for i := range items {
			items[i] = num{v: 2 * i}
		}
		tr := sortedTree(slices.Clone(items))
		check(t, &tr)
		is.Equal(tr.Len(), n)                 // every item
		is.Equal(itemsOf(&tr), nonNil(items)) // in order
		tr.insert(num{v: 2*n + 1})            // an odd value, after the even ones
		tr.delete(num{v: 0})
		check(t, &tr)
		want := n
		if n == 0 {
			want = 1 // nothing to delete
		}
		is.Equal(tr.Len(), want) // one in, one out
	}
}

// TestCompareKeys checks that the keys of the indexes order as the
// driver's keys do.
func TestCompareKeys(t *testing.T) {
	is := is.New(t)
	rng := rand.New(rand.NewPCG(3, 4))
	id := func() uuid.UUID {
		var u uuid.UUID
		for i := range u {
			u[i] = byte(rng.IntN(3) * 127) // few values, so that bytes tie
		}
		return u
	}
	for range 10000 {
		a, b := ckey{int64(rng.IntN(3) - 1), id()}, ckey{int64(rng.IntN(3) - 1), id()}
		want := driver.Key{Time: a.n, ID: a.id}.Compare(driver.Key{Time: b.n, ID: b.id})
		is.Equal(sign(a.compare(b)), want) // ckey orders as driver.Key
	}
}

// itemsOf returns the items of tr in order, never nil.
func itemsOf(tr *btree[num]) []num { return nonNil(slices.Collect(tr.all())) }

func nonNil(s []num) []num { return append([]num{}, s...) }

func sign(c int) int { return cmp.Compare(c, 0) }

// TestIndexUndo makes random changes to btrees through a transaction's
// helpers, then fails the transaction, and checks that every tree holds
// what it held before; a committed transaction keeps its changes.
func TestIndexUndo(t *testing.T) {
	is := is.New(t)
	rng := rand.New(rand.NewPCG(5, 6))
	d := newDriver()
	trees := make([]btree[num], 3)
	var want [][]num
	for i := range trees {
		for v := range 300 {
			if rng.IntN(2) == 0 {
				trees[i].insert(num{v: v})
			}
		}
		want = append(want, itemsOf(&trees[i]))
	}
	errFail := errors.New("fail")
	mutate := func(dt driver.Tx) {
		t := dt.(*tx)
		for step := range 2000 {
			tr := &trees[rng.IntN(len(trees))]
			v := num{rng.IntN(300), step + 1}
			if rng.IntN(2) == 0 {
				insertInto(t, tr, v)
			} else {
				removeFrom(t, tr, v)
			}
		}
	}
	err := d.Write(t.Context(), func(tx driver.Tx) error {
		mutate(tx)
		return errFail
	})
	is.Equal(err, errFail) // the transaction failed
	for i := range trees {
		check(t, &trees[i])
		is.Equal(itemsOf(&trees[i]), want[i]) // undone: the items and payloads of before
	}
	func() {
		defer func() { is.Equal(recover(), "boom") }() // the panic goes on
		_ = d.Write(t.Context(), func(tx driver.Tx) error {
			mutate(tx)
			panic("boom")
		})
	}()
	for i := range trees {
		is.Equal(itemsOf(&trees[i]), want[i]) // undone after a panic
	}
	var committed [][]num
	is.NoErr(d.Write(t.Context(), func(tx driver.Tx) error {
		mutate(tx)
		for i := range trees {
			committed = append(committed, itemsOf(&trees[i]))
		}
		return nil
	}))
	for i := range trees {
		is.Equal(itemsOf(&trees[i]), committed[i]) // a commit keeps its changes
	}
}

// BenchmarkBtree times the insertion and removal of a random channel key in
// a tree of n keys (op=insert+delete), and the lookup of one (op=get): at
// a million keys the tree is far larger than the processor's caches, and
// what a lookup costs is the memory loads on its path.
func BenchmarkBtree(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		key := func() chanEntry {
			var id uuid.UUID
			for i := range id {
				id[i] = byte(r.Uint32())
			}
			return chanEntry{key: ckey{n: r.Int64N(1 << 40), id: id}}
		}
		var tr btree[chanEntry]
		present := make([]chanEntry, n)
		for i := range present {
			present[i] = key()
			tr.insert(present[i])
		}
		absent := make([]chanEntry, 1<<16)
		for i := range absent {
			absent[i] = key()
		}
		b.Run(fmt.Sprintf("n=%d/op=insert+delete", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				k := absent[i%len(absent)]
				i++
				tr.insert(k)
				tr.delete(k)
			}
		})
		b.Run(fmt.Sprintf("n=%d/op=get", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, ok := tr.get(present[(i*7919)%n]); !ok {
					b.Fatal("a key in the tree not found")
				}
				i++
			}
		})
	}
}

// BenchmarkMemoryLatency times one load whose address depends on the load
// before it, from a random place in a block of memory of each size: the
// floor under every step down a B-tree or into a map of a million keys,
// which the processor cannot overlap with the next. A pass over the block
// in a random cycle visits each word once, so no load finds a cache line
// that an earlier one brought in, once the block is larger than the
// caches. pages=huge runs the same in a block that the kernel backs with
// transparent huge pages (Linux; huge-MiB reports how much of the process
// they back), whose loads need no page walk that misses: where it is no
// faster than pages=base, the time is the memory's own, not the
// translation of addresses.
func BenchmarkMemoryLatency(b *testing.B) {
	for _, mib := range []int{1, 8, 64, 256} {
		for _, huge := range []bool{false, true} {
			name := fmt.Sprintf("size=%dMiB/pages=base", mib)
			if huge {
				name = fmt.Sprintf("size=%dMiB/pages=huge", mib)
			}
			b.Run(name, func(b *testing.B) {
				if testing.Short() && mib > 64 {
					b.Skip("large block: not under -short")
				}
				n := mib << 20 / 8
				var next []int // one random cycle through every word
				var backed int64
				if huge {
					next, backed = hugeWords(b, n)
				} else {
					next = make([]int, n)
				}
				order := rand.New(rand.NewPCG(uint64(n), 2)).Perm(n)
				for i, w := range order {
					next[w] = order[(i+1)%n]
				}
				p, steps := 0, 0
				for b.Loop() {
					p = next[p]
					steps++
				}
				if steps > 0 && steps%n == 0 && p != 0 { // a whole number of passes ends where it began
					b.Fatalf("the cycle through %d words is broken", n)
				}
				if huge {
					b.ReportMetric(float64(backed)/(1<<20), "huge-MiB")
				}
			})
		}
	}
}

// TestBtreeNodeFill checks how full splits leave nodes: those of a tree
// filled in order, as creation and position indexes are, all but full
// but on the path to the last item, which holds the items still to come;
// those of a tree filled in random order at least half full, as any tree.
func TestBtreeNodeFill(t *testing.T) {
	is := is.New(t)
	nodes := func(tr *btree[num]) (all, rightmost []*bnode[num]) {
		var walk func(n *bnode[num], right bool)
		walk = func(n *bnode[num], right bool) {
			all = append(all, n)
			if right {
				rightmost = append(rightmost, n)
			}
			if n.kids != nil {
				for i, c := range n.kids[:n.n+1] {
					walk(c, right && i == n.n)
				}
			}
		}
		walk(tr.root, true)
		return all, rightmost
	}

	var inOrder btree[num]
	for i := range 20000 {
		inOrder.insert(num{i, i})
	}
	check(t, &inOrder)
	all, rightmost := nodes(&inOrder)
	is.True(len(all) > 100) // the tree has many nodes
	for _, n := range all {
		if !slices.Contains(rightmost, n) {
			is.Equal(n.n, maxItems-2) // a node filled in order keeps all but its last two
		}
	}

	var random btree[num]
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 20000 {
		random.insert(num{rng.IntN(1 << 30), i})
	}
	check(t, &random)
	all, _ = nodes(&random)
	sum := 0
	for _, n := range all {
		sum += n.n
	}
	is.True(sum > len(all)*maxItems/2) // random inserts leave nodes more than half full on average
}

// TestBtreeFlat checks that a tree stays a sorted slice, with no node,
// while it holds up to maxItems items, and gets nodes past that.
func TestBtreeFlat(t *testing.T) {
	is := is.New(t)
	var tr btree[num]
	for i := range maxItems {
		tr.insert(num{v: maxItems - i}) // in descending order: each goes first
		is.True(tr.root == nil)         // flat up to maxItems
	}
	check(t, &tr)
	tr.insert(num{v: 0})
	is.True(tr.root != nil) // nodes past maxItems
	check(t, &tr)
	is.Equal(itemsOf(&tr)[:3], []num{{v: 0}, {v: 1}, {v: 2}}) // the items in order
}

// TestBtreeGrow checks that grow gives a child that has too few items
// more than minItems in one call, whatever its sibling holds: merged with
// it when they fit in one node, half of both otherwise.
func TestBtreeGrow(t *testing.T) {
	is := is.New(t)
	for _, leaves := range []bool{true, false} {
		for small := 1; small <= minItems; small++ {
			for other := minItems; other <= maxItems; other++ {
				for _, childFirst := range []bool{true, false} {
					// A tree of three nodes: a parent of one item and two
					// children of small and other items, numbered in order.
					counts := [2]int{other, small}
					i := 1 // the small child
					if childFirst {
						counts, i = [2]int{small, other}, 0
					}
					v := 0
					node := func(n int) *bnode[num] {
						c := newLeaf[num]()
						if !leaves {
							c = newInner[num]()
						}
						for j := range n {
							if !leaves {
								c.kids[j] = newLeaf[num]() // stand-ins, moved with the items
							}
							c.set(j, num{v: v})
							v++
						}
						if !leaves {
							c.kids[n] = newLeaf[num]()
						}
						c.n = n
						return c
					}
					p := newInner[num]()
					p.kids[0] = node(counts[0])
					p.set(0, num{v: v})
					v++
					p.kids[1] = node(counts[1])
					p.n = 1
					var kids []*bnode[num]
					for _, c := range p.kids[:2] {
						if !leaves {
							kids = append(kids, c.kids[:c.n+1]...)
						}
					}

					p.grow(i)
					var got []num
					var gotKids []*bnode[num]
					for j := range p.n + 1 {
						c := p.kids[j]
						got = append(got, c.items[:c.n]...)
						if j < p.n {
							got = append(got, p.items[j])
						}
						if !leaves {
							gotKids = append(gotKids, c.kids[:c.n+1]...)
						}
					}
					want := make([]num, v)
					for j := range want {
						want[j] = num{v: j}
					}
					is.Equal(got, want) // every item, in order
					if !leaves {
						is.Equal(gotKids, kids) // every child, in order
					}
					if small+other < maxItems {
						is.Equal(p.n, 0) // merged
						is.Equal(p.kids[0].n, small+other+1)
					} else {
						c := p.kids[i]
						is.True(c.n > minItems)            // the child can lose an item
						is.True(p.kids[1-i].n >= minItems) // and its sibling stays full enough
					}
				}
			}
		}
	}
}

// TestWalkPairAndPairOf checks that walking both halves of a pair of
// indexes, and listing them after a key, give every item in order, whether
// both halves hold items, only one does (small and large trees), or none:
// the walks along one half must give what the merged walk gives.
func TestWalkPairAndPairOf(t *testing.T) {
	is := is.New(t)
	r := rand.New(rand.NewPCG(7, 8))
	for _, sizes := range [][2]int{{0, 0}, {5, 0}, {0, 5}, {200, 0}, {0, 200}, {7, 3}, {150, 90}} {
		var pair [2]btree[num]
		var all []num
		for half, n := range sizes {
			for range n {
				v := num{v: r.IntN(1 << 20)}
				if _, dup := slices.BinarySearchFunc(all, v, num.compare); dup {
					continue
				}
				pair[half].insert(v)
				all = append(all, v)
				slices.SortFunc(all, num.compare)
			}
		}
		var walked []num
		walkPair(&pair, func(v num) { walked = append(walked, v) })
		is.Equal(walked, all) // walkPair gives every item of both halves in order
		for _, from := range []int{-1, 0, len(all) / 2, len(all) - 1} {
			var after *num
			want := all
			if from >= 0 && from < len(all) {
				after, want = &all[from], all[from+1:]
			}
			var listed []num
			for it := pairOf(&pair, nil, after); ; {
				v, ok := it.next()
				if !ok {
					break
				}
				listed = append(listed, v)
			}
			if len(want) == 0 {
				want = nil
			}
			is.Equal(listed, want) // pairOf lists both halves in order after the key
		}
	}
}
