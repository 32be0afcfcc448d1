package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping/webhook"
	"github.com/matryer/is"
)

// secretOf returns a secret in Standard Webhooks form with a key of n
// bytes, all b.
func secretOf(b byte, n int) string {
	return "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(b), n)))
}

// hmacOf computes a v1 signature without the package: HMAC-SHA256 under the
// decoded key of "<id>.<ts>.<body>", in standard base64.
func hmacOf(t *testing.T, secret, id, ts string, body []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("test secret %q: %v", secret, err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func headersOf(id string, ts time.Time, sig string) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(webhook.HeaderSignature, sig)
	return h
}

func TestSignMatchesAnIndependentHMAC(t *testing.T) {
	is := is.New(t)
	old, cur := secretOf('a', 32), secretOf('b', 24)
	ts := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"x","sequence":1}`)

	sig, err := webhook.Sign([]string{old, cur}, "evt_1", ts, body)
	is.NoErr(err) // two valid secrets sign
	entries := strings.Split(sig, " ")
	is.Equal(len(entries), 2)                                               // one signature per secret, space-separated
	is.Equal(entries[0], "v1,"+hmacOf(t, old, "evt_1", "1700000000", body)) // first secret's HMAC over id.ts.body
	is.Equal(entries[1], "v1,"+hmacOf(t, cur, "evt_1", "1700000000", body)) // second secret's, in order

	h := headersOf("evt_1", ts, sig)
	is.NoErr(webhook.Verify([]string{old}, h, body, 0, ts))                    // the old secret alone verifies
	is.NoErr(webhook.Verify([]string{cur}, h, body, 0, ts.Add(time.Minute)))   // and so does the new one
	is.NoErr(webhook.Verify([]string{secretOf('z', 40), cur}, h, body, 0, ts)) // any of the receiver's secrets may match
}

func TestVerifyRejects(t *testing.T) {
	secret := secretOf('s', 32)
	ts := time.Unix(1_700_000_000, 0)
	body := []byte(`{"sequence":7}`)
	sig, err := webhook.Sign([]string{secret}, "evt_7", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	good := headersOf("evt_7", ts, sig)
	with := func(key, value string) http.Header {
		h := good.Clone()
		if value == "" {
			h.Del(key)
		} else {
			h.Set(key, value)
		}
		return h
	}
	tests := []struct {
		name    string
		secrets []string
		header  http.Header
		body    []byte
		tol     time.Duration
		now     time.Time
		want    error
	}{
		{"tampered body", []string{secret}, good, []byte(`{"sequence":8}`), 0, ts, webhook.ErrNoMatchingSignature},
		{"wrong secret", []string{secretOf('t', 32)}, good, body, 0, ts, webhook.ErrNoMatchingSignature},
		{"other id", []string{secret}, with(webhook.HeaderID, "evt_8"), body, 0, ts, webhook.ErrNoMatchingSignature},
		{"other timestamp", []string{secret}, with(webhook.HeaderTimestamp, "1700000001"), body, 0, ts, webhook.ErrNoMatchingSignature},
		{"only v1a signatures", []string{secret}, with(webhook.HeaderSignature, strings.Replace(sig, "v1,", "v1a,", 1)), body, 0, ts, webhook.ErrNoMatchingSignature},
		{"signature not base64", []string{secret}, with(webhook.HeaderSignature, "v1,@@@"), body, 0, ts, webhook.ErrNoMatchingSignature},
		{"old timestamp", []string{secret}, good, body, 0, ts.Add(5*time.Minute + time.Second), webhook.ErrBadTimestamp},
		{"old for a short tolerance", []string{secret}, good, body, 10 * time.Second, ts.Add(11 * time.Second), webhook.ErrBadTimestamp},
		{"future timestamp", []string{secret}, good, body, 0, ts.Add(-6 * time.Minute), webhook.ErrBadTimestamp},
		{"timestamp not a number", []string{secret}, with(webhook.HeaderTimestamp, "soon"), body, 0, ts, webhook.ErrBadTimestamp},
		{"signed timestamp", []string{secret}, with(webhook.HeaderTimestamp, "+1700000000"), body, 0, ts, webhook.ErrBadTimestamp},
		{"timestamp too long", []string{secret}, with(webhook.HeaderTimestamp, strings.Repeat("9", 30)), body, 0, ts, webhook.ErrBadTimestamp},
		{"no id", []string{secret}, with(webhook.HeaderID, ""), body, 0, ts, webhook.ErrMissingHeader},
		{"no timestamp", []string{secret}, with(webhook.HeaderTimestamp, ""), body, 0, ts, webhook.ErrMissingHeader},
		{"no signature", []string{secret}, with(webhook.HeaderSignature, ""), body, 0, ts, webhook.ErrMissingHeader},
		{"no headers", []string{secret}, nil, body, 0, ts, webhook.ErrMissingHeader},
		{"no secrets", nil, good, body, 0, ts, webhook.ErrInvalidSecret},
		{"bad secret", []string{"whsec_short"}, good, body, 0, ts, webhook.ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			err := webhook.Verify(tt.secrets, tt.header, tt.body, tt.tol, tt.now)
			is.True(errors.Is(err, tt.want)) // rejected for the right reason
		})
	}
}

func TestVerifyAcceptsAMatchAmongOtherEntries(t *testing.T) {
	is := is.New(t)
	secret := secretOf('k', 32)
	ts := time.Unix(1_700_000_000, 0)
	body := []byte(`{}`)
	sig, err := webhook.Sign([]string{secret}, "evt", ts, body)
	is.NoErr(err) // signed
	h := headersOf("evt", ts, "v1a,AAAA v1,@@@ v1,"+hmacOf(t, secretOf('x', 32), "evt", "1700000000", body)+"  "+sig)
	is.NoErr(webhook.Verify([]string{secret}, h, body, 0, ts)) // unknown versions, junk and other keys' signatures are skipped

	split := headersOf("evt", ts, "v1,"+hmacOf(t, secretOf('x', 32), "evt", "1700000000", body))
	split.Add(webhook.HeaderSignature, sig)
	is.NoErr(webhook.Verify([]string{secret}, split, body, 0, ts)) // a second webhook-signature line is read too
	raw := http.Header{"webhook-id": {"evt"}, "webhook-timestamp": {"1700000000"}, "webhook-signature": {sig}}
	is.NoErr(webhook.Verify([]string{secret}, raw, body, 0, ts)) // so is a map keyed by the lower-case names

	is.NoErr(webhook.Verify([]string{secret}, headersOf("evt", ts, sig), body, 0, ts.Add(5*time.Minute)))  // exactly at the tolerance is accepted
	is.NoErr(webhook.Verify([]string{secret}, headersOf("evt", ts, sig), body, 0, ts.Add(-5*time.Minute))) // either way
}

func TestVerifier(t *testing.T) {
	is := is.New(t)
	secret := secretOf('v', 48)
	now := time.Unix(1_800_000_000, 0)
	v, err := webhook.NewVerifier([]string{secret})
	is.NoErr(err) // a valid secret makes a verifier
	v.Clock = func() time.Time { return now }
	sig, err := webhook.Sign([]string{secret}, "e", now.Add(-time.Minute), []byte("b"))
	is.NoErr(err) // signed
	h := headersOf("e", now.Add(-time.Minute), sig)
	is.NoErr(v.Verify(h, []byte("b"))) // a minute old is within the default tolerance

	v.Tolerance = 30 * time.Second
	is.True(errors.Is(v.Verify(h, []byte("b")), webhook.ErrBadTimestamp)) // but not within 30 s

	var zero *webhook.Verifier
	is.True(errors.Is(zero.Verify(h, []byte("b")), webhook.ErrInvalidSecret))                  // a nil verifier refuses, without panicking
	is.True(errors.Is(new(webhook.Verifier).Verify(h, []byte("b")), webhook.ErrInvalidSecret)) // and so does one without secrets

	_, err = webhook.NewVerifier(nil)
	is.True(errors.Is(err, webhook.ErrInvalidSecret)) // no secrets is an error
}

func TestParseSecret(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		ok     bool
	}{
		{"24 bytes", secretOf('a', 24), true},
		{"64 bytes", secretOf('a', 64), true},
		{"unpadded", strings.TrimRight(secretOf('a', 25), "="), true},
		{"23 bytes", secretOf('a', 23), false},
		{"65 bytes", secretOf('a', 65), false},
		{"no prefix", strings.TrimPrefix(secretOf('a', 32), "whsec_"), false},
		{"other prefix", "whsk_" + strings.TrimPrefix(secretOf('a', 32), "whsec_"), false},
		{"url base64", "whsec_" + base64.URLEncoding.EncodeToString([]byte(strings.Repeat("\xff", 32))), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			key, err := webhook.ParseSecret(tt.secret)
			if tt.ok {
				is.NoErr(err)           // accepted
				is.True(len(key) >= 24) // and decoded
				return
			}
			is.True(errors.Is(err, webhook.ErrInvalidSecret)) // refused as an invalid secret
		})
	}
}

func TestNewSecret(t *testing.T) {
	is := is.New(t)
	a, err := webhook.NewSecret()
	is.NoErr(err) // a secret is made
	b, err := webhook.NewSecret()
	is.NoErr(err)                           // and another
	is.True(strings.HasPrefix(a, "whsec_")) // Standard Webhooks form
	is.True(a != b)                         // random
	key, err := webhook.ParseSecret(a)
	is.NoErr(err)          // parses
	is.Equal(len(key), 32) // a 256-bit key

	ts := time.Now()
	sig, err := webhook.Sign([]string{a}, "id", ts, []byte("x"))
	is.NoErr(err)                                                                       // it signs
	is.NoErr(webhook.Verify([]string{a}, headersOf("id", ts, sig), []byte("x"), 0, ts)) // usable to sign and verify
}
