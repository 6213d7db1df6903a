-- reachwatch schema v9: announcement labels. An operator labels a recorded network announcement once
-- ("Kcell: switched off", class unavailable); later clips whose fingerprint matches it are classified by
-- the label. A label is removed, never deleted (its row keeps who removed it and when), and each label
-- and removal is also an entry of announcement_label_history, hash-linked as the history tables are
-- (hash = SHA-256 of prev_hash + the entry's columns, src/store/chain.ts's encoding).

CREATE TABLE announcement_labels (
  id           TEXT PRIMARY KEY,       -- ann_<16 hex>
  name         TEXT NOT NULL,          -- what the operator called it: "Kcell: switched off"
  carrier      TEXT,                   -- the network that plays it, when known
  outcome      TEXT NOT NULL,          -- the class a matching clip gets (domain.ts OUTCOMES, never reachable)
  reason       TEXT NOT NULL,          -- its reason, e.g. subscriber_switched_off
  fingerprint  TEXT NOT NULL,          -- src/audio/fingerprint.ts, recomputable from the clip
  clip_sha256  TEXT NOT NULL,          -- the labelled clip as reachwatch keeps it (A-law 8 kHz WAV)
  seconds      REAL NOT NULL,
  source       TEXT NOT NULL,          -- where the clip came from: "probe 42 clip 0", "file kcell-off.wav"
  created_at   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  removed_at   INTEGER,
  removed_by   TEXT
) STRICT;

-- One clip is labelled once: a second label of the same audio while the first stands is refused.
CREATE UNIQUE INDEX announcement_labels_active_clip ON announcement_labels (clip_sha256) WHERE removed_at IS NULL;

CREATE TABLE announcement_label_history (
  id         INTEGER PRIMARY KEY,
  label_id   TEXT NOT NULL REFERENCES announcement_labels (id),
  at         INTEGER NOT NULL,
  action     TEXT NOT NULL CHECK (action IN ('label', 'remove')),
  actor      TEXT NOT NULL,
  record     TEXT NOT NULL,            -- the label's row as JSON, after the action
  hash       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL
) STRICT;
