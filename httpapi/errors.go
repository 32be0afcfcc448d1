package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"

	"github.com/channelgrouping/grouping"
)

// Codes of the errors that only the HTTP layer reports. Together with the
// grouping codes they are the "code" values of workspace error bodies.
const (
	codeUnauthorized         grouping.Code = "unauthorized"
	codeForbidden            grouping.Code = "forbidden"
	codeMethodNotAllowed     grouping.Code = "method_not_allowed"
	codePayloadTooLarge      grouping.Code = "payload_too_large"
	codeUnsupportedMediaType grouping.Code = "unsupported_media_type"
)

// retryAfterSeconds is the Retry-After of every 503.
const retryAfterSeconds = "1"

// statusCode is the table from error code to HTTP status. Unknown codes are
// internal errors.
func statusCode(c grouping.Code) int {
	switch c {
	case grouping.Invalid:
		return http.StatusBadRequest
	case codeUnauthorized:
		return http.StatusUnauthorized
	case codeForbidden:
		return http.StatusForbidden
	case grouping.NotFound:
		return http.StatusNotFound
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case grouping.Conflict:
		return http.StatusConflict
	case grouping.PreconditionFailed:
		return http.StatusPreconditionFailed
	case codePayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case grouping.Unavailable:
		return http.StatusServiceUnavailable
	case grouping.InsufficientStorage:
		return http.StatusInsufficientStorage
	default:
		return http.StatusInternalServerError
	}
}

// errorDetails returns the "errors" object of an organisation error body:
// the problem with each offending input of a call about several at once
// (the IDs of a bulk call, from the error's Problems), and for invalid
// input the offending field with the error's message. It is nil when there
// is neither.
func errorDetails(err error, code grouping.Code, msg string) map[string]string {
	problems := grouping.ErrorProblems(err)
	field := ""
	if code == grouping.Invalid {
		field = grouping.ErrorField(err)
	}
	if len(problems) == 0 && field == "" {
		return nil
	}
	details := make(map[string]string, len(problems)+1)
	maps.Copy(details, problems)
	if _, named := details[field]; field != "" && !named {
		details[field] = msg
	}
	return details
}

// orgError is the error body of the organisation routes.
type orgError struct {
	Status     string            `json:"status"`
	StatusCode int               `json:"status_code"`
	Message    string            `json:"message"`
	Errors     map[string]string `json:"errors,omitempty"`
}

// workspaceError is the error body of the workspace routes.
type workspaceError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError writes every error response of the API, in the shape of the
// request's route family. The status comes from the error's code
// (statusCode); errors that are not *grouping.Error are internal. Internal
// errors are logged with the request's method and path and answered with a
// generic message, never with their detail. Headers that belong to the
// error (WWW-Authenticate, Allow) are set by the caller beforehand.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := grouping.ErrorCode(err)
	msg := grouping.ErrorMessage(err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The client went away or a deadline passed: not a fault of the
		// service, so no error log, and a status that says to try again.
		code, msg = grouping.Unavailable, "The request was cancelled or timed out"
		logger.InfoContext(r.Context(), "request abandoned", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status := statusCode(code)
	if status == http.StatusServiceUnavailable {
		// The store may serve the request in a moment: a lock held by
		// another process, a caller that gave up.
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	if status == http.StatusInternalServerError {
		code, msg = grouping.Internal, "Internal server error"
		logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body any
	switch requestFamily(r) {
	case familyWorkspace:
		body = workspaceError{Code: string(code), Message: msg}
	default:
		e := orgError{Status: "error", StatusCode: status, Message: msg}
		if status < http.StatusInternalServerError {
			e.Errors = errorDetails(err, code, msg)
		}
		body = e
	}
	encode(w, r, logger, status, body)
}
