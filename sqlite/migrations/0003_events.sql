-- Schema version 3: change events (an outbox written in the same transaction
-- as the change), the tenants that have them, and the positions of their
-- consumers.
--
-- A tenant is (tenant_kind, tenant_id): kind 1 is an organisation, kind 2 a
-- workspace (grouping.TenantKind); tenant_id is its UUID text.

-- Each tenant's events, in sequence order. The primary key is the only
-- index: reading a page after a sequence, finding a tenant's oldest or newest
-- event and pruning its oldest events are all ranges of it. data is the
-- event's JSON exactly as the engine built it.
CREATE TABLE events (
	tenant_kind INTEGER NOT NULL CHECK (tenant_kind IN (1, 2)),
	tenant_id   TEXT    NOT NULL,
	seq         INTEGER NOT NULL CHECK (seq >= 1),
	id          TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	data        TEXT    NOT NULL,
	PRIMARY KEY (tenant_kind, tenant_id, seq)
) STRICT, WITHOUT ROWID;

-- Every tenant that has had events, and the sequence number up to which
-- its events were pruned (0 until they are). A tenant's next sequence number
-- is one more than the larger of its newest event's and pruned_seq, so a
-- number pruned is never handed out again. pruned_seq only grows. Appending
-- writes here only for a tenant's first event: the newest event, a probe of
-- the primary key of events, is the counter the rest of the time.
CREATE TABLE event_tenants (
	tenant_kind INTEGER NOT NULL CHECK (tenant_kind IN (1, 2)),
	tenant_id   TEXT    NOT NULL,
	pruned_seq  INTEGER NOT NULL CHECK (pruned_seq >= 0),
	PRIMARY KEY (tenant_kind, tenant_id)
) STRICT, WITHOUT ROWID;

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
