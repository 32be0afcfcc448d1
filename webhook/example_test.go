package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/webhook"
	"github.com/google/uuid"
)

// A receiver checks each request against the raw body before decoding it.
func ExampleVerify() {
	secret := "whsec_6uxFFeBnAEPTkwg0lbtoOWrvNyoHAPY2" // shared with the sender
	now := time.Unix(1_735_689_600, 0)

	// What a sender posts.
	body := []byte(`{"id":"3f9a2c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b","sequence":1,"type":"group.created"}`)
	sig, err := webhook.Sign([]string{secret}, "3f9a2c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b", now, body)
	if err != nil {
		panic(err)
	}
	header := http.Header{}
	header.Set("webhook-id", "3f9a2c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b")
	header.Set("webhook-timestamp", "1735689600")
	header.Set("webhook-signature", sig)

	fmt.Println(webhook.Verify([]string{secret}, header, body, 5*time.Minute, now.Add(time.Second)))

	tampered := []byte(strings.Replace(string(body), "group.created", "group.deleted", 1))
	err = webhook.Verify([]string{secret}, header, tampered, 5*time.Minute, now)
	fmt.Println(errors.Is(err, webhook.ErrNoMatchingSignature))

	err = webhook.Verify([]string{secret}, header, body, 5*time.Minute, now.Add(time.Hour))
	fmt.Println(errors.Is(err, webhook.ErrBadTimestamp))
	// Output:
	// <nil>
	// true
	// true
}

// A Verifier in an HTTP handler: it parses the secrets once and answers
// requests that do not verify with 401.
func ExampleVerifier() {
	v, err := webhook.NewVerifier([]string{"whsec_6uxFFeBnAEPTkwg0lbtoOWrvNyoHAPY2"})
	if err != nil {
		panic(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		if err := v.Verify(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		// Decode body, drop webhook-id values already handled, handle it.
		w.WriteHeader(http.StatusNoContent)
	})
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("POST", "/hook", strings.NewReader("{}")))
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output: 401 webhook: missing header: webhook-id, webhook-timestamp, webhook-signature
}

// A Dispatcher delivers an organisation's events to an endpoint until its
// context ends.
func ExampleNew() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	store := memstore.New()
	defer store.Close()
	org := uuid.MustParse("0b5c1c3e-3f0a-4a59-9a3e-6f1f4f1d2a10")

	// The receiving end, which verifies and reads each event.
	secret, err := webhook.NewSecret()
	if err != nil {
		panic(err)
	}
	verifier, err := webhook.NewVerifier([]string{secret})
	if err != nil {
		panic(err)
	}
	received := make(chan string)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if verifier.Verify(r.Header, body) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Sequence int64              `json:"sequence"`
			Type     grouping.EventType `json:"type"`
		}
		json.Unmarshal(body, &ev)
		received <- fmt.Sprintf("%d %s", ev.Sequence, ev.Type)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	d, err := webhook.New(store, []webhook.Endpoint{{
		ID:      "crm",
		URL:     receiver.URL,
		Tenant:  grouping.OrganisationOf(org),
		Secrets: []string{secret},
	}}, webhook.WithLogger(slog.New(slog.DiscardHandler))) // quiet, for the example
	if err != nil {
		panic(err)
	}
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()

	if _, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"}); err != nil {
		panic(err)
	}
	if _, err := store.CreateGroup(ctx, org, grouping.NewGroup{Name: "Engineering"}); err != nil {
		panic(err)
	}
	fmt.Println(<-received)
	fmt.Println(<-received)

	stop()
	fmt.Println(<-done)
	// Output:
	// 1 organisation.created
	// 2 group.created
	// <nil>
}
