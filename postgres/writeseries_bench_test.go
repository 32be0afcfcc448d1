package postgres

import (
	"fmt"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// BenchmarkWriteSeries times single writes through the grouping.Store API,
// one after another on one organisation, over the unix socket when the
// server has one. It uses nothing but the API and benchTargets, so that the
// same file builds in a tree of the store before events (commit 70fa7d6)
// and measures what events cost a write:
//
//	git worktree add /tmp/before 70fa7d6
//	cp postgres/writeseries_bench_test.go /tmp/before/postgres/
//	(cd /tmp/before && go test -c -o /tmp/before.test ./postgres) && go test -c -o /tmp/after.test ./postgres
//	for i in $(seq 6); do for v in before after; do
//	  /tmp/$v.test -test.run '^$' -test.bench WriteSeries -test.benchtime 300x |
//	    sed "s#BenchmarkWriteSeries/#BenchmarkWriteSeries/v=$v/#"
//	done; done > series.txt
//	benchstat -col /v series.txt
//
// with GROUPING_TEST_POSTGRES_URL set, and the server's synchronous_commit
// off for the run (ALTER SYSTEM SET synchronous_commit = off; SELECT
// pg_reload_conf();) so that the WAL flush, the same for both, does not
// hide the rest.
func BenchmarkWriteSeries(b *testing.B) {
	url := benchTargets(b)["unix"]
	if url == "" {
		url = benchTargets(b)["tcp"]
	}
	ctx := b.Context()
	s, err := Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	org := uuid.New()
	if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "o"}); err != nil {
		b.Fatal(err)
	}
	var groups []uuid.UUID
	for i := range 10 {
		g, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: fmt.Sprint("g", i)})
		if err != nil {
			b.Fatal(err)
		}
		groups = append(groups, g.ID)
	}
	ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "c", OwnerID: uuid.New()})
	if err != nil {
		b.Fatal(err)
	}
	ws := uuid.New()
	user := uuid.New()
	names := []string{"a", "b"}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Run("op=UpsertOrganisation", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: names[i%2]})
			must(err)
		}
	})
	b.Run("op=UpsertChannelUpdate", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org, Name: names[i%2], OwnerID: ch.OwnerID})
			must(err)
		}
	})
	b.Run("op=UpdateGroup", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			n := fmt.Sprint("x", i%2)
			_, err := s.UpdateGroup(ctx, org, groups[0], grouping.GroupUpdate{Name: &n})
			must(err)
		}
	})
	b.Run("op=AddChannelMember+RemoveChannelMember", func(b *testing.B) {
		for b.Loop() {
			must(s.AddChannelMember(ctx, org, ch.ID, user))
			must(s.RemoveChannelMember(ctx, org, ch.ID, user))
		}
	})
	b.Run("op=AssignChannel+RemoveChannel", func(b *testing.B) {
		for b.Loop() {
			must(s.AssignChannel(ctx, org, groups[1], ch.ID))
			must(s.RemoveChannel(ctx, org, groups[1], ch.ID))
		}
	})
	must(s.AssignChannel(ctx, org, groups[1], ch.ID))
	b.Run("op=MoveChannel", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			must(s.MoveChannel(ctx, org, groups[1+i%2], ch.ID))
		}
	})
	b.Run("op=ReorderGroups", func(b *testing.B) {
		rev := make([]uuid.UUID, len(groups))
		for i := range groups {
			rev[i] = groups[len(groups)-1-i]
		}
		orders := [][]uuid.UUID{rev, groups}
		for i := 0; b.Loop(); i++ {
			must(s.ReorderGroups(ctx, org, orders[i%2]))
		}
	})
	b.Run("op=AttachChannel+DetachChannel", func(b *testing.B) {
		for b.Loop() {
			_, err := s.AttachChannel(ctx, ws, ch.ID, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "waba-1", PlatformGroupName: "WABA"})
			must(err)
			must(s.DetachChannel(ctx, ws, ch.ID))
		}
	})
	b.Run("op=CreateGroup+DeleteGroup", func(b *testing.B) {
		for b.Loop() {
			g, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "tmp"})
			must(err)
			must(s.DeleteGroup(ctx, org, g.ID, 0))
		}
	})
}
