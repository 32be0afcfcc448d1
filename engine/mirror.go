package engine

import (
	"bytes"
	"context"
	"slices"
	"time"

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
	return write(ctx, s, func(tx driver.Tx, now time.Time) (grouping.Organisation, error) {
		created, err := tx.UpsertOrganisation(ctx, org, now)
		if err != nil {
			return grouping.Organisation{}, err
		}
		org.CreatedAt = created
		return org, nil
	})
}

// UpsertChannel implements [grouping.Store].
func (s *Store) UpsertChannel(ctx context.Context, up grouping.ChannelUpsert) (grouping.Channel, error) {
	if err := s.begin(ctx); err != nil {
		return grouping.Channel{}, err
	}
	up, err := up.Validate()
	if err != nil {
		return grouping.Channel{}, err
	}
	return write(ctx, s, func(tx driver.Tx, now time.Time) (grouping.Channel, error) {
		st, err := tx.ChannelState(ctx, up.OrganisationID, up.ID)
		if err != nil {
			return grouping.Channel{}, err
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
		switch ch := st.Channel; {
		case !st.OrganisationFound:
			return grouping.Channel{}, errOrganisationNotFound
		case ch == nil:
			if rec.CreatedAt.IsZero() {
				rec.CreatedAt = now
			}
			err = tx.InsertChannel(ctx, rec)
		case ch.OrganisationID != up.OrganisationID:
			return grouping.Channel{}, errChannelOtherOrg
		case ch.Deleted:
			return grouping.Channel{}, errChannelDeleted
		default:
			err = tx.UpdateChannel(ctx, rec)
		}
		if err != nil {
			return grouping.Channel{}, err
		}
		if up.Users != nil {
			if err := tx.SetMembers(ctx, up.ID, up.Users); err != nil {
				return grouping.Channel{}, err
			}
		}
		ch, err := tx.Channel(ctx, up.OrganisationID, up.ID)
		if err != nil {
			return grouping.Channel{}, err
		}
		if ch == nil {
			return grouping.Channel{}, internal("upsert channel", errNotReadBack)
		}
		return withSortedUsers(*ch), nil
	})
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
	return do(ctx, s, func(tx driver.Tx, now time.Time) error {
		ch, err := liveChannel(ctx, tx, org, channel)
		if err != nil {
			return err
		}
		// A deleted channel is in no group.
		if ch.GroupID != uuid.Nil {
			if err := tx.UnplaceChannel(ctx, channel); err != nil {
				return err
			}
		}
		return tx.MarkChannelDeleted(ctx, channel, now)
	})
}

// AddChannelMember implements [grouping.Store].
func (s *Store) AddChannelMember(ctx context.Context, org, channel, user uuid.UUID) error {
	if err := s.begin(ctx, orgID(org), channelID(channel), userID(user)); err != nil {
		return err
	}
	return do(ctx, s, func(tx driver.Tx, _ time.Time) error {
		if _, err := liveChannel(ctx, tx, org, channel); err != nil {
			return err
		}
		_, err := tx.AddMember(ctx, channel, user)
		return err
	})
}

// RemoveChannelMember implements [grouping.Store].
func (s *Store) RemoveChannelMember(ctx context.Context, org, channel, user uuid.UUID) error {
	if err := s.begin(ctx, orgID(org), channelID(channel), userID(user)); err != nil {
		return err
	}
	return do(ctx, s, func(tx driver.Tx, _ time.Time) error {
		if _, err := liveChannel(ctx, tx, org, channel); err != nil {
			return err
		}
		removed, err := tx.RemoveMember(ctx, channel, user)
		if err == nil && !removed {
			err = errMemberNotFound
		}
		return err
	})
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
