// Package storeutil holds what the module's stores share so that they behave
// identically: cursor encoding, ID checks and the text of their errors.
package storeutil

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"strconv"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// List identifies which list a cursor belongs to.
type List byte

// The lists of a Store.
const (
	ListGroups List = iota + 1
	ListGroupChannels
	ListUngrouped
	ListDiscoverable
	ListChannelGroups
)

// Scope identifies the exact query a cursor belongs to: the list, the
// tenant and objects it is scoped to, and its filters. A cursor handed to
// any other query is rejected as invalid instead of being silently
// misread.
type Scope struct {
	list List
	hash uint32
}

func newScope(l List, parts ...string) Scope {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return Scope{list: l, hash: h.Sum32()}
}

// GroupsScope is the scope of an organisation's group list.
func GroupsScope(orgID uuid.UUID, archived *bool) Scope {
	filter := "any"
	if archived != nil {
		filter = strconv.FormatBool(*archived)
	}
	return newScope(ListGroups, orgID.String(), filter)
}

// GroupChannelsScope is the scope of a group's channel list.
func GroupChannelsScope(orgID, groupID uuid.UUID, includeArchived bool) Scope {
	return newScope(ListGroupChannels, orgID.String(), groupID.String(), strconv.FormatBool(includeArchived))
}

// UngroupedScope is the scope of an organisation's ungrouped channel list.
func UngroupedScope(orgID uuid.UUID, includeArchived bool) Scope {
	return newScope(ListUngrouped, orgID.String(), strconv.FormatBool(includeArchived))
}

// DiscoverableScope is the scope of a user's discoverable channel list.
func DiscoverableScope(orgID, userID uuid.UUID, includeArchived bool) Scope {
	return newScope(ListDiscoverable, orgID.String(), userID.String(), strconv.FormatBool(includeArchived))
}

// ChannelGroupsScope is the scope of a workspace's channel group list.
func ChannelGroupsScope(workspaceID uuid.UUID, platformID string) Scope {
	return newScope(ListChannelGroups, workspaceID.String(), platformID)
}

// Key is a position in a list's sort order: the sort values of the last item
// of a page. Lists that do not sort by Pos leave it zero.
type Key struct {
	Pos  int64     // position (groups, group channels)
	Time int64     // creation time in Unix milliseconds
	ID   uuid.UUID // the item's ID, the final tie-breaker
}

// Encode returns the opaque cursor for k in the query of scope s.
func Encode(s Scope, k Key) string {
	b := make([]byte, 0, 5+2*binary.MaxVarintLen64+16)
	b = append(b, byte(s.list))
	b = binary.BigEndian.AppendUint32(b, s.hash)
	b = binary.AppendVarint(b, k.Pos)
	b = binary.AppendVarint(b, k.Time)
	b = append(b, k.ID[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode parses a cursor made by Encode for the query of scope s. An empty
// cursor gives ok == false and no error: start from the beginning.
func Decode(s Scope, cursor string) (k Key, ok bool, err error) {
	if cursor == "" {
		return Key{}, false, nil
	}
	bad := grouping.InvalidField("cursor", "cursor is not valid for this list")
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 5 || List(b[0]) != s.list || binary.BigEndian.Uint32(b[1:5]) != s.hash {
		return Key{}, false, bad
	}
	b = b[5:]
	var n int
	if k.Pos, n = binary.Varint(b); n <= 0 {
		return Key{}, false, bad
	}
	b = b[n:]
	if k.Time, n = binary.Varint(b); n <= 0 {
		return Key{}, false, bad
	}
	b = b[n:]
	if len(b) != len(k.ID) {
		return Key{}, false, bad
	}
	copy(k.ID[:], b)
	return k, true, nil
}

// Less reports whether a sorts before b in the order (Pos, Time, ID).
func (a Key) Less(b Key) bool {
	if a.Pos != b.Pos {
		return a.Pos < b.Pos
	}
	if a.Time != b.Time {
		return a.Time < b.Time
	}
	return string(a.ID[:]) < string(b.ID[:])
}
