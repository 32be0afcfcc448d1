package memstore

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
)

// eventLog is one tenant's events, in blocks of eventBlockLen, so that
// appending never copies the log: the events kept are the n that start at
// index off of blocks[0], in sequence order, the last of them numbered
// last. An event is kept as an eventRec, which holds no pointer, and its
// Data in its block's data, so that the garbage collector does not visit
// the events one by one.
type eventLog struct {
	tenant grouping.Tenant
	last   int64
	off, n int
	blocks []*eventBlock
}

// eventBlockLen is how many events one block of a log holds.
const eventBlockLen = 512

// eventBlock holds eventBlockLen events: their fixed fields in recs and
// their Data in data: copies, since the engine reuses the memory of Data
// once the transaction ends, one after another in buffers of dataChunk
// bytes, and each Data of more than bigData bytes in big, in a buffer of
// its own. data and big come first, so that the collector's scan of a
// block ends after their pointers.
type eventBlock struct {
	data [][]byte
	big  [][]byte
	recs [eventBlockLen]eventRec
}

// bigChunk marks the chunk of an eventRec whose Data is in big.
const bigChunk = 1 << 15

const (
	dataChunk = 16 << 10
	bigData   = dataChunk / 4
)

// eventRec is an event without its tenant (the log's), its sequence (its
// place in the log) and its Data (in the block's data).
type eventRec struct {
	id        [16]byte
	sec       int64  // Time, in seconds since 1970, UTC
	nsec      int32  // and nanoseconds
	dataStart uint32 // Data is data[chunk][dataStart : dataStart+dataLen],
	dataLen   uint32 // or big[chunk&^bigChunk] when chunk has bigChunk
	chunk     uint16
	typ       uint16 // Type, as an index of eventTypes.types
	nilData   bool   // Data was nil rather than empty
}

// eventTypes numbers the event types seen, so that an eventRec holds a
// number rather than a string.
type eventTypes struct {
	types []grouping.EventType
	index map[grouping.EventType]uint16
	last  uint16 // the number looked up last, found again without the map
}

// number returns the number of typ, giving it one the first time.
func (et *eventTypes) number(typ grouping.EventType) uint16 {
	if et.index != nil && typ == et.types[et.last] {
		return et.last
	}
	if i, ok := et.index[typ]; ok {
		et.last = i
		return i
	}
	if et.index == nil {
		et.index = make(map[grouping.EventType]uint16)
	}
	i := uint16(len(et.types))
	et.types = append(et.types, typ)
	et.index[typ] = i
	et.last = i
	return i
}

// at returns the block and the record of the kept event at index i (0 is
// the oldest).
func (l *eventLog) at(i int) (*eventBlock, *eventRec) {
	i += l.off
	b := l.blocks[i/eventBlockLen]
	return b, &b.recs[i%eventBlockLen]
}

// event returns the kept event at index i as callers see it, with Data in
// memory of its own.
func (d *data) event(l *eventLog, i int) grouping.Event {
	b, r := l.at(i)
	e := grouping.Event{
		ID:       r.id,
		Tenant:   l.tenant,
		Sequence: l.last - int64(l.n) + 1 + int64(i),
		Type:     d.eventTypes.types[r.typ],
		Time:     time.Unix(r.sec, int64(r.nsec)).UTC(),
	}
	if !r.nilData {
		e.Data = make([]byte, r.dataLen)
		if r.chunk&bigChunk != 0 {
			copy(e.Data, b.big[r.chunk&^bigChunk])
		} else {
			copy(e.Data, b.data[r.chunk][r.dataStart:])
		}
	}
	return e
}

// eventTime returns the Time of the kept event at index i.
func (l *eventLog) eventTime(i int) time.Time {
	_, r := l.at(i)
	return time.Unix(r.sec, int64(r.nsec))
}

// logState is what a transaction changes of a log, kept to be put back
// when it rolls back: the records and data written past these counts are
// then unreachable, and overwritten by the next append.
type logState struct {
	last   int64
	off, n int
	blocks []*eventBlock
	// The number of data buffers of the last block, the length of the
	// last of them, and the number of its big Data.
	chunks, chunkLen, bigs int
}

// logMark is a log and its state before a transaction changed it.
type logMark struct {
	l     *eventLog
	state logState
}

func (l *eventLog) state() logState {
	s := logState{last: l.last, off: l.off, n: l.n, blocks: l.blocks}
	if len(l.blocks) > 0 {
		b := l.blocks[len(l.blocks)-1]
		if s.chunks = len(b.data); s.chunks > 0 {
			s.chunkLen = len(b.data[s.chunks-1])
		}
		s.bigs = len(b.big)
	}
	return s
}

func (l *eventLog) restore(s logState) {
	l.last, l.off, l.n, l.blocks = s.last, s.off, s.n, s.blocks
	if len(l.blocks) > 0 {
		b := l.blocks[len(l.blocks)-1]
		clear(b.data[s.chunks:]) // let go of the buffers of the rollback
		b.data = b.data[:s.chunks]
		if s.chunks > 0 {
			b.data[s.chunks-1] = b.data[s.chunks-1][:s.chunkLen]
		}
		clear(b.big[s.bigs:])
		b.big = b.big[:s.bigs]
	}
}

// markLog records the state of l before the transaction changes it. The
// marks are put back in reverse order on rollback, so the first mark of a
// log wins; they cost no allocation once the transactions' mark memory
// has grown.
func (t *tx) markLog(l *eventLog) {
	t.marks = append(t.marks, logMark{l, l.state()})
}

// spareMemory holds the blocks and data buffers of pruned events, to be
// used again by the next appends instead of memory that the allocator
// would have to clear: a store that prunes as it goes appends without
// allocating. Every field of a record and every byte of data that a read
// can reach is written before it is read, so nothing needs clearing.
type spareMemory struct {
	blocks []*eventBlock
	chunks [][]byte
}

// The most blocks and buffers kept spare: about 1.3 MiB and 16 MiB.
const (
	maxSpareBlocks = 64
	maxSpareChunks = 1024
)

// block returns an empty block.
func (s *spareMemory) block() *eventBlock {
	if n := len(s.blocks); n > 0 {
		b := s.blocks[n-1]
		s.blocks[n-1] = nil
		s.blocks = s.blocks[:n-1]
		return b
	}
	return new(eventBlock)
}

// chunk returns an empty data buffer of dataChunk bytes.
func (s *spareMemory) chunk() []byte {
	if n := len(s.chunks); n > 0 {
		c := s.chunks[n-1]
		s.chunks[n-1] = nil
		s.chunks = s.chunks[:n-1]
		return c
	}
	return make([]byte, 0, dataChunk)
}

// keep takes in the memory of blocks that no log refers to any more.
func (s *spareMemory) keep(blocks []*eventBlock) {
	for _, b := range blocks {
		for _, c := range b.data { // memory of the log's own, unlike big
			if len(s.chunks) < maxSpareChunks {
				s.chunks = append(s.chunks, c[:0])
			}
		}
		clear(b.data)
		clear(b.big)
		b.data, b.big = b.data[:0], b.big[:0]
		if len(s.blocks) < maxSpareBlocks {
			s.blocks = append(s.blocks, b)
		}
	}
}

type consumerKey struct {
	name   string
	tenant grouping.Tenant
}

// Events implements driver.Reader.
func (d *data) Events(_ context.Context, q driver.EventsQuery) ([]grouping.Event, error) {
	l := d.events[q.Tenant]
	if l == nil || q.After >= l.last {
		return nil, nil
	}
	first := l.last - int64(l.n) + 1 // the oldest kept
	i := int(max(q.After+1, first) - first)
	n := min(l.n-i, q.Limit)
	if n <= 0 {
		return nil, nil
	}
	out := make([]grouping.Event, n)
	for j := range out {
		out[j] = d.event(l, i+j)
	}
	return out, nil
}

// EventConsumer implements driver.Reader.
func (d *data) EventConsumer(_ context.Context, name string, tenant grouping.Tenant) (*grouping.EventConsumer, error) {
	c, ok := d.consumers[consumerKey{name, tenant}]
	if !ok {
		return nil, nil
	}
	return &c, nil
}

// AppendEvents implements driver.Tx. The events' Data is copied into the
// log's blocks: the engine reuses its memory once the transaction ends.
func (t *tx) AppendEvents(_ context.Context, tenant grouping.Tenant, events []grouping.Event) error {
	l := t.lastLog
	if l == nil || l.tenant != tenant {
		if l = t.events[tenant]; l == nil {
			// An empty log is no different from none: a rollback
			// leaves it.
			l = &eventLog{tenant: tenant}
			t.events[tenant] = l
		}
		t.lastLog = l
	}
	t.markLog(l)
	for i := range events {
		e := &events[i]
		l.last++
		e.Sequence = l.last
		e.Tenant = tenant
		end := l.off + l.n
		if end == len(l.blocks)*eventBlockLen {
			l.blocks = append(l.blocks, t.spare.block())
		}
		b := l.blocks[end/eventBlockLen]
		r := &b.recs[end%eventBlockLen]
		r.id = e.ID
		r.sec, r.nsec = e.Time.Unix(), int32(e.Time.Nanosecond())
		r.typ = t.eventTypes.number(e.Type)
		r.nilData = e.Data == nil
		r.chunk, r.dataStart, r.dataLen = b.store(e.Data, &t.spare)
		l.n++
	}
	return nil
}

// store puts a copy of p in the block's data and returns where it is.
func (b *eventBlock) store(p []byte, spare *spareMemory) (chunk uint16, start, n uint32) {
	if len(p) > bigData {
		b.big = append(b.big, bytes.Clone(p))
		return bigChunk | uint16(len(b.big)-1), 0, uint32(len(p))
	}
	last := len(b.data) - 1
	if last < 0 || cap(b.data[last])-len(b.data[last]) < len(p) {
		b.data = append(b.data, spare.chunk())
		last++
	}
	start = uint32(len(b.data[last]))
	b.data[last] = append(b.data[last], p...)
	return uint16(last), start, uint32(len(p))
}

// PutEventConsumer implements driver.Tx.
func (t *tx) PutEventConsumer(_ context.Context, c grouping.EventConsumer) error {
	put(t, t.consumers, consumerKey{c.Name, c.Tenant}, c)
	return nil
}

// DeleteEventConsumer implements driver.Tx.
func (t *tx) DeleteEventConsumer(_ context.Context, name string, tenant grouping.Tenant) (bool, error) {
	k := consumerKey{name, tenant}
	if _, ok := t.consumers[k]; !ok {
		return false, nil
	}
	del(t, t.consumers, k)
	return true, nil
}

// PruneEvents implements driver.Tx. Each tenant's log loses a prefix.
func (t *tx) PruneEvents(_ context.Context, q driver.PruneQuery) (int64, error) {
	// The position up to which each tenant's events may go.
	held := map[grouping.Tenant]int64{}
	for k, c := range t.consumers {
		if p, ok := held[k.tenant]; c.Active && (!ok || c.Position < p) {
			held[k.tenant] = c.Position
		}
	}
	var removed int64
	for tenant, l := range t.events {
		first := l.last - int64(l.n) + 1
		cut := 0
		for cut < l.n && removed < int64(q.Limit) {
			old := !q.Before.IsZero() && l.eventTime(cut).Before(q.Before)
			many := q.Keep > 0 && l.n-cut > q.Keep
			if p, ok := held[tenant]; (!old && !many) || (ok && first+int64(cut) > p) {
				break
			}
			cut++
			removed++
		}
		if cut == 0 {
			continue
		}
		t.markLog(l)
		l.off += cut
		l.n -= cut
		// Whole blocks before the first kept event go; the list of blocks
		// is copied, so that the one a rollback puts back is intact, and
		// so are the blocks, whose memory is used again only once the
		// transaction has committed.
		if drop := l.off / eventBlockLen; drop > 0 {
			t.dropped = append(t.dropped, l.blocks[:drop]...)
			l.blocks = slices.Clone(l.blocks[drop:])
			l.off -= drop * eventBlockLen
		}
	}
	return removed, nil
}

// The event reads of memDriver read under the read lock.

func (d *memDriver) Events(ctx context.Context, q driver.EventsQuery) ([]grouping.Event, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.Events(ctx, q)
}

func (d *memDriver) EventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (*grouping.EventConsumer, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.EventConsumer(ctx, name, tenant)
}
