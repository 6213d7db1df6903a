// Retention: the oldest raw probes may be pruned after a configurable period. Pruning removes a
// prefix of the probe chain (by id) and leaves a checkpoint with the hash of the last record removed,
// so the chain still verifies from the first record kept; the rollups and status changes stay.

import type { DB } from './db.ts';

export interface PruneResult {
  pruned: number;
  upToId: number | null;
}

/**
 * The shortest retention allowed: call attempts go with their probes, and the calling policy reads
 * them for the monthly spend cap and the weekly per-number limit, so at least two months stay.
 */
export const MIN_RETENTION_MS = 62 * 86_400_000;

/** Records pruned per transaction, each with its own checkpoint, so probing is never held up for long. */
const CHUNK = 20_000;

export function pruneProbes(db: DB, olderThan: number, now = Date.now()): PruneResult {
  if (now - olderThan < MIN_RETENTION_MS) throw new Error('Raw probes younger than 62 days are never pruned (the calling limits read their call records).');
  // A prefix by id: every probe up to the first one that is still young (a late manual record
  // with an old date cannot punch a hole in the chain).
  const firstKept = db.prepare<[number], { id: number | null }>(`SELECT MIN(id) AS id FROM probes WHERE started_at >= ?`).get(olderThan)?.id ?? null;
  const upTo = firstKept === null ? (db.prepare<[], { id: number | null }>(`SELECT MAX(id) AS id FROM probes`).get()?.id ?? null) : firstKept - 1;
  if (upTo === null || upTo < 1) return { pruned: 0, upToId: null };
  let total = 0;
  let last: number | null = null;
  for (;;) {
    const done = db.transaction((): boolean => {
      const lo = db.prepare<[], { id: number | null }>(`SELECT MIN(id) AS id FROM probes`).get()?.id ?? null;
      if (lo === null || lo > upTo) return true;
      const end = db.prepare<[number], { id: number; hash: string }>(`SELECT id, hash FROM probes WHERE id <= ? ORDER BY id DESC LIMIT 1`).get(Math.min(upTo, lo + CHUNK - 1));
      if (!end) return true;
      // Call records point at their probes; they are raw evidence of the same age and go with them.
      db.prepare(`DELETE FROM call_events WHERE attempt_id IN (SELECT id FROM call_attempts WHERE probe_id <= ?)`).run(end.id);
      db.prepare(`DELETE FROM call_attempts WHERE probe_id <= ?`).run(end.id);
      const pruned = db.prepare(`DELETE FROM probes WHERE id <= ?`).run(end.id).changes;
      db.prepare(`INSERT INTO chain_checkpoints (tbl, up_to_id, last_hash, pruned, at) VALUES ('probes', ?, ?, ?, ?)`).run(end.id, end.hash, pruned, now);
      total += pruned;
      last = end.id;
      return end.id >= upTo;
    })();
    if (done) break;
  }
  return { pruned: total, upToId: last };
}
