package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/webhook"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// testSecret returns a webhook secret whose key is 32 bytes of b.
func testSecret(b byte) string {
	return "whsec_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32))
}

func TestParseConfigEventDefaults(t *testing.T) {
	is := is.New(t)
	c, err := parseConfig(nil, envOf(nil), io.Discard)
	is.NoErr(err)                                      // no event configuration is needed
	is.Equal(len(c.events.webhooks), 0)                // no webhooks unless asked for
	is.Equal(c.events.retention.MaxAge, 720*time.Hour) // events are kept 30 days
	is.Equal(c.events.retention.MaxCount, 0)           // however many there are
	is.True(!c.events.reenable)                        // disabled webhooks stay disabled
	is.Equal(c.events.retry, 5*time.Second)            // failed deliveries are first tried again after up to 5 s
	c, err = parseConfig([]string{"-webhook-retry", "250ms"}, envOf(nil), io.Discard)
	is.NoErr(err)                                  // a shorter first pause
	is.Equal(c.events.retry, 250*time.Millisecond) // is taken
	c, err = parseConfig(nil, envOf(map[string]string{envWebhookRetry: "2s"}), io.Discard)
	is.NoErr(err)                           // from the environment too
	is.Equal(c.events.retry, 2*time.Second) // as given
}

func TestParseConfigWebhooks(t *testing.T) {
	is := is.New(t)
	org, ws := uuid.New(), uuid.New()
	s1, s2 := testSecret('1'), testSecret('2')
	env := envOf(map[string]string{
		envWebhookSecret:   s1 + ", " + s2,
		envWebhooks:        "workspace:" + ws.String() + "=https://env.example/hook",
		envEventsMaxAge:    "48h",
		envEventsMaxCount:  "500",
		envWebhookReenable: "true",
	})
	c, err := parseConfig([]string{
		"-webhook", "organisation:" + org.String() + "=https://user:pw@hooks.example/in?token=t",
		"-webhook", "crm@organisation:" + org.String() + "=http://127.0.0.1:9000/events",
	}, env, io.Discard)
	is.NoErr(err)                       // two webhooks of one organisation
	is.Equal(len(c.events.webhooks), 2) // flags win over GROUPING_WEBHOOKS
	first, second := c.events.webhooks[0], c.events.webhooks[1]
	is.Equal(first.ID, "https://hooks.example/in")                                          // an unnamed webhook is named by its URL without credentials or query
	is.Equal(first.URL, "https://user:pw@hooks.example/in?token=t")                         // which is sent to as given
	is.Equal(first.Tenant, grouping.OrganisationOf(org))                                    // of the organisation
	is.Equal(second.ID, "crm")                                                              // a named one keeps its name
	is.Equal(second.URL, "http://127.0.0.1:9000/events")                                    // and its URL
	is.Equal(first.Secrets, []string{s1, s2})                                               // every webhook signs with each secret, in order
	is.Equal(second.Secrets, []string{s1, s2})                                              // the same list
	is.Equal(c.events.retention, grouping.Retention{MaxAge: 48 * time.Hour, MaxCount: 500}) // the environment sets retention
	is.True(c.events.reenable)                                                              // and re-enabling

	c, err = parseConfig(nil, env, io.Discard)
	is.NoErr(err)                                                   // webhooks from the environment
	is.Equal(len(c.events.webhooks), 1)                             // the one of GROUPING_WEBHOOKS
	is.Equal(c.events.webhooks[0].Tenant, grouping.WorkspaceOf(ws)) // of a workspace
	is.Equal(c.events.webhooks[0].ID, "https://env.example/hook")   // named by its URL

	c, err = parseConfig([]string{"-webhook-secret", s2, "-events-max-age", "0", "-events-max-count", "10", "-webhook-reenable=false"}, env, io.Discard)
	is.NoErr(err)                                                  // flags for the rest
	is.Equal(c.events.webhooks[0].Secrets, []string{s2})           // -webhook-secret wins over the environment
	is.Equal(c.events.retention, grouping.Retention{MaxCount: 10}) // and so do the retention flags: no age limit
	is.True(!c.events.reenable)                                    // and -webhook-reenable

	c, err = parseConfig(nil, envOf(map[string]string{envWebhooks: "a@workspace:" + ws.String() + "=https://x.example/ b@workspace:" + ws.String() + "=https://x.example/", envWebhookSecret: s1}), io.Discard)
	is.NoErr(err)                       // several webhooks in the environment
	is.Equal(len(c.events.webhooks), 2) // space-separated
}

func TestParseConfigRejectsBadEventInput(t *testing.T) {
	org := uuid.NewString()
	secret := map[string]string{envWebhookSecret: testSecret('s')}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{envWebhookSecret: testSecret('s')}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"no secret", []string{"-webhook", "organisation:" + org + "=https://x.example/"}, nil},
		{"blank secrets", []string{"-webhook", "organisation:" + org + "=https://x.example/", "-webhook-secret", " , "}, nil},
		{"bad secret", []string{"-webhook", "organisation:" + org + "=https://x.example/", "-webhook-secret", "hunter2"}, nil},
		{"short secret", []string{"-webhook", "organisation:" + org + "=https://x.example/", "-webhook-secret", "whsec_c2hvcnQ="}, nil},
		{"no url", []string{"-webhook", "organisation:" + org}, secret},
		{"empty url", []string{"-webhook", "organisation:" + org + "="}, secret},
		{"ftp url", []string{"-webhook", "organisation:" + org + "=ftp://x.example/"}, secret},
		{"relative url", []string{"-webhook", "organisation:" + org + "=/hook"}, secret},
		{"unknown tenant kind", []string{"-webhook", "team:" + org + "=https://x.example/"}, secret},
		{"no tenant kind", []string{"-webhook", org + "=https://x.example/"}, secret},
		{"bad uuid", []string{"-webhook", "organisation:42=https://x.example/"}, secret},
		{"nil uuid", []string{"-webhook", "organisation:" + uuid.Nil.String() + "=https://x.example/"}, secret},
		{"empty name", []string{"-webhook", "@organisation:" + org + "=https://x.example/"}, secret},
		{"long name", []string{"-webhook", strings.Repeat("n", 256) + "@organisation:" + org + "=https://x.example/"}, secret},
		{"twice", []string{"-webhook", "organisation:" + org + "=https://x.example/", "-webhook", "organisation:" + org + "=https://x.example/?again"}, secret},
		{"bad env webhook", nil, with(map[string]string{envWebhooks: "organisation:" + org})},
		{"negative age", []string{"-events-max-age", "-1h"}, nil},
		{"negative count", []string{"-events-max-count", "-1"}, nil},
		{"bad age", []string{"-events-max-age", "a month"}, nil},
		{"bad age env", nil, map[string]string{envEventsMaxAge: "a month"}},
		{"bad count env", nil, map[string]string{envEventsMaxCount: "many"}},
		{"bad reenable env", nil, map[string]string{envWebhookReenable: "perhaps"}},
		{"zero retry", []string{"-webhook-retry", "0s"}, nil},
		{"retry beyond the cap", []string{"-webhook-retry", "2h"}, nil},
		{"bad retry env", nil, map[string]string{envWebhookRetry: "soon"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			_, err := parseConfig(tt.args, envOf(tt.env), io.Discard)
			is.True(err != nil) // refused before anything starts
		})
	}
}

func TestServeHelpDocumentsEvents(t *testing.T) {
	is := is.New(t)
	var help bytes.Buffer
	secret := testSecret('h')
	_, err := parseConfig([]string{"-h"}, envOf(map[string]string{envWebhookSecret: secret}), &help)
	is.True(errors.Is(err, flag.ErrHelp)) // -h asks for help
	for _, s := range []string{"-webhook", "-webhook-secret", "-webhook-reenable", "-webhook-retry", "-events-max-age", "-events-max-count",
		envWebhooks, envWebhookSecret, envWebhookRetry, envEventsMaxAge, envEventsMaxCount, "whsec_", "720h0m0s"} {
		is.True(strings.Contains(help.String(), s)) // the help text documents each flag, variable and default
	}
	is.True(!strings.Contains(help.String(), secret)) // and never shows the secret
}

// eventlessStore is a grouping.Store that keeps no events.
type eventlessStore struct{ grouping.Store }

func TestStartEventsDeliversUntilStopped(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	store := memstore.New()
	org := uuid.New()
	secret := testSecret('w')
	got := make(chan int64, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]string{secret}, r.Header, body, 0, time.Now()); err != nil {
			t.Errorf("webhook request: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Sequence int64 `json:"sequence"`
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		got <- ev.Sequence
	}))
	defer srv.Close()
	ep, err := parseWebhook("organisation:" + org.String() + "=" + srv.URL)
	is.NoErr(err) // the form of -webhook
	ep.Secrets = []string{secret}
	cfg := eventsConfig{webhooks: []webhook.Endpoint{ep}, retention: grouping.Retention{MaxAge: time.Hour}}

	stop, err := startEvents(ctx, store, cfg, slog.New(slog.DiscardHandler))
	is.NoErr(err) // delivery and pruning start
	for i := range 3 {
		if _, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Org " + string(rune('A'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	for want := int64(1); want <= 3; want++ {
		select {
		case seq := <-got:
			is.Equal(seq, want) // events arrive in order
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d was not delivered", want)
		}
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not return")
	}

	_, err = startEvents(ctx, eventlessStore{store}, cfg, slog.New(slog.DiscardHandler))
	is.True(err != nil) // webhooks need a store that keeps events
	stop, err = startEvents(ctx, eventlessStore{store}, eventsConfig{}, slog.New(slog.DiscardHandler))
	is.NoErr(err) // without webhooks such a store is fine
	stop()
}

func TestPruneEvents(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	store := memstore.New()
	org := uuid.New()
	for i := range 5 {
		if _, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Org " + string(rune('A'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	tenant := grouping.OrganisationOf(org)
	is.NoErr(store.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "hook", Tenant: tenant, Position: 2, Active: true})) // a webhook that has received 2 events
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	is.Equal(pruneEvents(ctx, store, grouping.Retention{MaxCount: 1}, log), int64(2)) // only what the webhook has received goes
	is.True(strings.Contains(logs.String(), "pruned events"))                         // and the log says so
	page, err := store.Events(ctx, tenant, 0, 10)
	is.NoErr(err)                               // the log reads
	is.Equal(page.Events[0].Sequence, int64(3)) // from the webhook's next event on
}

// TestRunDeliversWebhooks runs the program with a webhook of the demo
// organisation: the seeded demo data arrives there, signed, and the program
// stops cleanly with its dispatcher.
func TestRunDeliversWebhooks(t *testing.T) {
	is := is.New(t)
	secret := testSecret('r')
	types := make(chan grouping.EventType, 1000)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]string{secret}, r.Header, body, 0, time.Now()); err != nil {
			t.Errorf("webhook request: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Type grouping.EventType `json:"type"`
		}
		json.Unmarshal(body, &ev)
		types <- ev.Type
	}))
	defer receiver.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := envOf(map[string]string{envDB: filepath.Join(t.TempDir(), "g.db"), envWebhookSecret: secret})
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"server", "-addr", "127.0.0.1:0", "-demo", "-webhook", "demo@organisation:" + demoOrg.String() + "=" + receiver.URL},
			env, io.Discard, io.Discard)
	}()
	select {
	case typ := <-types:
		is.Equal(typ, grouping.EventOrganisationCreated) // the demo organisation's first event arrives first
	case err := <-done:
		t.Fatalf("run returned %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook request")
	}
	cancel()
	select {
	case err := <-done:
		is.NoErr(err) // the server and its dispatcher stop cleanly
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}
