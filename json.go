package grouping

import (
	"encoding/json"
	"time"
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

// MarshalJSON writes times with exactly millisecond precision.
func (c Channel) MarshalJSON() ([]byte, error) {
	type plain Channel
	return json.Marshal(struct {
		plain
		CreatedAt wireTime  `json:"created_at"`
		DeletedAt *wireTime `json:"deleted_at"`
	}{plain(c), wireTime(c.CreatedAt), wireTimePtr(c.DeletedAt)})
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
