package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestIfMatch checks group updates and deletes against RFC 9110's If-Match:
// * matches any existing group; a list of entity tags, on one line or
// several and with empty elements, matches when one tag is the current
// ETag by strong comparison, so weak tags never match; otherwise 412 and
// nothing changes. A missing group is 404 whatever If-Match says, and a
// value that is neither * nor a list of entity tags is 400.
func TestIfMatch(t *testing.T) {
	const current = `"3"` // the group's ETag after two updates
	cases := []struct {
		name    string
		method  string
		lines   []string // If-Match header lines
		missing bool     // aim at a group that does not exist
		status  int
	}{
		{"current tag", "PATCH", []string{current}, false, 200},
		{"several tags, the last current", "PATCH", []string{`"1", "3"`}, false, 200},
		{"several tags, the first current", "PATCH", []string{`"3","1"`}, false, 200},
		{"several tags, none current", "PATCH", []string{`"1", "2", "4"`}, false, 412},
		{"tags on several lines", "PATCH", []string{`"1"`, `"3"`}, false, 200},
		{"tags on several lines, none current", "PATCH", []string{`"1"`, `"2"`}, false, 412},
		{"empty list elements", "PATCH", []string{` , "3" ,, `}, false, 200},
		{"trailing comma", "PATCH", []string{`"3",`}, false, 200},
		{"stale tag with a trailing comma", "PATCH", []string{`"1",`}, false, 412},
		{"empty list", "PATCH", []string{``}, false, 412},
		{"any", "PATCH", []string{`*`}, false, 200},
		{"any with spaces", "PATCH", []string{` * `}, false, 200},
		{"weak current tag", "PATCH", []string{`W/"3"`}, false, 412},
		{"weak and strong current tags", "PATCH", []string{`W/"3", "3"`}, false, 200},
		{"weak stale tag and strong current tag", "PATCH", []string{`W/"1", "3"`}, false, 200},
		{"weak current tag among stale ones", "PATCH", []string{`"1", W/"3"`}, false, 412},
		{"tag the API never issues", "PATCH", []string{`"abc"`}, false, 412},
		{"current version with a leading zero", "PATCH", []string{`"03"`}, false, 412},
		{"* in a list", "PATCH", []string{`*, "3"`}, false, 400},
		{"* on a second line", "PATCH", []string{`"3"`, `*`}, false, 400},
		{"tags without a comma", "PATCH", []string{`"3" "3"`}, false, 400},
		{"unquoted tag", "PATCH", []string{`3`}, false, 400},
		{"weak marker in lower case", "PATCH", []string{`w/"3"`}, false, 400},
		{"unterminated tag", "PATCH", []string{`"3`}, false, 400},
		{"missing group, stale tag", "PATCH", []string{`"1"`}, true, 404},
		{"missing group, several tags", "PATCH", []string{`"1", "3"`}, true, 404},
		{"missing group, weak tag", "PATCH", []string{`W/"1"`}, true, 404},
		{"missing group, any", "PATCH", []string{`*`}, true, 404},
		{"delete, several tags", "DELETE", []string{`"2", "3"`}, false, 200},
		{"delete, several stale tags", "DELETE", []string{`"2", "1"`}, false, 412},
		{"delete, weak current tag", "DELETE", []string{`W/"3"`}, false, 412},
		{"delete, any", "DELETE", []string{`*`}, false, 200},
		{"delete missing group, several tags", "DELETE", []string{`"1", "3"`}, true, 404},
		{"delete missing group, weak tag", "DELETE", []string{`W/"3"`}, true, 404},
	}
	for _, sc := range storeCases() {
		for _, tc := range cases {
			t.Run(sc.name+"/"+tc.name, func(t *testing.T) {
				is := is.New(t)
				store := sc.open(t)
				e := newEnv(t, store, envConfig{})
				e.withTokens()
				a := e.fx.a
				group := a.groups[1]
				for _, d := range []string{"one", "two"} {
					_, err := store.UpdateGroup(context.Background(), a.org, group, grouping.GroupUpdate{Description: &d})
					is.NoErr(err) // the group is at version 3
				}
				if tc.missing {
					group = uuid.New()
				}
				req := request{method: tc.method, path: "/organisations/" + a.org.String() + "/groups/" + group.String(),
					lines: http.Header{"If-Match": tc.lines}, as: a.token}
				if tc.method == "PATCH" {
					req.body = `{"description":"changed"}`
				}
				before := snapshot(t, store, a)
				res := e.do(t, req)
				if tc.status == http.StatusOK {
					is.Equal(res.status, http.StatusOK)                              // the precondition holds
					is.True(before != snapshot(t, store, a))                         // and the change is made
					is.True(tc.method != "PATCH" || res.header.Get("ETag") == `"4"`) // to a new version
					return
				}
				m := orgErrorShape(t, res, tc.status) // refused
				if tc.status == http.StatusBadRequest {
					is.True(m["errors"].(map[string]any)["If-Match"] != nil) // naming If-Match
				}
				assertUnchanged(t, before, snapshot(t, store, a)) // and nothing changed
			})
		}
	}
}

// racingStore changes a group right after each GetGroup has read it, as a
// concurrent request could.
type racingStore struct {
	grouping.Store
}

func (s racingStore) GetGroup(ctx context.Context, org, group uuid.UUID, opts grouping.GetGroupOptions) (grouping.Group, error) {
	g, err := s.Store.GetGroup(ctx, org, group, opts)
	if err == nil {
		d := "changed in between"
		_, err = s.Store.UpdateGroup(ctx, org, group, grouping.GroupUpdate{Description: &d})
	}
	return g, err
}

// TestIfMatchSeveralTagsIsAtomic checks that with several entity tags, a
// change made between reading the group and changing it is still caught:
// the version picked from the list is checked by the store, atomically.
func TestIfMatchSeveralTagsIsAtomic(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		is := is.New(t)
		e := newEnv(t, racingStore{store}, envConfig{})
		e.withTokens()
		a := e.fx.a
		path := "/organisations/" + a.org.String() + "/groups/" + a.groups[1].String()
		for _, method := range []string{"PATCH", "DELETE"} {
			req := request{method: method, path: path, header: map[string]string{"If-Match": `"1", "2", "9"`}, as: a.token}
			if method == "PATCH" {
				req.body = `{"name":"Mine"}`
			}
			res := e.do(t, req)
			orgErrorShape(t, res, http.StatusPreconditionFailed) // the version read was listed, but is no longer current
		}
		g, err := store.GetGroup(context.Background(), a.org, a.groups[1], grouping.GetGroupOptions{})
		is.NoErr(err)                                 // the group is still there
		is.Equal(g.Description, "changed in between") // with the change made in between
		is.True(g.Name != "Mine")                     // and not the one conditional on the old version
	})
}
