package client

import (
	"context"
	"net/http"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// UpsertOrganisation implements [grouping.Store] with
// PUT /organisations/{organisation_id} (an extension route). org.CreatedAt
// is not sent: the server keeps the creation time it has.
func (c *Client) UpsertOrganisation(ctx context.Context, org grouping.Organisation) (grouping.Organisation, error) {
	if err := checkUTF8("name", org.Name); err != nil {
		return grouping.Organisation{}, err
	}
	var out grouping.Organisation
	_, _, err := c.orgCall(ctx, request{method: http.MethodPut, path: orgPath(org.ID), body: organisationBody{Name: org.Name}}, &out)
	if err != nil {
		return grouping.Organisation{}, err
	}
	normaliseOrganisation(&out)
	return out, nil
}

// UpsertChannel implements [grouping.Store] with
// PUT /organisations/{organisation_id}/channels/{channel_id} (an extension
// route). OwnerID is sent as owner_id only when it is not the nil UUID, so
// that an unknown owner stays unknown; Users only when it is not nil, so
// that nil leaves the membership as it is; CreatedAt as created_at only
// when it is not zero, normalised to UTC milliseconds as stores keep it.
func (c *Client) UpsertChannel(ctx context.Context, ch grouping.ChannelUpsert) (grouping.Channel, error) {
	if err := checkUTF8("name", ch.Name, "description", ch.Description); err != nil {
		return grouping.Channel{}, err
	}
	body := channelBody{
		Name:         ch.Name,
		Description:  ch.Description,
		Archived:     ch.Archived,
		MessageCount: ch.MessageCount,
	}
	if ch.OwnerID != uuid.Nil {
		body.OwnerID = &ch.OwnerID
	}
	if ch.Users != nil {
		body.Users = &ch.Users
	}
	if !ch.CreatedAt.IsZero() {
		body.CreatedAt = wireTime(ch.CreatedAt)
	}
	var out grouping.Channel
	_, _, err := c.orgCall(ctx, request{method: http.MethodPut, path: channelPath(ch.OrganisationID, ch.ID), body: body}, &out)
	if err != nil {
		return grouping.Channel{}, err
	}
	normaliseChannel(&out)
	return out, nil
}

// GetChannel implements [grouping.Store] with
// GET /organisations/{organisation_id}/channels/{channel_id} (an extension
// route). The channel comes with its members.
func (c *Client) GetChannel(ctx context.Context, orgID, channelID uuid.UUID) (grouping.Channel, error) {
	var out grouping.Channel
	_, _, err := c.orgCall(ctx, request{method: http.MethodGet, path: channelPath(orgID, channelID)}, &out)
	if err != nil {
		return grouping.Channel{}, err
	}
	normaliseChannel(&out)
	return out, nil
}

// DeleteChannel implements [grouping.Store] with
// DELETE /organisations/{organisation_id}/channels/{channel_id} (an
// extension route).
func (c *Client) DeleteChannel(ctx context.Context, orgID, channelID uuid.UUID) error {
	_, _, err := c.orgCall(ctx, request{method: http.MethodDelete, path: channelPath(orgID, channelID)}, nil)
	return err
}

// AddChannelMember implements [grouping.Store] with
// PUT /organisations/{organisation_id}/channels/{channel_id}/users/{user_id}
// (an extension route).
func (c *Client) AddChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error {
	_, _, err := c.orgCall(ctx, request{method: http.MethodPut, path: channelPath(orgID, channelID) + "/users/" + userID.String()}, nil)
	return err
}

// RemoveChannelMember implements [grouping.Store] with
// DELETE /organisations/{organisation_id}/channels/{channel_id}/users/{user_id}
// (an extension route).
func (c *Client) RemoveChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error {
	_, _, err := c.orgCall(ctx, request{method: http.MethodDelete, path: channelPath(orgID, channelID) + "/users/" + userID.String()}, nil)
	return err
}
