package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "grouping-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := sqlite.Open(ctx, filepath.Join(dir, "grouping.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	// Mirror an organisation and one of its channels from the host.
	org, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	if err != nil {
		log.Fatal(err)
	}
	ch, err := store.UpsertChannel(ctx, grouping.ChannelUpsert{
		ID:             uuid.New(),
		OrganisationID: org.ID,
		Name:           "general",
		OwnerID:        uuid.New(),
	})
	if err != nil {
		log.Fatal(err)
	}

	// Group the channel.
	g, err := store.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Engineering"})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.AssignChannel(ctx, org.ID, g.ID, ch.ID); err != nil {
		log.Fatal(err)
	}

	page, err := store.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{IncludeChannels: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range page.Items {
		fmt.Printf("%s (position %d):", g.Name, g.Position)
		for _, c := range g.Channels {
			fmt.Printf(" #%s", c.Name)
		}
		fmt.Println()
	}

	ungrouped, err := store.ListUngroupedChannels(ctx, org.ID, grouping.ListChannelsOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ungrouped channels:", len(ungrouped.Items))

	// A duplicate name, compared without regard to case, is a conflict.
	_, err = store.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "  engineering "})
	fmt.Println(grouping.ErrorCode(err), grouping.ErrorMessage(err))

	// Output:
	// Engineering (position 0): #general
	// ungrouped channels: 0
	// conflict A group named "engineering" already exists in this organisation
}

// A reader follows an organisation's events: WaitEvents returns as soon as
// a change is committed, by this process or by another one using the same
// file, and the page's Next is where the following wait starts.
func ExampleStore_WaitEvents() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "grouping-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := sqlite.Open(ctx, filepath.Join(dir, "grouping.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	org, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	if err != nil {
		log.Fatal(err)
	}
	tenant := grouping.OrganisationOf(org.ID)

	// The reader: three events, then it stops.
	done := make(chan struct{})
	go func() {
		defer close(done)
		var after int64 // 0: from the first event
		for seen := 0; seen < 3; {
			page, err := store.WaitEvents(ctx, tenant, after, 0)
			if err != nil {
				log.Fatal(err)
			}
			for _, e := range page.Events {
				fmt.Println(e.Sequence, e.Type)
			}
			seen += len(page.Events)
			after = page.Next
		}
	}()

	// The writer.
	g, err := store.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Support"})
	if err != nil {
		log.Fatal(err)
	}
	name := "Customer support"
	if _, err := store.UpdateGroup(ctx, org.ID, g.ID, grouping.GroupUpdate{Name: &name}); err != nil {
		log.Fatal(err)
	}
	<-done

	// Output:
	// 1 organisation.created
	// 2 group.created
	// 3 group.updated
}
