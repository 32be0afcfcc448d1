package grouping

import (
	"context"

	"github.com/google/uuid"
)

// Page limits shared by every list.
const (
	// DefaultLimit is the page size used when a list is given no limit.
	DefaultLimit = 1000
	// MaxLimit is the largest page size a list accepts.
	MaxLimit = 1000
)

// MaxBulkChannels is the most channel IDs a bulk call
// ([Store.AssignChannels], [Store.RemoveChannels], [Store.MoveChannels])
// takes.
const MaxBulkChannels = 1000

// Page is one page of a list. Items is never nil. NextCursor is empty on the
// last page; otherwise pass it as the Cursor of the next call with the same
// filters to continue where this page ended.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// ListGroupsOptions filter and page [Store.ListGroups].
type ListGroupsOptions struct {
	// Archived, when not nil, keeps only groups whose Archived equals it.
	Archived *bool
	// IncludeChannels fills each group's Channels with its channels that are
	// neither deleted nor archived, in group order.
	IncludeChannels bool
	// Limit is the page size: 0 means DefaultLimit; 1–MaxLimit otherwise.
	Limit int
	// Cursor is a previous page's NextCursor, or "" for the first page.
	Cursor string
}

// GetGroupOptions tune [Store.GetGroup].
type GetGroupOptions struct {
	// IncludeChannels fills Channels as in ListGroupsOptions.
	IncludeChannels bool
}

// ListChannelsOptions filter and page the channel lists.
type ListChannelsOptions struct {
	// IncludeArchived also lists archived channels.
	IncludeArchived bool
	// Limit is the page size: 0 means DefaultLimit; 1–MaxLimit otherwise.
	Limit int
	// Cursor is a previous page's NextCursor, or "" for the first page.
	Cursor string
}

// ListChannelGroupsOptions filter and page [Store.ListChannelGroups].
type ListChannelGroupsOptions struct {
	// PlatformID, when not empty, keeps only that platform's channel groups.
	PlatformID string
	// Limit is the page size: 0 means DefaultLimit; 1–MaxLimit otherwise.
	Limit int
	// Cursor is a previous page's NextCursor, or "" for the first page.
	Cursor string
}

// ValidateLimit returns the page size for a requested limit: DefaultLimit for
// 0, the limit itself for 1–MaxLimit, and an Invalid error naming "limit"
// otherwise.
func ValidateLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, InvalidField("limit", "limit must be between 1 and %d", MaxLimit)
	}
	return limit, nil
}

// Store keeps organisations' groups and workspaces' channel groups.
//
// Implementations are safe for concurrent use and keep the guarantees listed
// in the package documentation. Every error they return is an *[Error]; the
// codes each method can return are listed in its comment ([Invalid] and
// [Internal] are possible everywhere and not repeated; a store that can
// fail for a while, such as a database file locked by another process or a
// full disk, may also return [Unavailable] and [InsufficientStorage]). A
// method that returns an error has changed nothing. A call whose context is already done fails
// with an [Internal] error that wraps the context's error, so that
// errors.Is(err, context.Canceled) tells a caller that gave up from a
// broken store.
type Store interface {
	// UpsertOrganisation creates the organisation or renames it. The returned
	// organisation carries its creation time.
	UpsertOrganisation(ctx context.Context, org Organisation) (Organisation, error)

	// UpsertChannel creates the channel in its organisation or updates it.
	// The returned channel includes its members.
	// Errors: NotFound (organisation), Conflict (the channel exists in
	// another organisation, or was deleted).
	UpsertChannel(ctx context.Context, ch ChannelUpsert) (Channel, error)

	// GetChannel returns a channel with its members.
	// Errors: NotFound (organisation or channel, including deleted channels).
	GetChannel(ctx context.Context, orgID, channelID uuid.UUID) (Channel, error)

	// DeleteChannel soft-deletes a channel: it leaves its group and every
	// list, and can no longer be assigned or upserted.
	// Errors: NotFound (organisation or channel).
	DeleteChannel(ctx context.Context, orgID, channelID uuid.UUID) error

	// AddChannelMember makes userID a member of the channel. Adding a member
	// twice is not an error.
	// Errors: NotFound (organisation or channel).
	AddChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error

	// RemoveChannelMember ends userID's membership of the channel.
	// Errors: NotFound (organisation, channel, or the user is not a member).
	RemoveChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error

	// CreateGroup creates a group at the end of the organisation's order.
	// Errors: NotFound (organisation), Conflict (name taken).
	CreateGroup(ctx context.Context, orgID uuid.UUID, g NewGroup) (Group, error)

	// GetGroup returns a group that is not deleted.
	// Errors: NotFound (organisation or group).
	GetGroup(ctx context.Context, orgID, groupID uuid.UUID, opts GetGroupOptions) (Group, error)

	// ListGroups lists the organisation's groups that are not deleted, by
	// position, then creation time, then ID.
	// Errors: NotFound (organisation), Invalid (limit or cursor).
	ListGroups(ctx context.Context, orgID uuid.UUID, opts ListGroupsOptions) (Page[Group], error)

	// UpdateGroup changes the fields of u that are set, bumps UpdatedAt and
	// Version, and returns the group as updated.
	// Errors: NotFound (organisation or group), Conflict (name taken),
	// PreconditionFailed (u.IfVersion is stale).
	UpdateGroup(ctx context.Context, orgID, groupID uuid.UUID, u GroupUpdate) (Group, error)

	// DeleteGroup soft-deletes a group and ungroups its channels. When
	// ifVersion is not zero the group's Version must equal it.
	// Errors: NotFound (organisation or group), PreconditionFailed.
	DeleteGroup(ctx context.Context, orgID, groupID uuid.UUID, ifVersion int64) error

	// ReorderGroups sets the organisation's group order. groupIDs must hold
	// every group that is not deleted exactly once.
	// Errors: NotFound (organisation), Invalid (missing, repeated or foreign
	// IDs).
	ReorderGroups(ctx context.Context, orgID uuid.UUID, groupIDs []uuid.UUID) error

	// AssignChannel puts an ungrouped channel at the end of the group.
	// Assigning it to the group it is in already succeeds without change,
	// even when that group is archived.
	// Errors: NotFound (organisation, group or channel), Conflict (the group
	// is archived, or the channel is in another group).
	AssignChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error

	// RemoveChannel takes a channel out of the group, leaving it ungrouped.
	// Errors: NotFound (organisation, group, channel, or the channel is not in
	// this group).
	RemoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error

	// MoveChannel puts a channel at the end of the group, from whichever
	// group it was in or from none. Moving it to its own group succeeds
	// without change.
	// Errors: NotFound (organisation, group or channel), Conflict (the group
	// is archived).
	MoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error

	// AssignChannels assigns many channels to the group at once, all or
	// nothing: they go to the end of the group's order in the order given,
	// channels already in the group stay where they are, and when any ID is
	// the nil UUID or repeated (Invalid), unknown, in another organisation
	// or deleted (NotFound), or in another group (Conflict), nothing
	// changes and the error's Problems name every offending ID. At most
	// [MaxBulkChannels] IDs.
	// Errors: Invalid, NotFound (organisation, group or channels), Conflict
	// (the group is archived, or channels are in other groups).
	AssignChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error

	// RemoveChannels takes many channels out of the group at once, all or
	// nothing, as AssignChannels does; a channel that is not in the group
	// is an offending ID (NotFound).
	// Errors: Invalid, NotFound (organisation, group or channels).
	RemoveChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error

	// MoveChannels moves many channels to the end of the group at once,
	// from whichever group each is in or from none, all or nothing, as
	// AssignChannels does; channels already in the group stay where they
	// are.
	// Errors: Invalid, NotFound (organisation, group or channels), Conflict
	// (the group is archived).
	MoveChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error

	// ReorderGroupChannels sets the order of the group's channels.
	// channelIDs must hold every channel of the group (archived ones
	// included) exactly once.
	// Errors: NotFound (organisation or group), Invalid (missing, repeated
	// or foreign IDs).
	ReorderGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error

	// ListGroupChannels lists the group's channels in group order.
	// Errors: NotFound (organisation or group), Invalid (limit or cursor).
	ListGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, opts ListChannelsOptions) (Page[Channel], error)

	// ListUngroupedChannels lists the organisation's channels that are in no
	// group, by creation time, then ID.
	// Errors: NotFound (organisation), Invalid (limit or cursor).
	ListUngroupedChannels(ctx context.Context, orgID uuid.UUID, opts ListChannelsOptions) (Page[Channel], error)

	// ListDiscoverableChannels lists the organisation's channels of which
	// userID is not a member, by creation time, then ID. Archived channels
	// are listed only when opts.IncludeArchived is set.
	// Errors: NotFound (organisation), Invalid (limit or cursor).
	ListDiscoverableChannels(ctx context.Context, orgID, userID uuid.UUID, opts ListChannelsOptions) (Page[Channel], error)

	// AttachChannel puts the channel into the workspace's channel group for
	// the platform account in a, creating that channel group if needed,
	// refreshing its name (unless a gives none), and taking the channel out
	// of any other channel group of the workspace. It returns the channel
	// group.
	AttachChannel(ctx context.Context, workspaceID, channelID uuid.UUID, a ChannelGroupAttach) (ChannelGroup, error)

	// DetachChannel takes the channel out of its channel group; the channel
	// group stays, even when empty.
	// Errors: NotFound (the channel is in no channel group of the workspace).
	DetachChannel(ctx context.Context, workspaceID, channelID uuid.UUID) error

	// GetChannelGroup returns one of the workspace's channel groups.
	// Errors: NotFound.
	GetChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) (ChannelGroup, error)

	// ListChannelGroups lists the workspace's channel groups by creation
	// time, then ID. A workspace without channel groups has an empty list.
	// Errors: Invalid (platformId, limit or cursor).
	ListChannelGroups(ctx context.Context, workspaceID uuid.UUID, opts ListChannelGroupsOptions) (Page[ChannelGroup], error)

	// DeleteChannelGroup removes a channel group and its channel links.
	// Errors: NotFound.
	DeleteChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) error

	// Close releases the store's resources. The store must not be used
	// afterwards.
	Close() error
}
