package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/matryer/is"
)

// TestMalformedQuery sends query strings that cannot be parsed to every
// list route, and to routes that read no query at all: each is 400 naming
// the parameter (or "query" when there is none to name) and saying what is
// wrong, and nothing changes.
func TestMalformedQuery(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		e := newEnv(t, store, envConfig{})
		e.withTokens()
		a := e.fx.a
		org := "/organisations/" + a.org.String()
		ws := "/workspaces/" + a.ws.String()
		routes := []struct{ method, path string }{
			{"GET", org + "/groups"},
			{"GET", org + "/groups/" + a.groups[0].String() + "/channels"},
			{"GET", org + "/groups/channels/no-group"},
			{"GET", org + "/groups/channels/user-no-group"},
			{"GET", ws + "/channel-groups"},
			{"GET", org + "/events"},
			{"GET", ws + "/events"},
			{"GET", org + "/groups/" + a.groups[0].String()},                                          // reads include only
			{"GET", ws + "/channel-groups/" + a.chGroup.String()},                                     // reads no query
			{"DELETE", org + "/groups/" + a.groups[1].String()},                                       // a write reads none either
			{"POST", org + "/groups/" + a.groups[1].String() + "/channels/" + a.channels[2].String()}, // nor does this one
		}
		queries := []struct {
			query, field, problem string
		}{
			{"cursor=%%%", "cursor", "percent-encoded"},
			{"limit=%zz", "limit", "percent-encoded"},
			{"limit=1;cursor=x", "query", ";"},
			{"limit=1&cursor=x;y", "query", ";"},
			{"%zz=1", "query", "percent-encoded"},
			{"unknown=%e", "unknown", "percent-encoded"},
			{"limit=1&pageToken=%G0", "pageToken", "percent-encoded"},
		}
		before := snapshot(t, e.store, a)
		for _, r := range routes {
			for _, q := range queries {
				t.Run(r.method+" "+r.path+"?"+q.query, func(t *testing.T) {
					is := is.New(t)
					res := e.do(t, request{method: r.method, path: r.path + "?" + q.query, as: a.token})
					var msg string
					if strings.HasPrefix(r.path, "/workspaces/") {
						m := workspaceErrorShape(t, res, http.StatusBadRequest, "invalid") // refused
						msg = m["message"].(string)
						is.True(strings.Contains(msg, q.field)) // naming the parameter
					} else {
						m := orgErrorShape(t, res, http.StatusBadRequest) // refused
						msg = m["message"].(string)
						errs, _ := m["errors"].(map[string]any)
						is.Equal(errs[q.field], msg) // naming the parameter
					}
					is.True(strings.Contains(msg, q.problem))           // and the problem
					assertUnchanged(t, before, snapshot(t, e.store, a)) // nothing changed
				})
			}
		}

		t.Run("well-formed queries", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "GET", path: org + "/groups?limit=%31&&cursor=", as: a.token})
			m := orgEnvelope(t, res, "Groups fetched successfully")
			is.Equal(len(m["data"].([]any)), 1) // an encoded digit is a digit; empty pairs and an empty cursor are nothing
			res = e.do(t, request{method: "GET", path: ws + "/channel-groups?platformId=whats%61pp&x=%3B", as: a.token})
			is.Equal(res.status, http.StatusOK)             // an encoded ; is a character like any other
			is.Equal(len(res.json()["results"].([]any)), 1) // and the filter is decoded
		})
	})
}
