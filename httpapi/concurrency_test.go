package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestConcurrentAssignAndMove fires hundreds of simultaneous requests that
// assign, move and remove the same few channels, then checks that every
// channel is in at most one group and that every view agrees.
func TestConcurrentAssignAndMove(t *testing.T) {
	const requests = 240
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		is := is.New(t)
		e := newEnv(t, store, envConfig{})
		e.withTokens()
		a := e.fx.a
		ctx := context.Background()
		groups := []uuid.UUID{a.groups[0], a.groups[1]}
		for i := range 3 {
			g, err := store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: fmt.Sprintf("extra-%d", i)})
			is.NoErr(err) // extra group
			groups = append(groups, g.ID)
		}
		channels := a.channels[:3]
		for i := range 5 {
			ch, err := store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: a.org, Name: fmt.Sprintf("busy-%d", i), OwnerID: a.user})
			is.NoErr(err) // extra channel
			channels = append(channels, ch.ID)
		}
		org := "/organisations/" + a.org.String()

		rng := rand.New(rand.NewPCG(1, 2))
		reqs := make([]request, requests)
		for i := range reqs {
			g, ch := groups[rng.IntN(len(groups))], channels[rng.IntN(len(channels))]
			method := []string{"POST", "PATCH", "PATCH", "DELETE"}[rng.IntN(4)]
			reqs[i] = request{method: method, path: org + "/groups/" + g.String() + "/channels/" + ch.String(), as: a.token}
		}
		var (
			wg       sync.WaitGroup
			start    = make(chan struct{})
			mu       sync.Mutex
			statuses = map[int]int{}
		)
		for _, req := range reqs {
			wg.Go(func() {
				<-start
				res := e.do(t, req)
				mu.Lock()
				statuses[res.status]++
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		for status, n := range statuses {
			switch status {
			case http.StatusOK, http.StatusNotFound, http.StatusConflict:
			default:
				t.Errorf("%d responses with status %d", n, status)
			}
		}
		is.True(statuses[http.StatusOK] > 0) // some requests succeeded

		// Every channel is in at most one group, and the group lists, the
		// ungrouped list and each channel's group_id agree.
		inGroup := map[string]string{}
		for _, g := range groups {
			res := e.do(t, request{method: "GET", path: org + "/groups/" + g.String() + "/channels?include_archived=true", as: a.token})
			m := orgEnvelope(t, res, "Group channels fetched successfully")
			for _, c := range m["data"].([]any) {
				c := c.(map[string]any)
				id := c["channels_id"].(string)
				_, twice := inGroup[id]
				is.True(!twice)                     // in one group only
				is.Equal(c["group_id"], g.String()) // the channel names the group that lists it
				inGroup[id] = g.String()
			}
		}
		res := e.do(t, request{method: "GET", path: org + "/groups/channels/no-group?include_archived=true", as: a.token})
		m := orgEnvelope(t, res, "Channels not in group fetched successfully")
		for _, c := range m["data"].([]any) {
			id := c.(map[string]any)["channels_id"].(string)
			_, grouped := inGroup[id]
			is.True(!grouped) // ungrouped channels are in no group list
			inGroup[id] = ""
		}
		for _, ch := range channels {
			got, err := store.GetChannel(ctx, a.org, ch)
			is.NoErr(err) // channel still there
			want, listed := inGroup[ch.String()]
			is.True(listed) // every channel is listed somewhere
			if want == "" {
				is.Equal(got.GroupID, nil) // ungrouped
			} else {
				is.Equal(got.GroupID.String(), want) // the store agrees with the lists
			}
		}
	})
}
