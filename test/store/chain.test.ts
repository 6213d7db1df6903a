// Tamper-evident history on a real database file: edit, delete, insert and reorder rows by hand,
// as someone with the file and sqlite3 could, and `verify` names the first bad record each time; it
// passes on an untouched file, after pruning, and a rewrite of history is caught by a published head.

import { copyFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { buildConfig } from '../../src/config/config.ts';
import { createAlerting } from '../../src/daemon/alerting.ts';
import type { Outcome, ProbeRecord } from '../../src/domain.ts';
import { exportEvidence, verifyBundle } from '../../src/export/evidence.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { CHAINS, chainHash, GENESIS, type ChainValue } from '../../src/store/chain.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/store/db.ts';
import { recordDailyHeads } from '../../src/store/heads.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { pruneProbes } from '../../src/store/retention.ts';
import { verifyDatabase } from '../../src/store/verify.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
let original: string;
let cleanup: () => void;
const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  const dataDir = path.join(dir, 'data');
  const db = openDatabase(dataDir);
  const reg = `- id: a\n  name: A\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "https://a.example.kz/"}\n    - {type: website, value: "https://a2.example.kz/"}\n`;
  syncRegistry(db, assertLoadable(parseRegistry(reg, 'r.yaml')), 'r.yaml', 'x');
  const config = buildConfig({ centers: { dark_after: 0 } }, {}, null, (k) => k.join('.'), dir);
  const alerting = await createAlerting(db, config, pino({ level: process.env.TEST_LOG ?? 'silent' }), null);
  alerting.tracker.loadCenters();
  const writer = new ProbeWriter(db, { rules: { confirmations: 1 }, batchMaxRows: 50, flushIntervalMs: 5, afterBatch: (s) => alerting.afterBatch(s) });
  // 400 probes over 40 days; the outcome flips every 25 probes, so channel and center status changes are chained too.
  for (let i = 0; i < 400; i++) {
    const outcome: Outcome = Math.floor(i / 25) % 2 === 0 ? 'reachable' : 'unavailable';
    const rec: ProbeRecord = {
      channelId: i % 2 ? 'a--web-a-example-kz' : 'a--web-a2-example-kz', jobId: null, dueAt: T0 + i * (DAY / 10), startedAt: T0 + i * (DAY / 10), durationMs: 10 + (i % 7) / 4,
      evidence: { method: 'http', v: 1, n: i, text: 'привет, "мир"' }, classification: { outcome, reason: outcome === 'reachable' ? 'ok' : 'http_5xx', detail: 'd', flags: [] },
    };
    const p = writer.add(rec);
    if (i % 25 === 24) {
      writer.flush();
      await p;
      await alerting.tracker.settle();
    }
  }
  writer.flush();
  writer.close();
  await alerting.tracker.settle();
  await alerting.stop();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  original = path.join(dataDir, DB_FILE_NAME);
}, 30_000);

afterAll(() => cleanup());

let n = 0;
/** A fresh copy of the untouched database, changed by `tamper` with plain SQL. */
function tampered(tamper: (db: Database.Database) => void): string {
  const file = path.join(dir, `copy-${n++}.db`);
  copyFileSync(original, file);
  const db = new Database(file);
  tamper(db);
  db.close();
  return file;
}
const reportOf = async (file: string, table = 'probes', workers = 0) => (await verifyDatabase(file, { workers })).find((r) => r.table === table);

describe('verify', () => {
  test('an untouched database verifies, every chain up to its head', async () => {
    const reports = await verifyDatabase(original, { workers: 0 });
    expect(reports.map((r) => [r.table, r.ok])).toEqual([['probes', true], ['status_changes', true], ['center_status_changes', true]]);
    expect(reports[0]?.records).toBe(400);
    expect(reports[1]?.records).toBeGreaterThan(10);
    expect(reports[2]?.records).toBeGreaterThan(10);
    // The same with worker threads (the split is forced by a small threshold only for big tables; 2 workers here still run in-thread below 200k).
    expect((await verifyDatabase(original, { workers: 2 })).every((r) => r.ok)).toBe(true);
  });

  test('an edited row is named', async () => {
    const r = await reportOf(tampered((db) => db.prepare(`UPDATE probes SET outcome = 'reachable' WHERE id = 100`).run()));
    expect(r?.problem).toMatchObject({ kind: 'changed', id: 100 });
  });

  test('an edited hash is named too (content and hash must agree)', async () => {
    const r = await reportOf(tampered((db) => db.prepare(`UPDATE probes SET hash = lower(hex(randomblob(32))) WHERE id = 120`).run()));
    expect(r?.problem).toMatchObject({ id: 120 });
    expect(r?.ok).toBe(false);
  });

  test('a deleted row is named by the record after the gap', async () => {
    const r = await reportOf(tampered((db) => db.prepare(`DELETE FROM probes WHERE id = 150`).run()));
    expect(r?.problem).toMatchObject({ kind: 'deleted', id: 151 });
  });

  test('an inserted row is named: appended naively, or slipped in with forged links and renumbering', async () => {
    const naive = await reportOf(
      tampered((db) =>
        db.prepare(`INSERT INTO probes (channel_ref, due_at, started_at, duration_ms, method, outcome, reason, classifier_version, evidence) SELECT channel_ref, due_at, started_at, duration_ms, method, 'reachable', 'ok', 1, evidence FROM probes WHERE id = 10`).run(),
      ),
    );
    expect(naive?.problem).toMatchObject({ kind: 'inserted', id: 401 });

    const forged = await reportOf(
      tampered((db) => {
        // Make room at id 200 and forge a record that links correctly to 199.
        const cols = CHAINS.probes;
        db.prepare(`UPDATE probes SET id = -id WHERE id >= 200`).run();
        db.prepare(`UPDATE probes SET id = -id + 1 WHERE id < 0`).run();
        const prev = (db.prepare(`SELECT hash FROM probes WHERE id = 199`).get() as { hash: string }).hash;
        const template = db.prepare(`SELECT ${cols.join(', ')} FROM probes WHERE id = 198`).raw(true).get() as ChainValue[];
        const values = [200, ...template.slice(1)];
        values[6] = 'reachable';
        db.prepare(`INSERT INTO probes (${cols.join(', ')}, hash, prev_hash) VALUES (${cols.map(() => '?').join(', ')}, ?, ?)`).run(...values, chainHash(prev, values), prev);
      }),
    );
    expect(forged?.problem).toMatchObject({ kind: 'inserted', id: 200 });
  });

  test('two reordered rows are named', async () => {
    const r = await reportOf(
      tampered((db) => {
        db.prepare(`UPDATE probes SET id = -1 WHERE id = 250`).run();
        db.prepare(`UPDATE probes SET id = 250 WHERE id = 251`).run();
        db.prepare(`UPDATE probes SET id = 251 WHERE id = -1`).run();
      }),
    );
    expect(r?.problem).toMatchObject({ kind: 'reordered', id: 250 });
  });

  test('status changes and center status changes are chained as well', async () => {
    const sc = await reportOf(tampered((db) => db.prepare(`UPDATE status_changes SET to_status = 'reachable' WHERE id = 3`).run()), 'status_changes');
    expect(sc?.problem).toMatchObject({ kind: 'changed', id: 3 });
    const cc = await reportOf(tampered((db) => db.prepare(`DELETE FROM center_status_changes WHERE id = 2`).run()), 'center_status_changes');
    expect(cc?.problem).toMatchObject({ kind: 'deleted', id: 3 });
  });

  test('pruning keeps a checkpoint: the chain verifies from the first record kept; rollups stay', async () => {
    const file = tampered(() => undefined);
    const db = openDatabase(path.dirname(file), { migrationsDir: undefined });
    db.close();
    const raw = new Database(file);
    const rollupsBefore = raw.prepare(`SELECT SUM(probes) AS n FROM center_days`).get();
    raw.close();
    const dataDir = path.join(dir, `prune-${n++}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    copyFileSync(original, path.join(dataDir, DB_FILE_NAME));
    const pdb = openDatabase(dataDir);
    const result = pruneProbes(pdb, T0 + 20 * DAY);
    expect(result).toEqual({ pruned: 200, upToId: 200 });
    expect(pdb.prepare(`SELECT SUM(probes) AS n FROM center_days`).get()).toEqual(rollupsBefore);
    pdb.close();
    const r = await reportOf(path.join(dataDir, DB_FILE_NAME));
    expect(r).toMatchObject({ ok: true, records: 200, pruned: 200 });
    // Deleting the first kept record is still caught.
    const raw2 = new Database(path.join(dataDir, DB_FILE_NAME));
    raw2.prepare(`DELETE FROM probes WHERE id = 201`).run();
    raw2.close();
    expect((await reportOf(path.join(dataDir, DB_FILE_NAME)))?.problem).toMatchObject({ kind: 'deleted', id: 202 });
  });

  test('a published head proves history up to it, even against a rewrite that recomputes every later hash', async () => {
    const dataDir = path.join(dir, `heads-${n++}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    copyFileSync(original, path.join(dataDir, DB_FILE_NAME));
    const db = openDatabase(dataDir);
    const [head] = recordDailyHeads(db, Date.now(), null);
    db.close();
    expect(head).toMatchObject({ table: 'probes', lastId: 400 });
    const file = path.join(dataDir, DB_FILE_NAME);
    // The attacker edits record 50 and rebuilds the whole chain after it: self-consistent again.
    const raw = new Database(file);
    raw.prepare(`UPDATE probes SET outcome = 'reachable' WHERE id = 50`).run();
    // Left in place, the heads stored in the file would give it away; a careful attacker drops them.
    const caught = await verifyDatabase(file, { workers: 0 });
    expect(caught[0]?.ok).toBe(false);
    raw.prepare(`DELETE FROM chain_heads`).run();
    const cols = CHAINS.probes;
    let prev: string = GENESIS;
    for (const row of raw.prepare(`SELECT ${cols.join(', ')} FROM probes ORDER BY id`).raw(true).all() as ChainValue[][]) {
      const h = chainHash(prev, row);
      raw.prepare(`UPDATE probes SET hash = ?, prev_hash = ? WHERE id = ?`).run(h, prev, row[0]);
      prev = h;
    }
    raw.close();
    expect((await verifyDatabase(file, { workers: 0 }))[0]?.ok).toBe(true);
    const withHead = await verifyDatabase(file, { workers: 0, heads: [{ table: 'probes', id: 400, hash: head?.hash as string }] });
    expect(withHead[0]).toMatchObject({ ok: false, problem: { kind: 'changed', id: 400 } });
  });

  test('a restart does not paper over damage: a cleared hash amid linked records is left for verify to report', async () => {
    const file = tampered((db) => {
      db.prepare(`UPDATE probes SET outcome = 'reachable' WHERE id = 100`).run();
      db.prepare(`UPDATE probes SET hash = NULL WHERE id = 90`).run();
    });
    const { backfillChains } = await import('../../src/store/chain.ts');
    const db = new Database(file);
    expect(backfillChains(db as unknown as Parameters<typeof backfillChains>[0])).toBe(0);
    db.close();
    expect((await reportOf(file))?.ok).toBe(false);
  });

  test('published heads: a deleted tail is caught, and heads older than a pruning are not a false alarm', async () => {
    const dataDir = path.join(dir, `tail-${n++}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    copyFileSync(original, path.join(dataDir, DB_FILE_NAME));
    const db = openDatabase(dataDir);
    const heads = recordDailyHeads(db, Date.now(), null);
    db.close();
    const file = path.join(dataDir, DB_FILE_NAME);
    const cut = tampered(() => undefined);
    copyFileSync(file, cut);
    const raw = new Database(cut);
    raw.prepare(`DELETE FROM probes WHERE id > 390`).run();
    raw.close();
    expect((await reportOf(cut))?.problem).toMatchObject({ kind: 'deleted', id: 400 });

    // Prune past an earlier head: verify stays ok, and says the heads were looked at.
    const pdb = openDatabase(dataDir);
    pdb.prepare(`INSERT INTO chain_heads (day, tbl, last_id, hash, records, at) SELECT '2026-01-05', 'probes', id, hash, id, 0 FROM probes WHERE id = 150`).run();
    pruneProbes(pdb, T0 + 20 * DAY);
    pdb.close();
    const r = await reportOf(file);
    expect(r).toMatchObject({ ok: true, pruned: 200 });
    expect(r?.headsChecked).toBeGreaterThanOrEqual(2);
    expect(heads.length).toBe(3);
  });

  test('a second writer on the same file: the first re-reads the chain ends instead of failing forever', async () => {
    const dataDir = path.join(dir, `two-${n++}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    copyFileSync(original, path.join(dataDir, DB_FILE_NAME));
    const db1 = openDatabase(dataDir);
    const db2 = openDatabase(dataDir);
    const mk = (db: typeof db1) => new ProbeWriter(db, { rules: { confirmations: 1 }, batchMaxRows: 10, flushIntervalMs: 5 });
    const w1 = mk(db1);
    const w2 = mk(db2);
    const rec = (at: number): ProbeRecord => ({ channelId: 'a--web-a-example-kz', jobId: null, dueAt: at, startedAt: at, durationMs: 1, evidence: { method: 'http', v: 1 }, classification: { outcome: 'reachable', reason: 'ok', detail: 'd', flags: [] } });
    const p2 = w2.add(rec(T0 + 50 * DAY));
    w2.flush();
    await p2;
    const p1 = w1.add(rec(T0 + 51 * DAY)); // its tail is stale: the first try fails, the retry links after w2's record
    w1.flush();
    await new Promise((r) => setTimeout(r, 1200));
    w1.flush();
    await p1;
    w1.close();
    w2.close();
    db1.close();
    db2.close();
    const r = await reportOf(path.join(dataDir, DB_FILE_NAME));
    expect(r).toMatchObject({ ok: true, records: 402 });
  });

  test('the CLI: exit 0 on a sound file, 1 with the first bad record named', async () => {
    const chunks: string[] = [];
    const out = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
    expect(await runCli(['verify', '--db', original, '--workers', '0'], out, out)).toBe(0);
    expect(chunks.join('')).toMatch(/^ok {4}probes: 400 records, head 400 [0-9a-f]{64}/m);
    chunks.length = 0;
    const bad = tampered((db) => db.prepare(`UPDATE probes SET evidence = '{}' WHERE id = 7`).run());
    expect(await runCli(['verify', '--db', bad], out, out)).toBe(1);
    expect(chunks.join('')).toMatch(/BAD {3}probes: 400 records: first bad record 7 \(changed\)/);
    chunks.length = 0;
    expect(await runCli(['verify', '--db', original, '--head', 'probes:12:xyz'], out, out)).toBe(64); // EX_USAGE
    expect(chunks.join('')).toMatch(/--head "probes:12:xyz" must be <table>:<id>:<64 hex digits>/);
  });
});

describe('evidence export', () => {
  test('the bundle checks on its own: file hashes recomputed, every record hash recomputed', async () => {
    const db = new Database(original, { readonly: true });
    const out = path.join(dir, 'bundle');
    const m = await exportEvidence(db, { from: T0 + 5 * DAY, to: T0 + 15 * DAY, centers: ['a'] }, out);
    db.close();
    expect(m.files.map((f) => [f.name, f.records])).toEqual([['probes.ndjson', 100], ['status-changes.ndjson', expect.any(Number)], ['center-status-changes.ndjson', expect.any(Number)]]);
    // Recomputed here with nothing but node:crypto and the files.
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    for (const f of m.files) expect(createHash('sha256').update(readFileSync(path.join(out, f.name))).digest('hex')).toBe(f.sha256);
    expect(readFileSync(path.join(out, 'SHA256SUMS'), 'utf8')).toContain(`${m.files[0]?.sha256}  probes.ndjson`);
    expect(verifyBundle(out)).toMatchObject({ ok: true, records: m.files.reduce((s, f) => s + f.records, 0) });

    // One changed byte in a record is caught twice: the file hash and the record hash.
    const file = path.join(out, 'probes.ndjson');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"unavailable"', '"reachable"'));
    const check = verifyBundle(out);
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toMatch(/^probes\.ndjson: SHA-256 .* differs from the manifest's/);
    expect(check.problems.some((p) => /does not match its hash/.test(p))).toBe(true);
  });
});
