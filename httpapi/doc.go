// Package httpapi serves a [grouping.Store] over HTTP: the organisation
// routes of the Telex channel-grouping API, the workspace routes of the
// WhatsApp channel-groups API, extension routes through which the host
// keeps the store's mirror of its data up to date, and the store's change
// events, as pages and as live streams of Server-Sent Events.
//
// # Mounting
//
// The API registers Go 1.22 method-and-wildcard patterns on the host's own
// *http.ServeMux, optionally under a prefix; it registers nothing on
// http.DefaultServeMux and keeps no global state:
//
//	api, err := httpapi.New(store, httpapi.WithAuthenticator(a))
//	if err != nil { … }
//	api.Register(mux)
//
// An *API is also an http.Handler with its own mux.
//
// # OpenAPI document
//
// Each API serves an OpenAPI 3.1 document of itself at GET
// {prefix}/openapi.json, without credentials, and returns it from
// [API.OpenAPI]: its server URL is the prefix, and its paths are relative
// to it; it lists the extension routes only when they are served; it
// declares the API's [SecurityScheme], which is jwtauth's bearer JWT with
// that authenticator, a scheme of the host's own given with
// [WithSecurityScheme], or [BearerScheme], and none in open mode.
// [OpenAPI] returns the document of every route any API can serve.
//
// # Metrics and traces
//
// The API records OpenTelemetry metrics and traces with the providers of
// [WithMeterProvider] and [WithTracerProvider], and reads the caller's
// trace context with the propagator of [WithPropagator]; without them it
// uses the global ones of package otel, which do nothing until the program
// sets them. It never sets them itself. Each request is recorded in the
// histogram http.server.request.duration (seconds) with the attributes
// http.request.method, http.response.status_code, http.route (the matched
// pattern with the prefix, such as
// /api/organisations/{organisation_id}/groups; absent for paths that match
// no route) and, for 5xx answers, error.type; and gets a server span named
// "{method} {route}", whose context reaches the Store. Package otelstore
// records the Store's calls in the same trace.
//
// # Routes
//
// Each route has one [Action], which the policy is told (and the OpenAPI
// document gives as "x-action"): read, write-groups (wg),
// write-channel-groups (wcg) or write-mirror (wm).
//
// Organisation routes (success: 200 with {"status":"success",
// "status_code":200,"message":…,"data":…}; "data" is absent for deletes and
// channel assignment, removal and moves, one channel or many):
//
//	POST   /organisations/{organisation_id}/groups                                   wg    Group created successfully
//	GET    /organisations/{organisation_id}/groups                                   read  Groups fetched successfully
//	GET    /organisations/{organisation_id}/groups/{group_id}                        read  Group fetched successfully
//	PATCH  /organisations/{organisation_id}/groups/{group_id}                        wg    Group updated successfully
//	DELETE /organisations/{organisation_id}/groups/{group_id}                        wg    Group deleted successfully
//	POST   /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}  wg    Group channel assigned successfully
//	DELETE /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}  wg    Group channel removed successfully
//	PATCH  /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}  wg    Group channel moved successfully
//	GET    /organisations/{organisation_id}/groups/{group_id}/channels               read  Group channels fetched successfully
//	POST   /organisations/{organisation_id}/groups/{group_id}/channels               wg    {"channels"} → Group channels assigned successfully
//	DELETE /organisations/{organisation_id}/groups/{group_id}/channels               wg    {"channels"} → Group channels removed successfully
//	GET    /organisations/{organisation_id}/groups/channels/no-group                 read  Channels not in group fetched successfully
//	GET    /organisations/{organisation_id}/groups/channels/user-no-group            read  Discoverable Channels for user fetched successfully
//
// Workspace routes (success: the bare JSON value):
//
//	GET /workspaces/{workspaceId}/channel-groups                   read  {"results":[…],"nextPageToken":…}
//	GET /workspaces/{workspaceId}/channel-groups/{channelGroupId}  read  the channel group
//
// Extension routes, on unless [WithoutExtensions] is given:
//
//	PUT    /organisations/{organisation_id}                                        wm   {"name"} → Organisation saved successfully
//	GET    /organisations/{organisation_id}/channels/{channel_id}                  read Channel fetched successfully, the channel with its users
//	PUT    /organisations/{organisation_id}/channels/{channel_id}                  wm   {"name","description","owner_id","archived","message_count","users","created_at"} → Channel saved successfully
//	DELETE /organisations/{organisation_id}/channels/{channel_id}                  wm   Channel deleted successfully
//	PUT    /organisations/{organisation_id}/channels/{channel_id}/users/{user_id}  wm   Channel member added successfully
//	DELETE /organisations/{organisation_id}/channels/{channel_id}/users/{user_id}  wm   Channel member removed successfully
//	PUT    /organisations/{organisation_id}/groups/order                           wg   {"group_ids"} → Groups reordered successfully
//	PATCH  /organisations/{organisation_id}/groups/{group_id}/channels             wg   {"channels"} → Group channels moved successfully
//	PUT    /organisations/{organisation_id}/groups/{group_id}/channels/order       wg   {"channel_ids"} → Group channels reordered successfully
//	PUT    /workspaces/{workspaceId}/channels/{channelId}/channel-group            wcg  {"platformId","platformGroupId","platformGroupName"} → 200, the channel group
//	DELETE /workspaces/{workspaceId}/channels/{channelId}/channel-group            wcg  204
//	DELETE /workspaces/{workspaceId}/channel-groups/{channelGroupId}               wcg  204
//	GET    /organisations/{organisation_id}/events                                 read Events fetched successfully, {"events","next","has_more"}; or a stream
//	GET    /workspaces/{workspaceId}/events                                        read {"results","next","hasMore"}; or a stream
//
// The event routes are served only when the store keeps events (see [New]
// and "Events" below).
//
// The channel upsert replaces the channel's membership with "users" when
// that field is present (an empty list removes every member) and leaves it
// alone when it is absent or null. Its "owner_id" is optional: absent or
// null means the owner is unknown, which channels then show as
// "owner_id": null. Its "created_at", in the one form of every time on the
// wire (2024-12-21T12:10:47.492Z: UTC, exactly three fractional digits;
// any other form is 400), sets the channel's creation time, which orders
// the ungrouped and discoverable lists; absent or null, it is now for a
// new channel and unchanged for an existing one.
//
// The bulk routes take {"channels":[…]}, 1 to [grouping.MaxBulkChannels]
// channel IDs, and change every one of them or none (see
// [grouping.Store.AssignChannels]). POST and DELETE are those the
// reference implementation added after its documented routes, with its
// messages; the bulk move (PATCH) is an extension.
//
// The group create and update bodies also take "organisation_id", which
// clients of the reference implementation send: it must be the
// organisation of the path (400 naming organisation_id otherwise) and
// changes nothing. Every other unknown field is refused.
//
// # Authentication and authorisation
//
// The host supplies an [Authenticator] that turns a request into a
// [Principal]: a user, its roles, and the organisations and workspaces it
// may act in. Package jwtauth provides one for bearer JWTs. A [Policy] then
// decides whether the principal may perform the route's action in the
// tenant named by the path. [DefaultPolicy], used unless [WithPolicy]
// replaces it, allows:
//
//	read, write-groups, write-channel-groups  a principal that lists the tenant
//	write-mirror                              only such a principal with RoleService, the host's backend
//
// so that end users can never rewrite the host's organisations, channels
// or memberships. A service principal may be granted every tenant at once
// with Principal.AllTenants, which counts for RoleService only.
// [WithAdminGroupWrites] makes write-groups need RoleAdmin (or
// RoleService) as well, and [WithAuthoriser] replaces the tenant check
// while keeping the role rules. A refusal is 403 with a message that says
// why: "You do not have access to this organisation" (or workspace) to a
// principal that does not list the tenant, "This action needs the service
// role" (or admin) for a missing role, and "You may not do this in this
// organisation" when a policy refuses a principal of the tenant otherwise.
//
// There is no open default: [New] fails without an Authenticator unless
// [WithoutAuthentication] asks for an open API by name. In that open mode
// every action is allowed in every tenant, and the discoverable-channels
// route takes its user from the required user_id query parameter.
//
// Each request is checked in this order: authentication (401), path
// wildcards, which must be UUIDs in their 36-character form (400), the
// policy (403), the query string (400), then query parameters and body
// (400, 413, 415), then the store. Only GET {prefix}/openapi.json needs no
// credentials; neither do the 404 and 405 answers to paths and methods that
// match no route, as they reveal no more than that public document.
//
// # Errors
//
// Organisation routes answer errors as
//
//	{"status":"error","status_code":400,"message":"name is required","errors":{"name":"name is required"}}
//
// where "errors" appears for invalid input and names the offending path
// wildcard, query parameter, header (If-Match) or body field ("body" when the
// body as a whole is wrong, "query" when the query string is). A bulk call
// that fails because of some of its channels names each of them in
// "errors" with its problem, whatever the status, as in
//
//	{"status":"error","status_code":404,"message":"No channel was assigned: …","errors":{"0e1d2c3b-…":"Channel not found"}}
//
// (from the error's [grouping.Error.Problems]); a list that repeats an ID
// names "channels" beside it. Workspace routes answer
//
//	{"code":"invalid","message":"platformId must match ^[A-Za-z0-9-]+$"}
//
// with the offending name in the message. Unknown paths and methods under
// the prefix answer in the shape of their family: the workspace shape under
// {prefix}/workspaces, the organisation shape elsewhere.
//
//	status  code                    when
//	400     invalid                 bad UUID, query string or parameter, JSON, unknown field, trailing data, failed validation
//	401     unauthorized            no or bad credentials; WWW-Authenticate: Bearer (error="invalid_token" when a credential was sent), or the SecurityScheme's challenge
//	403     forbidden               authenticated, but the policy refuses the action in that organisation or workspace
//	404     not_found               no such object, or it belongs to another tenant; unknown route
//	405     method_not_allowed      known path, other method; the Allow header lists the methods
//	409     conflict                duplicate group name, archived target group, channel in another group (one or, in bulk, several)
//	412     precondition_failed     If-Match does not match the group's ETag
//	413     payload_too_large       body over 1 MiB ([MaxBodyBytes])
//	415     unsupported_media_type  Content-Type other than application/json
//	500     internal                anything else; logged with the request's method and path, never shown
//	503     unavailable             the store cannot serve it now (database busy beyond its bounded wait, database file deleted or replaced), or the request was cancelled or timed out; Retry-After: 1
//	507     insufficient_storage    the database disk is full; writes succeed again once space is freed
//
// A panic in a handler is recovered, logged and answered with 500; the
// server keeps serving. A panic once the response has started cannot become
// a 500: it is logged and the connection is aborted, so that the client sees
// a cut-off response rather than a complete-looking one.
//
// # Requests
//
// Bodies are one JSON object of at most 1 MiB. Unknown fields, trailing data
// and values of the wrong type are rejected with 400 naming the field. A
// request with no Content-Type is read as JSON; a Content-Type other than
// application/json (parameters allowed, a charset only if UTF-8) is 415.
// Routes that take no body ignore one.
//
// The query string must parse: a pair separated by ";" instead of "&", or a
// malformed percent-encoding (?cursor=%%%, ?limit=%zz) is 400 naming the
// parameter, or "query" when no parameter can be named, on every route.
// Query parameters are parsed strictly and may be given once: limit is an
// integer from 1 to 1000 (default 1000, and 100 for events); after is an
// integer from 0 up; archived and include_archived are
// true or false; include is only channels; cursor (pageToken on workspace
// routes) must be one a previous page returned, and empty means the first
// page; platformId must match ^[A-Za-z0-9-]+$. Unknown query parameters are
// ignored. A list that was cut short adds "next_cursor" to the envelope, or
// "nextPageToken" to the workspace body.
//
// # Events
//
// Every change a store makes appends events to its tenant's log in the same
// transaction, numbered 1, 2, 3… per organisation or workspace, with no gap
// and in commit order (see [grouping.Event]). GET …/events reads them, as
// JSON pages or as a stream of Server-Sent Events. They are extension
// routes: [WithoutExtensions] promises the surface of the two APIs this
// one is compatible with and nothing more, and events are in neither; their
// data also shows what only extension routes show, such as a channel's
// members and every write of the host's mirror. They need the read action,
// like the tenant's lists; an organisation that does not exist is 404, as
// its list of groups is, and a workspace with no events has an empty page,
// as its list of channel groups is empty.
//
// By default, or with Accept: application/json, the answer is one page of
// the events after ?after= (a sequence number, at least 0; default 0, the
// start of the log, so the first event still kept) of at most ?limit=
// events (1 to 1000, default 100), in sequence order. The organisation route
// answers
//
//	{"status":"success","status_code":200,"message":"Events fetched successfully",
//	 "data":{"events":[…],"next":42,"has_more":false}}
//
// and the workspace route {"results":[…],"next":42,"hasMore":false}. next is
// the after of the next page: the last event's sequence, or the after asked
// for when the page is empty; has_more says whether more events follow now.
// Each event is [grouping.Event]'s JSON, in the naming of its tenant's API:
// {"id","sequence","type","organisation_id","created_at","data"} or
// {"id","sequence","type","workspaceId","createdAt","data"}; the OpenAPI
// document gives the data of each type. A bad after or limit is 400 naming
// it. Events pruned by the host's retention are gone: a reader that asks
// for events before the first one still kept gets the log from there.
//
// When the request's Accept header includes text/event-stream, the answer
// is a stream that stays open. It starts with a retry: field (2000
// milliseconds, [EventRetry]), then sends each event as
//
//	id: 42
//	event: group.created
//	data: {"id":"…","sequence":42,"type":"group.created",…}
//
// followed by a blank line: first the events already in the log, then each
// new one as its change commits, every event once, in sequence order, with
// no gap. The stream starts after the Last-Event-ID header when there is
// one (an EventSource sends it by itself when it reconnects), and after
// ?after= otherwise; an empty Last-Event-ID counts as absent, and a bad one
// is 400 naming Last-Event-ID. A client that reconnects after any end of
// its stream, with the id of the last event it received, misses nothing
// and gets nothing twice. A stream sends a comment line (": heartbeat")
// whenever it has sent nothing for [DefaultEventHeartbeat] (15 seconds;
// [WithEventHeartbeat] changes it), which keeps proxies from closing it and
// finds clients that are gone: a stream whose writes wait on its client for
// that long (up to one and a half intervals) ends. A stream is not limited by the server's
// ReadTimeout or WriteTimeout, which it lifts for its own connection.
//
//	curl -N -H 'Accept: text/event-stream' -H 'Authorization: Bearer …' http://localhost:8080/organisations/<id>/events
//
// All the streams of a tenant share one reader of the store, which waits for
// the tenant's commits and hands each batch of events to every stream, so
// that a thousand clients cost the store what one does. Each stream has a
// buffer of events waiting to be written, of [DefaultEventBuffer] (4,000)
// events unless [WithEventBuffer] says otherwise; the events themselves
// are shared by the streams, so a buffer costs next to nothing until it
// fills. A client that reads too slowly for its buffer is let go: its
// stream ends at once, even in the middle of a write, and the client
// reconnects with its Last-Event-ID when it can keep up. A stream also
// ends when the store fails.
//
// Streams stay open until the client leaves, so a server's Shutdown would
// wait for them until its grace period ran out. [API.CloseStreams] ends
// them all; register it with the server,
//
//	srv.RegisterOnShutdown(api.CloseStreams)
//
// so that srv.Shutdown(ctx) ends the streams and returns as soon as the
// other requests are done. After CloseStreams, a stream request answers 503
// with Retry-After and pages are still served. In the metrics, a stream is
// one request that lasts as long as the stream.
//
// # Optimistic concurrency
//
// Group get, create and update responses carry a strong ETag derived from
// the group's version, such as "3". PATCH and DELETE of a group honour
// If-Match as RFC 9110 describes it: * matches any existing group; a list
// of entity tags, which may span several header lines and holds empty
// elements that are ignored, matches when one of its tags is the current
// one by strong comparison, so a weak tag (W/"3") never matches; otherwise
// the answer is 412 and nothing changes. A missing group is 404 whatever
// If-Match says, as it would be without it. A header that is not * or a
// valid entity-tag list (* inside a list included) is 400 naming If-Match.
// The store checks the version atomically with the change.
package httpapi
