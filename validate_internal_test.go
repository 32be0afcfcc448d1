package grouping

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/matryer/is"
	"golang.org/x/text/unicode/norm"
)

// foldSeeds are names whose keys took care to get right.
var foldSeeds = []string{
	"", " ", "Sales", " Sales Team ", "SALES", "sales",
	"Straße", "STRASSE", "ẞ", "\u00e9cole", "e\u0301cole", "Ｆｕｌｌ２", "ﬃx", "FFIX",
	"\u212Aelvin", "İstanbul", "ΣΊΣΥΦΟΣ", "ᾈ", "\u0345", "a\u0345\u0301",
	"\u00A8abc", "abc\u00A8", "\u203E", "\u3000x\u3000", "\u13A0\uAB70\u13F8\u13F0",
	"ǅ", "ﬀ\u0308", "\u1E9B\u0323", "㎒", "\xff", "a\xffB",
}

// FuzzFoldName checks that a key is its own key, and that the ASCII fast
// path gives the key the general path gives.
func FuzzFoldName(f *testing.F) {
	for _, s := range foldSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		key := FoldName(name)
		if again := FoldName(key); again != key {
			t.Fatalf("FoldName(%+q) = %+q, but FoldName(%+q) = %+q", name, key, key, again)
		}
		if utf8.ValidString(key) && !norm.NFKC.IsNormalString(key) {
			t.Fatalf("FoldName(%+q) = %+q, which is not in NFKC", name, key)
		}
		if trimmed := trimName(name); isASCII(trimmed) {
			if general := foldUnicode(trimmed); general != key {
				t.Fatalf("FoldName(%+q): ASCII path gives %+q, general path %+q", name, key, general)
			}
		}
		if _, err := ValidateName("name", name); err == nil && key == "" {
			t.Fatalf("valid name %+q has an empty key", name)
		}
	})
}

// TestFoldNameEveryCharacter checks every assigned Unicode character
// outside the private use areas: its key is stable, and equals the key of
// every other case of it.
func TestFoldNameEveryCharacter(t *testing.T) {
	is := is.New(t)
	n := 0
	for _, table := range []*unicode.RangeTable{unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf} {
		forEachRune(table, func(r rune) {
			n++
			key := FoldName(string(r))
			if FoldName(key) != key || !norm.NFKC.IsNormalString(key) {
				t.Logf("%U", r)
				is.Equal(FoldName(key), key)           // a key is its own key
				is.True(norm.NFKC.IsNormalString(key)) // in NFKC
			}
			for c := unicode.SimpleFold(r); c != r; c = unicode.SimpleFold(c) {
				if other := FoldName(string(c)); other != key {
					t.Logf("%U and %U are cases of one letter", r, c)
					is.Equal(other, key) // the cases of a letter share a key
				}
			}
		})
	}
	is.True(n > 140_000) // every assigned character was seen
}

func forEachRune(table *unicode.RangeTable, f func(rune)) {
	for _, r := range table.R16 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			f(c)
		}
	}
	for _, r := range table.R32 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			f(c)
		}
	}
}

// TestFoldNameASCIIAllocations checks the fast path: a plain ASCII name
// costs at most the allocation of its key.
func TestFoldNameASCIIAllocations(t *testing.T) {
	is := is.New(t)
	lower := testing.AllocsPerRun(100, func() { FoldName(" sales team ") })
	is.Equal(lower, 0.0) // a lower-case ASCII name is its own key, trimmed
	mixed := testing.AllocsPerRun(100, func() { FoldName("Sales Team") })
	is.Equal(mixed, 1.0) // a mixed-case ASCII name allocates only its key
}

func BenchmarkFoldName(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"ASCIILower", "sales team"},
		{"ASCIIMixed", "Sales Team EMEA"},
		{"ASCIILong", strings.Repeat("Ab", MaxNameLength/2)},
		{"Latin", "Straße Überall"},
		{"FullWidth", "Ｆｕｌｌ２"},
		{"Greek", "ΣΊΣΥΦΟΣ"},
		{"LatinLong", strings.Repeat("Éa", MaxNameLength/2)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				FoldName(bc.in)
			}
		})
	}
}
