package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// validationTests feed every kind of bad input and check that it is
// rejected as Invalid and changes nothing.
func validationTests() tree {
	return branch("Validation",
		leaf("GroupNameOnCreate", testCreateBadName),
		leaf("GroupNameOnUpdate", testUpdateBadName),
		leaf("GroupNameLimits", testGroupNameLimits),
		leaf("GroupDescription", testGroupDescription),
		leaf("NegativeVersion", testNegativeVersion),
		leaf("Organisation", testBadOrganisation),
		leaf("Channel", testBadChannel),
		leaf("ChannelUpdateChangesNothing", testBadChannelUpdate),
		leaf("NilIDs", testNilIDs),
	)
}

// badNames are group and channel names that must be rejected.
var badNames = []struct{ name, value string }{
	{"Empty", ""},
	{"Spaces", "   "},
	{"Whitespace", " \t\n\r "},
	{"TooLong", strings.Repeat("a", grouping.MaxNameLength+1)},
	{"TooLongMultiByte", strings.Repeat("é", grouping.MaxNameLength+1)},
	{"NUL", "a\x00b"},
	{"Newline", "a\nb"},
	{"CarriageReturn", "a\rb"},
	{"Tab", "a\tb"},
	{"DEL", "a\x7fb"},
	{"NEL", "a\u0085b"},
	{"InvalidUTF8", "a\xffb"},
	// Only white space that is not a control character is trimmed.
	{"LeadingTab", "\tSales"},
	{"TrailingTab", "Sales\t"},
	{"LeadingNewline", "\nSales"},
	{"TrailingNewline", "Sales\n"},
	{"TrailingCarriageReturn", "Sales\r"},
	{"LeadingVerticalTab", "\vSales"},
	{"TrailingFormFeed", "Sales\f"},
	{"TrailingNEL", "Sales\u0085"},
	{"SpaceAroundTab", " \tSales "},
}

// badGroupNames are names that group names must not have: the badNames and
// names with bidirectional controls or zero-width characters, which could
// make two names look the same.
var badGroupNames = append(slices.Clip(badNames), []struct{ name, value string }{
	{"LeftToRightEmbedding", "a\u202Ab"},
	{"RightToLeftEmbedding", "a\u202Bb"},
	{"PopDirectionalFormatting", "a\u202Cb"},
	{"LeftToRightOverride", "a\u202Db"},
	{"RightToLeftOverride", "Sales\u202E"},
	{"LeftToRightIsolate", "\u2066Sales"},
	{"RightToLeftIsolate", "a\u2067b"},
	{"FirstStrongIsolate", "a\u2068b"},
	{"PopDirectionalIsolate", "a\u2069b"},
	{"ZeroWidthSpace", "\u200BSales"},
	{"ZeroWidthNonJoiner", "a\u200Cb"},
	{"ZeroWidthJoiner", "a\u200Db"},
	{"WordJoiner", "Sales\u2060"},
	{"ByteOrderMark", "\uFEFFSales"},
	{"OnlyZeroWidth", " \u200B "},
}...)

func testCreateBadName(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	for _, tc := range badGroupNames {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: tc.value})
			wantInvalid(t, err, "name")
			is.Equal(len(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), 0) // nothing stored
		})
	}
}

func testUpdateBadName(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	for _, tc := range badGroupNames {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Name: &tc.value, Description: ptr("changed"), Archived: ptr(true)})
			wantInvalid(t, err, "name")
			is.Equal(mustGetGroup(t, s, org.ID, g.ID), g) // nothing changed
		})
	}
}

func testGroupNameLimits(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	for _, name := range []string{
		strings.Repeat("é", grouping.MaxNameLength),                   // multi-byte, 255 characters
		"  " + strings.Repeat("a", grouping.MaxNameLength) + "\u3000", // 255 after trimming
		strings.Repeat("😀", grouping.MaxNameLength),                   // four bytes each
		"x",
		"名前",
	} {
		g, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: name})
		is.NoErr(err)                                           // 1 to 255 characters are allowed
		is.Equal(g.Name, strings.TrimSpace(name))               // stored trimmed
		is.Equal(mustGetGroup(t, s, org.ID, g.ID).Name, g.Name) // and read back whole
	}
}

func testGroupDescription(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	for _, d := range []string{strings.Repeat("a", grouping.MaxDescriptionLength+1), strings.Repeat("é", grouping.MaxDescriptionLength+1), "a\x00b", "a\u0085b", "a\xffb"} {
		_, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "Sales", Description: d})
		wantInvalid(t, err, "description")
	}
	is.Equal(len(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), 0) // nothing stored

	long := strings.Repeat("é", grouping.MaxDescriptionLength)
	g, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "Sales", Description: long})
	is.NoErr(err)                 // 2048 characters are allowed
	is.Equal(g.Description, long) // and kept whole
	multiline := "line one\nline two\r\n\tindented"
	g = mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: &multiline})
	is.Equal(g.Description, multiline) // tab, line feed and carriage return are allowed

	_, err = s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Description: ptr(strings.Repeat("a", grouping.MaxDescriptionLength+1))})
	wantInvalid(t, err, "description")
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), g) // nothing changed
}

func testNegativeVersion(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	_, err := s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Description: ptr("x"), IfVersion: -1})
	wantCode(t, err, grouping.Invalid) // a version is never negative
	err = s.DeleteGroup(t.Context(), org.ID, g.ID, -1)
	wantInvalid(t, err, "version")                // the same rule for deletes
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), g) // nothing changed
}

func testBadOrganisation(t *testing.T, s grouping.Store) {
	is := is.New(t)
	_, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.Nil, Name: "Acme"})
	wantInvalid(t, err, "id")
	for _, tc := range badNames {
		id := uuid.New()
		_, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: tc.value})
		wantInvalid(t, err, "name")
		_, err = s.ListGroups(t.Context(), id, grouping.ListGroupsOptions{})
		wantCode(t, err, grouping.NotFound) // nothing stored
	}
	org := mustOrg(t, s)
	_, err = s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: org.ID, Name: ""})
	wantInvalid(t, err, "name")
	again, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: org.ID, Name: org.Name})
	is.NoErr(err)                  // upsert unchanged
	is.Equal(again.Name, org.Name) // the bad rename changed nothing
}

// channelUpsert returns a valid upsert of a new channel in orgID.
func channelUpsert(orgID uuid.UUID) grouping.ChannelUpsert {
	return grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: orgID, Name: "general", OwnerID: uuid.New()}
}

func testBadChannel(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	type change = func(*grouping.ChannelUpsert)
	cases := []struct {
		name   string
		change change
		field  string
	}{
		{"NilID", func(c *grouping.ChannelUpsert) { c.ID = uuid.Nil }, "channels_id"},
		{"NilOrganisation", func(c *grouping.ChannelUpsert) { c.OrganisationID = uuid.Nil }, "organisation_id"},
		{"NilUser", func(c *grouping.ChannelUpsert) { c.Users = []uuid.UUID{uuid.New(), uuid.Nil} }, "users"},
		{"NegativeMessageCount", func(c *grouping.ChannelUpsert) { c.MessageCount = -1 }, "message_count"},
		{"LongDescription", func(c *grouping.ChannelUpsert) {
			c.Description = strings.Repeat("d", grouping.MaxDescriptionLength+1)
		}, "description"},
		{"ControlInDescription", func(c *grouping.ChannelUpsert) { c.Description = "a\x00" }, "description"},
	}
	for _, bad := range badNames {
		cases = append(cases, struct {
			name   string
			change change
			field  string
		}{"Name" + bad.name, func(c *grouping.ChannelUpsert) { c.Name = bad.value }, "name"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			up := channelUpsert(org.ID)
			tc.change(&up)
			_, err := s.UpsertChannel(t.Context(), up)
			wantInvalid(t, err, tc.field)
			is.Equal(len(ungrouped(t, s, org.ID, true)), 0) // nothing stored
			if up.ID != uuid.Nil {
				_, err = s.GetChannel(t.Context(), org.ID, up.ID)
				wantCode(t, err, grouping.NotFound) // the channel does not exist
			}
		})
	}
}

func testBadChannelUpdate(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID, members(uuid.New()))
	before := mustGetChannel(t, s, org.ID, ch.ID)
	for _, up := range []grouping.ChannelUpsert{
		{ID: ch.ID, OrganisationID: org.ID, Name: "", OwnerID: ch.OwnerID, Users: []uuid.UUID{}},
		{ID: ch.ID, OrganisationID: org.ID, Name: "ok", OwnerID: ch.OwnerID, MessageCount: -5, Archived: true},
		{ID: ch.ID, OrganisationID: org.ID, Name: "ok", OwnerID: ch.OwnerID, Users: []uuid.UUID{uuid.Nil}},
	} {
		_, err := s.UpsertChannel(t.Context(), up)
		wantCode(t, err, grouping.Invalid)                    // bad update
		is.Equal(mustGetChannel(t, s, org.ID, ch.ID), before) // nothing changed
	}
}

func testNilIDs(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID, members(uuid.New()))
	ws := uuid.New()
	cg := mustAttach(t, s, ws, uuid.New(), "whatsapp", "acct", "Acme")
	chBefore := mustGetChannel(t, s, org.ID, ch.ID)
	nilID := uuid.Nil
	a := attach("whatsapp", "acct", "Acme")
	lc := grouping.ListChannelsOptions{}
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"GetChannel/Organisation", func(ctx context.Context) error { return discard(s.GetChannel(ctx, nilID, ch.ID)) }},
		{"GetChannel/Channel", func(ctx context.Context) error { return discard(s.GetChannel(ctx, org.ID, nilID)) }},
		{"DeleteChannel/Organisation", func(ctx context.Context) error { return s.DeleteChannel(ctx, nilID, ch.ID) }},
		{"DeleteChannel/Channel", func(ctx context.Context) error { return s.DeleteChannel(ctx, org.ID, nilID) }},
		{"AddChannelMember/Organisation", func(ctx context.Context) error { return s.AddChannelMember(ctx, nilID, ch.ID, uuid.New()) }},
		{"AddChannelMember/Channel", func(ctx context.Context) error { return s.AddChannelMember(ctx, org.ID, nilID, uuid.New()) }},
		{"AddChannelMember/User", func(ctx context.Context) error { return s.AddChannelMember(ctx, org.ID, ch.ID, nilID) }},
		{"RemoveChannelMember/Organisation", func(ctx context.Context) error { return s.RemoveChannelMember(ctx, nilID, ch.ID, uuid.New()) }},
		{"RemoveChannelMember/Channel", func(ctx context.Context) error { return s.RemoveChannelMember(ctx, org.ID, nilID, uuid.New()) }},
		{"RemoveChannelMember/User", func(ctx context.Context) error { return s.RemoveChannelMember(ctx, org.ID, ch.ID, nilID) }},
		{"CreateGroup/Organisation", func(ctx context.Context) error {
			return discard(s.CreateGroup(ctx, nilID, grouping.NewGroup{Name: "New"}))
		}},
		{"GetGroup/Organisation", func(ctx context.Context) error {
			return discard(s.GetGroup(ctx, nilID, g.ID, grouping.GetGroupOptions{}))
		}},
		{"GetGroup/Group", func(ctx context.Context) error {
			return discard(s.GetGroup(ctx, org.ID, nilID, grouping.GetGroupOptions{}))
		}},
		{"ListGroups/Organisation", func(ctx context.Context) error {
			return discard(s.ListGroups(ctx, nilID, grouping.ListGroupsOptions{}))
		}},
		{"UpdateGroup/Organisation", func(ctx context.Context) error {
			return discard(s.UpdateGroup(ctx, nilID, g.ID, grouping.GroupUpdate{Name: ptr("x")}))
		}},
		{"UpdateGroup/Group", func(ctx context.Context) error {
			return discard(s.UpdateGroup(ctx, org.ID, nilID, grouping.GroupUpdate{Name: ptr("x")}))
		}},
		{"DeleteGroup/Organisation", func(ctx context.Context) error { return s.DeleteGroup(ctx, nilID, g.ID, 0) }},
		{"DeleteGroup/Group", func(ctx context.Context) error { return s.DeleteGroup(ctx, org.ID, nilID, 0) }},
		{"ReorderGroups/Organisation", func(ctx context.Context) error { return s.ReorderGroups(ctx, nilID, []uuid.UUID{g.ID}) }},
		{"ReorderGroups/Group", func(ctx context.Context) error { return s.ReorderGroups(ctx, org.ID, []uuid.UUID{g.ID, nilID}) }},
		{"AssignChannel/Organisation", func(ctx context.Context) error { return s.AssignChannel(ctx, nilID, g.ID, ch.ID) }},
		{"AssignChannel/Group", func(ctx context.Context) error { return s.AssignChannel(ctx, org.ID, nilID, ch.ID) }},
		{"AssignChannel/Channel", func(ctx context.Context) error { return s.AssignChannel(ctx, org.ID, g.ID, nilID) }},
		{"RemoveChannel/Organisation", func(ctx context.Context) error { return s.RemoveChannel(ctx, nilID, g.ID, ch.ID) }},
		{"RemoveChannel/Group", func(ctx context.Context) error { return s.RemoveChannel(ctx, org.ID, nilID, ch.ID) }},
		{"RemoveChannel/Channel", func(ctx context.Context) error { return s.RemoveChannel(ctx, org.ID, g.ID, nilID) }},
		{"MoveChannel/Organisation", func(ctx context.Context) error { return s.MoveChannel(ctx, nilID, g.ID, ch.ID) }},
		{"MoveChannel/Group", func(ctx context.Context) error { return s.MoveChannel(ctx, org.ID, nilID, ch.ID) }},
		{"MoveChannel/Channel", func(ctx context.Context) error { return s.MoveChannel(ctx, org.ID, g.ID, nilID) }},
		{"ReorderGroupChannels/Organisation", func(ctx context.Context) error {
			return s.ReorderGroupChannels(ctx, nilID, g.ID, nil)
		}},
		{"ReorderGroupChannels/Group", func(ctx context.Context) error { return s.ReorderGroupChannels(ctx, org.ID, nilID, nil) }},
		{"ReorderGroupChannels/Channel", func(ctx context.Context) error {
			return s.ReorderGroupChannels(ctx, org.ID, g.ID, []uuid.UUID{nilID})
		}},
		{"ListGroupChannels/Organisation", func(ctx context.Context) error { return discard(s.ListGroupChannels(ctx, nilID, g.ID, lc)) }},
		{"ListGroupChannels/Group", func(ctx context.Context) error { return discard(s.ListGroupChannels(ctx, org.ID, nilID, lc)) }},
		{"ListUngroupedChannels/Organisation", func(ctx context.Context) error { return discard(s.ListUngroupedChannels(ctx, nilID, lc)) }},
		{"ListDiscoverableChannels/Organisation", func(ctx context.Context) error {
			return discard(s.ListDiscoverableChannels(ctx, nilID, uuid.New(), lc))
		}},
		{"ListDiscoverableChannels/User", func(ctx context.Context) error {
			return discard(s.ListDiscoverableChannels(ctx, org.ID, nilID, lc))
		}},
		{"AttachChannel/Workspace", func(ctx context.Context) error { return discard(s.AttachChannel(ctx, nilID, uuid.New(), a)) }},
		{"AttachChannel/Channel", func(ctx context.Context) error { return discard(s.AttachChannel(ctx, ws, nilID, a)) }},
		{"DetachChannel/Workspace", func(ctx context.Context) error { return s.DetachChannel(ctx, nilID, cg.ChannelIDs[0]) }},
		{"DetachChannel/Channel", func(ctx context.Context) error { return s.DetachChannel(ctx, ws, nilID) }},
		{"GetChannelGroup/Workspace", func(ctx context.Context) error { return discard(s.GetChannelGroup(ctx, nilID, cg.ID)) }},
		{"GetChannelGroup/ChannelGroup", func(ctx context.Context) error { return discard(s.GetChannelGroup(ctx, ws, nilID)) }},
		{"ListChannelGroups/Workspace", func(ctx context.Context) error {
			return discard(s.ListChannelGroups(ctx, nilID, grouping.ListChannelGroupsOptions{}))
		}},
		{"DeleteChannelGroup/Workspace", func(ctx context.Context) error { return s.DeleteChannelGroup(ctx, nilID, cg.ID) }},
		{"DeleteChannelGroup/ChannelGroup", func(ctx context.Context) error { return s.DeleteChannelGroup(ctx, ws, nilID) }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, c.call(t.Context()), grouping.Invalid) // the nil UUID is never a valid ID
		})
	}
	// Nothing changed.
	is := is.New(t)
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, true)), ids())                          // nothing assigned
	is.Equal(channelGroups(t, s, ws, ""), []grouping.ChannelGroup{cg})                            // channel groups untouched
	is.Equal(mustGetChannel(t, s, org.ID, ch.ID), chBefore)                                       // channel and members untouched
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{g.ID}) // no group created or deleted
}
