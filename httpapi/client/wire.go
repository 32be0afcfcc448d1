package client

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// Request bodies, as the OpenAPI document describes them.

type groupCreateBody struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type groupUpdateBody struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Archived    *bool   `json:"archived,omitempty"`
}

type organisationBody struct {
	Name string `json:"name"`
}

type channelBody struct {
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	OwnerID      *uuid.UUID   `json:"owner_id,omitempty"`
	Archived     bool         `json:"archived"`
	MessageCount int64        `json:"message_count"`
	Users        *[]uuid.UUID `json:"users,omitempty"`
	CreatedAt    string       `json:"created_at,omitempty"`
}

type groupOrderBody struct {
	GroupIDs []uuid.UUID `json:"group_ids"`
}

type channelOrderBody struct {
	ChannelIDs []uuid.UUID `json:"channel_ids"`
}

type groupChannelsBody struct {
	Channels []uuid.UUID `json:"channels"`
}

type attachBody struct {
	PlatformID        string `json:"platformId"`
	PlatformGroupID   string `json:"platformGroupId"`
	PlatformGroupName string `json:"platformGroupName"`
}

// channelGroupList is the body of the workspace list.
type channelGroupList struct {
	Results       []grouping.ChannelGroup `json:"results"`
	NextPageToken string                  `json:"nextPageToken"`
}

// wireTimeLayout is the API's form of a time, as in 2024-12-21T12:10:47.492Z.
const wireTimeLayout = "2006-01-02T15:04:05.000Z"

// wireTime formats t for a request body.
func wireTime(t time.Time) string {
	return grouping.Timestamp(t).Format(wireTimeLayout)
}

// checkUTF8 refuses text that JSON cannot carry: encoding/json would
// replace invalid bytes, and the server would store other text than the
// caller gave. The error is the one the grouping package's validation
// gives.
func checkUTF8(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if !utf8.ValidString(fields[i+1]) {
			return grouping.InvalidField(fields[i], "%s must be valid UTF-8", fields[i])
		}
	}
	return nil
}

// etag is the entity tag the API gives a group version.
func etag(version int64) string {
	return `"` + strconv.FormatInt(version, 10) + `"`
}

// versionOf reads a group version from a strong ETag such as "3"; 0 when
// there is none.
func versionOf(tag string) int64 {
	tag = strings.TrimSpace(tag)
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0
	}
	v, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// ---- query parameters ----

// pageQuery returns a query with limit and cursor under cursorName, each
// only when set. A limit out of range is sent as it is, for the server to
// refuse.
func pageQuery(limit int, cursorName, cursor string) url.Values {
	q := url.Values{}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set(cursorName, cursor)
	}
	return q
}

func channelListQuery(opts grouping.ListChannelsOptions) url.Values {
	q := pageQuery(opts.Limit, "cursor", opts.Cursor)
	if opts.IncludeArchived {
		q.Set("include_archived", "true")
	}
	return q
}

// ---- paths ----

func orgPath(orgID uuid.UUID) string { return "/organisations/" + orgID.String() }

func groupPath(orgID, groupID uuid.UUID) string {
	return orgPath(orgID) + "/groups/" + groupID.String()
}

func channelPath(orgID, channelID uuid.UUID) string {
	return orgPath(orgID) + "/channels/" + channelID.String()
}

func workspacePath(workspaceID uuid.UUID) string { return "/workspaces/" + workspaceID.String() }

// ---- times ----

// The API writes times in UTC with milliseconds; these normalise what was
// read the same way stores do, whatever offset a server used.

func normaliseOrganisation(o *grouping.Organisation) {
	o.CreatedAt = grouping.Timestamp(o.CreatedAt)
}

func normaliseChannel(ch *grouping.Channel) {
	ch.CreatedAt = grouping.Timestamp(ch.CreatedAt)
	ch.DeletedAt = normaliseTimePtr(ch.DeletedAt)
}

func normaliseGroup(g *grouping.Group) {
	g.CreatedAt = grouping.Timestamp(g.CreatedAt)
	g.UpdatedAt = grouping.Timestamp(g.UpdatedAt)
	g.DeletedAt = normaliseTimePtr(g.DeletedAt)
	for i := range g.Channels {
		normaliseChannel(&g.Channels[i])
	}
}

func normaliseChannelGroup(cg *grouping.ChannelGroup, workspaceID uuid.UUID) {
	cg.WorkspaceID = workspaceID
	cg.CreatedAt = grouping.Timestamp(cg.CreatedAt)
	cg.UpdatedAt = grouping.Timestamp(cg.UpdatedAt)
	if cg.ChannelIDs == nil {
		cg.ChannelIDs = []uuid.UUID{}
	}
}

func normaliseTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := grouping.Timestamp(*t)
	return &n
}
