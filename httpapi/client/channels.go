package client

import (
	"context"
	"net/http"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// AssignChannel implements [grouping.Store] with
// POST /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}.
func (c *Client) AssignChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	return c.groupChannelCall(ctx, http.MethodPost, orgID, groupID, channelID)
}

// RemoveChannel implements [grouping.Store] with
// DELETE /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}.
func (c *Client) RemoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	return c.groupChannelCall(ctx, http.MethodDelete, orgID, groupID, channelID)
}

// MoveChannel implements [grouping.Store] with
// PATCH /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}.
func (c *Client) MoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	return c.groupChannelCall(ctx, http.MethodPatch, orgID, groupID, channelID)
}

func (c *Client) groupChannelCall(ctx context.Context, method string, orgID, groupID, channelID uuid.UUID) error {
	_, _, err := c.orgCall(ctx, request{method: method, path: groupPath(orgID, groupID) + "/channels/" + channelID.String()}, nil)
	return err
}

// AssignChannels implements [grouping.Store] with
// POST /organisations/{organisation_id}/groups/{group_id}/channels and the
// body {"channels":[…]}. An error about offending channels names each of
// them in its Problems, as the store behind the server did.
func (c *Client) AssignChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	return c.groupChannelsCall(ctx, http.MethodPost, orgID, groupID, channelIDs)
}

// RemoveChannels implements [grouping.Store] with
// DELETE /organisations/{organisation_id}/groups/{group_id}/channels and
// the body {"channels":[…]}, with Problems as in AssignChannels.
func (c *Client) RemoveChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	return c.groupChannelsCall(ctx, http.MethodDelete, orgID, groupID, channelIDs)
}

// MoveChannels implements [grouping.Store] with
// PATCH /organisations/{organisation_id}/groups/{group_id}/channels (an
// extension route) and the body {"channels":[…]}, with Problems as in
// AssignChannels.
func (c *Client) MoveChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	return c.groupChannelsCall(ctx, http.MethodPatch, orgID, groupID, channelIDs)
}

// groupChannelsCall makes a bulk call. The list goes as it is, even empty
// or over grouping.MaxBulkChannels, for the server's store to judge.
func (c *Client) groupChannelsCall(ctx context.Context, method string, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	_, _, err := c.orgCall(ctx, request{
		method: method,
		path:   groupPath(orgID, groupID) + "/channels",
		body:   groupChannelsBody{Channels: nonNil(channelIDs)},
	}, nil)
	return err
}

// ReorderGroupChannels implements [grouping.Store] with
// PUT /organisations/{organisation_id}/groups/{group_id}/channels/order
// (an extension route).
func (c *Client) ReorderGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	_, _, err := c.orgCall(ctx, request{
		method: http.MethodPut,
		path:   groupPath(orgID, groupID) + "/channels/order",
		body:   channelOrderBody{ChannelIDs: nonNil(channelIDs)},
	}, nil)
	return err
}

// ListGroupChannels implements [grouping.Store] with
// GET /organisations/{organisation_id}/groups/{group_id}/channels and the
// query parameters include_archived, limit and cursor.
func (c *Client) ListGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	return c.channelList(ctx, request{method: http.MethodGet, path: groupPath(orgID, groupID) + "/channels", query: channelListQuery(opts)})
}

// ListUngroupedChannels implements [grouping.Store] with
// GET /organisations/{organisation_id}/groups/channels/no-group and the
// query parameters include_archived, limit and cursor.
func (c *Client) ListUngroupedChannels(ctx context.Context, orgID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	return c.channelList(ctx, request{method: http.MethodGet, path: orgPath(orgID) + "/groups/channels/no-group", query: channelListQuery(opts)})
}

// ListDiscoverableChannels implements [grouping.Store] with
// GET /organisations/{organisation_id}/groups/channels/user-no-group and
// the query parameters include_archived, limit and cursor.
//
// The route lists for the user the call's credentials name, so userID
// must be that user: the package documentation says how the client checks
// it. When it cannot, or userID is another user or the nil UUID, the call
// fails with a grouping.Invalid error naming user_id, without a request.
func (c *Client) ListDiscoverableChannels(ctx context.Context, orgID, userID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := grouping.ValidateID("user_id", userID); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	q := channelListQuery(opts)
	switch cr := c.credentialsFor(ctx); {
	case cr.user != uuid.Nil && cr.user != userID:
		return grouping.Page[grouping.Channel]{}, grouping.InvalidField("user_id",
			"user_id must be the user the credentials name (%s): the server lists discoverable channels for that user", cr.user)
	case cr.none():
		// Only a server without authentication answers: it reads the user
		// from the query.
		q.Set("user_id", userID.String())
	case cr.user == uuid.Nil && cr.authorize == nil:
		return grouping.Page[grouping.Channel]{}, grouping.InvalidField("user_id",
			"the client cannot tell which user its bearer token names, and the server lists discoverable channels for that user: declare it with WithUser or WithUserToken")
	}
	return c.channelList(ctx, request{
		method: http.MethodGet,
		path:   orgPath(orgID) + "/groups/channels/user-no-group",
		query:  q,
		user:   &userID,
	})
}

// channelList makes a call that answers a page of channels.
func (c *Client) channelList(ctx context.Context, r request) (grouping.Page[grouping.Channel], error) {
	var items []grouping.Channel
	_, next, err := c.orgCall(ctx, r, &items)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	for i := range items {
		normaliseChannel(&items[i])
	}
	return page(items, next), nil
}
