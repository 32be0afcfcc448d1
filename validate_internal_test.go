package grouping

import (
	"fmt"
	"math/rand/v2"
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

// TestValidateMatchesReference checks ValidateName, ValidateGroupName,
// ValidateText and FoldName, their one-pass paths for plain ASCII and their
// general paths, against the plain statement of their rules below, on
// strings drawn from printable ASCII, the spaces and control characters at
// their edges, invisible and non-ASCII characters, and invalid UTF-8, at
// lengths around the limits.
func TestValidateMatchesReference(t *testing.T) {
	is := is.New(t)
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "Z", "0", "~", " ", "!", "\t", "\n", "\r", "\x1f", "\x7f", "\x00", "\u00a0", "\u0085", "\u009f",
		"é", "\u200b", "\u202e", "\u3000", "\ufffd", "\xff", "\xe2\x82", "ß", "😀"}
	limits := []int{0, 1, 5, 20, MaxNameLength}
	plain, n := 0, 0
	for range 300_000 {
		var sb strings.Builder
		length := r.IntN(8)
		if r.IntN(50) == 0 {
			length = MaxNameLength - 2 + r.IntN(5)
		}
		for range length {
			if r.IntN(4) == 0 {
				sb.WriteString(pieces[r.IntN(len(pieces))])
			} else {
				sb.WriteByte(byte(' ' + r.IntN('~'-' '+1)))
			}
		}
		s := sb.String()
		n++
		if plainName(s) {
			plain++
		}
		got, gotErr := ValidateName("name", s)
		want, wantErr := refValidateName("name", s)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Logf("%q", s)
			is.Equal(got, want)                               // ValidateName: the name
			is.Equal(fmt.Sprint(gotErr), fmt.Sprint(wantErr)) // and the error
		}
		got, gotErr = ValidateGroupName("name", s)
		want, wantErr = refValidateGroupName("name", s)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Logf("%q", s)
			is.Equal(got, want)                               // ValidateGroupName: the name
			is.Equal(fmt.Sprint(gotErr), fmt.Sprint(wantErr)) // and the error
		}
		max := limits[r.IntN(len(limits))]
		if a, b := fmt.Sprint(ValidateText("text", s, max)), fmt.Sprint(refValidateText("text", s, max)); a != b {
			t.Logf("%q, at most %d", s, max)
			is.Equal(a, b) // ValidateText: the error
		}
		if key := FoldName(s); key != refFoldName(s) {
			t.Logf("%q", s)
			is.Equal(key, refFoldName(s)) // FoldName: the key
		}
	}
	is.True(plain > n/10 && plain < n*9/10) // both paths were taken often
}

// The rules of ValidateName, ValidateGroupName, ValidateText and FoldName,
// stated one check at a time.

func refValidateName(field, name string) (string, error) {
	name = strings.TrimFunc(name, func(r rune) bool { return unicode.IsSpace(r) && !unicode.IsControl(r) })
	switch {
	case name == "":
		return "", InvalidField(field, "%s is required", field)
	case !utf8.ValidString(name):
		return "", InvalidField(field, "%s must be valid UTF-8", field)
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "", InvalidField(field, "%s must be at most %d characters", field, MaxNameLength)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", InvalidField(field, "%s must not contain control characters", field)
	}
	return name, nil
}

func refValidateGroupName(field, name string) (string, error) {
	name, err := refValidateName(field, name)
	if err != nil {
		return "", err
	}
	for _, r := range name {
		switch {
		case '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069':
			return "", InvalidField(field, "%s must not contain bidirectional control characters (found U+%04X)", field, r)
		case '\u200B' <= r && r <= '\u200D' || r == '\u2060' || r == '\uFEFF':
			return "", InvalidField(field, "%s must not contain zero-width characters (found U+%04X)", field, r)
		}
	}
	return name, nil
}

func refValidateText(field, text string, max int) error {
	switch {
	case !utf8.ValidString(text):
		return InvalidField(field, "%s must be valid UTF-8", field)
	case utf8.RuneCountInString(text) > max:
		return InvalidField(field, "%s must be at most %d characters", field, max)
	case strings.IndexFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' }) >= 0:
		return InvalidField(field, "%s must not contain control characters", field)
	}
	return nil
}

func refFoldName(name string) string {
	name = trimName(name)
	if isASCII(name) {
		return strings.ToLower(name)
	}
	return foldUnicode(name)
}

// BenchmarkValidate times the checks of a write's names and texts: a group
// name and a description, each of plain ASCII (the one-pass path) and with
// non-ASCII characters (the general path). BenchmarkFoldName times the
// names' keys.
func BenchmarkValidate(b *testing.B) {
	for _, c := range []struct{ kind, s string }{{"ascii", "Customer support (EMEA)"}, {"unicode", "Kundenbetreuung (Europa) – Süd"}} {
		b.Run("op=ValidateGroupName/text="+c.kind, func(b *testing.B) {
			for b.Loop() {
				if _, err := ValidateGroupName("name", c.s); err != nil {
					b.Fatal(err)
				}
			}
		})
		desc := strings.Repeat(c.s+" ", 8)
		b.Run("op=ValidateText/text="+c.kind, func(b *testing.B) {
			for b.Loop() {
				if err := ValidateText("description", desc, MaxDescriptionLength); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
