// Package driver defines the persistence primitives a store provides to the
// rule engine of package engine. A driver reads facts and writes changes; it
// decides nothing. Every rule of grouping (validation, existence and tenant
// checks, archived, name and version rules, positions, paging and cursors,
// error codes and messages) is applied once, by the engine, on top of any
// driver.
//
// # Writing a store
//
// A store is a type that implements [Driver], in any module: everything it
// needs is in the public packages grouping, driver, engine, drivertest and
// storetest. Wrap it with engine.New to get a [grouping.Store], and embed
// that in the type users open, as sqlite and memstore do:
//
//	type engineStore = engine.Store // embedded without exporting a field
//
//	// Store is a grouping.Store kept in MyDB.
//	type Store struct{ *engineStore }
//
//	func Open(ctx context.Context, dsn string) (*Store, error) {
//		d, err := openDriver(ctx, dsn) // your Driver
//		if err != nil {
//			return nil, err
//		}
//		return &Store{engine.New(d)}, nil
//	}
//
// Then run both suites, one line each:
//
//	func TestDriver(t *testing.T) {
//		drivertest.Run(t, func(t *testing.T) driver.Driver { return newTestDriver(t) })
//	}
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) grouping.Store { return newTestStore(t) })
//	}
//
// Package drivertest checks each primitive directly, including that a
// transaction that fails part-way leaves nothing behind; package storetest
// checks every rule of grouping through the assembled store, including
// concurrent callers and the events every change appends.
//
// Events need three things of a driver: a table of events keyed by tenant
// and sequence, a counter per tenant that the appending transaction holds
// until it commits (see [EventWriter]), and a table of consumers. A driver whose database other
// processes write to also implements [Watcher], so that waiting readers
// hear of their commits.
//
// Two interfaces are optional: [BulkTx] reads and writes the channels of a
// bulk call in one round trip each, and [MemberTx] makes a membership
// change conditional on the channel's facts, one statement where a read of
// the facts and a write would be two. The engine uses them when a driver's
// Tx has them and the methods of Tx otherwise, with the same results (it
// still decides what a conditional write that changed nothing means), and
// drivertest checks them where a driver has them.
//
// To write the primitives, follow an existing driver. memstore's (see
// memstore.NewDriver) keeps everything in maps under one mutex and undoes
// the writes of a failed transaction; sqlite's reads each fact with one SQL
// statement and lets the database's constraints back up the engine's
// checks. The example below builds a driver by embedding another one.
//
// # Transactions
//
// The engine runs every write call in one [Driver.Write] transaction: it
// reads the facts it needs (one call such as [Tx.Placement]), decides, and
// writes the changes. A driver promises:
//
//   - Atomicity: when the function given to Write returns an error, or the
//     commit fails, nothing the function wrote remains, and the error is
//     returned (or, for the failed check of a fact the driver took for
//     granted, the function runs again: see below). When the function panics, nothing it wrote remains either,
//     and the panic goes on. Once a method of a Tx has returned an error,
//     the function makes no further call on it and returns an error (the
//     engine does so), so a database that aborts a transaction on its first
//     error, such as PostgreSQL, needs no savepoints.
//   - Isolation: write transactions are serialisable on the data they touch.
//     No other write commits between a transaction's reads and its commit in
//     a way that would change what it read. SQLite's single BEGIN IMMEDIATE
//     writer, a mutex in memory, row locks taken in a fixed order, or
//     serialisable transactions that are retried all qualify.
//   - Durability: once Write returns nil the change is committed as durably
//     as the store documents.
//
// A driver that detects a conflict it can resolve by running the whole
// transaction again (a serialisation failure, a deadlock) returns an error
// that matches [ErrRetry] with errors.Is. The engine then calls Write again
// with the same function, after a short, jittered pause, a bounded number of
// times. The function may therefore run more than once; it holds no state
// between runs, and acts outside the transaction only once Write has
// returned nil.
//
// A driver may also run the function again itself, within one Write, after
// rolling back the first run. That lets it take facts for granted (what it
// remembers of a row from its own last write, say) and send the writes and
// the check that those facts still hold together, in fewer round trips: a
// Tx method may return such a fact, provided the transaction cannot commit
// when it was false. The run that took a false fact then fails at the check
// and is rolled back, and the driver runs the function again, reading what
// it needs. Package postgres does this for organisations.
//
// Reads outside a transaction go through the [Reader] methods of the
// Driver. Each of them is consistent on its own: everything one call returns
// comes from one snapshot of the data (one SQL statement, a read
// transaction, or a read lock). The same methods inside a [Tx] see the
// transaction's own writes.
//
// # Errors
//
// A driver returns plain errors for failures of its own (I/O, a broken
// connection); the engine reports them as grouping.Internal and keeps them
// reachable with errors.Unwrap. A driver may return a *grouping.Error when
// it knows better (the engine passes it on unchanged), [ErrRetry] as above,
// and [ErrNameTaken] from [Tx.InsertGroup] and [Tx.UpdateGroup] whenever a
// live group of the organisation holds the name key (a unique index, say):
// the engine checks names first, but the store has the last word.
//
// # Values
//
// Times are written as the engine gives them (UTC, whole milliseconds) and
// read back equal, in UTC. IDs are never the nil UUID. A write whose target
// does not exist changes nothing and is not an error; the engine never asks
// for one.
//
// # Lists
//
// Every list returns its items in one fixed order and starts after a [Key]
// when one is given. The key of an item holds the values of its sort order;
// the engine turns the key of a page's last item into the cursor of the next
// page. A list is asked for Limit items and returns at most that many, in
// [List.Items], together with the key of the last one and whether any item
// follows it.
package driver

import (
	"context"
	"errors"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// ErrRetry marks a transient failure after which the whole write transaction
// can run again, such as a serialisation failure or a deadlock. Drivers wrap
// it (fmt.Errorf("…: %w", driver.ErrRetry)) or return an error whose Is
// method matches it.
var ErrRetry = errors.New("driver: transaction must be retried")

// ErrNameTaken is returned by [Tx.InsertGroup] and [Tx.UpdateGroup] when the
// store's own uniqueness constraint rejects the group's name key.
var ErrNameTaken = errors.New("driver: group name key is taken")

// Driver is the persistence of one store.
type Driver interface {
	// Reader reads outside any write transaction. Each call is consistent
	// on its own.
	Reader

	// Write runs fn in one write transaction and commits it when fn returns
	// nil. When fn returns an error, or the commit fails, nothing fn wrote
	// remains and Write returns the error, unless the failure is a check of
	// facts the driver took for granted, after which it may roll back and
	// run fn again (see the package documentation, "Transactions"). See
	// there too for the isolation it must provide.
	Write(ctx context.Context, fn func(Tx) error) error

	// Close releases the driver's resources. Calls in progress may finish
	// first; no call is made after Close.
	Close() error
}

// Reader reads what the lists and point reads of grouping show. Every
// method filters by tenant: an object of another organisation or workspace
// is reported exactly as one that does not exist.
type Reader interface {
	// OrganisationExists reports whether the organisation exists.
	OrganisationExists(ctx context.Context, orgID uuid.UUID) (bool, error)

	// Channel returns a channel of the organisation that is not deleted,
	// with Users set to its members (never nil, in any order), or nil when
	// there is none.
	Channel(ctx context.Context, orgID, channelID uuid.UUID) (*grouping.Channel, error)

	// Group returns a group of the organisation that is not deleted, or nil
	// when there is none. With withChannels, Channels holds the group's
	// channels that are neither deleted nor archived, in group order (never
	// nil); otherwise Channels is nil.
	Group(ctx context.Context, orgID, groupID uuid.UUID, withChannels bool) (*grouping.Group, error)

	// ChannelGroup returns a channel group of the workspace with its
	// ChannelIDs in link order (never nil), or nil when there is none.
	ChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) (*grouping.ChannelGroup, error)

	// ListGroups lists the organisation's groups that are not deleted, in
	// the order (Position, CreatedAt, ID); Key: Pos = Position, Time =
	// CreatedAt in Unix milliseconds, ID.
	ListGroups(ctx context.Context, q GroupsQuery) (List[grouping.Group], error)

	// ListGroupChannels lists the channels of a group of the organisation
	// that are not deleted (and not archived unless IncludeArchived), in the
	// order of their position in the group, then ID; Key: Pos = position,
	// ID. Users is nil.
	ListGroupChannels(ctx context.Context, q ChannelsQuery) (List[grouping.Channel], error)

	// ListUngroupedChannels lists the organisation's channels that are in no
	// group and not deleted (and not archived unless IncludeArchived), in
	// the order (CreatedAt, ID); Key: Time = CreatedAt in Unix
	// milliseconds, ID. Users is nil.
	ListUngroupedChannels(ctx context.Context, q ChannelsQuery) (List[grouping.Channel], error)

	// ListDiscoverableChannels lists the organisation's channels that are
	// not deleted (and not archived unless IncludeArchived) and of which
	// q.UserID is not a member, in the order and with the keys of
	// ListUngroupedChannels. Users is nil.
	ListDiscoverableChannels(ctx context.Context, q ChannelsQuery) (List[grouping.Channel], error)

	// ListChannelGroups lists the workspace's channel groups (only those of
	// q.PlatformID when it is not empty), with their ChannelIDs, in the
	// order (CreatedAt, ID); Key: Time = CreatedAt in Unix milliseconds, ID.
	ListChannelGroups(ctx context.Context, q ChannelGroupsQuery) (List[grouping.ChannelGroup], error)

	EventReader
}

// Tx is one write transaction. Its Reader methods see its own writes. The
// fact methods read what one operation decides on, in one round trip where
// the store can manage it; the write methods change exactly what they say
// and check nothing.
type Tx interface {
	Reader

	// ---- facts ----

	// ChannelState returns what upserting, deleting or changing the
	// members of a channel decides on: whether the organisation exists,
	// and the channel with that ID in any organisation, deleted or not.
	ChannelState(ctx context.Context, orgID, channelID uuid.UUID) (ChannelState, error)

	// GroupState returns what creating, updating or deleting a group
	// decides on. groupID may be uuid.Nil (no group is looked up) and
	// nameKey may be empty (no name is looked up).
	GroupState(ctx context.Context, orgID, groupID uuid.UUID, nameKey string) (GroupState, error)

	// Placement returns what assigning, moving or removing a channel
	// decides on, in one read.
	Placement(ctx context.Context, orgID, groupID, channelID uuid.UUID) (Placement, error)

	// GroupIDs returns whether the organisation exists and the IDs of its
	// groups that are not deleted, in the order of ListGroups (Position,
	// CreatedAt, ID).
	GroupIDs(ctx context.Context, orgID uuid.UUID) (orgFound bool, ids []uuid.UUID, err error)

	// GroupChannelIDs returns whether the organisation and its group (not
	// deleted) exist, and the IDs of every channel in the group, archived
	// ones included, in group order (position, then ID).
	GroupChannelIDs(ctx context.Context, orgID, groupID uuid.UUID) (GroupChannels, error)

	// Attachment returns what attaching a channel decides on: the
	// workspace's channel group of the platform account, and the channel
	// group the channel is in.
	Attachment(ctx context.Context, workspaceID, channelID uuid.UUID, platformID, platformGroupID string) (Attachment, error)

	// ---- organisations and channels ----

	// UpsertOrganisation inserts the organisation with createdAt, or
	// renames it. When it existed, it returns the organisation as it was
	// before and true; when it is new, false.
	UpsertOrganisation(ctx context.Context, org grouping.Organisation, createdAt time.Time) (prev grouping.Organisation, existed bool, err error)

	// InsertChannel writes a new channel, in no group and with no members.
	InsertChannel(ctx context.Context, ch ChannelRecord) error

	// UpdateChannel overwrites the host's fields of an existing channel;
	// a zero CreatedAt keeps the stored one.
	UpdateChannel(ctx context.Context, ch ChannelRecord) error

	// SetMembers makes users (free of duplicates) the channel's exact
	// membership.
	SetMembers(ctx context.Context, channelID uuid.UUID, users []uuid.UUID) error

	// AddMember makes the user a member of the channel; it reports false
	// when the user was one already.
	AddMember(ctx context.Context, channelID, userID uuid.UUID) (added bool, err error)

	// RemoveMember ends the membership; it reports false when there was
	// none.
	RemoveMember(ctx context.Context, channelID, userID uuid.UUID) (removed bool, err error)

	// MarkChannelDeleted sets the channel's deletion time. The engine has
	// taken it out of its group first.
	MarkChannelDeleted(ctx context.Context, channelID uuid.UUID, at time.Time) error

	// ---- groups ----

	// InsertGroup writes a new group (Channels is ignored) with its name
	// key. It returns ErrNameTaken when the store's own constraint finds
	// the key taken.
	InsertGroup(ctx context.Context, g grouping.Group, nameKey string) error

	// UpdateGroup overwrites the name, description, archived state, version
	// and UpdatedAt of a group, and its name key when nameKey is not empty
	// (an empty nameKey keeps the stored one: the name did not change). It
	// returns ErrNameTaken as InsertGroup does.
	UpdateGroup(ctx context.Context, g grouping.Group, nameKey string) error

	// MarkGroupDeleted sets the group's deletion time and UpdatedAt to at.
	MarkGroupDeleted(ctx context.Context, groupID uuid.UUID, at time.Time) error

	// SetGroupPositions gives groupIDs[i] the position i.
	SetGroupPositions(ctx context.Context, groupIDs []uuid.UUID) error

	// PlaceChannel puts the channel in the group at position pos.
	PlaceChannel(ctx context.Context, channelID, groupID uuid.UUID, pos int64) error

	// UnplaceChannel takes the channel out of its group, if it is in one.
	UnplaceChannel(ctx context.Context, channelID uuid.UUID) error

	// UngroupChannels takes every channel out of the group.
	UngroupChannels(ctx context.Context, groupID uuid.UUID) error

	// SetChannelPositions gives channelIDs[i], channels of the group, the
	// position i in it.
	SetChannelPositions(ctx context.Context, groupID uuid.UUID, channelIDs []uuid.UUID) error

	// ---- channel groups ----

	// InsertChannelGroup writes a new, empty channel group (ChannelIDs is
	// ignored).
	InsertChannelGroup(ctx context.Context, cg grouping.ChannelGroup) error

	// UpdateChannelGroup sets a channel group's name and UpdatedAt.
	UpdateChannelGroup(ctx context.Context, channelGroupID uuid.UUID, name string, updatedAt time.Time) error

	// TouchChannelGroup sets a channel group's UpdatedAt.
	TouchChannelGroup(ctx context.Context, channelGroupID uuid.UUID, updatedAt time.Time) error

	// LinkChannel puts the workspace's channel, which is in no channel
	// group of the workspace, into the channel group at position pos.
	LinkChannel(ctx context.Context, workspaceID, channelID, channelGroupID uuid.UUID, pos int64) error

	// UnlinkChannel takes the workspace's channel out of its channel group
	// and returns that group's ID, or uuid.Nil when the channel was in
	// none.
	UnlinkChannel(ctx context.Context, workspaceID, channelID uuid.UUID) (uuid.UUID, error)

	// DeleteChannelGroup removes a channel group of the workspace and its
	// channel links; it reports false when there was no such channel group.
	DeleteChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) (bool, error)

	// ---- events ----

	EventWriter
}

// ChannelState is what [Tx.ChannelState] finds.
type ChannelState struct {
	// OrganisationFound reports whether the organisation exists.
	OrganisationFound bool
	// Channel is the channel with the ID asked for, in any organisation,
	// deleted or not; nil when there is none.
	Channel *ChannelFacts
}

// ChannelFacts are the facts about one channel that writes decide on.
type ChannelFacts struct {
	OrganisationID uuid.UUID
	Deleted        bool
	Archived       bool
	// GroupID is the group the channel is in, uuid.Nil for none; GroupName
	// is that group's name.
	GroupID   uuid.UUID
	GroupName string
}

// GroupState is what [Tx.GroupState] finds.
type GroupState struct {
	// OrganisationFound reports whether the organisation exists. A driver
	// may leave it false when Group is set, which proves it.
	OrganisationFound bool
	// Group is the organisation's group with the ID asked for when it is
	// not deleted (Channels nil); nil otherwise.
	Group *grouping.Group
	// NameHolder is the organisation's group, not deleted, whose name key
	// equals the key asked for; uuid.Nil when there is none.
	NameHolder uuid.UUID
	// MaxPosition is the largest Position among the organisation's groups
	// that are not deleted, or -1 when there is none.
	MaxPosition int64
}

// Placement is what [Tx.Placement] finds.
type Placement struct {
	// OrganisationFound reports whether the organisation exists. A driver
	// may leave it false when Group or Channel is set, which proves it.
	OrganisationFound bool
	// Group is the organisation's group with the ID asked for when it is
	// not deleted; nil otherwise.
	Group *PlacementGroup
	// Channel is the organisation's channel with the ID asked for when it
	// is not deleted; nil otherwise.
	Channel *ChannelFacts
}

// PlacementGroup are the facts about the target group of a placement.
type PlacementGroup struct {
	Name     string
	Archived bool
	// MaxChannelPosition is the largest position of a channel in the
	// group, or -1 when the group is empty.
	MaxChannelPosition int64
}

// GroupChannels is what [Tx.GroupChannelIDs] finds.
type GroupChannels struct {
	// OrganisationFound reports whether the organisation exists. A driver
	// may leave it false when GroupFound is true.
	OrganisationFound bool
	// GroupFound reports whether the group exists in the organisation and
	// is not deleted.
	GroupFound bool
	// ChannelIDs are the IDs of the group's channels, in group order.
	ChannelIDs []uuid.UUID
}

// Attachment is what [Tx.Attachment] finds.
type Attachment struct {
	// Account is the workspace's channel group of the platform account
	// asked for, with the IDs of its channels in link order (position),
	// or nil when there is none. The engine builds the attach's result
	// from it without reading the channel group again.
	Account *grouping.ChannelGroup
	// MaxPosition is the largest link position in Account, or -1 when
	// Account is nil or empty.
	MaxPosition int64
	// Current is the workspace's channel group the channel is in, or
	// uuid.Nil.
	Current uuid.UUID
}

// ChannelRecord is the host's view of a channel as the engine writes it.
type ChannelRecord struct {
	ID             uuid.UUID
	OrganisationID uuid.UUID
	Name           string
	Description    string
	OwnerID        uuid.UUID
	Archived       bool
	MessageCount   int64
	CreatedAt      time.Time
}

// Key is a position in a list's sort order; each list says which fields it
// uses. Unused fields are zero.
type Key struct {
	Pos  int64     // a position (groups, a group's channels)
	Time int64     // a creation time in Unix milliseconds
	ID   uuid.UUID // the final tie-breaker
}

// Compare returns -1, 0 or +1 as k sorts before, with or after o in the
// order (Pos, Time, ID), IDs compared as bytes.
func (k Key) Compare(o Key) int {
	switch {
	case k.Pos != o.Pos:
		return cmpInt(k.Pos, o.Pos)
	case k.Time != o.Time:
		return cmpInt(k.Time, o.Time)
	}
	for i := range k.ID {
		if k.ID[i] != o.ID[i] {
			if k.ID[i] < o.ID[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	return 1
}

// Page is the paging part of every list query.
type Page struct {
	// After, when not nil, makes the list start after the item with this
	// key; otherwise it starts at the beginning.
	After *Key
	// Limit is the largest number of items to return, at least 1.
	Limit int
}

// List is one page of a list as a driver returns it.
type List[T any] struct {
	// Items in list order, at most the Limit asked for; may be nil when
	// empty.
	Items []T
	// Last is the key of the last item of Items.
	Last Key
	// More reports whether at least one more item follows Items.
	More bool
}

// GroupsQuery asks [Reader.ListGroups] for a page.
type GroupsQuery struct {
	OrganisationID uuid.UUID
	// Archived, when not nil, keeps only groups whose Archived equals it.
	Archived *bool
	// WithChannels fills each group's Channels as [Reader.Group] does.
	WithChannels bool
	Page
}

// ChannelsQuery asks one of the channel lists for a page.
type ChannelsQuery struct {
	OrganisationID uuid.UUID
	// GroupID scopes ListGroupChannels.
	GroupID uuid.UUID
	// UserID scopes ListDiscoverableChannels.
	UserID          uuid.UUID
	IncludeArchived bool
	Page
}

// ChannelGroupsQuery asks [Reader.ListChannelGroups] for a page.
type ChannelGroupsQuery struct {
	WorkspaceID uuid.UUID
	// PlatformID, when not empty, keeps only that platform's channel
	// groups.
	PlatformID string
	Page
}

// The keys of the lists, as [Reader] documents them. Drivers that sort in
// memory use them; SQL drivers order by the same columns.

// GroupKey is the key of a group in ListGroups.
func GroupKey(g *grouping.Group) Key {
	return Key{Pos: int64(g.Position), Time: g.CreatedAt.UnixMilli(), ID: g.ID}
}

// GroupChannelKey is the key of a channel at position pos in
// ListGroupChannels.
func GroupChannelKey(pos int64, channelID uuid.UUID) Key { return Key{Pos: pos, ID: channelID} }

// CreationKey is the key of an item created at createdAt in the lists
// ordered by creation: ListUngroupedChannels, ListDiscoverableChannels and
// ListChannelGroups.
func CreationKey(createdAt time.Time, id uuid.UUID) Key {
	return Key{Time: createdAt.UnixMilli(), ID: id}
}

// BulkTx is implemented by a Tx that reads and writes the channels of a
// bulk call (grouping.Store.AssignChannels and its kin) in one round trip
// each. The engine uses it when a driver's Tx has it, and the one-channel
// methods of Tx otherwise, with the same result.
type BulkTx interface {
	// Placements is Placement for many channels at once: Channels holds
	// the facts of each of channelIDs that is a channel of the
	// organisation and not deleted, by ID; the others are missing.
	Placements(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) (BulkPlacement, error)

	// PlaceChannels puts channelIDs[i] in the group at position
	// firstPos+i.
	PlaceChannels(ctx context.Context, groupID uuid.UUID, channelIDs []uuid.UUID, firstPos int64) error

	// UnplaceChannels takes each channel of channelIDs out of its group.
	UnplaceChannels(ctx context.Context, channelIDs []uuid.UUID) error
}

// BulkChangeTx is implemented by a Tx that can make a bulk assign or a bulk
// removal in one statement, conditional on every channel being in the state
// the change needs, where the engine would otherwise read the facts of all
// the channels first. The engine uses it when a driver's Tx has it. When it
// changes nothing, the engine reads the facts to tell why (or to find the
// channels that stay where they are) and decides as it does for a driver
// without it, so that the result is the same: as with MemberTx, a false
// here may be out of date by the time the facts are read, and a driver
// whose write transactions do not run one at a time must hold what its
// facts reads hold (the organisation's lock, say) for these too.
type BulkChangeTx interface {
	// AssignUngrouped puts every channel of channelIDs, which are distinct,
	// in the group, after the group's last channel in the order given,
	// when the group is a live group of the organisation, not archived,
	// and every channel is a live channel of the organisation in no group.
	// It returns the position of the first, and true; otherwise it
	// changes nothing and returns false.
	AssignUngrouped(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) (firstPos int64, assigned bool, err error)

	// RemoveGrouped takes every channel of channelIDs, which are distinct,
	// out of the group when each is a live channel of the organisation in
	// that group, and returns true; otherwise it changes nothing and
	// returns false.
	RemoveGrouped(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) (removed bool, err error)
}

// MemberTx is implemented by a Tx that can make a membership change
// conditional on the channel, in one statement where the engine would
// otherwise read the channel's facts first. The engine uses it when a
// driver's Tx has it. When it changes nothing, the engine reads the
// channel's facts to tell why and then makes the change with the methods
// of Tx, as it does for a driver without MemberTx, so that the result is
// the same: a false here may be out of date by the time the facts are
// read (a driver that locks the organisation's row finds none to lock
// before the organisation exists). A driver whose write transactions do
// not run one at a time must hold what its facts reads hold (the
// organisation's lock, say) for these too, when there is one to hold.
type MemberTx interface {
	// AddLiveMember makes the user a member of the channel when the
	// channel is a channel of the organisation and not deleted; it
	// reports false when it is not, or when the user was a member
	// already.
	AddLiveMember(ctx context.Context, orgID, channelID, userID uuid.UUID) (added bool, err error)

	// RemoveLiveMember ends the membership when the channel is a channel
	// of the organisation and not deleted; it reports false when it is
	// not, or when there was no membership.
	RemoveLiveMember(ctx context.Context, orgID, channelID, userID uuid.UUID) (removed bool, err error)
}

// BulkPlacement is what [BulkTx.Placements] finds.
type BulkPlacement struct {
	// OrganisationFound reports whether the organisation exists. A driver
	// may leave it false when Group is set or Channels is not empty.
	OrganisationFound bool
	// Group is as in [Placement].
	Group *PlacementGroup
	// Channels are the facts of the channels found, by ID.
	Channels map[uuid.UUID]*ChannelFacts
}
