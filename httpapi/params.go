package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/channelgrouping/grouping"
)

// maxCursorLength bounds cursors and page tokens; real ones are far
// shorter, so a longer one is refused before it reaches the store.
const maxCursorLength = 512

// parseQuery parses a raw query string, strictly: a pair separated by ";"
// or holding a malformed percent-encoding is invalid (400) and names the
// problem, where url.URL.Query would drop it without a word. Empty pairs
// ("a=1&&b=2") are skipped; "+" is a space. A query without parameters
// gives nil, which reads as empty.
func parseQuery(raw string) (url.Values, error) {
	var q url.Values
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, grouping.InvalidField("query", "the query string must separate parameters with & and encode ; as %%3B")
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, grouping.InvalidField("query", "the query string holds a parameter name that is not validly percent-encoded")
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, grouping.InvalidField(key, "%s is not validly percent-encoded", key)
		}
		if q == nil {
			q = url.Values{}
		}
		q[key] = append(q[key], value)
	}
	return q, nil
}

// queryParam returns the single value of the query parameter name and
// whether it is present. A parameter given more than once is invalid.
func queryParam(q url.Values, name string) (string, bool, error) {
	vs, ok := q[name]
	switch {
	case !ok:
		return "", false, nil
	case len(vs) > 1:
		return "", false, grouping.InvalidField(name, "%s must be given at most once", name)
	}
	return vs[0], true, nil
}

// queryLimit reads the page size: absent means the default, otherwise an
// integer from 1 to grouping.MaxLimit.
func queryLimit(q url.Values) (int, error) {
	s, ok, err := queryParam(q, "limit")
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > grouping.MaxLimit || strings.HasPrefix(s, "+") {
		return 0, grouping.InvalidField("limit", "limit must be an integer from 1 to %d", grouping.MaxLimit)
	}
	return n, nil
}

// queryCursor reads an opaque page cursor under the given parameter name.
// Empty or absent means the first page; the store checks the rest.
func queryCursor(q url.Values, name string) (string, error) {
	s, _, err := queryParam(q, name)
	if err != nil {
		return "", err
	}
	if len(s) > maxCursorLength {
		return "", grouping.InvalidField(name, "%s is not valid for this list", name)
	}
	return s, nil
}

// queryBool reads a parameter that must be exactly true or false; nil means
// absent.
func queryBool(q url.Values, name string) (*bool, error) {
	s, ok, err := queryParam(q, name)
	if err != nil || !ok {
		return nil, err
	}
	switch s {
	case "true":
		b := true
		return &b, nil
	case "false":
		b := false
		return &b, nil
	}
	return nil, grouping.InvalidField(name, "%s must be true or false", name)
}

// queryIncludeChannels reads include, whose only value is channels.
func queryIncludeChannels(q url.Values) (bool, error) {
	s, ok, err := queryParam(q, "include")
	if err != nil || !ok {
		return false, err
	}
	if s != "channels" {
		return false, grouping.InvalidField("include", "include must be channels")
	}
	return true, nil
}

// channelListOptions reads the query of the three channel lists:
// include_archived, limit and cursor.
func channelListOptions(q url.Values) (grouping.ListChannelsOptions, error) {
	var opts grouping.ListChannelsOptions
	archived, err := queryBool(q, "include_archived")
	if err != nil {
		return opts, err
	}
	opts.IncludeArchived = archived != nil && *archived
	if opts.Limit, err = queryLimit(q); err != nil {
		return opts, err
	}
	opts.Cursor, err = queryCursor(q, "cursor")
	return opts, err
}

// precondition is what the If-Match header of a group change asks for.
type precondition struct {
	// conditional is false without If-Match or with If-Match: *, which
	// asks only that the group exist, as every change does anyway.
	conditional bool
	// versions are the versions the listed tags can match: those of strong
	// tags of the form "N", N a positive integer, as the API issues them.
	versions []int64
}

// ifMatch reads the If-Match header of a group change (RFC 9110, section
// 13.1.1). Several header lines make one list. The value is either * or a
// list of entity tags, in which empty elements are ignored (section
// 5.6.1); anything else is 400. Comparison is strong, so a weak tag
// (W/"N") never matches, nor does a tag the API could not have issued.
// Whether the listed tags match is decided by matchVersion.
func ifMatch(h http.Header) (precondition, error) {
	values := h.Values("If-Match")
	if len(values) == 0 {
		return precondition{}, nil
	}
	raw := strings.Trim(strings.Join(values, ","), " \t")
	if raw == "*" {
		return precondition{}, nil
	}
	bad := grouping.InvalidField("If-Match", "If-Match must be * or a list of entity tags such as \"3\"")
	pre := precondition{conditional: true}
	rest := raw
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return pre, nil
		}
		if rest[0] == ',' {
			rest = rest[1:] // an empty element
			continue
		}
		weak := strings.HasPrefix(rest, "W/")
		if weak {
			rest = rest[2:]
		}
		if !strings.HasPrefix(rest, `"`) {
			return precondition{}, bad
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return precondition{}, bad
		}
		opaque := rest[1 : 1+end]
		for i := 0; i < len(opaque); i++ {
			if c := opaque[i]; c < 0x21 || c == 0x7f {
				return precondition{}, bad
			}
		}
		if !weak {
			if v, err := strconv.ParseInt(opaque, 10, 64); err == nil && v > 0 && etag(v) == `"`+opaque+`"` {
				pre.versions = append(pre.versions, v)
			}
		}
		rest = strings.TrimLeft(rest[2+end:], " \t")
		if rest != "" && rest[0] != ',' {
			return precondition{}, bad
		}
	}
}

// etag is the strong entity tag of a group version.
func etag(version int64) string {
	return `"` + strconv.FormatInt(version, 10) + `"`
}
