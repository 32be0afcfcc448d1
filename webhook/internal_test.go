package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// rename writes k events to the organisation of tenant, from number from on.
func rename(t *testing.T, store *memstore.Store, tenant grouping.Tenant, from, k int) {
	t.Helper()
	for i := from; i < from+k; i++ {
		if _, err := store.UpsertOrganisation(context.Background(), grouping.Organisation{ID: tenant.ID, Name: fmt.Sprintf("Organisation %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHead(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	store := memstore.New()
	tenant := grouping.OrganisationOf(uuid.New())
	h, err := head(ctx, store, tenant)
	is.NoErr(err)         // a tenant without events has a head
	is.Equal(h, int64(0)) // of 0

	n := 0
	for _, k := range []int{1, 1, 5, 25, 1000, 37} {
		rename(t, store, tenant, n, k)
		n += k
		h, err := head(ctx, store, tenant)
		is.NoErr(err)         // the head is found
		is.Equal(h, int64(n)) // at the newest event
	}
	_, err = store.PruneEvents(ctx, grouping.Retention{MaxCount: 3})
	is.NoErr(err) // the oldest events go
	h, err = head(ctx, store, tenant)
	is.NoErr(err)         // a pruned log has a head
	is.Equal(h, int64(n)) // still at the newest event
}

func TestStartAtHeadSavesTheHead(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	store := memstore.New()
	tenant := grouping.OrganisationOf(uuid.New())
	rename(t, store, tenant, 0, 5)
	secret, err := NewSecret()
	is.NoErr(err) // a secret
	ep := Endpoint{ID: "late", URL: "http://127.0.0.1:1/", Tenant: tenant, Secrets: []string{secret}}
	log := slog.New(slog.DiscardHandler)

	d, err := New(store, []Endpoint{ep}, WithStartAtHead())
	is.NoErr(err) // a valid endpoint
	pos, ok := d.open(ctx, &d.endpoints[0], log)
	is.True(ok)             // the endpoint opens
	is.Equal(pos, int64(5)) // after the newest event
	c, err := store.EventConsumer(ctx, "late", tenant)
	is.NoErr(err)                  // its consumer was created
	is.True(c.Active)              // active
	is.Equal(c.Position, int64(5)) // at the head

	rename(t, store, tenant, 5, 2)
	pos, ok = d.open(ctx, &d.endpoints[0], log)
	is.True(ok)             // an existing consumer opens
	is.Equal(pos, int64(5)) // where it was saved, not at the new head

	other := ep
	other.ID = "early"
	d, err = New(store, []Endpoint{other})
	is.NoErr(err) // a valid endpoint
	pos, ok = d.open(ctx, &d.endpoints[0], log)
	is.True(ok)             // the endpoint opens
	is.Equal(pos, int64(0)) // by default at 0, before every event
}

func TestBackoff(t *testing.T) {
	is := is.New(t)
	d := &Dispatcher{o: options{initialBackoff: 10 * time.Millisecond, maxBackoff: time.Second}}
	for n := range 80 {
		limit := min(time.Second, 10*time.Millisecond<<min(n, 20))
		for range 20 {
			w := d.backoff(n, 0)
			is.True(w >= 0 && w <= limit) // full jitter: between 0 and the ceiling
			w = d.backoff(n, 300*time.Millisecond)
			is.True(w >= 300*time.Millisecond && w <= max(limit, 300*time.Millisecond)) // a Retry-After is a floor
			w = d.backoff(n, time.Hour)
			is.Equal(w, time.Second) // capped at the maximum
			s := d.storeBackoff(n)
			is.True(s >= 0 && s <= limit) // store retries stay within the ceiling too
		}
	}
	is.Equal(ceiling(time.Nanosecond, time.Duration(1<<62), 200), time.Duration(1<<62)) // no overflow for long schedules
}

func TestRetryAfter(t *testing.T) {
	is := is.New(t)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	is.Equal(retryAfter("", now), time.Duration(0))                                          // absent
	is.Equal(retryAfter("120", now), 2*time.Minute)                                          // seconds
	is.Equal(retryAfter("-3", now), time.Duration(0))                                        // negative is ignored
	is.Equal(retryAfter("soon", now), time.Duration(0))                                      // junk is ignored
	is.Equal(retryAfter(now.Add(time.Hour).Format(http.TimeFormat), now), time.Hour)         // an HTTP date
	is.Equal(retryAfter(now.Add(-time.Hour).Format(http.TimeFormat), now), time.Duration(0)) // a past date is ignored
	is.True(retryAfter("99999999999999999999", now) == 0)                                    // too large to parse is ignored
	is.True(retryAfter("9223372036", now) > 0)                                               // huge but valid saturates, positive
}
