package sqlite

import (
	"context"
	"testing"
)

// BenchmarkFloorWALPages runs every write of the floor benchmark through
// the library and reports, besides its time, how many pages it adds to the
// write-ahead log (wal-pages/op): what a commit writes, and later what a
// checkpoint copies into the database, page by page. Checkpoints (the
// writer's and the background ones) are turned off while a case runs, so
// that the log holds every page written.
//
//	go test -run '^$' -bench FloorWALPages ./sqlite
func BenchmarkFloorWALPages(b *testing.B) {
	ctx := context.Background()
	fx := newFixture(b, 3000, 50)
	w := fx.s.d.w.conn
	if _, err := w.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		b.Fatal(err)
	}
	fx.s.d.ckpt.pause(true)
	b.Cleanup(func() { fx.s.d.ckpt.pause(false) })
	for _, c := range floorCases() {
		b.Run(c.name, func(b *testing.B) {
			if _, err := w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := c.library(ctx, fx); err != nil {
					b.Fatal(err)
				}
			}
			var busy, pages, copied int
			if err := w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &pages, &copied); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(pages)/float64(b.N), "wal-pages/op")
		})
	}
}
