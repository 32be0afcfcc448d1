package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/channelgrouping/grouping/postgres"
	"github.com/channelgrouping/grouping/storetest"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/matryer/is"
)

// testDB returns the database of this test run; nil without a server.
func testDB() *pgtest.Database { return postgres.SharedTestDB() }

// schemaCount numbers the schemas of the test run.
var schemaCount atomic.Int64

// newSchema returns a schema name no other test of the run uses.
func newSchema() string {
	return fmt.Sprintf("t%d", schemaCount.Add(1))
}

// openStore opens a store in a new schema of the test database and closes
// it when t ends.
func openStore(t testing.TB, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	pgtest.Need(t, testDB())
	s, err := postgres.Open(t.Context(), testDB().URL, append([]postgres.Option{postgres.WithSchema(newSchema())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pgtest.Need(t, testDB())
	storetest.Run(t, func(t *testing.T) grouping.Store { return openStore(t) })
}

// connect opens a plain connection to the test database.
func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), testDB().URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestReopenKeepsData(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	pgtest.Need(t, testDB())
	schema := newSchema()
	s, err := postgres.Open(ctx, testDB().URL, postgres.WithSchema(schema))
	is.NoErr(err) // create the schema
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // create organisation
	g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Sales"})
	is.NoErr(err)       // create group
	is.NoErr(s.Close()) // close

	s, err = postgres.Open(ctx, testDB().URL, postgres.WithSchema(schema))
	is.NoErr(err) // reopen the existing schema
	defer s.Close()
	is.Equal(s.Schema(), schema) // the schema asked for
	got, err := s.GetGroup(ctx, org.ID, g.ID, grouping.GetGroupOptions{})
	is.NoErr(err)    // the group is still there
	is.Equal(got, g) // unchanged
}

func TestSchemasAreIndependent(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	odd := openStore(t, postgres.WithSchema(`Odd "schema"; DROP TABLE x --`))
	plain := openStore(t)
	org := grouping.Organisation{ID: uuid.New(), Name: "Acme"}
	_, err := odd.UpsertOrganisation(ctx, org)
	is.NoErr(err) // write in a schema whose name needs quoting
	_, err = odd.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Sales"})
	is.NoErr(err) // every statement reaches the quoted schema
	_, err = plain.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.True(errors.Is(err, grouping.ErrNotFound)) // the other schema does not see it

	var tables int
	err = connect(t).QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = $1`, odd.Schema()).Scan(&tables)
	is.NoErr(err)           // count the tables
	is.True(tables >= 8)    // all of them in the schema, under its exact name
	t.Log(tables, "tables") // for the record
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openStore(t)
	conn := connect(t)
	var v int
	quoted := pgx.Identifier{s.Schema()}.Sanitize()
	is.NoErr(conn.QueryRow(ctx, `SELECT max(version) FROM `+quoted+`.schema_migrations`).Scan(&v)) // read version
	_, err := conn.Exec(ctx, `INSERT INTO `+quoted+`.schema_migrations (version, name) VALUES ($1, 'from the future')`, v+1)
	is.NoErr(err) // a later version of the package has upgraded the schema

	_, err = postgres.Open(ctx, testDB().URL, postgres.WithSchema(s.Schema()))
	is.True(errors.Is(err, postgres.ErrSchemaTooNew))                          // refused
	is.True(strings.Contains(err.Error(), fmt.Sprintf("has version %d", v+1))) // the message names the version
	t.Log(err)
	var after int
	is.NoErr(conn.QueryRow(ctx, `SELECT max(version) FROM `+quoted+`.schema_migrations`).Scan(&after)) // read again
	is.Equal(after, v+1)                                                                               // nothing was touched
}

// TestConcurrentOpenMigratesOnce opens many stores on one new schema at
// once: one applies the migrations, the others wait for it and find the
// schema ready. Applying a migration twice would fail, as it creates
// tables without IF NOT EXISTS.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	is := is.New(t)
	pgtest.Need(t, testDB())
	ctx := t.Context()
	schema := newSchema()
	const n = 8
	errs := make([]error, n)
	stores := make([]*postgres.Store, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(ctx, testDB().URL, postgres.WithSchema(schema))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		is.NoErr(err) // every store opened
		defer stores[i].Close()
	}
	var versions, lockRows int
	conn := connect(t)
	quoted := pgx.Identifier{schema}.Sanitize()
	is.NoErr(conn.QueryRow(ctx, `SELECT count(*) FROM `+quoted+`.schema_migrations`).Scan(&versions)) // count versions
	is.NoErr(conn.QueryRow(ctx, `SELECT count(*) FROM `+quoted+`.schema_lock`).Scan(&lockRows))       // count lock rows
	is.True(versions >= 1)                                                                            // migrated
	is.Equal(lockRows, 1)                                                                             // one lock row
	_, err := stores[n-1].UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // and usable
}

func TestOpenErrors(t *testing.T) {
	pgtest.Need(t, testDB())
	for name, tc := range map[string]struct {
		url  string
		opts []postgres.Option
	}{
		"not a URL":        {url: "postgres://%zz"},
		"no server":        {url: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2"},
		"empty schema":     {url: testDB().URL, opts: []postgres.Option{postgres.WithSchema("")}},
		"read-only role":   {url: testDB().URL + "&options=-c%20default_transaction_read_only%3Don", opts: []postgres.Option{postgres.WithSchema(newSchema())}},
		"unknown database": {url: strings.Replace(testDB().URL, testDB().Name(), "no_such_database", 1)},
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			s, err := postgres.Open(t.Context(), tc.url, tc.opts...)
			is.True(err != nil) // refused
			is.True(s == nil)   // no store
			t.Log(err)
		})
	}
}
