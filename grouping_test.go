package grouping_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// nameTest is a name given to a validator, the name it should return, and
// whether the validator should accept it.
type nameTest struct {
	in, want string
	ok       bool
}

// testNames runs the name tests against a validator such as ValidateName.
func testNames(t *testing.T, validate func(field, name string) (string, error), tests []nameTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.20q", tt.in), func(t *testing.T) {
			is := is.New(t)
			got, err := validate("name", tt.in)
			is.Equal(err == nil, tt.ok) // acceptance
			is.Equal(got, tt.want)      // trimmed result
			if !tt.ok {
				is.Equal(grouping.ErrorCode(err), grouping.Invalid) // rejected input is Invalid
				is.Equal(grouping.ErrorField(err), "name")          // and names the field
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	testNames(t, grouping.ValidateName, []nameTest{
		{"Sales", "Sales", true},
		{"  padded  ", "padded", true},
		{"\u00a0\u3000no-break and ideographic\u2028\u2029", "no-break and ideographic", true}, // white space that is not a control character is trimmed
		{strings.Repeat("é", 255), strings.Repeat("é", 255), true},
		{" " + strings.Repeat("a", 255) + "\u3000", strings.Repeat("a", 255), true},
		{"👩\u200d💻 team", "👩\u200d💻 team", true}, // joiners are for group names to refuse
		{"", "", false},
		{"   ", "", false},
		{strings.Repeat("a", 256), "", false},
		{"bell\x07", "", false},
		{"line\nbreak", "", false},
		{"next\u0085line", "", false},
		{"bad\xffutf8", "", false},
		// Control characters are not trimmed away: at either end they make
		// the name invalid, as anywhere else.
		{"\tleading tab", "", false},
		{"trailing tab\t", "", false},
		{"trailing newline\n", "", false},
		{"\rleading return", "", false},
		{"\vvertical tab", "", false},
		{"form feed\f", "", false},
		{"next line\u0085", "", false},
		{"  padded\t", "", false},
		{" \t ", "", false},
	})
}

// invisibles are the characters that group names must not contain.
var invisibles = []rune{
	'\u202A', '\u202B', '\u202C', '\u202D', '\u202E', // embeddings and overrides
	'\u2066', '\u2067', '\u2068', '\u2069', // isolates
	'\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', // zero-width
}

func TestValidateGroupNameInvisible(t *testing.T) {
	for _, r := range invisibles {
		for _, in := range []string{string(r) + "Sales", "Sa" + string(r) + "les", "Sales" + string(r), " " + string(r) + " "} {
			t.Run(fmt.Sprintf("%U/%+q", r, in), func(t *testing.T) {
				is := is.New(t)
				got, err := grouping.ValidateGroupName("title", in)
				is.Equal(got, "")                                                               // refused
				is.Equal(grouping.ErrorCode(err), grouping.Invalid)                             // as Invalid
				is.Equal(grouping.ErrorField(err), "title")                                     // naming the field
				is.True(strings.Contains(grouping.ErrorMessage(err), fmt.Sprintf("U+%04X", r))) // and the character
			})
		}
	}
}

func TestValidateGroupName(t *testing.T) {
	testNames(t, grouping.ValidateGroupName, []nameTest{
		{" Sales ", "Sales", true},
		// Neighbours of the refused ranges are allowed.
		{"a\u200Ab", "a\u200Ab", true}, // hair space
		{"a\u200Eb", "a\u200Eb", true}, // left-to-right mark
		{"a\u2029b", "a\u2029b", true}, // paragraph separator
		{"a\u202Fb", "a\u202Fb", true}, // narrow no-break space
		{"a\u205Fb", "a\u205Fb", true}, // medium mathematical space
		{"a\u2061b", "a\u2061b", true}, // function application
		{"a\u206Ab", "a\u206Ab", true}, // inhibit symmetric swapping
		{"a\uFEFCb", "a\uFEFCb", true}, // Arabic ligature lam with alef
		{"\tSales", "", false},         // the rules of ValidateName hold too
		{strings.Repeat("x", 256), "", false},
	})
}

// Group inputs use the group-name rules; the mirror's names use the general
// ones, so a host's channel may carry an emoji joined by U+200D.
func TestNameRulesPerInput(t *testing.T) {
	is := is.New(t)
	bad := "Sales\u202E"
	_, err := grouping.NewGroup{Name: bad}.Validate()
	is.Equal(grouping.ErrorField(err), "name") // a new group's name is a group name
	_, err = grouping.GroupUpdate{Name: &bad}.Validate()
	is.Equal(grouping.ErrorField(err), "name") // so is a rename

	joined := "👩\u200d💻"
	ch := grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: uuid.New(), OwnerID: uuid.New(), Name: joined}
	_, err = ch.Validate()
	is.NoErr(err) // a channel's name follows ValidateName
	_, err = grouping.Organisation{ID: uuid.New(), Name: joined}.Validate()
	is.NoErr(err) // and so does an organisation's
}

func TestOrganisationValidateTrims(t *testing.T) {
	is := is.New(t)
	org, err := grouping.Organisation{ID: uuid.New(), Name: " \u00a0Acme\u3000 "}.Validate()
	is.NoErr(err)              // a padded name is valid
	is.Equal(org.Name, "Acme") // and comes back trimmed
	_, err = grouping.Organisation{ID: uuid.New(), Name: "Acme\n"}.Validate()
	is.Equal(grouping.ErrorField(err), "name") // a trailing newline is no space to trim
}

func TestFoldName(t *testing.T) {
	tests := []struct {
		name, a, b string
		same       bool
	}{
		{"Case", "Sales", "sALES", true},
		{"SurroundingSpace", " Sales\u3000", "sales", true},
		{"KelvinSign", "\u212Aelvin", "Kelvin", true},
		{"Accented", "ÀÉÎ", "àéî", true},
		{"SharpS", "Straße", "STRASSE", true},
		{"CapitalSharpS", "ẞ", "ss", true},
		{"ComposedAccent", "\u00e9cole", "e\u0301cole", true},
		{"FullWidth", "Ｆｕｌｌ２", "Full2", true},
		{"Ligature", "ﬃx", "FFIX", true},
		{"FinalSigma", "ΣΊΣΥΦΟΣ", "σίσυφος", true},
		{"Cherokee", "\u13A0\u13F0", "\uAB70\u13F8", true},
		{"Superscript", "x²", "X2", true},
		{"InnerSpace", "a b", "ab", false},
		{"Accent", "Sales", "Salés", false},
		{"Digit", "Sales 1", "Sales 2", false},
		{"SharpSAndS", "ß", "s", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			is.Equal(grouping.FoldName(tt.a) == grouping.FoldName(tt.b), tt.same) // names share a key exactly when they look the same
		})
	}
	is := is.New(t)
	is.Equal(grouping.FoldName(" Sales Team "), "sales team") // a plain name's key is its lower case, trimmed
}

func TestValidateIDList(t *testing.T) {
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	want := []uuid.UUID{a, b}
	tests := []struct {
		name string
		ids  []uuid.UUID
		ok   bool
	}{
		{"permutation", []uuid.UUID{b, a}, true},
		{"missing", []uuid.UUID{a}, false},
		{"duplicate", []uuid.UUID{a, a, b}, false},
		{"duplicate-same-length", []uuid.UUID{a, a}, false},
		{"foreign", []uuid.UUID{a, b, c}, false},
		{"foreign-same-length", []uuid.UUID{c, a}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			err := grouping.ValidateIDList("ids", tt.ids, want)
			is.Equal(err == nil, tt.ok) // only an exact permutation passes
		})
	}
	is.New(t).NoErr(grouping.ValidateIDList("ids", nil, nil)) // nothing to order, nothing given
}

// TestValidateIDListRandom checks the list rule against a plain reference
// on random lists: shuffles, with an ID repeated, replaced, left out or
// added, of up to 40 IDs drawn from few, so that near misses are common.
func TestValidateIDListRandom(t *testing.T) {
	is := is.New(t)
	r := rand.New(rand.NewPCG(7, 8))
	pool := make([]uuid.UUID, 50)
	for i := range pool {
		pool[i] = uuid.New()
	}
	for range 20_000 {
		want := slices.Clone(pool[:r.IntN(40)])
		r.Shuffle(len(want), func(i, j int) { want[i], want[j] = want[j], want[i] })
		ids := slices.Clone(want)
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		switch r.IntN(5) {
		case 1: // one ID twice, in the place of another
			if len(ids) > 1 {
				ids[r.IntN(len(ids))] = ids[r.IntN(len(ids))]
			}
		case 2: // one ID replaced by any of the pool's
			if len(ids) > 0 {
				ids[r.IntN(len(ids))] = pool[r.IntN(len(pool))]
			}
		case 3: // one left out
			if len(ids) > 0 {
				ids = slices.Delete(ids, 0, 1)
			}
		case 4: // one added
			ids = append(ids, pool[r.IntN(len(pool))])
		}
		// The reference: same length, and every ID of want counted once.
		count := map[uuid.UUID]int{}
		for _, id := range ids {
			count[id]++
		}
		ok := len(ids) == len(want)
		for _, id := range want {
			ok = ok && count[id] == 1
		}
		err := grouping.ValidateIDList("ids", ids, want)
		if (err == nil) != ok {
			is.Equal(err == nil, ok) // the rule agrees with the reference
		}
	}
}

func TestValidatePlatformID(t *testing.T) {
	for in, ok := range map[string]bool{
		"whatsapp": true, "WA-2": true, "": false, "wa_1": false, "wa 1": false,
		"wä": false, strings.Repeat("a", 256): false,
	} {
		is := is.New(t)
		err := grouping.ValidatePlatformID(in)
		is.Equal(err == nil, ok) // pattern ^[A-Za-z0-9-]+$, at most 255
	}
}

func TestErrorMatching(t *testing.T) {
	is := is.New(t)
	err := fmt.Errorf("loading: %w", grouping.Errorf(grouping.Conflict, "taken"))
	is.True(errors.Is(err, grouping.ErrConflict))                       // sentinel matches through wrapping
	is.True(!errors.Is(err, grouping.ErrNotFound))                      // other codes do not
	is.Equal(grouping.ErrorCode(err), grouping.Conflict)                // code read through wrapping
	is.Equal(grouping.ErrorMessage(err), "taken")                       // user-facing message
	is.Equal(grouping.ErrorCode(errors.New("boom")), grouping.Internal) // foreign errors are internal

	internal := grouping.WrapInternal("reading groups", errors.New("disk on fire"))
	is.Equal(grouping.ErrorMessage(internal), "Internal server error") // no detail leaks
	is.True(strings.Contains(internal.Error(), "disk on fire"))        // but it is kept for logs
	is.Equal(grouping.ErrorCode(nil), grouping.Code(""))               // nil has no code
}

func TestWireJSON(t *testing.T) {
	is := is.New(t)
	at := time.Date(2024, 12, 21, 12, 10, 47, 490_000_000, time.FixedZone("x", 3600))
	gid := uuid.New()
	ch := grouping.Channel{ID: uuid.New(), GroupID: &gid, CreatedAt: at}
	b, err := json.Marshal(ch)
	is.NoErr(err)
	var m map[string]any
	is.NoErr(json.Unmarshal(b, &m))
	is.Equal(m["created_at"], "2024-12-21T11:10:47.490Z") // UTC, exactly three digits
	is.Equal(m["deleted_at"], nil)                        // null while alive
	is.Equal(m["users"], nil)                             // null in lists
	is.Equal(m["channels_id"], ch.ID.String())            // spec field name
	is.Equal(m["group_id"], gid.String())

	g := grouping.Group{Version: 7, CreatedAt: at, UpdatedAt: at}
	b, err = json.Marshal(g)
	is.NoErr(err)
	is.True(!strings.Contains(string(b), "ersion"))         // version travels in ETag only
	is.True(strings.Contains(string(b), `"channels":null`)) // channels null unless included

	var back grouping.Channel
	is.NoErr(json.Unmarshal([]byte(`{"channels_id":"`+ch.ID.String()+`","created_at":"2024-12-21T11:10:47.490Z"}`), &back))
	is.True(back.CreatedAt.Equal(at)) // wire form parses back
}
