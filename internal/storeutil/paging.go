package storeutil

import "github.com/channelgrouping/grouping"

// Paging is a validated page request.
type Paging struct {
	Limit  int  // page size, 1–grouping.MaxLimit
	After  Key  // the page starts after this key…
	Resume bool // …when Resume is set; otherwise at the beginning
	scope  Scope
}

// NewPaging validates a requested limit and cursor for the query of scope s.
func NewPaging(s Scope, limit int, cursor string) (Paging, error) {
	n, err := grouping.ValidateLimit(limit)
	if err != nil {
		return Paging{}, err
	}
	k, ok, err := Decode(s, cursor)
	if err != nil {
		return Paging{}, err
	}
	return Paging{Limit: n, After: k, Resume: ok, scope: s}, nil
}

// Next returns the cursor of the page after the one that ends at last.
func (p Paging) Next(last Key) string {
	return Encode(p.scope, last)
}
