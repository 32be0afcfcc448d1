package grouping

import (
	"errors"
	"fmt"
)

// Code classifies an [Error]. The set is deliberately small: callers branch
// on the code, never on message text.
type Code string

// The error codes every [Store] method reports. HTTP adapters map each code
// to one status.
const (
	// NotFound: the object does not exist, is deleted, or belongs to another
	// organisation or workspace (the two cases are indistinguishable).
	NotFound Code = "not_found"
	// Conflict: the request is well formed but clashes with the current
	// state, such as a duplicate group name or an archived target group.
	Conflict Code = "conflict"
	// Invalid: the input failed validation. Nothing was changed.
	Invalid Code = "invalid"
	// PreconditionFailed: the caller's expected version is stale.
	PreconditionFailed Code = "precondition_failed"
	// Unavailable: the store cannot serve the call now but may soon, such
	// as a database locked by another process beyond the store's bounded
	// wait, or a database file that was deleted or replaced under a running
	// store. Nothing was changed; the caller may retry later. HTTP: 503
	// with Retry-After.
	Unavailable Code = "unavailable"
	// InsufficientStorage: the database's disk is full. Nothing was
	// changed; writes succeed again once space is freed. HTTP: 507.
	InsufficientStorage Code = "insufficient_storage"
	// Internal: anything else (I/O, a broken database). The message is not
	// meant for end users.
	Internal Code = "internal"
)

// Error is the error type returned by every [Store] method.
//
// Message is safe to show to an end user for every code but [Internal].
// Field names the offending input for [Invalid] errors, using the wire
// (JSON) name of the field or query parameter, and is empty otherwise.
// Problems, for an error about several inputs at once (a bulk call), holds
// the problem with each offending input, keyed by its ID or wire name.
// Err is the underlying cause, if any; it is reachable with errors.Unwrap but
// never part of Message.
type Error struct {
	Code     Code
	Message  string
	Field    string
	Problems map[string]string
	Err      error
}

// Error implements the error interface.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = string(e.Code)
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code and either an
// empty message or the same message. It makes the sentinel values below
// usable with errors.Is:
//
//	if errors.Is(err, grouping.ErrNotFound) { … }
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

// Sentinels for errors.Is. They match any *Error carrying the same code.
var (
	ErrNotFound            = &Error{Code: NotFound}
	ErrConflict            = &Error{Code: Conflict}
	ErrInvalid             = &Error{Code: Invalid}
	ErrPreconditionFailed  = &Error{Code: PreconditionFailed}
	ErrUnavailable         = &Error{Code: Unavailable}
	ErrInsufficientStorage = &Error{Code: InsufficientStorage}
	ErrInternal            = &Error{Code: Internal}
)

// ErrorCode returns the code of the first *Error in err's chain, the empty
// string for a nil error and [Internal] for any other error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain. For a nil error it returns "", and for [Internal] errors and errors
// that are not *Error it returns a generic message, so that internal detail
// never leaks to clients.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != Internal && e.Message != "" {
		return e.Message
	}
	return "Internal server error"
}

// ErrorField returns the offending field of an [Invalid] error, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorProblems returns the Problems of the first *Error in err's chain: the
// problem with each offending input of a call about several, or nil.
func ErrorProblems(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns an [Invalid] error naming the offending field.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// WrapInternal wraps err as an [Internal] error with a short description of
// the operation that failed. It returns nil for a nil err and err itself if it
// already is an *Error. Context errors stay reachable with errors.Is.
func WrapInternal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Message: op, Err: err}
}

// NotFoundError returns the [NotFound] error for a kind of object, such as
// NotFoundError("Organisation") with the message "Organisation not found".
// Stores use it so that every implementation reports the same text.
func NotFoundError(object string) *Error {
	return &Error{Code: NotFound, Message: object + " not found"}
}
