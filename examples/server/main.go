// Command server runs the grouping HTTP API as a standalone program: a
// persistent SQLite store, bearer-token authentication, health checks,
// Prometheus metrics, access logs and graceful shutdown; and the commands
// to operate it.
//
//	go run ./examples/server           # serve on 127.0.0.1:8080 from ./grouping.db, printing demo tokens
//	go run ./examples/server -demo     # the same, with demo data in an empty database
//	go run ./examples/server token -user $ID -org $ORG    # mint a token with GROUPING_JWT_SECRET
//	go run ./examples/server migrate   # show the schema version and apply migrations
//	go run ./examples/server backup grouping-copy.db      # copy the database while it is in use
//	go run ./examples/server version
//
// "server help" lists the commands and "server COMMAND -h" says what one
// does. See the repository README for the configuration table and a curl
// walk-through.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"syscall"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/channelgrouping/grouping/otelstore"
	"github.com/google/uuid"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// Server timeouts. Writes get more time than reads because a page of 1000
// channels is the largest response.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 20 * time.Second
	readyTimeout      = 2 * time.Second
	demoTokenTTL      = 24 * time.Hour
	// maxHeaderBytes caps a request's header block; a larger one is
	// answered 431 before any handler runs. Real headers, a bearer token
	// of at most jwtauth.MaxTokenBytes included, are far smaller.
	maxHeaderBytes = 64 << 10
)

// run is the whole program. args[0] is the program name; args[1] may name
// a command (see commands), which runs and returns. Otherwise run serves
// until ctx is cancelled, then shuts the server down gracefully, letting
// requests in flight finish, and closes the store.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cmd, rest, err := subcommand(args[1:])
	if err != nil {
		return err
	}
	switch {
	case cmd.name == "help":
		printCommands(stdout)
		return nil
	case cmd.run != nil:
		err := cmd.run(ctx, rest, getenv, stdout, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	cfg, err := parseConfig(rest, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := cfg.logger(stderr)

	store, err := openStore(ctx, cfg.dbPath)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close database: %w", cerr)
		}
	}()
	if cfg.demo {
		seeded, err := seedDemo(ctx, store)
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		log.Info("demo data", "seeded", seeded, "organisation", demoOrg, "workspace", demoWorkspace)
	}
	metrics, err := newMetrics()
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	defer metrics.shutdown(context.WithoutCancel(ctx))
	// Every store call is timed and traced; /readyz asks the store itself.
	traced := otelstore.Wrap(store, otelstore.WithMeterProvider(metrics.provider), otelstore.WithSystem(dbSystem(store)))

	secret := []byte(cfg.jwtSecret)
	generated := len(secret) == 0
	if generated {
		secret = make([]byte, 32)
		rand.Read(secret)
		log.Warn("!!! " + envJWTSecret + " is not set: using a random secret for this run only; " +
			"tokens stop working on restart. Set " + envJWTSecret + " (32+ bytes) for real use.")
	}
	auth, err := jwtauth.New(jwtauth.HS256(secret))
	if err != nil {
		return fmt.Errorf("authenticator: %w", err)
	}
	api, err := httpapi.New(traced, httpapi.WithAuthenticator(auth), httpapi.WithLogger(log), httpapi.WithMeterProvider(metrics.provider))
	if err != nil {
		return fmt.Errorf("http api: %w", err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /livez", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(store, log))
	mux.Handle("GET /metrics", metrics.handler)
	mux.Handle("/", handleNotFound())
	if cfg.pprofAddr != "" {
		stopPprof, err := servePprof(ctx, cfg.pprofAddr, log)
		if err != nil {
			return fmt.Errorf("pprof: %w", err)
		}
		defer stopPprof()
	}

	// Change events go to the webhooks, and old ones are pruned, until
	// shutdown; the untraced store is the event log.
	stopEvents, err := startEvents(ctx, store, cfg.events, log)
	if err != nil {
		return err
	}
	defer stopEvents()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := newServer(withRequestLog(log, withCleanPaths(mux)), log)
	// Event streams never end on their own: shutdown ends them.
	srv.RegisterOnShutdown(api.CloseStreams)
	base := "http://" + ln.Addr().String()
	if generated {
		signer, err := jwtauth.NewHS256Signer(secret)
		if err != nil {
			return fmt.Errorf("demo token: %w", err)
		}
		userToken, err := signer.Sign(demoPrincipal(), demoTokenTTL)
		if err != nil {
			return fmt.Errorf("demo token: %w", err)
		}
		serviceToken, err := signer.Sign(demoServicePrincipal(), demoTokenTTL)
		if err != nil {
			return fmt.Errorf("demo service token: %w", err)
		}
		printWelcome(stdout, base, userToken, serviceToken)
	} else {
		printTokenHelp(stdout, base)
	}
	log.Info("listening", "url", base, "db", redactDB(cfg.dbPath), "version", programVersion())

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for requests in flight")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// newServer returns the HTTP server for h, with the program's timeouts and
// header limit, logging its own errors to log.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// handleHealthz reports that the process is up and serving, for liveness
// probes (/livez, and /healthz as before); it never looks at the database.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`+"\n")
	})
}

// withCleanPaths answers paths with empty, "." or ".." segments with a JSON
// 404. ServeMux would otherwise redirect them to their cleaned form with an
// HTML body, which an API client neither expects nor needs.
func withCleanPaths(next http.Handler) http.Handler {
	notFound := handleNotFound()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if c := path.Clean(p); c != p && c+"/" != p {
			notFound.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleNotFound answers every path that is neither the API's nor a health
// check in the API's JSON error shape, so that clients never see a text body.
func handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"status":"error","status_code":404,"message":"Route not found"}`+"\n")
	})
}

// handleReadyz reports whether the store answers a query: a one-item list
// of a workspace that has no data, which touches the database but costs
// next to nothing.
func handleReadyz(store grouping.Store, log *slog.Logger) http.Handler {
	probe := uuid.New()
	check := func(ctx context.Context) error {
		_, err := store.ListChannelGroups(ctx, probe, grouping.ListChannelGroupsOptions{Limit: 1})
		return err
	}
	// A store that can tell whether it can serve writes (sqlite.Store: its
	// file is still the one it opened) says so instead.
	if c, ok := store.(interface{ Check(context.Context) error }); ok {
		check = c.Check
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := check(ctx); err != nil {
			log.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"status":"unavailable"}`+"\n")
			return
		}
		io.WriteString(w, `{"status":"ready"}`+"\n")
	})
}
