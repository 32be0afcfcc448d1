package postgres

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/google/uuid"
)

// BenchmarkFloor (floor_test.go) compares every operation of the store with
// a floor written by hand with pgx, over TCP loopback and, when the server
// has one, the unix socket. The benchmarks here measure writes from many
// goroutines at once.
//
//	GROUPING_TEST_POSTGRES_URL=… go test -run '^$' -bench . -count 6 ./postgres
//
// -synccommit=false leaves the commits' WAL flushes out (see syncCommit).

// syncCommit off runs the benchmarks' connections with synchronous_commit
// off: a commit then returns before its WAL is flushed to disk, so that the
// flush, the disk's time and the same for the store and its floor, drops
// out of the figures (on a disk shared with other work it is most of a
// write's time, and its noise).
var syncCommit = flag.Bool("synccommit", true, "benchmarks: flush each commit's WAL before it returns (synchronous_commit)")

// benchTargets returns the URLs of the test database over TCP and over
// the unix socket in /var/run/postgresql, when it exists.
func benchTargets(b *testing.B) map[string]string {
	pgtest.Need(b, testDB)
	url := testDB.URL
	if !*syncCommit {
		url += "&synchronous_commit=off" // a parameter of the session
	}
	out := map[string]string{"tcp": url}
	if _, err := os.Stat("/var/run/postgresql/.s.PGSQL.5432"); err == nil {
		out["unix"] = url + "&host=/var/run/postgresql"
	}
	return out
}

// BenchmarkAssignTenants moves channels from many goroutines at once, each
// in an organisation of its own, so that the writes do not wait for each
// other's locks: with notifications, PostgreSQL commits the notifying
// transactions one at a time (see the package documentation); with
// polling, they commit together.
func BenchmarkAssignTenants(b *testing.B) {
	for _, notify := range []bool{true, false} {
		name := "notify"
		if !notify {
			name = "poll"
		}
		url := benchTargets(b)["tcp"]
		s, err := Open(b.Context(), url, WithSchema(fmt.Sprintf("bench%d", schemaCount.Add(1))), WithListenNotify(notify), WithMaxConns(16))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		b.Run(name, func(b *testing.B) {
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) { moveInOwnOrganisation(b, pb, s) })
		})
	}
}

// BenchmarkInstances moves channels from 24 goroutines, each in an
// organisation of its own, through one store or through three stores on
// the same schema, each with a pool of its own as separate application
// instances would have (8 connections each). writes/s is the throughput of
// all of them together; on one machine the instances share its cores with
// the server, so three instances show what the database sustains rather
// than what three machines would add.
func BenchmarkInstances(b *testing.B) {
	url := benchTargets(b)["tcp"]
	schema := fmt.Sprintf("bench%d", schemaCount.Add(1))
	var stores []*Store
	for range 3 {
		s, err := Open(b.Context(), url, WithSchema(schema), WithMaxConns(8))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			var next atomic.Int64
			b.SetParallelism(12) // 24 goroutines on 2 cores
			b.RunParallel(func(pb *testing.PB) { moveInOwnOrganisation(b, pb, stores[int(next.Add(1))%n]) })
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// moveInOwnOrganisation is the work of one goroutine of a parallel
// benchmark: it makes an organisation of its own with two groups and a
// channel, then moves the channel between the groups until pb ends.
func moveInOwnOrganisation(b *testing.B, pb *testing.PB, s *Store) {
	ctx := context.Background()
	org := uuid.New()
	if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Bench"}); err != nil {
		b.Error(err)
		return
	}
	var groups [2]uuid.UUID
	for i := range groups {
		g, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		if err != nil {
			b.Error(err)
			return
		}
		groups[i] = g.ID
	}
	ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "channel", OwnerID: uuid.New()})
	if err != nil {
		b.Error(err)
		return
	}
	for i := 0; pb.Next(); i++ {
		if err := s.MoveChannel(ctx, org, groups[i%2], ch.ID); err != nil {
			b.Error(err)
			return
		}
	}
}
