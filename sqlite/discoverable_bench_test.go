package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// benchSkips are the numbers of memberships BenchmarkDiscoverableSkip
// skips.
var benchSkips = []int{0, 2000, 10000, 50000}

// BenchmarkDiscoverableSkip lists the first page of 50 discoverable channels
// for a user who is a member of the first m channels of an organisation of
// m+100 channels: the time above the m=0 case is the cost of skipping m
// memberships (divide the difference by m).
func BenchmarkDiscoverableSkip(b *testing.B) {
	for _, m := range benchSkips {
		b.Run(fmt.Sprint("skipped=", m), func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, filepath.Join(b.TempDir(), "skip.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			org, user := uuid.New(), uuid.New()
			if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Org"}); err != nil {
				b.Fatal(err)
			}
			loadChannels(b, s, org, user, m+100, m)
			b.ResetTimer()
			for b.Loop() {
				p, err := s.ListDiscoverableChannels(ctx, org, user, grouping.ListChannelsOptions{Limit: 50})
				if err != nil || len(p.Items) != 50 {
					b.Fatal(err, len(p.Items))
				}
			}
		})
	}
}

// loadChannels writes n channels of org in one transaction, the first
// members of which have user as a member, straight through the driver.
func loadChannels(tb testing.TB, s *Store, org, user uuid.UUID, n, members int) {
	tb.Helper()
	ctx := context.Background()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.d.Write(ctx, func(dtx driver.Tx) error {
		tx := dtx.(*sqlTx)
		for i := range n {
			id := uuid.New()
			if _, err := execStmt(ctx, tx, sqlInsertChannel, id, org, fmt.Sprint("channel ", i), "", uuid.New(), false, 0, base.Add(time.Duration(i)*time.Second).UnixMilli()); err != nil {
				return err
			}
			users := []uuid.UUID{uuid.New()}
			if i < members {
				users = append(users, user)
			}
			if err := tx.SetMembers(ctx, id, users); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}
