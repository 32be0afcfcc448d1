package memstore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// BenchmarkAppendEvent times memstore's side of an event: a write
// transaction that appends one event of 300 bytes of data (op=append),
// against the same transaction that makes the event, its Data in memory
// of its own as the engine's JSON is, and appends nothing (op=none), so
// that the difference is what the event log costs per event, the engine's
// part (the event's ID, its JSON, the clock) aside. The log grows as it
// does under writes that are never pruned (op=append), or as it does in a
// store that keeps its newest events and prunes the others from time to
// time (op=append-pruned), reusing their memory.
func BenchmarkAppendEvent(b *testing.B) {
	ctx := context.Background()
	tenant := grouping.OrganisationOf(uuid.New())
	data := []byte(`{"channel":{"channels_id":"0a9b3c4d-1111-4222-8333-444455556666","name":"` +
		`channel 0000001","description":"a channel of the benchmarks","organisation_id":` +
		`"0a9b3c4d-1111-4222-8333-444455556667","owner_id":"0a9b3c4d-1111-4222-8333-444455556668",` +
		`"users":[],"user_count":0,"message_count":1,"archived":false,"group_id":null}}`)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, op := range []struct {
		name   string
		events int
		prune  bool
	}{{"none", 0, false}, {"append", 1, false}, {"append-pruned", 1, true}} {
		b.Run("op="+op.name, func(b *testing.B) {
			d := newDriver()
			evs := make([]grouping.Event, op.events)
			b.ReportAllocs()
			cpu.start()
			i := 0
			for b.Loop() {
				if i++; op.prune && i%(8*eventBlockLen) == 0 {
					// Untimed, as a store that keeps its newest events
					// prunes them from time to time.
					pause(b)
					err := d.Write(ctx, func(tx driver.Tx) error {
						_, err := tx.PruneEvents(ctx, driver.PruneQuery{Keep: eventBlockLen, Limit: 1 << 20})
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					resume(b)
				}
				err := d.Write(ctx, func(tx driver.Tx) error {
					e := grouping.Event{ID: uuid.UUID{1}, Type: grouping.EventChannelUpdated, Time: at, Data: bytes.Clone(data)}
					if op.events == 0 {
						sink = e.Data
						return nil
					}
					evs[0] = e
					return tx.AppendEvents(ctx, tenant, evs)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			cpu.stop()
			b.ReportMetric(float64(cpu.total)/float64(b.N), "cpu-ns/op")
		})
	}
}

// sink keeps the Data of op=none from being optimised away.
var sink []byte
