package grouping

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/matryer/is"
)

// wire is the reference encoding: encoding/json over structs with the wire
// names, as the JSON forms were written before they were written by hand.
type wireTime time.Time

func (t wireTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(wireTimeLayout) + `"`), nil
}

func wireTimePtr(t *time.Time) *wireTime {
	if t == nil {
		return nil
	}
	w := wireTime(*t)
	return &w
}

func refChannel(c Channel) any {
	var owner *uuid.UUID
	if c.OwnerID != uuid.Nil {
		owner = &c.OwnerID
	}
	return struct {
		ID             uuid.UUID   `json:"channels_id"`
		Name           string      `json:"name"`
		Description    string      `json:"description"`
		OrganisationID uuid.UUID   `json:"organisation_id"`
		OwnerID        *uuid.UUID  `json:"owner_id"`
		Users          []uuid.UUID `json:"users"`
		UserCount      int         `json:"user_count"`
		MessageCount   int64       `json:"message_count"`
		Archived       bool        `json:"archived"`
		GroupID        *uuid.UUID  `json:"group_id"`
		CreatedAt      wireTime    `json:"created_at"`
		DeletedAt      *wireTime   `json:"deleted_at"`
	}{c.ID, c.Name, c.Description, c.OrganisationID, owner, c.Users, c.UserCount,
		c.MessageCount, c.Archived, c.GroupID, wireTime(c.CreatedAt), wireTimePtr(c.DeletedAt)}
}

func refGroup(g Group) any {
	var chs []any
	if g.Channels != nil {
		chs = []any{}
		for _, c := range g.Channels {
			chs = append(chs, refChannel(c))
		}
	}
	return struct {
		ID             uuid.UUID `json:"id"`
		Name           string    `json:"name"`
		Description    string    `json:"description"`
		OrganisationID uuid.UUID `json:"organisation_id"`
		Channels       []any     `json:"channels"`
		Archived       bool      `json:"archived"`
		Position       int       `json:"position"`
		CreatedAt      wireTime  `json:"created_at"`
		UpdatedAt      wireTime  `json:"updated_at"`
		DeletedAt      *wireTime `json:"deleted_at"`
	}{g.ID, g.Name, g.Description, g.OrganisationID, chs, g.Archived, g.Position,
		wireTime(g.CreatedAt), wireTime(g.UpdatedAt), wireTimePtr(g.DeletedAt)}
}

func refChannelGroup(g ChannelGroup) any {
	return struct {
		ID                uuid.UUID   `json:"id"`
		PlatformID        string      `json:"platformId"`
		PlatformGroupID   string      `json:"platformGroupId"`
		PlatformGroupName string      `json:"platformGroupName"`
		ChannelIDs        []uuid.UUID `json:"channelIds"`
		CreatedAt         wireTime    `json:"createdAt"`
		UpdatedAt         wireTime    `json:"updatedAt"`
	}{g.ID, g.PlatformID, g.PlatformGroupID, g.PlatformGroupName, g.ChannelIDs, wireTime(g.CreatedAt), wireTime(g.UpdatedAt)}
}

// strs are strings that escaping must get right.
var strs = []string{"", "plain", `quote " backslash \ slash /`, "<b>&amp;</b>", "tab\tnew\nline\r",
	"\x00\x01\x1f\x7f", "é ß 漢字 🙂", "line\u2028para\u2029", "bad \xff\xfe utf8 \xc3", "\u00e9\u0301"}

func randString(r *rand.Rand) string {
	s := strs[r.IntN(len(strs))]
	if r.IntN(3) == 0 {
		s += strs[r.IntN(len(strs))]
	}
	return s
}

func randTime(r *rand.Rand) time.Time {
	return time.UnixMilli(r.Int64N(4_000_000_000_000)).In(time.FixedZone("x", 3600))
}

func randTimePtr(r *rand.Rand) *time.Time {
	if r.IntN(2) == 0 {
		return nil
	}
	t := randTime(r)
	return &t
}

func randIDs(r *rand.Rand) []uuid.UUID {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []uuid.UUID{}
	}
	ids := make([]uuid.UUID, 1+r.IntN(3))
	for i := range ids {
		ids[i] = uuid.New()
	}
	return ids
}

// refChannelGroupInEvent is a channel group as events carry it: without
// its channel IDs.
func refChannelGroupInEvent(g ChannelGroup) any {
	return struct {
		ID                uuid.UUID `json:"id"`
		PlatformID        string    `json:"platformId"`
		PlatformGroupID   string    `json:"platformGroupId"`
		PlatformGroupName string    `json:"platformGroupName"`
		CreatedAt         wireTime  `json:"createdAt"`
		UpdatedAt         wireTime  `json:"updatedAt"`
	}{g.ID, g.PlatformID, g.PlatformGroupID, g.PlatformGroupName, wireTime(g.CreatedAt), wireTime(g.UpdatedAt)}
}

func randChannel(r *rand.Rand) Channel {
	c := Channel{ID: uuid.New(), Name: randString(r), Description: randString(r), OrganisationID: uuid.New(),
		Users: randIDs(r), UserCount: r.IntN(10), MessageCount: r.Int64N(1 << 40), Archived: r.IntN(2) == 0,
		CreatedAt: randTime(r), DeletedAt: randTimePtr(r)}
	if r.IntN(2) == 0 {
		c.OwnerID = uuid.New()
	}
	if r.IntN(2) == 0 {
		id := uuid.New()
		c.GroupID = &id
	}
	return c
}

func randGroup(r *rand.Rand) Group {
	g := Group{ID: uuid.New(), Name: randString(r), Description: randString(r), OrganisationID: uuid.New(),
		Archived: r.IntN(2) == 0, Position: r.IntN(1000) - 5, CreatedAt: randTime(r), UpdatedAt: randTime(r), DeletedAt: randTimePtr(r)}
	switch r.IntN(3) {
	case 1:
		g.Channels = []Channel{}
	case 2:
		g.Channels = []Channel{randChannel(r), randChannel(r)}
	}
	return g
}

func randChannelGroup(r *rand.Rand) ChannelGroup {
	return ChannelGroup{ID: uuid.New(), PlatformID: randString(r), PlatformGroupID: randString(r),
		PlatformGroupName: randString(r), ChannelIDs: randIDs(r), CreatedAt: randTime(r), UpdatedAt: randTime(r)}
}

// sameJSON checks that v's MarshalJSON, called directly and through
// encoding/json, writes exactly what encoding/json writes for ref.
func sameJSON(t *testing.T, v json.Marshaler, ref any) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	want, err := json.Marshal(ref)
	is.NoErr(err) // reference encoding
	got, err := v.MarshalJSON()
	is.NoErr(err) // hand-written encoding
	if string(got) != string(want) {
		t.Logf("got  %s\nwant %s", got, want)
	}
	is.Equal(string(got), string(want)) // byte for byte the reference
	through, err := json.Marshal(v)
	is.NoErr(err)                           // encoding/json accepts the output as valid JSON
	is.Equal(string(through), string(want)) // and leaves it as it is
}

func TestHandWrittenJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		c, g, cg := randChannel(r), randGroup(r), randChannelGroup(r)
		sameJSON(t, c, refChannel(c))
		sameJSON(t, g, refGroup(g))
		sameJSON(t, cg, refChannelGroup(cg))
		o := Organisation{ID: uuid.New(), Name: randString(r), CreatedAt: randTime(r)}
		sameJSON(t, o, struct {
			ID        uuid.UUID `json:"id"`
			Name      string    `json:"name"`
			CreatedAt wireTime  `json:"created_at"`
		}{o.ID, o.Name, wireTime(o.CreatedAt)})

		prevName := randString(r)
		od := OrganisationEventData{Organisation: o, PreviousName: &prevName}
		sameJSON(t, od, struct {
			Organisation any     `json:"organisation"`
			PreviousName *string `json:"previous_name,omitempty"`
		}{json.RawMessage(must(o.MarshalJSON())), od.PreviousName})
		prev := randChannel(r)
		sameJSON(t, ChannelEventData{Channel: c, Previous: &prev}, struct {
			Channel  any `json:"channel"`
			Previous any `json:"previous"`
		}{refChannel(c), refChannel(prev)})
		sameJSON(t, ChannelEventData{Channel: c}, struct {
			Channel any `json:"channel"`
		}{refChannel(c)})
		pg := randGroup(r)
		sameJSON(t, GroupEventData{Group: g, Previous: &pg}, struct {
			Group    any `json:"group"`
			Previous any `json:"previous"`
		}{refGroup(g), refGroup(pg)})
		dd := ChannelDeletedData{ChannelID: uuid.New(), GroupID: c.GroupID, DeletedAt: randTime(r)}
		sameJSON(t, dd, struct {
			ChannelID uuid.UUID  `json:"channel_id"`
			GroupID   *uuid.UUID `json:"group_id"`
			DeletedAt wireTime   `json:"deleted_at"`
		}{dd.ChannelID, dd.GroupID, wireTime(dd.DeletedAt)})
		pos := r.Int64N(1<<50) - 3
		for _, pd := range []ChannelPlacementData{
			{ChannelID: uuid.New(), GroupID: uuid.New()},
			{ChannelID: uuid.New(), GroupID: uuid.New(), Position: &pos},
			{ChannelID: uuid.New(), GroupID: uuid.New(), FromGroupID: c.GroupID, Position: &pos},
		} {
			type plain ChannelPlacementData
			sameJSON(t, pd, plain(pd))
		}
		type member ChannelMemberData
		md := ChannelMemberData{ChannelID: uuid.New(), UserID: uuid.New()}
		sameJSON(t, md, member(md))
		type reordered GroupsReorderedData
		rd := GroupsReorderedData{GroupIDs: randIDs(r)}
		sameJSON(t, rd, reordered(rd))
		type chReordered GroupChannelsReorderedData
		cr := GroupChannelsReorderedData{GroupID: uuid.New(), ChannelIDs: randIDs(r)}
		sameJSON(t, cr, chReordered(cr))
		ad := ChannelGroupAttachedData{ChannelID: uuid.New(), ChannelGroup: cg, FromChannelGroupID: c.GroupID}
		sameJSON(t, ad, struct {
			ChannelID          uuid.UUID  `json:"channelId"`
			ChannelGroup       any        `json:"channelGroup"`
			FromChannelGroupID *uuid.UUID `json:"fromChannelGroupId,omitempty"`
		}{ad.ChannelID, refChannelGroupInEvent(cg), ad.FromChannelGroupID})
		type detached ChannelGroupDetachedData
		de := ChannelGroupDetachedData{ChannelID: uuid.New(), ChannelGroupID: uuid.New()}
		sameJSON(t, de, detached(de))
		rn := ChannelGroupRenamedData{ChannelGroup: cg, PreviousName: randString(r)}
		sameJSON(t, rn, struct {
			ChannelGroup any    `json:"channelGroup"`
			PreviousName string `json:"previousName"`
		}{refChannelGroupInEvent(cg), rn.PreviousName})
		type deleted ChannelGroupDeletedData
		cd := ChannelGroupDeletedData{ChannelGroupID: uuid.New()}
		sameJSON(t, cd, deleted(cd))
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzAppendString checks string escaping against encoding/json.
func FuzzAppendString(f *testing.F) {
	for _, s := range strs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestAppendTimeMatchesFormat checks the digit-by-digit time writer against
// time.Format over years before 0 and after 9999 (written by Format), zones
// other than UTC, and every millisecond of a second's edges.
func TestAppendTimeMatchesFormat(t *testing.T) {
	is := is.New(t)
	r := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, time.FixedZone("east", 14*3600), time.FixedZone("west", -12*3600-1800)}
	edges := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2024, 2, 29, 12, 10, 47, 492_999_999, time.UTC),
		{},
	}
	for i := range 200_000 {
		var tm time.Time
		if i < len(edges) {
			tm = edges[i]
		} else {
			// Seconds from about year -300 to year 12000.
			tm = time.Unix(r.Int64N(388_000_000_000)-72_000_000_000, r.Int64N(1_000_000_000)).In(zones[r.IntN(len(zones))])
		}
		want := `"` + tm.UTC().Format(wireTimeLayout) + `"`
		got := string(appendTime(nil, tm))
		if got != want {
			is.Equal(got, want) // the time as time.Format writes it
		}
	}
}

func BenchmarkAppendTime(b *testing.B) {
	tm := time.Date(2026, 12, 1, 22, 30, 15, 123_456_789, time.UTC)
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = appendTime(buf[:0], tm)
	}
}

// TestAppendIDMatchesString checks the table-driven UUID writer against
// uuid.UUID.String, after text already in the buffer, for the all-zero and
// all-ones IDs and random ones.
func TestAppendIDMatchesString(t *testing.T) {
	is := is.New(t)
	r := rand.New(rand.NewPCG(5, 6))
	ids := []uuid.UUID{uuid.Nil, uuid.Max}
	for range 10_000 {
		var id uuid.UUID
		for i := range id {
			id[i] = byte(r.Uint32())
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		got := string(appendID([]byte("x:"), id))
		if want := `x:"` + id.String() + `"`; got != want {
			is.Equal(got, want) // the ID as uuid.UUID.String writes it, quoted, after what was there
		}
	}
}

func BenchmarkAppendID(b *testing.B) {
	id := uuid.MustParse("0a9b3c4d-1111-4222-8333-444455556666")
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = appendID(buf[:0], id)
	}
}
