package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

func hostileOpen(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func hostileAll(t *testing.T, s grouping.EventReader, tn grouping.Tenant) []grouping.Event {
	t.Helper()
	var out []grouping.Event
	after := int64(0)
	for {
		p, err := s.Events(context.Background(), tn, after, grouping.MaxEventLimit)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Events...)
		after = p.Next
		if !p.More {
			return out
		}
	}
}

// Two Store values on one file write to the same tenants concurrently: the
// numbering stays gapless and unique, and a WaitEvents on one is woken by a
// commit on the other.
func TestHostileTwoStoresOneFile(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	a, b := hostileOpen(t, path), hostileOpen(t, path)
	org := uuid.New()
	tn := grouping.OrganisationOf(org)
	_, err := a.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
	is.NoErr(err) // create org on a
	ws := uuid.New()
	wtn := grouping.WorkspaceOf(ws)

	woke := make(chan grouping.EventPage, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		p, _ := a.WaitEvents(wctx, wtn, 0, 0)
		woke <- p
	}()
	time.Sleep(100 * time.Millisecond)
	_, err = b.AttachChannel(ctx, ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "wa", PlatformGroupID: "1"})
	is.NoErr(err) // commit on b
	select {
	case p := <-woke:
		is.Equal(len(p.Events), 1) // a's waiter saw b's commit
	case <-time.After(25 * time.Second):
		t.Fatal("a's WaitEvents not woken by b's commit")
	}

	const per = 20
	var wg sync.WaitGroup
	errs := make(chan error, 4*per)
	for i, s := range []*sqlite.Store{a, b, a, b} {
		wg.Add(1)
		go func(i int, s *sqlite.Store) {
			defer wg.Done()
			for j := 0; j < per; j++ {
				if _, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: fmt.Sprintf("g%d-%d", i, j)}); err != nil {
					errs <- err
				}
				if _, err := s.AttachChannel(ctx, ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "wa", PlatformGroupID: fmt.Sprint(i)}); err != nil {
					errs <- err
				}
			}
		}(i, s)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Logf("write failed (allowed only if it appended nothing): %v", err)
	}
	for _, s := range []*sqlite.Store{a, b} {
		for _, tenant := range []grouping.Tenant{tn, wtn} {
			ev := hostileAll(t, s, tenant)
			for i, e := range ev {
				is.Equal(e.Sequence, int64(i+1)) // gapless and unique across both stores
			}
		}
	}
	// Count successes via the state: every group created is one event.
	page, err := a.ListGroups(ctx, org, grouping.ListGroupsOptions{})
	is.NoErr(err)                                          // list
	is.Equal(len(hostileAll(t, a, tn)), 1+len(page.Items)) // one event per group, plus the org
}

// Pruning every event of a tenant, then reopening the file, must not reuse
// the numbers.
func TestHostilePruneAllThenReopen(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	s, err := sqlite.Open(ctx, path)
	is.NoErr(err) // open
	org := uuid.New()
	tn := grouping.OrganisationOf(org)
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
	is.NoErr(err) // 1
	for i := 0; i < 3; i++ {
		_, err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: fmt.Sprint("g", i)})
		is.NoErr(err) // 2..4
	}
	time.Sleep(5 * time.Millisecond)
	_, err = s.PruneEvents(ctx, grouping.Retention{MaxAge: time.Nanosecond})
	is.NoErr(err)                          // prune all
	is.Equal(len(hostileAll(t, s, tn)), 0) // gone
	is.NoErr(s.Close())                    // close
	s2 := hostileOpen(t, path)
	_, err = s2.CreateGroup(ctx, org, grouping.NewGroup{Name: "again"})
	is.NoErr(err) // a new change
	ev := hostileAll(t, s2, tn)
	is.Equal(len(ev), 1)               // one event
	is.Equal(ev[0].Sequence, int64(5)) // number 5: never reused after reopening
}
