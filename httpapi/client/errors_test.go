package client_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi/client"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestErrorEnvelopes feeds both error shapes, and responses that are
// neither, to the client and checks the error it returns.
func TestErrorEnvelopes(t *testing.T) {
	org, ws := uuid.New(), uuid.New()
	orgCall := func(c *client.Client) error {
		_, err := c.CreateGroup(t.Context(), org, grouping.NewGroup{Name: "Sales"})
		return err
	}
	wsGet := func(c *client.Client) error {
		_, err := c.GetChannelGroup(t.Context(), ws, uuid.New())
		return err
	}
	wsList := func(opts grouping.ListChannelGroupsOptions) func(c *client.Client) error {
		return func(c *client.Client) error {
			_, err := c.ListChannelGroups(t.Context(), ws, opts)
			return err
		}
	}
	wsAttach := func(a grouping.ChannelGroupAttach) func(c *client.Client) error {
		return func(c *client.Client) error {
			_, err := c.AttachChannel(t.Context(), ws, uuid.New(), a)
			return err
		}
	}
	id1, id2 := "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
	bulkCall := func(c *client.Client) error {
		return c.AssignChannels(t.Context(), org, uuid.New(), []uuid.UUID{uuid.New()})
	}
	orgErr := func(status int, msg string) string {
		return `{"status":"error","status_code":` + strconv.Itoa(status) + `,"message":"` + msg + `"}`
	}
	wsErr := func(code, msg string) string { return `{"code":"` + code + `","message":"` + msg + `"}` }
	goodAttach := grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "acct"}

	cases := []struct {
		name    string
		call    func(c *client.Client) error
		status  int
		body    string
		headers []string
		code    grouping.Code
		message string
		field   string
		cause   int // status of the wrapped *StatusError, 0 for none
	}{
		// Organisation shape: the code comes from the status.
		{"Org/Invalid", orgCall, 400, `{"status":"error","status_code":400,"message":"name is required","errors":{"name":"name is required"}}`, nil,
			grouping.Invalid, "name is required", "name", 0},
		{"Org/InvalidWithoutField", orgCall, 400, orgErr(400, "bad"), nil, grouping.Invalid, "bad", "", 0},
		{"Org/NotFound", orgCall, 404, orgErr(404, "Organisation not found"), nil, grouping.NotFound, "Organisation not found", "", 0},
		{"Org/Conflict", orgCall, 409, orgErr(409, "Group name already exists"), nil, grouping.Conflict, "Group name already exists", "", 0},
		{"Org/PreconditionFailed", orgCall, 412, orgErr(412, "stale"), nil, grouping.PreconditionFailed, "stale", "", 0},
		{"Org/Unauthenticated", orgCall, 401, orgErr(401, "Authentication required"), []string{"WWW-Authenticate", "Bearer"},
			client.Unauthenticated, "Authentication required", "", 0},
		{"Org/Forbidden", orgCall, 403, orgErr(403, "You do not have access to this organisation"), nil,
			client.Forbidden, "You do not have access to this organisation", "", 0},
		{"Org/MethodNotAllowed", orgCall, 405, orgErr(405, "Method not allowed"), nil, client.MethodNotAllowed, "Method not allowed", "", 0},
		{"Org/PayloadTooLarge", orgCall, 413, orgErr(413, "too large"), nil, client.PayloadTooLarge, "too large", "", 0},
		{"Org/UnsupportedMediaType", orgCall, 415, orgErr(415, "json only"), nil, client.UnsupportedMediaType, "json only", "", 0},
		{"Org/Internal", orgCall, 500, orgErr(500, "Internal server error"), nil, grouping.Internal, "Internal server error", "", 500},
		{"Org/Unavailable", orgCall, 503, orgErr(503, "busy"), []string{"Retry-After", "2"}, grouping.Unavailable, "busy", "", 503},
		{"Org/InsufficientStorage", orgCall, 507, orgErr(507, "disk full"), nil, grouping.InsufficientStorage, "disk full", "", 507},
		{"Org/OtherServerError", orgCall, 502, orgErr(502, "upstream"), nil, grouping.Internal, "upstream", "", 502},
		// A bulk call's offending IDs, with or without a field.
		{"Org/BulkNotFound", bulkCall, 404, `{"status":"error","status_code":404,"message":"No channel was assigned","errors":{"` + id1 + `":"Channel not found","` + id2 + `":"Channel not found"}}`, nil,
			grouping.NotFound, "No channel was assigned", "", 0},
		{"Org/BulkRepeated", bulkCall, 400, `{"status":"error","status_code":400,"message":"channels lists it twice","errors":{"channels":"channels lists it twice","` + id1 + `":"Channel is listed more than once"}}`, nil,
			grouping.Invalid, "channels lists it twice", "channels", 0},

		// Workspace shape: the code comes from the body.
		{"Workspace/NotFound", wsGet, 404, wsErr("not_found", "Channel group not found"), nil, grouping.NotFound, "Channel group not found", "", 0},
		{"Workspace/Unauthenticated", wsGet, 401, wsErr("unauthorized", "Authentication required"), nil, client.Unauthenticated, "Authentication required", "", 0},
		{"Workspace/Forbidden", wsGet, 403, wsErr("forbidden", "You do not have access to this workspace"), nil, client.Forbidden, "You do not have access to this workspace", "", 0},
		{"Workspace/Unavailable", wsGet, 503, wsErr("unavailable", "busy"), nil, grouping.Unavailable, "busy", "", 503},
		{"Workspace/Internal", wsGet, 500, wsErr("internal", "Internal server error"), nil, grouping.Internal, "Internal server error", "", 500},
		{"Workspace/UnknownCodeUsesStatus", wsGet, 409, wsErr("teapot", "short and stout"), nil, grouping.Conflict, "short and stout", "", 0},
		// The workspace shape has no field: the client finds it in what it sent.
		{"Workspace/FieldOfFilter", wsList(grouping.ListChannelGroupsOptions{PlatformID: "wa_1"}), 400, wsErr("invalid", "platformId must match ^[A-Za-z0-9-]+$"), nil,
			grouping.Invalid, "platformId must match ^[A-Za-z0-9-]+$", "platformId", 0},
		{"Workspace/FieldOfLimit", wsList(grouping.ListChannelGroupsOptions{Limit: 5000}), 400, wsErr("invalid", "limit must be an integer from 1 to 1000"), nil,
			grouping.Invalid, "limit must be an integer from 1 to 1000", "limit", 0},
		{"Workspace/FieldOfPageToken", wsList(grouping.ListChannelGroupsOptions{Cursor: "junk"}), 400, wsErr("invalid", "pageToken is not valid for this list"), nil,
			grouping.Invalid, "pageToken is not valid for this list", "cursor", 0},
		{"Workspace/FieldOfBody", wsAttach(grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: " "}), 400, wsErr("invalid", "platformGroupId is required"), nil,
			grouping.Invalid, "platformGroupId is required", "platformGroupId", 0},
		{"Workspace/NoFieldToFind", wsAttach(goodAttach), 400, wsErr("invalid", "something else"), nil,
			grouping.Invalid, "something else", "", 0},

		// Not the API's answers.
		{"NotTheAPI/ProxyPage", orgCall, 502, "<html>Bad Gateway</html>", nil, grouping.Internal, "client: unexpected response from the server", "", 502},
		{"NotTheAPI/OtherJSON", wsGet, 404, `{"error":"no such thing"}`, nil, grouping.Internal, "client: unexpected response from the server", "", 404},
		{"NotTheAPI/Empty", orgCall, 503, "", nil, grouping.Internal, "client: unexpected response from the server", "", 503},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			c, _ := fake(t, answer(tc.status, tc.body, tc.headers...))
			err := tc.call(c)
			var ge *grouping.Error
			is.True(errors.As(err, &ge))                            // every error is a *grouping.Error
			is.Equal(ge.Code, tc.code)                              // code
			is.Equal(ge.Message, tc.message)                        // message, as the server wrote it
			is.Equal(ge.Field, tc.field)                            // field
			is.True(errors.Is(err, &grouping.Error{Code: tc.code})) // errors.Is matches the code
			var problems []string
			for id := range ge.Problems {
				problems = append(problems, id)
			}
			slices.Sort(problems)
			is.Equal(problems, map[string][]string{"Org/BulkNotFound": {id1, id2}, "Org/BulkRepeated": {id1}}[tc.name]) // the IDs named in errors are the Problems
			var se *client.StatusError
			is.Equal(errors.As(err, &se), tc.cause != 0) // server errors wrap a *StatusError
			if tc.cause != 0 {
				is.Equal(se.StatusCode, tc.cause) // with the status
				for i := 0; i+1 < len(tc.headers); i += 2 {
					is.Equal(se.Header.Get(tc.headers[i]), tc.headers[i+1]) // and the headers
				}
			}
		})
	}
}

// TestErrorsMatchTheStore makes the same failing calls on a store and
// through the client on the same data, and checks that the errors carry
// the same code, message and field.
func TestErrorsMatchTheStore(t *testing.T) {
	ctx := t.Context()
	direct := memstore.New()
	remote := throughHTTP(t, func() grouping.Store { return memstore.New() })
	org := uuid.MustParse("0e0a7f0e-6a61-4c42-9b1f-5a0b3c2d1e0f")
	ch1 := uuid.MustParse("1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
	ch2 := uuid.MustParse("2b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e")
	ws := uuid.MustParse("3c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f")
	var sales, support map[grouping.Store]grouping.Group = map[grouping.Store]grouping.Group{}, map[grouping.Store]grouping.Group{}
	for _, s := range []grouping.Store{direct, remote} {
		is := is.New(t)
		_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
		is.NoErr(err) // organisation
		for _, id := range []uuid.UUID{ch1, ch2} {
			_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: id, OrganisationID: org, Name: "c", OwnerID: org})
			is.NoErr(err) // channel
		}
		sales[s], err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: "Sales"})
		is.NoErr(err) // group
		support[s], err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: "Support"})
		is.NoErr(err)                                         // group
		is.NoErr(s.AssignChannel(ctx, org, sales[s].ID, ch1)) // assign
		_, err = s.AttachChannel(ctx, ws, ch1, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "acct"})
		is.NoErr(err) // attach
	}
	cases := []struct {
		name string
		call func(s grouping.Store) error
	}{
		{"DuplicateName", func(s grouping.Store) error {
			_, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: " sales "})
			return err
		}},
		{"BadName", func(s grouping.Store) error {
			_, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "a\x00b"})
			return err
		}},
		{"UnknownOrganisation", func(s grouping.Store) error {
			_, err := s.CreateGroup(ctx, uuid.MustParse("4d4e5f6a-7b8c-4d9e-9fa0-2b3c4d5e6f70"), grouping.NewGroup{Name: "x"})
			return err
		}},
		{"UnknownGroup", func(s grouping.Store) error {
			_, err := s.GetGroup(ctx, org, ch2, grouping.GetGroupOptions{})
			return err
		}},
		{"InAnotherGroup", func(s grouping.Store) error { return s.AssignChannel(ctx, org, support[s].ID, ch1) }},
		{"StaleVersion", func(s grouping.Store) error {
			_, err := s.UpdateGroup(ctx, org, sales[s].ID, grouping.GroupUpdate{Name: ptr("x"), IfVersion: sales[s].Version + 1})
			return err
		}},
		{"NegativeVersion", func(s grouping.Store) error { return s.DeleteGroup(ctx, org, sales[s].ID, -1) }},
		{"IncompleteOrder", func(s grouping.Store) error { return s.ReorderGroups(ctx, org, []uuid.UUID{sales[s].ID}) }},
		{"NotInGroup", func(s grouping.Store) error { return s.RemoveChannel(ctx, org, support[s].ID, ch2) }},
		{"BulkAssignOffending", func(s grouping.Store) error {
			return s.AssignChannels(ctx, org, support[s].ID, []uuid.UUID{ch2, ch1, ws})
		}},
		{"BulkAssignInOtherGroup", func(s grouping.Store) error { return s.AssignChannels(ctx, org, support[s].ID, []uuid.UUID{ch1, ch2}) }},
		{"BulkRemoveRepeated", func(s grouping.Store) error {
			return s.RemoveChannels(ctx, org, sales[s].ID, []uuid.UUID{ch1, ch2, ch1})
		}},
		{"BulkMoveNone", func(s grouping.Store) error { return s.MoveChannels(ctx, org, sales[s].ID, nil) }},
		{"BulkTooMany", func(s grouping.Store) error {
			return s.MoveChannels(ctx, org, sales[s].ID, make([]uuid.UUID, grouping.MaxBulkChannels+1))
		}},
		{"BulkNilID", func(s grouping.Store) error {
			return s.AssignChannels(ctx, org, sales[s].ID, []uuid.UUID{ch2, uuid.Nil})
		}},
		{"NilUser", func(s grouping.Store) error {
			return discardPage(s.ListDiscoverableChannels(ctx, org, uuid.Nil, grouping.ListChannelsOptions{}))
		}},
		{"InvalidUTF8", func(s grouping.Store) error {
			_, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "a\xffb"})
			return err
		}},
		{"BadPlatformID", func(s grouping.Store) error {
			_, err := s.AttachChannel(ctx, ws, ch2, grouping.ChannelGroupAttach{PlatformID: "wa_1", PlatformGroupID: "acct"})
			return err
		}},
		{"ChannelGroupNotFound", func(s grouping.Store) error {
			_, err := s.GetChannelGroup(ctx, ws, ch2)
			return err
		}},
		{"NotAttached", func(s grouping.Store) error { return s.DetachChannel(ctx, ws, ch2) }},
		{"NilWorkspace", func(s grouping.Store) error { return s.DetachChannel(ctx, uuid.Nil, ch2) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			want, got := tc.call(direct), tc.call(remote)
			is.True(want != nil)                                              // the call fails
			is.Equal(grouping.ErrorCode(got), grouping.ErrorCode(want))       // same code
			is.Equal(grouping.ErrorMessage(got), grouping.ErrorMessage(want)) // same message
			if grouping.ErrorCode(want) == grouping.Invalid {
				// grouping.Error defines Field for Invalid errors only.
				is.Equal(grouping.ErrorField(got), grouping.ErrorField(want)) // same field
			}
			is.Equal(grouping.ErrorProblems(got), grouping.ErrorProblems(want)) // same offending IDs, same problems
		})
	}
}

func ptr[T any](v T) *T { return &v }

func discardPage[T any](_ grouping.Page[T], err error) error { return err }

// TestUnauthenticatedAndForbidden checks that the 401 and 403 answers of
// both route families come back as ErrUnauthenticated and ErrForbidden.
func TestUnauthenticatedAndForbidden(t *testing.T) {
	srv := serve(t, memstore.New())
	org, ws := uuid.New(), uuid.New()
	calls := map[string]func(c *client.Client, ctx context.Context) error{
		"Organisation": func(c *client.Client, ctx context.Context) error {
			_, err := c.GetGroup(ctx, org, uuid.New(), grouping.GetGroupOptions{})
			return err
		},
		"Workspace": func(c *client.Client, ctx context.Context) error {
			_, err := c.GetChannelGroup(ctx, ws, uuid.New())
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			c, err := client.New(srv.URL + "/api")
			is.NoErr(err) // a client without credentials
			defer c.Close()

			err = call(c, t.Context())
			is.True(errors.Is(err, client.ErrUnauthenticated))        // no credentials: 401
			is.True(!errors.Is(err, client.ErrForbidden))             // which is not 403
			is.Equal(grouping.ErrorCode(err), client.Unauthenticated) // the code
			is.Equal(grouping.ErrorMessage(err), "Authentication required")

			err = call(c, client.WithToken(t.Context(), "nonsense"))
			is.True(errors.Is(err, client.ErrUnauthenticated))                     // bad credentials: 401
			is.Equal(grouping.ErrorMessage(err), "Invalid or expired credentials") // the server's message

			err = call(c, client.WithToken(t.Context(), outsiderToken))
			is.True(errors.Is(err, client.ErrForbidden))        // good credentials, other tenants: 403
			is.True(!errors.Is(err, client.ErrUnauthenticated)) // which is not 401
			is.Equal(grouping.ErrorCode(err), client.Forbidden) // the code

			err = call(c, client.WithToken(t.Context(), userToken(uuid.New())))
			is.True(errors.Is(err, grouping.ErrNotFound)) // a member gets as far as the store
		})
	}
}
