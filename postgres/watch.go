package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/channelgrouping/grouping/driver"
	"github.com/jackc/pgx/v5"
)

var _ driver.Watcher = (*pgDriver)(nil)

// maxChannelLen is the longest channel name PostgreSQL takes (NAMEDATALEN
// - 1 bytes).
const maxChannelLen = 63

// notifyChannel returns the name of the channel the writes to schema
// notify: "<schema>.events", or for a schema whose name is too long for
// that, "events:" and a hash of the name. A channel belongs to a
// database, so stores of one schema in different databases do not hear
// each other.
func notifyChannel(schema string) string {
	if name := schema + ".events"; len(name) <= maxChannelLen {
		return name
	}
	sum := sha256.Sum256([]byte(schema))
	return "events:" + hex.EncodeToString(sum[:16])
}

// Watch timing.
const (
	// watchMinDelay and watchMaxDelay bound the pause before listening
	// again after a failure; it doubles from the first to the second.
	watchMinDelay = 100 * time.Millisecond
	watchMaxDelay = 5 * time.Second
	// watchCheck is how long the listening connection waits for a
	// notification before it checks that the server still answers: a
	// connection whose peer vanished without closing it would otherwise
	// wait for ever.
	watchCheck = 30 * time.Second
)

// watchState is what Watch exposes to tests: the process ID of the server
// backend that listens, while one does.
type watchState struct {
	pid atomic.Uint32
}

// Watch implements driver.Watcher with LISTEN on the schema's channel, on a
// connection of its own: it takes one from the pool and hijacks it, so that
// it is made as the pool makes connections (hooks, TLS, credentials) but
// counts no longer against the pool's size, and closes it when ctx ends.
// When the connection fails, Watch opens another after a pause (100 ms,
// doubling up to 5 s, jittered) and calls changed once it listens again,
// since commits may have gone unheard. It also calls changed once the first
// LISTEN is in place, for the same reason. A server that does not support
// LISTEN (SQLSTATE 0A000) ends the attempts: the engine's polling remains.
func (d *pgDriver) Watch(ctx context.Context, changed func()) {
	delay := watchMinDelay
	for {
		listened, err := d.listen(ctx, changed)
		if ctx.Err() != nil {
			return
		}
		if sqlState(err) == pgFeatureNotSupported {
			<-ctx.Done()
			return
		}
		if listened {
			delay = watchMinDelay
		}
		pause := delay/2 + rand.N(delay/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		delay = min(2*delay, watchMaxDelay)
	}
}

// pgFeatureNotSupported is the SQLSTATE of a statement the server does not
// implement, such as LISTEN on CockroachDB.
const pgFeatureNotSupported = "0A000"

// listen listens on one connection until it fails or ctx ends, calling
// changed once when the LISTEN is in place and after each notification. It
// reports whether the LISTEN was in place.
func (d *pgDriver) listen(ctx context.Context, changed func()) (bool, error) {
	pc, err := d.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	conn := pc.Hijack()
	defer func() {
		d.watch.pid.Store(0)
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{d.channel}.Sanitize()); err != nil {
		return false, err
	}
	d.watch.pid.Store(conn.PgConn().PID())
	changed()
	for {
		if err := waitNotification(ctx, conn); err != nil {
			return true, err
		}
		changed()
	}
}

// waitNotification returns once conn has received at least one
// notification, having taken every other one it has already received, so
// that a burst of them wakes the readers once. Every watchCheck without one
// it pings the server, and fails when that fails.
func waitNotification(ctx context.Context, conn *pgx.Conn) error {
	for {
		waitCtx, cancel := context.WithTimeout(ctx, watchCheck)
		_, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			drainNotifications(conn)
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded) || conn.IsClosed():
			return err
		}
		// The wait timed out; pgx leaves the connection usable.
		pingCtx, cancel := context.WithTimeout(ctx, watchCheck)
		err = conn.Ping(pingCtx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// done is a context that has ended, for taking notifications without
// waiting.
var done = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// drainNotifications takes the notifications conn has already received
// without reading from the server: pgx returns a received one even when
// the context has ended, and otherwise gives up at once.
func drainNotifications(conn *pgx.Conn) {
	for {
		if n, _ := conn.WaitForNotification(done); n == nil {
			return
		}
	}
}
