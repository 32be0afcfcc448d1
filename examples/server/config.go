package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// config is the server's configuration, read from flags with environment
// variables as fallbacks. Flags win.
type config struct {
	addr      string
	dbPath    string
	jwtSecret string
	demo      bool
	logLevel  slog.Level
	logFormat string
	// pprofAddr is where runtime profiles are served; "" for nowhere.
	pprofAddr string
	// events are the webhooks and the retention of change events (see
	// webhooks.go).
	events eventsConfig
}

// The environment variables the server reads.
const (
	envAddr      = "GROUPING_ADDR"
	envDB        = "GROUPING_DB"
	envJWTSecret = "GROUPING_JWT_SECRET"
	envDemo      = "GROUPING_DEMO"
	envLogLevel  = "GROUPING_LOG_LEVEL"
	envLogFormat = "GROUPING_LOG_FORMAT"
	envPprofAddr = "GROUPING_PPROF_ADDR"
)

// defaultDB is the database file when neither -db nor GROUPING_DB names one.
const defaultDB = "grouping.db"

// envOr returns the environment variable key, or fallback when it is unset
// or empty.
func envOr(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}

// configuredSecret returns the HS256 secret of GROUPING_JWT_SECRET, "" when
// it is not set, and an error when it is too short.
func configuredSecret(getenv func(string) string) (string, error) {
	secret := getenv(envJWTSecret)
	if secret != "" && len(secret) < 32 {
		return "", fmt.Errorf("%s must be at least 32 bytes long", envJWTSecret)
	}
	return secret, nil
}

// parseConfig reads args (without the program name) and the environment.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	def := func(key, fallback string) string { return envOr(getenv, key, fallback) }
	demoDefault := false
	if v := getenv(envDemo); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return config{}, fmt.Errorf("%s: %q is not a boolean", envDemo, v)
		}
		demoDefault = b
	}

	fs := flag.NewFlagSet("server serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var level string
	fs.StringVar(&c.addr, "addr", def(envAddr, "127.0.0.1:8080"), "listen address (env "+envAddr+")")
	fs.StringVar(&c.dbPath, "db", def(envDB, defaultDB), "SQLite database file, or a postgres:// URL (env "+envDB+")")
	fs.BoolVar(&c.demo, "demo", demoDefault, "seed a demo organisation and workspace into an empty database (env "+envDemo+")")
	fs.StringVar(&level, "log-level", def(envLogLevel, "info"), "log level: debug, info, warn or error (env "+envLogLevel+")")
	fs.StringVar(&c.logFormat, "log-format", def(envLogFormat, "text"), "log format: text or json (env "+envLogFormat+")")
	fs.StringVar(&c.pprofAddr, "pprof-addr", def(envPprofAddr, ""), "serve runtime profiles (net/http/pprof) on this separate address, such as 127.0.0.1:6060; off when empty (env "+envPprofAddr+")")
	events := addEventFlags(fs, getenv)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: server [serve] [flags]\n\nServes the grouping HTTP API from a SQLite file, with /healthz, /livez, /readyz\n"+
			"and Prometheus metrics on /metrics. The HS256 secret for bearer tokens comes from %s\n"+
			"(at least 32 bytes); without it a secret is generated for this run and two demo tokens are\n"+
			"printed, one for a user and one for the host's backend (role service, every tenant).\n"+
			"Change events are delivered to -webhook endpoints, signed with %s, and pruned\n"+
			"by -events-max-age and -events-max-count, never before every active webhook has received them.\n"+
			"Run \"server help\" for the other commands (token, migrate, backup, version).\n\nFlags:\n", envJWTSecret, envWebhookSecret)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := c.logLevel.UnmarshalText([]byte(level)); err != nil {
		return config{}, fmt.Errorf("-log-level: %q is not one of debug, info, warn, error", level)
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return config{}, fmt.Errorf("-log-format: %q is not text or json", c.logFormat)
	}
	if c.dbPath == "" {
		return config{}, errors.New("-db must not be empty")
	}
	secret, err := configuredSecret(getenv)
	if err != nil {
		return config{}, err
	}
	c.jwtSecret = secret
	if c.events, err = events.config(); err != nil {
		return config{}, err
	}
	return c, nil
}

func (c config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.logLevel}
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
