package postgres

import (
	"context"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestNotifierKeepsWhatItCouldNotSend checks that the tenants of a flush
// that could not send its statement, here because its context had ended as
// Close's does while a statement is on its way, are pending again for the
// next flush, and that a flush that sends leaves nothing pending.
func TestNotifierKeepsWhatItCouldNotSend(t *testing.T) {
	is := is.New(t)
	s := openTestStore(t)
	n := s.d.notifier
	is.True(n != nil) // LISTEN/NOTIFY is on by default
	tenant := grouping.OrganisationOf(uuid.New())
	pending := func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		_, ok := n.pending[tenant]
		return ok
	}

	n.mu.Lock()
	n.pending[tenant] = struct{}{}
	n.mu.Unlock()
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	n.flush(ended)
	is.True(pending()) // not sent: pending again

	n.flush(t.Context())
	is.True(!pending()) // sent
}
