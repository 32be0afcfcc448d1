package grouping

import "strconv"

// The data types of the events write their JSON by hand, like the domain
// types (see json.go). A channel group in an event's data is written
// without its channelIds.

// MarshalJSON implements json.Marshaler.
func (d OrganisationEventData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 160), `{"organisation":`...)
	b = d.Organisation.AppendJSON(b)
	if d.PreviousName != nil {
		b = append(b, `,"previous_name":`...)
		b = appendString(b, *d.PreviousName)
	}
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d ChannelEventData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 800), `{"channel":`...)
	b = d.Channel.AppendJSON(b)
	if d.Previous != nil {
		b = append(b, `,"previous":`...)
		b = d.Previous.AppendJSON(b)
	}
	return append(b, '}'), nil
}

// MarshalJSON writes DeletedAt with exactly millisecond precision.
func (d ChannelDeletedData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 128), `{"channel_id":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"group_id":`...)
	b = appendIDPtr(b, d.GroupID)
	b = append(b, `,"deleted_at":`...)
	b = appendTime(b, d.DeletedAt)
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d ChannelMemberData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 96), `{"channel_id":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"user_id":`...)
	b = appendID(b, d.UserID)
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d GroupEventData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 640), `{"group":`...)
	b = d.Group.AppendJSON(b)
	if d.Previous != nil {
		b = append(b, `,"previous":`...)
		b = d.Previous.AppendJSON(b)
	}
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d GroupsReorderedData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 16+40*len(d.GroupIDs)), `{"group_ids":`...)
	b = appendIDs(b, d.GroupIDs)
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d ChannelPlacementData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 160), `{"channel_id":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"group_id":`...)
	b = appendID(b, d.GroupID)
	if d.FromGroupID != nil {
		b = append(b, `,"from_group_id":`...)
		b = appendID(b, *d.FromGroupID)
	}
	if d.Position != nil {
		b = append(b, `,"position":`...)
		b = strconv.AppendInt(b, *d.Position, 10)
	}
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d GroupChannelsReorderedData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 64+40*len(d.ChannelIDs)), `{"group_id":`...)
	b = appendID(b, d.GroupID)
	b = append(b, `,"channel_ids":`...)
	b = appendIDs(b, d.ChannelIDs)
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d ChannelGroupAttachedData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 320), `{"channelId":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"channelGroup":`...)
	b = d.ChannelGroup.appendJSON(b, false)
	if d.FromChannelGroupID != nil {
		b = append(b, `,"fromChannelGroupId":`...)
		b = appendID(b, *d.FromChannelGroupID)
	}
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d ChannelGroupDetachedData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 96), `{"channelId":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"channelGroupId":`...)
	b = appendID(b, d.ChannelGroupID)
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d ChannelGroupRenamedData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 320), `{"channelGroup":`...)
	b = d.ChannelGroup.appendJSON(b, false)
	b = append(b, `,"previousName":`...)
	b = appendString(b, d.PreviousName)
	return append(b, '}'), nil
}

// MarshalJSON implements json.Marshaler.
func (d ChannelGroupDeletedData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 64), `{"channelGroupId":`...)
	b = appendID(b, d.ChannelGroupID)
	return append(b, '}'), nil
}
