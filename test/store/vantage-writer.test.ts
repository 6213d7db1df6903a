// The ProbeWriter's vantage path on a real SQLite file: an agent's result is stored with its point and
// agent beside the chained content and its `vantage` block inside it; a result pushed twice is stored
// once (the second is a duplicate, no chain link used); each point keeps its own status and the
// channel's is their combination, chained like any status change; a central-only channel is written
// exactly as before vantage points existed.

import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import type { Outcome, ProbeRecord, ProbeVantage } from '../../src/domain.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase } from '../../src/store/db.ts';
import { ProbeWriter, type StoredProbe, type VantageWiring } from '../../src/store/probe-writer.ts';
import { verifyDatabase } from '../../src/store/verify.ts';
import { tempDir } from '../helpers/tmp.ts';

const REG = `- id: a\n  name: A\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "https://a.example.kz/"}\n    - {type: website, value: "https://b.example.kz/"}\n`;
const WEB = 'a--web-a-example-kz';
const WEB2 = 'a--web-b-example-kz';
const T0 = Date.UTC(2026, 5, 1);
const MIN = 60_000;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(wiring?: VantageWiring, confirmations = 2) {
  const t = tempDir();
  const db = openDatabase(path.join(t.dir, 'data'));
  syncRegistry(db, assertLoadable(parseRegistry(REG, 'r.yaml')), 'r.yaml', 'x');
  const batches: StoredProbe[][] = [];
  const committed: StoredProbe[][] = [];
  const writer = new ProbeWriter(db, {
    rules: { confirmations },
    batchMaxRows: 100,
    flushIntervalMs: 5,
    afterBatch: (s) => batches.push(s),
    onCommitted: (s) => committed.push(s),
    ...(wiring ? { vantage: wiring } : {}),
  });
  cleanups.push(() => {
    writer.close();
    db.close();
    t.remove();
  });
  return { db, writer, batches, committed, file: path.join(t.dir, 'data', 'reachwatch.db') };
}

const ok = (o: Outcome) => ({ outcome: o, reason: o === 'reachable' ? 'http_200' : 'connection_reset', detail: o, flags: [] });
let n = 0;
function rec(channelId: string, at: number, outcome: Outcome, vantage?: Partial<ProbeVantage> & { point: string }): ProbeRecord {
  n++;
  return {
    channelId, jobId: vantage ? `${channelId}#http@${vantage.point}` : `${channelId}#http`, dueAt: at, startedAt: at + 50, durationMs: 12,
    evidence: { method: 'http', v: 1, n }, classification: ok(outcome),
    ...(vantage ? { vantage: { agentId: `agt_${vantage.point}`, receivedAt: at + 1000, signature: 's'.repeat(88), ...vantage } } : {}),
  };
}
async function write(w: ProbeWriter, ...records: ProbeRecord[]): Promise<StoredProbe[]> {
  const all = records.map((r) => w.add(r));
  w.flush();
  return Promise.all(all);
}
const state = (db: Database.Database, id: string) =>
  db.prepare<[string], { status: string; status_reason: string | null; vantage_flags: string | null; last_probe_id: number; streak_probes: string }>(
    'SELECT s.* FROM channel_state s JOIN channels c ON c.ref = s.channel_ref WHERE c.id = ?',
  ).get(id);
const points = (db: Database.Database, id: string) =>
  Object.fromEntries(
    db.prepare<[string], { vantage: string; status: string; last_agent_id: string | null }>(
      'SELECT v.vantage, v.status, v.last_agent_id FROM vantage_state v JOIN channels c ON c.ref = v.channel_ref WHERE c.id = ? ORDER BY v.vantage',
    ).all(id).map((r) => [r.vantage, r]),
  );
const changes = (db: Database.Database) => db.prepare<[], { from_status: string; to_status: string; probe_ids: string }>('SELECT * FROM status_changes ORDER BY id').all();
const chainOk = async (file: string) => (await verifyDatabase(file, { workers: 0 })).every((r) => r.ok);

const geo = (stale: Set<string> = new Set()): VantageWiring => ({
  pointsOf: () => [{ name: 'central', domestic: false }, { name: 'kz', domestic: true }],
  isStale: (p) => stale.has(p),
  quorum: 0,
});

describe('an agent result through the ProbeWriter', () => {
  test('is stored with its point and agent in columns and its vantage block in the chained evidence', async () => {
    const { db, writer, file } = setup();
    const [s] = await write(writer, rec(WEB, T0, 'reachable', { point: 'kz', clockOffsetMs: 7000, agentStartedAt: T0 + 7050 }));
    const row = db.prepare<[number], { vantage: string; agent_id: string; evidence: string; started_at: number }>('SELECT * FROM probes WHERE id = ?').get(s?.probeId as number);
    expect(row?.vantage).toBe('kz');
    expect(row?.agent_id).toBe('agt_kz');
    expect(JSON.parse(row?.evidence as string).vantage).toEqual({ point: 'kz', agentId: 'agt_kz', receivedAt: T0 + 1000, signature: 's'.repeat(88), clockOffsetMs: 7000, agentStartedAt: T0 + 7050 });
    // The central's own probes have neither.
    const [c] = await write(writer, rec(WEB, T0 + MIN, 'reachable'));
    expect(db.prepare('SELECT vantage, agent_id FROM probes WHERE id = ?').get(c?.probeId)).toEqual({ vantage: null, agent_id: null });
    expect(await chainOk(file)).toBe(true);
  });

  test('evidence that already carries the same block is kept; a different block is refused alone', async () => {
    const { db, writer } = setup();
    const same = rec(WEB, T0, 'reachable', { point: 'kz' });
    same.evidence = { ...same.evidence, vantage: { ...same.vantage } };
    const wrong = rec(WEB2, T0, 'reachable', { point: 'kz' });
    wrong.evidence = { ...wrong.evidence, vantage: { ...wrong.vantage, point: 'eu' } };
    const fine = rec(WEB2, T0 + MIN, 'reachable', { point: 'kz' });
    const results = await Promise.allSettled([writer.add(same), writer.add(wrong), writer.add(fine), Promise.resolve(writer.flush())]);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/vantage block does not match.*point kz, agent agt_kz/) } });
    expect(results[2].status).toBe('fulfilled');
    expect(db.prepare('SELECT COUNT(*) AS n FROM probes').get()).toEqual({ n: 2 });
  });

  test('pushed twice (in one batch or two): stored once, the second is a duplicate that uses no chain link and reaches no listener', async () => {
    const { db, writer, batches, committed, file } = setup();
    const r = rec(WEB, T0, 'unavailable', { point: 'kz' });
    const [first, again] = await write(writer, r, { ...r });
    expect(first?.duplicate).toBeUndefined();
    expect(again).toMatchObject({ duplicate: true, probeId: first?.probeId });
    const head = db.prepare('SELECT MAX(id) AS id FROM probes').get();
    const [later] = await write(writer, { ...r, startedAt: r.startedAt + 5 });
    expect(later).toMatchObject({ duplicate: true, probeId: first?.probeId });
    expect(db.prepare('SELECT MAX(id) AS id FROM probes').get()).toEqual(head);
    expect(db.prepare('SELECT COUNT(*) AS n FROM probes').get()).toEqual({ n: 1 });
    // The same slot from another agent of the point (a lease expired) or by another method is not a duplicate.
    const [other] = await write(writer, { ...r, vantage: { ...(r.vantage as ProbeVantage), agentId: 'agt_kz2' } });
    expect(other?.duplicate).toBeUndefined();
    const flat = (x: StoredProbe[][]) => x.flat().map((s) => s.probeId);
    expect(flat(batches)).toEqual([first?.probeId, other?.probeId]);
    expect(flat(committed)).toEqual([first?.probeId, other?.probeId]);
    // Without the duplicate check the unique index would fail the whole batch: the chain would then
    // hold a gap. It verifies.
    expect(await chainOk(file)).toBe(true);
  });
});

describe('a channel seen from several vantage points', () => {
  test('domestic answers, abroad does not: each point has its status, the channel is reachable and geo_restricted', async () => {
    const { db, writer, file } = setup(geo());
    await write(writer, rec(WEB, T0, 'reachable', { point: 'kz' }), rec(WEB, T0, 'unavailable'));
    await write(writer, rec(WEB, T0 + MIN, 'reachable', { point: 'kz' }), rec(WEB, T0 + MIN, 'unavailable'));
    expect(points(db, WEB)).toMatchObject({ central: { status: 'unavailable', last_agent_id: null }, kz: { status: 'reachable', last_agent_id: 'agt_kz' } });
    expect(state(db, WEB)).toMatchObject({ status: 'reachable', vantage_flags: 'geo_restricted' });
    // One change, reachable, whose evidence is kz's streak (its two probes), not the central's failures.
    const kzProbes = db.prepare<[], { id: number }>("SELECT id FROM probes WHERE vantage = 'kz' ORDER BY id").all().map((r) => r.id);
    expect(changes(db).map((c) => [c.from_status, c.to_status, JSON.parse(c.probe_ids)])).toEqual([['unknown', 'reachable', kzProbes]]);
    // The other channel fails at kz, and the central has no verdict yet: kz alone counts, and its streak
    // is the change's evidence. The central agreeing later changes nothing.
    await write(writer, rec(WEB2, T0, 'unavailable', { point: 'kz' }), rec(WEB2, T0, 'unavailable'));
    expect(state(db, WEB2)?.status).toBe('unknown');
    const [last] = await write(writer, rec(WEB2, T0 + MIN, 'unavailable', { point: 'kz' }));
    expect(last).toMatchObject({ status: 'unavailable', change: { from: 'unknown', to: 'unavailable' } });
    const kz2 = db.prepare<[], { id: number }>("SELECT p.id FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE c.id = 'a--web-b-example-kz' AND p.vantage = 'kz' ORDER BY p.id").all().map((r) => r.id);
    expect(JSON.parse(changes(db).at(-1)?.probe_ids as string)).toEqual(kz2);
    const [central] = await write(writer, rec(WEB2, T0 + MIN, 'unavailable'));
    expect(central).toMatchObject({ status: 'unavailable', change: null });
    expect(state(db, WEB2)).toMatchObject({ status: 'unavailable', vantage_flags: null });
    expect(changes(db)).toHaveLength(2);
    expect(await chainOk(file)).toBe(true);
  });

  test('a result older than its point\'s latest is history, not the present; the channel\'s "last probe" follows time across points', async () => {
    const { db, writer } = setup(geo(), 1);
    await write(writer, rec(WEB, T0 + 10 * MIN, 'reachable', { point: 'kz' }));
    const [late] = await write(writer, rec(WEB, T0, 'unavailable', { point: 'kz' }));
    expect(late?.change).toBeNull();
    expect(points(db, WEB).kz?.status).toBe('reachable');
    // Fresh for the central, though older than kz's latest: it updates the central's view only.
    const [central] = await write(writer, rec(WEB, T0 + 5 * MIN, 'unavailable'));
    expect(points(db, WEB).central?.status).toBe('unavailable');
    expect(state(db, WEB)?.last_probe_id).not.toBe(central?.probeId);
    expect(state(db, WEB)).toMatchObject({ status: 'reachable', vantage_flags: 'geo_restricted' });
  });

  test("a stale point's silence never turns the channel down; recombining when it is heard again chains the change", async () => {
    const stale = new Set<string>();
    const { db, writer } = setup(geo(stale), 1);
    await write(writer, rec(WEB, T0, 'reachable', { point: 'kz' }), rec(WEB, T0, 'reachable'));
    expect(state(db, WEB)?.status).toBe('reachable');
    stale.add('kz');
    expect(writer.recombineVantage(T0 + MIN)).toEqual([]);
    await write(writer, rec(WEB, T0 + 2 * MIN, 'unavailable'));
    expect(state(db, WEB)).toMatchObject({ status: 'reachable', vantage_flags: 'stale_hold' });
    expect(changes(db).map((c) => c.to_status)).toEqual(['reachable']);
    // kz is heard again and still answers: reachable, geo_restricted, still no change.
    stale.delete('kz');
    expect(writer.recombineVantage(T0 + 3 * MIN)).toEqual([]);
    expect(state(db, WEB)).toMatchObject({ status: 'reachable', vantage_flags: 'geo_restricted' });
    // Then kz fails too: the channel is down everywhere.
    await write(writer, rec(WEB, T0 + 4 * MIN, 'unavailable', { point: 'kz' }));
    expect(state(db, WEB)).toMatchObject({ status: 'unavailable', vantage_flags: null });
    expect(changes(db).map((c) => c.to_status)).toEqual(['reachable', 'unavailable']);
  });

  test('a point that is heard again can change the status without a probe: recombineVantage chains it', async () => {
    const stale = new Set<string>(['kz']);
    const { db, writer } = setup(geo(stale), 1);
    // kz's buffered result arrives while it is still stale: stored, its own view updated, not counted.
    await write(writer, rec(WEB, T0, 'reachable', { point: 'kz' }));
    expect(points(db, WEB).kz?.status).toBe('reachable');
    expect(state(db, WEB)?.status).toBe('unknown');
    // The central fails; kz's last word contradicts it, so nothing turns down.
    await write(writer, rec(WEB, T0 + MIN, 'unavailable'));
    expect(state(db, WEB)).toMatchObject({ status: 'unknown', vantage_flags: 'stale_hold' });
    stale.delete('kz');
    const rc = writer.recombineVantage(T0 + 2 * MIN);
    expect(rc).toEqual([{ channelId: WEB, change: expect.objectContaining({ from: 'unknown', to: 'reachable', at: T0 + 2 * MIN }) }]);
    expect(state(db, WEB)).toMatchObject({ status: 'reachable', vantage_flags: 'geo_restricted' });
    expect(changes(db).map((c) => [c.to_status, JSON.parse(c.probe_ids).length])).toEqual([['reachable', 1]]);
    // Recombining again changes nothing.
    expect(writer.recombineVantage(T0 + 3 * MIN)).toEqual([]);
    expect(changes(db)).toHaveLength(1);
  });

  test('a central-only channel that gains a point keeps what the central learnt as its central view', async () => {
    let multi = false;
    const wiring: VantageWiring = { pointsOf: () => (multi ? [{ name: 'central', domestic: false }, { name: 'kz', domestic: true }] : [{ name: 'central', domestic: false }]), isStale: () => false, quorum: 0 };
    const { db, writer } = setup(wiring, 1);
    await write(writer, rec(WEB, T0, 'unavailable'));
    expect(points(db, WEB)).toEqual({});
    // The registry now lists kz too: a sync tells the writer to forget what it knew of the channels.
    multi = true;
    writer.forgetChannels();
    await write(writer, rec(WEB, T0 + MIN, 'unavailable'));
    expect(points(db, WEB)).toMatchObject({ central: { status: 'unavailable' } });
    await write(writer, rec(WEB, T0 + 2 * MIN, 'unavailable', { point: 'kz' }));
    expect(points(db, WEB)).toMatchObject({ central: { status: 'unavailable' }, kz: { status: 'unavailable' } });
    expect(state(db, WEB)?.status).toBe('unavailable');
  });
});

describe('a central-only installation', () => {
  test('writes the same rows and hashes with or without the vantage wiring', async () => {
    const plain = setup(undefined);
    const wired = setup({ pointsOf: () => [{ name: 'central', domestic: false }], isStale: () => true, quorum: 0 });
    const outcomes: Outcome[] = ['reachable', 'reachable', 'unavailable', 'unavailable', 'unavailable', 'reachable'];
    for (const x of [plain, wired]) {
      n = 0;
      for (const [i, o] of outcomes.entries()) await write(x.writer, rec(WEB, T0 + i * MIN, o), rec(WEB2, T0 + i * MIN, o));
    }
    const dump = (db: Database.Database) => ({
      probes: db.prepare('SELECT * FROM probes ORDER BY id').all(),
      changes: db.prepare('SELECT * FROM status_changes ORDER BY id').all(),
      state: db.prepare('SELECT * FROM channel_state ORDER BY channel_ref').all(),
      points: db.prepare('SELECT * FROM vantage_state').all(),
    });
    const a = dump(plain.db);
    expect(a.changes.length).toBeGreaterThan(2);
    expect(a.points).toEqual([]);
    expect(dump(wired.db)).toEqual(a);
  });
});
