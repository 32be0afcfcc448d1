-- Schema version 3: change events (a transactional outbox) and the
-- positions of their consumers.
--
-- A tenant is an organisation (tenant_kind 1) or a workspace (2), as
-- grouping.TenantKind numbers them.

-- Each tenant's last sequence number handed out. A write transaction adds
-- its events by updating this row, which it then holds locked until it
-- commits: the next transaction of the tenant waits for it, so that
-- sequence numbers are gapless and increase in commit order. Pruning
-- leaves the row, so a number is never handed out twice. Kept apart from
-- the tenant's lock row (organisations, workspaces) because events may be
-- appended for a tenant without one, and so that the row version each
-- append writes lands in this small table; the append comes last in its
-- transaction, so the row is locked for little more than the commit.
CREATE TABLE {{schema}}.event_counters (
	tenant_kind smallint NOT NULL CHECK (tenant_kind IN (1, 2)),
	tenant_id   uuid     NOT NULL,
	last_seq    bigint   NOT NULL CHECK (last_seq >= 0),
	PRIMARY KEY (tenant_kind, tenant_id)
);

-- The events. data is the JSON the engine wrote, kept as bytes: it is
-- handed back exactly as given, whatever the database's encoding, where
-- jsonb would reorder its keys and drop its spacing and text would be
-- converted between encodings. Read it with convert_from(data, 'UTF8').
-- The primary key serves reads after a sequence number and pruning from
-- the oldest.
CREATE TABLE {{schema}}.events (
	tenant_kind smallint    NOT NULL CHECK (tenant_kind IN (1, 2)),
	tenant_id   uuid        NOT NULL,
	seq         bigint      NOT NULL CHECK (seq >= 1),
	id          uuid        NOT NULL,
	type        text        NOT NULL,
	time        timestamptz NOT NULL,
	data        bytea       NOT NULL,
	PRIMARY KEY (tenant_kind, tenant_id, seq)
);

-- Named readers of a tenant's events and the last sequence each has
-- handled. Active consumers hold back pruning.
CREATE TABLE {{schema}}.event_consumers (
	tenant_kind smallint    NOT NULL CHECK (tenant_kind IN (1, 2)),
	tenant_id   uuid        NOT NULL,
	name        text        NOT NULL,
	position    bigint      NOT NULL CHECK (position >= 0),
	active      boolean     NOT NULL,
	updated_at  timestamptz NOT NULL,
	PRIMARY KEY (tenant_kind, tenant_id, name)
);
