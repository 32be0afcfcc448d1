package grouping

import (
	"time"

	"github.com/google/uuid"
)

// ChannelGroup is the set of a workspace's channels that belong to one
// platform account, such as one WhatsApp business account.
//
// ChannelIDs lists the channels in the order they were attached and is never
// nil. The workspace is a scoping ID only and not part of the JSON form.
type ChannelGroup struct {
	ID                uuid.UUID   `json:"id"`
	WorkspaceID       uuid.UUID   `json:"-"`
	PlatformID        string      `json:"platformId"`
	PlatformGroupID   string      `json:"platformGroupId"`
	PlatformGroupName string      `json:"platformGroupName"`
	ChannelIDs        []uuid.UUID `json:"channelIds"`
	CreatedAt         time.Time   `json:"createdAt"`
	UpdatedAt         time.Time   `json:"updatedAt"`
}

// ChannelGroupAttach names the platform account a channel belongs to; it is
// the input of [Store.AttachChannel].
type ChannelGroupAttach struct {
	// PlatformID identifies the platform, matching ^[A-Za-z0-9-]+$
	// (at most 255 characters).
	PlatformID string
	// PlatformGroupID identifies the account on that platform: 1–255
	// characters, no control characters.
	PlatformGroupID string
	// PlatformGroupName is the account's display name: at most 255
	// characters, no control characters. It replaces the stored name; an
	// empty name leaves the stored one as it is.
	PlatformGroupName string
}
