package httpapi

import (
	"reflect"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/matryer/is"
)

// valueBodies are bodies that are valid, of the wrong types, truncated,
// malformed, or followed by more, for channelRequest and nestedBody.
var valueBodies = append([]string{
	`{"name":"c","description":"d","owner_id":"00000000-0000-4000-8000-000000000001","archived":true,"message_count":3,"users":["a"],"created_at":null}`,
	" \t{\"name\":\"c\"}\r\n ",
	`{"name":"c"} x`,
	`{"name":"c"}{"name":"d"}`,
	`{"name":"c"}]`,
	`{"name":1}`,
	`{"users":[1]}`,
	`{"users":"a"}`,
	`{"users":[{"x":1}]}`,
	`{"owner_id":{"x":1}}`,
	`{"message_count":1.5}`,
	`{"message_count":99999999999999999999}`,
	`{"archived":"true"}`,
	`{"name":"c\u00e9\n"}`,
	`{"inner":{"n":1}}`,
	`{"inner":{"n":1,"other":2}}`,
	`{"inner":{"n":"1"}}`,
	`{"inner":null}`,
	`{"list":[{"n":1},{"m":2}]}`,
}, keyBodies...)

// nestedBody holds structs, in which a Decoder refuses unknown fields.
type nestedBody struct {
	Name  string `json:"name"`
	Inner *struct {
		N int `json:"n"`
	} `json:"inner"`
	List []struct {
		N int `json:"n"`
	} `json:"list"`
}

// unmarshalMatches reports the difference, if any, between decoding b as
// decode does and with a Decoder alone, for a body whose keys checkKeys
// passes.
func unmarshalMatches[T any](b []byte) (ok bool, fast, stream any) {
	bt := bodyTypeOf(reflect.TypeFor[T]())
	if checkKeys(b, bt.fields) != nil {
		return true, nil, nil
	}
	v, err := unmarshal[T](b, bt.flat)
	sv, serr := unmarshalStream[T](b)
	if err != nil || serr != nil {
		return grouping.ErrorField(err) == grouping.ErrorField(serr) && grouping.ErrorMessage(err) == grouping.ErrorMessage(serr), err, serr
	}
	return reflect.DeepEqual(v, sv), v, sv
}

// TestUnmarshalMatchesStream checks that decoding a body with Unmarshal,
// where decode does, gives the value or the error a Decoder gives.
func TestUnmarshalMatchesStream(t *testing.T) {
	for _, b := range valueBodies {
		t.Run(b, func(t *testing.T) {
			is := is.New(t)
			ok, fast, stream := unmarshalMatches[channelRequest]([]byte(b))
			is.True(ok) // the same value or the same error, for a flat body
			if !ok {
				t.Logf("Unmarshal %v, Decoder %v", fast, stream)
			}
			ok, fast, stream = unmarshalMatches[nestedBody]([]byte(b))
			is.True(ok) // and for a body that holds structs
			if !ok {
				t.Logf("Unmarshal %v, Decoder %v", fast, stream)
			}
		})
	}
}

// TestBodyTypeFlat checks which request bodies decode takes as flat.
func TestBodyTypeFlat(t *testing.T) {
	is := is.New(t)
	for _, typ := range []reflect.Type{
		reflect.TypeFor[channelRequest](), reflect.TypeFor[groupCreateRequest](), reflect.TypeFor[groupUpdateRequest](),
		reflect.TypeFor[groupsOrderRequest](), reflect.TypeFor[groupChannelsRequest](), reflect.TypeFor[groupChannelsOrderRequest](),
		reflect.TypeFor[organisationRequest](), reflect.TypeFor[channelAttachRequest](),
	} {
		is.True(bodyTypeOf(typ).flat) // the API's request bodies hold no structs
	}
	is.Equal(bodyTypeOf(reflect.TypeFor[nestedBody]()).flat, false) // a pointer to a struct, or a slice of them, is not flat
}

// FuzzUnmarshal checks decode's Unmarshal against a Decoder on any body.
func FuzzUnmarshal(f *testing.F) {
	for _, b := range valueBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if ok, fast, stream := unmarshalMatches[channelRequest](b); !ok {
			t.Fatalf("%q: Unmarshal %v, Decoder %v", b, fast, stream)
		}
		if ok, fast, stream := unmarshalMatches[nestedBody](b); !ok {
			t.Fatalf("%q: nested: Unmarshal %v, Decoder %v", b, fast, stream)
		}
	})
}
