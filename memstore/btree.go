package memstore

import (
	"iter"
	"slices"
)

// The ordered indexes of the store are B-trees of items that carry their
// own sort key. A btree is a plain mutable structure: transactions make it
// undoable by recording the inverse of every change they make (see
// insertInto and removeFrom), so a failed transaction puts back the same
// items, if not the same node layout.
//
// A node is one block of memory: its count, the ranks of its items side by
// side, the items, and in an inner node its children. At a million items
// most nodes on a path are in no cache, and each load that misses costs
// 100–200 ns on a server; a search reads the ranks, a few adjacent cache
// lines whose loads the processor issues together, rather than halving its
// way through the items, each probe a dependent miss. Items are compared
// in full only where ranks tie.

// ordered is the item type of a btree: compare returns a negative number,
// zero or a positive number as the item sorts before, with or after o.
// Items that compare equal are the same item; a btree holds one of them.
// rank is a number that never decreases along that order: an item that
// sorts before another has a rank no greater than it.
type ordered[T any] interface {
	compare(o T) int
	rank() int64
}

const (
	// maxItems is the most items a node holds; a full node splits into
	// two around an item that goes up to its parent.
	maxItems = 31
	minItems = maxItems / 2
	// maxDepth bounds the height of a tree: every node but those on the
	// path to the last item has at least minItems items, and so at least
	// minItems+1 children, so a tree this high would hold more than
	// 16^(maxDepth-2) items.
	maxDepth = 16
)

// btree is an ordered set of items. The zero value is an empty tree.
//
// Most trees of the store are small (the channels of a group, the links
// of a channel group, a user's memberships), and a node has room for
// maxItems. A tree of up to maxItems items is therefore a sorted slice,
// flat, and gets a root node only when it outgrows it; a tree whose root
// is a leaf goes back to a slice when a deletion leaves it flatBelow
// items or fewer.
type btree[T ordered[T]] struct {
	root *bnode[T] // nil while the tree is flat
	flat []T
	n    int
}

// flatBelow is the size at which a tree whose root is a leaf goes back to
// a slice: well below maxItems, so that a tree of about maxItems items
// does not go back and forth.
const flatBelow = maxItems / 4

// bnode is a node: a leaf when kids is nil, otherwise an inner node with
// n+1 children, kids[i] holding the items between items[i-1] and
// items[i]. Past n, items are zero and kids nil, so that a node keeps
// nothing alive that left it.
type bnode[T ordered[T]] struct {
	n     int
	kids  *[maxItems + 1]*bnode[T] // the node's own inner.kids
	ranks [maxItems]int64          // ranks[i] is items[i].rank()
	items [maxItems]T
}

// inner is the memory of an inner node, whose children follow its items.
type inner[T ordered[T]] struct {
	bnode[T]
	kids [maxItems + 1]*bnode[T]
}

func newLeaf[T ordered[T]]() *bnode[T] { return new(bnode[T]) }

func newInner[T ordered[T]]() *bnode[T] {
	in := new(inner[T])
	in.bnode.kids = &in.kids
	return &in.bnode
}

// Len returns the number of items in t.
func (t *btree[T]) Len() int { return t.n }

// find returns the index of the first item of n that does not sort before
// k, and whether that item equals k. It counts the ranks below and at k's
// in one pass without branches, so that the loads of all of them go out
// at once, then looks among the items of k's rank, if any.
func (n *bnode[T]) find(k T) (int, bool) {
	r := k.rank()
	lo, hi := 0, 0
	for _, x := range n.ranks[:n.n] {
		if x < r {
			lo++
		}
		if x <= r {
			hi++
		}
	}
	return searchBetween(n.items[:], lo, hi, k)
}

// set makes v the item at i.
func (n *bnode[T]) set(i int, v T) {
	n.items[i], n.ranks[i] = v, v.rank()
}

// insertAt puts v at i, after moving the items from i one place up; n is
// not full.
func (n *bnode[T]) insertAt(i int, v T) {
	copy(n.items[i+1:n.n+1], n.items[i:n.n])
	copy(n.ranks[i+1:n.n+1], n.ranks[i:n.n])
	n.set(i, v)
	n.n++
}

// deleteAt removes the item at i and returns it.
func (n *bnode[T]) deleteAt(i int) T {
	var zero T
	v := n.items[i]
	copy(n.items[i:n.n-1], n.items[i+1:n.n])
	copy(n.ranks[i:n.n-1], n.ranks[i+1:n.n])
	n.n--
	n.items[n.n], n.ranks[n.n] = zero, 0
	return v
}

// insertKid puts c at kids[i], after moving the children from i one place
// up. It follows the insertion of the item that goes with c: n has n.n
// items and as many children, and gets its n.n+1st.
func (n *bnode[T]) insertKid(i int, c *bnode[T]) {
	copy(n.kids[i+1:n.n+1], n.kids[i:n.n])
	n.kids[i] = c
}

// deleteKid removes the child at i and returns it. It follows the
// deletion of the item that went with it: n has n.n items and n.n+2
// children.
func (n *bnode[T]) deleteKid(i int) *bnode[T] {
	c := n.kids[i]
	copy(n.kids[i:n.n+1], n.kids[i+1:n.n+2])
	n.kids[n.n+1] = nil
	return c
}

// search returns the index of the first item of s that does not sort
// before k, and whether that item equals k.
func search[T ordered[T]](s []T, k T) (int, bool) { return searchBetween(s, 0, len(s), k) }

// searchBetween is search among s[lo:hi], the items before lo sorting
// before k and those from hi after it.
func searchBetween[T ordered[T]](s []T, lo, hi int, k T) (int, bool) {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := s[m].compare(k); {
		case c < 0:
			lo = m + 1
		case c > 0:
			hi = m
		default:
			return m, true
		}
	}
	return lo, false
}

// get returns the item of t equal to k.
func (t *btree[T]) get(k T) (T, bool) {
	if t.root == nil {
		if i, found := search(t.flat, k); found {
			return t.flat[i], true
		}
	}
	for n := t.root; n != nil; {
		i, found := n.find(k)
		if found {
			return n.items[i], true
		}
		if n.kids == nil {
			break
		}
		n = n.kids[i]
	}
	var zero T
	return zero, false
}

// min returns the first item of t.
func (t *btree[T]) min() (T, bool) {
	var zero T
	n := t.root
	if n == nil {
		if len(t.flat) == 0 {
			return zero, false
		}
		return t.flat[0], true
	}
	for n.kids != nil {
		n = n.kids[0]
	}
	return n.items[0], true
}

// max returns the last item of t.
func (t *btree[T]) max() (T, bool) {
	var zero T
	n := t.root
	if n == nil {
		if len(t.flat) == 0 {
			return zero, false
		}
		return t.flat[len(t.flat)-1], true
	}
	for n.kids != nil {
		n = n.kids[n.n]
	}
	return n.items[n.n-1], true
}

// sortedTree returns a tree of items, which are in order and distinct. A
// tree small enough to be flat takes items as its own.
func sortedTree[T ordered[T]](items []T) btree[T] {
	if len(items) <= maxItems {
		return btree[T]{flat: items, n: len(items)}
	}
	var t btree[T]
	for _, v := range items {
		t.insert(v)
	}
	return t
}

// insert adds v to t, or replaces the item equal to it, which it returns.
func (t *btree[T]) insert(v T) (old T, replaced bool) {
	if t.root == nil {
		i, found := search(t.flat, v)
		switch {
		case found:
			old, t.flat[i] = t.flat[i], v
			return old, true
		case len(t.flat) < maxItems:
			t.flat = slices.Insert(t.flat, i, v)
			t.n++
			return old, false
		}
		// Full: the items move to a root node, which splits below.
		t.root = newLeaf[T]()
		for i, x := range t.flat {
			t.root.set(i, x)
		}
		t.root.n, t.flat = len(t.flat), nil
	}
	if t.root.n >= maxItems {
		mid, right := t.root.split(v, true)
		root := newInner[T]()
		root.set(0, mid)
		root.n = 1
		root.kids[0], root.kids[1] = t.root, right
		t.root = root
	}
	old, replaced = t.root.insert(v, true)
	if !replaced {
		t.n++
	}
	return old, replaced
}

// split cuts n, which is full, in two: n keeps the items before one of
// its items, a new node gets those after it, and the item itself is
// returned to go up. That item is the middle one, but when n holds the
// last items of the tree (last) and v, the item on its way in, sorts after
// all of them, as in a tree filled in order (as creation and position
// indexes are), n keeps all but its last two items: it is unlikely to
// take another, and left half full, such nodes would double the memory of
// those trees.
func (n *bnode[T]) split(v T, last bool) (T, *bnode[T]) {
	i := maxItems / 2
	if last && v.compare(n.items[n.n-1]) > 0 {
		i = n.n - 2
	}
	var right *bnode[T]
	if n.kids == nil {
		right = newLeaf[T]()
	} else {
		right = newInner[T]()
		copy(right.kids[:], n.kids[i+1:n.n+1])
		clear(n.kids[i+1 : n.n+1])
	}
	mid := n.items[i]
	right.n = copy(right.items[:], n.items[i+1:n.n])
	copy(right.ranks[:], n.ranks[i+1:n.n])
	clear(n.items[i:n.n])
	clear(n.ranks[i:n.n])
	n.n = i
	return mid, right
}

// insert adds v below n, which is not full; last says whether n holds the
// last items of the tree.
func (n *bnode[T]) insert(v T, last bool) (T, bool) {
	for {
		i, found := n.find(v)
		if found {
			old := n.items[i]
			n.set(i, v)
			return old, true
		}
		if n.kids == nil {
			n.insertAt(i, v)
			var zero T
			return zero, false
		}
		if c := n.kids[i]; c.n >= maxItems {
			mid, right := c.split(v, last && i == n.n)
			n.insertAt(i, mid)
			n.insertKid(i+1, right)
			switch c := v.compare(mid); {
			case c > 0:
				i++
			case c == 0:
				n.set(i, v)
				return mid, true
			}
		}
		last = last && i == n.n
		n = n.kids[i]
	}
}

// delete removes the item equal to k from t and returns it.
func (t *btree[T]) delete(k T) (T, bool) {
	if t.root == nil {
		i, found := search(t.flat, k)
		if !found {
			var zero T
			return zero, false
		}
		old := t.flat[i]
		t.flat = slices.Delete(t.flat, i, i+1)
		if len(t.flat) == 0 {
			t.flat = nil
		}
		t.n--
		return old, true
	}
	old, ok := t.root.remove(k, false)
	switch r := t.root; {
	case r.n == 0 && r.kids != nil:
		t.root = r.kids[0]
	case r.n <= flatBelow && r.kids == nil:
		t.flat = slices.Clone(r.items[:r.n:r.n])
		if len(t.flat) == 0 {
			t.flat = nil
		}
		t.root = nil
	}
	if ok {
		t.n--
	}
	return old, ok
}

// remove removes the item equal to k below n, or the last item when last
// is set. Before it goes down to a child, it makes sure the child can lose
// an item (it has more than minItems), so that no node underflows.
func (n *bnode[T]) remove(k T, last bool) (T, bool) {
	var zero T
	for {
		var i int
		var found bool
		if last {
			if n.kids == nil {
				return n.deleteAt(n.n - 1), true
			}
			i = n.n
		} else {
			i, found = n.find(k)
			if n.kids == nil {
				if !found {
					return zero, false
				}
				return n.deleteAt(i), true
			}
		}
		if n.kids[i].n <= minItems {
			n.grow(i)
			continue // the items moved: look again
		}
		if found {
			// The item is in this inner node: its predecessor, the last
			// item of the child before it, takes its place.
			v := n.items[i]
			prev, _ := n.kids[i].remove(zero, true)
			n.set(i, prev)
			return v, true
		}
		n = n.kids[i]
	}
}

// grow gives kids[i], which has at most minItems, more items: it merges
// it with a sibling and the item between them when they fit in one node,
// and otherwise moves items from the sibling, which can spare them, until
// kids[i] holds half of the two, rounded up, and so more than minItems.
// Moving half rather than one at a time, a node on the path to the last
// item that holds few items (see split) is filled in one move, not one
// per item.
func (n *bnode[T]) grow(i int) {
	j := i // the pair is kids[j] and kids[j+1]
	if i == n.n || (i > 0 && n.kids[i-1].n > minItems) {
		j = i - 1
	}
	l, r := n.kids[j], n.kids[j+1]
	total := l.n + r.n
	switch {
	case total < maxItems:
		n.merge(j)
	case j == i: // kids[i] is the left one
		n.moveLeft(j, (total+1)/2-l.n)
	default:
		n.moveRight(j, (total+1)/2-r.n)
	}
}

// merge makes kids[j], the item after it and kids[j+1] one node.
func (n *bnode[T]) merge(j int) {
	l, r := n.kids[j], n.kids[j+1]
	l.insertAt(l.n, n.items[j])
	if r.kids != nil {
		copy(l.kids[l.n:], r.kids[:r.n+1])
	}
	copy(l.items[l.n:], r.items[:r.n])
	copy(l.ranks[l.n:], r.ranks[:r.n])
	l.n += r.n
	n.deleteAt(j)
	n.deleteKid(j + 1)
}

// moveLeft moves k items from kids[j+1] to kids[j], through items[j]: it
// goes down to the end of kids[j] with the k-1 first items of kids[j+1],
// whose kth item takes its place.
func (n *bnode[T]) moveLeft(j, k int) {
	l, r := n.kids[j], n.kids[j+1]
	l.set(l.n, n.items[j])
	copy(l.items[l.n+1:], r.items[:k-1])
	copy(l.ranks[l.n+1:], r.ranks[:k-1])
	n.set(j, r.items[k-1])
	if r.kids != nil {
		copy(l.kids[l.n+1:], r.kids[:k])
		copy(r.kids[:], r.kids[k:r.n+1])
		clear(r.kids[r.n+1-k : r.n+1])
	}
	copy(r.items[:], r.items[k:r.n])
	copy(r.ranks[:], r.ranks[k:r.n])
	clear(r.items[r.n-k : r.n])
	clear(r.ranks[r.n-k : r.n])
	l.n += k
	r.n -= k
}

// moveRight moves k items from kids[j] to kids[j+1], through items[j]: it
// goes down to the start of kids[j+1] after the k-1 last items of
// kids[j], whose kth last item takes its place.
func (n *bnode[T]) moveRight(j, k int) {
	l, r := n.kids[j], n.kids[j+1]
	copy(r.items[k:], r.items[:r.n])
	copy(r.ranks[k:], r.ranks[:r.n])
	r.set(k-1, n.items[j])
	copy(r.items[:k-1], l.items[l.n-k+1:l.n])
	copy(r.ranks[:k-1], l.ranks[l.n-k+1:l.n])
	n.set(j, l.items[l.n-k])
	if r.kids != nil {
		copy(r.kids[k:], r.kids[:r.n+1])
		copy(r.kids[:k], l.kids[l.n-k+1:l.n+1])
		clear(l.kids[l.n-k+1 : l.n+1])
	}
	clear(l.items[l.n-k : l.n])
	clear(l.ranks[l.n-k : l.n])
	l.n -= k
	r.n += k
}

// all returns the items of t in order.
func (t *btree[T]) all() iter.Seq[T] {
	return func(yield func(T) bool) {
		if t.root != nil {
			t.root.walk(yield)
			return
		}
		for _, v := range t.flat {
			if !yield(v) {
				return
			}
		}
	}
}

func (n *bnode[T]) walk(yield func(T) bool) bool {
	for i := range n.n {
		if n.kids != nil && !n.kids[i].walk(yield) {
			return false
		}
		if !yield(n.items[i]) {
			return false
		}
	}
	return n.kids == nil || n.kids[n.n].walk(yield)
}

// cursor walks a btree in order. It reads the tree as it was when the
// cursor was made: the tree must not change while the cursor is in use.
type cursor[T ordered[T]] struct {
	stack [maxDepth]frame[T]
	depth int
	flat  []T // the items still to visit of a flat tree
}

// frame is a node on the path of a cursor and the index of the next item
// to visit in it; in an inner node, kids[i] has been visited already.
type frame[T ordered[T]] struct {
	n *bnode[T]
	i int
}

// after returns a cursor at the first item of t that sorts after k, or at
// the first item of t when k is nil.
func (t *btree[T]) after(k *T) cursor[T] {
	var c cursor[T]
	if t.root == nil {
		c.flat = t.flat
		if k != nil {
			i, found := search(t.flat, *k)
			if found {
				i++
			}
			c.flat = t.flat[i:]
		}
		return c
	}
	for n := t.root; n != nil; {
		i := 0
		if k != nil {
			var found bool
			if i, found = n.find(*k); found {
				i++
			}
		}
		c.stack[c.depth] = frame[T]{n, i}
		c.depth++
		if n.kids == nil {
			break
		}
		n = n.kids[i]
	}
	return c
}

// peek returns the item at the cursor, or false at the end.
func (c *cursor[T]) peek() (T, bool) {
	if len(c.flat) > 0 {
		return c.flat[0], true
	}
	for c.depth > 0 {
		if f := &c.stack[c.depth-1]; f.i < f.n.n {
			return f.n.items[f.i], true
		}
		c.depth-- // this node is done
	}
	var zero T
	return zero, false
}

// next returns the item at the cursor and moves past it, or false at the
// end.
func (c *cursor[T]) next() (T, bool) {
	v, ok := c.peek()
	if !ok {
		return v, false
	}
	if len(c.flat) > 0 {
		c.flat = c.flat[1:]
		return v, true
	}
	f := &c.stack[c.depth-1]
	f.i++
	for n := f.n; n.kids != nil; { // down to the first item after v
		n = n.kids[c.stack[c.depth-1].i]
		c.stack[c.depth] = frame[T]{n, 0}
		c.depth++
	}
	return v, true
}
