// A regional agent's own SQLite file (docs/agents.md, "What the agent keeps"): the leases it took,
// the signed results waiting to be pushed, and the batches it sent. Not the central's database: it has
// its own schema, versioned with user_version, created here.
//
// Invariants the agent relies on, each kept by one transaction below:
// - a (job, slot) is probed at most once by this agent: a lease is recorded before its probe starts,
//   and a lease already recorded (in any state, also after kill -9) is never probed again;
// - a result is written in the transaction that marks its lease done, so a finished probe is either
//   in the outbox or was never finished;
// - a batch (its id, sequence number and results) is written before it is sent, so a retry after a
//   lost answer or a crash sends the same batch; its rows are deleted only when the central
//   acknowledged it.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DB } from './connection.ts';

export const AGENT_OUTBOX_FILE = 'agent-outbox.db';
const SCHEMA_VERSION = 1;

const SCHEMA_V1 = `
CREATE TABLE leases (
  job_id      TEXT NOT NULL,
  slot_at     INTEGER NOT NULL,            -- the central's slot (central time)
  lease_until INTEGER NOT NULL,            -- central time
  job         TEXT NOT NULL,               -- the leased job as the central sent it (JSON)
  state       TEXT NOT NULL,               -- 'leased' | 'probing' | 'done' | 'skipped'
  taken_at    INTEGER NOT NULL,            -- agent clock
  note        TEXT,                        -- why it was skipped
  PRIMARY KEY (job_id, slot_at)
) STRICT, WITHOUT ROWID;
CREATE TABLE results (
  id         INTEGER PRIMARY KEY,
  job_id     TEXT NOT NULL,
  slot_at    INTEGER NOT NULL,
  started_at INTEGER NOT NULL,             -- agent clock
  result     TEXT NOT NULL,                -- the signed result, exactly as it is sent (JSON)
  batch_id   TEXT                          -- the batch it was put in; NULL while waiting
) STRICT;
CREATE INDEX results_waiting ON results(batch_id, id);
CREATE TABLE batches (
  batch_id   TEXT PRIMARY KEY,
  seq        INTEGER NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
`;

export class AgentOutboxSchemaError extends Error {
  override name = 'AgentOutboxSchemaError';
}

export type LeaseState = 'leased' | 'probing' | 'done' | 'skipped';

export interface StoredLease {
  jobId: string;
  slotAt: number;
  leaseUntil: number;
  /** The job as leased (JSON text), for the agent to parse. */
  job: string;
  state: LeaseState;
}

/** A batch as persisted: its identity and its results' JSON, in id order. */
export interface StoredBatch {
  batchId: string;
  seq: number;
  createdAt: number;
  attempts: number;
  /** Each result's JSON text, exactly as stored when it was signed. */
  results: string[];
}

export interface OutboxDepth {
  /** Results not yet acknowledged by the central (waiting or in a batch). */
  depth: number;
  /** started_at (agent clock) of the oldest of them, or null. */
  oldestStartedAt: number | null;
}

export class AgentOutbox {
  readonly db: DB;
  private readonly s;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, AGENT_OUTBOX_FILE));
    try {
      this.db.pragma('journal_mode = WAL');
      // Every commit reaches the disk: a result acknowledged to nobody yet must survive power loss.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      migrateOutbox(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    const db = this.db;
    this.s = {
      insertLease: db.prepare<[string, number, number, string, number]>(
        "INSERT OR IGNORE INTO leases (job_id, slot_at, lease_until, job, state, taken_at) VALUES (?, ?, ?, ?, 'leased', ?)",
      ),
      setState: db.prepare<[LeaseState, string | null, string, number, LeaseState]>('UPDATE leases SET state = ?, note = ? WHERE job_id = ? AND slot_at = ? AND state = ?'),
      leased: db.prepare<[], { job_id: string; slot_at: number; lease_until: number; job: string; state: LeaseState }>(
        "SELECT job_id, slot_at, lease_until, job, state FROM leases WHERE state = 'leased' ORDER BY slot_at, job_id",
      ),
      insertResult: db.prepare<[string, number, number, string]>('INSERT INTO results (job_id, slot_at, started_at, result) VALUES (?, ?, ?, ?)'),
      openBatch: db.prepare<[], { batch_id: string; seq: number; created_at: number; attempts: number }>(
        'SELECT batch_id, seq, created_at, attempts FROM batches ORDER BY seq LIMIT 1',
      ),
      batchResults: db.prepare<[string], { result: string }>('SELECT result FROM results WHERE batch_id = ? ORDER BY id'),
      waiting: db.prepare<[number], { id: number; result: string }>('SELECT id, result FROM results WHERE batch_id IS NULL ORDER BY id LIMIT ?'),
      assign: db.prepare<[string, number]>('UPDATE results SET batch_id = ? WHERE id = ?'),
      insertBatch: db.prepare<[string, number, number]>('INSERT INTO batches (batch_id, seq, created_at) VALUES (?, ?, ?)'),
      attempt: db.prepare<[string]>('UPDATE batches SET attempts = attempts + 1 WHERE batch_id = ?'),
      deleteResults: db.prepare<[string]>('DELETE FROM results WHERE batch_id = ?'),
      deleteBatch: db.prepare<[string]>('DELETE FROM batches WHERE batch_id = ?'),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      depth: db.prepare<[], { n: number; oldest: number | null }>('SELECT count(*) AS n, min(started_at) AS oldest FROM results'),
      pruneLeases: db.prepare<[number]>('DELETE FROM leases WHERE lease_until < ?'),
      leaseCounts: db.prepare<[], { state: LeaseState; n: number }>('SELECT state, count(*) AS n FROM leases GROUP BY state'),
    };
  }

  /**
   * Records leases just received. Returns the ones that are new: a (job, slot) this agent already
   * holds in any state (a retried lease, or one leased again after its earlier lease expired) is not
   * returned, so it is never probed twice.
   */
  recordLeases(leases: { jobId: string; slotAt: number; leaseUntil: number; job: string }[], now: number): typeof leases {
    return this.db.transaction(() => leases.filter((l) => this.s.insertLease.run(l.jobId, l.slotAt, l.leaseUntil, l.job, now).changes === 1))();
  }

  /** Leases recorded but not started (after a restart: probed if their lease still allows it). */
  pendingLeases(): StoredLease[] {
    return this.s.leased.all().map((r) => ({ jobId: r.job_id, slotAt: r.slot_at, leaseUntil: r.lease_until, job: r.job, state: r.state }));
  }

  /**
   * Marks a lease as being probed, before the probe starts. False if it was not waiting (so the
   * caller must not probe it). A lease left 'probing' by a crash is never probed again.
   */
  startProbe(jobId: string, slotAt: number): boolean {
    return this.s.setState.run('probing', null, jobId, slotAt, 'leased').changes === 1;
  }

  /** A lease not probed (it could not finish in time, or the agent is stopping); it will expire at the central. */
  skip(jobId: string, slotAt: number, note: string): void {
    this.db.transaction(() => {
      if (this.s.setState.run('skipped', note, jobId, slotAt, 'leased').changes === 0) this.s.setState.run('skipped', note, jobId, slotAt, 'probing');
    })();
  }

  /** The result of a probe, in the transaction that marks its lease done. False if the lease was not being probed. */
  addResult(jobId: string, slotAt: number, startedAt: number, resultJson: string): boolean {
    return this.db.transaction(() => {
      if (this.s.setState.run('done', null, jobId, slotAt, 'probing').changes !== 1) return false;
      this.s.insertResult.run(jobId, slotAt, startedAt, resultJson);
      return true;
    })();
  }

  /**
   * The batch to send: the unacknowledged one if there is one (the same id, seq and results as
   * before), else a new one of up to `max` waiting results, persisted before it is returned. Null
   * when nothing waits.
   */
  nextBatch(max: number, newBatchId: () => string, now: number): StoredBatch | null {
    return this.db.transaction((): StoredBatch | null => {
      const open = this.s.openBatch.get();
      if (open) {
        return { batchId: open.batch_id, seq: open.seq, createdAt: open.created_at, attempts: open.attempts, results: this.s.batchResults.all(open.batch_id).map((r) => r.result) };
      }
      const rows = this.s.waiting.all(max);
      if (rows.length === 0) return null;
      const seq = this.nextSeq(now);
      const batchId = newBatchId();
      this.s.insertBatch.run(batchId, seq, now);
      for (const r of rows) this.s.assign.run(batchId, r.id);
      return { batchId, seq, createdAt: now, attempts: 0, results: rows.map((r) => r.result) };
    })();
  }

  /** One more try of a batch (for the logs and backoff). */
  attempted(batchId: string): void {
    this.s.attempt.run(batchId);
  }

  /** The central has the batch (200, or 409 batch_already_ingested): its rows go. */
  acknowledge(batchId: string): void {
    this.db.transaction(() => {
      this.s.deleteResults.run(batchId);
      this.s.deleteBatch.run(batchId);
    })();
  }

  depth(): OutboxDepth {
    const r = this.s.depth.get();
    return { depth: r?.n ?? 0, oldestStartedAt: r?.oldest ?? null };
  }

  leaseCounts(): Record<LeaseState, number> {
    const out: Record<LeaseState, number> = { leased: 0, probing: 0, done: 0, skipped: 0 };
    for (const r of this.s.leaseCounts.all()) out[r.state] = r.n;
    return out;
  }

  /**
   * Forgets leases that ended before `before` (central time): their slots can no longer be leased
   * to anyone, so the at-most-once memory is not needed for them any more.
   */
  pruneLeases(before: number): number {
    return this.s.pruneLeases.run(before).changes;
  }

  getMeta(key: string): string | null {
    return this.s.getMeta.get(key)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Batch numbers start at the agent's clock when the outbox was made (ms), then go up by one, so an
   * agent whose folder was lost and re-created starts above any number it used before and the
   * central's replay check (seq must grow) does not refuse it.
   */
  private nextSeq(now: number): number {
    const stored = this.s.getMeta.get('next_seq');
    const seq = stored ? Number(stored.value) : now;
    this.s.setMeta.run('next_seq', String(seq + 1));
    return seq;
  }
}

function migrateOutbox(db: DB): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new AgentOutboxSchemaError(
      `The agent outbox ${db.name} has schema version ${version}, but this reachwatch knows only up to ${SCHEMA_VERSION}: it was written by a newer release. Run that release; nothing was changed.`,
    );
  }
  if (version === 0) {
    db.transaction(() => {
      db.exec(SCHEMA_V1);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }
}
