package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// organisationRequest is the body of PUT /organisations/{organisation_id}.
type organisationRequest struct {
	Name string `json:"name"`
}

func (req *organisationRequest) validate() error {
	_, err := grouping.ValidateName("name", req.Name)
	return err
}

func handleOrganisationPut(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[organisationRequest](w, r)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		org, err := store.UpsertOrganisation(r.Context(), grouping.Organisation{ID: pathID(r, "organisation_id"), Name: req.Name})
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Organisation saved successfully", org, "")
	})
}

// channelRequest is the body of PUT …/channels/{channel_id}: the host's
// whole view of the channel. users, when present (even empty), replaces the
// membership; absent or null leaves it unchanged.
type channelRequest struct {
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	OwnerID      string   `json:"owner_id"`
	Archived     bool     `json:"archived"`
	MessageCount int64    `json:"message_count"`
	Users        []string `json:"users"`

	ownerID uuid.UUID
	users   []uuid.UUID
}

func (req *channelRequest) validate() (err error) {
	if req.OwnerID == "" {
		return grouping.InvalidField("owner_id", "owner_id is required")
	}
	if req.ownerID, err = parseUUID("owner_id", req.OwnerID); err != nil {
		return err
	}
	if req.Users != nil {
		if req.users, err = parseUUIDList("users", req.Users); err != nil {
			return err
		}
	}
	_, err = req.upsert(uuid.Max, uuid.Max).Validate()
	return err
}

// upsert is the store's input for the channel in the request's path.
func (req *channelRequest) upsert(orgID, channelID uuid.UUID) grouping.ChannelUpsert {
	return grouping.ChannelUpsert{
		ID:             channelID,
		OrganisationID: orgID,
		Name:           req.Name,
		Description:    req.Description,
		OwnerID:        req.ownerID,
		Archived:       req.Archived,
		MessageCount:   req.MessageCount,
		Users:          req.users,
	}
}

func handleChannelPut(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[channelRequest](w, r)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		ch, err := store.UpsertChannel(r.Context(), req.upsert(pathID(r, "organisation_id"), pathID(r, "channel_id")))
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Channel saved successfully", ch, "")
	})
}

func handleChannelDelete(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.DeleteChannel(r.Context(), pathID(r, "organisation_id"), pathID(r, "channel_id")); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Channel deleted successfully", nil, "")
	})
}

func handleMemberPut(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.AddChannelMember(r.Context(), pathID(r, "organisation_id"), pathID(r, "channel_id"), pathID(r, "user_id")); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Channel member added successfully", nil, "")
	})
}

func handleMemberDelete(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.RemoveChannelMember(r.Context(), pathID(r, "organisation_id"), pathID(r, "channel_id"), pathID(r, "user_id")); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Channel member removed successfully", nil, "")
	})
}
