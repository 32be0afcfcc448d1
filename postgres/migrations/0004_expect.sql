-- Schema version 4: a check that makes its statement fail.
--
-- expect_unchanged(ok) returns true when ok is, and otherwise raises an
-- error with the SQLSTATE GR001, which aborts the statement and its
-- transaction. A statement that checks what the driver took for granted
-- ends with it, so that a transaction pipelined on a wrong assumption never
-- commits: the driver then runs it again on what it reads.
CREATE FUNCTION {{schema}}.expect_unchanged(ok boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'grouping: the row changed since the store last wrote it'
			USING ERRCODE = 'GR001';
	END IF;
	RETURN true;
END
$$;
