package httpapi

import (
	"log/slog"
	"net/http"
)

// handleOpenAPI serves the API's OpenAPI document. It needs no
// credentials.
func handleOpenAPI(logger *slog.Logger, doc []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Content-Type-Options", "nosniff")
		if _, err := w.Write(doc); err != nil {
			logger.DebugContext(r.Context(), "write response", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	})
}
