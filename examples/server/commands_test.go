package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// runCommand runs the program in-process with args (without the program
// name) and the environment env, and returns what it wrote.
func runCommand(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"server"}, args...), envOf(env), &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestCommandHelp checks that -h on every command says what it does, and
// that help lists them all.
func TestCommandHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"-h"}, "Serves the grouping HTTP API"},
		{[]string{"serve", "-h"}, "Serves the grouping HTTP API"},
		{[]string{"token", "-h"}, "Mints a bearer token"},
		{[]string{"migrate", "-h"}, "applies the migrations"},
		{[]string{"backup", "-h"}, "VACUUM INTO"},
		{[]string{"version", "-h"}, "Prints the program's version"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			is := is.New(t)
			_, stderr, err := runCommand(t, nil, tc.args...)
			is.NoErr(err)                                      // -h is no error
			is.True(strings.Contains(stderr, "Usage: server")) // usage is printed
			is.True(strings.Contains(stderr, tc.says))         // with what the command does
		})
	}
	is := is.New(t)
	stdout, _, err := runCommand(t, nil, "help")
	is.NoErr(err) // help is a command
	for _, c := range commands {
		is.True(strings.Contains(stdout, "  "+c.name+" ")) // listing every command
	}
	_, _, err = runCommand(t, nil, "frobnicate")
	is.True(err != nil && strings.Contains(err.Error(), "unknown command")) // an unknown command is refused
}

func TestVersion(t *testing.T) {
	is := is.New(t)
	stdout, _, err := runCommand(t, nil, "version")
	is.NoErr(err)                                           // version runs
	is.True(strings.HasPrefix(stdout, "grouping server "))  // names the program
	is.True(strings.Contains(stdout, runtime.Version()))    // and the Go release
	is.True(!strings.Contains(stdout, "grouping server  ")) // with a version string
	_, _, err = runCommand(t, nil, "version", "extra")
	is.True(err != nil) // it takes no arguments

	old := version
	version = "v1.2.3"
	defer func() { version = old }()
	stdout, _, err = runCommand(t, nil, "version")
	is.NoErr(err)                                                 // version runs
	is.True(strings.HasPrefix(stdout, "grouping server v1.2.3 ")) // the version set at build time wins
}

// TestToken mints tokens and checks them with the authenticator the server
// uses.
func TestToken(t *testing.T) {
	is := is.New(t)
	secret := strings.Repeat("k", 32)
	env := map[string]string{envJWTSecret: secret}
	auth, err := jwtauth.New(jwtauth.HS256([]byte(secret)))
	is.NoErr(err) // the server's authenticator
	authenticate := func(token string) (uuid.UUID, []uuid.UUID, []uuid.UUID, []string, bool, error) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		p, err := auth.Authenticate(r)
		return p.UserID, p.Organisations, p.Workspaces, p.Roles, p.AllTenants, err
	}

	user, org1, org2, ws := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	stdout, stderr, err := runCommand(t, env, "token", "-user", user.String(), "-org", org1.String()+","+org2.String(),
		"-workspace", ws.String(), "-role", "admin", "-ttl", "2h")
	is.NoErr(err) // a token is minted
	token := strings.TrimSpace(stdout)
	is.Equal(strings.Count(stdout, "\n"), 1)         // alone on its line, for $(…)
	is.True(strings.Contains(stderr, user.String())) // what it grants goes to stderr
	gotUser, orgs, workspaces, roles, all, err := authenticate(token)
	is.NoErr(err)                           // the server accepts it
	is.Equal(gotUser, user)                 // for the user
	is.Equal(orgs, []uuid.UUID{org1, org2}) // in its organisations
	is.Equal(workspaces, []uuid.UUID{ws})   // and workspaces
	is.Equal(roles, []string{"admin"})      // with its roles
	is.True(!all)                           // and not every tenant

	stdout, _, err = runCommand(t, env, "token", "-role", "service", "-all-tenants")
	is.NoErr(err) // a token for the host's backend
	gotUser, _, _, roles, all, err = authenticate(strings.TrimSpace(stdout))
	is.NoErr(err)                        // is accepted
	is.True(gotUser != uuid.Nil)         // with a user made up
	is.Equal(roles, []string{"service"}) // the service role
	is.True(all)                         // and every tenant

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"no secret", nil, nil},
		{"short secret", map[string]string{envJWTSecret: "short"}, nil},
		{"bad user", env, []string{"-user", "nope"}},
		{"user in braces", env, []string{"-user", "{" + user.String() + "}"}},
		{"bad organisation", env, []string{"-org", "nope"}},
		{"empty role", env, []string{"-role", ","}},
		{"all tenants without service", env, []string{"-all-tenants"}},
		{"lifetime under a second", env, []string{"-ttl", "10ms"}},
		{"stray argument", env, []string{"extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			stdout, _, err := runCommand(t, tc.env, append([]string{"token"}, tc.args...)...)
			is.True(err != nil)  // refused
			is.Equal(stdout, "") // and no token printed
		})
	}
	_, _, err = runCommand(t, nil, "token")
	is.True(strings.Contains(err.Error(), envJWTSecret)) // the refusal names the secret's variable
}

func TestMigrate(t *testing.T) {
	is := is.New(t)
	db := filepath.Join(t.TempDir(), "g.db")
	stdout, _, err := runCommand(t, nil, "migrate", "-db", db)
	is.NoErr(err)                                           // a new database is migrated
	is.True(strings.Contains(stdout, "schema version 0\n")) // from nothing
	m := regexp.MustCompile(`migrated to schema version (\d+)`).FindStringSubmatch(stdout)
	is.True(m != nil && m[1] != "0") // to the current version

	stdout, _, err = runCommand(t, map[string]string{envDB: db}, "migrate")
	is.NoErr(err)                                                  // again, with the database from the environment
	is.True(strings.Contains(stdout, "schema version "+m[1]+"\n")) // it is at the current version
	is.True(strings.Contains(stdout, "up to date"))                // and nothing is applied

	s, err := sqlite.Open(context.Background(), db)
	is.NoErr(err)       // the migrated file opens as a store
	is.NoErr(s.Close()) // and closes

	_, _, err = runCommand(t, nil, "migrate", "-db", "postgres://127.0.0.1:1/grouping?connect_timeout=2")
	is.True(err != nil) // a server that does not answer is an error
	_, _, err = runCommand(t, nil, "migrate", "-db", filepath.Join(t.TempDir(), "missing", "g.db"))
	is.True(err != nil) // as is a file in a directory that does not exist
}

// TestBackupWhileWriting copies a database while another goroutine writes
// to it, then opens the copy as a store and finds one consistent moment of
// the original: every group created before it, none after, and each
// group's channel with it.
func TestBackupWhileWriting(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "live.db"), filepath.Join(dir, "copy.db")
	store, err := sqlite.Open(ctx, src)
	is.NoErr(err) // the live database
	defer store.Close()
	org, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // an organisation

	// The writer creates groups g00000, g00001, … one after another, each
	// with a channel of the same number assigned in a second transaction.
	var created atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var writeErr error
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := fmt.Sprintf("g%05d", i)
			g, err := store.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: name})
			if err == nil {
				var ch grouping.Channel
				ch, err = store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: name, OwnerID: uuid.New()})
				if err == nil {
					err = store.AssignChannel(ctx, org.ID, g.ID, ch.ID)
				}
			}
			if err != nil {
				writeErr = err
				return
			}
			created.Add(1)
		}
	}()
	for created.Load() < 30 {
		time.Sleep(time.Millisecond)
	}
	stdout, _, err := runCommand(t, nil, "backup", "-db", src, dst)
	during := created.Load()
	for deadline := time.Now().Add(10 * time.Second); created.Load() < during+5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // the writer goes on after the copy
	}
	close(stop)
	wg.Wait()
	is.NoErr(writeErr)                                // the writer never failed
	is.NoErr(err)                                     // the backup succeeded while it wrote
	is.True(strings.Contains(stdout, "integrity ok")) // after checking the copy
	is.True(created.Load() >= during+5)               // and the writer was not held up
	t.Logf("groups: %d when the backup returned, %d in all", during, created.Load())

	cp, err := sqlite.Open(ctx, dst)
	is.NoErr(err) // the copy opens as a store
	defer cp.Close()
	page, err := cp.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{IncludeChannels: true})
	is.NoErr(err) // and answers
	n := len(page.Items)
	is.True(n >= 30)              // it holds the groups created before the backup began
	is.True(int64(n) <= during+1) // and none created after it ended
	for i, g := range page.Items {
		is.Equal(g.Name, fmt.Sprintf("g%05d", i)) // in order, without a gap
		if i < n-1 {
			is.Equal(len(g.Channels), 1)         // each with its channel
			is.Equal(g.Channels[0].Name, g.Name) // the one of the same number
		}
	}
	ungrouped, err := cp.ListUngroupedChannels(ctx, org.ID, grouping.ListChannelsOptions{})
	is.NoErr(err)                      // the copy's channels outside groups
	is.True(len(ungrouped.Items) <= 1) // at most the last, whose assignment had not committed

	// An existing file is never overwritten.
	before, err := os.ReadFile(dst)
	is.NoErr(err) // the copy is read
	_, _, err = runCommand(t, nil, "backup", "-db", src, dst)
	is.True(err != nil && strings.Contains(err.Error(), "exists")) // refused
	after, err := os.ReadFile(dst)
	is.NoErr(err)                       // the copy is still there
	is.True(bytes.Equal(before, after)) // unchanged

	missing := filepath.Join(dir, "never.db")
	_, _, err = runCommand(t, nil, "backup", "-db", filepath.Join(dir, "nothing.db"), missing)
	is.True(err != nil) // a database that does not exist is not copied
	_, err = os.Stat(missing)
	is.True(os.IsNotExist(err)) // and nothing is left behind
	_, _, err = runCommand(t, nil, "backup", "-db", src)
	is.True(err != nil) // the destination is required
}

// TestBackupOfNoDatabase checks that a file that is no database is not
// reported as backed up, and leaves no copy.
func TestBackupOfNoDatabase(t *testing.T) {
	is := is.New(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "bad.db")
	is.NoErr(os.WriteFile(src, []byte("this is not a database"), 0o600)) // a file that is no database
	dst := filepath.Join(dir, "copy.db")
	_, _, err := runCommand(t, nil, "backup", "-db", src, dst)
	is.True(err != nil) // refused
	_, err = os.Stat(dst)
	is.True(os.IsNotExist(err)) // with nothing left behind
}

// TestCheckIntegrity checks the check a backup runs on its copy: a sound
// database passes, one with a damaged page does not.
func TestCheckIntegrity(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := sqlite.Open(ctx, path)
	is.NoErr(err) // a database
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // with data
	for i := range 200 {
		_, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprintf("group %d with a longer name to fill pages", i)})
		is.NoErr(err) // in several pages
	}
	is.NoErr(s.Close())                 // checkpointed into the file
	is.NoErr(checkIntegrity(ctx, path)) // a sound database passes

	b, err := os.ReadFile(path)
	is.NoErr(err) // the file is read
	const page = 4096
	is.True(len(b) > 6*page) // it has pages to damage
	for i := 2 * page; i < 5*page; i += 7 {
		b[i] ^= 0x5a // damage the b-tree pages, not the header
	}
	is.NoErr(os.WriteFile(path, b, 0o600))    // written back
	is.True(checkIntegrity(ctx, path) != nil) // a damaged one fails
}

// TestMigratePostgres migrates a new PostgreSQL database, then finds it up
// to date.
func TestMigratePostgres(t *testing.T) {
	is := is.New(t)
	db, err := pgtest.Create(t.Context(), "grouping_migrate")
	is.NoErr(err) // create a database
	if db == nil {
		t.Skip(pgtest.SkipMessage)
	}
	t.Cleanup(func() {
		if err := db.Drop(); err != nil {
			t.Error(err)
		}
	})
	stdout, _, err := runCommand(t, nil, "migrate", "-db", db.URL)
	is.NoErr(err)                                           // a new database is migrated
	is.True(strings.Contains(stdout, "schema version 0\n")) // from nothing
	m := regexp.MustCompile(`migrated to schema version (\d+)`).FindStringSubmatch(stdout)
	is.True(m != nil && m[1] != "0") // to the current version
	stdout, _, err = runCommand(t, nil, "migrate", "-db", db.URL)
	is.NoErr(err)                                   // again
	is.True(strings.Contains(stdout, "up to date")) // nothing left to apply
}
