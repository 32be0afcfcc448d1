package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/channelgrouping/grouping/webhook"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestWebhooksEndToEnd runs the server with a webhook to a receiver that
// fails three requests in ten, drives changes over HTTP, kills the server
// with SIGKILL and starts it again on the same file, and checks that the
// receiver got every event at least once, in order, each with a valid
// signature.
func TestWebhooksEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	is := is.New(t)
	bin := buildServer(t)
	db := t.TempDir() + "/grouping.db"
	org := uuid.New()
	secret := testSecret('e')

	var (
		mu       sync.Mutex
		rnd      = rand.New(rand.NewPCG(11, 12))
		accepted []int64 // the sequences answered 2xx, in the order answered
		unsigned int     // requests whose signature did not verify
		failed   int
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if err := webhook.Verify([]string{secret}, r.Header, body, 5*time.Minute, time.Now()); err != nil {
			unsigned++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev grouping.Event
		if err := json.Unmarshal(body, &ev); err != nil || ev.Tenant != grouping.OrganisationOf(org) || r.Header.Get("webhook-id") != ev.ID.String() {
			unsigned++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if rnd.IntN(10) < 3 {
			failed++
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		accepted = append(accepted, ev.Sequence)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	signer, err := jwtauth.NewHS256Signer([]byte(e2eSecret))
	is.NoErr(err) // a signer
	token, err := signer.Sign(httpapi.Principal{UserID: uuid.New(), Organisations: []uuid.UUID{org}}, time.Hour)
	is.NoErr(err) // a user's token
	serviceToken, err := signer.Sign(httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleService}, Organisations: []uuid.UUID{org}}, time.Hour)
	is.NoErr(err) // the host backend's token

	args := []string{"-webhook", "crm@organisation:" + org.String() + "=" + recv.URL, "-webhook-retry", "20ms"}
	env := []string{envWebhookSecret + "=" + secret}
	srv := startServerWith(t, bin, db, args, env)
	c := &client{t: t, base: srv.base, token: token}
	backend := &client{t: t, base: srv.base, token: serviceToken}
	o := "/organisations/" + org.String()
	backend.call("PUT", o, map[string]any{"name": "Webhooks"}, 200, nil)
	round := func(name string) { // four events
		t.Helper()
		var created envelope[wireGroup]
		c.call("POST", o+"/groups", map[string]any{"name": "Group " + name}, 200, &created)
		ch := uuid.New()
		backend.call("PUT", o+"/channels/"+ch.String(), map[string]any{"name": "channel " + name}, 200, nil)
		c.call("POST", o+"/groups/"+created.Data.ID.String()+"/channels/"+ch.String(), nil, 200, nil)
		c.call("PATCH", o+"/groups/"+created.Data.ID.String(), map[string]any{"description": "round " + name}, 200, nil)
	}
	for i := range 6 {
		round(fmt.Sprint("a", i))
	}
	// Killed while it delivers; started again, it goes on from the
	// position it saved.
	mu.Lock()
	beforeKill := len(accepted)
	mu.Unlock()
	is.NoErr(srv.cmd.Process.Kill())
	<-srv.done
	srv = startServerWith(t, bin, db, args, env)
	c.base, backend.base = srv.base, srv.base
	for i := range 6 {
		round(fmt.Sprint("b", i))
	}
	const n = 1 + 12*4
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		got := len(accepted) > 0 && accepted[len(accepted)-1] == n
		mu.Unlock()
		if got {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("the receiver has %v after 60 s", accepted)
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.stop(t)

	mu.Lock()
	defer mu.Unlock()
	is.Equal(unsigned, 0) // every request carried a valid signature and its event's ID
	var first []int64     // each sequence the first time it was accepted
	high := int64(0)
	for _, s := range accepted {
		is.True(s <= high+1) // never an event before the one ahead of it: in order
		if s == high+1 {
			first = append(first, s)
			high = s
		}
	}
	is.Equal(len(first), n) // every event, at least once
	for i, s := range first {
		is.Equal(s, int64(i+1)) // in sequence order
	}
	t.Logf("%d events, %d accepted answers (%d repeats, %d before the kill), %d refused on purpose", n, len(accepted), len(accepted)-n, beforeKill, failed)
}
