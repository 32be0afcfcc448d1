package memstore

import (
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// undoStep is one entry of a transaction's undo log: how to undo one
// change. The changes that writes make most often (an index entry of a
// channel or a key, a position, a channel's group, a new channel) are
// recorded as data, which costs no allocation once the log's memory has
// grown; the others as a closure.
type undoStep struct {
	kind undoKind
	fn   func()            // undoFunc
	ct   *btree[chanEntry] // undoChanInsert, undoChanDelete
	kt   *btree[ckey]      // undoKeyInsert, undoKeyDelete
	e    chanEntry         // the entry; a key's in e.key
	i64  *int64            // undoInt64: *i64 = n
	n    int64             //
	gp   **group           // undoGroup: *gp = g
	g    *group            //
	c    *channel          // undoNewChannel
	sp   *string           // undoString: *sp = str
	str  string            //
	ip   *int              // undoInt: *ip = int(n)
}

// groupTreeStep is how to undo a change of an organisation's tree of
// groups: put e back into tr, or take it out, or (swap) make tr old again.
// The steps live in the
// transaction's groupUndo, and the undo log refers to them by index, so
// that its own steps stay small.
type groupTreeStep struct {
	tr     *btree[groupEntry]
	e      groupEntry
	insert bool
	swap   bool
	old    btree[groupEntry]
}

// recordStep is how to undo an update of a channel's record: put old back
// at p.
type recordStep struct {
	p   *driver.ChannelRecord
	old driver.ChannelRecord
}

// timeStep is how to undo the change of a time: put old back at p.
type timeStep struct {
	p   *time.Time
	old time.Time
}

// groupSave is how to undo the changes of a group's record and name key
// (see saveGroup).
type groupSave struct {
	g      *group
	old    grouping.Group
	oldKey string
}

type undoKind uint8

const (
	undoFunc       undoKind = iota
	undoChanInsert          // put e back into ct
	undoChanDelete          // take e out of ct
	undoKeyInsert           // put e.key back into kt
	undoKeyDelete           // take e.key out of kt
	undoInt64
	undoGroup
	undoNewChannel // forget c, a channel the transaction inserted
	undoString
	undoInt
	undoGroupTree // undo t.groupUndo[n]
	undoRecord    // undo t.recordUndo[n]
	undoTime      // undo t.timeUndo[n]
	undoGroupSave // undo t.groupUndoSaves[n]
	undoGroupsMap // undo t.maps.groups[n], and so on
	undoNamesMap
	undoChannelGroupsMap
	undoAccountsMap
	undoAttachedMap
	undoMembersMap
	undoCGTree // undo t.cgTrees[n]
)

// mapStep is how to undo the change of one entry of m: put old back under
// k, or delete k when m had no entry.
type mapStep[K comparable, V any] struct {
	m   map[K]V
	k   K
	old V
	had bool
}

func (s mapStep[K, V]) undo() {
	if s.had {
		s.m[s.k] = s.old
	} else {
		delete(s.m, s.k)
	}
}

// mapSteps holds the undo steps of the maps that writes change most, a
// log for each map type, which the undo log refers to by index.
type mapSteps struct {
	groups        []mapStep[uuid.UUID, *group]
	names         []mapStep[string, *group]
	channelGroups []mapStep[uuid.UUID, *channelGroup]
	accounts      []mapStep[accountKey, *channelGroup]
	attached      []mapStep[attachKey, attachment]
	members       []mapStep[uuid.UUID, struct{}]
}

func (m *mapSteps) reset() {
	resetLog(&m.groups)
	resetLog(&m.names)
	resetLog(&m.channelGroups)
	resetLog(&m.accounts)
	resetLog(&m.attached)
	resetLog(&m.members)
}

// treeStep is how to undo a change of tr: put v back into it, or take it
// out (insert false).
type treeStep[T ordered[T]] struct {
	tr     *btree[T]
	v      T
	insert bool
}

func (s treeStep[T]) undo() {
	if s.insert {
		s.tr.insert(s.v)
	} else {
		s.tr.delete(s.v)
	}
}

func (s *undoStep) run(t *tx) {
	switch s.kind {
	case undoFunc:
		s.fn()
	case undoChanInsert:
		s.ct.insert(s.e)
	case undoChanDelete:
		s.ct.delete(s.e)
	case undoKeyInsert:
		s.kt.insert(s.e.key)
	case undoKeyDelete:
		s.kt.delete(s.e.key)
	case undoInt64:
		*s.i64 = s.n
	case undoGroup:
		*s.gp = s.g
	case undoNewChannel:
		delete(t.channels, s.c.ID)
		t.slab.release(s.c)
	case undoString:
		*s.sp = s.str
	case undoInt:
		*s.ip = int(s.n)
	case undoRecord:
		r := &t.recordUndo[s.n]
		*r.p = r.old
	case undoTime:
		r := &t.timeUndo[s.n]
		*r.p = r.old
	case undoGroupSave:
		r := &t.groupUndoSaves[s.n]
		r.g.Group, r.g.nameKey = r.old, r.oldKey
	case undoGroupsMap:
		t.maps.groups[s.n].undo()
	case undoNamesMap:
		t.maps.names[s.n].undo()
	case undoChannelGroupsMap:
		t.maps.channelGroups[s.n].undo()
	case undoAccountsMap:
		t.maps.accounts[s.n].undo()
	case undoAttachedMap:
		t.maps.attached[s.n].undo()
	case undoMembersMap:
		t.maps.members[s.n].undo()
	case undoCGTree:
		t.cgTrees[s.n].undo()
	case undoGroupTree:
		if g := &t.groupUndo[s.n]; g.swap {
			*g.tr = g.old
		} else if g.insert {
			g.tr.insert(g.e)
		} else {
			g.tr.delete(g.e)
		}
	}
}

// updateChan adds v to tr when add is set, and removes it otherwise, and
// records how to undo it.
func (t *tx) updateChan(tr *btree[chanEntry], v chanEntry, add bool) {
	if add {
		if old, replaced := tr.insert(v); replaced {
			t.undo = append(t.undo, undoStep{kind: undoChanInsert, ct: tr, e: old})
		} else {
			t.undo = append(t.undo, undoStep{kind: undoChanDelete, ct: tr, e: v})
		}
	} else if old, ok := tr.delete(v); ok {
		t.undo = append(t.undo, undoStep{kind: undoChanInsert, ct: tr, e: old})
	}
}

// updateKey is updateChan for a tree of keys.
func (t *tx) updateKey(tr *btree[ckey], k ckey, add bool) {
	if add {
		if old, replaced := tr.insert(k); replaced {
			t.undo = append(t.undo, undoStep{kind: undoKeyInsert, kt: tr, e: chanEntry{key: old}})
		} else {
			t.undo = append(t.undo, undoStep{kind: undoKeyDelete, kt: tr, e: chanEntry{key: k}})
		}
	} else if old, ok := tr.delete(k); ok {
		t.undo = append(t.undo, undoStep{kind: undoKeyInsert, kt: tr, e: chanEntry{key: old}})
	}
}

// insertGroup adds e to tr, an organisation's tree of groups, and records
// how to undo it.
func (t *tx) insertGroup(tr *btree[groupEntry], e groupEntry) {
	if old, replaced := tr.insert(e); replaced {
		t.undoGroupTree(tr, old, true)
	} else {
		t.undoGroupTree(tr, e, false)
	}
}

// removeGroup removes e from tr and records how to undo it.
func (t *tx) removeGroup(tr *btree[groupEntry], e groupEntry) {
	if old, ok := tr.delete(e); ok {
		t.undoGroupTree(tr, old, true)
	}
}

func (t *tx) undoGroupTree(tr *btree[groupEntry], e groupEntry, insert bool) {
	pushStep(t, &t.groupUndo, undoGroupTree, groupTreeStep{tr: tr, e: e, insert: insert})
}

// replaceGroupTree makes *tr next, and records how to undo it. The old
// tree's nodes stay as they are: nothing refers to them but the undo log.
func (t *tx) replaceGroupTree(tr *btree[groupEntry], next btree[groupEntry]) {
	pushStep(t, &t.groupUndo, undoGroupTree, groupTreeStep{tr: tr, swap: true, old: *tr})
	*tr = next
}
