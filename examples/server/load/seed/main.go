// Command seed fills a running examples/server with the data of the load
// runs of run.sh: an organisation of n channels, none in a group, and two
// empty groups. It writes vars.lua, which list.lua and mix.lua load: the
// organisation, the two groups and the first channels, which mix.lua
// assigns, moves and removes, -mixed of them for each of -runs runs, so
// that each run starts from channels in no group.
//
//	SERVICE_TOKEN=… go run ./examples/server/load/seed -base http://127.0.0.1:8080 -channels 10000
//
// The token must be the service role's for every tenant (server token
// -role service -all-tenants): only it may write the host's mirror.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

func main() {
	var (
		base    = flag.String("base", "http://127.0.0.1:8080", "the server's address")
		n       = flag.Int("channels", 10000, "the organisation's channels")
		mixed   = flag.Int("mixed", 1000, "the channels that a run of mix.lua assigns, moves and removes")
		runs    = flag.Int("runs", 3, "the runs of mix.lua, each on channels of its own (-mixed × -runs at most -channels)")
		workers = flag.Int("workers", 8, "requests in flight")
		out     = flag.String("out", "vars.lua", "the file that list.lua and mix.lua load")
	)
	flag.Parse()
	token := os.Getenv("SERVICE_TOKEN")
	if token == "" {
		fmt.Fprintln(os.Stderr, "seed: set SERVICE_TOKEN to a token of the service role for every tenant")
		os.Exit(2)
	}
	if *workers < 1 {
		fmt.Fprintln(os.Stderr, "seed: -workers must be at least 1")
		os.Exit(2)
	}
	if *mixed < 1 || *runs < 1 || *mixed**runs > *n {
		fmt.Fprintln(os.Stderr, "seed: -mixed × -runs must be at least 1 and at most -channels")
		os.Exit(2)
	}
	start := time.Now()
	c := client{base: strings.TrimSuffix(*base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
	w, err := seed(context.Background(), c, *n, *workers)
	if err == nil {
		err = os.WriteFile(*out, w.lua(*mixed, *runs), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "seed: %d channels and 2 groups in organisation %s in %v; wrote %s\n", *n, w.org, time.Since(start).Round(time.Millisecond), *out)
}

// world is what seed made.
type world struct {
	org      uuid.UUID
	groups   [2]uuid.UUID
	channels []uuid.UUID
}

// lua returns the Lua that list.lua and mix.lua load: org, groups, mixed
// (the channels of a run) and the first mixed × runs channels.
func (w world) lua(mixed, runs int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "org = %q\ngroups = {%q, %q}\nmixed = %d\nchannels = {\n", w.org, w.groups[0], w.groups[1], mixed)
	for _, id := range w.channels[:mixed*runs] {
		fmt.Fprintf(&b, "  %q,\n", id)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// client sends the API's requests with the service token.
type client struct {
	base, token string
	http        *http.Client
}

// do sends a request with a JSON body and decodes the data of the answer
// into data, when it is not nil; a status other than 2xx is an error.
func (c client) do(ctx context.Context, method, path string, body any, data any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(raw))
	}
	if data == nil {
		return nil
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return json.Unmarshal(env.Data, data)
}

// seed makes an organisation of n channels, in no group, and two groups,
// with workers requests in flight.
func seed(ctx context.Context, c client, n, workers int) (world, error) {
	w := world{org: uuid.New(), channels: make([]uuid.UUID, n)}
	if err := c.do(ctx, http.MethodPut, "/organisations/"+w.org.String(), map[string]string{"name": "Load"}, nil); err != nil {
		return world{}, err
	}
	for i := range w.groups {
		var g struct{ ID uuid.UUID }
		if err := c.do(ctx, http.MethodPost, "/organisations/"+w.org.String()+"/groups", map[string]string{"name": fmt.Sprint("Group ", i+1)}, &g); err != nil {
			return world{}, err
		}
		w.groups[i] = g.ID
	}
	owner := uuid.New()
	for i := range w.channels {
		w.channels[i] = uuid.New()
	}
	var (
		next   atomic.Int64
		failed atomic.Bool // the first error stops every worker
		wg     sync.WaitGroup
		errs   = make([]error, workers)
	)
	for k := range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && !failed.Load(); i = int(next.Add(1)) - 1 {
				body := map[string]any{"name": fmt.Sprint("channel ", i), "description": "A channel of the load runs", "owner_id": owner}
				if errs[k] = c.do(ctx, http.MethodPut, "/organisations/"+w.org.String()+"/channels/"+w.channels[i].String(), body, nil); errs[k] != nil {
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return world{}, err
	}
	return w, nil
}
