package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/webhook"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

type hostileDelivery struct {
	header http.Header
	body   []byte
}

// handSign computes a Standard Webhooks v1 signature by hand.
func handSign(secret, id, ts string, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Deliveries are in order, signed with each secret, verifiable by
// webhook.Verify and by hand; a failed attempt is retried with the same
// webhook-id; the position is saved.
func TestHostileWebhookDeliverySigned(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	org := uuid.New()
	tn := grouping.OrganisationOf(org)
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
	is.NoErr(err) // event 1
	for i := 0; i < 3; i++ {
		_, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "g" + strconv.Itoa(i)})
		is.NoErr(err) // events 2..4
	}
	sec1, err := webhook.NewSecret()
	is.NoErr(err) // secret
	sec2, err := webhook.NewSecret()
	is.NoErr(err) // secret

	var mu sync.Mutex
	var got []hostileDelivery
	failOnce := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, hostileDelivery{header: r.Header.Clone(), body: b})
		if failOnce && len(got) == 2 {
			failOnce = false
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	}))
	defer srv.Close()

	d, err := webhook.New(s, []webhook.Endpoint{{ID: "ep", URL: srv.URL, Tenant: tn, Secrets: []string{sec1, sec2}}},
		webhook.WithBackoff(time.Millisecond, 5*time.Millisecond))
	is.NoErr(err) // dispatcher
	rctx, cancel := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- d.Run(rctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := s.EventConsumer(ctx, "ep", tn)
		if err == nil && c.Position == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("position never reached 4")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-runErr

	mu.Lock()
	defer mu.Unlock()
	is.Equal(len(got), 5) // 4 events, one retried
	var seqs []int64
	for i, g := range got {
		is.True(strings.HasPrefix(g.header.Get("Content-Type"), "application/json")) // json
		is.NoErr(webhook.Verify([]string{sec1}, g.header, g.body, 0, time.Now()))    // verifies with the first secret
		is.NoErr(webhook.Verify([]string{sec2}, g.header, g.body, 0, time.Now()))    // and the second
		id, ts := g.header.Get("webhook-id"), g.header.Get("webhook-timestamp")
		sigs := strings.Split(g.header.Get("webhook-signature"), " ")
		is.Equal(len(sigs), 2)                            // one per secret
		is.Equal(sigs[0], handSign(sec1, id, ts, g.body)) // hand-computed, secret 1
		is.Equal(sigs[1], handSign(sec2, id, ts, g.body)) // hand-computed, secret 2
		var ev grouping.Event
		is.NoErr(json.Unmarshal(g.body, &ev)) // body is the event
		is.Equal(ev.ID.String(), id)          // webhook-id is the event's ID
		is.Equal(ev.Tenant, tn)               // of the tenant
		if i == 2 {
			is.Equal(id, got[1].header.Get("webhook-id")) // retry has the same webhook-id
			continue
		}
		seqs = append(seqs, ev.Sequence)
	}
	is.Equal(seqs, []int64{1, 2, 3, 4}) // in order, from position 0
}

// A 410 disables the endpoint: consumer inactive at the last delivered.
func TestHostileWebhookGone(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	org := uuid.New()
	tn := grouping.OrganisationOf(org)
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
	is.NoErr(err) // event 1
	_, err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: "g"})
	is.NoErr(err) // event 2
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 2 {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	sec, _ := webhook.NewSecret()
	var reason error
	d, err := webhook.New(s, []webhook.Endpoint{{ID: "ep", URL: srv.URL, Tenant: tn, Secrets: []string{sec}}},
		webhook.WithOnDisable(func(ep webhook.Endpoint, r error) { reason = r }))
	is.NoErr(err) // dispatcher
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	is.NoErr(d.Run(rctx))                       // returns once every endpoint is disabled
	is.True(errors.Is(reason, webhook.ErrGone)) // reason
	c, err := s.EventConsumer(ctx, "ep", tn)
	is.NoErr(err)                  // consumer saved
	is.True(!c.Active)             // inactive
	is.Equal(c.Position, int64(1)) // at the last delivered
}

// Verify: tampering, tolerance, missing headers, other versions, several
// header lines.
func TestHostileVerify(t *testing.T) {
	is := is.New(t)
	sec, err := webhook.NewSecret()
	is.NoErr(err) // secret
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"a":1}`)
	id := "msg_1"
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := handSign(sec, id, ts, body)
	signed, err := webhook.Sign([]string{sec}, id, now, body)
	is.NoErr(err)         // sign
	is.Equal(signed, sig) // Sign matches the hand computation
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", "v2,AAAA "+sig)
	is.NoErr(webhook.Verify([]string{sec}, h, body, 0, now))                                                        // other versions skipped
	is.True(errors.Is(webhook.Verify([]string{sec}, h, []byte(`{"a":2}`), 0, now), webhook.ErrNoMatchingSignature)) // tampered body
	is.True(errors.Is(webhook.Verify([]string{sec}, h, body, 0, now.Add(6*time.Minute)), webhook.ErrBadTimestamp))  // too late
	is.True(errors.Is(webhook.Verify([]string{sec}, h, body, 0, now.Add(-6*time.Minute)), webhook.ErrBadTimestamp)) // too early
	is.NoErr(webhook.Verify([]string{sec}, h, body, 0, now.Add(4*time.Minute)))                                     // within tolerance
	h2 := h.Clone()
	h2.Del("webhook-id")
	is.True(errors.Is(webhook.Verify([]string{sec}, h2, body, 0, now), webhook.ErrMissingHeader)) // missing id
	h3 := h.Clone()
	h3.Set("webhook-signature", "v1,AAAA")
	h3.Add("webhook-signature", sig)
	is.NoErr(webhook.Verify([]string{sec}, h3, body, 0, now)) // several lines count as one list
	other, _ := webhook.NewSecret()
	is.True(errors.Is(webhook.Verify([]string{other}, h, body, 0, now), webhook.ErrNoMatchingSignature)) // wrong secret
	h4 := h.Clone()
	h4.Set("webhook-id", "msg_2")
	is.True(errors.Is(webhook.Verify([]string{sec}, h4, body, 0, now), webhook.ErrNoMatchingSignature)) // id is signed
	_, err = webhook.ParseSecret("whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 23)))
	is.True(errors.Is(err, webhook.ErrInvalidSecret)) // 23 bytes too short
	_, err = webhook.ParseSecret("whsec_" + base64.RawStdEncoding.EncodeToString(make([]byte, 24)))
	is.NoErr(err) // 24 bytes, unpadded
	_, err = webhook.ParseSecret("whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65)))
	is.True(errors.Is(err, webhook.ErrInvalidSecret)) // 65 bytes too long
}
