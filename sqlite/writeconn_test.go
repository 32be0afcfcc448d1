package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// countGroups counts the live groups of org, read outside any transaction.
func countGroups(t *testing.T, s *Store, org uuid.UUID) int {
	t.Helper()
	var n int
	if err := s.d.reader.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM groups WHERE organisation_id = ? AND deleted_at IS NULL", org).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// insertTestGroup writes a group of org within tx.
func insertTestGroup(ctx context.Context, tx driver.Tx, org uuid.UUID, name string) error {
	now := time.Now()
	return tx.InsertGroup(ctx, grouping.Group{ID: uuid.New(), OrganisationID: org, Name: name, Version: 1, CreatedAt: now, UpdatedAt: now}, grouping.FoldName(name))
}

// TestWriteTransactionsEndOnEveryPath checks that a write transaction on the
// held connection is rolled back when its function fails, panics or its
// context ends before the commit, and that the connection then serves the
// next write.
func TestWriteTransactionsEndOnEveryPath(t *testing.T) {
	ctx := t.Context()
	errFails := errors.New("fails")
	for _, tc := range []struct {
		name  string
		write func(s *Store, org uuid.UUID) error
		check func(is *is.I, err error)
	}{
		{"error", func(s *Store, org uuid.UUID) error {
			return s.d.Write(ctx, func(tx driver.Tx) error {
				if err := insertTestGroup(ctx, tx, org, "lost"); err != nil {
					return err
				}
				return errFails
			})
		}, func(is *is.I, err error) { is.True(errors.Is(err, errFails)) }}, // the function's error
		{"panic", func(s *Store, org uuid.UUID) (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = errFails
				}
			}()
			return s.d.Write(ctx, func(tx driver.Tx) error {
				if err := insertTestGroup(ctx, tx, org, "lost"); err != nil {
					return err
				}
				panic(errFails)
			})
		}, func(is *is.I, err error) { is.True(errors.Is(err, errFails)) }}, // the panic went through
		{"canceled before commit", func(s *Store, org uuid.UUID) error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			return s.d.Write(ctx, func(tx driver.Tx) error {
				if err := insertTestGroup(ctx, tx, org, "lost"); err != nil {
					return err
				}
				cancel()
				return nil
			})
		}, func(is *is.I, err error) { is.True(errors.Is(err, context.Canceled)) }}, // the context's error
		{"transaction ended early", func(s *Store, org uuid.UUID) error {
			// The transaction is gone when the rollback comes (SQLite ends
			// some on its own after an error): the rollback's error is not
			// a reason to drop the connection.
			return s.d.Write(ctx, func(tx driver.Tx) error {
				if _, err := s.d.w.rollback.ExecContext(ctx); err != nil {
					return err
				}
				return errFails
			})
		}, func(is *is.I, err error) { is.True(errors.Is(err, errFails)) }}, // the function's error
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s := openTestStore(t)
			org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
			is.NoErr(err) // create organisation
			conn := s.d.w

			tc.check(is, tc.write(s, org.ID))
			is.Equal(countGroups(t, s, org.ID), 0) // nothing written
			is.Equal(s.d.w, conn)                  // the same connection serves on

			_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "kept"})
			is.NoErr(err)                          // the next write commits
			is.Equal(countGroups(t, s, org.ID), 1) // and is there
		})
	}
}

// TestDiscardedWriteConnectionIsReplaced checks that when the write
// connection is discarded (its transaction could not be rolled back), the
// next write takes a new one, with its statements, and commits.
func TestDiscardedWriteConnectionIsReplaced(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation

	err = s.d.Write(ctx, func(tx driver.Tx) error {
		if err := insertTestGroup(ctx, tx, org.ID, "lost"); err != nil {
			return err
		}
		// What rollbackOrDiscard does when ROLLBACK fails: the connection,
		// still in its transaction, is closed for good.
		s.d.w.discard()
		s.d.w = nil
		return errors.New("fails")
	})
	is.True(err != nil)                                // the write failed
	is.Equal(countGroups(t, s, org.ID), 0)             // closing the connection rolled it back
	is.Equal(s.d.writePool.Stats().OpenConnections, 0) // the pool closed it rather than keep it

	for _, name := range []string{"first", "second"} {
		_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: name})
		is.NoErr(err) // writes on a new connection
	}
	is.Equal(countGroups(t, s, org.ID), 2)             // both committed
	is.Equal(s.d.writePool.Stats().OpenConnections, 1) // on one connection
}
