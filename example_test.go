package grouping_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
)

// fixedClock makes the examples' output stable.
func fixedClock() time.Time { return time.Date(2024, 12, 21, 12, 10, 47, 492_000_000, time.UTC) }

// Sorting an organisation's channels into a sidebar group.
func Example() {
	ctx := context.Background()
	var store grouping.Store = memstore.New(memstore.WithClock(fixedClock))
	defer store.Close()

	org := uuid.MustParse("0b5c1c3e-3f0a-4a59-9a3e-6f1f4f1d2a10")
	owner := uuid.MustParse("5d9d7a4e-1f6b-4c2e-8a51-0c1f2b3a4d5e")
	if _, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"}); err != nil {
		panic(err)
	}
	for _, name := range []string{"general", "random"} {
		ch := grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: name, OwnerID: owner}
		if _, err := store.UpsertChannel(ctx, ch); err != nil {
			panic(err)
		}
	}

	g, err := store.CreateGroup(ctx, org, grouping.NewGroup{Name: "  Engineering "})
	if err != nil {
		panic(err)
	}
	ungrouped, err := store.ListUngroupedChannels(ctx, org, grouping.ListChannelsOptions{})
	if err != nil {
		panic(err)
	}
	first := ungrouped.Items[0]
	if err := store.AssignChannel(ctx, org, g.ID, first.ID); err != nil {
		panic(err)
	}

	inGroup, _ := store.ListGroupChannels(ctx, org, g.ID, grouping.ListChannelsOptions{})
	rest, _ := store.ListUngroupedChannels(ctx, org, grouping.ListChannelsOptions{})
	fmt.Printf("%q holds %d channel(s); %d channel(s) ungrouped\n", g.Name, len(inGroup.Items), len(rest.Items))
	// Output: "Engineering" holds 1 channel(s); 1 channel(s) ungrouped
}

// Errors carry a code; match it with errors.Is or ErrorCode, never by text.
func ExampleErrorCode() {
	ctx := context.Background()
	store := memstore.New()
	org := uuid.New()
	_, err := store.CreateGroup(ctx, org, grouping.NewGroup{Name: "Support"})

	fmt.Println(grouping.ErrorCode(err))
	fmt.Println(errors.Is(err, grouping.ErrNotFound))
	fmt.Println(grouping.ErrorMessage(err))

	_, err = store.CreateGroup(ctx, org, grouping.NewGroup{Name: "   "})
	fmt.Println(grouping.ErrorCode(err), grouping.ErrorField(err))
	// Output:
	// not_found
	// true
	// Organisation not found
	// invalid name
}

// Group names that look the same are the same: case, surrounding space,
// composed or decomposed accents and full-width letters do not count.
func ExampleFoldName() {
	fmt.Println(grouping.FoldName(" Ünïcode ") == grouping.FoldName("üNÏCODE"))
	fmt.Println(grouping.FoldName("Straße") == grouping.FoldName("STRASSE"))
	fmt.Println(grouping.FoldName("Ｆｕｌｌ２") == grouping.FoldName("full2"))
	fmt.Println(grouping.FoldName("Sales") == grouping.FoldName("Marketing"))
	// Output:
	// true
	// true
	// true
	// false
}

// Channels of one workspace grouped by the WhatsApp business account they
// belong to.
func ExampleStore_AttachChannel() {
	ctx := context.Background()
	store := memstore.New(memstore.WithClock(fixedClock))
	workspace := uuid.New()
	channel := uuid.MustParse("123e4567-e89b-12d3-a456-426614174000")

	cg, err := store.AttachChannel(ctx, workspace, channel, grouping.ChannelGroupAttach{
		PlatformID:        "whatsapp",
		PlatformGroupID:   "104532291937162",
		PlatformGroupName: "Acme Support",
	})
	if err != nil {
		panic(err)
	}
	cg.ID = uuid.Nil // random; blanked for stable output
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(cg)
	// Output:
	// {
	//   "id": "00000000-0000-0000-0000-000000000000",
	//   "platformId": "whatsapp",
	//   "platformGroupId": "104532291937162",
	//   "platformGroupName": "Acme Support",
	//   "channelIds": [
	//     "123e4567-e89b-12d3-a456-426614174000"
	//   ],
	//   "createdAt": "2024-12-21T12:10:47.492Z",
	//   "updatedAt": "2024-12-21T12:10:47.492Z"
	// }
}

// Following an organisation's changes: read the events after the last one
// handled, and wait for the next ones.
func ExampleEventReader() {
	ctx := context.Background()
	store := memstore.New(memstore.WithClock(fixedClock))
	defer store.Close()

	org, _ := store.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	g, _ := store.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Support"})
	archive := true
	_, _ = store.UpdateGroup(ctx, org.ID, g.ID, grouping.GroupUpdate{Archived: &archive})

	var events grouping.EventReader = store
	page, err := events.WaitEvents(ctx, grouping.OrganisationOf(org.ID), 0, 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range page.Events {
		fmt.Println(e.Sequence, e.Type)
	}
	var archived grouping.GroupEventData
	_ = json.Unmarshal(page.Events[2].Data, &archived)
	fmt.Println(archived.Previous.Archived, "→", archived.Group.Archived)
	fmt.Println("continue after", page.Next)
	// Output:
	// 1 organisation.created
	// 2 group.created
	// 3 group.archived
	// false → true
	// continue after 3
}
