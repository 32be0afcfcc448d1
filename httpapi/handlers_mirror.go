package httpapi

import (
	"log/slog"
	"net/http"
	"time"

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
// whole view of the channel. owner_id absent or null means the owner is
// unknown. users, when present (even empty), replaces the membership;
// absent or null leaves it unchanged. created_at, in the wire form of every
// time (2024-12-21T12:10:47.492Z), sets the channel's creation time;
// absent or null means now for a new channel and unchanged for an existing
// one.
type channelRequest struct {
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	OwnerID      *string  `json:"owner_id"`
	Archived     bool     `json:"archived"`
	MessageCount int64    `json:"message_count"`
	Users        []string `json:"users"`
	CreatedAt    *string  `json:"created_at"`

	ownerID   uuid.UUID
	users     []uuid.UUID
	createdAt time.Time
}

func (req *channelRequest) validate() (err error) {
	if req.OwnerID != nil {
		if req.ownerID, err = parseUUID("owner_id", *req.OwnerID); err != nil {
			return err
		}
		if req.ownerID == uuid.Nil {
			return grouping.InvalidField("owner_id", "owner_id must not be the nil UUID: leave it out or send null for an unknown owner")
		}
	}
	if req.Users != nil {
		if req.users, err = parseUUIDList("users", req.Users); err != nil {
			return err
		}
	}
	if req.CreatedAt != nil {
		if req.createdAt, err = parseTime("created_at", *req.CreatedAt); err != nil {
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
		CreatedAt:      req.createdAt,
		Users:          req.users,
	}
}

// wireTimeLayout is the one form of a time on the wire, in bodies as in
// answers: UTC with exactly three fractional digits.
const wireTimeLayout = "2006-01-02T15:04:05.000Z"

// parseTime parses a time of a request body in wireTimeLayout, strictly:
// other offsets, other precisions and other RFC 3339 forms are refused, so
// that a time has one spelling and nothing is silently rounded.
func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(wireTimeLayout, s)
	switch {
	case err != nil || t.Format(wireTimeLayout) != s: // time.Parse also takes a comma for the point
		return time.Time{}, grouping.InvalidField(field, "%s must be a time in UTC with milliseconds, such as 2024-12-21T12:10:47.492Z", field)
	case t.IsZero():
		// The zero time.Time means "not given" to the store.
		return time.Time{}, grouping.InvalidField(field, "%s must be later than 0001-01-01T00:00:00.000Z", field)
	}
	return t, nil
}

func handleChannelGet(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch, err := store.GetChannel(r.Context(), pathID(r, "organisation_id"), pathID(r, "channel_id"))
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Channel fetched successfully", ch, "")
	})
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
