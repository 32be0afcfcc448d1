package memstore

import "github.com/google/uuid"

// The write primitives keep every index in step with the fields it is
// built from: they take an object out of the indexes its old state puts it
// in, change the fields, and put it into those of its new state. Each
// change of an index records its inverse, so that a failed transaction
// undoes it with the rest.

// insertInto adds v to tr and records how to undo it, in a closure: it
// serves the indexes of groups and channel groups; those of channels and
// keys, which writes change most, go through tx.updateChan and
// tx.updateKey, which record it as data.
func insertInto[T ordered[T]](t *tx, tr *btree[T], v T) {
	if old, replaced := tr.insert(v); replaced {
		recordTree(t, treeStep[T]{tr, old, true})
	} else {
		recordTree(t, treeStep[T]{tr, v, false})
	}
}

// removeFrom removes v from tr and records how to undo it.
func removeFrom[T ordered[T]](t *tx, tr *btree[T], v T) {
	if old, ok := tr.delete(v); ok {
		recordTree(t, treeStep[T]{tr, old, true})
	}
}

// recordTree records s, how to undo a change of a tree: the changes of
// trees of channel groups as data, the others as a closure.
func recordTree[T ordered[T]](t *tx, s treeStep[T]) {
	if step, ok := any(s).(treeStep[cgEntry]); ok {
		pushStep(t, &t.cgTrees, undoCGTree, step)
		return
	}
	t.onUndo(s.undo)
}

// indexChannel adds c to (or removes it from) every index of channels its
// state puts it in, memberships aside.
func (t *tx) indexChannel(c *channel, add bool) {
	if o := t.orgs[c.OrganisationID]; o != nil && c.deletedAt == nil {
		t.updateChan(&o.live[side(c.Archived)], chanEntry{creationKey(c), c.ref}, add)
	}
	t.indexPlacement(c, add)
}

// indexPlacement adds c to (or removes it from) the index of its group, or
// that of the ungrouped channels.
func (t *tx) indexPlacement(c *channel, add bool) {
	live := c.deletedAt == nil
	if g := c.group; g != nil {
		t.updateChan(&g.channels[side(!live || c.Archived)], chanEntry{positionKey(c), c.ref}, add)
	} else if o := t.orgs[c.OrganisationID]; o != nil && live {
		t.updateChan(&o.ungrouped[side(c.Archived)], chanEntry{creationKey(c), c.ref}, add)
	}
}

// indexMembers adds the memberships of c to (or removes them from) their
// users' indexes, which hold live channels only.
func (t *tx) indexMembers(c *channel, add bool) {
	o := t.orgs[c.OrganisationID]
	if o == nil || c.deletedAt != nil {
		return
	}
	k := creationKey(c)
	for u := range c.members {
		t.indexMembership(o, u, k, add)
	}
}

// indexMembership adds the channel with creation key k to (or removes it
// from) the index of the user's memberships in o. A user's index exists
// while it is not empty.
func (t *tx) indexMembership(o *organisation, user uuid.UUID, k ckey, add bool) {
	tr := o.memberships[user]
	switch {
	case add && tr == nil:
		tr = new(btree[ckey])
		put(t, o.memberships, user, tr)
	case tr == nil:
		return
	}
	t.updateKey(tr, k, add)
	if tr.Len() == 0 {
		del(t, o.memberships, user)
	}
}
