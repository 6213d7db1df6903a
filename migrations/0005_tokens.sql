-- reachwatch schema v5: API tokens, one per person or system, each with a role. Only a SHA-256 of the
-- secret is stored: a copy of the database (a backup, a bug report) gives no working token.

CREATE TABLE api_tokens (
  id            TEXT PRIMARY KEY,          -- 'tok_<id-part>'; the secret is 'rw_<id-part>_<random>'
  name          TEXT NOT NULL,             -- who holds it, e.g. 'a.researcher': recorded with every write
  role          TEXT NOT NULL CHECK (role IN ('operator', 'auditor', 'admin')),
  hash          TEXT NOT NULL UNIQUE,      -- SHA-256 hex of the whole secret
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,             -- the admin token's name, or 'cli (<os user>)'
  revoked_at    INTEGER,
  last_used_at  INTEGER                    -- written at most once a minute per token
) STRICT;

-- The auditor's export reads probes of every channel in time order (started_at, id). The index on
-- started_at alone carries the rowid (= id), so it serves that order and its keyset without a sort.
CREATE INDEX probes_time ON probes(started_at);
