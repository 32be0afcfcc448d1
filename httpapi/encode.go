package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/channelgrouping/grouping"
)

// MaxBodyBytes is the largest request body the API reads; a larger one is
// answered with 413.
const MaxBodyBytes = 1 << 20

// encode writes v as the JSON response body with the given status. A value
// that cannot be encoded becomes a 500. The bodies that write their own
// JSON, and the values of package grouping (a channel group), are written
// once, by appendValue; encoding/json would have a value's MarshalJSON
// write it and then check and compact it again.
func encode[T any](w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, v T) {
	writeBody(w, r, logger, status, func(b []byte) ([]byte, error) { return appendValue(b, v) })
}

// writeBody writes the JSON body that body appends to a pooled buffer,
// with the given status, or a 500 if body fails.
func writeBody(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, body func(b []byte) ([]byte, error)) {
	buf := bodyPool.Get().(*[]byte)
	defer putBody(buf)
	b, err := body((*buf)[:0])
	*buf = b
	if err != nil {
		writeError(w, r, logger, &grouping.Error{Code: grouping.Internal, Message: "encode response", Err: err})
		return
	}
	setJSONHeaders(w.Header())
	w.WriteHeader(status)
	b = append(b, '\n')
	*buf = b
	if _, err := w.Write(b); err != nil {
		logger.DebugContext(r.Context(), "write response", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// setJSONHeaders sets the Content-Type and X-Content-Type-Options of a
// JSON response, as Header.Set would, with one allocation for both values.
func setJSONHeaders(h http.Header) {
	v := &[2]string{"application/json", "nosniff"}
	h["Content-Type"] = v[0:1:1]
	h["X-Content-Type-Options"] = v[1:2:2]
}

// bodyPool holds the buffers encode writes response bodies into: a
// ResponseWriter does not keep what it is given to write, so a buffer
// serves the next response once Write returns.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledBody is the largest buffer put back in bodyPool: the buffer of
// a large page is not kept for the small answers that follow.
const maxPooledBody = 64 << 10

func putBody(b *[]byte) {
	if cap(*b) <= maxPooledBody {
		bodyPool.Put(b)
	}
}

// validator is implemented by request bodies that check themselves after
// decoding.
type validator interface {
	validate() error
}

// decode reads the request body as one JSON object into a T and, if T is a
// validator, validates it. Its errors carry the status the client gets:
// 415 for a Content-Type other than application/json, 413 for a body over
// MaxBodyBytes, 400 naming the field for everything else (no body, bad
// JSON, unknown fields, wrong types, trailing data, failed validation).
func decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if err := checkContentType(r.Header); err != nil {
		return v, err
	}
	tooLarge := func() error {
		return grouping.Errorf(codePayloadTooLarge, "Request body must not exceed %d bytes", MaxBodyBytes)
	}
	if r.ContentLength > MaxBodyBytes {
		return v, tooLarge()
	}
	// The body is read into a pooled buffer: decoding copies what it
	// keeps, so the buffer serves the next request once decode returns.
	buf := bodyPool.Get().(*[]byte)
	defer putBody(buf)
	b, err := readAll((*buf)[:0], http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	*buf = b
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return v, tooLarge()
		}
		return v, grouping.InvalidField("body", "request body could not be read")
	}
	switch trimmed := bytes.TrimLeft(b, " \t\r\n"); {
	case len(trimmed) == 0:
		return v, grouping.InvalidField("body", "request body is required")
	case trimmed[0] != '{':
		return v, grouping.InvalidField("body", "request body must be a JSON object")
	case !utf8.Valid(b):
		// encoding/json would silently replace the bad bytes.
		return v, grouping.InvalidField("body", "request body must be valid UTF-8")
	}
	bt := bodyTypeOf(reflect.TypeFor[T]())
	if err := checkKeys(b, bt.fields); err != nil {
		return v, err
	}
	if v, err = unmarshal[T](b, bt.flat); err != nil {
		return v, err
	}
	if vd, ok := any(&v).(validator); ok {
		if err := vd.validate(); err != nil {
			return v, err
		}
	}
	return v, nil
}

// unmarshal decodes b, a whole body whose keys checkKeys has passed, into
// a T. Where T is flat (see bodyType), encoding/json's Unmarshal does it
// without a Decoder or a copy of b: it succeeds only where unmarshalStream
// would, with the same value, as checkKeys has refused every key that
// DisallowUnknownFields would, and it refuses anything after the object.
// When it fails, or T is not flat, unmarshalStream decodes b, and its
// errors say what is wrong.
func unmarshal[T any](b []byte, flat bool) (T, error) {
	if flat {
		var v T
		if json.Unmarshal(b, &v) == nil {
			return v, nil
		}
	}
	return unmarshalStream[T](b)
}

// unmarshalStream decodes b into a T with a Decoder that refuses unknown
// fields, and refuses anything after the first value, naming the offending
// field or position.
func unmarshalStream[T any](b []byte) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, jsonError(err)
	}
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) > 0 {
		return v, grouping.InvalidField("body", "request body must hold a single JSON object and nothing after it")
	}
	return v, nil
}

// readAll appends what rd holds to b, as io.ReadAll does to a new slice.
func readAll(b []byte, rd io.Reader) ([]byte, error) {
	for {
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow
		}
	}
}

// checkKeys rejects what encoding/json would let through: object keys that
// match a field only when case is ignored, and keys given twice (of which
// encoding/json would silently keep the last). Syntax errors are left to
// the decoding that follows, which reports them with their position.
//
// The keys of a well-formed body are read by keysKnownOnce, which neither
// decodes nor allocates; checkKeysByToken, which walks the body's tokens
// with encoding/json, names the offending key of the others.
func checkKeys(b []byte, fields map[string]bool) error {
	if keysKnownOnce(b, fields) {
		return nil
	}
	return checkKeysByToken(b, fields)
}

// keysKnownOnce reports whether b is an object whose top-level keys are
// all in fields, none of them twice. It reads only the object's structure
// (strings, nesting, colons and commas) and skips the values without
// checking them, which decoding does. A key with an escape, or anything it
// does not read as expected, makes it report false.
//
// It reports true only where checkKeysByToken returns nil: on the part of
// b that is valid JSON both read the same keys, and checkKeysByToken finds
// a problem only there.
func keysKnownOnce(b []byte, fields map[string]bool) bool {
	var seenBuf [8][]byte
	seen := seenBuf[:0]
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end := i + 1
		for end < len(b) && b[end] != '"' && b[end] != '\\' {
			end++
		}
		if end >= len(b) || b[end] != '"' {
			return false
		}
		key := b[i+1 : end]
		if !fields[string(key)] || len(seen) == len(seenBuf) {
			return false
		}
		for _, k := range seen {
			if bytes.Equal(k, key) {
				return false
			}
		}
		seen = append(seen, key)
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		if i = skipValue(b, skipSpace(b, i+1)); i < 0 {
			return false
		}
		switch i = skipSpace(b, i); {
		case i >= len(b):
			return false
		case b[i] == '}':
			return true
		case b[i] == ',':
			i = skipSpace(b, i+1)
		default:
			return false
		}
	}
}

// skipSpace returns the index of the first byte of b from i on that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipValue returns the index just after the value that starts at b[i],
// found by its structure alone: a string up to its closing quote, an
// object or array up to the bracket that closes it, anything else up to
// the next comma, closing bracket or whitespace. It returns -1 when b ends
// first.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if i >= len(b) {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return -1
}

// checkKeysByToken is checkKeys by encoding/json's tokens: it names the
// first unknown or repeated key, and returns nil at the first syntax
// error.
func checkKeysByToken(b []byte, fields map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	seen := make(map[string]bool, len(fields))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		switch {
		case !fields[key]:
			return grouping.InvalidField(key, "unknown field %q", key)
		case seen[key]:
			return grouping.InvalidField(key, "field %q is given more than once", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

// bodyType is what decode needs to know of a request body's struct type.
type bodyType struct {
	// fields are the JSON names of its fields.
	fields map[string]bool
	// flat says that no field holds a struct, in which unknown fields
	// would be refused below the top level.
	flat bool
}

// bodyTypeOf returns the bodyType of struct type t.
func bodyTypeOf(t reflect.Type) *bodyType {
	if bt, ok := bodyTypes.Load(t); ok {
		return bt.(*bodyType)
	}
	bt := &bodyType{fields: make(map[string]bool, t.NumField()), flat: true}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
			continue
		case name == "":
			name = f.Name
		}
		bt.fields[name] = true
		bt.flat = bt.flat && !holdsStruct(f.Type)
	}
	bodyTypes.Store(t, bt)
	return bt
}

// bodyTypes holds the result of bodyTypeOf by type, which callers only
// read.
var bodyTypes sync.Map

// holdsStruct reports whether a value of type t is or holds a struct.
func holdsStruct(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return holdsStruct(t.Elem())
	}
	return false
}

// fieldNames returns the JSON names of the fields of struct type t.
func fieldNames(t reflect.Type) map[string]bool {
	return bodyTypeOf(t).fields
}

// checkContentType accepts a request without Content-Type (its body is read
// as JSON) and application/json with any parameters, as long as a charset,
// when given, is UTF-8. Anything else is 415.
func checkContentType(h http.Header) error {
	values := h.Values("Content-Type")
	if len(values) == 0 {
		return nil
	}
	unsupported := func() error {
		return grouping.Errorf(codeUnsupportedMediaType, "Content-Type must be application/json")
	}
	if len(values) > 1 {
		return unsupported()
	}
	if values[0] == "application/json" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(values[0])
	if err != nil || mt != "application/json" {
		return unsupported()
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return unsupported()
	}
	return nil
}

// jsonError turns an encoding/json error into an Invalid error naming the
// offending field, or "body" when no single field is to blame.
func jsonError(err error) error {
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if e.Field == "" {
			return grouping.InvalidField("body", "request body must be a JSON object")
		}
		return grouping.InvalidField(e.Field, "%s must be %s", e.Field, describeType(e.Type))
	}
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return grouping.InvalidField("body", "request body is not valid JSON (at byte %d)", e.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return grouping.InvalidField("body", "request body is not valid JSON (it ends too early)")
	}
	// Unknown fields were reported by checkKeys before decoding.
	return grouping.InvalidField("body", "request body is not valid JSON")
}

// describeType names a Go type the way a JSON client thinks of it.
func describeType(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return fmt.Sprintf("an array of %ss", strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "a "), "an "))
	case reflect.Pointer:
		return describeType(t.Elem())
	default:
		return "a JSON object"
	}
}

// envelope is the success body of the organisation routes.
type envelope struct {
	Status     string `json:"status"`
	StatusCode int    `json:"status_code"`
	Message    string `json:"message"`
	Data       any    `json:"data,omitempty"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// jsonAppender is implemented by the response bodies that write their JSON
// in one pass: the envelope and the workspace bodies. encoding/json would
// have each value of package grouping write its JSON and then check and
// compact it again.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// appendJSON writes the envelope as encoding/json would.
func (e envelope) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"status":`...)
	b = appendJSONString(b, e.Status)
	b = append(b, `,"status_code":`...)
	b = strconv.AppendInt(b, int64(e.StatusCode), 10)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, e.Message)
	if e.Data != nil {
		b = append(b, `,"data":`...)
		var err error
		if b, err = appendValue(b, e.Data); err != nil {
			return nil, err
		}
	}
	if e.NextCursor != "" {
		b = append(b, `,"next_cursor":`...)
		b = appendJSONString(b, e.NextCursor)
	}
	return append(b, '}'), nil
}

// appendValue appends the JSON of v. The values of package grouping, and
// slices of them, write their own JSON, which is compact and valid (package
// grouping tests it against encoding/json), so it is taken as it is; any
// other value goes through encoding/json.
func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case grouping.Group:
		return v.AppendJSON(slices.Grow(b, 320+len(v.Channels)*listItemGuess)), nil
	case grouping.Channel:
		return v.AppendJSON(slices.Grow(b, listItemGuess+40*len(v.Users))), nil
	case grouping.ChannelGroup:
		return v.AppendJSON(slices.Grow(b, 256+40*len(v.ChannelIDs))), nil
	case jsonValue:
		return v.AppendJSON(b), nil
	case []grouping.Group:
		return appendList(b, v)
	case []grouping.Channel:
		return appendList(b, v)
	case []grouping.ChannelGroup:
		return appendList(b, v)
	case []grouping.Event:
		return appendList(b, v)
	case jsonAppender:
		return v.appendJSON(b)
	}
	out, err := json.Marshal(v)
	return append(b, out...), err
}

// jsonValue is implemented by the values of package grouping, which
// append their JSON form to a buffer.
type jsonValue interface {
	AppendJSON(b []byte) []byte
}

// appendList appends a list of values of package grouping, [] when empty,
// growing b once for a guess at the list's size.
func appendList[T jsonValue](b []byte, items []T) ([]byte, error) {
	if items == nil {
		return append(b, "null"...), nil
	}
	b = slices.Grow(b, 2+len(items)*listItemGuess)
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = it.AppendJSON(b)
	}
	return append(b, ']'), nil
}

// listItemGuess is a guess at the JSON size of one item of a list, in
// bytes: a channel without its members takes about 350.
const listItemGuess = 384

// appendJSONString appends s as encoding/json writes a string.
func appendJSONString(b []byte, s string) []byte {
	if isPlainASCII(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	out, _ := json.Marshal(s) // a string always encodes
	return append(b, out...)
}

// isPlainASCII reports whether s is printable ASCII that encoding/json
// writes as it is.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// nonNil returns items, or an empty slice for nil, so that a list is
// written as [] and never as null whatever the store hands back.
func nonNil[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}

// respond writes a 200 organisation envelope. data may be nil for messages
// without data; next is the cursor of the next page of a list, if any.
func respond(w http.ResponseWriter, r *http.Request, logger *slog.Logger, message string, data any, next string) {
	e := envelope{
		Status:     "success",
		StatusCode: http.StatusOK,
		Message:    message,
		Data:       data,
		NextCursor: next,
	}
	// Not through encode, which would copy the envelope into an interface.
	writeBody(w, r, logger, http.StatusOK, e.appendJSON)
}
