// `reachwatch verify`: walks each hash chain and names the first record that was changed, inserted,
// deleted or reordered, or confirms the chain up to its head. The pass is split across worker
// threads (a record's check needs only its own row and its predecessor's hash); the first failure is
// then classified on a window around it.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CHAINS, CHAIN_TABLES, GENESIS, chainHash, type ChainTable, type ChainValue } from './chain.ts';

export type ProblemKind = 'changed' | 'inserted' | 'deleted' | 'reordered';

export interface ChainProblem {
  kind: ProblemKind;
  /** The first bad record (for a deletion: the record after the gap). */
  id: number;
  detail: string;
}

export interface ChainReport {
  table: ChainTable;
  /** Records checked (present in the table). */
  records: number;
  /** Records pruned before the first one kept (from checkpoints). */
  pruned: number;
  head: { id: number; hash: string } | null;
  ok: boolean;
  problem: ChainProblem | null;
  /** Published heads that were checked against this chain. */
  headsChecked: number;
}

export interface VerifyOptions {
  /** Worker threads for the pass (default: the machine's parallelism, at most 4; 0 = in this thread). */
  workers?: number;
  /** Heads noted earlier by a third party: the chain must contain each, unchanged. */
  heads?: { table: ChainTable; id: number; hash: string }[];
  /** After each chain table: how many tables are done of how many, and the records checked so far (for a progress line). */
  onProgress?: (p: { table: ChainTable; tablesDone: number; tables: number; records: number }) => void;
}

interface RangeResult {
  records: number;
  /** The first record whose own hash or link fails, with its index context. */
  failId: number | null;
  lastId: number | null;
  lastHash: string | null;
}

const WORKER = new URL('./verify-worker-entry.ts', import.meta.url);

/** Checks ids in [fromId, toId]: each record's hash, and its link to `prevHash` / the record before. */
export function verifyRange(db: Database.Database, table: ChainTable, fromId: number, toId: number, prevHash: string): RangeResult {
  const cols = CHAINS[table];
  const it = db.prepare(`SELECT ${cols.join(', ')}, hash, prev_hash FROM ${table} WHERE id >= ? AND id <= ? ORDER BY id`).raw(true).iterate(fromId, toId) as IterableIterator<ChainValue[]>;
  let prev = prevHash;
  let records = 0;
  let lastId: number | null = null;
  const n = cols.length;
  for (const row of it) {
    records++;
    const hash = row[n] as string | null;
    const prevOfRow = row[n + 1] as string | null;
    const id = Number(row[0]);
    lastId = id;
    if (!hash || !prevOfRow || prevOfRow !== prev || chainHash(prevOfRow, row.slice(0, n)) !== hash) {
      return { records, failId: id, lastId, lastHash: hash };
    }
    prev = hash;
  }
  return { records, failId: null, lastId, lastHash: lastId === null ? null : prev };
}

function runWorker(file: string, table: ChainTable, fromId: number, toId: number, prevHash: string): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { workerData: { file, table, fromId, toId, prevHash } });
    let result: RangeResult | null = null;
    w.once('message', (m: RangeResult) => {
      result = m;
    });
    w.once('error', reject);
    w.once('exit', (code) => (result ? resolve(result) : reject(new Error(`a verify worker stopped (exit code ${code})`))));
  });
}

/** Classifies the first failure, looking at the records around it. */
function classify(db: Database.Database, table: ChainTable, failId: number, expectedFirstPrev: string): ChainProblem {
  const cols = CHAINS[table];
  const n = cols.length;
  type Row = { id: number; values: ChainValue[]; hash: string | null; prev: string | null };
  const window = (db.prepare(`SELECT ${cols.join(', ')}, hash, prev_hash FROM ${table} WHERE id >= ? ORDER BY id LIMIT 20001`).raw(true).all(Math.max(0, failId - 10_000)) as ChainValue[][]).map(
    (r): Row => ({ id: Number(r[0]), values: r.slice(0, n), hash: r[n] as string | null, prev: r[n + 1] as string | null }),
  );
  const k = window.findIndex((r) => r.id === failId);
  if (k < 0) return { kind: 'deleted', id: failId, detail: `record ${failId} is gone` };
  const row = window[k] as Row;
  const before = k > 0 ? (window[k - 1] as Row) : null;
  const expectedPrev = before?.hash ?? (window[0]?.id === failId ? expectedFirstPrev : null);
  const after = window[k + 1];
  const byHash = new Map(window.filter((r) => r.hash).map((r) => [r.hash as string, r]));
  const selfOk = row.hash !== null && row.prev !== null && chainHash(row.prev, row.values) === row.hash;
  const hex = (h: string | null) => (h ? h.slice(0, 16) : 'none');

  if (row.hash === null || row.prev === null) {
    return { kind: 'inserted', id: row.id, detail: `record ${row.id} carries no chain hash: it was added outside reachwatch's writer` };
  }
  if (!selfOk) {
    // Records were shifted to make room: this one links past the record before it, which is itself
    // a well-formed link: that record was slipped in.
    const twoBack = k >= 2 ? (window[k - 2] as Row) : null;
    if (before?.hash && before.prev && twoBack?.hash && row.prev === twoBack.hash && before.prev === twoBack.hash && chainHash(before.prev, before.values) === before.hash) {
      return { kind: 'inserted', id: before.id, detail: `record ${before.id} is not part of the chain: the records after it were renumbered to make room for it` };
    }
    // Its content hashes to a valid link when given another id: rows were renumbered (swapped).
    for (const other of window) {
      if (other.id !== row.id && chainHash(row.prev, [other.id, ...row.values.slice(1)]) === row.hash) {
        return { kind: 'reordered', id: row.id, detail: `record ${row.id} was written as record ${other.id}: records were reordered` };
      }
    }
    // The chain goes on around this record: it was slipped in between two linked ones.
    if (after?.prev && expectedPrev && after.prev === expectedPrev) {
      return { kind: 'inserted', id: row.id, detail: `record ${row.id} is not part of the chain: the record after it links to the one before it` };
    }
    return { kind: 'changed', id: row.id, detail: `record ${row.id} does not match its hash ${hex(row.hash)}: its content (or hash) was edited after it was written` };
  }
  // The record itself is intact but does not follow the one before it.
  const linkedTo = row.prev ? byHash.get(row.prev) : undefined;
  if (before && linkedTo && linkedTo.id !== before.id) {
    if (k >= 2 && linkedTo.id === (window[k - 2] as Row).id) {
      return { kind: 'inserted', id: before.id, detail: `record ${before.id} is not part of the chain: record ${row.id} links to record ${linkedTo.id}` };
    }
    return { kind: 'reordered', id: row.id, detail: `record ${row.id} follows record ${linkedTo.id} in the chain, not record ${before.id}: records were reordered` };
  }
  return {
    kind: 'deleted',
    id: row.id,
    detail: `record ${row.id} does not follow ${before ? `record ${before.id}` : 'the start of the chain'}: one or more records before it were deleted`,
  };
}

export async function verifyDatabase(file: string, opts: VerifyOptions = {}): Promise<ChainReport[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  // One snapshot for everything read on this connection: a prune running meanwhile (the daemon's
  // retention, or the CLI) cannot make a checkpoint and the rows after it disagree.
  db.exec('BEGIN');
  try {
    db.prepare('SELECT 1 FROM probes LIMIT 1').get();
    const workers = opts.workers ?? Math.min(4, availableParallelism());
    const reports: ChainReport[] = [];
    let checked = 0;
    for (const table of CHAIN_TABLES) {
      const cp = db.prepare<[string], { up_to_id: number; last_hash: string }>(`SELECT up_to_id, last_hash FROM chain_checkpoints WHERE tbl = ? ORDER BY up_to_id DESC LIMIT 1`).get(table);
      const pruned = db.prepare<[string], { n: number | null }>(`SELECT SUM(pruned) AS n FROM chain_checkpoints WHERE tbl = ?`).get(table)?.n ?? 0;
      const bounds = db.prepare<[], { lo: number | null; hi: number | null; n: number }>(`SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM ${table}`).get() as { lo: number | null; hi: number | null; n: number };
      const firstPrev = cp?.last_hash ?? GENESIS;
      const report: ChainReport = { table, records: 0, pruned, head: null, ok: true, problem: null, headsChecked: 0 };
      reports.push(report);
      if (bounds.lo !== null && bounds.hi !== null) {
        // Ranges by id: each worker also reads the hash of the record before its range.
        const parts = workers > 1 && bounds.n > 200_000 ? workers : 1;
        const step = Math.ceil((bounds.hi - bounds.lo + 1) / parts);
        const ranges = Array.from({ length: parts }, (_, i) => [(bounds.lo as number) + i * step, Math.min(bounds.hi as number, (bounds.lo as number) + (i + 1) * step - 1)] as const);
        const prevOf = db.prepare<[number], { hash: string | null }>(`SELECT hash FROM ${table} WHERE id < ? ORDER BY id DESC LIMIT 1`);
        const prevs = ranges.map(([a], i) => (i === 0 ? firstPrev : (prevOf.get(a)?.hash ?? GENESIS)));
        const results = await Promise.all(
          ranges.map(([a, b], i) => (parts > 1 ? runWorker(file, table, a, b, prevs[i] as string) : Promise.resolve(verifyRange(db, table, a, b, prevs[i] as string)))),
        );
        report.records = bounds.n;
        for (let i = 0; i < results.length; i++) {
          const r = results[i] as RangeResult;
          if (r.failId === null) continue;
          // A worker reads its own snapshot: confirm the failure in this one before reporting it.
          const [a, b] = ranges[i] as readonly [number, number];
          const confirmed = parts > 1 ? verifyRange(db, table, a, b, prevs[i] as string) : r;
          if (confirmed.failId === null) continue;
          report.ok = false;
          report.problem = classify(db, table, confirmed.failId, firstPrev);
          break;
        }
        const last = db.prepare<[], { id: number; hash: string | null }>(`SELECT id, hash FROM ${table} ORDER BY id DESC LIMIT 1`).get();
        if (last) report.head = { id: last.id, hash: last.hash ?? '' };
      }
      checked += report.records;
      opts.onProgress?.({ table, tablesDone: reports.length, tables: CHAIN_TABLES.length, records: checked });
      // Heads: those a third party noted, and those reachwatch published itself (a deleted tail or a
      // wiped table shows against them).
      const stored = db
        .prepare<[string], { day: string; last_id: number; hash: string }>(`SELECT day, last_id, hash FROM chain_heads WHERE tbl = ? ORDER BY last_id`)
        .all(table)
        .map((h) => ({ id: h.last_id, hash: h.hash, what: `the head published for ${h.day}` }));
      const given = (opts.heads ?? []).filter((h) => h.table === table).map((h) => ({ id: h.id, hash: h.hash.toLowerCase(), what: `the head ${table}:${h.id}` }));
      for (const h of [...given, ...stored]) {
        if (!report.ok) break;
        if (cp && h.id <= cp.up_to_id) {
          // Pruned: only the checkpoint's own record can still be compared.
          if (h.id === cp.up_to_id && cp.last_hash !== h.hash) {
            report.ok = false;
            report.problem = { kind: 'changed', id: h.id, detail: `${h.what} (${h.hash.slice(0, 16)}…) differs from the pruning checkpoint (${cp.last_hash.slice(0, 16)}…)` };
          }
          report.headsChecked++;
          continue;
        }
        report.headsChecked++;
        const row = db.prepare<[number], { hash: string | null }>(`SELECT hash FROM ${table} WHERE id = ?`).get(h.id);
        if (!row || row.hash !== h.hash) {
          report.ok = false;
          report.problem = {
            kind: row ? 'changed' : 'deleted',
            id: h.id,
            detail: row
              ? `${h.what} was ${h.hash.slice(0, 16)}…, the chain now has ${row.hash?.slice(0, 16) ?? 'none'}…: history up to it was rewritten`
              : `${h.what} (record ${h.id}) is gone: records were deleted from the end of the chain`,
          };
        }
      }
    }
    return reports;
  } finally {
    db.exec('COMMIT');
    db.close();
  }
}
