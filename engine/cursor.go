package engine

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"strconv"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// list identifies which list a cursor belongs to.
type list byte

// The lists of a Store.
const (
	listGroups list = iota + 1
	listGroupChannels
	listUngrouped
	listDiscoverable
	listChannelGroups
)

// scope identifies the exact query a cursor belongs to: the list, the tenant
// and objects it is scoped to, and its filters. A cursor handed to any other
// query is rejected as invalid instead of being silently misread.
type scope struct {
	list list
	hash uint32
}

func newScope(l list, parts ...string) scope {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return scope{list: l, hash: h.Sum32()}
}

func groupsScope(orgID uuid.UUID, archived *bool) scope {
	filter := "any"
	if archived != nil {
		filter = strconv.FormatBool(*archived)
	}
	return newScope(listGroups, orgID.String(), filter)
}

func groupChannelsScope(orgID, groupID uuid.UUID, includeArchived bool) scope {
	return newScope(listGroupChannels, orgID.String(), groupID.String(), strconv.FormatBool(includeArchived))
}

func ungroupedScope(orgID uuid.UUID, includeArchived bool) scope {
	return newScope(listUngrouped, orgID.String(), strconv.FormatBool(includeArchived))
}

func discoverableScope(orgID, userID uuid.UUID, includeArchived bool) scope {
	return newScope(listDiscoverable, orgID.String(), userID.String(), strconv.FormatBool(includeArchived))
}

func channelGroupsScope(workspaceID uuid.UUID, platformID string) scope {
	return newScope(listChannelGroups, workspaceID.String(), platformID)
}

// encode returns the opaque cursor for k in the query of scope s.
func (s scope) encode(k driver.Key) string {
	b := make([]byte, 0, 5+2*binary.MaxVarintLen64+16)
	b = append(b, byte(s.list))
	b = binary.BigEndian.AppendUint32(b, s.hash)
	b = binary.AppendVarint(b, k.Pos)
	b = binary.AppendVarint(b, k.Time)
	b = append(b, k.ID[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errBadCursor is the error of every cursor that does not belong to the query.
var errBadCursor = grouping.InvalidField("cursor", "cursor is not valid for this list")

// decode parses a cursor made by encode for the query of scope s. An empty
// cursor gives nil: start from the beginning.
func (s scope) decode(cursor string) (*driver.Key, error) {
	if cursor == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 5 || list(b[0]) != s.list || binary.BigEndian.Uint32(b[1:5]) != s.hash {
		return nil, errBadCursor
	}
	b = b[5:]
	var k driver.Key
	var n int
	if k.Pos, n = binary.Varint(b); n <= 0 {
		return nil, errBadCursor
	}
	b = b[n:]
	if k.Time, n = binary.Varint(b); n <= 0 {
		return nil, errBadCursor
	}
	b = b[n:]
	if len(b) != len(k.ID) {
		return nil, errBadCursor
	}
	copy(k.ID[:], b)
	return &k, nil
}

// page validates a requested limit and cursor for the query of scope s.
func (s scope) page(limit int, cursor string) (driver.Page, error) {
	n, err := grouping.ValidateLimit(limit)
	if err != nil {
		return driver.Page{}, err
	}
	after, err := s.decode(cursor)
	if err != nil {
		return driver.Page{}, err
	}
	return driver.Page{After: after, Limit: n}, nil
}

// result turns a driver's list into a page of grouping: never nil items,
// and the cursor of the next page when more items follow.
func result[T any](s scope, l driver.List[T]) grouping.Page[T] {
	p := grouping.Page[T]{Items: l.Items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if l.More && len(l.Items) > 0 {
		p.NextCursor = s.encode(l.Last)
	}
	return p
}
