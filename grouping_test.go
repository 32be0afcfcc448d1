package grouping_test

import (
	"encoding/json"
	"errors"
	"fmt"
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

func TestOrganisationValidateTrims(t *testing.T) {
	is := is.New(t)
	org, err := grouping.Organisation{ID: uuid.New(), Name: " \u00a0Acme\u3000 "}.Validate()
	is.NoErr(err)              // a padded name is valid
	is.Equal(org.Name, "Acme") // and comes back trimmed
	_, err = grouping.Organisation{ID: uuid.New(), Name: "Acme\n"}.Validate()
	is.Equal(grouping.ErrorField(err), "name") // a trailing newline is no space to trim
}

func TestFoldName(t *testing.T) {
	is := is.New(t)
	is.Equal(grouping.FoldName(" Kelvin "), grouping.FoldName("\u212Aelvin")) // Kelvin sign folds with K
	is.Equal(grouping.FoldName("ÀÉÎ"), grouping.FoldName("àéî"))              // accented letters fold
	is.True(grouping.FoldName("ß") != grouping.FoldName("ss"))                // simple folding only
	is.True(grouping.FoldName("a b") != grouping.FoldName("ab"))              // inner space matters
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
