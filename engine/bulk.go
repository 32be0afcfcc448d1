package engine

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// bulkOp is what a bulk call does with each channel.
type bulkOp int

const (
	bulkAssign bulkOp = iota
	bulkRemove
	bulkMove
)

func (op bulkOp) verb() string {
	return [...]string{"assigned", "removed", "moved"}[op]
}

// AssignChannels implements [grouping.Store].
func (s *Store) AssignChannels(ctx context.Context, org, group uuid.UUID, channelIDs []uuid.UUID) error {
	return s.bulk(ctx, org, group, channelIDs, bulkAssign)
}

// RemoveChannels implements [grouping.Store].
func (s *Store) RemoveChannels(ctx context.Context, org, group uuid.UUID, channelIDs []uuid.UUID) error {
	return s.bulk(ctx, org, group, channelIDs, bulkRemove)
}

// MoveChannels implements [grouping.Store].
func (s *Store) MoveChannels(ctx context.Context, org, group uuid.UUID, channelIDs []uuid.UUID) error {
	return s.bulk(ctx, org, group, channelIDs, bulkMove)
}

// bulk applies op to every channel of ids in one transaction, or to none.
// The channels' facts are read in the order of their IDs, so that drivers
// that lock rows as they read them always lock in the same order and
// concurrent bulk calls cannot deadlock.
func (s *Store) bulk(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID, op bulkOp) error {
	if err := s.begin(ctx, orgID(org), groupID(group)); err != nil {
		return err
	}
	if err := checkBulkIDs(ids); err != nil {
		return err
	}
	sorted := slices.Clone(ids)
	slices.SortFunc(sorted, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		if done, err := bulkAtOnce(ctx, w, org, group, ids, op); done || err != nil {
			return err
		}
		p, err := placements(ctx, w.Tx, org, group, sorted)
		switch {
		case err != nil:
			return err
		case !p.OrganisationFound && p.Group == nil && len(p.Channels) == 0:
			return errOrganisationNotFound
		case p.Group == nil:
			return errGroupNotFound
		case op != bulkRemove && p.Group.Archived:
			return errGroupArchived
		}
		var (
			change   []uuid.UUID // in the order given
			notFound = map[string]string{}
			conflict = map[string]string{}
		)
		for _, id := range ids {
			ch := p.Channels[id]
			switch {
			case ch == nil:
				notFound[id.String()] = "Channel not found"
			case op == bulkRemove && ch.GroupID != group:
				notFound[id.String()] = "Channel is not in this group"
			case op == bulkRemove:
				change = append(change, id)
			case ch.GroupID == group:
				// Already there: nothing changes for this one.
			case op == bulkAssign && ch.GroupID != uuid.Nil:
				conflict[id.String()] = "Channel is already in group " + quote(ch.GroupName) + "; move it instead"
			default:
				change = append(change, id)
			}
		}
		if len(notFound) > 0 || len(conflict) > 0 {
			return bulkError(op, notFound, conflict)
		}
		if len(change) == 0 {
			return nil
		}
		if op == bulkRemove {
			if err := unplaceChannels(ctx, w.Tx, change); err != nil {
				return err
			}
			for _, id := range change {
				w.emitRemoved(id, group)
			}
			return nil
		}
		first := p.Group.MaxChannelPosition + 1
		if err := placeChannels(ctx, w.Tx, group, change, first); err != nil {
			return err
		}
		for i, id := range change {
			w.emitPlaced(id, group, p.Channels[id].GroupID, first+int64(i))
		}
		return nil
	})
}

// bulkAtOnce makes an assign or a removal in one conditional statement
// when the driver's Tx is a driver.BulkChangeTx and every channel is in the
// state the change needs: in no group for an assign, in the group for a
// removal. done reports that it made it and emitted its events, in the
// order given. Otherwise nothing changed, and the caller reads the facts
// and decides as it does without it, which also tells why.
func bulkAtOnce(ctx context.Context, w *txn, org, group uuid.UUID, ids []uuid.UUID, op bulkOp) (done bool, err error) {
	b, ok := w.Tx.(driver.BulkChangeTx)
	if !ok {
		return false, nil
	}
	switch op {
	case bulkAssign:
		first, assigned, err := b.AssignUngrouped(ctx, org, group, ids)
		if !assigned || err != nil {
			return false, err
		}
		for i, id := range ids {
			w.emitPlaced(id, group, uuid.Nil, first+int64(i))
		}
		return true, nil
	case bulkRemove:
		removed, err := b.RemoveGrouped(ctx, org, group, ids)
		if !removed || err != nil {
			return false, err
		}
		for _, id := range ids {
			w.emitRemoved(id, group)
		}
		return true, nil
	}
	return false, nil
}

// checkBulkIDs checks the IDs of a bulk call: 1 to MaxBulkChannels of them,
// none the nil UUID, none repeated. Repeated IDs are named.
func checkBulkIDs(ids []uuid.UUID) error {
	switch {
	case len(ids) == 0:
		return grouping.InvalidField("channels", "channels must list at least one channel ID")
	case len(ids) > grouping.MaxBulkChannels:
		return grouping.InvalidField("channels", "channels must list at most %d channel IDs, got %d", grouping.MaxBulkChannels, len(ids))
	}
	seen := make(map[uuid.UUID]bool, len(ids))
	problems := map[string]string{}
	for _, id := range ids {
		switch {
		case id == uuid.Nil:
			return grouping.InvalidField("channels", "channels must not contain the nil UUID")
		case seen[id]:
			problems[id.String()] = "Channel is listed more than once"
		}
		seen[id] = true
	}
	if len(problems) > 0 {
		return &grouping.Error{Code: grouping.Invalid, Field: "channels", Problems: problems,
			Message: "channels lists " + joinIDs(problems) + " more than once"}
	}
	return nil
}

// bulkError reports the offending channels of a bulk call: NotFound when
// any is missing (or not in the group, for a removal), Conflict otherwise.
// Its Problems name every offending channel, whatever the code.
func bulkError(op bulkOp, notFound, conflict map[string]string) error {
	problems := make(map[string]string, len(notFound)+len(conflict))
	for id, p := range notFound {
		problems[id] = p
	}
	for id, p := range conflict {
		problems[id] = p
	}
	code := grouping.Conflict
	if len(notFound) > 0 {
		code = grouping.NotFound
	}
	n := "1 channel cannot be"
	if len(problems) > 1 {
		n = fmt.Sprintf("%d channels cannot be", len(problems))
	}
	return &grouping.Error{Code: code, Problems: problems,
		Message: fmt.Sprintf("No channel was %s: %s %s (%s)", op.verb(), n, op.verb(), joinIDs(problems))}
}

// joinIDs lists the keys of problems in order, for a message.
func joinIDs(problems map[string]string) string {
	ids := make([]string, 0, len(problems))
	for id := range problems {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return strings.Join(ids, ", ")
}

// placements reads the facts of a bulk call: in one round trip when the
// driver's Tx is a driver.BulkTx, one per channel otherwise.
func placements(ctx context.Context, tx driver.Tx, org, group uuid.UUID, sorted []uuid.UUID) (driver.BulkPlacement, error) {
	if b, ok := tx.(driver.BulkTx); ok {
		return b.Placements(ctx, org, group, sorted)
	}
	bp := driver.BulkPlacement{Channels: make(map[uuid.UUID]*driver.ChannelFacts, len(sorted))}
	for i, id := range sorted {
		p, err := tx.Placement(ctx, org, group, id)
		if err != nil {
			return driver.BulkPlacement{}, err
		}
		if i == 0 {
			bp.OrganisationFound, bp.Group = p.OrganisationFound, p.Group
			if p.Group == nil {
				return bp, nil // nothing more to learn
			}
		}
		if p.Channel != nil {
			bp.Channels[id] = p.Channel
		}
	}
	return bp, nil
}

func placeChannels(ctx context.Context, tx driver.Tx, group uuid.UUID, ids []uuid.UUID, first int64) error {
	if b, ok := tx.(driver.BulkTx); ok {
		return b.PlaceChannels(ctx, group, ids, first)
	}
	for i, id := range ids {
		if err := tx.PlaceChannel(ctx, id, group, first+int64(i)); err != nil {
			return err
		}
	}
	return nil
}

func unplaceChannels(ctx context.Context, tx driver.Tx, ids []uuid.UUID) error {
	if b, ok := tx.(driver.BulkTx); ok {
		return b.UnplaceChannels(ctx, ids)
	}
	for _, id := range ids {
		if err := tx.UnplaceChannel(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
