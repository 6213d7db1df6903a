-- reachwatch schema v2: phone calls in flight, their webhook events, opt-outs and calling spend.

-- One row per call attempt, written *before* calls.create so that a callback arriving before the
-- create returns, or a daemon killed mid-call, always finds its attempt. `id` is ours and appears in
-- every webhook URL; `call_sid` is Twilio's, known once the create returns.
CREATE TABLE call_attempts (
  id             TEXT PRIMARY KEY,
  channel_ref    INTEGER NOT NULL REFERENCES channels(ref),
  number         TEXT NOT NULL,
  due_at         INTEGER NOT NULL,
  started_at     INTEGER NOT NULL,
  call_sid       TEXT UNIQUE,
  status         TEXT NOT NULL,            -- creating | queued | initiated | ringing | in-progress | a final status | create_failed
  final_at       INTEGER,                  -- when a final status was first applied: it never moves back after this
  estimated_cost REAL NOT NULL DEFAULT 0,
  create_error   TEXT,                     -- JSON TwilioErrorFacts when calls.create failed
  probe_id       INTEGER REFERENCES probes(id) -- set in the transaction that stores the probe
) STRICT;
CREATE INDEX call_attempts_open ON call_attempts(probe_id) WHERE probe_id IS NULL;
CREATE INDEX call_attempts_number_time ON call_attempts(number, started_at);
CREATE INDEX call_attempts_month ON call_attempts(started_at);

-- Every webhook applied, once: the key makes a duplicate delivery a no-op.
CREATE TABLE call_events (
  attempt_id  TEXT NOT NULL REFERENCES call_attempts(id),
  key         TEXT NOT NULL,               -- e.g. status:3 (SequenceNumber), amd, gather:1, record
  received_at INTEGER NOT NULL,
  params      TEXT NOT NULL,               -- the form parameters Twilio sent, JSON
  PRIMARY KEY (attempt_id, key)
) STRICT, WITHOUT ROWID;

-- Numbers that asked never to be called again (key 9), or were opted out by an operator. Permanent.
CREATE TABLE opt_outs (
  number      TEXT PRIMARY KEY,
  at          INTEGER NOT NULL,
  channel_ref INTEGER REFERENCES channels(ref),
  via         TEXT NOT NULL,               -- 'key_9' | 'speech' | 'operator'
  attempt_id  TEXT,
  note        TEXT
) STRICT;

-- The scheduler's memory for phone jobs (a phone channel has a lookup and a call job): the next slot,
-- so a restart keeps every job's rhythm. A website's single job keeps its slot in channel_state.
CREATE TABLE job_slots (
  job_id       TEXT PRIMARY KEY,
  channel_ref  INTEGER NOT NULL REFERENCES channels(ref),
  next_slot_at INTEGER NOT NULL
) STRICT;
CREATE INDEX job_slots_channel ON job_slots(channel_ref);


-- The 2018 protocol: a phone channel is declared no_answer or unavailable only after attempts in at
-- least two different days or time slots. The distinct slots of the current streak are kept here.
ALTER TABLE channel_state ADD COLUMN streak_slots TEXT NOT NULL DEFAULT '[]';
