-- Daily partitions of `alerts` and `scores`, created on demand.
--
-- The writer calls vigil_ensure_daily_partitions(parent, days) in its own short
-- transaction before each batch, with the UTC days of the batch's event times.
-- Partitions live in the schema of the parent (the first schema of search_path).
-- A transaction-scoped advisory lock per partition name serialises two sinks
-- creating the same day; the existence check runs again under the lock.

CREATE FUNCTION vigil_ensure_daily_partitions(parent text, days date[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  target_schema text := current_schema();
  day date;
  child text;
  created integer := 0;
BEGIN
  FOREACH day IN ARRAY days LOOP
    child := parent || '_p' || to_char(day, 'YYYYMMDD');
    CONTINUE WHEN to_regclass(format('%I.%I', target_schema, child)) IS NOT NULL;
    PERFORM pg_advisory_xact_lock(hashtext('vigil.partition:' || target_schema || '.' || child));
    CONTINUE WHEN to_regclass(format('%I.%I', target_schema, child)) IS NOT NULL;
    EXECUTE format(
      'CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
      target_schema, child, target_schema, parent,
      day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC'
    );
    created := created + 1;
  END LOOP;
  RETURN created;
END
$$;

-- Retention: drops the daily partitions of `parent` whose whole day is before
-- `before` and returns their names. Dropping a partition is instant and leaves
-- no bloat, which is the reason for partitioning by event time.
CREATE FUNCTION vigil_drop_daily_partitions_before(parent text, before date) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  target_schema text := current_schema();
  child record;
BEGIN
  FOR child IN
    SELECT c.relname
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_namespace n ON n.oid = p.relnamespace
    WHERE n.nspname = target_schema AND p.relname = parent
      AND c.relname ~ ('^' || parent || '_p[0-9]{8}$')
      AND to_date(right(c.relname, 8), 'YYYYMMDD') < before
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE %I.%I', target_schema, child.relname);
    RETURN NEXT child.relname;
  END LOOP;
END
$$;
