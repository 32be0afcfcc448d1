package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// Client talks to a grouping server over HTTP and is a [grouping.Store].
// Create it with [New]. A Client is safe for concurrent use.
type Client struct {
	base   string // scheme, host and prefix, without a trailing slash
	hc     *http.Client
	creds  credentials
	closed atomic.Bool
}

var _ grouping.Store = (*Client)(nil)

// Option configures a [Client] in [New].
type Option func(*options) error

type options struct {
	hc    *http.Client
	creds credentials
	// set names the options that chose credentials, to refuse two.
	set []string
}

// WithHTTPClient makes the client send its requests with hc, for its
// transport, proxy, TLS settings or timeout. The default is a client of
// its own with a copy of http.DefaultTransport.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("client: WithHTTPClient: nil *http.Client")
		}
		o.hc = hc
		return nil
	}
}

// WithBearerToken sends "Authorization: Bearer token" with every request
// that is not given other credentials with [WithToken] or
// [WithUserToken]. It cannot be combined with [WithAuthorization].
func WithBearerToken(token string) Option {
	return func(o *options) error {
		if err := checkToken(token); err != nil {
			return fmt.Errorf("client: WithBearerToken: %w", err)
		}
		o.creds.bearer, o.creds.token = true, token
		o.set = append(o.set, "WithBearerToken")
		return nil
	}
}

// WithAuthorization calls authorize on every request that is not given
// other credentials with [WithToken] or [WithUserToken], just before it is
// sent, to set its credentials (such as an Authorization header with a
// fresh token). An error from authorize fails the call without sending the
// request: a *grouping.Error is returned as it is, any other error as a
// grouping.Internal error wrapping it. authorize may be called from
// several goroutines at once. On the request of ListDiscoverableChannels,
// [ActingUser] tells it which user to authorise as. It cannot be combined
// with [WithBearerToken].
func WithAuthorization(authorize func(*http.Request) error) Option {
	return func(o *options) error {
		if authorize == nil {
			return errors.New("client: WithAuthorization: nil function")
		}
		o.creds.authorize = authorize
		o.set = append(o.set, "WithAuthorization")
		return nil
	}
}

// WithUser declares the user that the client's own credentials name, so
// that ListDiscoverableChannels can check that it is asked about that user
// (see the package documentation).
func WithUser(userID uuid.UUID) Option {
	return func(o *options) error {
		if userID == uuid.Nil {
			return errors.New("client: WithUser: nil UUID")
		}
		o.creds.user = userID
		return nil
	}
}

// New returns a client of the API served at baseURL: the scheme, host and
// prefix under which the server mounts the API (httpapi.WithPrefix), such
// as "https://grouping.example.com/api/v1". baseURL must be an absolute
// http or https URL without query or fragment; a trailing slash is
// ignored. New returns an error for a bad baseURL and for conflicting or
// invalid options; it makes no request.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("client: invalid base URL %q: %w", baseURL, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.Opaque != "":
		return nil, fmt.Errorf("client: invalid base URL %q: want an absolute http or https URL", baseURL)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("client: invalid base URL %q: it must not have a query or fragment", baseURL)
	case u.User != nil:
		return nil, fmt.Errorf("client: invalid base URL %q: give credentials with an Option, not in the URL", baseURL)
	}
	var o options
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if len(o.set) > 1 {
		return nil, fmt.Errorf("client: %s and %s both set the credentials; give one", o.set[0], o.set[1])
	}
	if o.hc == nil {
		o.hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return &Client{
		base:  strings.TrimSuffix(u.String(), "/"),
		hc:    o.hc,
		creds: o.creds,
	}, nil
}

// Close releases the client's idle connections (those of the http.Client
// given with WithHTTPClient, too). Calls made after Close fail with a
// grouping.Internal error without a request. Close always returns nil.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.hc.CloseIdleConnections()
	return nil
}

// ---- credentials ----

// credentials authorise a request: a bearer token or a function, and the
// user they name when it is known. The zero value is no credentials.
type credentials struct {
	bearer    bool // token is to be sent
	token     string
	authorize func(*http.Request) error
	user      uuid.UUID
}

func (cr credentials) none() bool { return !cr.bearer && cr.authorize == nil }

type ctxKey int

const (
	keyCredentials ctxKey = iota
	keyActingUser
)

// WithToken returns a copy of ctx with which calls send "Authorization:
// Bearer token" instead of the client's own credentials (and their
// declared user). Use [WithUserToken] when the call lists discoverable
// channels. A token that is empty or not visible ASCII fails the call with
// a grouping.Internal error.
func WithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, keyCredentials, credentials{bearer: true, token: token})
}

// WithUserToken is [WithToken] for a token that names userID, the user
// ListDiscoverableChannels then accepts.
func WithUserToken(ctx context.Context, userID uuid.UUID, token string) context.Context {
	return context.WithValue(ctx, keyCredentials, credentials{bearer: true, token: token, user: userID})
}

// ActingUser reports the user a request is made for: set on the request
// of ListDiscoverableChannels, whose route lists channels for the user its
// credentials name. A function given to [WithAuthorization] that can act
// for several users, such as a backend that issues tokens for them, uses
// it to pick the credentials.
func ActingUser(r *http.Request) (uuid.UUID, bool) {
	id, ok := r.Context().Value(keyActingUser).(uuid.UUID)
	return id, ok
}

// credentialsFor returns the credentials of a call made with ctx.
func (c *Client) credentialsFor(ctx context.Context) credentials {
	if cr, ok := ctx.Value(keyCredentials).(credentials); ok {
		return cr
	}
	return c.creds
}

// checkToken accepts a token that can stand in an Authorization header:
// visible ASCII, not empty.
func checkToken(token string) error {
	if token == "" {
		return errors.New("empty bearer token")
	}
	for i := 0; i < len(token); i++ {
		if token[i] < 0x21 || token[i] > 0x7e {
			return errors.New("a bearer token must be visible ASCII")
		}
	}
	return nil
}

// authorise sets the call's credentials on req.
func (cr credentials) authorise(req *http.Request) error {
	switch {
	case cr.bearer:
		if err := checkToken(cr.token); err != nil {
			return grouping.WrapInternal("client: credentials", err)
		}
		req.Header.Set("Authorization", "Bearer "+cr.token)
	case cr.authorize != nil:
		if err := cr.authorize(req); err != nil {
			return grouping.WrapInternal("client: authorise request", err)
		}
	}
	return nil
}

// ---- requests ----

// request is one call to the API.
type request struct {
	method string
	path   string // below the base URL, starting with a slash
	query  url.Values
	body   any        // encoded as JSON when not nil
	ifVer  int64      // sent as If-Match when not zero
	user   *uuid.UUID // the user the request acts for, told by ActingUser
	// fields names the offending input of an invalid-input answer that
	// carries no field (the workspace shape): it checks what was sent
	// and returns the first Invalid error it finds, or nil.
	fields func() error
}

// do sends r and returns the response of a success (2xx), whose body the
// caller must close. Every other outcome is a *grouping.Error.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	if c.closed.Load() {
		return nil, grouping.Errorf(grouping.Internal, "client: closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, grouping.WrapInternal("client", err)
	}
	target := c.base + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, grouping.WrapInternal("client: encode request", err)
		}
		body = bytes.NewReader(b)
	}
	if r.user != nil {
		ctx = context.WithValue(ctx, keyActingUser, *r.user)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, grouping.WrapInternal("client: build request", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.ifVer != 0 {
		req.Header.Set("If-Match", etag(r.ifVer))
	}
	if err := c.credentialsFor(ctx).authorise(req); err != nil {
		return nil, err
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, &grouping.Error{Code: grouping.Internal, Message: "client: request failed", Err: err}
	}
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return res, nil
	}
	defer closeBody(res)
	return nil, responseError(res, r.fields)
}

// closeBody reads what is left of a response body, within reason, so that
// the connection can be reused, and closes it.
func closeBody(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
}

// envelope is the success body of the organisation routes.
type envelope struct {
	Status     string          `json:"status"`
	Data       json.RawMessage `json:"data"`
	NextCursor string          `json:"next_cursor"`
}

// orgCall sends a request to an organisation route and decodes the
// envelope's data into out, unless out is nil. It returns the response
// headers and the next page's cursor.
func (c *Client) orgCall(ctx context.Context, r request, out any) (http.Header, string, error) {
	res, err := c.do(ctx, r)
	if err != nil {
		return nil, "", err
	}
	defer closeBody(res)
	var env envelope
	if err := decodeBody(res, &env); err != nil {
		return nil, "", err
	}
	if env.Status != "success" {
		return nil, "", malformed(res, fmt.Errorf("status %q, want success", env.Status))
	}
	if out != nil {
		if len(env.Data) == 0 || string(env.Data) == "null" {
			return nil, "", malformed(res, errors.New("no data"))
		}
		if err := json.Unmarshal(env.Data, out); err != nil {
			return nil, "", malformed(res, err)
		}
	}
	return res.Header, env.NextCursor, nil
}

// workspaceCall sends a request to a workspace route and decodes its body
// into out, unless out is nil.
func (c *Client) workspaceCall(ctx context.Context, r request, out any) error {
	res, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	defer closeBody(res)
	if out == nil {
		return nil
	}
	return decodeBody(res, out)
}

// decodeBody decodes a success body as one JSON value.
func decodeBody(res *http.Response, out any) error {
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return malformed(res, err)
	}
	return nil
}

// malformed is the error of a success response the client cannot read.
func malformed(res *http.Response, err error) error {
	return &grouping.Error{
		Code:    grouping.Internal,
		Message: "client: unexpected response from the server",
		Err:     &StatusError{StatusCode: res.StatusCode, Header: res.Header, Message: err.Error()},
	}
}
