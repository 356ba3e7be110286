-- Human labels from `feedback.labels`. Every label is kept (a relabel is a new
-- row); the same label delivered twice is one row.

CREATE TABLE labels (
  alert_id text NOT NULL,
  request_id text,
  label text NOT NULL CHECK (label IN ('NORMAL', 'ANOMALY', 'UNKNOWN')),
  labeller text NOT NULL,
  labelled_at timestamptz NOT NULL,
  comment text,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, labeller, labelled_at)
);

CREATE INDEX labels_labelled_at ON labels (labelled_at);
