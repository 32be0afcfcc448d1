package memstore

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
)

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
