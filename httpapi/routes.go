package httpapi

import "net/http"

// addRoutes lists the whole API surface. Paths are relative to the prefix.
// Every path starts with its tenant, /organisations/{organisation_id} or
// /workspaces/{workspaceId}; every wildcard is a UUID.
func (a *API) addRoutes(handle func(method, path string, h http.Handler)) {
	store, logger := a.store, a.logger

	// Organisation routes.
	handle("POST", "/organisations/{organisation_id}/groups", handleGroupCreate(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups", handleGroupList(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups/{group_id}", handleGroupGet(logger, store))
	handle("PATCH", "/organisations/{organisation_id}/groups/{group_id}", handleGroupUpdate(logger, store))
	handle("DELETE", "/organisations/{organisation_id}/groups/{group_id}", handleGroupDelete(logger, store))
	handle("POST", "/organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", handleChannelAssign(logger, store))
	handle("DELETE", "/organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", handleChannelRemove(logger, store))
	handle("PATCH", "/organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", handleChannelMove(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups/{group_id}/channels", handleGroupChannels(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups/channels/no-group", handleUngroupedChannels(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups/channels/user-no-group", handleDiscoverableChannels(logger, store, a.open))

	// Workspace routes.
	handle("GET", "/workspaces/{workspaceId}/channel-groups", handleChannelGroupList(logger, store))
	handle("GET", "/workspaces/{workspaceId}/channel-groups/{channelGroupId}", handleChannelGroupGet(logger, store))

	if !a.extensions {
		return
	}

	// Extension routes: the host's mirror, ordering, channel groups.
	handle("PUT", "/organisations/{organisation_id}", handleOrganisationPut(logger, store))
	handle("PUT", "/organisations/{organisation_id}/channels/{channel_id}", handleChannelPut(logger, store))
	handle("DELETE", "/organisations/{organisation_id}/channels/{channel_id}", handleChannelDelete(logger, store))
	handle("PUT", "/organisations/{organisation_id}/channels/{channel_id}/users/{user_id}", handleMemberPut(logger, store))
	handle("DELETE", "/organisations/{organisation_id}/channels/{channel_id}/users/{user_id}", handleMemberDelete(logger, store))
	handle("PUT", "/organisations/{organisation_id}/groups/order", handleGroupsReorder(logger, store))
	handle("PUT", "/organisations/{organisation_id}/groups/{group_id}/channels/order", handleGroupChannelsReorder(logger, store))
	handle("PUT", "/workspaces/{workspaceId}/channels/{channelId}/channel-group", handleChannelAttach(logger, store))
	handle("DELETE", "/workspaces/{workspaceId}/channels/{channelId}/channel-group", handleChannelDetach(logger, store))
	handle("DELETE", "/workspaces/{workspaceId}/channel-groups/{channelGroupId}", handleChannelGroupDelete(logger, store))
}
