// The agents and agent_batches tables (migrations/0008_vantage_points.sql). Every agent request reads
// its row (a revocation made by the CLI in another process takes effect at once), so the statements
// on that path are prepared once.

import type { DB } from './connection.ts';
import type { AgentBatchRow, AgentRow } from './rows.ts';

/** What an authenticated request tells about its agent (a heartbeat rides on every request). */
export interface AgentSighting {
  at: number;
  queueDepth?: number;
  /** Central time (corrected) of the oldest result waiting in its outbox; null when none waits. */
  oldestQueuedAt?: number | null;
  clockOffsetMs?: number;
  version?: string;
}

export class AgentStore {
  private readonly db: DB;
  private readonly byIdStmt;
  private readonly touchStmt;
  private readonly batchStmt;
  private readonly probeStmt;

  constructor(db: DB) {
    this.db = db;
    this.byIdStmt = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE id = ?');
    // COALESCE keeps what a request did not say (an enrollment says nothing about the queue).
    this.touchStmt = db.prepare(
      `UPDATE agents SET last_seen_at = MAX(COALESCE(last_seen_at, 0), @at),
         queue_depth = COALESCE(@queueDepth, queue_depth),
         oldest_queued_at = CASE WHEN @queueDepth IS NULL THEN oldest_queued_at ELSE @oldestQueuedAt END,
         clock_offset_ms = COALESCE(@clockOffsetMs, clock_offset_ms),
         version = COALESCE(@version, version)
       WHERE id = @id`,
    );
    this.batchStmt = db.prepare<[string, string], AgentBatchRow>('SELECT * FROM agent_batches WHERE agent_id = ? AND batch_id = ?');
    this.probeStmt = db.prepare<[string, number, string, number], { id: number }>(
      'SELECT id FROM probes WHERE agent_id = ? AND channel_ref = ? AND method = ? AND due_at = ?',
    );
  }

  byId(id: string): AgentRow | undefined {
    return this.byIdStmt.get(id);
  }

  byName(name: string): AgentRow | undefined {
    return this.db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE name = ?').get(name);
  }

  insert(row: Pick<AgentRow, 'id' | 'name' | 'vantage' | 'token_hash' | 'created_at' | 'created_by'>): void {
    this.db
      .prepare('INSERT INTO agents (id, name, vantage, token_hash, created_at, created_by) VALUES (@id, @name, @vantage, @token_hash, @created_at, @created_by)')
      .run(row);
  }

  list(includeRevoked: boolean): AgentRow[] {
    return this.db.prepare<[], AgentRow>(`SELECT * FROM agents ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY vantage, name`).all();
  }

  /**
   * Records the agent's key, capabilities and version, once: only a row without a key and not
   * revoked changes (two enrollments racing cannot both win). Returns whether it changed.
   */
  enroll(id: string, publicKey: string, capabilities: string, version: string, now: number): boolean {
    return (
      this.db
        .prepare('UPDATE agents SET public_key = ?, capabilities = ?, version = ?, enrolled_at = ? WHERE id = ? AND public_key IS NULL AND revoked_at IS NULL')
        .run(publicKey, capabilities, version, now, id).changes > 0
    );
  }

  /** Capabilities and version may change at a repeated enrollment with the same key (an upgraded agent). */
  updateCapabilities(id: string, capabilities: string, version: string): void {
    this.db.prepare('UPDATE agents SET capabilities = ?, version = ? WHERE id = ?').run(capabilities, version, id);
  }

  /** Sets revoked_at unless already set; returns whether it changed. */
  revoke(id: string, now: number, by: string): boolean {
    return this.db.prepare('UPDATE agents SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL').run(now, by, id).changes > 0;
  }

  touch(id: string, s: AgentSighting): void {
    this.touchStmt.run({
      id,
      at: s.at,
      queueDepth: s.queueDepth ?? null,
      oldestQueuedAt: s.oldestQueuedAt ?? null,
      clockOffsetMs: s.clockOffsetMs === undefined ? null : Math.round(s.clockOffsetMs),
      version: s.version ?? null,
    });
  }

  /** Marks an agent stale since `since` unless it already is; returns whether it changed (the one alert). */
  markStale(id: string, since: number): boolean {
    return this.db.prepare('UPDATE agents SET stale_since = ? WHERE id = ? AND stale_since IS NULL').run(since, id).changes > 0;
  }

  /** Clears the stale mark of an agent that was heard; returns whether it changed (the one "back" message). */
  markBack(id: string, staleSince: number): boolean {
    return this.db.prepare('UPDATE agents SET stale_since = NULL WHERE id = ? AND stale_since = ?').run(id, staleSince).changes > 0;
  }

  batch(agentId: string, batchId: string): AgentBatchRow | undefined {
    return this.batchStmt.get(agentId, batchId);
  }

  /** The probe already stored for this agent, channel, method and slot (ingest is idempotent on them). */
  storedProbe(agentId: string, channelRef: number, method: string, slotAt: number): number | undefined {
    return this.probeStmt.get(agentId, channelRef, method, slotAt)?.id;
  }

  /**
   * Records an ingested batch and moves the agent's sequence forward. Returns false (and writes
   * nothing) when the batch id is already there: a retry raced the first delivery.
   */
  recordBatch(row: AgentBatchRow): boolean {
    const inserted = this.db
      .prepare(
        `INSERT INTO agent_batches (agent_id, batch_id, seq, received_at, results, stored, duplicates)
         VALUES (@agent_id, @batch_id, @seq, @received_at, @results, @stored, @duplicates) ON CONFLICT DO NOTHING`,
      )
      .run(row).changes;
    if (inserted === 0) return false;
    this.db.prepare('UPDATE agents SET last_batch_seq = MAX(last_batch_seq, ?) WHERE id = ?').run(row.seq, row.agent_id);
    return true;
  }

  /** Runs `fn` in one transaction (immediate: ingest reads then writes). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
