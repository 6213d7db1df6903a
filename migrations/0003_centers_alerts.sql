-- reachwatch schema v3: center status and incidents, maintenance windows, subscriptions, and the
-- durable alert outbox. Everything an alert depends on is written in the transaction that causes it.

-- When a channel's current status was confirmed (status_since is when its streak began): a center's
-- dark grace period counts from the confirmation, not from the first failed attempt.
ALTER TABLE channel_state ADD COLUMN status_confirmed_at INTEGER;

-- A center's status, derived from its channels by a pure policy (src/status/center.ts).
CREATE TABLE center_state (
  center_id     TEXT PRIMARY KEY REFERENCES centers(id),
  status        TEXT NOT NULL,            -- reachable | partial | dark | unknown | opted_out
  since         INTEGER NOT NULL,
  -- Every probeable channel confirmed down since this time (the dark grace period runs from here).
  down_since    INTEGER,
  incident_id   INTEGER REFERENCES incidents(id),
  -- The last "still dark" reminder sent for the open incident.
  reminded_at   INTEGER,
  updated_at    INTEGER NOT NULL
) STRICT;

-- An incident is one period in which a center was not reachable (partial or dark), opened and closed
-- by center status changes, with the evidence at both ends.
CREATE TABLE incidents (
  id              INTEGER PRIMARY KEY,
  center_id       TEXT NOT NULL REFERENCES centers(id),
  opened_at       INTEGER NOT NULL,
  closed_at       INTEGER,
  status          TEXT NOT NULL,          -- the center's current status while open (partial | dark)
  worst_status    TEXT NOT NULL,          -- dark if it ever went dark
  went_dark_at    INTEGER,
  open_evidence   TEXT NOT NULL,          -- JSON: the channels and their confirming probes
  close_evidence  TEXT,
  close_reason    TEXT,
  maintenance_id  INTEGER REFERENCES maintenance_windows(id) -- opened inside a declared window
) STRICT;
CREATE INDEX incidents_center ON incidents(center_id, opened_at);
CREATE INDEX incidents_open ON incidents(closed_at) WHERE closed_at IS NULL;

-- The center status log: every change, with the channel evidence that caused it.
CREATE TABLE center_status_changes (
  id              INTEGER PRIMARY KEY,
  center_id       TEXT NOT NULL REFERENCES centers(id),
  at              INTEGER NOT NULL,
  from_status     TEXT NOT NULL,
  to_status       TEXT NOT NULL,
  incident_id     INTEGER REFERENCES incidents(id),
  maintenance_id  INTEGER REFERENCES maintenance_windows(id),
  evidence        TEXT NOT NULL           -- JSON: each channel's status, since, reason
) STRICT;
CREATE INDEX center_status_changes_center ON center_status_changes(center_id, at);

-- Planned closures (a holiday, a move): probes continue, alerts are held, history is marked.
CREATE TABLE maintenance_windows (
  id            INTEGER PRIMARY KEY,
  config_key    TEXT UNIQUE,              -- set for windows declared in the config file
  center_id     TEXT,                     -- a center, or
  region        TEXT,                     -- every center of a region
  starts_at     INTEGER NOT NULL,
  ends_at       INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  created_by    TEXT NOT NULL,            -- 'config' or the API caller
  created_at    INTEGER NOT NULL,
  cancelled_at  INTEGER,
  CHECK ((center_id IS NULL) <> (region IS NULL)),
  CHECK (ends_at > starts_at)
) STRICT;
CREATE INDEX maintenance_windows_time ON maintenance_windows(ends_at);

-- Who is told what, and how. Config subscriptions are mirrored here (source = 'config') so that every
-- outbox row names a row; API subscriptions live only here.
CREATE TABLE subscriptions (
  id           TEXT PRIMARY KEY,
  source       TEXT NOT NULL CHECK (source IN ('config', 'api')),
  channel      TEXT NOT NULL CHECK (channel IN ('webhook', 'email', 'sms', 'telegram')),
  target       TEXT NOT NULL,             -- JSON DeliveryTarget (a webhook's secret included)
  language     TEXT NOT NULL CHECK (language IN ('ru', 'kk', 'en')),
  filters      TEXT NOT NULL,             -- JSON {centers, regions, kinds, events}
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  disabled_at  INTEGER
) STRICT;

-- The durable outbox (Healthchecks' Flip + sendalerts): rows are inserted in the transaction of the
-- status change that causes them, claimed with a conditional UPDATE, retried with backoff.
CREATE TABLE outbox (
  id               TEXT PRIMARY KEY,      -- 'msg_…': webhook-id, email Message-ID; stable across retries
  dedupe_key       TEXT NOT NULL UNIQUE,  -- one alert per (event, incident or channel change, subscription)
  subscription_id  TEXT NOT NULL REFERENCES subscriptions(id),
  channel          TEXT NOT NULL,
  event            TEXT NOT NULL,
  center_id        TEXT,
  incident_id      INTEGER,
  message          TEXT NOT NULL,         -- JSON AlertMessage, rendered at enqueue time
  status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'suppressed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  lease_until      INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  sent_at          INTEGER,
  suppressed_by    TEXT                   -- why it was never sent: 'maintenance:<id>' …
) STRICT;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_incident ON outbox(incident_id, subscription_id);

-- Every delivery attempt, kept: what the receiver said each time.
CREATE TABLE outbox_attempts (
  outbox_id    TEXT NOT NULL REFERENCES outbox(id),
  attempt      INTEGER NOT NULL,
  at           INTEGER NOT NULL,
  duration_ms  REAL NOT NULL,
  ok           INTEGER NOT NULL,
  permanent    INTEGER NOT NULL DEFAULT 0,
  detail       TEXT NOT NULL,
  PRIMARY KEY (outbox_id, attempt)
) STRICT, WITHOUT ROWID;

-- reachwatch's own health: when it was degraded and why. Center statuses are frozen meanwhile.
CREATE TABLE self_check_periods (
  id          INTEGER PRIMARY KEY,
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER,
  reasons     TEXT NOT NULL               -- JSON: [{check, detail}]
) STRICT;
