package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// jsonObject is a JSON object that keeps its members in their order, so
// that the document an API serves reads like the embedded one. Its values
// are *jsonObject, []any, string, json.Number, bool and nil.
type jsonObject struct {
	members []jsonMember
}

type jsonMember struct {
	key   string
	value any
}

// parseJSON reads one JSON value, keeping the order of object members.
func parseJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readJSON(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

func readJSON(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := &jsonObject{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := readJSON(dec)
			if err != nil {
				return nil, err
			}
			o.members = append(o.members, jsonMember{k.(string), v})
		}
		_, err := dec.Token() // }
		return o, err
	case json.Delim('['):
		a := []any{}
		for dec.More() {
			v, err := readJSON(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.Token() // ]
		return a, err
	}
	return tok, nil
}

// toJSONValue converts v, any value encoding/json can marshal, to the
// values of a jsonObject.
func toJSONValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return parseJSON(b)
}

// get returns the value of key, or nil.
func (o *jsonObject) get(key string) any {
	if o == nil {
		return nil
	}
	for _, m := range o.members {
		if m.key == key {
			return m.value
		}
	}
	return nil
}

// object returns the value of key if it is an object, and nil otherwise.
func (o *jsonObject) object(key string) *jsonObject {
	v, _ := o.get(key).(*jsonObject)
	return v
}

// set replaces the value of key, or appends the member.
func (o *jsonObject) set(key string, v any) {
	for i := range o.members {
		if o.members[i].key == key {
			o.members[i].value = v
			return
		}
	}
	o.members = append(o.members, jsonMember{key, v})
}

// delete removes the member key, if any.
func (o *jsonObject) delete(key string) {
	if o == nil {
		return
	}
	for i := range o.members {
		if o.members[i].key == key {
			o.members = append(o.members[:i], o.members[i+1:]...)
			return
		}
	}
}

// keys returns the member names in order.
func (o *jsonObject) keys() []string {
	if o == nil {
		return nil
	}
	keys := make([]string, len(o.members))
	for i, m := range o.members {
		keys[i] = m.key
	}
	return keys
}

// MarshalJSON writes the members in order, without escaping HTML
// characters.
func (o *jsonObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	appendJSON(&buf, o, -1)
	return buf.Bytes(), nil
}

// indentedJSON returns v, a value of a jsonObject, indented by two spaces
// as json.Indent would, with a final newline.
func indentedJSON(v any) []byte {
	var buf bytes.Buffer
	appendJSON(&buf, v, 0)
	buf.WriteByte('\n')
	return buf.Bytes()
}

// appendJSON writes v, a value of a jsonObject, to buf in one pass;
// encoding/json would marshal each nested object on its own and compact
// it again. depth is the indentation level, or -1 for compact output.
func appendJSON(buf *bytes.Buffer, v any, depth int) {
	newline := func(d int) {
		if depth >= 0 {
			buf.WriteByte('\n')
			for range d {
				buf.WriteString("  ")
			}
		}
	}
	inner := depth
	if depth >= 0 {
		inner = depth + 1
	}
	switch v := v.(type) {
	case *jsonObject:
		buf.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(inner)
			appendString(buf, m.key)
			buf.WriteByte(':')
			if depth >= 0 {
				buf.WriteByte(' ')
			}
			appendJSON(buf, m.value, inner)
		}
		if len(v.members) > 0 {
			newline(depth)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(inner)
			appendJSON(buf, e, inner)
		}
		if len(v) > 0 {
			newline(depth)
		}
		buf.WriteByte(']')
	case string:
		appendString(buf, v)
	case json.Number:
		buf.WriteString(string(v))
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	default: // nil: parseJSON makes no other values
		buf.WriteString("null")
	}
}

// appendString writes s as a JSON string, escaping what JSON requires
// and, as encoding/json does, U+2028 and U+2029, but not HTML characters.
func appendString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			buf.WriteByte('\\')
			buf.WriteRune(r)
		case r == '\n':
			buf.WriteString(`\n`)
		case r == '\r':
			buf.WriteString(`\r`)
		case r == '\t':
			buf.WriteString(`\t`)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			buf.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				buf.WriteByte(hex[r>>shift&0xf])
			}
		default:
			buf.WriteRune(r)
		}
	}
	buf.WriteByte('"')
}

// cloneJSON returns a deep copy of v, a value of a jsonObject.
func cloneJSON(v any) any {
	switch v := v.(type) {
	case *jsonObject:
		c := &jsonObject{members: make([]jsonMember, len(v.members))}
		for i, m := range v.members {
			c.members[i] = jsonMember{m.key, cloneJSON(m.value)}
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = cloneJSON(e)
		}
		return c
	}
	return v
}

// walkJSON calls fn for every object in v, v included, depth first.
func walkJSON(v any, fn func(*jsonObject)) {
	switch t := v.(type) {
	case *jsonObject:
		fn(t)
		for _, m := range t.members {
			walkJSON(m.value, fn)
		}
	case []any:
		for _, e := range t {
			walkJSON(e, fn)
		}
	}
}
