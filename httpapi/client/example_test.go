package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/client"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
)

// Use a grouping server through the client, as a grouping.Store.
func Example() {
	ctx := context.Background()
	orgID := uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60a001")
	userID := uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60c001")
	baseURL, stop := exampleServer(orgID, userID)
	defer stop()

	c, err := client.New(baseURL, client.WithBearerToken("alice-token"), client.WithUser(userID))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	var store grouping.Store = c

	g, err := store.CreateGroup(ctx, orgID, grouping.NewGroup{Name: "Engineering"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created", g.Name, "version", g.Version)

	channels, err := store.ListDiscoverableChannels(ctx, orgID, userID, grouping.ListChannelsOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var ids []uuid.UUID
	for _, ch := range channels.Items {
		ids = append(ids, ch.ID)
	}
	if err := store.AssignChannels(ctx, orgID, g.ID, ids); err != nil { // all at once
		fmt.Println(err)
		return
	}
	groups, err := store.ListGroups(ctx, orgID, grouping.ListGroupsOptions{IncludeChannels: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(groups.Items[0].Name, "holds", groups.Items[0].Channels[0].Name)

	// Errors come back with the store's code and message.
	_, err = store.CreateGroup(ctx, orgID, grouping.NewGroup{Name: "ENGINEERING"})
	fmt.Println(errors.Is(err, grouping.ErrConflict), err)

	// A bulk call that fails names every offending channel, and changes
	// nothing.
	unknown := uuid.MustParse("0e1d2c3b-4a59-4876-a5b4-c3d2e1f0a9b8")
	err = store.MoveChannels(ctx, orgID, g.ID, append(ids, unknown))
	fmt.Println(errors.Is(err, grouping.ErrNotFound), grouping.ErrorProblems(err))

	// A call may carry credentials of its own.
	_, err = store.ListGroups(client.WithToken(ctx, "expired"), orgID, grouping.ListGroupsOptions{})
	fmt.Println(errors.Is(err, client.ErrUnauthenticated), err)
	// Output:
	// created Engineering version 1
	// Engineering holds deploys
	// true A group named "ENGINEERING" already exists in this organisation
	// true map[0e1d2c3b-4a59-4876-a5b4-c3d2e1f0a9b8:Channel not found]
	// true Invalid or expired credentials
}

// exampleServer serves the HTTP API over an in-memory store that holds an
// organisation with two channels, one of which the user is a member of.
// Its one token, alice-token, is the user's.
func exampleServer(orgID, userID uuid.UUID) (baseURL string, stop func()) {
	ctx := context.Background()
	store := memstore.New()
	store.UpsertOrganisation(ctx, grouping.Organisation{ID: orgID, Name: "Acme"})
	for i, name := range []string{"general", "deploys"} {
		up := grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: orgID, Name: name, OwnerID: userID}
		if i == 0 {
			up.Users = []uuid.UUID{userID}
		}
		store.UpsertChannel(ctx, up)
	}
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		if token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); token != "alice-token" {
			return httpapi.Principal{}, httpapi.ErrUnauthenticated
		}
		return httpapi.Principal{UserID: userID, Organisations: []uuid.UUID{orgID}}, nil
	})
	api, err := httpapi.New(store, httpapi.WithAuthenticator(auth), httpapi.WithPrefix("/api"))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api)
	return srv.URL + "/api", srv.Close
}
