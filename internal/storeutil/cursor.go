// Package storeutil holds what the module's stores share so that they behave
// identically: cursor encoding and the text of their errors.
package storeutil

import (
	"encoding/base64"
	"encoding/binary"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// List identifies which list a cursor belongs to, so that a cursor of one
// list handed to another is rejected instead of silently misread.
type List byte

// The lists of a Store.
const (
	ListGroups List = iota + 1
	ListGroupChannels
	ListUngrouped
	ListDiscoverable
	ListChannelGroups
)

// Key is a position in a list's sort order: the sort values of the last item
// of a page. Lists that do not sort by Pos leave it zero.
type Key struct {
	Pos  int64     // position (groups, group channels)
	Time int64     // creation time in Unix milliseconds
	ID   uuid.UUID // the item's ID, the final tie-breaker
}

// Encode returns the opaque cursor for k in list l.
func Encode(l List, k Key) string {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+16)
	b = append(b, byte(l))
	b = binary.AppendVarint(b, k.Pos)
	b = binary.AppendVarint(b, k.Time)
	b = append(b, k.ID[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode parses a cursor made by Encode for list l. An empty cursor gives
// ok == false and no error: start from the beginning.
func Decode(l List, s string) (k Key, ok bool, err error) {
	if s == "" {
		return Key{}, false, nil
	}
	bad := grouping.InvalidField("cursor", "cursor is not valid for this list")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 1 || List(b[0]) != l {
		return Key{}, false, bad
	}
	b = b[1:]
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
