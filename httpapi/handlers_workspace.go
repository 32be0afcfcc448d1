package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/channelgrouping/grouping"
)

// channelGroupList is the body of GET /workspaces/{workspaceId}/channel-groups.
type channelGroupList struct {
	Results       []grouping.ChannelGroup `json:"results"`
	NextPageToken string                  `json:"nextPageToken,omitempty"`
}

// appendJSON writes the list as encoding/json would.
func (l channelGroupList) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"results":`...)
	b, err := appendList(b, l.Results)
	if err != nil {
		return nil, err
	}
	if l.NextPageToken != "" {
		b = append(b, `,"nextPageToken":`...)
		b = appendJSONString(b, l.NextPageToken)
	}
	return append(b, '}'), nil
}

func handleChannelGroupList(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := query(r)
		var opts grouping.ListChannelGroupsOptions
		var err error
		if opts.Limit, err = queryLimit(q); err != nil {
			writeError(w, r, logger, err)
			return
		}
		if opts.Cursor, err = queryCursor(q, "pageToken"); err != nil {
			writeError(w, r, logger, err)
			return
		}
		if platformID, ok, err := queryParam(q, "platformId"); err != nil || ok {
			if err == nil {
				err = grouping.ValidatePlatformID(platformID)
			}
			if err != nil {
				writeError(w, r, logger, err)
				return
			}
			opts.PlatformID = platformID
		}
		page, err := store.ListChannelGroups(r.Context(), pathID(r, "workspaceId"), opts)
		if grouping.ErrorField(err) == "cursor" {
			// The store knows the page token as its cursor.
			err = grouping.InvalidField("pageToken", "pageToken is not valid for this list")
		}
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		encode(w, r, logger, http.StatusOK, channelGroupList{Results: nonNil(page.Items), NextPageToken: page.NextCursor})
	})
}

func handleChannelGroupGet(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cg, err := store.GetChannelGroup(r.Context(), pathID(r, "workspaceId"), pathID(r, "channelGroupId"))
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		encode(w, r, logger, http.StatusOK, cg)
	})
}

func handleChannelGroupDelete(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.DeleteChannelGroup(r.Context(), pathID(r, "workspaceId"), pathID(r, "channelGroupId")); err != nil {
			writeError(w, r, logger, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// channelAttachRequest is the body of
// PUT /workspaces/{workspaceId}/channels/{channelId}/channel-group.
type channelAttachRequest struct {
	PlatformID        string `json:"platformId"`
	PlatformGroupID   string `json:"platformGroupId"`
	PlatformGroupName string `json:"platformGroupName"`
}

func (req *channelAttachRequest) attach() grouping.ChannelGroupAttach {
	return grouping.ChannelGroupAttach{PlatformID: req.PlatformID, PlatformGroupID: req.PlatformGroupID, PlatformGroupName: req.PlatformGroupName}
}

func (req *channelAttachRequest) validate() error {
	_, err := req.attach().Validate()
	return err
}

func handleChannelAttach(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[channelAttachRequest](w, r)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		cg, err := store.AttachChannel(r.Context(), pathID(r, "workspaceId"), pathID(r, "channelId"), req.attach())
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		encode(w, r, logger, http.StatusOK, cg)
	})
}

func handleChannelDetach(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.DetachChannel(r.Context(), pathID(r, "workspaceId"), pathID(r, "channelId")); err != nil {
			writeError(w, r, logger, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
