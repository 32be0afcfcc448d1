package grouping_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

func TestEventJSONRoundTrip(t *testing.T) {
	is := is.New(t)
	at := time.Date(2024, 12, 21, 12, 10, 47, 492_000_000, time.UTC)
	for _, tenant := range []grouping.Tenant{grouping.OrganisationOf(uuid.New()), grouping.WorkspaceOf(uuid.New())} {
		e := grouping.Event{ID: uuid.New(), Tenant: tenant, Sequence: 42, Type: grouping.EventGroupCreated, Time: at, Data: json.RawMessage(`{"a":1}`)}
		b, err := json.Marshal(e)
		is.NoErr(err) // marshal event
		var got grouping.Event
		is.NoErr(json.Unmarshal(b, &got))     // unmarshal it
		is.Equal(got.ID, e.ID)                // the ID survives
		is.Equal(got.Tenant, tenant)          // so does the tenant, by its field's name
		is.Equal(got.Sequence, e.Sequence)    // the sequence
		is.Equal(got.Type, e.Type)            // the type
		is.True(got.Time.Equal(at))           // the time
		is.Equal(string(got.Data), `{"a":1}`) // and the data
	}
	b, _ := json.Marshal(grouping.Event{Tenant: grouping.WorkspaceOf(uuid.New()), Time: at})
	is.True(jsonHasKey(b, "workspaceId") && jsonHasKey(b, "createdAt") && !jsonHasKey(b, "created_at")) // a workspace's event is camelCase
	var e grouping.Event
	is.True(json.Unmarshal([]byte(`{"id":"`+uuid.NewString()+`","sequence":1}`), &e) != nil) // an event without a tenant is refused
}

func jsonHasKey(b []byte, key string) bool {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	_, ok := m[key]
	return ok
}
