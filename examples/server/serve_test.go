package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/matryer/is"
)

// serveInProcess runs the program's serve command in-process with args and
// env, waits until /readyz answers 200, and stops it when the test ends.
func serveInProcess(t *testing.T, env map[string]string, args ...string) (base string, stdout *bytes.Buffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout = new(bytes.Buffer)
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"server", "serve", "-addr", addr}, args...), envOf(env), stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not return after cancel")
		}
	})
	base = "http://" + addr
	for range 400 {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, stdout
			}
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before it was ready: %v\n%s", err, &stderr)
		case <-time.After(25 * time.Millisecond):
		}
	}
	t.Fatalf("not ready after 10s\n%s", &stderr)
	return "", nil
}

// get fetches base+path and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// TestServeWithMintedTokensAndMetrics follows an operator: mint tokens
// with the token command for a running server's secret, use them, then
// scrape /metrics and find the request and store histograms with their
// route and operation labels.
func TestServeWithMintedTokensAndMetrics(t *testing.T) {
	is := is.New(t)
	env := map[string]string{envJWTSecret: strings.Repeat("s", 40), envDB: filepath.Join(t.TempDir(), "g.db")}
	base, stdout := serveInProcess(t, env)
	is.True(strings.Contains(stdout.String(), "server token -user")) // the server says how to mint tokens

	org, user := uuid.New(), uuid.New()
	mint := func(args ...string) string {
		t.Helper()
		stdout, _, err := runCommand(t, env, append([]string{"token"}, args...)...)
		is.NoErr(err) // a token is minted
		return strings.TrimSpace(stdout)
	}
	backend := &client{t: t, base: base, token: mint("-role", "service", "-all-tenants")}
	me := &client{t: t, base: base, token: mint("-user", user.String(), "-org", org.String())}
	o := "/organisations/" + org.String()
	backend.call("PUT", o, map[string]any{"name": "Acme"}, 200, nil)
	backend.call("PUT", o+"/channels/"+uuid.NewString(), map[string]any{"name": "general", "owner_id": user}, 200, nil)
	me.call("POST", o+"/groups", map[string]any{"name": "Engineering"}, 200, nil)
	me.call("GET", o+"/groups", nil, 200, nil)
	me.call("GET", o+"/groups/"+uuid.NewString(), nil, 404, nil)
	me.call("PUT", o, map[string]any{"name": "Mine"}, 403, nil) // a user token cannot write the mirror

	status, _ := get(t, base+"/livez")
	is.Equal(status, http.StatusOK) // the process is live
	status, _ = get(t, base+"/healthz")
	is.Equal(status, http.StatusOK) // and healthy, as before

	status, metrics := get(t, base+"/metrics")
	is.Equal(status, http.StatusOK) // metrics are served without a token
	for _, want := range []string{
		"# TYPE http_server_request_duration_seconds histogram",
		`http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="200",http_route="/organisations/{organisation_id}/groups"`,
		`http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/organisations/{organisation_id}/groups"`,
		`http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="404",http_route="/organisations/{organisation_id}/groups/{group_id}"`,
		`http_server_request_duration_seconds_count{http_request_method="PUT",http_response_status_code="403",http_route="/organisations/{organisation_id}"`,
		"# TYPE db_client_operation_duration_seconds histogram",
		`db_client_operation_duration_seconds_count{db_operation_name="CreateGroup",db_system_name="sqlite"`,
		`db_client_operation_duration_seconds_count{db_operation_name="GetGroup",db_system_name="sqlite",error_type="not_found"`,
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", metrics)
	}
	status, _ = get(t, base+"/debug/pprof/")
	is.Equal(status, http.StatusNotFound) // profiles are not on the API's address
}

// TestPprofOnItsOwnAddress checks that runtime profiles are served only
// when asked for, on their own address.
func TestPprofOnItsOwnAddress(t *testing.T) {
	is := is.New(t)
	pprofAddr := freeAddr(t)
	env := map[string]string{envDB: filepath.Join(t.TempDir(), "g.db"), envPprofAddr: pprofAddr}
	base, _ := serveInProcess(t, env)
	status, body := get(t, "http://"+pprofAddr+"/debug/pprof/")
	is.Equal(status, http.StatusOK)              // served on the address asked for
	is.True(strings.Contains(body, "goroutine")) // the profile index
	status, _ = get(t, "http://"+pprofAddr+"/debug/pprof/cmdline")
	is.Equal(status, http.StatusOK) // and its handlers
	status, _ = get(t, base+"/debug/pprof/")
	is.Equal(status, http.StatusNotFound) // never beside the API
}
