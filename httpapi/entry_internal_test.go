package httpapi

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/matryer/is"
)

// headerCounter is a ResponseRecorder that counts WriteHeader calls.
type headerCounter struct {
	*httptest.ResponseRecorder
	headers int
}

func (h *headerCounter) WriteHeader(status int) {
	h.headers++
	h.ResponseRecorder.WriteHeader(status)
}

// TestPanicAfterResponseStarted checks what entry does with a panic once
// the status line is out: it cannot answer 500 any more, so it writes no
// second header and no error body, logs the panic, and aborts the
// connection (http.ErrAbortHandler), so that the client sees a cut-off
// response instead of a complete-looking one.
func TestPanicAfterResponseStarted(t *testing.T) {
	is := is.New(t)
	const partial = `{"status":"success","data":[`
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, partial)
		http.NewResponseController(w).Flush()
		panic("exploded halfway through the body")
	})
	var logs bytes.Buffer
	a := &API{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	h := a.entry(familyOrganisation, handler)

	rec := &headerCounter{ResponseRecorder: httptest.NewRecorder()}
	func() {
		defer func() {
			is.Equal(recover(), http.ErrAbortHandler) // the connection is to be aborted
		}()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/organisations/x/groups", nil))
	}()
	is.Equal(rec.headers, 1)                                                            // no second header
	is.Equal(rec.Code, http.StatusOK)                                                   // the status already sent stands
	is.Equal(rec.Body.String(), partial)                                                // and no error body follows the partial one
	is.True(strings.Contains(logs.String(), "internal error after response started"))   // logged as such
	is.True(strings.Contains(logs.String(), "exploded halfway through the body"))       // with the panic value
	is.True(strings.Contains(logs.String(), "method=GET path=/organisations/x/groups")) // and the request

	quiet := &API{logger: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(quiet.entry(familyOrganisation, handler))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/organisations/x/groups")
	is.NoErr(err) // the status line arrives
	defer res.Body.Close()
	is.Equal(res.StatusCode, http.StatusOK) // as sent before the panic
	body, err := io.ReadAll(res.Body)
	is.True(err != nil)                   // but the connection is cut before the body ends
	is.Equal(string(body), partial)       // after what was written
	is.Equal(res.Header.Get("Allow"), "") // and nothing else was added
}
