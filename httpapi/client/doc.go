// Package client is a Go client of the HTTP API that package httpapi serves.
//
// A [*Client] is a [grouping.Store]: every Store method is one request to a
// documented or extension route (see the OpenAPI document served at
// {base}/openapi.json), so code written against grouping.Store works
// unchanged against a remote server, and the conformance suite of package
// storetest runs through the client, the HTTP API and a store behind it.
//
//	c, err := client.New("https://grouping.example.com/api", client.WithBearerToken(token))
//	if err != nil { … }
//	defer c.Close()
//	g, err := c.CreateGroup(ctx, orgID, grouping.NewGroup{Name: "Engineering"})
//
// # Credentials
//
// A client sends the credentials it was given with [WithBearerToken] or
// [WithAuthorization] on every request. A call made with a context from
// [WithToken] or [WithUserToken] sends that token instead, so that one
// client can serve many end users. The mirror routes (UpsertOrganisation,
// UpsertChannel, DeleteChannel, AddChannelMember, RemoveChannelMember)
// are meant for the host's backend: the server's default policy lets only
// a principal with its service role call them.
//
// # The discoverable list
//
// The route behind [Client.ListDiscoverableChannels] takes no user: it
// lists the channels that the user its credentials name is not a member
// of. The userID given to ListDiscoverableChannels must therefore be that
// user, and the client makes sure of it before sending anything:
//
//   - a declared user ([WithUser] for the client's credentials,
//     [WithUserToken] for one call's) must be userID;
//   - an authorisation function ([WithAuthorization]) without a declared
//     user is trusted to authorise the request as userID, which
//     [ActingUser] tells it;
//   - a bearer token whose user the client was not told is refused: the
//     client cannot know whom it names;
//   - without any credentials the client sends userID as the user_id query
//     parameter, which a server running without authentication
//     (httpapi.WithoutAuthentication) requires and any other server
//     ignores (it answers 401).
//
// A call refused this way fails with an [grouping.Invalid] error naming
// the field user_id, and no request is made.
//
// # Errors
//
// Both error shapes of the API, {"status":"error","status_code":…,
// "message":…,"errors":{field:…}} on the organisation routes and
// {"code":…,"message":…} on the workspace routes, become a
// *grouping.Error with the code, the message and, for invalid input, the
// field that the server reported; for an error of the store behind the
// server, those are the store's. The "errors" of a failed bulk call
// (AssignChannels, RemoveChannels, MoveChannels) also name each offending
// channel by its ID: those entries become the error's Problems, so that
// [grouping.ErrorProblems] reads them as it would from the store; an entry
// whose key is not a UUID names the field. The workspace shape has no field: for
// invalid input on a workspace route the client names the field by
// checking what it sent with the grouping package's own validation (and,
// for a list whose other input passes, names the page token, which the
// Store API calls cursor).
//
// Statuses without a grouping code get codes of this package: 401 is
// [Unauthenticated] and 403 [Forbidden] (match them with errors.Is and
// [ErrUnauthenticated] or [ErrForbidden]), 405 [MethodNotAllowed], 413
// [PayloadTooLarge] and 415 [UnsupportedMediaType]. A 503 is
// [grouping.Unavailable] and a 507 [grouping.InsufficientStorage]; every
// other 5xx, and every response that is not one of the API's shapes, is
// [grouping.Internal]. These server errors wrap a [*StatusError] that
// carries the status and headers (Retry-After, for one). A request that
// could not be made or answered (a network failure, a cancelled context)
// is [grouping.Internal] wrapping the cause, so that errors.Is(err,
// context.Canceled) tells a caller that gave up from a broken server.
//
// Some input is refused without a request, because the wire could not
// carry it: text that is not valid UTF-8 (JSON would replace the bad
// bytes), a negative version (no ETag names one) and the user checks
// above. These errors are the ones a store would return.
//
// # Versions
//
// The group routes carry a group's version as its ETag. CreateGroup,
// GetGroup and UpdateGroup read Version from it; UpdateGroup and
// DeleteGroup send a non-zero IfVersion as If-Match. Groups in a list carry
// no ETag, so ListGroups returns them with Version 0: read a group with
// GetGroup before a conditional change.
//
// # What the server must serve
//
// The mirror methods (GetChannel included), ReorderGroups,
// ReorderGroupChannels, MoveChannels, AttachChannel, DetachChannel and
// DeleteChannelGroup use the extension routes, which a server may switch
// off (httpapi.WithoutExtensions); their calls then fail with NotFound
// ("Route not found") or MethodNotAllowed. Every other method uses a route
// of the two APIs this one is compatible with, AssignChannels and
// RemoveChannels the bulk routes their reference implementation added.
package client
