package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// BenchmarkWriteTail measures how single writes from one goroutine spread,
// for the library and for its floor (floor_test.go): the same move of a
// channel between two groups with its event, written by hand with prepared
// statements on the same file, DSN, pools and background checkpointer. The
// two sides take turns of writeTailTurn writes, so that both meet the same
// conditions of the machine. In mix=90-10 nine reads (a page of 50 and one
// channel, in turn, each side its own) come before each write, as in
// BenchmarkConcurrency at one goroutine; in mix=0-100 the writes follow one
// another. b.N is the number of writes of each side. It reports each side's
// write p50 and p99 (µs) and their ratio, p99/p50: what a store can reach
// at one goroutine on a machine is bounded by what its floor reaches there.
// The first write of each turn is left out of both sides' figures: the
// library's finds the event sequence it remembers out of date, as the
// floor appended events since, and takes a slower path once.
//
//	go test ./sqlite -run '^$' -bench WriteTail -benchtime 5000x -count 6 | tee tail.txt
//	benchstat tail.txt
func BenchmarkWriteTail(b *testing.B) {
	ctx := context.Background()
	fx := newFixture(b, 3000, 50)
	byName := make(map[string]floorCase)
	for _, c := range floorCases() {
		byName[c.name] = c
	}
	page, one := byName["ListGroupChannels"], byName["GetChannel"]
	c := fx.channels[0].ID // in groups[0]
	groups := [2]uuid.UUID{fx.groups[0].ID, fx.groups[4].ID}
	moves := 0 // the channel is in groups[moves%2]

	type side struct {
		name  string
		reads [2]func(context.Context, *fixture) (any, error)
		move  func(to, from uuid.UUID) error
	}
	sides := [2]side{
		{"library", [2]func(context.Context, *fixture) (any, error){page.library, one.library}, func(to, _ uuid.UUID) error {
			return fx.s.MoveChannel(ctx, fx.org, to, c)
		}},
		{"floor", [2]func(context.Context, *fixture) (any, error){page.floor, one.floor}, func(to, from uuid.UUID) error {
			return fx.f.tx(ctx, func(_ *sql.Conn, st func(string) *sql.Stmt) error {
				if err := oneRowChanged(st("move").ExecContext(ctx, to, c, fx.org)); err != nil {
					return err
				}
				pos := int64(0)
				return floorEvent(ctx, st, grouping.OrganisationOf(fx.org), grouping.EventChannelMoved,
					grouping.ChannelPlacementData{ChannelID: c, GroupID: to, FromGroupID: &from, Position: &pos})
			})
		}},
	}

	for _, mix := range []struct {
		name  string
		reads int // before each write
	}{{"90-10", 9}, {"0-100", 0}} {
		b.Run("mix="+mix.name, func(b *testing.B) {
			var lat [2][]time.Duration
			for i := range lat {
				lat[i] = make([]time.Duration, 0, b.N)
			}
			b.ResetTimer()
			for from := 0; from < b.N; from += writeTailTurn {
				for i, s := range sides {
					for k := range min(writeTailTurn, b.N-from) {
						for r := range mix.reads {
							if _, err := s.reads[r%2](ctx, fx); err != nil {
								b.Fatal(err)
							}
						}
						to, at := groups[(moves+1)%2], groups[moves%2]
						t0 := time.Now()
						if err := s.move(to, at); err != nil {
							b.Fatalf("%s: %v", s.name, err)
						}
						if took := time.Since(t0); k > 0 || b.N <= writeTailTurn {
							lat[i] = append(lat[i], took)
						}
						moves++
					}
				}
			}
			b.StopTimer()
			for i, s := range sides {
				slices.Sort(lat[i])
				p50, p99 := latencyQuantile(lat[i], 0.50), latencyQuantile(lat[i], 0.99)
				b.ReportMetric(inMicros(p50), s.name+"-p50-µs")
				b.ReportMetric(inMicros(p99), s.name+"-p99-µs")
				b.ReportMetric(float64(p99)/float64(p50), s.name+"-p99/p50")
			}
		})
	}
}

// writeTailTurn is how many writes each side of BenchmarkWriteTail makes
// before the other takes its turn.
const writeTailTurn = 100
