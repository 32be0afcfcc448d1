package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// runBackup copies the database into a new file while it may be in use,
// and checks the copy.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "DEST", "Copies the SQLite database into the new file DEST while servers may be reading and writing it:\n"+
		"the copy is one consistent snapshot, taken with VACUUM INTO without stopping writers. The copy\n"+
		"is checked with PRAGMA integrity_check before the backup reports success; a copy that fails\n"+
		"the check is deleted. An existing DEST is never overwritten.", stderr)
	db := fs.String("db", envOr(getenv, envDB, defaultDB), "SQLite database file to copy (env "+envDB+")")
	if err := parseArgs(fs, args, 1); err != nil {
		return err
	}
	dest := fs.Arg(0)
	if err := backupSQLite(ctx, *db, dest); err != nil {
		return fmt.Errorf("backup %s: %w", *db, err)
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return err
	}
	version, err := schemaVersion(ctx, dest)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s: copied to %s (%d bytes, schema version %d, integrity ok)\n", *db, dest, fi.Size(), version)
	return err
}

// backupSQLite copies the SQLite database src into the new file dest and
// checks the copy. It leaves no file at dest when it fails.
func backupSQLite(ctx context.Context, src, dest string) (err error) {
	if isPostgresURL(src) {
		return errSQLiteOnly
	}
	if _, err := os.Stat(src); err != nil {
		return err
	}
	// Claim dest: the copy goes into an empty file of ours, never over
	// anything that was there.
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; a backup never overwrites a file", dest)
	}
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(dest)
		}
	}()

	// VACUUM INTO reads the database in one read transaction, a snapshot
	// that writers in WAL mode neither block nor change, and writes it to
	// dest compacted. A read-only connection is enough.
	conn, err := openSQLiteFile(src, true)
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", dest)
	if cerr := conn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return checkIntegrity(ctx, dest)
}

// checkIntegrity runs PRAGMA integrity_check on the SQLite file at path.
func checkIntegrity(ctx context.Context, path string) error {
	conn, err := openSQLiteFile(path, true)
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("check the copy: %w", err)
		}
		problems = append(problems, line)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return fmt.Errorf("the copy failed its integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}
