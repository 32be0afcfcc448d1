package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgx does not know uuid.UUID: it would pass each one through its
// driver.Valuer and sql.Scanner methods, formatting it as text to send it
// and parsing text to read it, at a few hundred nanoseconds and an
// allocation or two per value. registerUUID teaches a connection's type map
// to send and read the 16 bytes as they are, in the binary format the
// statements use; everything else (the text format, other Go types) goes
// to pgx's own uuid codec as before.
func registerUUID(m *pgtype.Map) {
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUIDSlice}, m.TryWrapEncodePlanFuncs...)
}

// afterConnect returns a pool's AfterConnect hook that registers the uuid
// codec, then runs next, if any (one set through WithPoolConfig).
func afterConnect(next func(context.Context, *pgx.Conn) error) func(context.Context, *pgx.Conn) error {
	return func(ctx context.Context, c *pgx.Conn) error {
		registerUUID(c.TypeMap())
		if next != nil {
			return next(ctx, c)
		}
		return nil
	}
}

// uuidCodec is pgx's uuid codec, plus uuid.UUID in the binary format.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return encodeUUID{}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return scanUUID{}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

type encodeUUID struct{}

func (encodeUUID) Encode(value any, buf []byte) ([]byte, error) {
	id := value.(uuid.UUID)
	return append(buf, id[:]...), nil
}

type scanUUID struct{}

// Scan leaves the target as it is on NULL, as uuid.UUID's own Scan
// method does.
func (scanUUID) Scan(src []byte, dst any) error {
	id := dst.(*uuid.UUID)
	switch len(src) {
	case 0:
		if src != nil {
			return fmt.Errorf("postgres: a uuid of 0 bytes")
		}
	case 16:
		*id = uuid.UUID(src)
	default:
		return fmt.Errorf("postgres: a uuid of %d bytes", len(src))
	}
	return nil
}

// tryWrapUUIDSlice sends a []uuid.UUID as an array whose elements the
// uuid codec encodes, where pgx would otherwise walk it by reflection.
func tryWrapUUIDSlice(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	if ids, ok := value.([]uuid.UUID); ok {
		return &encodeUUIDSlice{}, pgtype.FlatArray[uuid.UUID](ids), true
	}
	return nil, nil, false
}

type encodeUUIDSlice struct{ next pgtype.EncodePlan }

func (p *encodeUUIDSlice) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *encodeUUIDSlice) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgtype.FlatArray[uuid.UUID](value.([]uuid.UUID)), buf)
}
