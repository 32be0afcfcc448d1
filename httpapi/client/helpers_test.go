package client_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/channelgrouping/grouping/httpapi/client"
)

// recorder is a fake server: it records every request and answers with
// its handler.
type recorder struct {
	mu       sync.Mutex
	requests []recorded
	srv      *httptest.Server
}

// recorded is what the fake server saw of a request.
type recorded struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// fake starts a fake server that answers with h and returns it and a
// client of it made with opts.
func fake(t *testing.T, h http.HandlerFunc, opts ...client.Option) (*client.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.requests = append(rec.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
		rec.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(rec.srv.Close)
	c, err := client.New(rec.srv.URL+"/api", opts...)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, rec
}

// count returns the number of requests the server has seen.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// last returns the last request the server saw.
func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.requests) == 0 {
		t.Fatal("the server saw no request")
	}
	return r.requests[len(r.requests)-1]
}

// answer returns a handler that answers every request with status, the
// headers given as name/value pairs, and body.
func answer(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// Success envelopes: without data, and with an empty list.
const (
	okMessage = `{"status":"success","status_code":200,"message":"Done"}`
	emptyList = `{"status":"success","status_code":200,"message":"Done","data":[]}`
)
