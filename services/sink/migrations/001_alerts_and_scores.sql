-- Scored alerts. Both tables are declaratively partitioned by RANGE on the
-- alert's event time `ts`, one partition per UTC day, created on demand by the
-- writer through vigil_ensure_daily_partitions() (002). There is deliberately
-- no DEFAULT partition: a row in it would block creating the partition of its
-- day later, and a missing partition is a loud error instead of a silent pile.
--
-- A partitioned table's unique keys must contain the partition key, hence `ts`
-- in both primary keys; `ts` is fixed per alert, so the key still means
-- "one row per alert" and "one row per (alert, model, version, alias)".

CREATE TABLE alerts (
  alert_id text NOT NULL,
  ts timestamptz NOT NULL,
  entity text NOT NULL,
  source text NOT NULL,
  ingested_at timestamptz NOT NULL,
  signal_values jsonb NOT NULL,
  attrs jsonb NOT NULL,
  features jsonb NOT NULL,
  origin_topic text NOT NULL,
  origin_partition integer NOT NULL,
  origin_offset text NOT NULL,
  origin_format text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, ts)
) PARTITION BY RANGE (ts);

CREATE INDEX alerts_entity_ts ON alerts (entity, ts);

CREATE TABLE scores (
  alert_id text NOT NULL,
  ts timestamptz NOT NULL,
  entity text NOT NULL,
  source text NOT NULL,
  ingested_at timestamptz NOT NULL,
  scored_at timestamptz NOT NULL,
  module text NOT NULL,
  model text NOT NULL,
  version text NOT NULL,
  alias text NOT NULL,
  raw double precision,
  calibrated double precision,
  verdict text NOT NULL CHECK (verdict IN ('NORMAL', 'ANOMALY', 'UNSURE', 'MISSING')),
  missing_reason text,
  unsure_above double precision NOT NULL,
  anomaly_above double precision NOT NULL,
  elements jsonb NOT NULL,
  contributors jsonb NOT NULL,
  latency_ms double precision NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, model, version, alias, ts)
) PARTITION BY RANGE (ts);

-- "Scores of a model version over a time range" (quality metrics, drift).
CREATE INDEX scores_model_version_ts ON scores (model, version, ts);
-- "An entity's scores over a time range" (operator history).
CREATE INDEX scores_entity_ts ON scores (entity, ts);
