-- Schema version 2.
--
-- Group name keys follow grouping.FoldName, which now normalises names
-- (NFKC) and folds them fully (Straße = STRASSE). The unique index is
-- dropped here; the program then recomputes every key (SQL cannot fold
-- Unicode) and recreates the index, in the same transaction (see
-- rekeyGroupNames in migrate.go).
DROP INDEX groups_name_key;

-- Positions of new groups are now one past the largest live position; the
-- organisation's counter is no longer used.
ALTER TABLE organisations DROP COLUMN next_group_position;
