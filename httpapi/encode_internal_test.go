package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// plainEnvelope is envelope without its hand-written JSON: the reference.
type plainEnvelope struct {
	Status     string `json:"status"`
	StatusCode int    `json:"status_code"`
	Message    string `json:"message"`
	Data       any    `json:"data,omitempty"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// TestBodiesWriteWhatEncodingJSONWrites checks the bodies written in one
// pass against encoding/json, byte for byte.
func TestBodiesWriteWhatEncodingJSONWrites(t *testing.T) {
	is := is.New(t)
	at := time.Date(2024, 12, 21, 12, 10, 47, 492_000_000, time.UTC)
	gid := uuid.New()
	ch := grouping.Channel{ID: uuid.New(), Name: `<b>"x"</b> é`, OrganisationID: uuid.New(), GroupID: &gid, CreatedAt: at}
	g := grouping.Group{ID: gid, Name: "Sales & Support", Channels: []grouping.Channel{ch}, CreatedAt: at, UpdatedAt: at}
	cg := grouping.ChannelGroup{ID: uuid.New(), PlatformID: "whatsapp", ChannelIDs: []uuid.UUID{uuid.New()}, CreatedAt: at, UpdatedAt: at}
	ev := grouping.Event{ID: uuid.New(), Tenant: grouping.WorkspaceOf(uuid.New()), Sequence: 3, Type: grouping.EventChannelGroupDeleted, Time: at, Data: json.RawMessage(`{"channelGroupId":"x"}`)}
	datas := []any{nil, g, ch, cg, ev, grouping.Organisation{ID: uuid.New(), Name: "Acme\u2028", CreatedAt: at},
		[]grouping.Group{g, g}, []grouping.Group{}, []grouping.Channel{ch}, []grouping.ChannelGroup{cg}, []grouping.Event{ev},
		eventPage{Events: []grouping.Event{ev}, Next: 3, HasMore: true}, map[string]int{"a": 1}}
	for _, d := range datas {
		for _, e := range []envelope{
			{Status: "success", StatusCode: 200, Message: "Groups fetched successfully", Data: d},
			{Status: "success", StatusCode: 200, Message: "Mixed \"quotes\" <&> é", Data: d, NextCursor: "abc_-+/="},
		} {
			want, err := json.Marshal(plainEnvelope(e))
			is.NoErr(err) // reference
			got, err := e.appendJSON(nil)
			is.NoErr(err) // one pass
			if string(got) != string(want) {
				t.Logf("got  %s\nwant %s", got, want)
			}
			is.Equal(string(got), string(want)) // the envelope, byte for byte
		}
	}
	type plainList channelGroupList
	for _, l := range []channelGroupList{{Results: []grouping.ChannelGroup{cg}}, {Results: []grouping.ChannelGroup{}, NextPageToken: "t"}} {
		want, _ := json.Marshal(plainList(l))
		got, err := l.appendJSON(nil)
		is.NoErr(err)                       // one pass
		is.Equal(string(got), string(want)) // the workspace list, byte for byte
	}
	type plainPage workspaceEventPage
	wp := workspaceEventPage{Results: []grouping.Event{ev}, Next: 3}
	want, _ := json.Marshal(plainPage(wp))
	got, err := wp.appendJSON(nil)
	is.NoErr(err)                       // one pass
	is.Equal(string(got), string(want)) // the workspace page of events, byte for byte
}
