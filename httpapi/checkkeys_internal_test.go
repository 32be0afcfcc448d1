package httpapi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/matryer/is"
)

// keyBodies are bodies whose keys are well formed, wrong, repeated, escaped
// or hidden after a syntax error.
var keyBodies = []string{
	`{}`,
	` { } `,
	`{"name":"c"}`,
	`{"name":"c","description":"d","owner_id":null,"archived":false,"message_count":3,"users":["a","b"],"created_at":"2024-12-21T12:10:47.492Z"}`,
	`{ "name" : "c" , "users" : [ "a" , "b" ] }`,
	`{"name":"c","Name":"d"}`,
	`{"name":"c","name":"d"}`,
	`{"nom":"c"}`,
	`{"na\u006de":"c"}`,
	`{"name":"c\"}","bogus":1}`,
	`{"name":"c","users":[{"x":"]"},[1,[2]]],"bogus":1}`,
	`{"name":tru,"bogus":1}`,
	`{"bogus":1,"name":tru}`,
	`{"name":,"name":1}`,
	`{"name":"c" "bogus":1}`,
	`{"name":"c",}`,
	`{"name":"c"}{"bogus":1}`,
	`{"name":[1,}`,
	`{"name":"c`,
	`{"name"`,
	`{`,
	`[]`,
	`"name"`,
	"{\"na\tme\":1}",
	`{"name":"c","description":"d","owner_id":null,"archived":false,"message_count":3,"users":[],"created_at":null,"name":1}`,
}

// TestCheckKeysMatchesTokens checks that checkKeys answers every body as
// the token walk does.
func TestCheckKeysMatchesTokens(t *testing.T) {
	fields := fieldNames(reflect.TypeFor[channelRequest]())
	for _, b := range keyBodies {
		t.Run(b, func(t *testing.T) {
			is := is.New(t)
			got, want := checkKeys([]byte(b), fields), checkKeysByToken([]byte(b), fields)
			is.Equal(grouping.ErrorField(got), grouping.ErrorField(want))     // the same key, or none
			is.Equal(grouping.ErrorMessage(got), grouping.ErrorMessage(want)) // the same problem
		})
	}
}

// TestCheckKeysAllocations checks that a well-formed body's keys are
// checked without allocating.
func TestCheckKeysAllocations(t *testing.T) {
	is := is.New(t)
	fields := fieldNames(reflect.TypeFor[groupChannelsOrderRequest]())
	b := []byte(`{"channel_ids":["` + strings.Repeat(`00000000-0000-4000-8000-000000000001","`, 49) + `00000000-0000-4000-8000-000000000002"]}`)
	var err error
	allocs := testing.AllocsPerRun(100, func() { err = checkKeys(b, fields) })
	is.NoErr(err)         // the keys are known
	is.Equal(allocs, 0.0) // and read without allocating
}

// FuzzCheckKeys checks checkKeys against the token walk on any body.
func FuzzCheckKeys(f *testing.F) {
	for _, b := range keyBodies {
		f.Add([]byte(b))
	}
	fields := fieldNames(reflect.TypeFor[channelRequest]())
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := checkKeys(b, fields), checkKeysByToken(b, fields)
		if grouping.ErrorField(got) != grouping.ErrorField(want) || grouping.ErrorMessage(got) != grouping.ErrorMessage(want) {
			t.Fatalf("%q: checkKeys %v, tokens %v", b, got, want)
		}
	})
}
