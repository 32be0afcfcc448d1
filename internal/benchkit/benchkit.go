// Package benchkit holds what the stores' benchmarks and floor tests share:
// sizes written as 10k or 1M, the processor time of the process, JSON made
// comparable across fixtures whose IDs differ, and the floors' event IDs.
package benchkit

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// ParseSize reads a size such as 500, 10k or 1M.
func ParseSize(s string) (int, error) {
	mult, digits := 1, s
	switch {
	case strings.HasSuffix(s, "M"):
		digits, mult = strings.TrimSuffix(s, "M"), 1_000_000
	case strings.HasSuffix(s, "k"):
		digits, mult = strings.TrimSuffix(s, "k"), 1_000
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q: want a positive number, optionally followed by k or M", s)
	}
	return n * mult, nil
}

// Canonical replaces every UUID in s by its order of first appearance
// (id0, id1, …), so that the JSON of two fixtures built alike compares
// equal.
func Canonical(s string) string {
	seen := map[string]string{}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+36 <= len(s) && strings.Count(s[i:i+36], "-") == 4 {
			if _, err := uuid.Parse(s[i : i+36]); err == nil {
				id := s[i : i+36]
				if _, ok := seen[id]; !ok {
					seen[id] = fmt.Sprintf("id%d", len(seen))
				}
				b.WriteString(seen[id])
				i += 36
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// EventID returns a random version 4 UUID from the runtime's generator, as
// the engine makes event IDs: an event ID must be unique, not secret.
func EventID() uuid.UUID { return UUIDFrom(rand.Uint64(), rand.Uint64()) }

// UUIDFrom returns the version 4 UUID made of two random numbers, so that
// fixtures built alike from a seeded source hold the same IDs.
func UUIDFrom(hi, lo uint64) uuid.UUID {
	var id uuid.UUID
	binary.LittleEndian.PutUint64(id[:8], hi)
	binary.LittleEndian.PutUint64(id[8:], lo)
	id[6], id[8] = id[6]&0x0f|0x40, id[8]&0x3f|0x80 // version 4, variant 10
	return id
}
