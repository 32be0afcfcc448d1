package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/matryer/is"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfigDefaults(t *testing.T) {
	is := is.New(t)
	c, err := parseConfig(nil, envOf(nil), io.Discard)
	is.NoErr(err)
	is.Equal(c.addr, "127.0.0.1:8080") // documented default address
	is.Equal(c.dbPath, "grouping.db")  // documented default file
	is.Equal(c.jwtSecret, "")          // no secret: one is generated at start
	is.Equal(c.demo, false)
	is.Equal(c.logLevel, slog.LevelInfo)
	is.Equal(c.logFormat, "text")
	is.Equal(c.pprofAddr, "") // profiles are served only when asked for
}

func TestParseConfigFlagsBeatEnvironment(t *testing.T) {
	is := is.New(t)
	env := envOf(map[string]string{
		envAddr: "0.0.0.0:9000", envDB: "/tmp/env.db", envDemo: "true",
		envLogLevel: "debug", envLogFormat: "json", envJWTSecret: strings.Repeat("s", 32),
		envPprofAddr: "127.0.0.1:6060",
	})
	c, err := parseConfig(nil, env, io.Discard)
	is.NoErr(err)
	is.Equal(c.addr, "0.0.0.0:9000") // environment applies
	is.Equal(c.dbPath, "/tmp/env.db")
	is.True(c.demo)
	is.Equal(c.logLevel, slog.LevelDebug)
	is.Equal(c.logFormat, "json")
	is.Equal(c.jwtSecret, strings.Repeat("s", 32))
	is.Equal(c.pprofAddr, "127.0.0.1:6060") // asked for in the environment

	c, err = parseConfig([]string{"-addr", "127.0.0.1:7000", "-db", "flag.db", "-demo=false", "-log-level", "warn"}, env, io.Discard)
	is.NoErr(err)
	is.Equal(c.addr, "127.0.0.1:7000") // flags win over the environment
	is.Equal(c.dbPath, "flag.db")
	is.True(!c.demo)
	is.Equal(c.logLevel, slog.LevelWarn)
}

func TestParseConfigRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"unknown flag", []string{"-nope"}, nil},
		{"stray argument", []string{"serve"}, nil},
		{"bad level", []string{"-log-level", "loud"}, nil},
		{"bad format", []string{"-log-format", "xml"}, nil},
		{"empty db", []string{"-db", ""}, nil},
		{"short secret", nil, map[string]string{envJWTSecret: "too-short"}},
		{"bad demo env", nil, map[string]string{envDemo: "sometimes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			_, err := parseConfig(tt.args, envOf(tt.env), io.Discard)
			is.True(err != nil) // refused before anything starts
		})
	}
}

func TestRequestIDAndAccessLog(t *testing.T) {
	is := is.New(t)
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	h := withRequestLog(log, mux)

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/things/42", nil)
	req.Header.Set(requestIDHeader, "abc-123")
	h.ServeHTTP(rec, req)
	is.Equal(rec.Code, http.StatusTeapot)                                // handler ran
	is.Equal(rec.Header().Get(requestIDHeader), "abc-123")               // client's ID echoed
	is.True(strings.Contains(logs.String(), `route="GET /things/{id}"`)) // route pattern, not raw path
	is.True(strings.Contains(logs.String(), "status=418"))               // status recorded
	is.True(strings.Contains(logs.String(), "request_id=abc-123"))
	is.True(strings.Contains(logs.String(), "duration="))

	rec = httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/things/42", nil)
	req.Header.Set(requestIDHeader, "bad id\twith spaces")
	h.ServeHTTP(rec, req)
	id := rec.Header().Get(requestIDHeader)
	is.True(id != "" && id != "bad id\twith spaces") // unsafe IDs are replaced
	is.Equal(len(id), 36)                            // by a fresh UUID
}
