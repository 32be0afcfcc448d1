package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/storeutil"
	"github.com/google/uuid"
)

// UpsertOrganisation creates the organisation or renames it.
func (s *Store) UpsertOrganisation(ctx context.Context, org grouping.Organisation) (grouping.Organisation, error) {
	org, err := org.Validate()
	if err != nil {
		return grouping.Organisation{}, err
	}
	return inTx(ctx, s.beginWrite, uuid.Nil, func(tx *tx) (grouping.Organisation, error) { return upsertOrganisation(ctx, tx, org) })
}

func upsertOrganisation(ctx context.Context, tx *tx, org grouping.Organisation) (grouping.Organisation, error) {
	var created int64
	err := tx.queryRow(ctx, sqlUpsertOrganisation, org.ID, org.Name, tx.now).Scan(&created)
	if err != nil {
		return grouping.Organisation{}, internal("upsert organisation", err)
	}
	org.CreatedAt = fromMillis(created)
	return org, nil
}

// checkOrganisation returns NotFound unless the organisation exists.
func checkOrganisation(ctx context.Context, tx *tx, orgID uuid.UUID) error {
	var one int
	err := tx.queryRow(ctx, sqlOrganisationExists, orgID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return storeutil.ErrOrganisationNotFound
	case err != nil:
		return internal("find organisation", err)
	}
	return nil
}
