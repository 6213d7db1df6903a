-- reachwatch schema v6: a tamper-evident history. Every probe, channel status change and center
-- status change carries hash = hex SHA-256 of (prev_hash || its content), prev_hash being the hash of the
-- record before it in the same table (id order), so an edited, inserted, deleted or reordered row
-- breaks the chain where it happened. `reachwatch verify` walks it (src/store/chain.ts).

ALTER TABLE probes ADD COLUMN hash TEXT;
ALTER TABLE probes ADD COLUMN prev_hash TEXT;
ALTER TABLE status_changes ADD COLUMN hash TEXT;
ALTER TABLE status_changes ADD COLUMN prev_hash TEXT;
ALTER TABLE center_status_changes ADD COLUMN hash TEXT;
ALTER TABLE center_status_changes ADD COLUMN prev_hash TEXT;

-- Retention prunes the oldest raw probes; the checkpoint keeps the hash of the last pruned record
-- so the chain still verifies from the first record kept.
CREATE TABLE chain_checkpoints (
  id         INTEGER PRIMARY KEY,
  tbl        TEXT NOT NULL,
  up_to_id   INTEGER NOT NULL,   -- records with id <= this were pruned
  last_hash  TEXT NOT NULL,      -- the hash of record up_to_id
  pruned     INTEGER NOT NULL,   -- how many records this pruning removed
  at         INTEGER NOT NULL
) STRICT;

-- The head of each chain at the end of each UTC day, published (logged, and served by the API), so
-- that whoever noted one can later prove that history up to that day is unchanged.
CREATE TABLE chain_heads (
  day      TEXT NOT NULL,        -- YYYY-MM-DD (UTC) that ended
  tbl      TEXT NOT NULL,
  last_id  INTEGER NOT NULL,
  hash     TEXT NOT NULL,
  records  INTEGER NOT NULL,     -- records in the chain up to last_id (pruned ones included)
  at       INTEGER NOT NULL,
  PRIMARY KEY (day, tbl)
) STRICT, WITHOUT ROWID;
