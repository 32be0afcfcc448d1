package grouping

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The JSON forms of the domain types and of the events' data are written by
// hand, in one pass: encoding/json would reflect over a wrapper struct,
// marshal each nested value on its own and then check and compact its
// output again. They are byte for byte what encoding/json writes for the
// same fields (strings escaped the same way, HTML characters included), as
// json_test.go checks against it.

// wireTimeLayout is the wire form of every time: UTC with exactly three
// fractional digits, as in 2024-12-21T12:10:47.492Z.
const wireTimeLayout = "2006-01-02T15:04:05.000Z"

// The Unix times of the first and the last second that appendTime writes
// digit by digit: 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const (
	firstDigitSecond = -62_167_219_200
	lastDigitSecond  = 253_402_300_799
)

// appendTime appends t as a JSON string in wireTimeLayout. Years 0–9999
// are written in place, their date worked out from the Unix time in
// unsigned arithmetic and their digits written in pairs from a table,
// several times faster than AppendFormat, which parses its layout, or than
// t.Date and t.Clock, which work out the date and the time of day each on
// their own; other years go through AppendFormat.
func appendTime(b []byte, t time.Time) []byte {
	unix := t.Unix()
	if unix < firstDigitSecond || unix > lastDigitSecond {
		b = append(b, '"')
		b = t.UTC().AppendFormat(b, wireTimeLayout)
		return append(b, '"')
	}
	// The proleptic Gregorian calendar repeats every 400 years (146,097
	// days). Counted from 1 March of year -400, every day of years 0–9999
	// is a day ≥ 0, and each year of 365 or 366 days ends with February,
	// its leap day last.
	since := uint64(unix - firstDigitSecond) // firstDigitSecond starts a day
	secs := uint32(since % 86_400)
	z := uint32(since/86_400) + 146_097 - 60 // 0000-01-01 is 60 days before 1 March
	era := z / 146_097
	doe := z - era*146_097                                    // day of the era, 0–146,096
	yoe := (doe - doe/1_460 + doe/36_524 - doe/146_096) / 365 // year of the era, 0–399
	doy := doe - (365*yoe + yoe/4 - yoe/100)                  // day of that year from 1 March, 0–365
	mp := (5*doy + 2) / 153                                   // month from March, 0–11
	day := doy - (153*mp+2)/5 + 1
	year, month := yoe+era*400-400, mp+3
	if month > 12 {
		year, month = year+1, month-12
	}
	ms := uint32(t.Nanosecond()) / uint32(time.Millisecond)
	n := len(b)
	b = append(b, `"0000-00-00T00:00:00.000Z"`...)
	out := (*[26]byte)(b[n:])
	put2(out[1:], year/100)
	put2(out[3:], year%100)
	put2(out[6:], month)
	put2(out[9:], day)
	put2(out[12:], secs/3600)
	put2(out[15:], secs/60%60)
	put2(out[18:], secs%60)
	out[21] = byte('0' + ms/100)
	put2(out[22:], ms%100)
	return b
}

// put2 writes v (0–99) as two digits at the start of b.
func put2(b []byte, v uint32) { b[0], b[1] = digitPairs[2*v], digitPairs[2*v+1] }

// digitPairs holds the two digits of each number from 0 to 99, in order.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendTimePtr appends t, or null.
func appendTimePtr(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return appendTime(b, *t)
}

// appendID appends id as a JSON string, its bytes written by table at
// fixed places.
func appendID(b []byte, id uuid.UUID) []byte {
	n := len(b)
	b = append(b, `"00000000-0000-0000-0000-000000000000"`...)
	out := (*[38]byte)(b[n:])
	out[1], out[2] = hexPairs[id[0]][0], hexPairs[id[0]][1]
	out[3], out[4] = hexPairs[id[1]][0], hexPairs[id[1]][1]
	out[5], out[6] = hexPairs[id[2]][0], hexPairs[id[2]][1]
	out[7], out[8] = hexPairs[id[3]][0], hexPairs[id[3]][1]
	out[10], out[11] = hexPairs[id[4]][0], hexPairs[id[4]][1]
	out[12], out[13] = hexPairs[id[5]][0], hexPairs[id[5]][1]
	out[15], out[16] = hexPairs[id[6]][0], hexPairs[id[6]][1]
	out[17], out[18] = hexPairs[id[7]][0], hexPairs[id[7]][1]
	out[20], out[21] = hexPairs[id[8]][0], hexPairs[id[8]][1]
	out[22], out[23] = hexPairs[id[9]][0], hexPairs[id[9]][1]
	out[25], out[26] = hexPairs[id[10]][0], hexPairs[id[10]][1]
	out[27], out[28] = hexPairs[id[11]][0], hexPairs[id[11]][1]
	out[29], out[30] = hexPairs[id[12]][0], hexPairs[id[12]][1]
	out[31], out[32] = hexPairs[id[13]][0], hexPairs[id[13]][1]
	out[33], out[34] = hexPairs[id[14]][0], hexPairs[id[14]][1]
	out[35], out[36] = hexPairs[id[15]][0], hexPairs[id[15]][1]
	return b
}

// hexPairs holds the two lower-case hexadecimal digits of every byte.
var hexPairs = func() (t [256][2]byte) {
	for i := range t {
		t[i] = [2]byte{hexDigits[i>>4], hexDigits[i&0xf]}
	}
	return t
}()

// appendIDPtr appends id, or null.
func appendIDPtr(b []byte, id *uuid.UUID) []byte {
	if id == nil {
		return append(b, "null"...)
	}
	return appendID(b, *id)
}

// appendIDs appends ids as a JSON array, or null when ids is nil.
func appendIDs(b []byte, ids []uuid.UUID) []byte {
	if ids == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendID(b, id)
	}
	return append(b, ']')
}

// appendBool appends true or false.
func appendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it by default: control characters, quote and backslash, the HTML
// characters <, > and &, U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendJSON appends the JSON form of each domain type to b and returns
// the extended slice, as MarshalJSON writes it, without allocating when b
// has room: for writers that put many values into one buffer.

// AppendJSON appends the JSON form to b.
func (o Organisation) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, o.ID)
	b = append(b, `,"name":`...)
	b = appendString(b, o.Name)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, o.CreatedAt)
	return append(b, '}')
}

// AppendJSON appends the JSON form to b.
func (c Channel) AppendJSON(b []byte) []byte {
	b = append(b, `{"channels_id":`...)
	b = appendID(b, c.ID)
	b = append(b, `,"name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"description":`...)
	b = appendString(b, c.Description)
	b = append(b, `,"organisation_id":`...)
	b = appendID(b, c.OrganisationID)
	b = append(b, `,"owner_id":`...)
	if c.OwnerID == uuid.Nil {
		b = append(b, "null"...)
	} else {
		b = appendID(b, c.OwnerID)
	}
	b = append(b, `,"users":`...)
	b = appendIDs(b, c.Users)
	b = append(b, `,"user_count":`...)
	b = strconv.AppendInt(b, int64(c.UserCount), 10)
	b = append(b, `,"message_count":`...)
	b = strconv.AppendInt(b, c.MessageCount, 10)
	b = append(b, `,"archived":`...)
	b = appendBool(b, c.Archived)
	b = append(b, `,"group_id":`...)
	b = appendIDPtr(b, c.GroupID)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, c.CreatedAt)
	b = append(b, `,"deleted_at":`...)
	b = appendTimePtr(b, c.DeletedAt)
	return append(b, '}')
}

// AppendJSON appends the JSON form to b.
func (g Group) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, g.ID)
	b = append(b, `,"name":`...)
	b = appendString(b, g.Name)
	b = append(b, `,"description":`...)
	b = appendString(b, g.Description)
	b = append(b, `,"organisation_id":`...)
	b = appendID(b, g.OrganisationID)
	b = append(b, `,"channels":`...)
	if g.Channels == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range g.Channels {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.AppendJSON(b)
		}
		b = append(b, ']')
	}
	b = append(b, `,"archived":`...)
	b = appendBool(b, g.Archived)
	b = append(b, `,"position":`...)
	b = strconv.AppendInt(b, int64(g.Position), 10)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, g.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, g.UpdatedAt)
	b = append(b, `,"deleted_at":`...)
	b = appendTimePtr(b, g.DeletedAt)
	return append(b, '}')
}

// AppendJSON appends the JSON form to b.
func (g ChannelGroup) AppendJSON(b []byte) []byte { return g.appendJSON(b, true) }

// appendJSON appends the JSON form, with "channelIds" only when withIDs
// (events leave them out).
func (g ChannelGroup) appendJSON(b []byte, withIDs bool) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, g.ID)
	b = append(b, `,"platformId":`...)
	b = appendString(b, g.PlatformID)
	b = append(b, `,"platformGroupId":`...)
	b = appendString(b, g.PlatformGroupID)
	b = append(b, `,"platformGroupName":`...)
	b = appendString(b, g.PlatformGroupName)
	if withIDs {
		b = append(b, `,"channelIds":`...)
		b = appendIDs(b, g.ChannelIDs)
	}
	b = append(b, `,"createdAt":`...)
	b = appendTime(b, g.CreatedAt)
	b = append(b, `,"updatedAt":`...)
	b = appendTime(b, g.UpdatedAt)
	return append(b, '}')
}

// MarshalJSON writes times with exactly millisecond precision.
func (o Organisation) MarshalJSON() ([]byte, error) { return o.AppendJSON(make([]byte, 0, 128)), nil }

// MarshalJSON writes times with exactly millisecond precision, and an
// unknown owner (the nil UUID) as null. The fields come in the order of the
// spec's channel objects.
func (c Channel) MarshalJSON() ([]byte, error) { return c.AppendJSON(make([]byte, 0, 384)), nil }

// MarshalJSON writes times with exactly millisecond precision.
func (g Group) MarshalJSON() ([]byte, error) {
	return g.AppendJSON(make([]byte, 0, 320+len(g.Channels)*384)), nil
}

// MarshalJSON writes times with exactly millisecond precision.
func (g ChannelGroup) MarshalJSON() ([]byte, error) {
	return g.AppendJSON(make([]byte, 0, 256+len(g.ChannelIDs)*40)), nil
}
