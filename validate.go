package grouping

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// ValidateName trims surrounding white space from name and checks that the
// rest is valid UTF-8 of 1 to [MaxNameLength] characters without control
// characters. field names the input in the returned [Invalid] error.
//
// Only white space that is not a control character is trimmed: ordinary
// spaces, no-break spaces, the Unicode space separators and the line and
// paragraph separators (U+2028, U+2029). Tab, line feed, vertical tab, form
// feed, carriage return and next line (U+0085) are control characters, so a
// name that starts or ends with one is invalid rather than silently cut.
//
// Group names have further rules, see [ValidateGroupName].
func ValidateName(field, name string) (string, error) {
	if len(name) <= MaxNameLength && plainName(name) {
		return name, nil // trimmed, valid, of len(name) characters, no control character
	}
	return validateName(field, name)
}

// validateName is ValidateName for any name.
func validateName(field, name string) (string, error) {
	name = trimName(name)
	if name == "" {
		return "", InvalidField(field, "%s is required", field)
	}
	valid, chars, control := scanText(name, false)
	switch {
	case !valid:
		return "", InvalidField(field, "%s must be valid UTF-8", field)
	case chars > MaxNameLength:
		return "", InvalidField(field, "%s must be at most %d characters", field, MaxNameLength)
	case control:
		return "", InvalidField(field, "%s must not contain control characters", field)
	}
	return name, nil
}

// scanText reads s once and reports whether it is valid UTF-8, and if so
// how many characters it has and whether one of them is a control
// character, tab, line feed and carriage return excepted when breaks is
// set.
func scanText(s string, breaks bool) (valid bool, chars int, control bool) {
	for i := 0; i < len(s); chars++ {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if (c < ' ' || c == 0x7f) && !(breaks && (c == '\t' || c == '\n' || c == '\r')) {
				control = true
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false, 0, false
		}
		i += size
		control = control || unicode.IsControl(r)
	}
	return true, chars, control
}

// ValidateGroupName checks a group name as [ValidateName] does and also
// refuses invisible characters that would let two names that look the same
// differ: the bidirectional embeddings, overrides and isolates (U+202A to
// U+202E, U+2066 to U+2069) and the zero-width characters (U+200B to U+200D,
// U+2060, U+FEFF). It returns the name trimmed.
func ValidateGroupName(field, name string) (string, error) {
	if len(name) <= MaxNameLength && plainName(name) {
		return name, nil // as ValidateName; no ASCII character is invisible
	}
	return validateGroupName(field, name)
}

// validateGroupName is ValidateGroupName for any name.
func validateGroupName(field, name string) (string, error) {
	name, err := validateName(field, name)
	if err != nil {
		return "", err
	}
	for _, r := range name {
		switch {
		case isBidiControl(r):
			return "", InvalidField(field, "%s must not contain bidirectional control characters (found U+%04X)", field, r)
		case isZeroWidth(r):
			return "", InvalidField(field, "%s must not contain zero-width characters (found U+%04X)", field, r)
		}
	}
	return name, nil
}

// trimName removes the white space that ValidateName trims from both ends
// of name.
func trimName(name string) string {
	return strings.TrimFunc(name, isTrimmedSpace)
}

// isTrimmedSpace reports whether r is Unicode White_Space and not a control
// character.
func isTrimmedSpace(r rune) bool {
	return unicode.IsSpace(r) && !unicode.IsControl(r)
}

// isBidiControl reports whether r is one of the bidirectional embedding,
// override or isolate controls, which can reorder how a name is displayed.
func isBidiControl(r rune) bool {
	return '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}

// isZeroWidth reports whether r is a zero-width space, (non-)joiner, word
// joiner or byte order mark.
func isZeroWidth(r rune) bool {
	return '\u200B' <= r && r <= '\u200D' || r == '\u2060' || r == '\uFEFF'
}

// ValidateText checks free text such as a description: valid UTF-8, at most
// max characters, and no control characters other than tab, line feed and
// carriage return.
func ValidateText(field, text string, max int) error {
	if len(text) <= max && plainText(text) {
		return nil // valid, of len(text) characters, no control character but tab and line breaks
	}
	return validateText(field, text, max)
}

// validateText is ValidateText for any text.
func validateText(field, text string, max int) error {
	valid, chars, control := scanText(text, true)
	switch {
	case !valid:
		return InvalidField(field, "%s must be valid UTF-8", field)
	case chars > max:
		return InvalidField(field, "%s must be at most %d characters", field, max)
	case control:
		return InvalidField(field, "%s must not contain control characters", field)
	}
	return nil
}

// plainName reports whether name is printable ASCII (space to tilde) and
// neither empty nor starting or ending with a space: a name that
// ValidateName and ValidateGroupName accept as it is when it is not longer
// than MaxNameLength, which they check in one pass.
func plainName(name string) bool {
	if name == "" || name[0] == ' ' || name[len(name)-1] == ' ' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// plainText reports whether text is printable ASCII, tabs and line breaks
// (\n, \r): text that ValidateText accepts when it is not longer than its
// limit, which it checks in one pass.
func plainText(text string) bool {
	for i := 0; i < len(text); i++ {
		if c := text[i]; (c < ' ' || c > '~') && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// ValidateID checks that id is set (not the nil UUID).
func ValidateID(field string, id uuid.UUID) error {
	if id == uuid.Nil {
		return InvalidField(field, "%s is required", field)
	}
	return nil
}

// FoldName returns the key under which group names are compared: two names
// collide exactly when their keys are equal. The key is name with
// surrounding white space trimmed (as [ValidateName] trims it), in Unicode
// normalisation form NFKC, with full Unicode case folding applied, and in
// NFKC again, since folding does not always keep a string normalised. So
// "Straße" and "STRASSE", "é" composed and decomposed, full-width "Ｆｕｌｌ２"
// and "Full2", and "ﬃx" and "FFIX" have the same key.
//
// The key is stable: FoldName(FoldName(name)) == FoldName(name). It is meant
// for comparing and indexing, not for showing: stores keep the name as
// given.
func FoldName(name string) string {
	if plainName(name) {
		return strings.ToLower(name) // trimmed already; see below
	}
	name = trimName(name)
	if isASCII(name) {
		// NFKC leaves ASCII as it is and folding lowers A to Z, nothing
		// else; only the ASCII space was trimmed. strings.ToLower returns
		// name itself when there is nothing to lower.
		return strings.ToLower(name)
	}
	return foldUnicode(name)
}

// foldUnicode computes the key of a trimmed name of any characters.
func foldUnicode(name string) string {
	key := norm.NFKC.String(name)
	key = nameFolder.String(key)
	key = strings.Map(cherokeeCapital, key) // returns key itself when nothing maps
	key = norm.NFKC.String(key)             // returns key itself when it is normal already
	// NFKC can turn a leading or trailing character into white space and
	// a combining mark (U+00A8 DIAERESIS becomes " \u0308"); trim that
	// too, so that the key of a key is the key.
	return trimName(key)
}

// nameFolder applies full Unicode case folding. A folding Caser is
// stateless and safe for concurrent use.
var nameFolder = cases.Fold()

// cherokeeCapital maps a Cherokee small letter to its capital. Unicode folds
// Cherokee to the capitals (the small letters came later, and case folding
// is kept stable), but golang.org/x/text/cases folds capitals to small
// letters and small letters to capitals, so that the two cases of a letter
// would get different keys. Folding first and then mapping every small
// letter to its capital gives the folding of CaseFolding.txt.
func cherokeeCapital(r rune) rune {
	switch {
	case '\uAB70' <= r && r <= '\uABBF': // CHEROKEE SMALL LETTER A to YA
		return r - 0xAB70 + 0x13A0
	case '\u13F8' <= r && r <= '\u13FD': // CHEROKEE SMALL LETTER YE to MV
		return r - 8
	}
	return r
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Validate checks a new group and returns it with its name trimmed.
func (g NewGroup) Validate() (NewGroup, error) {
	name, err := ValidateGroupName("name", g.Name)
	if err != nil {
		return NewGroup{}, err
	}
	if err := ValidateText("description", g.Description, MaxDescriptionLength); err != nil {
		return NewGroup{}, err
	}
	return NewGroup{Name: name, Description: g.Description}, nil
}

// Validate checks an update and returns it with its name trimmed.
func (u GroupUpdate) Validate() (GroupUpdate, error) {
	if u.Name == nil && u.Description == nil && u.Archived == nil {
		return GroupUpdate{}, InvalidField("", "at least one of name, description or archived is required")
	}
	if err := ValidateVersion(u.IfVersion); err != nil {
		return GroupUpdate{}, err
	}
	if u.Name != nil {
		name, err := ValidateGroupName("name", *u.Name)
		if err != nil {
			return GroupUpdate{}, err
		}
		u.Name = &name
	}
	if u.Description != nil {
		if err := ValidateText("description", *u.Description, MaxDescriptionLength); err != nil {
			return GroupUpdate{}, err
		}
	}
	return u, nil
}

// Validate checks an organisation and returns it with its name trimmed.
func (o Organisation) Validate() (Organisation, error) {
	if err := ValidateID("id", o.ID); err != nil {
		return Organisation{}, err
	}
	name, err := ValidateName("name", o.Name)
	if err != nil {
		return Organisation{}, err
	}
	o.Name = name
	return o, nil
}

// Validate checks a channel upsert and returns it with its name trimmed, its
// CreatedAt normalised and its Users free of duplicates. ID and
// OrganisationID are required; OwnerID is not (the nil UUID means the owner
// is unknown).
func (c ChannelUpsert) Validate() (ChannelUpsert, error) {
	if err := ValidateID("channels_id", c.ID); err != nil {
		return ChannelUpsert{}, err
	}
	if err := ValidateID("organisation_id", c.OrganisationID); err != nil {
		return ChannelUpsert{}, err
	}
	name, err := ValidateName("name", c.Name)
	if err != nil {
		return ChannelUpsert{}, err
	}
	c.Name = name
	if err := ValidateText("description", c.Description, MaxDescriptionLength); err != nil {
		return ChannelUpsert{}, err
	}
	if c.MessageCount < 0 {
		return ChannelUpsert{}, InvalidField("message_count", "message_count must not be negative")
	}
	if !c.CreatedAt.IsZero() {
		c.CreatedAt = Timestamp(c.CreatedAt)
	}
	if c.Users != nil {
		seen := make(map[uuid.UUID]bool, len(c.Users))
		users := make([]uuid.UUID, 0, len(c.Users))
		for _, u := range c.Users {
			if u == uuid.Nil {
				return ChannelUpsert{}, InvalidField("users", "users must not contain the nil UUID")
			}
			if !seen[u] {
				seen[u] = true
				users = append(users, u)
			}
		}
		c.Users = users
	}
	return c, nil
}

// Validate checks the platform account of an attach.
func (a ChannelGroupAttach) Validate() (ChannelGroupAttach, error) {
	if err := ValidatePlatformID(a.PlatformID); err != nil {
		return ChannelGroupAttach{}, err
	}
	if strings.TrimSpace(a.PlatformGroupID) == "" {
		return ChannelGroupAttach{}, InvalidField("platformGroupId", "platformGroupId is required")
	}
	if err := ValidateText("platformGroupId", a.PlatformGroupID, MaxPlatformGroupIDLength); err != nil {
		return ChannelGroupAttach{}, err
	}
	if strings.ContainsAny(a.PlatformGroupID, "\t\n\r") {
		return ChannelGroupAttach{}, InvalidField("platformGroupId", "platformGroupId must not contain control characters")
	}
	if err := ValidateText("platformGroupName", a.PlatformGroupName, MaxNameLength); err != nil {
		return ChannelGroupAttach{}, err
	}
	if strings.ContainsAny(a.PlatformGroupName, "\t\n\r") {
		return ChannelGroupAttach{}, InvalidField("platformGroupName", "platformGroupName must not contain control characters")
	}
	return a, nil
}

// ValidatePlatformID checks a platformId: 1–255 characters from
// [A-Za-z0-9-].
func ValidatePlatformID(id string) error {
	if id == "" {
		return InvalidField("platformId", "platformId is required")
	}
	if len(id) > MaxPlatformIDLength {
		return InvalidField("platformId", "platformId must be at most %d characters", MaxPlatformIDLength)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return InvalidField("platformId", "platformId must match ^[A-Za-z0-9-]+$")
		}
	}
	return nil
}

// ValidateIDList checks that ids holds each ID of want exactly once and
// nothing else. It is the rule of every reorder operation; field names the
// input in the returned error.
func ValidateIDList(field string, ids, want []uuid.UUID) error {
	if len(ids) == len(want) && isPermutation(ids, want) {
		return nil
	}
	// The maps find the offending ID to name.
	wanted := make(map[uuid.UUID]bool, len(want))
	for _, id := range want {
		wanted[id] = true
	}
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		switch {
		case seen[id]:
			return InvalidField(field, "%s lists %s more than once", field, id)
		case !wanted[id]:
			return InvalidField(field, "%s lists %s, which is not one of the items being ordered", field, id)
		}
		seen[id] = true
	}
	if len(seen) != len(wanted) {
		return InvalidField(field, "%s must list all %d items exactly once, got %d", field, len(wanted), len(seen))
	}
	return nil
}

// isPermutation reports whether ids, as long as want, which holds no ID
// twice, holds each ID of want once.
func isPermutation(ids, want []uuid.UUID) bool {
	if len(want) <= smallPermutation {
		return isSmallPermutation(ids, want)
	}
	// Sorted copies of both, made in one allocation, are equal.
	buf := make([]uuid.UUID, 2*len(ids))
	a, b := buf[:len(ids)], buf[len(ids):]
	copy(a, ids)
	copy(b, want)
	slices.SortFunc(a, compareIDs)
	slices.SortFunc(b, compareIDs)
	return slices.Equal(a, b)
}

// smallPermutation is the longest list isPermutation checks by search:
// up to this length, comparing IDs for equality costs less than sorting
// copies of both lists.
const smallPermutation = 32

// isSmallPermutation is isPermutation by search, for lists of at most
// smallPermutation IDs: each ID of ids must match an ID of want that no
// earlier ID matched. As want holds no ID twice, an ID given twice finds
// its match taken.
func isSmallPermutation(ids, want []uuid.UUID) bool {
	var taken uint64 // bit k: want[k] is matched
	for _, id := range ids {
		k := 0
		for k < len(want) && (want[k] != id || taken&(1<<k) != 0) {
			k++
		}
		if k == len(want) {
			return false
		}
		taken |= 1 << k
	}
	return true
}

// compareIDs orders IDs as bytes.
func compareIDs(x, y uuid.UUID) int { return bytes.Compare(x[:], y[:]) }

// ValidateVersion checks an expected group version: 0 (no condition) or a
// positive version.
func ValidateVersion(v int64) error {
	if v < 0 {
		return InvalidField("version", "version must not be negative")
	}
	return nil
}
