-- Every incident transition (OPEN, UPDATED, CLOSED) as published on
-- `incidents` and `incidents.shadow`; the latest sequence of an incident is its
-- current state. Far fewer rows than scores, so not partitioned.

CREATE TABLE incident_events (
  incident_id text NOT NULL,
  sequence integer NOT NULL,
  group_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('OPEN', 'UPDATED', 'CLOSED')),
  reminder boolean NOT NULL,
  entity text NOT NULL,
  source text NOT NULL,
  module text NOT NULL,
  model text NOT NULL,
  version text NOT NULL,
  alias text NOT NULL,
  actionable boolean NOT NULL,
  severity text NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  peak_score double precision NOT NULL,
  opened_at timestamptz NOT NULL,
  last_anomaly_at timestamptz NOT NULL,
  closed_at timestamptz,
  processed_at timestamptz NOT NULL,
  alert_ids text[] NOT NULL,
  contributors jsonb NOT NULL,
  topic text NOT NULL,
  -- Event time of the incident's latest activity, for "incidents since".
  active_at timestamptz GENERATED ALWAYS AS (GREATEST(last_anomaly_at, closed_at)) STORED,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, sequence)
);

CREATE INDEX incident_events_active_at ON incident_events (active_at);
CREATE INDEX incident_events_entity_opened_at ON incident_events (entity, opened_at);
CREATE INDEX incident_events_group_id ON incident_events (group_id);
