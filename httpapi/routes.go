package httpapi

import "net/http"

// addRoutes lists the whole API surface, each route with the action the
// policy is told. Paths are relative to the prefix. Every path starts with
// its tenant, /organisations/{organisation_id} or /workspaces/{workspaceId};
// every wildcard is a UUID.
func (a *API) addRoutes(handle func(method, path string, action Action, h http.Handler)) {
	store, logger := a.store, a.logger
	const (
		read          = ActionRead
		writeGroups   = ActionWriteGroups
		writeChGroups = ActionWriteChannelGroups
		writeMirror   = ActionWriteMirror
	)

	// Organisation routes.
	handle("POST", "/organisations/{organisation_id}/groups", writeGroups, handleGroupCreate(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups", read, handleGroupList(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups/{group_id}", read, handleGroupGet(logger, store))
	handle("PATCH", "/organisations/{organisation_id}/groups/{group_id}", writeGroups, handleGroupUpdate(logger, store))
	handle("DELETE", "/organisations/{organisation_id}/groups/{group_id}", writeGroups, handleGroupDelete(logger, store))
	handle("POST", "/organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", writeGroups, handleChannelAssign(logger, store))
	handle("DELETE", "/organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", writeGroups, handleChannelRemove(logger, store))
	handle("PATCH", "/organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", writeGroups, handleChannelMove(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups/{group_id}/channels", read, handleGroupChannels(logger, store))
	handle("POST", "/organisations/{organisation_id}/groups/{group_id}/channels", writeGroups, handleGroupChannelsBulk(logger, store.AssignChannels, "Group channels assigned successfully"))
	handle("DELETE", "/organisations/{organisation_id}/groups/{group_id}/channels", writeGroups, handleGroupChannelsBulk(logger, store.RemoveChannels, "Group channels removed successfully"))
	handle("GET", "/organisations/{organisation_id}/groups/channels/no-group", read, handleUngroupedChannels(logger, store))
	handle("GET", "/organisations/{organisation_id}/groups/channels/user-no-group", read, handleDiscoverableChannels(logger, store, a.open))

	// Workspace routes.
	handle("GET", "/workspaces/{workspaceId}/channel-groups", read, handleChannelGroupList(logger, store))
	handle("GET", "/workspaces/{workspaceId}/channel-groups/{channelGroupId}", read, handleChannelGroupGet(logger, store))

	if !a.extensions {
		return
	}

	// Extension routes: the host's mirror, ordering, moving many channels,
	// channel groups, change events.
	handle("PUT", "/organisations/{organisation_id}", writeMirror, handleOrganisationPut(logger, store))
	handle("GET", "/organisations/{organisation_id}/channels/{channel_id}", read, handleChannelGet(logger, store))
	handle("PUT", "/organisations/{organisation_id}/channels/{channel_id}", writeMirror, handleChannelPut(logger, store))
	handle("DELETE", "/organisations/{organisation_id}/channels/{channel_id}", writeMirror, handleChannelDelete(logger, store))
	handle("PUT", "/organisations/{organisation_id}/channels/{channel_id}/users/{user_id}", writeMirror, handleMemberPut(logger, store))
	handle("DELETE", "/organisations/{organisation_id}/channels/{channel_id}/users/{user_id}", writeMirror, handleMemberDelete(logger, store))
	handle("PUT", "/organisations/{organisation_id}/groups/order", writeGroups, handleGroupsReorder(logger, store))
	handle("PATCH", "/organisations/{organisation_id}/groups/{group_id}/channels", writeGroups, handleGroupChannelsBulk(logger, store.MoveChannels, "Group channels moved successfully"))
	handle("PUT", "/organisations/{organisation_id}/groups/{group_id}/channels/order", writeGroups, handleGroupChannelsReorder(logger, store))
	handle("PUT", "/workspaces/{workspaceId}/channels/{channelId}/channel-group", writeChGroups, handleChannelAttach(logger, store))
	handle("DELETE", "/workspaces/{workspaceId}/channels/{channelId}/channel-group", writeChGroups, handleChannelDetach(logger, store))
	handle("DELETE", "/workspaces/{workspaceId}/channel-groups/{channelGroupId}", writeChGroups, handleChannelGroupDelete(logger, store))

	// Change events, when the store keeps them.
	if a.events == nil {
		return
	}
	handle("GET", "/organisations/{organisation_id}/events", read, a.handleEvents(TenantOrganisation))
	handle("GET", "/workspaces/{workspaceId}/events", read, a.handleEvents(TenantWorkspace))
}
