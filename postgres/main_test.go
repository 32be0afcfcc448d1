package postgres

import (
	"os"
	"testing"

	"github.com/channelgrouping/grouping/internal/pgtest"
)

// testDB is the database of this test run; nil without a server.
var testDB *pgtest.Database

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, "grouping_postgres", &testDB))
}

// SharedTestDB returns the database of the test run to the external tests.
func SharedTestDB() *pgtest.Database { return testDB }
