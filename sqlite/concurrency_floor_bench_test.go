package sqlite

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// BenchmarkConcurrencyFloor runs the mixes and levels of
// BenchmarkConcurrency against a floor written by hand (floor_test.go): the
// same reads and writes through prepared statements on a copy of the same
// file, with the store's DSN, pools and background checkpointer. Writers
// take turns on the floor's one write connection in the order they come
// (concurrencyFloor.move); reads go straight to the read pool. It reports
// the same metrics, so that
//
//	go test ./sqlite -run '^$' -bench 'Concurrency(Floor)?$' -benchtime 20000x -count 6 | tee conc.txt
//	benchstat -col .name -filter '.unit:(write-p50-µs OR write-p99-µs OR ops/s)' conc.txt
//
// sets the library's write latencies beside those of the same work without
// it: the spread that the machine, SQLite and its checkpoints make on their
// own.
func BenchmarkConcurrencyFloor(b *testing.B) {
	w := benchConcurrencyWorld(b)
	eachConcurrency(b, func(b *testing.B, reads, n int) {
		cf := newConcurrencyFloor(b, openFloor(b, w.open(b)), w.org)
		runConcurrency(b, w, reads, n, func(ctx context.Context, rng *rand.Rand) error {
			return cf.read(ctx, w, rng)
		}, cf.move).report(b)
	})
}

// concurrencyFloor is the floor of BenchmarkConcurrency's calls.
type concurrencyFloor struct {
	f   *floorDB
	org uuid.UUID
	// turn passes the write connection from writer to writer: a writer
	// blocked on receiving from it waits in line, and a send hands it to
	// the first in line.
	turn chan struct{}
	// group reads a channel's group; moveTo moves it into another group
	// (or assigns it) at the group's end and returns its position there.
	group, moveTo *sql.Stmt
}

func newConcurrencyFloor(b *testing.B, f *floorDB, org uuid.UUID) *concurrencyFloor {
	b.Helper()
	cf := &concurrencyFloor{f: f, org: org, turn: make(chan struct{}, 1)}
	cf.turn <- struct{}{}
	var err error
	if cf.group, err = f.wc.PrepareContext(context.Background(),
		`SELECT group_id FROM channels WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL`); err != nil {
		b.Fatal(err)
	}
	if cf.moveTo, err = f.wc.PrepareContext(context.Background(), `UPDATE channels SET group_id = ?1, group_position = (
			SELECT COALESCE(MAX(group_position), -1) + 1 FROM channels WHERE group_id = ?1)
		WHERE id = ?2 AND organisation_id = ?3 AND deleted_at IS NULL AND group_id IS NOT ?1
			AND EXISTS (SELECT 1 FROM groups WHERE id = ?1 AND organisation_id = ?3 AND deleted_at IS NULL AND archived = 0)
		RETURNING group_position`); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cf.group.Close()
		cf.moveTo.Close()
	})
	return cf
}

// read is concurrencyRead on the floor: a page of 50 of a group's
// channels or one channel, one time in two each.
func (cf *concurrencyFloor) read(ctx context.Context, w *concurrencyWorld, rng *rand.Rand) error {
	if rng.IntN(2) == 0 {
		_, err := floorQuery(ctx, cf.f.stmts["r:groupChannels"], floorChannelRow, w.groups[rng.IntN(len(w.groups))], cf.org, 51)
		return err
	}
	_, err := scanFloorChannel(cf.f.stmts["r:channel"].QueryRowContext(ctx, w.channels[rng.IntN(len(w.channels))], cf.org), true)
	return err
}

// move is MoveChannel on the floor: it reads the channel's group, and
// unless the channel is in g already, moves it to the end of g and appends
// channel.moved (channel.assigned when it was in no group).
func (cf *concurrencyFloor) move(ctx context.Context, g, ch uuid.UUID) error {
	<-cf.turn
	defer func() { cf.turn <- struct{}{} }()
	return cf.f.tx(ctx, func(_ *sql.Conn, st func(string) *sql.Stmt) error {
		var from uuid.NullUUID
		if err := cf.group.QueryRowContext(ctx, ch, cf.org).Scan(&from); err != nil {
			return err
		}
		if from.Valid && from.UUID == g {
			return nil
		}
		var pos int64
		if err := cf.moveTo.QueryRowContext(ctx, g, ch, cf.org).Scan(&pos); err != nil {
			return err
		}
		data := grouping.ChannelPlacementData{ChannelID: ch, GroupID: g, Position: &pos}
		typ := grouping.EventChannelAssigned
		if from.Valid {
			data.FromGroupID, typ = &from.UUID, grouping.EventChannelMoved
		}
		return floorEvent(ctx, st, grouping.OrganisationOf(cf.org), typ, data)
	})
}
