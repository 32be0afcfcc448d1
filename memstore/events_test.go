package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestEventLogAcrossBlocks appends, rolls back and prunes a tenant's events
// at random across the blocks of memstore's log, checking every read
// against a plain slice.
func TestEventLogAcrossBlocks(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	d := memstore.NewDriver()
	tenant := grouping.OrganisationOf(uuid.New())
	r := rand.New(rand.NewPCG(3, 4))
	var model []int64          // the sequences kept
	data := map[int64]string{} // the Data of each sequence appended
	var last int64
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	errUndo := errors.New("undo")
	for round := range 300 {
		n := 1 + r.IntN(40)
		evs := make([]grouping.Event, n)
		for i := range evs {
			// Data of random length, so that buffers fill unevenly, and
			// now and then longer than a buffer.
			pad := r.IntN(300)
			if r.IntN(10) == 0 {
				pad += 20_000
			}
			d := fmt.Sprintf(`{"round":%d,"pad":"%s"}`, round, strings.Repeat("x", pad))
			evs[i] = grouping.Event{ID: uuid.New(), Type: grouping.EventGroupCreated, Time: base.Add(time.Duration(last+int64(i)) * time.Millisecond), Data: []byte(d)}
		}
		fail := r.IntN(5) == 0
		err := d.Write(ctx, func(tx driver.Tx) error {
			if err := tx.AppendEvents(ctx, tenant, evs); err != nil {
				return err
			}
			if fail {
				return errUndo
			}
			return nil
		})
		if fail {
			is.True(errors.Is(err, errUndo)) // the failed append comes back
		} else {
			is.NoErr(err) // append
			for i := range n {
				last++
				model = append(model, last)
				data[last] = string(evs[i].Data)
			}
		}
		if round%7 == 6 {
			keep := r.IntN(len(model) + 1)
			if keep == 0 {
				keep = 1
			}
			var removed int64
			err := d.Write(ctx, func(tx driver.Tx) error {
				var err error
				removed, err = tx.PruneEvents(ctx, driver.PruneQuery{Keep: keep, Limit: 1 << 20})
				if err == nil && r.IntN(4) == 0 {
					return errUndo // a prune that rolls back
				}
				return err
			})
			if err == nil {
				is.Equal(removed, int64(max(len(model)-keep, 0))) // all but the newest keep
				model = model[len(model)-min(keep, len(model)):]
			}
		}
		after := int64(r.IntN(int(last) + 2))
		limit := 1 + r.IntN(700)
		got, err := d.Events(ctx, driver.EventsQuery{Tenant: tenant, After: after, Limit: limit})
		is.NoErr(err) // read
		var want []int64
		for _, s := range model {
			if s > after {
				want = append(want, s)
			}
		}
		for i, e := range got {
			is.Equal(e.Sequence, want[i])              // every event read is the model's, in order
			is.Equal(string(e.Data), data[e.Sequence]) // with its Data
		}
		is.Equal(len(got), min(limit, len(want))) // a page of the model's events after the position
	}
	is.True(last > 2*512) // the log spanned several blocks
}
