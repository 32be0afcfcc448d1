package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The writes run after the fact read that locked the tenant, except those
// that can come first in a transaction (UpsertOrganisation, UnlinkChannel,
// DeleteChannelGroup), which lock it themselves.
//
// A write whose result the engine does not wait for (anything but an error)
// is deferred: it goes to the server with the transaction's next statement,
// or with COMMIT, in the same round trip (see txConn), so that a call that
// reads its facts, writes and appends its events makes two round trips. Its
// error, if any, comes back from that statement, or from the commit, and
// the transaction is rolled back. The errors the engine acts on are kept:
// the primary key violation of a channel insert is a retry wherever it
// comes back (see retryable), and a group's name key is written deferred
// only when the transaction has seen it free under the tenant's lock (see
// nameFree), so that a taken key is still reported by the call that writes
// it.

// UpsertOrganisation implements driver.Tx. An organisation the store
// knows (see knownOrganisations), or that the transaction upserted, is
// taken to be as known: the rename that checks it is deferred, and goes to
// the server with the events and COMMIT. Any other is upserted in one round
// trip: the insert of a new organisation, then the rename of an existing
// one, which locks its row and reads what it was (see
// sqlInsertOrganisation). When the insert made the row, the rename finds
// the transaction's own row, and its result is not needed.
//
// Either way the transaction holds the organisation's lock from then on:
// a deferred rename takes it before any statement sent after it runs.
func (t *pgTx) UpsertOrganisation(ctx context.Context, org grouping.Organisation, createdAt time.Time) (prev grouping.Organisation, existed bool, err error) {
	tn := grouping.OrganisationOf(org.ID)
	defer func() {
		if err == nil && !slices.Contains(t.locked, tn) {
			t.locked = append(t.locked, tn)
		}
	}()
	if k, ok := t.knownOrganisation(org.ID); ok {
		t.later(sqlRenameKnownOrganisation, org.ID, org.Name, k.name, k.createdAt)
		t.assumed = append(t.assumed, org.ID)
		t.upserted = append(t.upserted, knownOrganisation{id: org.ID, name: org.Name, createdAt: k.createdAt})
		return grouping.Organisation{ID: org.ID, Name: k.name, CreatedAt: k.createdAt}, true, nil
	}
	b := &pgx.Batch{}
	b.Queue(t.d.sql[sqlInsertOrganisation.index], org.ID, org.Name, createdAt)
	b.Queue(t.d.sql[sqlRenameOrganisation.index], org.ID, org.Name)
	br := t.tx.SendBatch(ctx, b)
	defer func() { err = errors.Join(err, br.Close()) }()
	var created time.Time
	inserted := true
	if err := br.QueryRow().Scan(&created); errors.Is(err, pgx.ErrNoRows) {
		inserted = false
	} else if err != nil {
		return grouping.Organisation{}, false, err
	}
	old := grouping.Organisation{ID: org.ID}
	if err := br.QueryRow().Scan(&old.Name, &old.CreatedAt); err != nil {
		return grouping.Organisation{}, false, err
	}
	if inserted {
		t.upserted = append(t.upserted, knownOrganisation{id: org.ID, name: org.Name, createdAt: createdAt})
		return grouping.Organisation{}, false, nil
	}
	old.CreatedAt = fromDB(old.CreatedAt)
	t.upserted = append(t.upserted, knownOrganisation{id: org.ID, name: org.Name, createdAt: old.CreatedAt})
	return old, true, nil
}

// knownOrganisation returns what the transaction knows of the organisation
// id: its own upsert of it, or else, when it may assume it, what the store
// knows.
func (t *pgTx) knownOrganisation(id uuid.UUID) (knownOrganisation, bool) {
	for i := len(t.upserted) - 1; i >= 0; i-- {
		if t.upserted[i].id == id {
			return t.upserted[i], true
		}
	}
	if !t.assume {
		return knownOrganisation{}, false
	}
	return t.d.known.get(id)
}

// InsertChannel implements driver.Tx. The organisation's lock does not
// cover a channel ID that another organisation's transaction inserts at
// the same moment; the primary key catches it, and the retry reads that
// channel.
func (t *pgTx) InsertChannel(ctx context.Context, ch driver.ChannelRecord) error {
	t.later(sqlInsertChannel, ch.ID, ch.OrganisationID, ch.Name, ch.Description, ch.OwnerID,
		ch.Archived, ch.MessageCount, ch.CreatedAt)
	return nil
}

// UpdateChannel implements driver.Tx.
func (t *pgTx) UpdateChannel(ctx context.Context, ch driver.ChannelRecord) error {
	var created *time.Time // NULL keeps the stored creation time
	if !ch.CreatedAt.IsZero() {
		created = &ch.CreatedAt
	}
	t.later(sqlUpdateChannel, ch.ID, ch.Name, ch.Description, ch.OwnerID, ch.Archived, ch.MessageCount, created)
	return nil
}

// SetMembers implements driver.Tx with two statements, deferred.
func (t *pgTx) SetMembers(ctx context.Context, channelID uuid.UUID, users []uuid.UUID) error {
	if users == nil {
		users = []uuid.UUID{}
	}
	t.later(sqlDeleteOtherMembers, channelID, users)
	t.later(sqlInsertMembers, channelID, users)
	return nil
}

// AddMember implements driver.Tx.
func (t *pgTx) AddMember(ctx context.Context, channelID, userID uuid.UUID) (bool, error) {
	return affected(t.exec(ctx, sqlAddMember, channelID, userID))
}

// RemoveMember implements driver.Tx.
func (t *pgTx) RemoveMember(ctx context.Context, channelID, userID uuid.UUID) (bool, error) {
	return affected(t.exec(ctx, sqlRemoveMember, channelID, userID))
}

var _ driver.MemberTx = (*pgTx)(nil)

// AddLiveMember implements driver.MemberTx: one statement, sent with the
// organisation's lock when the transaction does not hold it yet, so that
// a call that adds a member makes two round trips, where reading the
// channel's facts first makes three.
func (t *pgTx) AddLiveMember(ctx context.Context, orgID, channelID, userID uuid.UUID) (bool, error) {
	return t.changeLiveMember(ctx, sqlAddLiveMember, orgID, channelID, userID)
}

// RemoveLiveMember implements driver.MemberTx, as AddLiveMember.
func (t *pgTx) RemoveLiveMember(ctx context.Context, orgID, channelID, userID uuid.UUID) (bool, error) {
	return t.changeLiveMember(ctx, sqlRemoveLiveMember, orgID, channelID, userID)
}

// changeLiveMember runs sqlAddLiveMember or sqlRemoveLiveMember under the
// organisation's lock and reports whether it returned a row.
func (t *pgTx) changeLiveMember(ctx context.Context, st *statement, orgID, channelID, userID uuid.UUID) (changed bool, err error) {
	err = t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), st, []any{channelID, userID, orgID}, func(pgx.Rows) error {
		changed = true
		return nil
	})
	return changed, err
}

// affected reports whether a statement changed a row.
func affected(tag pgconn.CommandTag, err error) (bool, error) {
	return err == nil && tag.RowsAffected() > 0, err
}

// MarkChannelDeleted implements driver.Tx.
func (t *pgTx) MarkChannelDeleted(ctx context.Context, channelID uuid.UUID, at time.Time) error {
	t.later(sqlMarkChannelDeleted, channelID, at)
	return nil
}

// InsertGroup implements driver.Tx. The unique index on the name key of
// live groups is the last word on duplicates: the insert runs at once,
// unless the transaction has seen the key free (see nameFree).
func (t *pgTx) InsertGroup(ctx context.Context, g grouping.Group, nameKey string) error {
	args := []any{g.ID, g.OrganisationID, g.Name, nameKey, g.Description, g.Archived,
		g.Position, g.Version, g.CreatedAt, g.UpdatedAt}
	return t.writeName(ctx, g, nameKey, sqlInsertGroup, args)
}

// UpdateGroup implements driver.Tx. An update that keeps the name key
// (nameKey empty) cannot take another group's; one that changes it runs as
// InsertGroup does.
func (t *pgTx) UpdateGroup(ctx context.Context, g grouping.Group, nameKey string) error {
	args := []any{g.ID, g.Name, nameKey, g.Description, g.Archived, g.Version, g.UpdatedAt}
	if nameKey == "" {
		t.later(sqlUpdateGroup, args...)
		return nil
	}
	return t.writeName(ctx, g, nameKey, sqlUpdateGroup, args)
}

// writeName runs st, a write of g with the name key nameKey: deferred when
// the transaction has seen the key free for g, at once otherwise, so that
// the index's verdict comes back from this call.
func (t *pgTx) writeName(ctx context.Context, g grouping.Group, nameKey string, st *statement, args []any) error {
	if t.nameFree(g.OrganisationID, nameKey, g.ID) {
		t.later(st, args...)
	} else if _, err := t.exec(ctx, st, args...); err != nil {
		return nameKeyError(err)
	}
	// The key is now g's, whether it was free or not.
	t.names = nameFact{org: g.OrganisationID, key: nameKey, holder: g.ID, known: true}
	return nil
}

// nameFact is what the transaction knows of the holder of a group name
// key: the live group of org that held key when GroupState read it, under
// the organisation's lock, or the group the transaction gave it since.
type nameFact struct {
	org    uuid.UUID
	key    string
	holder uuid.UUID // uuid.Nil: none
	known  bool
}

// nameFree reports whether the transaction knows that no live group of org
// but group holds key. It holds the organisation's lock, so no other
// transaction of the engine can take the key before it ends.
func (t *pgTx) nameFree(org uuid.UUID, key string, group uuid.UUID) bool {
	n := t.names
	return n.known && n.org == org && n.key == key && (n.holder == uuid.Nil || n.holder == group) &&
		slices.Contains(t.locked, grouping.OrganisationOf(org))
}

// nameKeyError reports a violation of the unique name key index as
// driver.ErrNameTaken.
func nameKeyError(err error) error {
	if constraint(err) == "groups_name_key" {
		return fmt.Errorf("%w: %w", driver.ErrNameTaken, err)
	}
	return err
}

// constraint returns the name of the unique constraint or index that err
// reports violated, or "".
func constraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == pgUniqueViolation {
		return pe.ConstraintName
	}
	return ""
}

// MarkGroupDeleted implements driver.Tx.
func (t *pgTx) MarkGroupDeleted(ctx context.Context, groupID uuid.UUID, at time.Time) error {
	t.later(sqlMarkGroupDeleted, groupID, at)
	return nil
}

// SetGroupPositions implements driver.Tx, in one statement. Groups already
// in place are not written.
func (t *pgTx) SetGroupPositions(ctx context.Context, groupIDs []uuid.UUID) error {
	t.later(sqlSetGroupPositions, groupIDs)
	return nil
}

// PlaceChannel implements driver.Tx.
func (t *pgTx) PlaceChannel(ctx context.Context, channelID, groupID uuid.UUID, pos int64) error {
	t.later(sqlPlaceChannel, channelID, groupID, pos)
	return nil
}

// UnplaceChannel implements driver.Tx.
func (t *pgTx) UnplaceChannel(ctx context.Context, channelID uuid.UUID) error {
	t.later(sqlUnplaceChannel, channelID)
	return nil
}

// UngroupChannels implements driver.Tx.
func (t *pgTx) UngroupChannels(ctx context.Context, groupID uuid.UUID) error {
	t.later(sqlUngroupChannels, groupID)
	return nil
}

// SetChannelPositions implements driver.Tx, in one statement. Channels
// already in place are not written.
func (t *pgTx) SetChannelPositions(ctx context.Context, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	t.later(sqlSetChannelPositions, groupID, channelIDs)
	return nil
}

// InsertChannelGroup implements driver.Tx.
func (t *pgTx) InsertChannelGroup(ctx context.Context, cg grouping.ChannelGroup) error {
	// The engine has locked the workspace with its Attachment read, which
	// also makes the workspace's row; a caller that did not gets both here.
	if tn := grouping.WorkspaceOf(cg.WorkspaceID); !slices.Contains(t.locked, tn) {
		if _, err := t.exec(ctx, sqlLockNewWorkspace, cg.WorkspaceID); err != nil {
			return err
		}
		t.locked = append(t.locked, tn)
	}
	t.later(sqlInsertChannelGroup, cg.ID, cg.WorkspaceID, cg.PlatformID, cg.PlatformGroupID,
		cg.PlatformGroupName, cg.CreatedAt, cg.UpdatedAt)
	return nil
}

// UpdateChannelGroup implements driver.Tx.
func (t *pgTx) UpdateChannelGroup(ctx context.Context, id uuid.UUID, name string, updatedAt time.Time) error {
	t.later(sqlRenameChannelGroup, id, name, updatedAt)
	return nil
}

// TouchChannelGroup implements driver.Tx.
func (t *pgTx) TouchChannelGroup(ctx context.Context, id uuid.UUID, updatedAt time.Time) error {
	t.later(sqlTouchChannelGroup, id, updatedAt)
	return nil
}

// LinkChannel implements driver.Tx.
func (t *pgTx) LinkChannel(ctx context.Context, workspaceID, channelID, channelGroupID uuid.UUID, pos int64) error {
	t.later(sqlLinkChannel, workspaceID, channelID, channelGroupID, pos)
	t.link.forget(workspaceID, channelID)
	return nil
}

// UnlinkChannel implements driver.Tx; it locks the workspace first. When
// the transaction read the channel's channel group with Attachment, under
// the workspace's lock, and has not linked or unlinked it since, that is
// the group the delete finds: the delete is deferred and the group
// returned at once.
func (t *pgTx) UnlinkChannel(ctx context.Context, workspaceID, channelID uuid.UUID) (uuid.UUID, error) {
	if l := t.link; l.known && l.workspace == workspaceID && l.channel == channelID &&
		slices.Contains(t.locked, grouping.WorkspaceOf(workspaceID)) {
		t.later(sqlUnlinkChannel, workspaceID, channelID)
		t.link.group = uuid.Nil
		return l.group, nil
	}
	t.link.forget(workspaceID, channelID)
	var from uuid.UUID
	err := t.lockedQuery(ctx, sqlLockWorkspace, grouping.WorkspaceOf(workspaceID), sqlUnlinkChannel, []any{workspaceID, channelID}, func(rows pgx.Rows) error {
		return rows.Scan(&from)
	})
	return from, err
}

// DeleteChannelGroup implements driver.Tx; it locks the workspace first.
// The links go with it: ON DELETE CASCADE.
func (t *pgTx) DeleteChannelGroup(ctx context.Context, workspaceID, id uuid.UUID) (bool, error) {
	t.link = linkFact{} // its links go
	var deleted bool
	err := t.lockedQuery(ctx, sqlLockWorkspace, grouping.WorkspaceOf(workspaceID), sqlDeleteChannelGroup, []any{workspaceID, id}, func(rows pgx.Rows) error {
		deleted = true
		return nil
	})
	return deleted, err
}

// linkFact is what the transaction knows of the channel group a channel
// of a workspace is in: what Attachment read, under the workspace's lock,
// and what the transaction's own links and unlinks made of it since.
type linkFact struct {
	workspace, channel uuid.UUID
	group              uuid.UUID // uuid.Nil: none
	known              bool
}

// forget drops the fact when it is about the channel.
func (l *linkFact) forget(workspace, channel uuid.UUID) {
	if l.workspace == workspace && l.channel == channel {
		*l = linkFact{}
	}
}

// later defers a write whose result the engine does not wait for: it goes
// to the server with the transaction's next statement, or with COMMIT.
func (t *pgTx) later(st *statement, args ...any) {
	t.tx.deferStatement(t.d.sql[st.index], args...)
}
