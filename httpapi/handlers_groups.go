package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// groupCreateRequest is the body of POST …/groups. organisation_id is
// accepted for the clients of the reference implementation, whose request
// type declares it; see checkBodyOrganisation.
type groupCreateRequest struct {
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	OrganisationID *string `json:"organisation_id"`
}

func (req *groupCreateRequest) validate() error {
	_, err := grouping.NewGroup{Name: req.Name, Description: req.Description}.Validate()
	return err
}

// groupUpdateRequest is the body of PATCH …/groups/{group_id}. Absent and
// null fields are left unchanged. organisation_id is accepted as in
// groupCreateRequest and changes nothing.
type groupUpdateRequest struct {
	Name           *string `json:"name"`
	Description    *string `json:"description"`
	Archived       *bool   `json:"archived"`
	OrganisationID *string `json:"organisation_id"`
}

func (req *groupUpdateRequest) update() grouping.GroupUpdate {
	return grouping.GroupUpdate{Name: req.Name, Description: req.Description, Archived: req.Archived}
}

func (req *groupUpdateRequest) validate() error {
	_, err := req.update().Validate()
	if grouping.ErrorField(err) == "" && grouping.ErrorCode(err) == grouping.Invalid {
		// The only field-less failure is an empty update.
		return grouping.InvalidField("body", "at least one of name, description or archived is required (null counts as absent)")
	}
	return err
}

func handleGroupCreate(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[groupCreateRequest](w, r)
		if err == nil {
			err = checkBodyOrganisation(r, req.OrganisationID)
		}
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		g, err := store.CreateGroup(r.Context(), pathID(r, "organisation_id"), grouping.NewGroup{Name: req.Name, Description: req.Description})
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		w.Header().Set("ETag", etag(g.Version))
		respond(w, r, logger, "Group created successfully", g, "")
	})
}

func handleGroupList(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := query(r)
		var opts grouping.ListGroupsOptions
		var err error
		if opts.IncludeChannels, err = queryIncludeChannels(q); err != nil {
			writeError(w, r, logger, err)
			return
		}
		if opts.Archived, err = queryBool(q, "archived"); err != nil {
			writeError(w, r, logger, err)
			return
		}
		if opts.Limit, err = queryLimit(q); err != nil {
			writeError(w, r, logger, err)
			return
		}
		if opts.Cursor, err = queryCursor(q, "cursor"); err != nil {
			writeError(w, r, logger, err)
			return
		}
		page, err := store.ListGroups(r.Context(), pathID(r, "organisation_id"), opts)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Groups fetched successfully", nonNil(page.Items), page.NextCursor)
	})
}

func handleGroupGet(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		include, err := queryIncludeChannels(query(r))
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		g, err := store.GetGroup(r.Context(), pathID(r, "organisation_id"), pathID(r, "group_id"), grouping.GetGroupOptions{IncludeChannels: include})
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		w.Header().Set("ETag", etag(g.Version))
		respond(w, r, logger, "Group fetched successfully", g, "")
	})
}

func handleGroupUpdate(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		orgID, groupID := pathID(r, "organisation_id"), pathID(r, "group_id")
		pre, err := ifMatch(r.Header)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		req, err := decode[groupUpdateRequest](w, r)
		if err == nil {
			err = checkBodyOrganisation(r, req.OrganisationID)
		}
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		u := req.update()
		if u.IfVersion, err = matchVersion(r.Context(), store, orgID, groupID, pre); err != nil {
			writeError(w, r, logger, err)
			return
		}
		g, err := store.UpdateGroup(r.Context(), orgID, groupID, u)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		w.Header().Set("ETag", etag(g.Version))
		respond(w, r, logger, "Group updated successfully", g, "")
	})
}

func handleGroupDelete(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		orgID, groupID := pathID(r, "organisation_id"), pathID(r, "group_id")
		pre, err := ifMatch(r.Header)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		version, err := matchVersion(r.Context(), store, orgID, groupID, pre)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		if err := store.DeleteGroup(r.Context(), orgID, groupID, version); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Group deleted successfully", nil, "")
	})
}

// checkBodyOrganisation checks the organisation_id of a group body: absent
// or null, or the organisation of the request's path (in the one spelling
// of UUIDs that paths have). Clients of the reference implementation send
// it; anything else is invalid input naming organisation_id, as a group
// cannot be created in or moved to another organisation.
func checkBodyOrganisation(r *http.Request, orgID *string) error {
	if orgID == nil {
		return nil
	}
	id, err := parseUUID("organisation_id", *orgID)
	if err != nil {
		return err
	}
	if id != pathID(r, "organisation_id") {
		return grouping.InvalidField("organisation_id", "organisation_id must be the organisation of the path, or be left out")
	}
	return nil
}

// matchVersion turns an If-Match precondition (see ifMatch) into the
// version a group change is conditional on, 0 for none. One candidate
// version is left to the store, which checks it atomically with the
// change. Otherwise the group is read: a missing group is not found, as it
// would be without If-Match (RFC 9110, section 13.2.1), and the change is
// made conditional on the current version if the list holds it, or fails
// with 412 if not. The store still checks that version atomically, so a
// change in between is caught.
func matchVersion(ctx context.Context, store grouping.Store, orgID, groupID uuid.UUID, pre precondition) (int64, error) {
	switch {
	case !pre.conditional:
		return 0, nil
	case len(pre.versions) == 1:
		return pre.versions[0], nil
	}
	g, err := store.GetGroup(ctx, orgID, groupID, grouping.GetGroupOptions{})
	if err != nil {
		return 0, err
	}
	if !slices.Contains(pre.versions, g.Version) {
		return 0, grouping.Errorf(grouping.PreconditionFailed, "If-Match does not match the group's current ETag")
	}
	return g.Version, nil
}

// groupsOrderRequest is the body of PUT …/groups/order.
type groupsOrderRequest struct {
	GroupIDs []string `json:"group_ids"`
	ids      []uuid.UUID
}

func (req *groupsOrderRequest) validate() (err error) {
	req.ids, err = parseUUIDList("group_ids", req.GroupIDs)
	return err
}

func handleGroupsReorder(logger *slog.Logger, store grouping.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[groupsOrderRequest](w, r)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		if err := store.ReorderGroups(r.Context(), pathID(r, "organisation_id"), req.ids); err != nil {
			writeError(w, r, logger, err)
			return
		}
		respond(w, r, logger, "Groups reordered successfully", nil, "")
	})
}

// parseUUIDList parses a required list of UUIDs from a request body, each
// in the one spelling parseUUID accepts.
func parseUUIDList(field string, ss []string) ([]uuid.UUID, error) {
	if ss == nil {
		return nil, grouping.InvalidField(field, "%s is required", field)
	}
	ids := make([]uuid.UUID, len(ss))
	for i, s := range ss {
		id, err := parseUUID(field, s)
		if err != nil {
			return nil, grouping.InvalidField(field, "%s must hold only UUIDs", field)
		}
		ids[i] = id
	}
	return ids, nil
}
