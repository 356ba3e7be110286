-- Markups: named sets of time intervals. Every version is a row of
-- markup_versions (the current one too); markups.version points at the current one.
CREATE TABLE markups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  version integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE markup_versions (
  markup_id uuid NOT NULL REFERENCES markups (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  name text NOT NULL,
  description text,
  scope jsonb NOT NULL,
  signals text[],
  intervals jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,
  PRIMARY KEY (markup_id, version)
);
