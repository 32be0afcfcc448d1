package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/google/uuid"
)

// The demo tenant. The IDs are fixed so that the printed token and curl
// lines keep working across restarts on the same database.
var (
	demoOrg       = uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60a001")
	demoWorkspace = uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60b001")
	demoUser      = uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60c001")
	demoColleague = uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60c002")
	// demoBackend is the service account of the host's backend.
	demoBackend = uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60e001")
)

// demoChannels are the demo organisation's channels; the demo user is a
// member of the first two only, so the others are discoverable for them.
var demoChannels = []struct {
	id   uuid.UUID
	name string
}{
	{uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60d001"), "general"},
	{uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60d002"), "random"},
	{uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60d003"), "backend"},
	{uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60d004"), "frontend"},
	{uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60d005"), "support-eu"},
	{uuid.MustParse("6f1c2a8e-4b7d-4e2a-9c31-5d8e7f60d006"), "support-us"},
}

// demoPrincipal is who the printed user token acts for: an end user of the
// demo organisation and workspace, who may read and change groups and
// channel groups but not the host's mirror.
func demoPrincipal() httpapi.Principal {
	return httpapi.Principal{
		UserID:        demoUser,
		Organisations: []uuid.UUID{demoOrg},
		Workspaces:    []uuid.UUID{demoWorkspace},
	}
}

// demoServicePrincipal is who the printed service token acts for: the
// host's backend, which keeps the mirror of organisations, channels and
// memberships up to date, in every tenant.
func demoServicePrincipal() httpapi.Principal {
	return httpapi.Principal{
		UserID:     demoBackend,
		Roles:      []string{httpapi.RoleService},
		AllTenants: true,
	}
}

// seedDemo fills an empty database with the demo organisation and workspace.
// It reports false, changing nothing, when the demo organisation exists.
func seedDemo(ctx context.Context, s grouping.Store) (bool, error) {
	_, err := s.ListGroups(ctx, demoOrg, grouping.ListGroupsOptions{Limit: 1})
	if !errors.Is(err, grouping.ErrNotFound) {
		return false, err // nil: already seeded
	}
	if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: demoOrg, Name: "Demo Organisation"}); err != nil {
		return false, err
	}
	for i, c := range demoChannels {
		users := []uuid.UUID{demoColleague}
		if i < 2 {
			users = append(users, demoUser)
		}
		_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{
			ID: c.id, OrganisationID: demoOrg, Name: c.name, Description: "The #" + c.name + " channel",
			OwnerID: demoColleague, MessageCount: int64(10 * (i + 1)), Users: users,
		})
		if err != nil {
			return false, err
		}
	}
	eng, err := s.CreateGroup(ctx, demoOrg, grouping.NewGroup{Name: "Engineering", Description: "Where things get built"})
	if err != nil {
		return false, err
	}
	support, err := s.CreateGroup(ctx, demoOrg, grouping.NewGroup{Name: "Support", Description: "Customer conversations"})
	if err != nil {
		return false, err
	}
	for _, a := range []struct {
		group   uuid.UUID
		channel int
	}{{eng.ID, 2}, {eng.ID, 3}, {support.ID, 4}} {
		if err := s.AssignChannel(ctx, demoOrg, a.group, demoChannels[a.channel].id); err != nil {
			return false, err
		}
	}
	for _, a := range []struct {
		channel int
		account grouping.ChannelGroupAttach
	}{
		{4, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "104532291937162", PlatformGroupName: "Demo EU"}},
		{5, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "104532291937162", PlatformGroupName: "Demo EU"}},
		{0, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "208877345120994", PlatformGroupName: "Demo US"}},
	} {
		if _, err := s.AttachChannel(ctx, demoWorkspace, demoChannels[a.channel].id, a.account); err != nil {
			return false, err
		}
	}
	return true, nil
}

// printWelcome prints the demo tokens and curl lines to try the API with.
func printWelcome(w io.Writer, base, userToken, serviceToken string) {
	fmt.Fprintf(w, `
Demo bearer tokens (valid 24h):

  # user %[4]s in organisation %[5]s and workspace %[6]s
  export TOKEN=%[2]s
  # the host's backend (role service, every tenant): the only one that may write the mirror
  export SERVICE_TOKEN=%[3]s
  export BASE=%[1]s

Try it (run the server with -demo for sample data):

  curl -s -X PUT -H "Authorization: Bearer $SERVICE_TOKEN" -H 'Content-Type: application/json' -d '{"name":"Demo Organisation"}' $BASE/organisations/%[5]s
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"name":"Sales","description":"Deals and leads"}' $BASE/organisations/%[5]s/groups
  curl -s -H "Authorization: Bearer $TOKEN" "$BASE/organisations/%[5]s/groups?include=channels"
  curl -s -H "Authorization: Bearer $TOKEN" $BASE/organisations/%[5]s/groups/channels/no-group
  curl -s -H "Authorization: Bearer $TOKEN" $BASE/organisations/%[5]s/groups/channels/user-no-group
  curl -s -H "Authorization: Bearer $TOKEN" $BASE/workspaces/%[6]s/channel-groups

`, base, userToken, serviceToken, demoUser, demoOrg, demoWorkspace)
}

// printTokenHelp says how to mint tokens for a server whose secret is
// configured, as it prints none of its own.
func printTokenHelp(w io.Writer, base string) {
	fmt.Fprintf(w, `
Bearer tokens are checked with %[2]s. Mint them with the same secret set
(from a checkout: go run ./examples/server token …; "server token -h" lists the flags):

  # a user, in the organisations and workspaces it may act in
  export TOKEN=$(server token -user <user UUID> -org <organisation UUID> -workspace <workspace UUID>)
  # the host's backend (role service, every tenant): the only one that may write the mirror
  export SERVICE_TOKEN=$(server token -role service -all-tenants)
  export BASE=%[1]s

`, base, envJWTSecret)
}
