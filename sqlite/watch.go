package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/channelgrouping/grouping/driver"
)

var _ driver.Watcher = (*sqlDriver)(nil)

// Watch implements driver.Watcher. Every watch interval it reads PRAGMA
// data_version on a connection of its own, outside both pools, so that it
// neither waits for the writer nor takes a connection from readers. SQLite
// changes that value on a connection whenever another connection, of any
// process, has committed since the connection last looked; this process's
// own writer is such another connection, so Watch reports its commits too.
//
// A failed read (the file busy beyond the busy timeout, say) is not fatal:
// Watch drops the connection, tries again at the next tick, and calls
// changed once it reads again, since it may have missed a commit meanwhile.
// It calls changed after its first read too, for a commit made while it
// started. It returns when ctx ends, closing its connection.
func (d *sqlDriver) Watch(ctx context.Context, changed func()) {
	watch(ctx, d.dsnReadOnly, d.watchEvery, changed)
}

// watch is Watch on the database of the data source name, read every
// interval.
func watch(ctx context.Context, dsn string, every time.Duration, changed func()) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		// Only an unknown driver name makes Open fail, and this package
		// registers it: there is nothing to watch with.
		<-ctx.Done()
		return
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	defer db.Close()
	w := &watchConn{db: db}
	defer w.drop()

	tick := time.NewTicker(every)
	defer tick.Stop()
	var (
		version  int64
		watching bool // version was read on the connection w holds
	)
	for {
		v, err := w.dataVersion(ctx)
		switch {
		case err != nil:
			w.drop()
			watching = false
		case !watching:
			version, watching = v, true
			changed()
		case v != version:
			version = v
			changed()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// watchConn is the connection Watch reads from, opened when needed.
type watchConn struct {
	db   *sql.DB
	conn *sql.Conn
	stmt *sql.Stmt
}

// dataVersion reads PRAGMA data_version, connecting first when needed.
func (w *watchConn) dataVersion(ctx context.Context) (int64, error) {
	if w.conn == nil {
		conn, err := w.db.Conn(ctx)
		if err != nil {
			return 0, err
		}
		stmt, err := conn.PrepareContext(ctx, "PRAGMA data_version")
		if err != nil {
			conn.Close()
			return 0, err
		}
		w.conn, w.stmt = conn, stmt
	}
	var v int64
	err := w.stmt.QueryRowContext(ctx).Scan(&v)
	return v, err
}

// drop closes the connection, if one is open, so that the next read
// starts on a new one.
func (w *watchConn) drop() {
	if w.conn != nil {
		w.stmt.Close()
		w.conn.Close()
		w.conn, w.stmt = nil, nil
	}
}
