package engine

import (
	"bytes"
	"context"
	"slices"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// UpsertOrganisation implements [grouping.Store].
func (s *Store) UpsertOrganisation(ctx context.Context, org grouping.Organisation) (grouping.Organisation, error) {
	if err := s.begin(ctx); err != nil {
		return grouping.Organisation{}, err
	}
	org, err := org.Validate()
	if err != nil {
		return grouping.Organisation{}, err
	}
	return write(ctx, s, grouping.OrganisationOf(org.ID), func(w *txn) (grouping.Organisation, error) {
		prev, existed, err := w.UpsertOrganisation(ctx, org, w.now)
		if err != nil {
			return grouping.Organisation{}, err
		}
		out := org
		switch {
		case !existed:
			out.CreatedAt = w.now
			w.emit(grouping.EventOrganisationCreated, grouping.OrganisationEventData{Organisation: out}.AppendJSON(w.dataBuf()))
		case prev.Name != org.Name:
			out.CreatedAt = prev.CreatedAt
			w.emit(grouping.EventOrganisationRenamed, grouping.OrganisationEventData{Organisation: out, PreviousName: &prev.Name}.AppendJSON(w.dataBuf()))
		default:
			out.CreatedAt = prev.CreatedAt // the same: nothing changed
		}
		return out, nil
	})
}

// UpsertChannel implements [grouping.Store]. An upsert that changes nothing
// writes nothing.
func (s *Store) UpsertChannel(ctx context.Context, up grouping.ChannelUpsert) (grouping.Channel, error) {
	if err := s.begin(ctx); err != nil {
		return grouping.Channel{}, err
	}
	up, err := up.Validate()
	if err != nil {
		return grouping.Channel{}, err
	}
	return write(ctx, s, grouping.OrganisationOf(up.OrganisationID), func(w *txn) (grouping.Channel, error) {
		// A live channel of the organisation is the common case and is
		// all an update needs; anything else is told apart by its state.
		old, err := w.Channel(ctx, up.OrganisationID, up.ID)
		if err != nil {
			return grouping.Channel{}, err
		}
		if old == nil {
			st, err := w.ChannelState(ctx, up.OrganisationID, up.ID)
			switch ch := st.Channel; {
			case err != nil:
				return grouping.Channel{}, err
			case !st.OrganisationFound:
				return grouping.Channel{}, errOrganisationNotFound
			case ch != nil && ch.OrganisationID != up.OrganisationID:
				return grouping.Channel{}, errChannelOtherOrg
			case ch != nil:
				return grouping.Channel{}, errChannelDeleted
			}
		}
		rec := driver.ChannelRecord{
			ID:             up.ID,
			OrganisationID: up.OrganisationID,
			Name:           up.Name,
			Description:    up.Description,
			OwnerID:        up.OwnerID,
			Archived:       up.Archived,
			MessageCount:   up.MessageCount,
			CreatedAt:      up.CreatedAt, // zero: unchanged on update
		}
		if old == nil {
			if rec.CreatedAt.IsZero() {
				rec.CreatedAt = w.now
			}
			if err := w.InsertChannel(ctx, rec); err != nil {
				return grouping.Channel{}, err
			}
			ch := upserted(grouping.Channel{Users: []uuid.UUID{}}, rec, up.Users)
			if up.Users != nil {
				if err := w.SetMembers(ctx, up.ID, up.Users); err != nil {
					return grouping.Channel{}, err
				}
			}
			w.emit(grouping.EventChannelCreated, grouping.ChannelEventData{Channel: ch}.AppendJSON(w.dataBuf()))
			return ch, nil
		}
		prev := withSortedUsers(*old)
		ch := upserted(prev, rec, up.Users)
		if sameChannel(prev, ch) {
			return prev, nil // nothing changes
		}
		if err := w.UpdateChannel(ctx, rec); err != nil {
			return grouping.Channel{}, err
		}
		if up.Users != nil && !slices.Equal(prev.Users, ch.Users) {
			if err := w.SetMembers(ctx, up.ID, up.Users); err != nil {
				return grouping.Channel{}, err
			}
		}
		w.emit(grouping.EventChannelUpdated, grouping.ChannelEventData{Channel: ch, Previous: &prev}.AppendJSON(w.dataBuf()))
		return ch, nil
	})
}

// upserted returns ch with the host's fields of rec and, when users is not
// nil, those members, as the store keeps them after the upsert.
func upserted(ch grouping.Channel, rec driver.ChannelRecord, users []uuid.UUID) grouping.Channel {
	ch.ID, ch.OrganisationID = rec.ID, rec.OrganisationID
	ch.Name, ch.Description, ch.OwnerID = rec.Name, rec.Description, rec.OwnerID
	ch.Archived, ch.MessageCount = rec.Archived, rec.MessageCount
	if !rec.CreatedAt.IsZero() {
		ch.CreatedAt = rec.CreatedAt
	}
	if users != nil {
		ch.Users = slices.Clone(users)
	}
	ch = withSortedUsers(ch)
	ch.UserCount = len(ch.Users)
	return ch
}

// sameChannel reports whether two states of one live channel are equal.
func sameChannel(a, b grouping.Channel) bool {
	return a.Name == b.Name && a.Description == b.Description && a.OwnerID == b.OwnerID &&
		a.Archived == b.Archived && a.MessageCount == b.MessageCount &&
		a.CreatedAt.Equal(b.CreatedAt) && slices.Equal(a.Users, b.Users)
}

// GetChannel implements [grouping.Store].
func (s *Store) GetChannel(ctx context.Context, org, channel uuid.UUID) (grouping.Channel, error) {
	if err := s.begin(ctx, orgID(org), channelID(channel)); err != nil {
		return grouping.Channel{}, err
	}
	ch, err := s.d.Channel(ctx, org, channel)
	switch {
	case err != nil:
		return grouping.Channel{}, internal("get channel", err)
	case ch == nil:
		return grouping.Channel{}, s.orgMissing(ctx, s.d, org, errChannelNotFound)
	}
	return withSortedUsers(*ch), nil
}

// liveChannel returns the organisation's channel when it exists and is not
// deleted, and the NotFound error of what is missing otherwise.
func liveChannel(ctx context.Context, tx driver.Tx, org, channel uuid.UUID) (*driver.ChannelFacts, error) {
	st, err := tx.ChannelState(ctx, org, channel)
	switch ch := st.Channel; {
	case err != nil:
		return nil, err
	case !st.OrganisationFound:
		return nil, errOrganisationNotFound
	case ch == nil || ch.OrganisationID != org || ch.Deleted:
		return nil, errChannelNotFound
	default:
		return ch, nil
	}
}

// DeleteChannel implements [grouping.Store].
func (s *Store) DeleteChannel(ctx context.Context, org, channel uuid.UUID) error {
	if err := s.begin(ctx, orgID(org), channelID(channel)); err != nil {
		return err
	}
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		ch, err := liveChannel(ctx, w, org, channel)
		if err != nil {
			return err
		}
		d := grouping.ChannelDeletedData{ChannelID: channel, DeletedAt: w.now}
		// A deleted channel is in no group.
		if ch.GroupID != uuid.Nil {
			if err := w.UnplaceChannel(ctx, channel); err != nil {
				return err
			}
			d.GroupID = &ch.GroupID
		}
		if err := w.MarkChannelDeleted(ctx, channel, w.now); err != nil {
			return err
		}
		w.emit(grouping.EventChannelDeleted, d.AppendJSON(w.dataBuf()))
		return nil
	})
}

// AddChannelMember implements [grouping.Store].
func (s *Store) AddChannelMember(ctx context.Context, org, channel, user uuid.UUID) error {
	if err := s.begin(ctx, orgID(org), channelID(channel), userID(user)); err != nil {
		return err
	}
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		added, err := changeMember(ctx, w, org, channel, user, true)
		if err != nil || !added {
			return err
		}
		w.emit(grouping.EventChannelMemberAdded, grouping.ChannelMemberData{ChannelID: channel, UserID: user}.AppendJSON(w.dataBuf()))
		return nil
	})
}

// RemoveChannelMember implements [grouping.Store].
func (s *Store) RemoveChannelMember(ctx context.Context, org, channel, user uuid.UUID) error {
	if err := s.begin(ctx, orgID(org), channelID(channel), userID(user)); err != nil {
		return err
	}
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		switch removed, err := changeMember(ctx, w, org, channel, user, false); {
		case err != nil:
			return err
		case !removed:
			return errMemberNotFound
		}
		w.emit(grouping.EventChannelMemberRemoved, grouping.ChannelMemberData{ChannelID: channel, UserID: user}.AppendJSON(w.dataBuf()))
		return nil
	})
}

// changeMember adds the user to the members of the organisation's live
// channel, or removes the user when add is false, and reports whether that
// changed the membership. With a driver.MemberTx it is one conditional
// write in the common case. When that changes nothing, the channel's facts
// are read to tell why, and the plain write runs under them: a driver that
// orders a tenant's writes with a lock on the tenant's row finds none to
// lock while the organisation does not exist, and the organisation and
// its channel may be made between its conditional write and the facts
// read, which does take the lock; the plain write, after the facts, gives
// the answer that holds then.
func changeMember(ctx context.Context, w *txn, org, channel, user uuid.UUID, add bool) (bool, error) {
	if m, ok := w.Tx.(driver.MemberTx); ok {
		var changed bool
		var err error
		if add {
			changed, err = m.AddLiveMember(ctx, org, channel, user)
		} else {
			changed, err = m.RemoveLiveMember(ctx, org, channel, user)
		}
		if err != nil || changed {
			return changed, err
		}
	}
	if _, err := liveChannel(ctx, w, org, channel); err != nil {
		return false, err
	}
	if add {
		return w.AddMember(ctx, channel, user)
	}
	return w.RemoveMember(ctx, channel, user)
}

// withSortedUsers returns ch with its members in the order of their IDs,
// never nil.
func withSortedUsers(ch grouping.Channel) grouping.Channel {
	if ch.Users == nil {
		ch.Users = []uuid.UUID{}
	}
	slices.SortFunc(ch.Users, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return ch
}
