package memstore_test

import (
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) grouping.Store { return memstore.New() })
}

// TestConformanceFrozenClock runs the suite with a clock that never moves
// and reports a time zone other than UTC with nanoseconds, so that ordering
// falls back to IDs and every time the store returns must be normalised.
func TestConformanceFrozenClock(t *testing.T) {
	frozen := time.Date(2025, 3, 4, 5, 6, 7, 891_234_567, time.FixedZone("UTC-7", -7*3600))
	storetest.Run(t, func(t *testing.T) grouping.Store {
		return memstore.New(memstore.WithClock(func() time.Time { return frozen }))
	})
}
