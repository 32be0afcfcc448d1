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
}

// The environment variables the server reads.
const (
	envAddr      = "GROUPING_ADDR"
	envDB        = "GROUPING_DB"
	envJWTSecret = "GROUPING_JWT_SECRET"
	envDemo      = "GROUPING_DEMO"
	envLogLevel  = "GROUPING_LOG_LEVEL"
	envLogFormat = "GROUPING_LOG_FORMAT"
)

// parseConfig reads args (without the program name) and the environment.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	def := func(key, fallback string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return fallback
	}
	demoDefault := false
	if v := getenv(envDemo); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return config{}, fmt.Errorf("%s: %q is not a boolean", envDemo, v)
		}
		demoDefault = b
	}

	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var level string
	fs.StringVar(&c.addr, "addr", def(envAddr, "127.0.0.1:8080"), "listen address (env "+envAddr+")")
	fs.StringVar(&c.dbPath, "db", def(envDB, "grouping.db"), "SQLite database file, or a postgres:// URL (env "+envDB+")")
	fs.BoolVar(&c.demo, "demo", demoDefault, "seed a demo organisation and workspace into an empty database (env "+envDemo+")")
	fs.StringVar(&level, "log-level", def(envLogLevel, "info"), "log level: debug, info, warn or error (env "+envLogLevel+")")
	fs.StringVar(&c.logFormat, "log-format", def(envLogFormat, "text"), "log format: text or json (env "+envLogFormat+")")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: server [flags]\n\nServes the grouping HTTP API from a SQLite file.\n"+
			"The HS256 secret for bearer tokens comes from %s (at least 32 bytes);\n"+
			"without it a secret is generated for this run and two demo tokens are printed,\n"+
			"one for a user and one for the host's backend (role service, every tenant).\n\nFlags:\n", envJWTSecret)
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
	c.jwtSecret = getenv(envJWTSecret)
	if c.jwtSecret != "" && len(c.jwtSecret) < 32 {
		return config{}, fmt.Errorf("%s must be at least 32 bytes long", envJWTSecret)
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
