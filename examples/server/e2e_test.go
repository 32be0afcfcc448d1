package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// The end-to-end test builds the real binary, runs it as a separate process
// on a temporary database and talks to it over HTTP only.

const e2eSecret = "end-to-end-test-secret-of-32-bytes!!"

// buildServer compiles the program into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serverProcess is one run of the binary.
type serverProcess struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
	done chan error
}

// startServer runs the binary on db and waits until /readyz answers 200.
func startServer(t *testing.T, bin, db string) *serverProcess {
	t.Helper()
	return startServerWith(t, bin, db, nil, nil)
}

// startServerWith is startServer with more arguments and environment
// variables (NAME=value).
func startServerWith(t *testing.T, bin, db string, args, env []string) *serverProcess {
	t.Helper()
	addr := freeAddr(t)
	logs := new(bytes.Buffer)
	cmd := exec.Command(bin, append([]string{"-addr", addr, "-db", db, "-log-format", "json"}, args...)...)
	cmd.Env = append(append(os.Environ(), envJWTSecret+"="+e2eSecret), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, base: "http://" + addr, logs: logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("server output:\n%s", logs)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("server exited before it was ready: %v\n%s", err, logs)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 30s\n%s", logs)
		}
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serverProcess) stop(t *testing.T) {
	t.Helper()
	is := is.New(t)
	is.NoErr(p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		is.NoErr(err)                              // exit status 0 after SIGTERM
		is.Equal(p.cmd.ProcessState.ExitCode(), 0) // clean exit
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop within 30s of SIGTERM")
	}
}

// client calls the API with a bearer token.
type client struct {
	t     *testing.T
	base  string
	token string
}

// call sends a request and decodes a JSON response body into out (if not
// nil), failing the test unless the status is want.
func (c *client) call(method, path string, body any, want int, out any) http.Header {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decoding %s: %v", method, path, raw, err)
		}
	}
	return resp.Header
}

// envelope is the organisation routes' response shape.
type envelope[T any] struct {
	Status     string `json:"status"`
	StatusCode int    `json:"status_code"`
	Message    string `json:"message"`
	Data       T      `json:"data"`
}

type wireGroup struct {
	ID       uuid.UUID     `json:"id"`
	Name     string        `json:"name"`
	Archived bool          `json:"archived"`
	Channels []wireChannel `json:"channels"`
}

type wireChannel struct {
	ID        uuid.UUID  `json:"channels_id"`
	Name      string     `json:"name"`
	GroupID   *uuid.UUID `json:"group_id"`
	UserCount int        `json:"user_count"`
	Users     []string   `json:"users"`
}

type wireChannelGroup struct {
	ID              uuid.UUID   `json:"id"`
	PlatformID      string      `json:"platformId"`
	PlatformGroupID string      `json:"platformGroupId"`
	Name            string      `json:"platformGroupName"`
	ChannelIDs      []uuid.UUID `json:"channelIds"`
}

func names[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return out
}

func groupName(g wireGroup) string     { return g.Name }
func channelName(c wireChannel) string { return c.Name }

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	is := is.New(t)
	bin := buildServer(t)
	db := filepath.Join(t.TempDir(), "grouping.db")

	org, ws, user, other := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	signer, err := jwtauth.NewHS256Signer([]byte(e2eSecret))
	is.NoErr(err)
	token, err := signer.Sign(httpapi.Principal{UserID: user, Organisations: []uuid.UUID{org}, Workspaces: []uuid.UUID{ws}}, time.Hour)
	is.NoErr(err)
	serviceToken, err := signer.Sign(httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleService}, Organisations: []uuid.UUID{org}}, time.Hour)
	is.NoErr(err) // the host backend's token

	srv := startServer(t, bin, db)
	c := &client{t: t, base: srv.base, token: token}
	backend := &client{t: t, base: srv.base, token: serviceToken}
	o := "/organisations/" + org.String()

	// Health, and authentication being enforced.
	resp, err := http.Get(srv.base + "/healthz")
	is.NoErr(err)
	resp.Body.Close()
	is.Equal(resp.StatusCode, 200) // process up
	resp, err = http.Get(srv.base + "/nope")
	is.NoErr(err)
	resp.Body.Close()
	is.Equal(resp.StatusCode, 404)                                // unknown paths are not found
	is.Equal(resp.Header.Get("Content-Type"), "application/json") // in JSON, like the API's errors
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/organisations//groups", "/organisations/x/../groups", "/workspaces/./x"} {
		resp, err = noRedirects.Get(srv.base + p)
		is.NoErr(err)
		resp.Body.Close()
		is.Equal(resp.StatusCode, 404)                                // unclean paths are not redirected
		is.Equal(resp.Header.Get("Content-Type"), "application/json") // and answer in JSON
	}
	resp, err = http.Get(srv.base + o + "/groups")
	is.NoErr(err)
	resp.Body.Close()
	is.Equal(resp.StatusCode, 401)                                            // no token, no entry
	is.True(strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer")) // says how to authenticate
	is.True(resp.Header.Get(requestIDHeader) != "")                           // every response carries a request ID

	// The host's backend mirrors an organisation, channels and members; a
	// user may not.
	c.call("PUT", o, map[string]any{"name": "End to End"}, 403, nil)
	backend.call("PUT", o, map[string]any{"name": "End to End"}, 200, nil)
	ch := map[string]uuid.UUID{}
	for _, name := range []string{"alpha", "bravo", "charlie", "delta"} {
		ch[name] = uuid.New()
		users := []uuid.UUID{other}
		if name == "alpha" {
			users = append(users, user)
		}
		var got envelope[wireChannel]
		backend.call("PUT", o+"/channels/"+ch[name].String(), map[string]any{
			"name": name, "description": "#" + name, "owner_id": other, "archived": false,
			"message_count": 3, "users": users,
		}, 200, &got)
		is.Equal(got.Data.UserCount, len(users)) // membership replaced from users
	}
	c.call("PUT", o+"/channels/"+ch["bravo"].String()+"/users/"+user.String(), nil, 403, nil) // a user cannot join a channel here
	backend.call("PUT", o+"/channels/"+ch["bravo"].String()+"/users/"+user.String(), nil, 200, nil)
	backend.call("DELETE", o+"/channels/"+ch["bravo"].String()+"/users/"+user.String(), nil, 200, nil)
	backend.call("DELETE", o+"/channels/"+ch["bravo"].String()+"/users/"+user.String(), nil, 404, nil)

	// Create, list, rename and reorder groups.
	var created envelope[wireGroup]
	c.call("POST", o+"/groups", map[string]any{"name": "Product", "description": "Building it"}, 200, &created)
	is.Equal(created.Message, "Group created successfully") // documented message
	product := created.Data.ID
	c.call("POST", o+"/groups", map[string]any{"name": "Sales"}, 200, &created)
	sales := created.Data.ID
	c.call("POST", o+"/groups", map[string]any{"name": "  product "}, 409, nil) // names are unique, ignoring case
	c.call("POST", o+"/groups", map[string]any{"name": "Doomed"}, 200, &created)
	doomed := created.Data.ID

	var one envelope[wireGroup]
	h := c.call("GET", o+"/groups/"+product.String(), nil, 200, &one)
	etag := h.Get("ETag")
	is.True(etag != "") // groups carry an ETag
	c.call("PATCH", o+"/groups/"+product.String(), map[string]any{"name": "Engineering"}, 200, &one)
	is.Equal(one.Data.Name, "Engineering")
	req, _ := http.NewRequest("PATCH", srv.base+o+"/groups/"+product.String(), strings.NewReader(`{"name":"Stale"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	is.NoErr(err)
	resp.Body.Close()
	is.Equal(resp.StatusCode, 412) // the ETag read before the rename is stale

	c.call("PUT", o+"/groups/order", map[string]any{"group_ids": []uuid.UUID{sales, doomed, product}}, 200, nil)
	c.call("DELETE", o+"/groups/"+doomed.String(), nil, 200, nil)
	c.call("GET", o+"/groups/"+doomed.String(), nil, 404, nil)

	// Assign, move, remove and reorder channels.
	c.call("POST", o+"/groups/"+product.String()+"/channels/"+ch["alpha"].String(), nil, 200, nil)
	c.call("POST", o+"/groups/"+product.String()+"/channels/"+ch["bravo"].String(), nil, 200, nil)
	c.call("POST", o+"/groups/"+product.String()+"/channels/"+ch["charlie"].String(), nil, 200, nil)
	c.call("POST", o+"/groups/"+sales.String()+"/channels/"+ch["charlie"].String(), nil, 409, nil) // move, don't assign
	c.call("PATCH", o+"/groups/"+sales.String()+"/channels/"+ch["charlie"].String(), nil, 200, nil)
	c.call("DELETE", o+"/groups/"+product.String()+"/channels/"+ch["bravo"].String(), nil, 200, nil)
	c.call("POST", o+"/groups/"+product.String()+"/channels/"+ch["delta"].String(), nil, 200, nil)
	c.call("PUT", o+"/groups/"+product.String()+"/channels/order", map[string]any{"channel_ids": []uuid.UUID{ch["delta"], ch["alpha"]}}, 200, nil)

	var chans envelope[[]wireChannel]
	c.call("GET", o+"/groups/"+product.String()+"/channels", nil, 200, &chans)
	is.Equal(names(chans.Data, channelName), []string{"delta", "alpha"}) // group order as set
	c.call("GET", o+"/groups/channels/no-group", nil, 200, &chans)
	is.Equal(names(chans.Data, channelName), []string{"bravo"}) // only bravo is in no group
	c.call("GET", o+"/groups/channels/user-no-group", nil, 200, &chans)
	is.Equal(len(chans.Data), 3) // every channel but alpha, of which the user is a member

	// Archive a group: it refuses new channels.
	c.call("PATCH", o+"/groups/"+sales.String(), map[string]any{"archived": true}, 200, nil)
	c.call("POST", o+"/groups/"+sales.String()+"/channels/"+ch["bravo"].String(), nil, 409, nil)

	// Channel groups of a workspace.
	w := "/workspaces/" + ws.String()
	var cg wireChannelGroup
	for _, a := range []struct {
		channel, account, name string
	}{{"alpha", "1001", "EU"}, {"bravo", "1001", "EU"}, {"charlie", "2002", "US"}, {"delta", "2002", "US"}} {
		c.call("PUT", w+"/channels/"+ch[a.channel].String()+"/channel-group", map[string]any{
			"platformId": "whatsapp", "platformGroupId": a.account, "platformGroupName": a.name,
		}, 200, &cg)
	}
	us := cg.ID
	c.call("PUT", w+"/channels/"+ch["alpha"].String()+"/channel-group", map[string]any{
		"platformId": "whatsapp", "platformGroupId": "2002", "platformGroupName": "US",
	}, 200, &cg)
	is.Equal(cg.ChannelIDs, []uuid.UUID{ch["charlie"], ch["delta"], ch["alpha"]}) // moved in, attach order kept
	c.call("DELETE", w+"/channels/"+ch["delta"].String()+"/channel-group", nil, 204, nil)
	var list struct {
		Results []wireChannelGroup `json:"results"`
	}
	c.call("GET", w+"/channel-groups?platformId=whatsapp", nil, 200, &list)
	is.Equal(len(list.Results), 2) // EU and US
	eu := list.Results[0].ID
	c.call("DELETE", w+"/channel-groups/"+eu.String(), nil, 204, nil)

	// A request in flight when SIGTERM arrives still gets its answer.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.base, "http://"))
	is.NoErr(err)
	defer conn.Close()
	body := `{"name":"Late"}`
	fmt.Fprintf(conn, "POST %s/groups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		o, token, len(body), body[:5])
	time.Sleep(100 * time.Millisecond) // the request is being read
	is.NoErr(srv.cmd.Process.Signal(syscall.SIGTERM))
	time.Sleep(200 * time.Millisecond) // shutdown has begun
	_, err = io.WriteString(conn, body[5:])
	is.NoErr(err)
	late, err := http.ReadResponse(bufio.NewReader(conn), nil)
	is.NoErr(err)
	late.Body.Close()
	is.Equal(late.StatusCode, 200) // served despite the shutdown
	select {
	case err := <-srv.done:
		is.NoErr(err) // clean exit after SIGTERM
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop within 30s of SIGTERM")
	}

	// Restart on the same file: everything persisted.
	srv = startServer(t, bin, db)
	c.base = srv.base
	var groups envelope[[]wireGroup]
	c.call("GET", o+"/groups?include=channels", nil, 200, &groups)
	is.Equal(names(groups.Data, groupName), []string{"Sales", "Engineering", "Late"}) // order, rename, delete and late create kept
	is.True(groups.Data[0].Archived)                                                  // archive kept
	is.Equal(names(groups.Data[1].Channels, channelName), []string{"delta", "alpha"}) // channel order kept
	c.call("GET", o+"/groups/channels/no-group", nil, 200, &chans)
	is.Equal(names(chans.Data, channelName), []string{"bravo"})
	c.call("GET", w+"/channel-groups", nil, 200, &list)
	is.Equal(len(list.Results), 1) // the deleted channel group stays deleted
	c.call("GET", w+"/channel-groups/"+us.String(), nil, 200, &cg)
	is.Equal(cg.ChannelIDs, []uuid.UUID{ch["charlie"], ch["alpha"]}) // detach persisted
	srv.stop(t)
}

// TestRunInProcess runs the program through run, as main does, and stops it
// by cancelling its context.
func TestRunInProcess(t *testing.T) {
	is := is.New(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr bytes.Buffer
	done := make(chan error, 1)
	env := envOf(map[string]string{envDB: filepath.Join(t.TempDir(), "g.db")})
	go func() { done <- run(ctx, []string{"server", "-addr", addr, "-demo"}, env, &stdout, &stderr) }()

	var ready bool
	for i := 0; i < 200 && !ready; i++ {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == 200
		}
		time.Sleep(25 * time.Millisecond)
	}
	is.True(ready) // the store answers

	// Without a configured secret, the program prints working demo tokens:
	// one for a user, one for the host's backend.
	exported := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if kv, ok := strings.CutPrefix(strings.TrimSpace(line), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			exported[k] = v
		}
	}
	token, serviceToken := exported["TOKEN"], exported["SERVICE_TOKEN"]
	is.True(token != "")                                                   // user token printed
	is.True(serviceToken != "" && serviceToken != token)                   // service token printed
	is.True(strings.Contains(stdout.String(), "curl "))                    // with curl lines to try
	is.True(strings.Contains(stderr.String(), envJWTSecret+" is not set")) // and a loud warning
	c := &client{t: t, base: "http://" + addr, token: token}
	var groups envelope[[]wireGroup]
	c.call("GET", "/organisations/"+demoOrg.String()+"/groups", nil, 200, &groups)
	is.Equal(names(groups.Data, groupName), []string{"Engineering", "Support"}) // demo data seeded
	var chans envelope[[]wireChannel]
	c.call("GET", "/organisations/"+demoOrg.String()+"/groups/channels/user-no-group", nil, 200, &chans)
	is.Equal(len(chans.Data), len(demoChannels)-2) // the demo user is in two channels

	rename := map[string]any{"name": "Demo Organisation"}
	c.call("PUT", "/organisations/"+demoOrg.String(), rename, 403, nil) // the user token may not write the mirror
	backend := &client{t: t, base: "http://" + addr, token: serviceToken}
	backend.call("PUT", "/organisations/"+demoOrg.String(), rename, 200, nil)             // the service token may
	backend.call("PUT", "/organisations/"+uuid.NewString(), rename, 200, nil)             // in every organisation
	backend.call("GET", "/workspaces/"+uuid.NewString()+"/channel-groups", nil, 200, nil) // and workspace

	// Request headers are capped at 64 KiB: a header block somewhat over
	// that is refused before any handler runs (Go's server reads up to 4 KiB
	// past the cap), one under it is served.
	for _, tc := range []struct{ size, status int }{{60 << 10, http.StatusOK}, {72 << 10, http.StatusRequestHeaderFieldsTooLarge}} {
		req, err := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
		is.NoErr(err) // the request is made
		req.Header.Set("X-Padding", strings.Repeat("p", tc.size))
		resp, err := http.DefaultClient.Do(req)
		is.NoErr(err) // and answered
		resp.Body.Close()
		is.Equal(resp.StatusCode, tc.status) // headers of tc.size bytes
	}

	cancel()
	select {
	case err := <-done:
		is.NoErr(err) // graceful stop
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// TestDeletedDatabaseFile deletes the database file under a running server:
// readiness fails and writes answer 503 instead of being acknowledged and
// lost with the next start.
func TestDeletedDatabaseFile(t *testing.T) {
	is := is.New(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := filepath.Join(t.TempDir(), "g.db")
	var stdout, stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"server", "-addr", addr, "-db", db, "-demo"}, envOf(nil), &stdout, &stderr)
	}()
	readyz := func() int {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 200 && readyz() != 200; i++ {
		time.Sleep(25 * time.Millisecond)
	}
	is.Equal(readyz(), 200) // ready
	var token string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "export TOKEN="); ok {
			token = v
		}
	}
	is.True(token != "") // a user token was printed

	is.NoErr(os.Remove(db)) // the file goes away
	is.Equal(readyz(), 503) // readiness fails
	c := &client{t: t, base: "http://" + addr, token: token}
	h := c.call("POST", "/organisations/"+demoOrg.String()+"/groups", map[string]any{"name": "Lost"}, 503, nil)
	is.Equal(h.Get("Retry-After"), "1") // a write answers 503 with Retry-After

	cancel()
	is.NoErr(<-done) // the server still shuts down cleanly
}
