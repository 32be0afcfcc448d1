package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/storeutil"
	"github.com/google/uuid"
)

// UpsertChannel creates the channel in its organisation or updates it.
func (s *Store) UpsertChannel(ctx context.Context, up grouping.ChannelUpsert) (grouping.Channel, error) {
	up, err := up.Validate()
	if err != nil {
		return grouping.Channel{}, err
	}
	return inTx(ctx, s.beginWrite, up.OrganisationID, func(tx *tx) (grouping.Channel, error) {
		if err := upsertChannel(ctx, tx, up); err != nil {
			return grouping.Channel{}, err
		}
		return findChannelWithUsers(ctx, tx, up.OrganisationID, up.ID)
	})
}

// upsertChannel writes the channel and, when up.Users is set, its members.
func upsertChannel(ctx context.Context, tx *tx, up grouping.ChannelUpsert) error {
	var (
		orgID   uuid.UUID
		deleted sql.NullInt64
	)
	err := tx.queryRow(ctx, sqlChannelState, up.ID).Scan(&orgID, &deleted)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		created := tx.now
		if !up.CreatedAt.IsZero() {
			created = up.CreatedAt.UnixMilli()
		}
		_, err = tx.exec(ctx, sqlInsertChannel, up.ID, up.OrganisationID, up.Name, up.Description, up.OwnerID,
			up.Archived, up.MessageCount, created)
		if err != nil {
			return internal("insert channel", err)
		}
	case err != nil:
		return internal("find channel", err)
	case orgID != up.OrganisationID:
		return storeutil.ErrChannelOtherOrg
	case deleted.Valid:
		return storeutil.ErrChannelDeleted
	default:
		// A zero CreatedAt leaves the stored creation time as it is.
		var created sql.NullInt64
		if !up.CreatedAt.IsZero() {
			created = sql.NullInt64{Int64: up.CreatedAt.UnixMilli(), Valid: true}
		}
		_, err = tx.exec(ctx, sqlUpdateChannel,
			up.Name, up.Description, up.OwnerID, up.Archived, up.MessageCount, created, up.ID)
		if err != nil {
			return internal("update channel", err)
		}
	}
	if up.Users == nil {
		return nil
	}
	return replaceMembers(ctx, tx, up.ID, up.Users)
}

// replaceMembers makes users the channel's exact membership.
func replaceMembers(ctx context.Context, tx *tx, channelID uuid.UUID, users []uuid.UUID) error {
	if _, err := tx.exec(ctx, sqlDeleteOtherMembers, channelID, idArray(users)); err != nil {
		return internal("replace channel members", err)
	}
	if _, err := tx.exec(ctx, sqlInsertMembers, channelID, idArray(users)); err != nil {
		return internal("replace channel members", err)
	}
	return nil
}

// GetChannel returns a channel with its members.
func (s *Store) GetChannel(ctx context.Context, orgID, channelID uuid.UUID) (grouping.Channel, error) {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.ChannelID(channelID)); err != nil {
		return grouping.Channel{}, err
	}
	return inTx(ctx, s.beginRead, orgID, func(tx *tx) (grouping.Channel, error) { return findChannelWithUsers(ctx, tx, orgID, channelID) })
}

// findChannel returns a live channel of the organisation, or NotFound.
func findChannel(ctx context.Context, tx *tx, orgID, channelID uuid.UUID) (grouping.Channel, error) {
	ch, _, err := scanChannel(tx.queryRow(ctx, sqlFindChannel, channelID, orgID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return grouping.Channel{}, storeutil.ErrChannelNotFound
	case err != nil:
		return grouping.Channel{}, internal("find channel", err)
	}
	return ch, nil
}

// findChannelWithUsers is findChannel with the channel's members filled in.
func findChannelWithUsers(ctx context.Context, tx *tx, orgID, channelID uuid.UUID) (grouping.Channel, error) {
	ch, err := findChannel(ctx, tx, orgID, channelID)
	if err != nil {
		return grouping.Channel{}, err
	}
	rows, err := tx.query(ctx, sqlChannelMembers, channelID)
	if err != nil {
		return grouping.Channel{}, internal("list channel members", err)
	}
	defer rows.Close()
	ch.Users = make([]uuid.UUID, 0, ch.UserCount)
	for rows.Next() {
		var u uuid.UUID
		if err := rows.Scan(&u); err != nil {
			return grouping.Channel{}, internal("list channel members", err)
		}
		ch.Users = append(ch.Users, u)
	}
	if err := rows.Err(); err != nil {
		return grouping.Channel{}, internal("list channel members", err)
	}
	return ch, nil
}

// DeleteChannel soft-deletes a channel and takes it out of its group.
func (s *Store) DeleteChannel(ctx context.Context, orgID, channelID uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.ChannelID(channelID)); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return deleteChannel(ctx, tx, orgID, channelID) })
}

func deleteChannel(ctx context.Context, tx *tx, orgID, channelID uuid.UUID) error {
	res, err := tx.exec(ctx, sqlDeleteChannel, tx.now, channelID, orgID)
	if err != nil {
		return internal("delete channel", err)
	}
	return oneRow(res, storeutil.ErrChannelNotFound, "delete channel")
}

// AddChannelMember makes userID a member of the channel.
func (s *Store) AddChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.ChannelID(channelID), storeutil.UserID(userID)); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return addChannelMember(ctx, tx, orgID, channelID, userID) })
}

func addChannelMember(ctx context.Context, tx *tx, orgID, channelID, userID uuid.UUID) error {
	if _, err := findChannel(ctx, tx, orgID, channelID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, sqlAddMember, channelID, userID)
	return internal("add channel member", err)
}

// RemoveChannelMember ends userID's membership of the channel.
func (s *Store) RemoveChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.ChannelID(channelID), storeutil.UserID(userID)); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return removeChannelMember(ctx, tx, orgID, channelID, userID) })
}

func removeChannelMember(ctx context.Context, tx *tx, orgID, channelID, userID uuid.UUID) error {
	if _, err := findChannel(ctx, tx, orgID, channelID); err != nil {
		return err
	}
	res, err := tx.exec(ctx, sqlRemoveMember, channelID, userID)
	if err != nil {
		return internal("remove channel member", err)
	}
	return oneRow(res, storeutil.ErrMemberNotFound, "remove channel member")
}

// ListUngroupedChannels lists the organisation's channels that are in no
// group, by creation time, then ID.
func (s *Store) ListUngroupedChannels(ctx context.Context, orgID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	p, err := newPager(storeutil.UngroupedScope(orgID, opts.IncludeArchived), opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	return inTx(ctx, s.beginRead, orgID, func(tx *tx) (grouping.Page[grouping.Channel], error) {
		return listChannels(ctx, tx, p, sqlListUngroupedChannels, byCreation,
			sql.Named("org", orgID), sql.Named("archived", opts.IncludeArchived))
	})
}

// ListDiscoverableChannels lists the organisation's channels of which userID
// is not a member, by creation time, then ID.
func (s *Store) ListDiscoverableChannels(ctx context.Context, orgID, userID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := storeutil.CheckIDs(storeutil.UserID(userID), storeutil.OrgID(orgID)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	p, err := newPager(storeutil.DiscoverableScope(orgID, userID, opts.IncludeArchived), opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	return inTx(ctx, s.beginRead, orgID, func(tx *tx) (grouping.Page[grouping.Channel], error) {
		return listChannels(ctx, tx, p, sqlListDiscoverableChannels, byCreation,
			sql.Named("org", orgID), sql.Named("user", userID), sql.Named("archived", opts.IncludeArchived))
	})
}

// channelKey returns the sort key of a channel in a list; pos is its
// position in its group.
type channelKey func(ch grouping.Channel, pos int64) storeutil.Key

// byCreation is the key of the lists ordered by creation time, then ID.
func byCreation(ch grouping.Channel, _ int64) storeutil.Key {
	return storeutil.Key{Time: ch.CreatedAt.UnixMilli(), ID: ch.ID}
}

// byGroupPosition is the key of a group's channel list.
func byGroupPosition(ch grouping.Channel, pos int64) storeutil.Key {
	return storeutil.Key{Pos: pos, ID: ch.ID}
}

// listChannels runs one of the paginated channel list queries.
func listChannels(ctx context.Context, tx *tx, p pager, query *statement, key channelKey, args ...any) (grouping.Page[grouping.Channel], error) {
	rows, err := tx.query(ctx, query, append(args, p.args()...)...)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, internal("list channels", err)
	}
	defer rows.Close()
	items := make([]grouping.Channel, 0, min(p.Limit, 64))
	var last storeutil.Key
	for rows.Next() {
		if len(items) == p.Limit {
			return grouping.Page[grouping.Channel]{Items: items, NextCursor: p.Next(last)}, nil
		}
		ch, pos, err := scanChannel(rows)
		if err != nil {
			return grouping.Page[grouping.Channel]{}, internal("list channels", err)
		}
		items = append(items, ch)
		last = key(ch, pos)
	}
	if err := rows.Err(); err != nil {
		return grouping.Page[grouping.Channel]{}, internal("list channels", err)
	}
	return grouping.Page[grouping.Channel]{Items: items}, nil
}

// scanner is a row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanChannel reads the channelColumns of one row. It also returns the
// channel's position in its group (0 when it is in none).
func scanChannel(sc scanner) (grouping.Channel, int64, error) {
	var (
		ch       grouping.Channel
		groupID  uuid.NullUUID
		position sql.NullInt64
		created  int64
		deleted  sql.NullInt64
	)
	err := sc.Scan(&ch.ID, &ch.OrganisationID, &ch.Name, &ch.Description, &ch.OwnerID,
		&ch.UserCount, &ch.MessageCount, &ch.Archived, &groupID, &position,
		&created, &deleted)
	if err != nil {
		return grouping.Channel{}, 0, err
	}
	if groupID.Valid {
		ch.GroupID = &groupID.UUID
	}
	ch.CreatedAt = fromMillis(created)
	ch.DeletedAt = fromNullMillis(deleted)
	return ch, position.Int64, nil
}
