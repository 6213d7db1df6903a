// Retention: the oldest raw probes may be pruned after a configurable period. Pruning removes a
// prefix of the probe chain (by id) and leaves a checkpoint with the hash of the last record removed,
// so the chain still verifies from the first record kept; the rollups and status changes stay.

import type { DB } from './db.ts';

export interface PruneResult {
  pruned: number;
  upToId: number | null;
}

export function pruneProbes(db: DB, olderThan: number, now = Date.now()): PruneResult {
  return db.transaction((): PruneResult => {
    // A prefix by id: every probe up to the first one that is still young (a late manual record
    // with an old date cannot punch a hole in the chain).
    const firstKept = db.prepare<[number], { id: number }>(`SELECT MIN(id) AS id FROM probes WHERE started_at >= ?`).get(olderThan)?.id ?? null;
    const upTo = firstKept === null ? (db.prepare<[], { id: number | null }>(`SELECT MAX(id) AS id FROM probes`).get()?.id ?? null) : firstKept - 1;
    if (upTo === null || upTo < 1) return { pruned: 0, upToId: null };
    const last = db.prepare<[number], { id: number; hash: string }>(`SELECT id, hash FROM probes WHERE id <= ? ORDER BY id DESC LIMIT 1`).get(upTo);
    if (!last) return { pruned: 0, upToId: null };
    // Call records point at their probes; they are raw evidence of the same age and go with them.
    db.prepare(`DELETE FROM call_events WHERE attempt_id IN (SELECT id FROM call_attempts WHERE probe_id <= ?)`).run(last.id);
    db.prepare(`DELETE FROM call_attempts WHERE probe_id <= ?`).run(last.id);
    const pruned = db.prepare(`DELETE FROM probes WHERE id <= ?`).run(last.id).changes;
    db.prepare(`INSERT INTO chain_checkpoints (tbl, up_to_id, last_hash, pruned, at) VALUES ('probes', ?, ?, ?, ?)`).run(last.id, last.hash, pruned, now);
    return { pruned, upToId: last.id };
  })();
}
