package httpapi_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
)

// BenchmarkBulkAssign compares putting 100 channels into a group with 100
// AssignChannel calls and with one AssignChannels call, on a sqlite store
// called directly: a request over HTTP would add the same cost per call to
// both. After each iteration the channels are taken out again, untimed, so
// that every iteration starts from the same state. ns/channel is the time
// per channel assigned.
func BenchmarkBulkAssign(b *testing.B) {
	const n = 100
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "grouping.db"))
	if err != nil {
		b.Fatalf("open sqlite store: %v", err)
	}
	b.Cleanup(func() { store.Close() })
	org := uuid.New()
	if _, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	g, err := store.CreateGroup(ctx, org, grouping.NewGroup{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
		if _, err := store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ids[i], OrganisationID: org, Name: fmt.Sprint("channel ", i)}); err != nil {
			b.Fatal(err)
		}
	}
	reset := func(b *testing.B) {
		b.StopTimer()
		if err := store.RemoveChannels(ctx, org, g.ID, ids); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	for _, bc := range []struct {
		name   string
		assign func() error
	}{
		{fmt.Sprintf("impl=single-%d", n), func() error {
			for _, id := range ids {
				if err := store.AssignChannel(ctx, org, g.ID, id); err != nil {
					return err
				}
			}
			return nil
		}},
		{fmt.Sprintf("impl=bulk-%d", n), func() error { return store.AssignChannels(ctx, org, g.ID, ids) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.assign(); err != nil {
					b.Fatal(err)
				}
				reset(b)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/channel")
		})
	}
}
