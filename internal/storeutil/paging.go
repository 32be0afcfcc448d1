package storeutil

import "github.com/channelgrouping/grouping"

// Paging is a validated page request.
type Paging struct {
	Limit  int  // page size, 1–grouping.MaxLimit
	After  Key  // the page starts after this key…
	Resume bool // …when Resume is set; otherwise at the beginning
}

// NewPaging validates a requested limit and cursor for list l.
func NewPaging(l List, limit int, cursor string) (Paging, error) {
	n, err := grouping.ValidateLimit(limit)
	if err != nil {
		return Paging{}, err
	}
	k, ok, err := Decode(l, cursor)
	if err != nil {
		return Paging{}, err
	}
	return Paging{Limit: n, After: k, Resume: ok}, nil
}
