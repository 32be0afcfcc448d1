package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"regexp"
	"slices"
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
	// merged are the indexes of the other ranges a merge reads (the plan
	// must merge them, with EXCEPT, without sorting any), each searched
	// once, then the index the page's rows are looked up with.
	merged []string
	// links, when set, is the search of the channel links each item's
	// subquery must make: all of its key, in the list's order.
	links string
}

// channelGroupLinks is the search of a channel group's links in the plan of
// a list of channel groups.
const channelGroupLinks = "SEARCH l USING COVERING INDEX channel_group_channels_order (workspace_id=? AND cg_created_at=? AND channel_group_id=?)"

func listQueries() []listQuery {
	id := uuid.New()
	ids := sql.Named("groups", idArray([]uuid.UUID{uuid.New(), uuid.New()}))
	page := func(args ...any) []any {
		return append(args, pageArgs(driver.Page{Limit: grouping.MaxLimit})...)
	}
	return []listQuery{
		{"ListGroups", sqlListGroups,
			page(sql.Named("org", id), sql.Named("archived", sql.NullBool{})), "groups_list", true, nil, ""},
		{"ListGroups/archived", sqlListGroups,
			page(sql.Named("org", id), sql.Named("archived", sql.NullBool{Bool: true, Valid: true})), "groups_list", true, nil, ""},
		{"ListGroupChannels", sqlListGroupChannels,
			page(sql.Named("group", id), sql.Named("org", id), sql.Named("archived", false)), "channels_group", true, nil, ""},
		{"ListUngroupedChannels", sqlListUngroupedChannels,
			page(sql.Named("org", id), sql.Named("archived", false)), "channels_ungrouped", true, nil, ""},
		{"ListDiscoverableChannels", sqlListDiscoverableChannels,
			page(sql.Named("org", id), sql.Named("user", id), sql.Named("archived", false)), "channels_org", true,
			[]string{"channel_members_user", "channels_archived", "channels_org"}, ""},
		{"ListDiscoverableChannels/archived", sqlListDiscoverableChannels,
			page(sql.Named("org", id), sql.Named("user", id), sql.Named("archived", true)), "channels_org", true,
			[]string{"channel_members_user", "channels_archived", "channels_org"}, ""},
		{"ListChannelGroups", sqlListChannelGroups,
			page(sql.Named("ws", id)), "PRIMARY KEY", true, nil, channelGroupLinks},
		{"ListChannelGroups/platform", sqlListPlatformChannelGroups,
			page(sql.Named("ws", id), sql.Named("platform", "whatsapp")), "channel_groups_platform_list", true, nil, channelGroupLinks},
		{"GroupsChannels", sqlGroupsChannels, []any{ids}, "channels_group", false, nil, ""},
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
				subqueries := planSubqueries(plan)
				var searches []string // the lines that read a table
				for _, line := range plan {
					is.True(!scansTableOf(line, subqueries)) // no table is read whole
					if q.paginated && !strings.HasSuffix(line, "FOR group_concat(ORDER BY)") {
						is.True(!strings.Contains(line, "TEMP B-TREE")) // the page comes in index order, unsorted (only an item's own ID list is sorted)
					}
					if strings.HasPrefix(line, "SEARCH ") || strings.HasPrefix(line, "SCAN ") && !subqueries[strings.TrimPrefix(line, "SCAN ")] {
						searches = append(searches, line)
					}
				}
				is.True(len(searches) > len(q.merged))   // the main range, then each of the others
				is.True(usesIndex(searches[0], q.index)) // served by its index
				if q.links != "" {
					is.True(slices.Contains(plan, q.links)) // each item's links by their whole key, in the list's order
				}
				if len(q.merged) > 0 {
					is.True(slices.Contains(plan, "MERGE (EXCEPT)")) // the ranges are merged in their order
					for i, index := range q.merged {
						is.True(usesIndex(searches[1+i], index)) // each of the other ranges, then the page's rows, by its index
					}
				}
			})
		}
	}
	t.Run("empty", check)
	populate(t, s, 60)
	_, err := s.d.w.conn.ExecContext(t.Context(), "ANALYZE")
	is.New(t).NoErr(err) // gather statistics
	t.Run("analysed", check)
}

// TestNoStatementScansATable checks the plan of every statement of the
// store, lists and all others: none reads a whole table.
func TestNoStatementScansATable(t *testing.T) {
	is := is.New(t)
	s := openTestStore(t)
	populate(t, s, 30)
	_, err := s.d.w.conn.ExecContext(t.Context(), "ANALYZE")
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
		plan := queryPlan(t, s.d.w.conn, st.sql, args...)
		t.Logf("%s\n=> %s", strings.Join(strings.Fields(st.sql), " "), strings.Join(plan, " | "))
		subqueries := planSubqueries(plan)
		for _, line := range plan {
			if scansTableOf(line, subqueries) {
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

// scansTableOf is scansTable for a line of a plan whose subqueries, by
// name, run as co-routines or are materialised: reading the rows one of
// them yields is not reading a table either.
func scansTableOf(line string, subqueries map[string]bool) bool {
	return scansTable(line) && !subqueries[strings.TrimPrefix(line, "SCAN ")]
}

// planSubqueries returns the names of the subqueries a plan runs as
// co-routines or materialises, whose rows a SCAN line of the plan may
// read.
func planSubqueries(plan []string) map[string]bool {
	names := make(map[string]bool)
	for _, line := range plan {
		for _, prefix := range []string{"CO-ROUTINE ", "MATERIALIZE "} {
			if name, ok := strings.CutPrefix(line, prefix); ok {
				names[name] = true
			}
		}
	}
	return names
}

// usesIndex reports whether a line of a query plan searches a table with
// index.
func usesIndex(line, index string) bool {
	if index == "PRIMARY KEY" { // of a table without rowid
		return strings.Contains(line, "USING PRIMARY KEY ")
	}
	return strings.Contains(line, "USING INDEX "+index+" ") ||
		strings.Contains(line, "USING COVERING INDEX "+index+" ")
}

// namedParam matches the named parameters of a statement.
var namedParam = regexp.MustCompile(`:([a-z]+)`)

// queryPlan returns the detail lines of EXPLAIN QUERY PLAN for query.
func queryPlan(t *testing.T, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) []string {
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
				CreatedAt: time.UnixMilli(1_700_000_000_000 + int64(i)),
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
