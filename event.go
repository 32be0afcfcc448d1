package grouping

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// TenantKind tells which API a tenant belongs to.
type TenantKind uint8

// The kinds of tenant.
const (
	// OrganisationTenant is an organisation of the organisation API
	// (groups, channels in groups, the mirror).
	OrganisationTenant TenantKind = 1
	// WorkspaceTenant is a workspace of the workspace API (channel
	// groups).
	WorkspaceTenant TenantKind = 2
)

// String returns "organisation" or "workspace".
func (k TenantKind) String() string {
	switch k {
	case OrganisationTenant:
		return "organisation"
	case WorkspaceTenant:
		return "workspace"
	}
	return fmt.Sprintf("TenantKind(%d)", uint8(k))
}

// Tenant is the organisation or workspace an event belongs to. Each tenant
// has its own sequence of events.
type Tenant struct {
	Kind TenantKind
	ID   uuid.UUID
}

// OrganisationOf returns the tenant of an organisation.
func OrganisationOf(id uuid.UUID) Tenant { return Tenant{Kind: OrganisationTenant, ID: id} }

// WorkspaceOf returns the tenant of a workspace.
func WorkspaceOf(id uuid.UUID) Tenant { return Tenant{Kind: WorkspaceTenant, ID: id} }

// String returns the tenant as "organisation:<id>" or "workspace:<id>".
func (t Tenant) String() string { return t.Kind.String() + ":" + t.ID.String() }

// Validate returns an Invalid error when the kind is unknown or the ID is
// the nil UUID.
func (t Tenant) Validate() error {
	switch t.Kind {
	case OrganisationTenant:
		return ValidateID("organisation_id", t.ID)
	case WorkspaceTenant:
		return ValidateID("workspaceId", t.ID)
	}
	return InvalidField("tenant", "tenant kind %d is neither organisation nor workspace", uint8(t.Kind))
}

// EventType names what an [Event] reports. The organisation API's types are
// in snake_case, the workspace API's in camelCase, as their JSON is.
type EventType string

// The event types. Each lists the type of its Data.
const (
	// EventOrganisationCreated: the host upserted a new organisation.
	// Data: [OrganisationEventData].
	EventOrganisationCreated EventType = "organisation.created"
	// EventOrganisationRenamed: the host upserted an organisation under a
	// new name. Data: [OrganisationEventData] with PreviousName.
	EventOrganisationRenamed EventType = "organisation.renamed"

	// EventChannelCreated: the host upserted a new channel. Data:
	// [ChannelEventData].
	EventChannelCreated EventType = "channel.created"
	// EventChannelUpdated: the host upserted a channel with a change (its
	// fields or, when given, its members). Data: [ChannelEventData] with
	// Previous.
	EventChannelUpdated EventType = "channel.updated"
	// EventChannelDeleted: the host deleted a channel, which also left its
	// group. Data: [ChannelDeletedData].
	EventChannelDeleted EventType = "channel.deleted"
	// EventChannelMemberAdded: a user became a member of a channel. Data:
	// [ChannelMemberData].
	EventChannelMemberAdded EventType = "channel.member_added"
	// EventChannelMemberRemoved: a user stopped being a member of a
	// channel. Data: [ChannelMemberData].
	EventChannelMemberRemoved EventType = "channel.member_removed"

	// EventGroupCreated: a group was created. Data: [GroupEventData].
	EventGroupCreated EventType = "group.created"
	// EventGroupUpdated: a group's name or description changed, or it was
	// updated with the values it had (its version still increases). Data:
	// [GroupEventData] with Previous.
	EventGroupUpdated EventType = "group.updated"
	// EventGroupArchived: an update archived the group (and may have
	// changed its name or description too). Data: [GroupEventData] with
	// Previous.
	EventGroupArchived EventType = "group.archived"
	// EventGroupUnarchived: an update unarchived the group (and may have
	// changed its name or description too). Data: [GroupEventData] with
	// Previous.
	EventGroupUnarchived EventType = "group.unarchived"
	// EventGroupDeleted: a group was deleted; its channels are in no group
	// any more. Data: [GroupEventData], the group with DeletedAt set.
	EventGroupDeleted EventType = "group.deleted"
	// EventGroupsReordered: the organisation's groups were put in a new
	// order. Data: [GroupsReorderedData].
	EventGroupsReordered EventType = "groups.reordered"
	// EventChannelAssigned: a channel in no group was put at the end of a
	// group. Data: [ChannelPlacementData].
	EventChannelAssigned EventType = "channel.assigned"
	// EventChannelMoved: a channel left one group for the end of another.
	// Data: [ChannelPlacementData] with FromGroupID.
	EventChannelMoved EventType = "channel.moved"
	// EventChannelRemoved: a channel was taken out of its group. Data:
	// [ChannelPlacementData] without Position.
	EventChannelRemoved EventType = "channel.removed"
	// EventGroupChannelsReordered: a group's channels were put in a new
	// order. Data: [GroupChannelsReorderedData].
	EventGroupChannelsReordered EventType = "group.channels_reordered"

	// EventChannelGroupAttached: a channel was attached to a channel group,
	// which is created by the first attach of its platform account. Data:
	// [ChannelGroupAttachedData].
	EventChannelGroupAttached EventType = "channelGroup.attached"
	// EventChannelGroupDetached: a channel left its channel group. Data:
	// [ChannelGroupDetachedData].
	EventChannelGroupDetached EventType = "channelGroup.detached"
	// EventChannelGroupRenamed: an attach gave a channel group a new
	// platformGroupName. Data: [ChannelGroupRenamedData].
	EventChannelGroupRenamed EventType = "channelGroup.renamed"
	// EventChannelGroupDeleted: a channel group was deleted with its links.
	// Data: [ChannelGroupDeletedData].
	EventChannelGroupDeleted EventType = "channelGroup.deleted"
)

// Event is one change, written in the same transaction as the change.
//
// Sequence numbers are per tenant, start at 1, and are gapless and
// increasing in commit order: a reader that has seen event n has seen every
// event before it, and the next one it reads is n+1 unless events were
// pruned (see [Retention]). Data is the JSON of the type's data struct, in
// the naming of the tenant's API (snake_case for organisations, camelCase
// for workspaces); decode it with json.Unmarshal.
type Event struct {
	ID       uuid.UUID
	Tenant   Tenant
	Sequence int64
	Type     EventType
	Time     time.Time
	Data     json.RawMessage
}

// MarshalJSON writes an organisation's event as
// {"id","sequence","type","organisation_id","created_at","data"} and a
// workspace's as {"id","sequence","type","workspaceId","createdAt","data"}.
// Data, which must be JSON, is written as it is (null when empty).
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 160+len(e.Data))), nil
}

// AppendJSON appends the JSON form that MarshalJSON writes to b.
func (e Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, e.ID)
	b = append(b, `,"sequence":`...)
	b = strconv.AppendInt(b, e.Sequence, 10)
	b = append(b, `,"type":`...)
	b = appendString(b, string(e.Type))
	if e.Tenant.Kind == WorkspaceTenant {
		b = append(b, `,"workspaceId":`...)
		b = appendID(b, e.Tenant.ID)
		b = append(b, `,"createdAt":`...)
	} else {
		b = append(b, `,"organisation_id":`...)
		b = appendID(b, e.Tenant.ID)
		b = append(b, `,"created_at":`...)
	}
	b = appendTime(b, e.Time)
	b = append(b, `,"data":`...)
	if len(e.Data) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, e.Data...)
	}
	return append(b, '}')
}

// UnmarshalJSON reads either form that MarshalJSON writes: an event with
// "workspaceId" is a workspace's, one with "organisation_id" an
// organisation's. Data is kept as it is.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w struct {
		ID             uuid.UUID       `json:"id"`
		Sequence       int64           `json:"sequence"`
		Type           EventType       `json:"type"`
		OrganisationID *uuid.UUID      `json:"organisation_id"`
		WorkspaceID    *uuid.UUID      `json:"workspaceId"`
		CreatedAt      *time.Time      `json:"created_at"`
		CreatedAtWS    *time.Time      `json:"createdAt"`
		Data           json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := Event{ID: w.ID, Sequence: w.Sequence, Type: w.Type, Data: w.Data}
	switch {
	case w.OrganisationID != nil && w.WorkspaceID == nil && w.CreatedAt != nil:
		out.Tenant, out.Time = OrganisationOf(*w.OrganisationID), w.CreatedAt.UTC()
	case w.WorkspaceID != nil && w.OrganisationID == nil && w.CreatedAtWS != nil:
		out.Tenant, out.Time = WorkspaceOf(*w.WorkspaceID), w.CreatedAtWS.UTC()
	default:
		return fmt.Errorf("grouping: an event needs either organisation_id and created_at or workspaceId and createdAt")
	}
	*e = out
	return nil
}

// OrganisationEventData is the data of the organisation.* events.
type OrganisationEventData struct {
	Organisation Organisation `json:"organisation"`
	// PreviousName is the name before a rename; absent otherwise.
	PreviousName *string `json:"previous_name,omitempty"`
}

// ChannelEventData is the data of channel.created and channel.updated:
// the channel as GetChannel returns it after the change and, for an update,
// before it.
type ChannelEventData struct {
	Channel  Channel  `json:"channel"`
	Previous *Channel `json:"previous,omitempty"`
}

// ChannelDeletedData is the data of channel.deleted.
type ChannelDeletedData struct {
	ChannelID uuid.UUID `json:"channel_id"`
	// GroupID is the group the channel left by being deleted, or nil.
	GroupID   *uuid.UUID `json:"group_id"`
	DeletedAt time.Time  `json:"deleted_at"`
}

// ChannelMemberData is the data of channel.member_added and
// channel.member_removed.
type ChannelMemberData struct {
	ChannelID uuid.UUID `json:"channel_id"`
	UserID    uuid.UUID `json:"user_id"`
}

// GroupEventData is the data of the group.* events but
// group.channels_reordered: the group after the change (Channels null)
// and, for an update, before it.
type GroupEventData struct {
	Group    Group  `json:"group"`
	Previous *Group `json:"previous,omitempty"`
}

// GroupsReorderedData is the data of groups.reordered: every group of the
// organisation, in its new order.
type GroupsReorderedData struct {
	GroupIDs []uuid.UUID `json:"group_ids"`
}

// ChannelPlacementData is the data of channel.assigned, channel.moved and
// channel.removed.
type ChannelPlacementData struct {
	ChannelID uuid.UUID `json:"channel_id"`
	// GroupID is the group the channel is now in (assigned, moved) or
	// left (removed).
	GroupID uuid.UUID `json:"group_id"`
	// FromGroupID is the group a moved channel left.
	FromGroupID *uuid.UUID `json:"from_group_id,omitempty"`
	// Position is the channel's place in its new group: greater than that
	// of every other channel of the group. Absent for channel.removed.
	Position *int64 `json:"position,omitempty"`
}

// GroupChannelsReorderedData is the data of group.channels_reordered:
// every channel of the group, archived ones included, in its new order.
type GroupChannelsReorderedData struct {
	GroupID    uuid.UUID   `json:"group_id"`
	ChannelIDs []uuid.UUID `json:"channel_ids"`
}

// ChannelGroupAttachedData is the data of channelGroup.attached.
type ChannelGroupAttachedData struct {
	ChannelID uuid.UUID `json:"channelId"`
	// ChannelGroup is the channel group after the attach, without its
	// ChannelIDs: the JSON has no "channelIds", so that an event's size
	// does not grow with its channel group, whose channels the attached
	// and detached events tell. Decoded, ChannelIDs is nil.
	ChannelGroup ChannelGroup `json:"channelGroup"`
	// FromChannelGroupID is the channel group the channel left, if any.
	FromChannelGroupID *uuid.UUID `json:"fromChannelGroupId,omitempty"`
}

// ChannelGroupDetachedData is the data of channelGroup.detached.
type ChannelGroupDetachedData struct {
	ChannelID      uuid.UUID `json:"channelId"`
	ChannelGroupID uuid.UUID `json:"channelGroupId"`
}

// ChannelGroupRenamedData is the data of channelGroup.renamed.
type ChannelGroupRenamedData struct {
	// ChannelGroup is the channel group after the call that renamed it,
	// without its ChannelIDs, as in [ChannelGroupAttachedData].
	ChannelGroup ChannelGroup `json:"channelGroup"`
	PreviousName string       `json:"previousName"`
}

// ChannelGroupDeletedData is the data of channelGroup.deleted.
type ChannelGroupDeletedData struct {
	ChannelGroupID uuid.UUID `json:"channelGroupId"`
}

// Event list limits.
const (
	// DefaultEventLimit is the page size of an event read given no limit.
	DefaultEventLimit = 100
	// MaxEventLimit is the largest page of events a read returns.
	MaxEventLimit = 1000
)

// EventPage is one page of a tenant's events.
type EventPage struct {
	// Events are in sequence order; never nil.
	Events []Event
	// Next is the sequence to read after for the next page: the last
	// event's, or the after that was asked for when Events is empty.
	Next int64
	// More reports whether more events follow now.
	More bool
}

// EventReader is implemented by stores that keep change events: sqlite,
// memstore and postgres (every store built on package engine).
type EventReader interface {
	// Events returns the tenant's events with a sequence greater than
	// after, at most limit of them (0 means DefaultEventLimit; 1 to
	// MaxEventLimit otherwise). A tenant with no events, or one that does
	// not exist, has an empty page.
	Events(ctx context.Context, tenant Tenant, after int64, limit int) (EventPage, error)

	// WaitEvents is Events that, while the page would be empty, waits for
	// the tenant's next commit, made by this process or, for stores that
	// see them, by another one on the same database. It returns when there
	// is at least one event, or with an Internal error wrapping the
	// context's error when ctx ends first.
	WaitEvents(ctx context.Context, tenant Tenant, after int64, limit int) (EventPage, error)
}

// EventConsumer is the durable reading position of one named reader of a
// tenant's events, such as a webhook endpoint.
type EventConsumer struct {
	Name   string
	Tenant Tenant
	// Position is the sequence of the last event the consumer has handled.
	Position int64
	// Active consumers hold back pruning: no event after their position is
	// pruned. An inactive (disabled) consumer keeps its position but holds
	// nothing back.
	Active    bool
	UpdatedAt time.Time
}

// Retention says which events [EventLog.PruneEvents] removes. Zero fields
// set no limit.
type Retention struct {
	// MaxAge prunes events older than this.
	MaxAge time.Duration
	// MaxCount keeps at most this many of each tenant's newest events.
	MaxCount int
}

// EventLog is an [EventReader] that also keeps consumers' positions and
// prunes old events.
type EventLog interface {
	EventReader

	// EventConsumer returns the named consumer of the tenant's events, or
	// a NotFound error when none was saved.
	EventConsumer(ctx context.Context, name string, tenant Tenant) (EventConsumer, error)

	// SaveEventConsumer creates or overwrites a consumer. Its name is 1 to
	// 255 characters; UpdatedAt is set by the store.
	SaveEventConsumer(ctx context.Context, c EventConsumer) error

	// DeleteEventConsumer forgets a consumer, so that it no longer holds
	// back pruning; NotFound when there was none.
	DeleteEventConsumer(ctx context.Context, name string, tenant Tenant) error

	// PruneEvents removes the events r says are too old or too many,
	// except those an active consumer of their tenant has not handled yet,
	// and returns how many it removed. Sequence numbers are never reused.
	PruneEvents(ctx context.Context, r Retention) (int64, error)
}
