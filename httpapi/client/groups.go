package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// CreateGroup implements [grouping.Store] with
// POST /organisations/{organisation_id}/groups. Version is read from the
// response's ETag.
func (c *Client) CreateGroup(ctx context.Context, orgID uuid.UUID, g grouping.NewGroup) (grouping.Group, error) {
	if err := checkUTF8("name", g.Name, "description", g.Description); err != nil {
		return grouping.Group{}, err
	}
	return c.groupCall(ctx, request{
		method: http.MethodPost,
		path:   orgPath(orgID) + "/groups",
		body:   groupCreateBody{Name: g.Name, Description: g.Description},
	})
}

// GetGroup implements [grouping.Store] with
// GET /organisations/{organisation_id}/groups/{group_id}, with
// include=channels when opts.IncludeChannels is set. Version is read from
// the response's ETag.
func (c *Client) GetGroup(ctx context.Context, orgID, groupID uuid.UUID, opts grouping.GetGroupOptions) (grouping.Group, error) {
	q := url.Values{}
	if opts.IncludeChannels {
		q.Set("include", "channels")
	}
	return c.groupCall(ctx, request{method: http.MethodGet, path: groupPath(orgID, groupID), query: q})
}

// ListGroups implements [grouping.Store] with
// GET /organisations/{organisation_id}/groups and the query parameters
// archived, include, limit and cursor. The listed groups carry no
// version: their Version is 0.
func (c *Client) ListGroups(ctx context.Context, orgID uuid.UUID, opts grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	q := pageQuery(opts.Limit, "cursor", opts.Cursor)
	if opts.Archived != nil {
		q.Set("archived", strconv.FormatBool(*opts.Archived))
	}
	if opts.IncludeChannels {
		q.Set("include", "channels")
	}
	var items []grouping.Group
	_, next, err := c.orgCall(ctx, request{method: http.MethodGet, path: orgPath(orgID) + "/groups", query: q}, &items)
	if err != nil {
		return grouping.Page[grouping.Group]{}, err
	}
	for i := range items {
		normaliseGroup(&items[i])
	}
	return page(items, next), nil
}

// UpdateGroup implements [grouping.Store] with
// PATCH /organisations/{organisation_id}/groups/{group_id}, sending the
// fields of u that are set, and u.IfVersion as If-Match when it is not
// zero. Version is read from the response's ETag.
func (c *Client) UpdateGroup(ctx context.Context, orgID, groupID uuid.UUID, u grouping.GroupUpdate) (grouping.Group, error) {
	if err := grouping.ValidateVersion(u.IfVersion); err != nil {
		return grouping.Group{}, err
	}
	var name, description string
	if u.Name != nil {
		name = *u.Name
	}
	if u.Description != nil {
		description = *u.Description
	}
	if err := checkUTF8("name", name, "description", description); err != nil {
		return grouping.Group{}, err
	}
	return c.groupCall(ctx, request{
		method: http.MethodPatch,
		path:   groupPath(orgID, groupID),
		body:   groupUpdateBody{Name: u.Name, Description: u.Description, Archived: u.Archived},
		ifVer:  u.IfVersion,
	})
}

// DeleteGroup implements [grouping.Store] with
// DELETE /organisations/{organisation_id}/groups/{group_id}, sending
// ifVersion as If-Match when it is not zero.
func (c *Client) DeleteGroup(ctx context.Context, orgID, groupID uuid.UUID, ifVersion int64) error {
	if err := grouping.ValidateVersion(ifVersion); err != nil {
		return err
	}
	_, _, err := c.orgCall(ctx, request{method: http.MethodDelete, path: groupPath(orgID, groupID), ifVer: ifVersion}, nil)
	return err
}

// ReorderGroups implements [grouping.Store] with
// PUT /organisations/{organisation_id}/groups/order (an extension route).
func (c *Client) ReorderGroups(ctx context.Context, orgID uuid.UUID, groupIDs []uuid.UUID) error {
	_, _, err := c.orgCall(ctx, request{
		method: http.MethodPut,
		path:   orgPath(orgID) + "/groups/order",
		body:   groupOrderBody{GroupIDs: nonNil(groupIDs)},
	}, nil)
	return err
}

// groupCall makes a call that answers one group and its version as ETag.
func (c *Client) groupCall(ctx context.Context, r request) (grouping.Group, error) {
	var g grouping.Group
	h, _, err := c.orgCall(ctx, r, &g)
	if err != nil {
		return grouping.Group{}, err
	}
	normaliseGroup(&g)
	g.Version = versionOf(h.Get("ETag"))
	return g, nil
}

// page makes a page of items, never nil.
func page[T any](items []T, next string) grouping.Page[T] {
	return grouping.Page[T]{Items: nonNil(items), NextCursor: next}
}

// nonNil returns s, or an empty slice for nil, so that it is sent as []
// and handed out as a list that is never nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
