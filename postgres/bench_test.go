package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The benchmarks compare the store with a floor: the same statements in the
// same round trips, written by hand with pgx and no engine, so that the
// difference is what the engine and the driver add. Each runs over TCP
// loopback and, when the server has one, the unix socket.
//
//	GROUPING_TEST_POSTGRES_URL=… go test -run '^$' -bench . -count 6 ./postgres

// benchTargets returns the URLs of the test database over TCP and over
// the unix socket in /var/run/postgresql, when it exists.
func benchTargets(b *testing.B) map[string]string {
	pgtest.Need(b, testDB)
	out := map[string]string{"tcp": testDB.URL}
	if _, err := os.Stat("/var/run/postgresql/.s.PGSQL.5432"); err == nil {
		out["unix"] = testDB.URL + "&host=/var/run/postgresql"
	}
	return out
}

// benchFixture is a store with an organisation, a group and channels.
type benchFixture struct {
	s        *Store
	org      uuid.UUID
	groups   [2]uuid.UUID
	channels []uuid.UUID
}

func newBenchFixture(b *testing.B, url string, channels int) *benchFixture {
	ctx := b.Context()
	s, err := Open(ctx, url, WithSchema(fmt.Sprintf("bench%d", schemaCount.Add(1))))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	f := &benchFixture{s: s, org: uuid.New()}
	if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: f.org, Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	for i := range f.groups {
		g, err := s.CreateGroup(ctx, f.org, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		if err != nil {
			b.Fatal(err)
		}
		f.groups[i] = g.ID
	}
	for i := range channels {
		ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: f.org, Name: fmt.Sprint("channel ", i), OwnerID: uuid.New()})
		if err != nil {
			b.Fatal(err)
		}
		f.channels = append(f.channels, ch.ID)
	}
	return f
}

// BenchmarkAssign moves one channel back and forth between two groups.
func BenchmarkAssign(b *testing.B) {
	for name, url := range benchTargets(b) {
		f := newBenchFixture(b, url, 1)
		ch := f.channels[0]
		b.Run(name+"/store", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := f.s.MoveChannel(b.Context(), f.org, f.groups[i%2], ch); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The same store with LISTEN/NOTIFY off: the cost of the
		// notification is the difference.
		quiet, err := Open(b.Context(), url, WithSchema(f.s.Schema()), WithListenNotify(false))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { quiet.Close() })
		b.Run(name+"/store-poll", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := quiet.MoveChannel(b.Context(), f.org, f.groups[i%2], ch); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/floor", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := floorMove(b.Context(), f.s.d, f.org, f.groups[i%2], ch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// floorMove is MoveChannel by hand, in the store's three round trips:
// BEGIN, the lock, the event counter and the placement facts in one batch;
// the update; the event (with its notification) and COMMIT in one batch.
func floorMove(ctx context.Context, d *pgDriver, org, group, channel uuid.UUID) (err error) {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	defer func() {
		if err != nil {
			conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	tenant := grouping.OrganisationOf(org)
	batch := &pgx.Batch{}
	batch.Queue(sqlBegin)
	batch.Queue(d.sql[sqlLockOrganisation.index], org)
	batch.Queue(d.sql[sqlEventCounter.index], int16(tenant.Kind), tenant.ID)
	batch.Queue(d.sql[sqlPlacement.index], org, group, channel)
	br := conn.SendBatch(ctx, batch)
	br.Exec()
	br.Exec()
	var (
		last                               int64
		orgFound, groupFound, channelFound bool
		groupName, channelGroupName        *string
		groupArchived, channelArchived     *bool
		maxPos                             int64
		current                            *uuid.UUID
	)
	if err := br.QueryRow().Scan(&last); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		br.Close()
		return err
	}
	err = br.QueryRow().Scan(&orgFound, &groupFound, &groupName, &groupArchived, &maxPos,
		&channelFound, &channelArchived, &current, &channelGroupName)
	if err := errors.Join(err, br.Close()); err != nil {
		return err
	}
	if current != nil && *current == group {
		_, err := conn.Exec(ctx, "COMMIT")
		return err
	}
	if _, err := conn.Exec(ctx, d.sql[sqlPlaceChannel.index], channel, group, maxPos+1); err != nil {
		return err
	}
	pos := maxPos + 1
	data, err := json.Marshal(grouping.ChannelPlacementData{ChannelID: channel, GroupID: group, FromGroupID: current, Position: &pos})
	if err != nil {
		return err
	}
	batch = &pgx.Batch{}
	batch.Queue(d.sql[sqlAppendEventsAfter.index], int16(tenant.Kind), tenant.ID,
		[]uuid.UUID{uuid.New()}, []string{string(grouping.EventChannelMoved)}, []time.Time{grouping.Timestamp(time.Now())}, [][]byte{data},
		last)
	batch.Queue("COMMIT")
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		return err
	}
	// The notification, after the commit, as the store's notifier sends
	// it.
	_, err = conn.Exec(ctx, d.sql[sqlNotify.index], d.channel, []string{tenant.String()})
	return err
}

// BenchmarkListPage reads the first page of 100 of an organisation's 1,000
// ungrouped channels.
func BenchmarkListPage(b *testing.B) {
	for name, url := range benchTargets(b) {
		f := newBenchFixture(b, url, 1000)
		b.Run(name+"/store", func(b *testing.B) {
			for b.Loop() {
				p, err := f.s.ListUngroupedChannels(b.Context(), f.org, grouping.ListChannelsOptions{Limit: 100})
				if err != nil || len(p.Items) != 100 {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/floor", func(b *testing.B) {
			for b.Loop() {
				n, err := floorList(b.Context(), f.s.d.pool, f.s.d.sql[sqlListUngroupedChannels.index], f.org)
				if err != nil || n != 100 {
					b.Fatal(err)
				}
			}
		})
	}
}

// floorList is the statement of ListUngroupedChannels by hand, scanning
// the same columns.
func floorList(ctx context.Context, pool *pgxpool.Pool, sql string, org uuid.UUID) (int, error) {
	rows, err := pool.Query(ctx, sql, append([]any{org, false}, pageArgs(driver.Page{Limit: 100}, timeID)...)...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n == 100 {
			break
		}
		var ch grouping.Channel
		var pos *int64
		if err := rows.Scan(&ch.ID, &ch.OrganisationID, &ch.Name, &ch.Description, &ch.OwnerID,
			&ch.UserCount, &ch.MessageCount, &ch.Archived, &ch.GroupID, &pos, &ch.CreatedAt, &ch.DeletedAt); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
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
