package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// listQuery is one list statement as the store runs it, with arguments of
// the right types, and the index that must serve it.
type listQuery struct {
	name      string
	st        *statement
	args      []any
	index     string // the index the main table must be searched with
	paginated bool   // read in index order: no sorting allowed
}

func listQueries() []listQuery {
	id := uuid.New()
	ids := sql.Named("groups", idArray([]uuid.UUID{uuid.New(), uuid.New()}))
	page := func(args ...any) []any {
		return append(args, pageArgs(driver.Page{Limit: grouping.MaxLimit})...)
	}
	return []listQuery{
		{"ListGroups", sqlListGroups,
			page(sql.Named("org", id), sql.Named("archived", sql.NullBool{})), "groups_list", true},
		{"ListGroups/archived", sqlListGroups,
			page(sql.Named("org", id), sql.Named("archived", sql.NullBool{Bool: true, Valid: true})), "groups_list", true},
		{"ListGroupChannels", sqlListGroupChannels,
			page(sql.Named("group", id), sql.Named("org", id), sql.Named("archived", false)), "channels_group", true},
		{"ListUngroupedChannels", sqlListUngroupedChannels,
			page(sql.Named("org", id), sql.Named("archived", false)), "channels_ungrouped", true},
		{"ListDiscoverableChannels", sqlListDiscoverableChannels,
			page(sql.Named("org", id), sql.Named("user", id), sql.Named("archived", true)), "channels_org", true},
		{"ListChannelGroups", sqlListChannelGroups,
			page(sql.Named("ws", id)), "channel_groups_list", true},
		{"ListChannelGroups/platform", sqlListPlatformChannelGroups,
			page(sql.Named("ws", id), sql.Named("platform", "whatsapp")), "channel_groups_platform_list", true},
		{"GroupsChannels", sqlGroupsChannels, []any{ids}, "channels_group", false},
	}
}

// TestListQueriesUseIndexes checks the query plan of every list: each table
// is searched through an index (a full SCAN would read the whole table,
// however small the page), paginated lists come in index order without a
// sort, and the plan is the same once SQLite has statistics about real data.
func TestListQueriesUseIndexes(t *testing.T) {
	s := openTestStore(t)
	check := func(t *testing.T) {
		for _, q := range listQueries() {
			t.Run(q.name, func(t *testing.T) {
				is := is.New(t)
				plan := queryPlan(t, s.d.reader, q.st.sql, q.args...)
				t.Logf("%s", strings.Join(plan, "\n"))
				for _, line := range plan {
					is.True(!scansTable(line)) // no table is read whole
					if q.paginated && !strings.HasSuffix(line, "FOR group_concat(ORDER BY)") {
						is.True(!strings.Contains(line, "TEMP B-TREE")) // the page comes in index order, unsorted (only an item's own ID list is sorted)
					}
				}
				is.True(strings.Contains(plan[0], "USING INDEX "+q.index+" ") ||
					strings.Contains(plan[0], "USING COVERING INDEX "+q.index+" ")) // served by its index
			})
		}
	}
	t.Run("empty", check)
	populate(t, s, 60)
	_, err := s.d.writer.ExecContext(t.Context(), "ANALYZE")
	is.New(t).NoErr(err) // gather statistics
	t.Run("analysed", check)
}

// TestNoStatementScansATable checks the plan of every statement of the
// store, lists and all others: none reads a whole table.
func TestNoStatementScansATable(t *testing.T) {
	is := is.New(t)
	s := openTestStore(t)
	populate(t, s, 30)
	_, err := s.d.writer.ExecContext(t.Context(), "ANALYZE")
	is.NoErr(err) // gather statistics
	named := make(map[*statement][]any)
	for _, q := range listQueries() {
		named[q.st] = q.args
	}
	for _, st := range statements {
		args, ok := named[st]
		if !ok {
			for range strings.Count(st.sql, "?") {
				args = append(args, "x") // positional parameters
			}
			seen := make(map[string]bool)
			for _, m := range namedParam.FindAllStringSubmatch(st.sql, -1) {
				if !seen[m[1]] {
					seen[m[1]] = true
					args = append(args, sql.Named(m[1], "x"))
				}
			}
		}
		plan := queryPlan(t, s.d.writer, st.sql, args...)
		t.Logf("%s\n=> %s", strings.Join(strings.Fields(st.sql), " "), strings.Join(plan, " | "))
		for _, line := range plan {
			if scansTable(line) {
				t.Errorf("%s\n%s", st.sql, strings.Join(plan, "\n"))
			}
		}
	}
	is.True(len(statements) > 30) // every statement was looked at
}

// scansTable reports whether a line of a query plan reads a whole table.
// The ID list of a batch query (json_each), the one constant row that fact
// queries join from, that row's subquery, and the counter over the records
// of a batch of events (event_rows) are not tables.
func scansTable(line string) bool {
	return strings.HasPrefix(line, "SCAN ") &&
		!strings.HasPrefix(line, "SCAN json_each VIRTUAL TABLE") &&
		line != "SCAN CONSTANT ROW" && line != "SCAN event_rows" &&
		!strings.HasPrefix(line, "SCAN (subquery-")
}

// namedParam matches the named parameters of a statement.
var namedParam = regexp.MustCompile(`:([a-z]+)`)

// queryPlan returns the detail lines of EXPLAIN QUERY PLAN for query.
func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// populate fills s with n channels in each of three organisations, a third
// of them grouped, with members, and n channel groups in one workspace.
func populate(t testing.TB, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	ws := uuid.New()
	for o := range 3 {
		org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: fmt.Sprint("org ", o)})
		if err != nil {
			t.Fatal(err)
		}
		var groups []grouping.Group
		for i := range 10 {
			g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
			if err != nil {
				t.Fatal(err)
			}
			groups = append(groups, g)
		}
		for i := range n {
			ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{
				ID: uuid.New(), OrganisationID: org.ID, Name: fmt.Sprint("channel ", i),
				OwnerID: uuid.New(), Archived: i%7 == 0,
				CreatedAt: time.UnixMilli(int64(1_700_000_000_000 + i)),
				Users:     []uuid.UUID{uuid.New(), uuid.New(), uuid.New()},
			})
			if err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				if err := s.AssignChannel(ctx, org.ID, groups[i%len(groups)].ID, ch.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for i := range n {
		_, err := s.AttachChannel(ctx, ws, uuid.New(), grouping.ChannelGroupAttach{
			PlatformID: []string{"whatsapp", "telegram"}[i%2], PlatformGroupID: fmt.Sprint(i % (n / 3)),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestPageArgsStartBeforeEveryRow(t *testing.T) {
	is := is.New(t)
	args := pageArgs(driver.Page{Limit: 10})
	is.Equal(args[0].(sql.NamedArg).Value, int64(math.MinInt64)) // no position is smaller
	is.Equal(args[1].(sql.NamedArg).Value, int64(math.MinInt64)) // no time is smaller
	is.Equal(args[2].(sql.NamedArg).Value, "")                   // every ID sorts after the empty string
	is.Equal(args[3].(sql.NamedArg).Value, 11)                   // one row more than the limit
}
