package postgres

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/matryer/is"
)

// TestUUIDCodec sends and reads uuid.UUID values, alone and in arrays,
// through a connection of a store's pool, and checks them against the
// server's own text form of each: the bytes go in their order, NULL leaves
// the target as it was (as uuid.UUID's own Scan does), and a hook set
// through WithPoolConfig still runs.
func TestUUIDCodec(t *testing.T) {
	is := is.New(t)
	pgtest.Need(t, testDB)
	ctx := t.Context()
	var hooked atomic.Int32
	s := openOn(t, newSchemaName(), WithPoolConfig(func(c *pgxpool.Config) {
		c.AfterConnect = func(context.Context, *pgx.Conn) error {
			hooked.Add(1)
			return nil
		}
	}))
	conn, err := s.d.pool.Acquire(ctx)
	is.NoErr(err) // a connection
	defer conn.Release()
	is.True(hooked.Load() > 0) // the caller's hook ran

	m := conn.Conn().TypeMap()
	_, ours := m.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, uuid.UUID{}).(encodeUUID)
	is.True(ours) // uuid.UUID is sent by the codec, not as text
	_, ours = m.PlanScan(pgtype.UUIDOID, pgtype.BinaryFormatCode, new(uuid.UUID)).(scanUUID)
	is.True(ours) // and read by it

	id := uuid.MustParse("00112233-4455-6677-8899-aabbccddeeff")
	ids := []uuid.UUID{uuid.New(), id, uuid.Nil}
	var (
		back, null uuid.UUID
		text       string
		texts      []string
		array      []uuid.UUID
	)
	kept := uuid.New()
	null = kept
	err = conn.QueryRow(ctx, `SELECT $1::uuid, $1::uuid::text, $2::uuid[]::text[], $2::uuid[], NULL::uuid`, id, ids).
		Scan(&back, &text, &texts, &array, &null)
	is.NoErr(err)                  // the round trip
	is.Equal(back, id)             // the value comes back
	is.Equal(text, id.String())    // as the server reads it
	is.Equal(null, kept)           // NULL leaves the value, as uuid.UUID's Scan does
	is.Equal(array, ids)           // an array comes back
	is.Equal(len(texts), len(ids)) // with every element
	for i := range ids {
		is.Equal(texts[i], ids[i].String()) // each as the server reads it
	}
	var isNull bool
	is.NoErr(conn.QueryRow(ctx, `SELECT $1::uuid[] IS NULL`, []uuid.UUID(nil)).Scan(&isNull)) // a nil slice
	is.True(isNull)                                                                           // is NULL
	var ptr *uuid.UUID
	is.NoErr(conn.QueryRow(ctx, `SELECT NULL::uuid`).Scan(&ptr)) // into a pointer
	is.True(ptr == nil)                                          // NULL is nil
	is.NoErr(conn.QueryRow(ctx, `SELECT $1::uuid`, id).Scan(&ptr))
	is.True(ptr != nil && *ptr == id) // a value is the value

	var bad uuid.UUID
	is.True(scanUUID{}.Scan([]byte{0, 1}, &bad) != nil) // two bytes are no uuid
	is.True(scanUUID{}.Scan([]byte{}, &bad) != nil)     // nor are none
	is.Equal(bad, uuid.Nil)                             // and leave the target as it was
}
