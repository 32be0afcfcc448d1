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

// ordered is the item type of a btree: compare returns a negative number,
// zero or a positive number as the item sorts before, with or after o.
// Items that compare equal are the same item; a btree holds one of them.
type ordered[T any] interface {
	compare(o T) int
}

const (
	// maxItems is the most items a node holds; a full node splits into
	// two of minItems around its middle item.
	maxItems = 31
	minItems = maxItems / 2
	// maxDepth bounds the height of a tree: every node but the root has
	// at least minItems+1 children, so a tree this high would hold more
	// than 2·16^(maxDepth-1) items.
	maxDepth = 16
)

// btree is an ordered set of items. The zero value is an empty tree.
type btree[T ordered[T]] struct {
	root *bnode[T]
	n    int
}

// bnode is a node: a leaf when children is nil, otherwise an inner node
// with len(items)+1 children, children[i] holding the items between
// items[i-1] and items[i].
type bnode[T ordered[T]] struct {
	items    []T
	children []*bnode[T]
}

// Len returns the number of items in t.
func (t *btree[T]) Len() int { return t.n }

// find returns the index of the first item of n that does not sort before
// k, and whether that item equals k.
func (n *bnode[T]) find(k T) (int, bool) {
	lo, hi := 0, len(n.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := n.items[m].compare(k); {
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
	for n := t.root; n != nil; {
		i, found := n.find(k)
		if found {
			return n.items[i], true
		}
		if n.children == nil {
			break
		}
		n = n.children[i]
	}
	var zero T
	return zero, false
}

// min returns the first item of t.
func (t *btree[T]) min() (T, bool) {
	var zero T
	n := t.root
	if n == nil {
		return zero, false
	}
	for n.children != nil {
		n = n.children[0]
	}
	return n.items[0], true
}

// max returns the last item of t.
func (t *btree[T]) max() (T, bool) {
	var zero T
	n := t.root
	if n == nil {
		return zero, false
	}
	for n.children != nil {
		n = n.children[len(n.children)-1]
	}
	return n.items[len(n.items)-1], true
}

// sortedTree returns a tree of items, which are in order and distinct. A
// tree that fits in one node takes items as its node's own; a larger one is
// built by adding each item at its end.
func sortedTree[T ordered[T]](items []T) btree[T] {
	var t btree[T]
	switch {
	case len(items) == 0:
	case len(items) <= maxItems:
		t.root, t.n = &bnode[T]{items: items}, len(items)
	default:
		for _, v := range items {
			t.insert(v)
		}
	}
	return t
}

// insert adds v to t, or replaces the item equal to it, which it returns.
func (t *btree[T]) insert(v T) (old T, replaced bool) {
	if t.root == nil {
		t.root = &bnode[T]{items: []T{v}}
		t.n = 1
		return old, false
	}
	if len(t.root.items) >= maxItems {
		mid, right := t.root.split(maxItems/2, v, true)
		t.root = &bnode[T]{items: []T{mid}, children: []*bnode[T]{t.root, right}}
	}
	old, replaced = t.root.insert(v, true)
	if !replaced {
		t.n++
	}
	return old, replaced
}

// split cuts n at item i: n keeps the items before it, the returned node
// gets those after it, and the item itself is returned to go up. The new
// node gets room for a full node, so that the inserts that follow do not
// copy it to larger slices one after another, and n keeps its own. But
// when n holds the last items of the tree (last) and v, the item on its
// way in, sorts after all of them, as in a tree filled in order (as
// creation-ordered indexes are), n is unlikely to take another item, and
// gets slices of its own size.
func (n *bnode[T]) split(i int, v T, last bool) (T, *bnode[T]) {
	mid := n.items[i]
	right := &bnode[T]{items: make([]T, len(n.items)-i-1, maxItems)}
	copy(right.items, n.items[i+1:])
	if n.children != nil {
		right.children = make([]*bnode[T], len(n.children)-i-1, maxItems+1)
		copy(right.children, n.children[i+1:])
	}
	if last && v.compare(n.items[len(n.items)-1]) > 0 {
		n.items = slices.Clone(n.items[:i])
		if n.children != nil {
			n.children = slices.Clone(n.children[:i+1])
		}
		return mid, right
	}
	clear(n.items[i:])
	n.items = n.items[:i]
	if n.children != nil {
		clear(n.children[i+1:])
		n.children = n.children[:i+1]
	}
	return mid, right
}

// insert adds v below n, which is not full; last says whether n holds the
// last items of the tree.
func (n *bnode[T]) insert(v T, last bool) (T, bool) {
	i, found := n.find(v)
	if found {
		old := n.items[i]
		n.items[i] = v
		return old, true
	}
	if n.children == nil {
		n.items = slices.Insert(n.items, i, v)
		var zero T
		return zero, false
	}
	if len(n.children[i].items) >= maxItems {
		mid, right := n.children[i].split(maxItems/2, v, last && i == len(n.items))
		n.items = slices.Insert(n.items, i, mid)
		n.children = slices.Insert(n.children, i+1, right)
		switch c := v.compare(mid); {
		case c > 0:
			i++
		case c == 0:
			n.items[i] = v
			return mid, true
		}
	}
	return n.children[i].insert(v, last && i == len(n.items))
}

// delete removes the item equal to k from t and returns it.
func (t *btree[T]) delete(k T) (T, bool) {
	if t.root == nil {
		var zero T
		return zero, false
	}
	old, ok := t.root.remove(k, false)
	if len(t.root.items) == 0 {
		if t.root.children == nil {
			t.root = nil
		} else {
			t.root = t.root.children[0]
		}
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
	var i int
	var found bool
	if last {
		if n.children == nil {
			v := n.items[len(n.items)-1]
			n.items[len(n.items)-1] = zero
			n.items = n.items[:len(n.items)-1]
			return v, true
		}
		i = len(n.items)
	} else {
		i, found = n.find(k)
		if n.children == nil {
			if !found {
				return zero, false
			}
			v := n.items[i]
			n.items = slices.Delete(n.items, i, i+1)
			return v, true
		}
	}
	if len(n.children[i].items) <= minItems {
		n.grow(i)
		return n.remove(k, last) // the items moved: look again
	}
	if found {
		// The item is in this inner node: its predecessor, the last item
		// of the child before it, takes its place.
		v := n.items[i]
		n.items[i], _ = n.children[i].remove(zero, true)
		return v, true
	}
	return n.children[i].remove(k, last)
}

// grow gives children[i], which has minItems, one more item: from a
// sibling that can spare one, or by merging it with a sibling and the item
// between them.
func (n *bnode[T]) grow(i int) {
	var zero T
	child := n.children[i]
	switch {
	case i > 0 && len(n.children[i-1].items) > minItems:
		left := n.children[i-1]
		child.items = slices.Insert(child.items, 0, n.items[i-1])
		n.items[i-1] = left.items[len(left.items)-1]
		left.items[len(left.items)-1] = zero
		left.items = left.items[:len(left.items)-1]
		if left.children != nil {
			child.children = slices.Insert(child.children, 0, left.children[len(left.children)-1])
			left.children[len(left.children)-1] = nil
			left.children = left.children[:len(left.children)-1]
		}
	case i < len(n.items) && len(n.children[i+1].items) > minItems:
		right := n.children[i+1]
		child.items = append(child.items, n.items[i])
		n.items[i] = right.items[0]
		right.items = slices.Delete(right.items, 0, 1)
		if right.children != nil {
			child.children = append(child.children, right.children[0])
			right.children = slices.Delete(right.children, 0, 1)
		}
	default:
		if i == len(n.items) { // the last child merges with the one before
			i--
			child = n.children[i]
		}
		right := n.children[i+1]
		child.items = append(append(child.items, n.items[i]), right.items...)
		child.children = append(child.children, right.children...)
		n.items = slices.Delete(n.items, i, i+1)
		n.children = slices.Delete(n.children, i+1, i+2)
	}
}

// all returns the items of t in order.
func (t *btree[T]) all() iter.Seq[T] {
	return func(yield func(T) bool) {
		if t.root != nil {
			t.root.walk(yield)
		}
	}
}

func (n *bnode[T]) walk(yield func(T) bool) bool {
	for i, v := range n.items {
		if n.children != nil && !n.children[i].walk(yield) {
			return false
		}
		if !yield(v) {
			return false
		}
	}
	return n.children == nil || n.children[len(n.items)].walk(yield)
}

// cursor walks a btree in order. It reads the tree as it was when the
// cursor was made: the tree must not change while the cursor is in use.
type cursor[T ordered[T]] struct {
	stack [maxDepth]frame[T]
	depth int
}

// frame is a node on the path of a cursor and the index of the next item
// to visit in it; in an inner node, children[i] has been visited already.
type frame[T ordered[T]] struct {
	n *bnode[T]
	i int
}

// after returns a cursor at the first item of t that sorts after k, or at
// the first item of t when k is nil.
func (t *btree[T]) after(k *T) cursor[T] {
	var c cursor[T]
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
		if n.children == nil {
			break
		}
		n = n.children[i]
	}
	return c
}

// peek returns the item at the cursor, or false at the end.
func (c *cursor[T]) peek() (T, bool) {
	for c.depth > 0 {
		if f := &c.stack[c.depth-1]; f.i < len(f.n.items) {
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
	f := &c.stack[c.depth-1]
	f.i++
	for n := f.n; n.children != nil; { // down to the first item after v
		n = n.children[c.stack[c.depth-1].i]
		c.stack[c.depth] = frame[T]{n, 0}
		c.depth++
	}
	return v, true
}
