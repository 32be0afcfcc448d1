package grouping

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// wireTimeLayout is the wire form of every time: UTC with exactly three
// fractional digits, as in 2024-12-21T12:10:47.492Z.
const wireTimeLayout = "2006-01-02T15:04:05.000Z"

// wireTime marshals a time.Time in wireTimeLayout.
type wireTime time.Time

func (t wireTime) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(wireTimeLayout)+2)
	b = append(b, '"')
	b = time.Time(t).UTC().AppendFormat(b, wireTimeLayout)
	return append(b, '"'), nil
}

func wireTimePtr(t *time.Time) *wireTime {
	if t == nil {
		return nil
	}
	w := wireTime(*t)
	return &w
}

// MarshalJSON writes times with exactly millisecond precision.
func (o Organisation) MarshalJSON() ([]byte, error) {
	type plain Organisation
	return json.Marshal(struct {
		plain
		CreatedAt wireTime `json:"created_at"`
	}{plain(o), wireTime(o.CreatedAt)})
}

// MarshalJSON writes times with exactly millisecond precision, and an
// unknown owner (the nil UUID) as null. The fields come in the order of the
// spec's channel objects.
func (c Channel) MarshalJSON() ([]byte, error) {
	var owner *uuid.UUID
	if c.OwnerID != uuid.Nil {
		owner = &c.OwnerID
	}
	return json.Marshal(struct {
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
	}{
		c.ID, c.Name, c.Description, c.OrganisationID, owner, c.Users, c.UserCount,
		c.MessageCount, c.Archived, c.GroupID, wireTime(c.CreatedAt), wireTimePtr(c.DeletedAt),
	})
}

// MarshalJSON writes times with exactly millisecond precision.
func (g Group) MarshalJSON() ([]byte, error) {
	type plain Group
	return json.Marshal(struct {
		plain
		CreatedAt wireTime  `json:"created_at"`
		UpdatedAt wireTime  `json:"updated_at"`
		DeletedAt *wireTime `json:"deleted_at"`
	}{plain(g), wireTime(g.CreatedAt), wireTime(g.UpdatedAt), wireTimePtr(g.DeletedAt)})
}

// MarshalJSON writes times with exactly millisecond precision.
func (g ChannelGroup) MarshalJSON() ([]byte, error) {
	type plain ChannelGroup
	return json.Marshal(struct {
		plain
		CreatedAt wireTime `json:"createdAt"`
		UpdatedAt wireTime `json:"updatedAt"`
	}{plain(g), wireTime(g.CreatedAt), wireTime(g.UpdatedAt)})
}
