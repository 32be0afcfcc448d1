package client

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// Codes of the errors that only the HTTP API reports. Their values are the
// "code" values of the API's workspace error bodies.
const (
	// Unauthenticated: the request carried no credentials or bad ones
	// (HTTP 401).
	Unauthenticated grouping.Code = "unauthorized"
	// Forbidden: the credentials are good but do not allow the request in
	// that organisation or workspace, or not that action (HTTP 403).
	Forbidden grouping.Code = "forbidden"
	// MethodNotAllowed: the server does not serve the route with this
	// method, such as an extension route of a server without extensions
	// (HTTP 405).
	MethodNotAllowed grouping.Code = "method_not_allowed"
	// PayloadTooLarge: the request body is over the server's limit
	// (HTTP 413).
	PayloadTooLarge grouping.Code = "payload_too_large"
	// UnsupportedMediaType: the server refused the body's type (HTTP 415).
	UnsupportedMediaType grouping.Code = "unsupported_media_type"
)

// Sentinels for errors.Is, matching any *grouping.Error with their code:
//
//	if errors.Is(err, client.ErrUnauthenticated) { … } // log in again
var (
	ErrUnauthenticated = &grouping.Error{Code: Unauthenticated}
	ErrForbidden       = &grouping.Error{Code: Forbidden}
)

// StatusError is the cause wrapped by the error of a server error (5xx)
// and of a response that is not one of the API's shapes. Reach it with
// errors.As.
type StatusError struct {
	// StatusCode is the response's HTTP status.
	StatusCode int
	// Header holds the response's headers, such as Retry-After.
	Header http.Header
	// Message is the message of the error body, or what was wrong with
	// the response.
	Message string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("server answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// statusCodes maps HTTP statuses to codes, for error bodies without a code.
var statusCodes = map[int]grouping.Code{
	http.StatusBadRequest:            grouping.Invalid,
	http.StatusUnauthorized:          Unauthenticated,
	http.StatusForbidden:             Forbidden,
	http.StatusNotFound:              grouping.NotFound,
	http.StatusMethodNotAllowed:      MethodNotAllowed,
	http.StatusConflict:              grouping.Conflict,
	http.StatusPreconditionFailed:    grouping.PreconditionFailed,
	http.StatusRequestEntityTooLarge: PayloadTooLarge,
	http.StatusUnsupportedMediaType:  UnsupportedMediaType,
	http.StatusServiceUnavailable:    grouping.Unavailable,
	http.StatusInsufficientStorage:   grouping.InsufficientStorage,
}

// knownCodes are the codes a workspace error body may carry.
var knownCodes = []grouping.Code{
	grouping.NotFound, grouping.Conflict, grouping.Invalid, grouping.PreconditionFailed,
	grouping.Unavailable, grouping.InsufficientStorage, grouping.Internal,
	Unauthenticated, Forbidden, MethodNotAllowed, PayloadTooLarge, UnsupportedMediaType,
}

// errorBody holds either error shape: {"status":"error","status_code":N,
// "message":…,"errors":{…}} or {"code":…,"message":…}.
type errorBody struct {
	Status  string            `json:"status"`
	Code    string            `json:"code"`
	Message *string           `json:"message"`
	Errors  map[string]string `json:"errors"`
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 1 << 20

// responseError turns an error response into the *grouping.Error the
// server's store returned. fields, when not nil, names the offending input
// of an invalid-input answer that carries no field.
func responseError(res *http.Response, fields func() error) error {
	code, known := statusCodes[res.StatusCode]
	if !known {
		code = grouping.Internal
	}
	var body errorBody
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	shaped := err == nil && json.Unmarshal(raw, &body) == nil && body.Message != nil &&
		(body.Status == "error" || body.Code != "")
	if !shaped {
		// Not the API's answer: a proxy's page, or a route outside the API.
		return &grouping.Error{
			Code:    grouping.Internal,
			Message: "client: unexpected response from the server",
			Err:     &StatusError{StatusCode: res.StatusCode, Header: res.Header},
		}
	}
	if c := grouping.Code(body.Code); slices.Contains(knownCodes, c) {
		code = c
	}
	e := &grouping.Error{Code: code, Message: *body.Message}
	var names []string
	e.Problems, names = splitErrors(body.Errors)
	switch {
	case code == grouping.Invalid && len(names) > 0:
		e.Field = names[0]
	case code == grouping.Invalid && fields != nil:
		e.Field = grouping.ErrorField(fields())
	case res.StatusCode >= 500:
		e.Err = &StatusError{StatusCode: res.StatusCode, Header: res.Header, Message: *body.Message}
	}
	return e
}

// splitErrors splits the "errors" object of an organisation error body.
// Its keys that are IDs (UUIDs in their 36-character form) name the
// offending inputs of a bulk call: they become the error's Problems, nil
// when there are none. The other keys name an offending field, parameter
// or header; they are returned in order.
func splitErrors(errs map[string]string) (problems map[string]string, names []string) {
	for k, v := range errs {
		if _, err := uuid.Parse(k); err == nil && len(k) == 36 {
			if problems == nil {
				problems = make(map[string]string)
			}
			problems[k] = v
			continue
		}
		names = append(names, k)
	}
	slices.Sort(names)
	return problems, names
}
