package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// concurrencyWorld is the organisation BenchmarkConcurrency reads and
// writes: channels with two members each, three in four of them in groups
// of about 50, built once through the API into a file that each run copies.
type concurrencyWorld struct {
	file     string // the closed database file
	org      uuid.UUID
	groups   []uuid.UUID
	channels []uuid.UUID
}

func newConcurrencyWorld(b *testing.B, channels, groups int) *concurrencyWorld {
	b.Helper()
	ctx := b.Context()
	w := &concurrencyWorld{file: filepath.Join(b.TempDir(), "world.db"), org: uuid.New()}
	s, err := Open(ctx, w.file)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: w.org, Name: "Concurrency"}); err != nil {
		b.Fatal(err)
	}
	for i := range groups {
		g, err := s.CreateGroup(ctx, w.org, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		if err != nil {
			b.Fatal(err)
		}
		w.groups = append(w.groups, g.ID)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range channels {
		owner := uuid.New()
		ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{
			ID: uuid.New(), OrganisationID: w.org, Name: fmt.Sprint("channel ", i), OwnerID: owner,
			MessageCount: int64(i), Users: []uuid.UUID{owner, uuid.New()},
			CreatedAt: base.Add(time.Duration(i) * time.Second),
		})
		if err != nil {
			b.Fatal(err)
		}
		w.channels = append(w.channels, ch.ID)
	}
	grouped := w.channels[:len(w.channels)*3/4]
	per := len(grouped) / groups
	for i, g := range w.groups {
		for chunk := range slices.Chunk(grouped[i*per:(i+1)*per], 1000) {
			if err := s.AssignChannels(ctx, w.org, g, chunk); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return w
}

// open opens a copy of the world's file.
func (w *concurrencyWorld) open(b *testing.B) *Store {
	b.Helper()
	path := filepath.Join(b.TempDir(), "copy.db")
	for _, suffix := range []string{"", "-wal"} {
		if err := copyWorldFile(w.file+suffix, path+suffix); err != nil && !(suffix != "" && errors.Is(err, os.ErrNotExist)) {
			b.Fatal(err)
		}
	}
	s, err := Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func copyWorldFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// BenchmarkConcurrency runs reads and writes from 1, 4, 16 and 64
// goroutines at once on one Store, in two mixes: 90 % reads and 10 %
// writes, and the other way round. The organisation has 10,000 channels
// (500 with -short) in groups of about 50. A read is a page of 50 of a
// group's channels or one channel; a write moves a channel into another
// group (or assigns it, when it was in none) and appends its event.
//
// Besides ns/op (the wall time per operation, all goroutines together) it
// reports ops/s, the median and 99th percentile of the writes' latency in
// microseconds, and busy-errors, the calls that failed for want of a lock
// (there should be none). The targets: at every level, ops/s at least 0.9
// times that of 1 goroutine, and write-p99 at most 3 times write-p50.
//
//	go test ./sqlite -run '^$' -bench Concurrency -benchtime 20000x -count 6
func BenchmarkConcurrency(b *testing.B) {
	w := benchConcurrencyWorld(b)
	eachConcurrency(b, func(b *testing.B, reads, n int) {
		s := w.open(b)
		runConcurrency(b, w, reads, n, func(ctx context.Context, rng *rand.Rand) error {
			return concurrencyRead(ctx, s, w, rng)
		}, func(ctx context.Context, g, ch uuid.UUID) error {
			return s.MoveChannel(ctx, w.org, g, ch)
		}).report(b)
	})
}

// benchConcurrencyWorld builds the world of BenchmarkConcurrency: 10,000
// channels in 150 groups, or 500 in 10 under -short.
func benchConcurrencyWorld(b *testing.B) *concurrencyWorld {
	if testing.Short() {
		return newConcurrencyWorld(b, 500, 10)
	}
	return newConcurrencyWorld(b, 10_000, 150)
}

// eachConcurrency runs bench for each mix (the percentage of reads) and
// number of goroutines of BenchmarkConcurrency.
func eachConcurrency(b *testing.B, bench func(b *testing.B, reads, goroutines int)) {
	for _, mix := range []struct {
		name  string
		reads int // percent
	}{{"90-10", 90}, {"10-90", 10}} {
		for _, n := range []int{1, 4, 16, 64} {
			b.Run(fmt.Sprintf("mix=%s/goroutines=%d", mix.name, n), func(b *testing.B) {
				bench(b, mix.reads, n)
			})
		}
	}
}

// concurrencyRun is what one run of BenchmarkConcurrency measured.
type concurrencyRun struct {
	elapsed time.Duration
	writes  []time.Duration // the latency of every write, sorted
	busy    int64           // calls that failed for want of a lock
}

// report reports r as BenchmarkConcurrency does.
func (r concurrencyRun) report(b *testing.B) {
	b.ReportMetric(float64(b.N)/r.elapsed.Seconds(), "ops/s")
	b.ReportMetric(inMicros(latencyQuantile(r.writes, 0.50)), "write-p50-µs")
	b.ReportMetric(inMicros(latencyQuantile(r.writes, 0.99)), "write-p99-µs")
	b.ReportMetric(float64(r.busy), "busy-errors")
}

// runConcurrency makes b.N calls from n goroutines, reads percent of them
// reads, and the others writes: write moves channel ch of w into group g,
// both picked at random.
func runConcurrency(b *testing.B, w *concurrencyWorld, reads, n int,
	read func(context.Context, *rand.Rand) error, write func(ctx context.Context, g, ch uuid.UUID) error) concurrencyRun {
	ctx := b.Context()
	var (
		next   atomic.Int64
		busy   atomic.Int64
		failed sync.Once
		wg     sync.WaitGroup
	)
	latencies := make([][]time.Duration, n)
	b.ResetTimer()
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(reads)))
			for next.Add(1) <= int64(b.N) {
				var err error
				if rng.IntN(100) < reads {
					err = read(ctx, rng)
				} else {
					g := w.groups[rng.IntN(len(w.groups))]
					ch := w.channels[rng.IntN(len(w.channels))]
					t0 := time.Now()
					err = write(ctx, g, ch)
					latencies[i] = append(latencies[i], time.Since(t0))
				}
				switch {
				case err == nil:
				case grouping.ErrorCode(err) == grouping.Unavailable || isBusy(err):
					busy.Add(1)
				default:
					failed.Do(func() { b.Error(err) })
				}
			}
		})
	}
	wg.Wait()
	r := concurrencyRun{elapsed: time.Since(start), busy: busy.Load()}
	b.StopTimer()
	r.writes = slices.Concat(latencies...)
	slices.Sort(r.writes)
	return r
}

// concurrencyRead is one read of BenchmarkConcurrency: a page of a group's
// channels or one channel, one time in two each.
func concurrencyRead(ctx context.Context, s *Store, w *concurrencyWorld, rng *rand.Rand) error {
	if rng.IntN(2) == 0 {
		_, err := s.ListGroupChannels(ctx, w.org, w.groups[rng.IntN(len(w.groups))], grouping.ListChannelsOptions{Limit: 50})
		return err
	}
	_, err := s.GetChannel(ctx, w.org, w.channels[rng.IntN(len(w.channels))])
	return err
}

// latencyQuantile returns the p-quantile (0 < p ≤ 1) of sorted durations by
// the nearest-rank method, or 0 when there are none.
func latencyQuantile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// inMicros converts d to microseconds.
func inMicros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
