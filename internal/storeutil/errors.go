package storeutil

import "github.com/channelgrouping/grouping"

// The errors both stores report, so that their messages agree word for word.
var (
	ErrOrganisationNotFound = grouping.NotFoundError("Organisation")
	ErrGroupNotFound        = grouping.NotFoundError("Group")
	ErrChannelNotFound      = grouping.NotFoundError("Channel")
	ErrChannelGroupNotFound = grouping.NotFoundError("Channel group")
	ErrMemberNotFound       = grouping.NotFoundError("Channel member")
	ErrChannelNotInGroup    = &grouping.Error{Code: grouping.NotFound, Message: "Channel is not in this group"}
	ErrChannelNotAttached   = &grouping.Error{Code: grouping.NotFound, Message: "Channel is not in any channel group"}
	ErrGroupArchived        = &grouping.Error{Code: grouping.Conflict, Message: "Group is archived; channels cannot be added to it"}
	ErrChannelDeleted       = &grouping.Error{Code: grouping.Conflict, Message: "Channel has been deleted"}
	ErrChannelOtherOrg      = &grouping.Error{Code: grouping.Conflict, Message: "Channel belongs to another organisation"}
	ErrVersionMismatch      = &grouping.Error{Code: grouping.PreconditionFailed, Message: "Group has changed since it was read"}
)

// GroupNameTaken reports a duplicate group name.
func GroupNameTaken(name string) error {
	return &grouping.Error{Code: grouping.Conflict, Field: "name", Message: "A group named " + quote(name) + " already exists in this organisation"}
}

// InOtherGroup reports an assign of a channel that sits in another group.
func InOtherGroup(groupName string) error {
	return &grouping.Error{Code: grouping.Conflict, Message: "Channel is already in group " + quote(groupName) + "; move it instead"}
}

func quote(s string) string { return "\"" + s + "\"" }
