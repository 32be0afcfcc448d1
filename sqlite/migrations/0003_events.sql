-- Schema version 3: change events (an outbox written in the same transaction
-- as the change), the tenants that have them, and the positions of their
-- consumers.
--
-- A tenant is (tenant_kind, tenant_id): kind 1 is an organisation, kind 2 a
-- workspace (grouping.TenantKind); tenant_id is its UUID text.

-- Every tenant that has had events, under a number of its own, and the
-- sequence number up to which its events were pruned (0 until they are). A
-- tenant's next sequence number is one more than the larger of its newest
-- event's and pruned_seq, so that a number pruned is never handed out
-- again; pruned_seq only grows. A row is written for a tenant's first event
-- and by pruning, never by other appends.
CREATE TABLE event_tenants (
	num         INTEGER PRIMARY KEY,
	tenant_kind INTEGER NOT NULL CHECK (tenant_kind IN (1, 2)),
	tenant_id   TEXT    NOT NULL,
	pruned_seq  INTEGER NOT NULL DEFAULT 0 CHECK (pruned_seq >= 0),
	UNIQUE (tenant_kind, tenant_id)
) STRICT;

-- The events of every tenant, in the order they were appended (pos), each
-- with its tenant's number and its sequence number in the tenant. data is
-- the event's JSON exactly as the engine built it.
--
-- Appends go to the end of the table whatever the tenant, where SQLite
-- adds a page without rebalancing the pages before it, and the index on
-- (tenant_num, seq) has small entries: an event adds about two pages to its
-- commit (more when it is larger than a page), however many tenants there
-- are. Rows kept in tenant order would be inserted amid other tenants' rows,
-- where SQLite rebalances full pages: measured, two and a half to nearly
-- four pages an event of a few hundred bytes. The driver writes tenant_num
-- from event_tenants in the same transaction; no foreign key checks it, to
-- spare each append a lookup.
CREATE TABLE events (
	pos        INTEGER PRIMARY KEY,
	tenant_num INTEGER NOT NULL,
	seq        INTEGER NOT NULL CHECK (seq >= 1),
	id         TEXT    NOT NULL,
	type       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	data       TEXT    NOT NULL
) STRICT;

-- A tenant's events in sequence order: reading a page after a sequence,
-- finding a tenant's oldest and newest event, pruning its oldest.
CREATE UNIQUE INDEX events_tenant ON events (tenant_num, seq);

-- The durable reading positions of named consumers of a tenant's events.
-- Pruning reads the active ones of a tenant through the primary key.
CREATE TABLE event_consumers (
	tenant_kind INTEGER NOT NULL CHECK (tenant_kind IN (1, 2)),
	tenant_id   TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	position    INTEGER NOT NULL CHECK (position >= 0),
	active      INTEGER NOT NULL CHECK (active IN (0, 1)),
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (tenant_kind, tenant_id, name)
) STRICT, WITHOUT ROWID;
