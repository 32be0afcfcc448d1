package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
)

// benchOrg is an organisation of realistic size: channels with a few
// members each, a third of them sorted into groups.
type benchOrg struct {
	store    *sqlite.Store
	org      uuid.UUID
	user     uuid.UUID // a member of every tenth channel
	groups   []grouping.Group
	channels []grouping.Channel
}

func newBenchOrg(b *testing.B, groups, channels int) *benchOrg {
	b.Helper()
	ctx := context.Background()
	o := &benchOrg{store: openStore(b), user: uuid.New()}
	org, err := o.store.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	o.org = org.ID
	for i := range groups {
		g, err := o.store.CreateGroup(ctx, o.org, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		if err != nil {
			b.Fatal(err)
		}
		o.groups = append(o.groups, g)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range channels {
		users := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.New()}
		if i%10 == 0 {
			users = append(users, o.user)
		}
		ch, err := o.store.UpsertChannel(ctx, grouping.ChannelUpsert{
			ID: uuid.New(), OrganisationID: o.org, Name: fmt.Sprint("channel ", i),
			OwnerID: users[0], MessageCount: int64(i), Users: users,
			CreatedAt: base.Add(time.Duration(i) * time.Second),
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(o.groups) > 0 && i%3 == 0 {
			if err := o.store.AssignChannel(ctx, o.org, o.groups[i%len(o.groups)].ID, ch.ID); err != nil {
				b.Fatal(err)
			}
		}
		o.channels = append(o.channels, ch)
	}
	return o
}

// BenchmarkListGroups lists the 50 groups of an organisation with 3,000
// channels, a third of them grouped.
func BenchmarkListGroups(b *testing.B) {
	o := newBenchOrg(b, 50, 3000)
	for _, include := range []bool{false, true} {
		b.Run(fmt.Sprint("channels=", include), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				page, err := o.store.ListGroups(ctx, o.org, grouping.ListGroupsOptions{IncludeChannels: include})
				if err != nil || len(page.Items) != 50 {
					b.Fatal(len(page.Items), err)
				}
			}
		})
	}
}

// BenchmarkListGroupsWithChannels compares the store's one-round-trip load of
// a page of groups with their channels against the N+1 pattern it avoids:
// listing the groups, then each group's channels separately.
func BenchmarkListGroupsWithChannels(b *testing.B) {
	o := newBenchOrg(b, 50, 3000)
	ctx := context.Background()
	b.Run("load=batched", func(b *testing.B) {
		for b.Loop() {
			page, err := o.store.ListGroups(ctx, o.org, grouping.ListGroupsOptions{IncludeChannels: true})
			if err != nil || len(page.Items) != 50 || len(page.Items[0].Channels) == 0 {
				b.Fatal(len(page.Items), err)
			}
		}
	})
	b.Run("load=per-group", func(b *testing.B) {
		for b.Loop() {
			page, err := o.store.ListGroups(ctx, o.org, grouping.ListGroupsOptions{})
			if err != nil || len(page.Items) != 50 {
				b.Fatal(len(page.Items), err)
			}
			for i := range page.Items {
				chans, err := o.store.ListGroupChannels(ctx, o.org, page.Items[i].ID, grouping.ListChannelsOptions{})
				if err != nil || len(chans.Items) == 0 {
					b.Fatal(len(chans.Items), err)
				}
				page.Items[i].Channels = chans.Items
			}
		}
	})
}

// BenchmarkListUngroupedChannels reads the first page and a page deep into
// the 6,667 ungrouped channels of an organisation with 10,000.
func BenchmarkListUngroupedChannels(b *testing.B) {
	o := newBenchOrg(b, 50, 10000)
	ctx := context.Background()
	deep := ""
	for range 5 { // the cursor after the first 5,000 channels
		page, err := o.store.ListUngroupedChannels(ctx, o.org, grouping.ListChannelsOptions{Limit: 1000, Cursor: deep})
		if err != nil {
			b.Fatal(err)
		}
		deep = page.NextCursor
	}
	for _, limit := range []int{100, 1000} {
		for name, cursor := range map[string]string{"first": "", "deep": deep} {
			b.Run(fmt.Sprintf("limit=%d/%s", limit, name), func(b *testing.B) {
				for b.Loop() {
					page, err := o.store.ListUngroupedChannels(ctx, o.org, grouping.ListChannelsOptions{Limit: limit, Cursor: cursor})
					if err != nil || len(page.Items) == 0 {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkListDiscoverableChannels reads a page of the channels a user is
// not a member of, in an organisation with 10,000 channels.
func BenchmarkListDiscoverableChannels(b *testing.B) {
	o := newBenchOrg(b, 0, 10000)
	ctx := context.Background()
	for b.Loop() {
		page, err := o.store.ListDiscoverableChannels(ctx, o.org, o.user, grouping.ListChannelsOptions{Limit: 100})
		if err != nil || len(page.Items) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssignMove measures the write path: each iteration moves a
// channel to another group, removes it and assigns it again, three write
// transactions, in an organisation with 3,000 channels.
func BenchmarkAssignMove(b *testing.B) {
	o := newBenchOrg(b, 50, 3000)
	ctx := context.Background()
	ch := o.channels[1] // not grouped by newBenchOrg
	g1, g2 := o.groups[0].ID, o.groups[1].ID
	if err := o.store.AssignChannel(ctx, o.org, g1, ch.ID); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := o.store.MoveChannel(ctx, o.org, g2, ch.ID); err != nil {
			b.Fatal(err)
		}
		if err := o.store.RemoveChannel(ctx, o.org, g2, ch.ID); err != nil {
			b.Fatal(err)
		}
		if err := o.store.AssignChannel(ctx, o.org, g1, ch.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAttachChannel moves a channel back and forth between two channel
// groups of a workspace.
func BenchmarkAttachChannel(b *testing.B) {
	s := openStore(b)
	ctx := context.Background()
	ws, ch := uuid.New(), uuid.New()
	accounts := []grouping.ChannelGroupAttach{
		{PlatformID: "whatsapp", PlatformGroupID: "1", PlatformGroupName: "One"},
		{PlatformID: "whatsapp", PlatformGroupID: "2", PlatformGroupName: "Two"},
	}
	for i := range 1000 {
		if _, err := s.AttachChannel(ctx, ws, uuid.New(), accounts[i%2]); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		if _, err := s.AttachChannel(ctx, ws, ch, accounts[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
