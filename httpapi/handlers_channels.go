package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

func handleChannelAssign(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.AssignChannel(r.Context(), pathID(r, "organisation_id"), pathID(r, "group_id"), pathID(r, "channel_id")); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Group channel assigned successfully", nil, "")
	})
}

func handleChannelRemove(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.RemoveChannel(r.Context(), pathID(r, "organisation_id"), pathID(r, "group_id"), pathID(r, "channel_id")); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Group channel removed successfully", nil, "")
	})
}

func handleChannelMove(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.MoveChannel(r.Context(), pathID(r, "organisation_id"), pathID(r, "group_id"), pathID(r, "channel_id")); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Group channel moved successfully", nil, "")
	})
}

// groupChannelsRequest is the body of POST, DELETE and PATCH
// …/groups/{group_id}/channels: the channels of a bulk call.
type groupChannelsRequest struct {
	Channels []string `json:"channels"`
	ids      []uuid.UUID
}

func (req *groupChannelsRequest) validate() (err error) {
	req.ids, err = parseUUIDList("channels", req.Channels)
	return err
}

// bulkCall is one of the bulk methods of grouping.Store.
type bulkCall func(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error

// handleGroupChannelsBulk serves the bulk routes: it hands the channels of
// the body to call, which changes all of them or none, and answers message.
// The store checks the list itself (how many, repeated IDs); the error
// names every offending ID in "errors" (see writeError).
func handleGroupChannelsBulk(logger *slog.Logger, call bulkCall, message string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[groupChannelsRequest](w, r)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		if err := call(r.Context(), pathID(r, "organisation_id"), pathID(r, "group_id"), req.ids); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, message, nil, "")
	})
}

func handleGroupChannels(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opts, err := channelListOptions(query(r))
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		page, err := store.ListGroupChannels(r.Context(), pathID(r, "organisation_id"), pathID(r, "group_id"), opts)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Group channels fetched successfully", nonNil(page.Items), page.NextCursor)
	})
}

func handleUngroupedChannels(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opts, err := channelListOptions(query(r))
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		page, err := store.ListUngroupedChannels(r.Context(), pathID(r, "organisation_id"), opts)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Channels not in group fetched successfully", nonNil(page.Items), page.NextCursor)
	})
}

// handleDiscoverableChannels lists the channels the calling user is not a
// member of. The user is the authenticated principal's; in the open mode of
// WithoutAuthentication, where there is none, it is the required user_id
// query parameter.
func handleDiscoverableChannels(logger *slog.Logger, store grouping.Store, open bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := query(r)
		userID := principal(r).UserID
		if open {
			s, ok, err := queryParam(q, "user_id")
			switch {
			case err != nil:
			case !ok:
				err = grouping.InvalidField("user_id", "user_id is required")
			default:
				userID, err = parseUUID("user_id", s)
			}
			if err != nil {
				writeError(w, r, logger, err)
				return
			}
		} else if userID == uuid.Nil {
			writeError(w, r, logger, grouping.Errorf(codeForbidden, "Listing discoverable channels needs a signed-in user"))
			return
		}
		opts, err := channelListOptions(q)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		page, err := store.ListDiscoverableChannels(r.Context(), pathID(r, "organisation_id"), userID, opts)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Discoverable Channels for user fetched successfully", nonNil(page.Items), page.NextCursor)
	})
}

// groupChannelsOrderRequest is the body of PUT …/groups/{group_id}/channels/order.
type groupChannelsOrderRequest struct {
	ChannelIDs []string `json:"channel_ids"`
	ids        []uuid.UUID
}

func (req *groupChannelsOrderRequest) validate() (err error) {
	req.ids, err = parseUUIDList("channel_ids", req.ChannelIDs)
	return err
}

func handleGroupChannelsReorder(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[groupChannelsOrderRequest](w, r)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		if err := store.ReorderGroupChannels(r.Context(), pathID(r, "organisation_id"), pathID(r, "group_id"), req.ids); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Group channels reordered successfully", nil, "")
	})
}
