-- reachwatch schema v8: vantage points and regional probe agents (docs/agents.md).
-- A vantage point is a place the directory is seen from: `central` (this daemon) or a named point
-- served by one or more enrolled agents (e.g. `kz`, agents in Almaty and Astana). Agents connect
-- outward, lease the jobs of their vantage point, and push signed results that are ingested here.

-- One row per enrolled (or enrollable) agent. Its token is shown once at creation; only its SHA-256
-- is kept. The public key comes with enrollment and is kept after revocation, so the signatures of
-- results it sent stay verifiable.
CREATE TABLE agents (
  id                TEXT PRIMARY KEY,          -- 'agt_<16 hex>'
  name              TEXT NOT NULL UNIQUE,      -- e.g. 'almaty-1'
  vantage           TEXT NOT NULL,             -- the vantage point it probes for, e.g. 'kz'
  token_hash        TEXT NOT NULL UNIQUE,      -- SHA-256 hex of the whole secret 'rwa_<16 hex>_<random>'
  public_key        TEXT,                      -- Ed25519, base64 of the raw 32 bytes; set at enrollment
  capabilities      TEXT NOT NULL DEFAULT '[]',-- JSON array of 'website', 'twilio', 'sip', 'short_codes'
  version           TEXT,                      -- the agent's reachwatch version, from enrollment/lease
  created_at        INTEGER NOT NULL,
  created_by        TEXT NOT NULL,
  enrolled_at       INTEGER,
  revoked_at        INTEGER,
  revoked_by        TEXT,
  last_seen_at      INTEGER,                   -- central time of the last authenticated request
  queue_depth       INTEGER,                   -- results waiting in the agent's outbox, as it last said
  oldest_queued_at  INTEGER,                   -- central time (corrected) of its oldest waiting result
  clock_offset_ms   INTEGER,                   -- agent clock minus central clock, last estimate
  last_batch_seq    INTEGER NOT NULL DEFAULT 0,-- highest batch sequence number ingested
  stale_since       INTEGER                    -- silent longer than vantage.stale_after since then; NULL when heard
) STRICT;

-- The jobs of non-central vantage points, one row per (job, slot): the central scheduler inserts a
-- row when a slot is due; an agent of that vantage point leases it with a conditional UPDATE; a lease
-- that expires (the agent died) lets another agent of the point take it. A result closes the row.
CREATE TABLE agent_jobs (
  id           INTEGER PRIMARY KEY,
  job_id       TEXT NOT NULL,                  -- '<channel id>#<method>@<vantage>'
  channel_ref  INTEGER NOT NULL REFERENCES channels(ref),
  method       TEXT NOT NULL,
  vantage      TEXT NOT NULL,
  slot_at      INTEGER NOT NULL,               -- the scheduled slot; the result's probes.due_at
  expires_at   INTEGER NOT NULL,               -- after this the slot is missed and no longer leased
  agent_id     TEXT REFERENCES agents(id),     -- the holder of the current (or last) lease
  lease_until  INTEGER,
  leases       INTEGER NOT NULL DEFAULT 0,     -- how many times it was leased (>1: a lease expired)
  done_at      INTEGER,
  probe_id     INTEGER,
  UNIQUE (job_id, slot_at)
) STRICT;
CREATE INDEX agent_jobs_open ON agent_jobs(vantage, done_at, slot_at);

-- Every ingested batch, so a replayed batch is refused and a retried one is acknowledged, not stored twice.
CREATE TABLE agent_batches (
  agent_id     TEXT NOT NULL REFERENCES agents(id),
  batch_id     TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  received_at  INTEGER NOT NULL,
  results      INTEGER NOT NULL,
  stored       INTEGER NOT NULL,
  duplicates   INTEGER NOT NULL,
  PRIMARY KEY (agent_id, batch_id)
) STRICT, WITHOUT ROWID;

-- Who probed. NULL/NULL is central. The hash chain covers them through the evidence's `vantage`
-- block (agent, point, signature, received time), which `verify` checks against these columns.
ALTER TABLE probes ADD COLUMN vantage TEXT;
ALTER TABLE probes ADD COLUMN agent_id TEXT;
-- Ingest is idempotent on (agent, channel, method, slot): a result pushed twice is stored once.
CREATE UNIQUE INDEX probes_agent_slot ON probes(agent_id, channel_ref, method, due_at) WHERE agent_id IS NOT NULL;

-- Each vantage point's own view of a channel (same columns as channel_state's status part). For a
-- channel probed from several points, channel_state holds the combination (src/status/vantage.ts).
CREATE TABLE vantage_state (
  channel_ref        INTEGER NOT NULL REFERENCES channels(ref),
  vantage            TEXT NOT NULL,
  status             TEXT NOT NULL DEFAULT 'unknown',
  status_since       INTEGER,
  status_reason      TEXT,
  streak_outcome     TEXT,
  streak_count       INTEGER NOT NULL DEFAULT 0,
  streak_probes      TEXT NOT NULL DEFAULT '[]',
  streak_slots       TEXT NOT NULL DEFAULT '[]',
  last_probe_id      INTEGER,
  last_probe_at      INTEGER,
  last_outcome       TEXT,
  last_reason        TEXT,
  last_detail        TEXT,
  last_flags         TEXT,
  last_verified_at   INTEGER,
  last_reachable_at  INTEGER,
  last_agent_id      TEXT,
  PRIMARY KEY (channel_ref, vantage)
) STRICT, WITHOUT ROWID;

-- Flags of the combined verdict, e.g. 'geo_restricted' (answers inside the country, not from abroad).
ALTER TABLE channel_state ADD COLUMN vantage_flags TEXT;
