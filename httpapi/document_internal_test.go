package httpapi

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestUUIDPatternIsTheParser checks that the pattern of the document's
// Uuid schema accepts exactly what the API accepts as a UUID, in paths and
// bodies, so that a client-side validator refuses what the server would.
func TestUUIDPatternIsTheParser(t *testing.T) {
	is := is.New(t)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Pattern string `json:"pattern"`
			} `json:"schemas"`
		} `json:"components"`
	}
	is.NoErr(json.Unmarshal(OpenAPI(), &doc)) // the document parses
	pattern := regexp.MustCompile(doc.Components.Schemas["Uuid"].Pattern)
	id := uuid.NewString()
	inputs := []string{
		id, strings.ToUpper(id), "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
		"{" + id + "}", "urn:uuid:" + id, strings.ReplaceAll(id, "-", ""), id + "\n", " " + id, id[:35],
		id[:35] + "g", strings.Replace(id, "-", "_", 1), id[:8] + "-" + id[9:], "", "Ａ" + id[3:],
		id[:8] + id[8:9] + id[10:14] + "-" + id[14:], // a hyphen moved
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789abcdefABCDEFgG-{}:x "
	for range 5000 {
		b := []byte(id)
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		_, err := parseUUID("id", s)
		if got := pattern.MatchString(s); got != (err == nil) {
			t.Errorf("%q: the pattern says %v, the server %v", s, got, err == nil)
		}
	}
}

// TestServedDocumentListsTheRoutes checks that the operations of a served
// document are exactly the routes the API registers, with their actions,
// with and without extensions, and with and without a store that keeps
// events.
func TestServedDocumentListsTheRoutes(t *testing.T) {
	noEvents := struct{ grouping.Store }{memstore.New()}
	for _, tc := range []struct {
		store grouping.Store
		opts  []Option
	}{
		{memstore.New(), []Option{WithoutAuthentication()}},
		{memstore.New(), []Option{WithoutAuthentication(), WithoutExtensions()}},
		{memstore.New(), []Option{WithoutAuthentication(), WithPrefix("/api")}},
		{noEvents, []Option{WithoutAuthentication()}},
		{noEvents, []Option{WithoutAuthentication(), WithoutExtensions()}},
	} {
		is := is.New(t)
		a, err := New(tc.store, tc.opts...)
		is.NoErr(err) // the API is made
		var routes []string
		a.addRoutes(func(method, path string, action Action, _ http.Handler) {
			routes = append(routes, method+" "+path+" "+action.String())
		})
		routes = append(routes, "GET /openapi.json ")

		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		is.NoErr(json.Unmarshal(a.OpenAPI(), &doc)) // the document parses
		var documented []string
		for path, item := range doc.Paths {
			for method, raw := range item {
				var op struct {
					Action string `json:"x-action"`
				}
				is.NoErr(json.Unmarshal(raw, &op)) // the operation parses
				documented = append(documented, strings.ToUpper(method)+" "+path+" "+op.Action)
			}
		}
		slices.Sort(routes)
		slices.Sort(documented)
		is.Equal(documented, routes) // the document lists the registered routes, no more, no fewer
	}
}

// TestJSONObjectRoundTrip checks the order-keeping JSON reader and writer:
// the embedded document, read and written again, is byte for byte the
// file; escapes come out as encoding/json writes them, HTML characters
// aside.
func TestJSONObjectRoundTrip(t *testing.T) {
	is := is.New(t)
	v, err := parseJSON(openAPIDocument)
	is.NoErr(err)                                                         // the document parses
	is.Equal(string(indentedJSON(v)), string(openAPIDocument))            // and is written back as it was
	is.Equal(string(indentedJSON(cloneJSON(v))), string(openAPIDocument)) // so is a copy

	in := `{"b":[1,-2.5e3,true,false,null,{}],"a":"q\"\\\n\r\t\u0001\u2028<&>é","":[]}`
	v, err = parseJSON([]byte(in))
	is.NoErr(err) // the sample parses
	o := v.(*jsonObject)
	is.Equal(o.keys(), []string{"b", "a", ""}) // in order
	out, err := o.MarshalJSON()
	is.NoErr(err)                                                                                        // and is written
	is.Equal(string(out), `{"b":[1,-2.5e3,true,false,null,{}],"a":"q\"\\\n\r\t\u0001\u2028<&>é","":[]}`) // as it was read
	_, err = parseJSON([]byte(`{"a":1} x`))
	is.True(err != nil) // data after the value is refused
}
