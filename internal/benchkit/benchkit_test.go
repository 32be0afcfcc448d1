package benchkit

import (
	"testing"

	"github.com/matryer/is"
)

func TestParseSize(t *testing.T) {
	is := is.New(t)
	for in, want := range map[string]int{"500": 500, "10k": 10_000, "1M": 1_000_000} {
		n, err := ParseSize(in)
		is.NoErr(err)     // a valid size
		is.Equal(n, want) // its value
	}
	for _, in := range []string{"", "k", "0", "-3k", "1G", "x"} {
		_, err := ParseSize(in)
		is.True(err != nil) // an invalid size is refused
	}
}

func TestCanonical(t *testing.T) {
	is := is.New(t)
	a := Canonical(`{"a":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","b":"6ba7b811-9dad-11d1-80b4-00c04fd430c8","c":"6ba7b810-9dad-11d1-80b4-00c04fd430c8"}`)
	b := Canonical(`{"a":"00000000-0000-4000-8000-000000000001","b":"00000000-0000-4000-8000-000000000002","c":"00000000-0000-4000-8000-000000000001"}`)
	is.Equal(a, `{"a":"id0","b":"id1","c":"id0"}`)                                        // IDs by order of first appearance
	is.Equal(a, b)                                                                        // alike fixtures compare equal
	is.True(Canonical(`{"a":"x-x-x-x-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`) != `{"a":"id0"}`) // not every dashed string is an ID
}
