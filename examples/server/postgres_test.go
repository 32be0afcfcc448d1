package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/channelgrouping/grouping/postgres"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/matryer/is"
)

// The tests below run several server processes on one PostgreSQL database,
// as a deployment with many instances behind a load balancer does, and
// send them concurrent traffic over HTTP.

// cluster is a set of server processes on one database, and what the tests
// seeded into it.
type cluster struct {
	t        *testing.T
	db       *pgtest.Database
	servers  []*serverProcess
	token    string
	org, ws  uuid.UUID
	groups   []uuid.UUID // live groups; the last is archived
	shared   []uuid.UUID // channels every worker moves about
	private  []uuid.UUID // channels of one worker each
	accounts []string    // platform accounts of the workspace
}

// startCluster creates a database, seeds the mirror data directly through
// the store (the mirror routes are the host's, not an end user's) and
// starts n servers on it.
func startCluster(t *testing.T, n, workers int) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	is := is.New(t)
	ctx := t.Context()
	db, err := pgtest.Create(ctx, "grouping_server")
	is.NoErr(err) // create a database
	if db == nil {
		t.Skip(pgtest.SkipMessage)
	}
	t.Cleanup(func() {
		if err := db.Drop(); err != nil {
			t.Error(err)
		}
	})
	c := &cluster{t: t, db: db, org: uuid.New(), ws: uuid.New(), accounts: []string{"1001", "2002", "3003"}}
	store, err := postgres.Open(ctx, db.URL)
	is.NoErr(err) // open the store to seed it
	defer store.Close()
	_, err = store.UpsertOrganisation(ctx, grouping.Organisation{ID: c.org, Name: "Many instances"})
	is.NoErr(err) // organisation
	for i := range 4 {
		g, err := store.CreateGroup(ctx, c.org, grouping.NewGroup{Name: fmt.Sprint("seeded ", i)})
		is.NoErr(err) // group
		c.groups = append(c.groups, g.ID)
	}
	archived := true
	_, err = store.UpdateGroup(ctx, c.org, c.groups[3], grouping.GroupUpdate{Archived: &archived})
	is.NoErr(err) // one archived group: assigning to it must fail cleanly
	channel := func() uuid.UUID {
		ch, err := store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: c.org,
			Name: "channel", OwnerID: uuid.New(), Users: []uuid.UUID{uuid.New(), uuid.New()}})
		is.NoErr(err) // channel
		return ch.ID
	}
	for range 6 {
		c.shared = append(c.shared, channel())
	}
	for range workers {
		c.private = append(c.private, channel())
	}

	signer, err := jwtauth.NewHS256Signer([]byte(e2eSecret))
	is.NoErr(err) // signer
	c.token, err = signer.Sign(httpapi.Principal{UserID: uuid.New(), Organisations: []uuid.UUID{c.org}, Workspaces: []uuid.UUID{c.ws}}, time.Hour)
	is.NoErr(err) // token
	bin := buildServer(t)
	var wg sync.WaitGroup
	c.servers = make([]*serverProcess, n)
	for i := range n {
		wg.Go(func() { c.servers[i] = startServer(t, bin, db.URL) }) // they migrate at the same time
	}
	wg.Wait()
	return c
}

// httpClient is shared by the workers; its timeout bounds a request to a
// server that was killed.
var httpClient = &http.Client{Timeout: 10 * time.Second}

// send makes one request and returns the status and body, or an error when
// no response arrived.
func (c *cluster) send(server int, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.servers[server].base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// placement is where a channel should be: a group, or uuid.Nil for none.
type placement = uuid.UUID

// worker is one client of the cluster. It records what the servers
// acknowledged.
type worker struct {
	c       *cluster
	id      int
	rng     *rand.Rand
	alive   func(server int) bool
	mu      *sync.Mutex
	reports *[]string

	// private is the worker's own channel: nobody else moves it, so its
	// place after the last acknowledged call is known. When a call got no
	// answer, maybe holds the place it would have made, and the channel is
	// left alone from then on.
	private      uuid.UUID
	want, maybe  placement
	uncertain    bool
	created      map[string]uuid.UUID // acknowledged creations: name → ID
	unanswered   int
	calls, fails int
}

func (w *worker) report(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(*w.reports) < 30 {
		*w.reports = append(*w.reports, fmt.Sprintf("worker %d: ", w.id)+fmt.Sprintf(format, args...))
	}
}

// call sends a request to a live server, checks that the status is one of
// ok, and returns it with the body; status 0 means no answer.
func (w *worker) call(method, path string, body any, ok ...int) (int, []byte) {
	server := w.rng.IntN(len(w.c.servers))
	for !w.alive(server) {
		server = w.rng.IntN(len(w.c.servers))
	}
	w.calls++
	status, raw, err := w.c.send(server, method, path, body)
	switch {
	case err != nil && w.alive(server):
		w.report("%s %s: no answer from a live server: %v", method, path, err)
		return 0, nil
	case err != nil:
		w.unanswered++
		return 0, nil
	case status >= 500:
		w.report("%s %s: %d %s", method, path, status, raw)
	case !containsInt(ok, status):
		w.report("%s %s: unexpected %d %s", method, path, status, raw)
	}
	if status != http.StatusOK {
		w.fails++
	}
	return status, raw
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// step makes one random call.
func (w *worker) step() {
	c := w.c
	o := "/organisations/" + c.org.String()
	group := c.groups[w.rng.IntN(len(c.groups))]
	switch op := w.rng.IntN(10); {
	case op < 4: // assign, move or remove a shared channel
		ch := c.shared[w.rng.IntN(len(c.shared))]
		p := o + "/groups/" + group.String() + "/channels/" + ch.String()
		switch w.rng.IntN(3) {
		case 0:
			w.call("POST", p, nil, 200, 409)
		case 1:
			w.call("PATCH", p, nil, 200, 409)
		default:
			w.call("DELETE", p, nil, 200, 404)
		}
	case op < 6: // move or remove the worker's own channel
		if w.uncertain {
			return
		}
		p := o + "/groups/" + group.String() + "/channels/" + w.private.String()
		if w.rng.IntN(3) == 0 {
			status, _ := w.call("DELETE", p, nil, 200, 404)
			w.settle(status, uuid.Nil, status == 200 || (status == 404 && w.want != group))
			return
		}
		status, _ := w.call("PATCH", p, nil, 200, 409)
		archived := group == c.groups[len(c.groups)-1]
		w.settle(status, group, status == 200 || (status == 409 && archived))
	case op < 8: // create one of a few names, each in a different case
		name := fmt.Sprintf("Team %d", w.rng.IntN(5))
		switch w.id % 3 {
		case 1:
			name = strings.ToUpper(name)
		case 2:
			name = strings.ToLower(name)
		}
		status, raw := w.call("POST", o+"/groups", map[string]any{"name": name}, 200, 409)
		if status == 200 {
			var env envelope[wireGroup]
			if err := json.Unmarshal(raw, &env); err != nil {
				w.report("create: %v", err)
				return
			}
			w.created[name] = env.Data.ID
		}
	default: // attach a shared channel to one of the accounts
		ch := c.shared[w.rng.IntN(len(c.shared))]
		account := c.accounts[w.rng.IntN(len(c.accounts))]
		w.call("PUT", "/workspaces/"+c.ws.String()+"/channels/"+ch.String()+"/channel-group",
			map[string]any{"platformId": "whatsapp", "platformGroupId": account, "platformGroupName": "Account " + account}, 200)
	}
}

// settle records the outcome of a call on the worker's own channel that
// would leave it at to: applied when the server said so, unknown when no
// answer came, and otherwise a refusal that expected says was right.
func (w *worker) settle(status int, to placement, expected bool) {
	switch {
	case status == 0:
		w.uncertain, w.maybe = true, to
	case status == 200:
		w.want = to
	case !expected:
		w.report("own channel: status %d, expected it in %v", status, w.want)
	}
}

// drive runs workers against the cluster for d, and returns them. When
// kill is a server's index, that server is killed with SIGKILL halfway.
func (c *cluster) drive(workers int, d time.Duration, kill int) []*worker {
	var (
		mu      sync.Mutex
		reports []string
		dead    = -1
		deadMu  sync.RWMutex
	)
	alive := func(server int) bool {
		deadMu.RLock()
		defer deadMu.RUnlock()
		return server != dead
	}
	ws := make([]*worker, workers)
	until := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range workers {
		ws[i] = &worker{c: c, id: i, rng: rand.New(rand.NewPCG(uint64(i), 42)), alive: alive, mu: &mu, reports: &reports,
			private: c.private[i], created: map[string]uuid.UUID{}}
		wg.Go(func() {
			for time.Now().Before(until) {
				ws[i].step()
			}
		})
	}
	if kill >= 0 {
		time.Sleep(d / 2)
		// The server is marked dead before it dies, so that a request
		// that fails because of the kill is counted as unanswered.
		deadMu.Lock()
		dead = kill
		deadMu.Unlock()
		if err := c.servers[kill].cmd.Process.Kill(); err != nil {
			c.t.Error(err)
		}
	}
	wg.Wait()
	for _, r := range reports {
		c.t.Log(r)
	}
	if len(reports) > 0 {
		c.t.Fatalf("%d problems during the run", len(reports))
	}
	return ws
}

// check verifies, in the database, the invariants and that every
// acknowledged write is there.
func (c *cluster) check(workers []*worker) {
	t := c.t
	is := is.New(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, c.db.URL)
	is.NoErr(err) // connect
	defer conn.Close(context.Background())
	count := func(sql string, args ...any) int {
		var n int
		if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	// Invariants that the schema enforces are checked anyway: the schema
	// read here is the one the servers made.
	is.Equal(count(`SELECT count(*) FROM grouping.channels AS c JOIN grouping.groups AS g ON g.id = c.group_id
		WHERE g.organisation_id <> c.organisation_id OR g.deleted_at IS NOT NULL`), 0) // channels only in live groups of their organisation
	is.Equal(count(`SELECT count(*) FROM grouping.channels AS c
		WHERE c.user_count <> (SELECT count(*) FROM grouping.channel_members AS m WHERE m.channel_id = c.id)`), 0) // user counts are exact
	is.Equal(count(`SELECT count(*) FROM (SELECT organisation_id, name_key FROM grouping.groups
		WHERE deleted_at IS NULL GROUP BY 1, 2 HAVING count(*) > 1) AS d`), 0) // names are unique
	is.Equal(count(`SELECT count(*) FROM grouping.channel_group_channels WHERE workspace_id = $1`, c.ws),
		count(`SELECT count(DISTINCT channel_id) FROM grouping.channel_group_channels WHERE workspace_id = $1`, c.ws)) // a channel is in one channel group per workspace

	acked := map[string]uuid.UUID{}
	var calls, fails, unanswered int
	for _, w := range workers {
		calls, fails, unanswered = calls+w.calls, fails+w.fails, unanswered+w.unanswered
		for name, id := range w.created {
			key := grouping.FoldName(name)
			if other, ok := acked[key]; ok && other != id {
				t.Errorf("two creations of %q acknowledged: %v and %v", key, other, id)
			}
			acked[key] = id
			is.Equal(count(`SELECT count(*) FROM grouping.groups WHERE id = $1 AND deleted_at IS NULL`, id), 1) // an acknowledged creation is there
		}
		var got *uuid.UUID
		is.NoErr(conn.QueryRow(ctx, `SELECT group_id FROM grouping.channels WHERE id = $1`, w.private).Scan(&got)) // read the own channel
		have := uuid.Nil
		if got != nil {
			have = *got
		}
		if have != w.want && !(w.uncertain && have == w.maybe) {
			t.Errorf("worker %d: own channel in %v, acknowledged %v (uncertain %v: %v)", w.id, have, w.want, w.uncertain, w.maybe)
		}
	}
	t.Logf("%d calls, %d refused as expected, %d unanswered, %d names created", calls, fails, unanswered, len(acked))
	is.True(calls > 100) // the run did something
}

// TestManyInstancesOnPostgres runs three servers on one database and sends
// conflicting writes through all of them at once.
func TestManyInstancesOnPostgres(t *testing.T) {
	const workers = 12
	c := startCluster(t, 3, workers)
	ws := c.drive(workers, 3*time.Second, -1)
	c.check(ws)
	for _, s := range c.servers {
		s.stop(t)
	}
}

// TestKillInstanceUnderLoad kills one of three servers with SIGKILL while
// the workers send it requests: no write any server acknowledged is lost,
// and the others go on answering.
func TestKillInstanceUnderLoad(t *testing.T) {
	const workers = 12
	c := startCluster(t, 3, workers)
	ws := c.drive(workers, 4*time.Second, 0)
	c.check(ws)
	for _, s := range c.servers[1:] {
		s.stop(t)
	}
}
