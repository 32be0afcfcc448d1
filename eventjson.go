package grouping

import "strconv"

// The data types of the events write their JSON by hand, like the domain
// types (see json.go). A channel group in an event's data is written
// without its channelIds.

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d OrganisationEventData) AppendJSON(b []byte) []byte {
	b = append(b, `{"organisation":`...)
	b = d.Organisation.AppendJSON(b)
	if d.PreviousName != nil {
		b = append(b, `,"previous_name":`...)
		b = appendString(b, *d.PreviousName)
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [OrganisationEventData.AppendJSON].
func (d OrganisationEventData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 160)), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d ChannelEventData) AppendJSON(b []byte) []byte {
	b = append(b, `{"channel":`...)
	b = d.Channel.AppendJSON(b)
	if d.Previous != nil {
		b = append(b, `,"previous":`...)
		b = d.Previous.AppendJSON(b)
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [ChannelEventData.AppendJSON].
func (d ChannelEventData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 800)), nil
}

// AppendJSON appends the JSON of d to b, DeletedAt with exactly
// millisecond precision, and returns the extended buffer.
func (d ChannelDeletedData) AppendJSON(b []byte) []byte {
	b = append(b, `{"channel_id":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"group_id":`...)
	b = appendIDPtr(b, d.GroupID)
	b = append(b, `,"deleted_at":`...)
	b = appendTime(b, d.DeletedAt)
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [ChannelDeletedData.AppendJSON].
func (d ChannelDeletedData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 128)), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d ChannelMemberData) AppendJSON(b []byte) []byte {
	b = append(b, `{"channel_id":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"user_id":`...)
	b = appendID(b, d.UserID)
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [ChannelMemberData.AppendJSON].
func (d ChannelMemberData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 96)), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d GroupEventData) AppendJSON(b []byte) []byte {
	b = append(b, `{"group":`...)
	b = d.Group.AppendJSON(b)
	if d.Previous != nil {
		b = append(b, `,"previous":`...)
		b = d.Previous.AppendJSON(b)
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [GroupEventData.AppendJSON].
func (d GroupEventData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 640)), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d GroupsReorderedData) AppendJSON(b []byte) []byte {
	b = append(b, `{"group_ids":`...)
	b = appendIDs(b, d.GroupIDs)
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [GroupsReorderedData.AppendJSON].
func (d GroupsReorderedData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 16+40*len(d.GroupIDs))), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d ChannelPlacementData) AppendJSON(b []byte) []byte {
	b = append(b, `{"channel_id":`...)
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
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [ChannelPlacementData.AppendJSON].
func (d ChannelPlacementData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 160)), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d GroupChannelsReorderedData) AppendJSON(b []byte) []byte {
	b = append(b, `{"group_id":`...)
	b = appendID(b, d.GroupID)
	b = append(b, `,"channel_ids":`...)
	b = appendIDs(b, d.ChannelIDs)
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [GroupChannelsReorderedData.AppendJSON].
func (d GroupChannelsReorderedData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 64+40*len(d.ChannelIDs))), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d ChannelGroupAttachedData) AppendJSON(b []byte) []byte {
	b = append(b, `{"channelId":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"channelGroup":`...)
	b = d.ChannelGroup.appendJSON(b, false)
	if d.FromChannelGroupID != nil {
		b = append(b, `,"fromChannelGroupId":`...)
		b = appendID(b, *d.FromChannelGroupID)
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [ChannelGroupAttachedData.AppendJSON].
func (d ChannelGroupAttachedData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 320)), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d ChannelGroupDetachedData) AppendJSON(b []byte) []byte {
	b = append(b, `{"channelId":`...)
	b = appendID(b, d.ChannelID)
	b = append(b, `,"channelGroupId":`...)
	b = appendID(b, d.ChannelGroupID)
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [ChannelGroupDetachedData.AppendJSON].
func (d ChannelGroupDetachedData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 96)), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d ChannelGroupRenamedData) AppendJSON(b []byte) []byte {
	b = append(b, `{"channelGroup":`...)
	b = d.ChannelGroup.appendJSON(b, false)
	b = append(b, `,"previousName":`...)
	b = appendString(b, d.PreviousName)
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [ChannelGroupRenamedData.AppendJSON].
func (d ChannelGroupRenamedData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 320)), nil
}

// AppendJSON appends the JSON of d to b and returns the extended buffer.
func (d ChannelGroupDeletedData) AppendJSON(b []byte) []byte {
	b = append(b, `{"channelGroupId":`...)
	b = appendID(b, d.ChannelGroupID)
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with [ChannelGroupDeletedData.AppendJSON].
func (d ChannelGroupDeletedData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 64)), nil
}
