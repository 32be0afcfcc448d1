package main

import (
	"context"
	"fmt"
	"io"
)

// runMigrate shows the schema version of the database and brings it up to
// date, without serving.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	fs := newFlagSet("migrate", "", "Shows the schema version of the database, applies the migrations it lacks, and shows\n"+
		"the version it has then, without serving. A database file that does not exist is created.\n"+
		"Serving applies the migrations too; migrate lets you do it, and see it done, beforehand.", stderr)
	db := fs.String("db", envOr(getenv, envDB, defaultDB), "SQLite database file, or a postgres:// URL (env "+envDB+")")
	if err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	name := redactDB(*db) // a URL's password is never printed
	before, err := schemaVersion(ctx, *db)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	fmt.Fprintf(stdout, "%s: schema version %d\n", name, before)
	store, err := openStore(ctx, *db)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	after, err := schemaVersion(ctx, *db)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	if after == before {
		_, err = fmt.Fprintf(stdout, "%s: up to date\n", name)
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s: migrated to schema version %d\n", name, after)
	return err
}
