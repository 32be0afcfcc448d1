package storeutil

import (
	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
)

// NamedID is an ID argument together with the wire name errors give it.
type NamedID struct {
	Field string
	ID    uuid.UUID
}

// Constructors for the ID arguments of Store methods, named as on the wire.
func OrgID(id uuid.UUID) NamedID          { return NamedID{"organisation_id", id} }
func GroupID(id uuid.UUID) NamedID        { return NamedID{"group_id", id} }
func ChannelID(id uuid.UUID) NamedID      { return NamedID{"channel_id", id} }
func UserID(id uuid.UUID) NamedID         { return NamedID{"user_id", id} }
func WorkspaceID(id uuid.UUID) NamedID    { return NamedID{"workspaceId", id} }
func WSChannelID(id uuid.UUID) NamedID    { return NamedID{"channelId", id} }
func ChannelGroupID(id uuid.UUID) NamedID { return NamedID{"channelGroupId", id} }

// CheckIDs returns an Invalid error for the first of ids that is the nil
// UUID, which is never the ID of anything.
func CheckIDs(ids ...NamedID) error {
	for _, n := range ids {
		if err := grouping.ValidateID(n.Field, n.ID); err != nil {
			return err
		}
	}
	return nil
}
