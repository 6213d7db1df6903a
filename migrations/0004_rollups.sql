-- reachwatch schema v4: rollups written with every probe, so the board, the availability figures and
-- reports never scan raw probes. Counts by class of outcome:
--   reachable; down = unavailable, wrong_number, closed, no_answer; impaired = busy, voicemail,
--   callback_requested, redirected; inconclusive; errors = our own failures.
-- Availability = reachable / (reachable + down + impaired); inconclusive and errors are excluded,
-- and an hour or day with none of the three is "no data", never "down".

-- Per channel and UTC hour (whole-hour offsets make any local day or calling-hours window a sum of these).
CREATE TABLE channel_hours (
  channel_ref   INTEGER NOT NULL REFERENCES channels(ref),
  hour          INTEGER NOT NULL,        -- floor(started_at / 3,600,000)
  probes        INTEGER NOT NULL,
  reachable     INTEGER NOT NULL,
  down          INTEGER NOT NULL,
  impaired      INTEGER NOT NULL,
  inconclusive  INTEGER NOT NULL,
  errors        INTEGER NOT NULL,
  PRIMARY KEY (channel_ref, hour)
) STRICT, WITHOUT ROWID;

-- Per center and local calendar day (the center's time zone): the 90-day bar and the summary line.
CREATE TABLE center_days (
  center_id     TEXT NOT NULL REFERENCES centers(id),
  day           TEXT NOT NULL,           -- YYYY-MM-DD in the center's time zone
  probes        INTEGER NOT NULL,
  reachable     INTEGER NOT NULL,
  down          INTEGER NOT NULL,
  impaired      INTEGER NOT NULL,
  inconclusive  INTEGER NOT NULL,
  errors        INTEGER NOT NULL,
  PRIMARY KEY (center_id, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX center_days_day ON center_days(day);

-- Probes stored before this version are rolled up once, at the next start (time zones need code).
CREATE TABLE rollup_backfill (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  up_to    INTEGER NOT NULL                 -- probes with id <= this are not yet rolled up
) STRICT;
INSERT INTO rollup_backfill (id, up_to) SELECT 1, id FROM probes ORDER BY id DESC LIMIT 1;
