-- Every change, and every refused action, one row, written in the transaction
-- of the change. Actors are kept by name as well as id: a deleted user's rows stay readable.
CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_id uuid,
  actor text,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text,
  before jsonb,
  after jsonb,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'denied')),
  code text,
  request_id text
);
CREATE INDEX audit_actor ON audit (actor, id DESC);
CREATE INDEX audit_target ON audit (target_type, target_id, id DESC);
CREATE INDEX audit_at ON audit (at);
