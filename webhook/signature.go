package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/channelgrouping/grouping"
)

// The headers of a webhook request, as the Standard Webhooks specification
// names them. HTTP header names are case-insensitive; Go sends them as
// Webhook-Id, Webhook-Timestamp and Webhook-Signature.
const (
	// HeaderID carries the event's ID, the same on every attempt: use it
	// to drop a delivery you have already handled.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries the time of the attempt in unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries one "v1,<base64 HMAC-SHA256>" signature per
	// secret of the endpoint, separated by spaces.
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every secret in Standard Webhooks form.
const SecretPrefix = "whsec_"

// Secret sizes, in bytes of key after base64 decoding.
const (
	// MinSecretBytes is the shortest key a secret may hold.
	MinSecretBytes = 24
	// MaxSecretBytes is the longest key a secret may hold.
	MaxSecretBytes = 64
	// newSecretBytes is the size of the keys NewSecret makes.
	newSecretBytes = 32
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock, either way, when a [Verifier] is given none.
const DefaultTolerance = 5 * time.Minute

// Errors of [Verify] and of secrets. The errors returned wrap one of them,
// with detail; branch with errors.Is.
var (
	// ErrInvalidSecret: a secret is not "whsec_" followed by the base64
	// of MinSecretBytes to MaxSecretBytes bytes, or none was given.
	ErrInvalidSecret = errors.New("webhook: invalid secret")
	// ErrMissingHeader: the request lacks webhook-id, webhook-timestamp or
	// webhook-signature.
	ErrMissingHeader = errors.New("webhook: missing header")
	// ErrBadTimestamp: webhook-timestamp is not a unix time in seconds,
	// or it is further from now than the tolerance allows (an old request
	// replayed, or a clock far off).
	ErrBadTimestamp = errors.New("webhook: bad timestamp")
	// ErrNoMatchingSignature: no v1 signature of webhook-signature matches
	// the request under any of the secrets.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
)

// NewSecret returns a new random secret in Standard Webhooks form:
// "whsec_" and the standard base64 of 32 random bytes.
func NewSecret() (string, error) {
	key := make([]byte, newSecretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: new secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// ParseSecret returns the HMAC key of a secret in Standard Webhooks form,
// "whsec_<base64>": the decoded bytes. Padding may be left out. It returns
// an error wrapping [ErrInvalidSecret] for anything else, and for keys
// shorter than MinSecretBytes or longer than MaxSecretBytes.
func ParseSecret(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: it does not start with %q", ErrInvalidSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(b64)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: what follows %q is not standard base64", ErrInvalidSecret, SecretPrefix)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return nil, fmt.Errorf("%w: its key is %d bytes, not %d to %d", ErrInvalidSecret, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return key, nil
}

// parseSecrets returns the keys of secrets, at least one.
func parseSecrets(secrets []string) ([][]byte, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret given", ErrInvalidSecret)
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		k, err := ParseSecret(s)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %w", i+1, err)
		}
		keys[i] = k
	}
	return keys, nil
}

// mac returns the HMAC-SHA256 under key of "<id>.<timestamp>.<body>".
func mac(key []byte, id, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// signature returns the webhook-signature value of a message under keys.
func signature(keys [][]byte, id, timestamp string, body []byte) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("v1,")
		b.WriteString(base64.StdEncoding.EncodeToString(mac(k, id, timestamp, body)))
	}
	return b.String()
}

// Sign returns the webhook-signature header value of a message with the
// given ID, timestamp and body: "v1,<base64 HMAC-SHA256>" over
// "<id>.<unix seconds>.<body>" for each secret, in order, separated by
// spaces. The Dispatcher signs every request this way; Sign is for tests of
// receivers and for other senders.
func Sign(secrets []string, id string, timestamp time.Time, body []byte) (string, error) {
	keys, err := parseSecrets(secrets)
	if err != nil {
		return "", err
	}
	return signature(keys, id, strconv.FormatInt(timestamp.Unix(), 10), body), nil
}

// Verifier checks the requests of a sender that signs with any of a set of
// secrets, as a receiver does. Make one with [NewVerifier]; it is safe for
// concurrent use as long as its fields are not changed.
type Verifier struct {
	// Tolerance is how far webhook-timestamp may be from the clock, either
	// way; 0 or less means DefaultTolerance.
	Tolerance time.Duration
	// Clock gives the time; nil means time.Now.
	Clock grouping.Clock

	keys [][]byte
}

// NewVerifier returns a Verifier that accepts signatures made with any of
// secrets (during a rotation, the old secret and the new one). It returns
// an error wrapping [ErrInvalidSecret] when secrets is empty or one of them
// is not in Standard Webhooks form (see [ParseSecret]).
func NewVerifier(secrets []string) (*Verifier, error) {
	keys, err := parseSecrets(secrets)
	if err != nil {
		return nil, err
	}
	return &Verifier{keys: keys}, nil
}

// Verify checks a request's webhook headers against its body, which must
// be the bytes received, unchanged (not JSON decoded and encoded again).
// Several webhook-signature lines count as one list.
// It returns nil when webhook-timestamp is within the tolerance of the
// clock and at least one v1 signature of webhook-signature matches under
// at least one secret, compared in constant time; entries of other
// versions are skipped. Otherwise it returns an error wrapping
// [ErrMissingHeader], [ErrBadTimestamp] or [ErrNoMatchingSignature], or
// [ErrInvalidSecret] for a Verifier not made by NewVerifier.
//
// Verify does not remember the IDs it has seen: a receiver that must not
// handle an event twice (deliveries are at least once) keeps the
// webhook-id values it has handled.
func (v *Verifier) Verify(header http.Header, body []byte) error {
	if v == nil {
		return fmt.Errorf("%w: no secret given", ErrInvalidSecret)
	}
	now := time.Now
	if v.Clock != nil {
		now = v.Clock
	}
	return v.verify(header, body, now())
}

func (v *Verifier) verify(header http.Header, body []byte, now time.Time) error {
	if len(v.keys) == 0 {
		return fmt.Errorf("%w: no secret given", ErrInvalidSecret)
	}
	id, ts := headerValue(header, HeaderID), headerValue(header, HeaderTimestamp)
	sigs := strings.Join(headerValues(header, HeaderSignature), " ")
	var missing []string
	for _, h := range [...][2]string{{HeaderID, id}, {HeaderTimestamp, ts}, {HeaderSignature, sigs}} {
		if h[1] == "" {
			missing = append(missing, h[0])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissingHeader, strings.Join(missing, ", "))
	}
	sent, ok := parseUnix(ts)
	if !ok {
		return fmt.Errorf("%w: %q is not a unix time in seconds", ErrBadTimestamp, ts)
	}
	tolerance := v.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	switch age := now.Sub(sent); {
	case age > tolerance:
		return fmt.Errorf("%w: the request was signed %s ago, more than the %s allowed", ErrBadTimestamp, age.Truncate(time.Second), tolerance)
	case -age > tolerance:
		return fmt.Errorf("%w: the request was signed %s in the future, more than the %s allowed", ErrBadTimestamp, (-age).Truncate(time.Second), tolerance)
	}
	want := make([][]byte, len(v.keys))
	for i, k := range v.keys {
		want[i] = mac(k, id, ts, body)
	}
	checked := 0
	for _, entry := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		checked++
		for _, w := range want {
			if hmac.Equal(got, w) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: %d v1 signature(s) checked against %d secret(s)", ErrNoMatchingSignature, checked, len(v.keys))
}

// headerValues returns the values of the header name, also from a map
// built by hand with the lower-case name as key rather than the canonical
// one net/http uses.
func headerValues(h http.Header, name string) []string {
	if vs := h.Values(name); len(vs) > 0 {
		return vs
	}
	return h[name]
}

// headerValue returns the first of headerValues.
func headerValue(h http.Header, name string) string {
	if vs := headerValues(h, name); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// parseUnix reads a webhook-timestamp: decimal digits only.
func parseUnix(s string) (time.Time, bool) {
	if s == "" || len(s) > 18 {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// Verify checks a webhook request as a [Verifier] of secrets with the given
// tolerance (0 for DefaultTolerance) does at the time now. It is for one-off
// checks and tests; a receiver that verifies many requests makes a Verifier
// once, which parses the secrets once.
func Verify(secrets []string, header http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	v, err := NewVerifier(secrets)
	if err != nil {
		return err
	}
	v.Tolerance = tolerance
	return v.verify(header, body, now)
}
