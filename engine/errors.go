package engine

import (
	"github.com/channelgrouping/grouping"
)

// The errors of every store, so that their messages agree word for word.
var (
	errOrganisationNotFound = grouping.NotFoundError("Organisation")
	errGroupNotFound        = grouping.NotFoundError("Group")
	errChannelNotFound      = grouping.NotFoundError("Channel")
	errChannelGroupNotFound = grouping.NotFoundError("Channel group")
	errMemberNotFound       = grouping.NotFoundError("Channel member")
	errChannelNotInGroup    = &grouping.Error{Code: grouping.NotFound, Message: "Channel is not in this group"}
	errChannelNotAttached   = &grouping.Error{Code: grouping.NotFound, Message: "Channel is not in any channel group"}
	errGroupArchived        = &grouping.Error{Code: grouping.Conflict, Message: "Group is archived; channels cannot be added to it"}
	errChannelDeleted       = &grouping.Error{Code: grouping.Conflict, Message: "Channel has been deleted"}
	errChannelOtherOrg      = &grouping.Error{Code: grouping.Conflict, Message: "Channel belongs to another organisation"}
	errVersionMismatch      = &grouping.Error{Code: grouping.PreconditionFailed, Message: "Group has changed since it was read"}
)

// The names of the reorder inputs in Invalid errors.
const (
	fieldGroupIDs   = "group_ids"
	fieldChannelIDs = "channel_ids"
)

// groupNameTaken reports a duplicate group name.
func groupNameTaken(name string) error {
	return &grouping.Error{Code: grouping.Conflict, Field: "name", Message: "A group named " + quote(name) + " already exists in this organisation"}
}

// inOtherGroup reports an assign of a channel that sits in another group.
func inOtherGroup(groupName string) error {
	return &grouping.Error{Code: grouping.Conflict, Message: "Channel is already in group " + quote(groupName) + "; move it instead"}
}

func quote(s string) string { return "\"" + s + "\"" }
