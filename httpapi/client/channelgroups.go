package client

import (
	"context"
	"net/http"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// The workspace routes answer errors as {"code":…,"message":…}, without a
// field; each call here says how to find the field of an invalid-input
// answer from what it sent (see request.fields).

// AttachChannel implements [grouping.Store] with
// PUT /workspaces/{workspaceId}/channels/{channelId}/channel-group (an
// extension route).
func (c *Client) AttachChannel(ctx context.Context, workspaceID, channelID uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	if err := checkUTF8("platformId", a.PlatformID, "platformGroupId", a.PlatformGroupID, "platformGroupName", a.PlatformGroupName); err != nil {
		return grouping.ChannelGroup{}, err
	}
	var cg grouping.ChannelGroup
	err := c.workspaceCall(ctx, request{
		method: http.MethodPut,
		path:   workspacePath(workspaceID) + "/channels/" + channelID.String() + "/channel-group",
		body:   attachBody{PlatformID: a.PlatformID, PlatformGroupID: a.PlatformGroupID, PlatformGroupName: a.PlatformGroupName},
		fields: func() error {
			if err := checkIDs(namedID{"workspaceId", workspaceID}, namedID{"channelId", channelID}); err != nil {
				return err
			}
			_, err := a.Validate()
			return err
		},
	}, &cg)
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	normaliseChannelGroup(&cg, workspaceID)
	return cg, nil
}

// DetachChannel implements [grouping.Store] with
// DELETE /workspaces/{workspaceId}/channels/{channelId}/channel-group (an
// extension route).
func (c *Client) DetachChannel(ctx context.Context, workspaceID, channelID uuid.UUID) error {
	return c.workspaceCall(ctx, request{
		method: http.MethodDelete,
		path:   workspacePath(workspaceID) + "/channels/" + channelID.String() + "/channel-group",
		fields: func() error { return checkIDs(namedID{"workspaceId", workspaceID}, namedID{"channelId", channelID}) },
	}, nil)
}

// GetChannelGroup implements [grouping.Store] with
// GET /workspaces/{workspaceId}/channel-groups/{channelGroupId}.
func (c *Client) GetChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) (grouping.ChannelGroup, error) {
	var cg grouping.ChannelGroup
	err := c.workspaceCall(ctx, request{
		method: http.MethodGet,
		path:   workspacePath(workspaceID) + "/channel-groups/" + channelGroupID.String(),
		fields: func() error {
			return checkIDs(namedID{"workspaceId", workspaceID}, namedID{"channelGroupId", channelGroupID})
		},
	}, &cg)
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	normaliseChannelGroup(&cg, workspaceID)
	return cg, nil
}

// ListChannelGroups implements [grouping.Store] with
// GET /workspaces/{workspaceId}/channel-groups and the query parameters
// platformId, limit and pageToken (opts.Cursor; the page's NextCursor is
// the answer's nextPageToken).
func (c *Client) ListChannelGroups(ctx context.Context, workspaceID uuid.UUID, opts grouping.ListChannelGroupsOptions) (grouping.Page[grouping.ChannelGroup], error) {
	q := pageQuery(opts.Limit, "pageToken", opts.Cursor)
	if opts.PlatformID != "" {
		q.Set("platformId", opts.PlatformID)
	}
	var list channelGroupList
	err := c.workspaceCall(ctx, request{
		method: http.MethodGet,
		path:   workspacePath(workspaceID) + "/channel-groups",
		query:  q,
		fields: func() error {
			if err := checkIDs(namedID{"workspaceId", workspaceID}); err != nil {
				return err
			}
			if opts.PlatformID != "" {
				if err := grouping.ValidatePlatformID(opts.PlatformID); err != nil {
					return err
				}
			}
			if _, err := grouping.ValidateLimit(opts.Limit); err != nil {
				return err
			}
			if opts.Cursor != "" {
				// What is left to refuse is the page token.
				return grouping.InvalidField("cursor", "cursor is not valid for this list")
			}
			return nil
		},
	}, &list)
	if err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, err
	}
	for i := range list.Results {
		normaliseChannelGroup(&list.Results[i], workspaceID)
	}
	return page(list.Results, list.NextPageToken), nil
}

// DeleteChannelGroup implements [grouping.Store] with
// DELETE /workspaces/{workspaceId}/channel-groups/{channelGroupId} (an
// extension route).
func (c *Client) DeleteChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) error {
	return c.workspaceCall(ctx, request{
		method: http.MethodDelete,
		path:   workspacePath(workspaceID) + "/channel-groups/" + channelGroupID.String(),
		fields: func() error {
			return checkIDs(namedID{"workspaceId", workspaceID}, namedID{"channelGroupId", channelGroupID})
		},
	}, nil)
}

// namedID is an ID argument with the name the API gives it.
type namedID struct {
	field string
	id    uuid.UUID
}

// checkIDs checks IDs as the stores do: the nil UUID is never a valid ID.
func checkIDs(ids ...namedID) error {
	for _, n := range ids {
		if err := grouping.ValidateID(n.field, n.id); err != nil {
			return err
		}
	}
	return nil
}
