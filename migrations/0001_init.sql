-- reachwatch schema v1: the registry mirror, raw probe history, channel status and its change log.
-- All times are UTC epoch milliseconds (INTEGER). STRICT tables make a wrong type an error, not a silent cast.

-- Centers and channels mirror the registry file. Rows are never deleted: a record removed from the
-- registry is archived (archived_at set) so its history stays queryable for audits.
CREATE TABLE centers (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  kind         TEXT NOT NULL,
  city         TEXT,
  region       TEXT,
  tz           TEXT,
  record       TEXT NOT NULL,           -- the registry record as JSON, verbatim
  record_hash  TEXT NOT NULL,           -- detects changes on sync without comparing JSON
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  archived_at  INTEGER
) STRICT;

-- `ref` is a compact integer key so that every probe row does not repeat a long text id.
CREATE TABLE channels (
  ref                 INTEGER PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE,
  center_id           TEXT NOT NULL REFERENCES centers(id),
  type                TEXT NOT NULL CHECK (type IN ('website', 'phone')),
  value               TEXT NOT NULL,
  target              TEXT,
  unprobeable_reason  TEXT,
  options             TEXT NOT NULL DEFAULT '{}',
  position            INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  archived_at         INTEGER
) STRICT;
CREATE INDEX channels_center ON channels(center_id);

-- One row per attempt, with the raw evidence kept so the outcome can be recomputed when rules change.
CREATE TABLE probes (
  id                  INTEGER PRIMARY KEY,
  channel_ref         INTEGER NOT NULL REFERENCES channels(ref),
  due_at              INTEGER NOT NULL,
  started_at          INTEGER NOT NULL,
  duration_ms         REAL NOT NULL,
  method              TEXT NOT NULL,
  outcome             TEXT NOT NULL,
  reason              TEXT NOT NULL,
  flags               TEXT,              -- comma-separated OutcomeFlag values, NULL when none
  classifier_version  INTEGER NOT NULL,
  evidence            TEXT NOT NULL      -- JSON, shape given by evidence.method and evidence.v
) STRICT;
-- Serves the history API (channel + time range, keyset pagination on (started_at, id)).
CREATE INDEX probes_channel_time ON probes(channel_ref, started_at, id);

-- The current status of each channel and the scheduler's memory. Updated in the same transaction
-- as the probe rows, so status and history can never disagree after a crash.
CREATE TABLE channel_state (
  channel_ref        INTEGER PRIMARY KEY REFERENCES channels(ref),
  status             TEXT NOT NULL DEFAULT 'unknown',
  status_since       INTEGER,
  status_reason      TEXT,
  streak_outcome     TEXT,               -- the outcome of the current run of identical outcomes
  streak_count       INTEGER NOT NULL DEFAULT 0,
  streak_probes      TEXT NOT NULL DEFAULT '[]', -- JSON: the first N probes of the streak (id, at, reason, detail)
  last_probe_id      INTEGER,
  last_probe_at      INTEGER,            -- any attempt, including our own errors
  last_outcome       TEXT,
  last_reason        TEXT,
  last_detail        TEXT,
  last_flags         TEXT,
  last_verified_at   INTEGER,            -- last attempt that was not an error on our side
  last_reachable_at  INTEGER,
  next_due_at        INTEGER             -- persisted so a restart keeps the spread and causes no burst
) STRICT;

-- Every status change with the probes that confirmed it: the incident log.
CREATE TABLE status_changes (
  id            INTEGER PRIMARY KEY,
  channel_ref   INTEGER NOT NULL REFERENCES channels(ref),
  at            INTEGER NOT NULL,
  from_status   TEXT NOT NULL,
  to_status     TEXT NOT NULL,
  reason        TEXT,
  probe_ids     TEXT NOT NULL,           -- JSON array of the confirming probes
  evidence      TEXT NOT NULL            -- JSON summary: outcome, reason and detail of each confirming probe
) STRICT;
CREATE INDEX status_changes_channel_time ON status_changes(channel_ref, at);
CREATE INDEX status_changes_time ON status_changes(at);

-- Which registry file was last synced and when (one row per sync).
CREATE TABLE registry_syncs (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  file        TEXT NOT NULL,
  file_sha256 TEXT NOT NULL,
  added       INTEGER NOT NULL,
  updated     INTEGER NOT NULL,
  archived    INTEGER NOT NULL,
  restored    INTEGER NOT NULL
) STRICT;

-- /readyz writes here: readiness means the disk accepts commits, not merely that the file opens.
CREATE TABLE daemon_heartbeat (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  at  INTEGER NOT NULL
) STRICT;
