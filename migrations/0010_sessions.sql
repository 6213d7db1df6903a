-- reachwatch schema v10: board sessions. Operators, auditors and admins sign in on the board with their
-- API token and get a session cookie; the row keeps the token's id (never the token), the SHA-256 of the
-- cookie's random id (so a copy of the database opens no session) and the per-session CSRF token that
-- every form POST must echo. The token is checked on every request, so revoking it ends its sessions.

CREATE TABLE board_sessions (
  id_hash     TEXT PRIMARY KEY,        -- hex SHA-256 of the cookie's value
  token_id    TEXT NOT NULL,           -- api_tokens.id, or env:REACHWATCH_OPERATOR_TOKEN
  csrf        TEXT NOT NULL,           -- random, echoed in a hidden field of every form
  created_at  INTEGER NOT NULL,
  seen_at     INTEGER NOT NULL         -- last request; idle sessions expire from here
) STRICT;

CREATE INDEX board_sessions_seen ON board_sessions (seen_at);
