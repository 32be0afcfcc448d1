package postgres

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/matryer/is"
)

// listQuery is one list statement as the store runs it, with arguments of
// the right types, and the index that must serve its main table.
type listQuery struct {
	name      string
	st        *statement
	args      []any
	table     string // the alias of the table read in list order
	index     string // or indexes, separated by |
	paginated bool   // a list that grows with its tenant: read in index order, no sort allowed
}

func listQueries(org, group, ws uuid.UUID) []listQuery {
	page := func(cols keyColumns, args ...any) []any {
		return append(args, pageArgs(driver.Page{Limit: grouping.MaxLimit}, cols)...)
	}
	return []listQuery{
		{"ListGroups", sqlListGroups, page(posTimeID, org), "g", "groups_list", true},
		// Filtered by archived state: its own index, or the unfiltered one,
		// in order, and a filter.
		{"ListGroups/archived", sqlListGroupsArchived, page(posTimeID, org, true), "g", "groups_archived_list|groups_list", true},
		// A group's channels may be sorted: the sort is bounded by the
		// group, and for groups of a few thousand channels the server
		// finds it cheaper than reading the heap in index order.
		{"ListGroupChannels", sqlListGroupChannels, page(posID, org, group, false), "c", "channels_group", false},
		{"ListUngroupedChannels", sqlListUngroupedChannels, page(timeID, org, false), "c", "channels_ungrouped", true},
		{"ListDiscoverableChannels", sqlListDiscoverableChannels, page(timeID, org, true, uuid.New()), "c", "channels_live", true},
		{"ListChannelGroups", sqlListChannelGroups, page(timeID, ws), "cg", "channel_groups_list", true},
		{"ListChannelGroups/platform", sqlListPlatformChannelGroups, page(timeID, ws, "whatsapp"), "cg", "channel_groups_platform_list", true},
		{"GroupsChannels", sqlGroupsChannels, []any{[]uuid.UUID{group, uuid.New()}}, "c", "channels_group", false},
		{"Events", sqlEvents, []any{int16(grouping.OrganisationTenant), org, int64(100), grouping.MaxEventLimit + 1}, "e", "events_pkey", true},
	}
}

// TestListQueriesUseIndexes checks the plan of every list on a database
// with data and statistics: each table is searched through an index (a
// sequential scan would read the whole table, however small the page),
// the main table through the list's own index, and paginated lists come in
// index order without a sort. Both plans the server may use for a prepared
// statement are checked: the one made for the arguments of a call, and
// the generic one it switches to after a few calls.
func TestListQueriesUseIndexes(t *testing.T) {
	s := openTestStore(t)
	org, group, ws := populate(t, s)
	for _, generic := range []bool{false, true} {
		for _, q := range listQueries(org, group, ws) {
			t.Run(fmt.Sprintf("%s/generic=%v", q.name, generic), func(t *testing.T) {
				is := is.New(t)
				plan := explain(t, s, q.st, generic, q.args...)
				var lines []string
				walkPlan(plan, 0, func(n planNode, depth int) {
					lines = append(lines, fmt.Sprintf("%s%s %s %s %s", strings.Repeat("  ", depth), n.Type, n.Relation, n.Alias, n.Index))
				})
				t.Logf("\n%s", strings.Join(lines, "\n"))
				var main *planNode
				walkPlan(plan, 0, func(n planNode, _ int) {
					is.True(n.Type != "Seq Scan") // no table is read whole
					if q.paginated {
						is.True(n.Type != "Sort" && n.Type != "Incremental Sort") // the page comes in index order
					}
					if n.Alias == q.table && main == nil {
						main = &n
						if n.Type == "Bitmap Heap Scan" {
							main.Index = n.Plans[0].Index // the Bitmap Index Scan below
						}
					}
				})
				is.True(main != nil)                                              // the main table is read
				is.True(slices.Contains(strings.Split(q.index, "|"), main.Index)) // through its index
			})
		}
	}
}

// literal writes an argument of the list statements as a SQL literal.
func literal(t *testing.T, a any) string {
	switch v := a.(type) {
	case uuid.UUID:
		return "'" + v.String() + "'::uuid"
	case []uuid.UUID:
		parts := make([]string, len(v))
		for i, id := range v {
			parts[i] = literal(t, id)
		}
		return "ARRAY[" + strings.Join(parts, ", ") + "]::uuid[]"
	case *bool:
		if v == nil {
			return "NULL::boolean"
		}
		return fmt.Sprint(*v)
	case bool, int, int16, int64:
		return fmt.Sprint(v)
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case pgtype.Timestamptz:
		if v.InfinityModifier == pgtype.NegativeInfinity {
			return "'-infinity'::timestamptz"
		}
		return "'" + v.Time.Format(time.RFC3339Nano) + "'::timestamptz"
	}
	t.Fatalf("no literal for %T", a)
	return ""
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	Type     string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Alias    string     `json:"Alias"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

func walkPlan(n planNode, depth int, fn func(planNode, int)) {
	fn(n, depth)
	for _, c := range n.Plans {
		walkPlan(c, depth+1, fn)
	}
}

// explain returns the plan of st for args: the custom plan, or with
// generic the plan made without looking at the arguments.
func explain(t *testing.T, s *Store, st *statement, generic bool, args ...any) planNode {
	t.Helper()
	ctx := t.Context()
	conn, err := s.d.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	c := conn.Conn()
	var raw []byte
	if generic {
		if _, err := c.Exec(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
			t.Fatal(err)
		}
		defer c.Exec(ctx, "RESET plan_cache_mode")
		name := "explain_" + strings.ReplaceAll(uuid.NewString(), "-", "")
		if _, err := c.Prepare(ctx, name, s.d.sql[st.index]); err != nil {
			t.Fatal(err)
		}
		defer c.Deallocate(ctx, name)
		params := make([]string, len(args))
		for i, a := range args {
			params[i] = literal(t, a)
		}
		err = c.QueryRow(ctx, "EXPLAIN (FORMAT JSON) EXECUTE "+name+"("+strings.Join(params, ", ")+")").Scan(&raw)
	} else {
		err = c.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+s.d.sql[st.index], args...).Scan(&raw)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", raw, err)
	}
	return out[0].Plan
}

// populate fills the store's schema with data shaped like a real
// deployment's: 10,000 organisations and workspaces with little in them,
// and one large organisation (5,000 groups, 20,000 channels, a third of
// them grouped, half of those in one group, two members each) and one large workspace (20,000 channel
// groups); it gathers statistics and returns the large organisation, one
// of its groups that has channels, and the large workspace. The plans the
// server picks depend on the sizes it sees: on a handful of rows reading a
// whole table is cheapest, and that is not what the test is about.
func populate(t *testing.T, s *Store) (org, group, ws uuid.UUID) {
	t.Helper()
	ctx := t.Context()
	org, ws = uuid.New(), uuid.New()
	stmts := []struct {
		sql string
		arg any
	}{
		// Bulk loading: no triggers, no foreign key checks.
		{`SET session_replication_role = replica`, nil},
		{`INSERT INTO {{schema}}.organisations (id, name, created_at)
			SELECT CASE WHEN i = 0 THEN $1::uuid ELSE gen_random_uuid() END, 'org ' || i, now()
			FROM generate_series(0, 9999) AS i`, org},
		{`INSERT INTO {{schema}}.groups (id, organisation_id, name, name_key, description, archived, position, version, created_at, updated_at)
			SELECT gen_random_uuid(), o.id, 'group ' || i, 'GROUP ' || i, '', i % 2 = 1, i, 1, now(), now()
			FROM {{schema}}.organisations AS o
				CROSS JOIN LATERAL generate_series(0, CASE WHEN o.id = $1 THEN 4999 ELSE 1 END) AS i`, org},
		{`INSERT INTO {{schema}}.channels (id, organisation_id, name, description, owner_id, archived, message_count, created_at, deleted_at)
			SELECT gen_random_uuid(), o.id, 'channel ' || i, '', gen_random_uuid(), i % 7 = 0, i,
				now() - i * interval '1 second', CASE WHEN i % 11 = 0 THEN now() END
			FROM {{schema}}.organisations AS o
				CROSS JOIN LATERAL generate_series(1, CASE WHEN o.id = $1 THEN 20000 ELSE 2 END) AS i`, org},
		{`WITH numbered AS (
			SELECT c.id, c.organisation_id, row_number() OVER (PARTITION BY c.organisation_id ORDER BY c.id) AS n
			FROM {{schema}}.channels AS c WHERE c.deleted_at IS NULL)
		UPDATE {{schema}}.channels AS c SET group_id = g.id, group_position = n.n
		FROM numbered AS n JOIN {{schema}}.groups AS g ON g.organisation_id = n.organisation_id
			AND g.position = CASE WHEN n.n % 2 = 0 THEN 0 ELSE n.n % 50 END
		WHERE c.id = n.id AND n.n % 3 = 0`, nil},
		{`INSERT INTO {{schema}}.channel_members (channel_id, user_id)
			SELECT c.id, gen_random_uuid() FROM {{schema}}.channels AS c, generate_series(1, 2)`, nil},
		{`INSERT INTO {{schema}}.workspaces (id)
			SELECT CASE WHEN i = 0 THEN $1::uuid ELSE gen_random_uuid() END FROM generate_series(0, 9999) AS i`, ws},
		{`INSERT INTO {{schema}}.channel_groups (id, workspace_id, platform_id, platform_group_id, platform_group_name, created_at, updated_at)
			SELECT gen_random_uuid(), w.id, CASE WHEN i % 2 = 0 THEN 'whatsapp' ELSE 'telegram' END, 'account ' || i, 'name',
				now() - i * interval '1 second', now()
			FROM {{schema}}.workspaces AS w
				CROSS JOIN LATERAL generate_series(1, CASE WHEN w.id = $1 THEN 20000 ELSE 1 END) AS i`, ws},
		{`INSERT INTO {{schema}}.channel_group_channels (workspace_id, channel_id, channel_group_id, position)
			SELECT cg.workspace_id, gen_random_uuid(), cg.id, 0 FROM {{schema}}.channel_groups AS cg`, nil},
		// Events: 10 of each organisation, 50,000 of the large one, 5 of
		// each workspace, and consumers of every tenth tenant.
		{`INSERT INTO {{schema}}.event_counters (tenant_kind, tenant_id, last_seq)
			SELECT 1, o.id, CASE WHEN o.id = $1 THEN 50000 ELSE 10 END FROM {{schema}}.organisations AS o
			UNION ALL SELECT 2, w.id, 5 FROM {{schema}}.workspaces AS w`, org},
		{`INSERT INTO {{schema}}.events (tenant_kind, tenant_id, seq, id, type, time, data)
			SELECT n.tenant_kind, n.tenant_id, i, gen_random_uuid(), 'group.created',
				now() - (n.last_seq - i) * interval '1 second', convert_to('{"group":{}}', 'UTF8')
			FROM {{schema}}.event_counters AS n CROSS JOIN LATERAL generate_series(1, n.last_seq) AS i`, nil},
		{`INSERT INTO {{schema}}.event_consumers (tenant_kind, tenant_id, name, position, active, updated_at)
			SELECT n.tenant_kind, n.tenant_id, 'webhook', n.last_seq / 2, true, now()
			FROM {{schema}}.event_counters AS n WHERE n.tenant_id = $1 OR get_byte(uuid_send(n.tenant_id), 0) < 26`, org},
		{`RESET session_replication_role`, nil},
		{`ANALYZE`, nil},
	}
	conn, err := s.d.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, st := range stmts {
		var args []any
		if st.arg != nil {
			args = []any{st.arg}
		}
		if _, err := conn.Exec(ctx, inSchema(st.sql, s.d.quoted), args...); err != nil {
			t.Fatalf("%s: %v", st.sql, err)
		}
	}
	err = conn.QueryRow(ctx, inSchema(`SELECT c.group_id FROM {{schema}}.channels AS c
		WHERE c.organisation_id = $1 AND c.group_position = 6`, s.d.quoted), org).Scan(&group)
	if err != nil {
		t.Fatal(err)
	}
	return org, group, ws
}

// TestNoStatementScansATable checks the plan of every statement of the
// store, lists and all others, on the data of populate: none reads a whole
// table.
func TestNoStatementScansATable(t *testing.T) {
	s := openTestStore(t)
	org, group, ws := populate(t, s)
	named := make(map[*statement][]any)
	for _, q := range listQueries(org, group, ws) {
		named[q.st] = q.args
	}
	ids := []uuid.UUID{uuid.New(), uuid.New()}
	for _, st := range statements {
		args, ok := named[st]
		if !ok {
			args = sampleArgs(t, s, st, org, ids)
		}
		plan := explain(t, s, st, false, args...)
		walkPlan(plan, 0, func(n planNode, _ int) {
			if n.Type == "Seq Scan" {
				t.Errorf("%s\nreads table %s whole", st.sql, n.Relation)
			}
		})
	}
	is.New(t).True(len(statements) > 30) // every statement was looked at
}

// sampleArgs returns arguments of the types st takes, as the server
// describes its parameters.
func sampleArgs(t *testing.T, s *Store, st *statement, org uuid.UUID, ids []uuid.UUID) []any {
	t.Helper()
	conn, err := s.d.pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	sd, err := conn.Conn().Prepare(t.Context(), "", s.d.sql[st.index])
	if err != nil {
		t.Fatalf("%s: %v", st.sql, err)
	}
	args := make([]any, len(sd.ParamOIDs))
	for i, oid := range sd.ParamOIDs {
		switch oid {
		case 2950: // uuid
			args[i] = org
		case 2951: // uuid[]
			args[i] = ids
		case 16: // boolean
			args[i] = false
		case 21: // smallint: a tenant kind
			args[i] = int16(grouping.OrganisationTenant)
		case 17: // bytea
			args[i] = []byte(`{}`)
		case 1001: // bytea[]
			args[i] = [][]byte{[]byte(`{}`)}
		case 1009: // text[]
			args[i] = []string{"x"}
		case 1185: // timestamptz[]
			args[i] = []time.Time{time.Now()}
		case 20, 23: // bigint, integer
			args[i] = 1
		case 1184: // timestamptz
			args[i] = time.Now()
		default: // text
			args[i] = "x"
		}
	}
	return args
}
