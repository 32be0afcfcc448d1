// Package grouping defines the domain of channel grouping for chat,
// messaging and omnichannel products, and the [Store] interface that keeps it.
//
// Two kinds of grouping live here:
//
//   - Groups: an organisation sorts its channels into named, ordered groups,
//     the folders of a sidebar.
//   - Channel groups: a workspace sees its channels grouped by the platform
//     account they belong to (for WhatsApp, one business account).
//
// This package holds only types, validation, error codes and the Store
// interface. Pick an implementation: package sqlite (the default, one file on
// disk), package postgres (several application instances on one
// PostgreSQL database), package memstore (in memory, for tests), or your
// own. Every store
// is the rule engine of package engine over a driver (package driver says
// how to write one), checked with packages drivertest and storetest.
// Package httpapi serves any Store over HTTP.
//
// # The mirror
//
// The store keeps a copy of the host application's organisations, channels
// and channel memberships, because the listing operations (ungrouped
// channels, channels a user could discover) join channels with groups in one
// query. The host calls [Store.UpsertOrganisation], [Store.UpsertChannel],
// [Store.DeleteChannel], [Store.AddChannelMember] and
// [Store.RemoveChannelMember] whenever its own data changes. A channel belongs
// to one organisation for its whole life; deleting it is a soft delete after
// which it appears in no list and cannot be grouped again. A channel's owner
// is optional: the nil UUID stands for an unknown one. Organisation and
// channel names follow [ValidateName] and are kept trimmed.
//
// # Guarantees
//
// Every Store keeps these rules atomically, whatever the number of concurrent
// callers:
//
//  1. A channel is in at most one group, and only in a group of its own
//     organisation.
//  2. Among an organisation's groups that are not deleted, names are unique,
//     compared after trimming surrounding white space, NFKC normalisation
//     and full Unicode case folding (see [FoldName]), so that names that look
//     the same are the same: "Straße" and "STRASSE", an accent composed or
//     decomposed, full-width and ordinary letters. The name of a deleted
//     group is free again.
//  3. Within a workspace a channel is in at most one channel group, and there
//     is at most one channel group per (platformId, platformGroupId).
//  4. Tenants are sealed off from each other: an object that exists in
//     another organisation or workspace is reported exactly as one that does
//     not exist ([NotFound]), and is never changed.
//  5. A call either takes full effect or none: a call that returns an error
//     has changed nothing.
//
// # Groups
//
// A group is created with a name and an optional description (at most 2048
// characters); it goes to the end of its organisation's order. The name has
// 1–255 characters after trimming and no control characters, bidirectional
// controls or zero-width characters ([ValidateGroupName]): surrounding white
// space is trimmed, but a control character at either end makes the name
// [Invalid]. A duplicate name is a [Conflict].
// Groups are listed in order of their position, then creation time, and can
// be filtered by archived state; each group's channels are included only on
// request. An update changes just the fields it is given, bumps UpdatedAt and
// Version, and fails with [PreconditionFailed] when the caller passes the
// version it read and the group has changed since. Deleting a group is a soft
// delete: its channels become ungrouped in the same step, and the group is
// [NotFound] from then on. Reordering takes every live group ID of the
// organisation exactly once; anything else is [Invalid].
//
// Assigning a channel puts it at the end of the group's channel order. The
// organisation, the group and the channel must exist there and not be
// deleted ([NotFound] otherwise); an archived target group is a [Conflict];
// assigning a channel to the group it is already in succeeds and changes
// nothing; assigning a channel that sits in another group is a [Conflict]
// whose message names that group, because moving is a separate, explicit
// operation. Moving puts a channel into the target group from whatever group
// it was in, or from none, with the same rules otherwise. Removing a channel
// that is not in the group is [NotFound]; afterwards the channel is
// ungrouped. Reordering a group's channels takes each of its channel IDs
// exactly once.
//
// Many channels can be assigned, removed or moved in one call
// ([Store.AssignChannels], [Store.RemoveChannels], [Store.MoveChannels]),
// up to [MaxBulkChannels] of them, all or nothing: an ID that is repeated,
// unknown, of another organisation, deleted, or that breaks the rule of
// the one-channel operation fails the whole call, and the error's Problems
// ([ErrorProblems]) name every offending ID with what is wrong with it.
//
// The three channel lists skip deleted channels and, unless asked, archived
// ones: a group's channels come in group order; ungrouped channels and the
// channels a user could discover (those of which the user is not a member)
// come in order of creation time, then ID.
//
// # Channel groups
//
// Attaching a channel to (platformId, platformGroupId) creates that channel
// group if needed, refreshes its name, and moves the channel there from any
// other channel group of the workspace. platformId must match
// ^[A-Za-z0-9-]+$ and platformGroupId is 1–255 characters. Detaching removes
// the channel from its channel group and leaves the group in place; a
// channel that is not attached is [NotFound]. Channel groups are listed in
// order of creation time, then ID, optionally for one platformId; a channel
// group's ChannelIDs are in the order the channels were attached. Deleting a
// channel group removes it and its channel links.
//
// # Lists
//
// Every list returns at most [MaxLimit] items per call ([DefaultLimit] when
// the caller gives no limit) and an opaque cursor for the next page when it
// was cut short. Cursors mark a position in the sort order (keyset
// pagination), so walking every page yields each item exactly once, and
// lists are never nil.
//
// # Events
//
// Every successful change appends [Event] values in the same transaction as
// the change: none is lost between a commit and its publication, and none
// exists for a change that did not happen. Each organisation and each
// workspace ([Tenant]) numbers its events from 1, without gaps, in commit
// order. A failed call appends nothing and takes no number; a call that
// changes nothing (an assign of a channel where it is, a reorder into the
// current order, an upsert of what is stored) appends nothing. Each
// [EventType] constant names the struct its Data holds; one bulk call
// appends one event per channel it changes.
//
// Stores that keep events implement [EventReader] (read after a sequence,
// or wait for the next commit) and [EventLog] (durable consumer positions,
// pruning by [Retention]). Package httpapi streams them as Server-Sent
// Events and package webhook delivers them to HTTP endpoints.
//
// # Errors
//
// Every Store method returns *[Error] values carrying a [Code]. Match them
// with errors.Is against the sentinels ([ErrNotFound], [ErrConflict], …) or
// read the code with [ErrorCode]; never match message text.
package grouping

import (
	"time"

	"github.com/google/uuid"
)

// Organisation is a tenant of the organisation-scoped API, mirrored from the
// host application.
type Organisation struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Channel is a mirrored channel as the organisation routes show it.
//
// UserCount is derived from the membership. Users lists the members only
// where a single channel is returned; in lists it is nil. GroupID is nil for a
// channel in no group. OwnerID is the nil UUID when the owner is unknown,
// and then null in JSON.
type Channel struct {
	ID             uuid.UUID   `json:"channels_id"`
	Name           string      `json:"name"`
	Description    string      `json:"description"`
	OrganisationID uuid.UUID   `json:"organisation_id"`
	OwnerID        uuid.UUID   `json:"owner_id"`
	Users          []uuid.UUID `json:"users"`
	UserCount      int         `json:"user_count"`
	MessageCount   int64       `json:"message_count"`
	Archived       bool        `json:"archived"`
	GroupID        *uuid.UUID  `json:"group_id"`
	CreatedAt      time.Time   `json:"created_at"`
	DeletedAt      *time.Time  `json:"deleted_at"`
}

// ChannelUpsert is the host's view of a channel, given to
// [Store.UpsertChannel].
type ChannelUpsert struct {
	ID             uuid.UUID
	OrganisationID uuid.UUID
	Name           string
	Description    string
	// OwnerID is the channel's owner, or the nil UUID when the host does
	// not know it (or the channel has none). It is optional.
	OwnerID      uuid.UUID
	Archived     bool
	MessageCount int64
	// CreatedAt is the channel's creation time in the host. The zero value
	// means "now" for a new channel and "unchanged" for an existing one.
	CreatedAt time.Time
	// Users, when not nil, replaces the channel's membership (an empty,
	// non-nil slice removes every member). Nil leaves membership unchanged.
	// Duplicates are ignored.
	Users []uuid.UUID
}

// Group is a named, ordered set of channels inside one organisation.
//
// Channels is nil unless the caller asked for it; when asked for it is never
// nil. Version increases with every update and backs optimistic concurrency
// (HTTP: ETag and If-Match); it is not part of the JSON form.
type Group struct {
	ID             uuid.UUID  `json:"id"`
	Name           string     `json:"name"`
	Description    string     `json:"description"`
	OrganisationID uuid.UUID  `json:"organisation_id"`
	Channels       []Channel  `json:"channels"`
	Archived       bool       `json:"archived"`
	Position       int        `json:"position"`
	Version        int64      `json:"-"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeletedAt      *time.Time `json:"deleted_at"`
}

// NewGroup is the input of [Store.CreateGroup].
type NewGroup struct {
	Name        string
	Description string
}

// GroupUpdate is the input of [Store.UpdateGroup]. Nil fields are left
// unchanged; at least one must be set.
type GroupUpdate struct {
	Name        *string
	Description *string
	Archived    *bool
	// IfVersion, when not zero, makes the update conditional: it fails with
	// PreconditionFailed unless the group's Version equals it.
	IfVersion int64
}

// Limits on input sizes, in characters (Unicode code points).
const (
	MaxNameLength            = 255
	MaxDescriptionLength     = 2048
	MaxPlatformIDLength      = 255
	MaxPlatformGroupIDLength = 255
)

// Clock returns the current time. Stores take one as an option so that tests
// can control time; they normalise what it returns with [Timestamp].
type Clock func() time.Time

// Timestamp normalises t to what stores keep and the wire shows: UTC,
// truncated to the millisecond.
func Timestamp(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}
