// The head of each hash chain at the end of each UTC day, recorded once and published (logged and
// served by the API). Whoever notes a head can later check that history up to it is unchanged:
// `reachwatch verify --head probes:<id>:<hash>`.

import type { Logger } from 'pino';
import { CHAIN_TABLES, type ChainTable } from './chain.ts';
import type { DB } from './db.ts';

export interface ChainHead {
  day: string;
  table: ChainTable;
  lastId: number;
  hash: string;
  records: number;
  at: number;
}

/** Records the heads for the UTC day that ended before `now`, if not done yet. Returns the new ones. */
export function recordDailyHeads(db: DB, now: number, log: Logger | null): ChainHead[] {
  const day = new Date(now - 86_400_000).toISOString().slice(0, 10);
  const out: ChainHead[] = [];
  db.transaction(() => {
    for (const table of CHAIN_TABLES) {
      if (db.prepare(`SELECT 1 FROM chain_heads WHERE day = ? AND tbl = ?`).get(day, table)) continue;
      const last = db.prepare<[], { id: number; hash: string | null }>(`SELECT id, hash FROM ${table} ORDER BY id DESC LIMIT 1`).get();
      if (!last?.hash) continue;
      const pruned = db.prepare<[string], { n: number | null }>(`SELECT SUM(pruned) AS n FROM chain_checkpoints WHERE tbl = ?`).get(table)?.n ?? 0;
      const records = (db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? 0) + pruned;
      db.prepare(`INSERT INTO chain_heads (day, tbl, last_id, hash, records, at) VALUES (?, ?, ?, ?, ?, ?)`).run(day, table, last.id, last.hash, records, now);
      out.push({ day, table, lastId: last.id, hash: last.hash, records, at: now });
    }
  })();
  for (const h of out) log?.info({ day: h.day, chain: h.table, lastId: h.lastId, hash: h.hash, records: h.records }, 'chain head published');
  return out;
}

export function listHeads(db: DB, from: string, to: string): ChainHead[] {
  return db
    .prepare<[string, string], { day: string; tbl: ChainTable; last_id: number; hash: string; records: number; at: number }>(
      `SELECT day, tbl, last_id, hash, records, at FROM chain_heads WHERE day >= ? AND day <= ? ORDER BY day, tbl`,
    )
    .all(from, to)
    .map((r) => ({ day: r.day, table: r.tbl, lastId: r.last_id, hash: r.hash, records: r.records, at: r.at }));
}

/** The chains' current ends. */
export function currentHeads(db: DB): { table: ChainTable; lastId: number | null; hash: string | null }[] {
  return CHAIN_TABLES.map((table) => {
    const last = db.prepare<[], { id: number; hash: string | null }>(`SELECT id, hash FROM ${table} ORDER BY id DESC LIMIT 1`).get();
    return { table, lastId: last?.id ?? null, hash: last?.hash ?? null };
  });
}
