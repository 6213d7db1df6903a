// Rollups are written with each probe (and rebuilt once for older history), in the center's days.

import pino from 'pino';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { Outcome, ProbeRecord } from '../../src/domain.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { backfillRollups } from '../../src/store/rollups.ts';
import { dayStart, localDay } from '../../src/util/local-day.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let cleanup: () => void;
let writer: ProbeWriter;

beforeEach(() => {
  const t = tempDir();
  cleanup = t.remove;
  db = openDatabase(t.dir);
  const reg = `- id: a\n  name: A\n  kind: rehabilitation_center\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: website, value: "https://a.example.kz/"}\n- id: b\n  name: B\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "https://b.example.kz/"}\n`;
  syncRegistry(db, assertLoadable(parseRegistry(reg, 'r.yaml')), 'r.yaml', 'x');
  writer = new ProbeWriter(db, { rules: { confirmations: 3 }, batchMaxRows: 100, flushIntervalMs: 5, defaultTz: 'Europe/Berlin' });
});
afterEach(() => {
  writer.close();
  db.close();
  cleanup();
});

const rec = (channelId: string, at: number, outcome: Outcome): ProbeRecord => ({
  channelId, jobId: null, dueAt: at, startedAt: at, durationMs: 1, evidence: { method: 'http', v: 1 }, classification: { outcome, reason: 'r', detail: 'd', flags: [] },
});

test('local days and offsets', () => {
  expect(localDay('Asia/Almaty', Date.UTC(2026, 2, 4, 19, 0))).toBe('2026-03-05'); // 00:00 in Almaty (UTC+5)
  expect(localDay('Asia/Almaty', Date.UTC(2026, 2, 4, 18, 59))).toBe('2026-03-04');
  expect(localDay('Europe/Berlin', Date.UTC(2026, 2, 28, 23, 30))).toBe('2026-03-29'); // CET
  expect(localDay('Europe/Berlin', Date.UTC(2026, 6, 1, 22, 30))).toBe('2026-07-02'); // CEST
  expect(dayStart('Asia/Almaty', '2026-03-05')).toBe(Date.UTC(2026, 2, 4, 19, 0));
  expect(dayStart('Europe/Berlin', '2026-07-02')).toBe(Date.UTC(2026, 6, 1, 22, 0));
});

test('each probe adds to its channel hour and its center day, counted by class of outcome', async () => {
  const t0 = Date.UTC(2026, 2, 4, 18, 30); // 23:30 in Almaty
  const ps = [
    writer.add(rec('a--web-a-example-kz', t0, 'reachable')),
    writer.add(rec('a--web-a-example-kz', t0 + 60 * 60_000, 'unavailable')), // 00:30 next day
    writer.add(rec('a--web-a-example-kz', t0 + 61 * 60_000, 'error')),
    writer.add(rec('a--web-a-example-kz', t0 + 62 * 60_000, 'busy')),
    writer.add(rec('b--web-b-example-kz', t0, 'inconclusive')), // Berlin (the default zone): 19:30 on the 4th
  ];
  writer.flush();
  await Promise.all(ps);
  const days = db.prepare(`SELECT center_id, day, probes, reachable, down, impaired, inconclusive, errors FROM center_days ORDER BY center_id, day`).all();
  expect(days).toEqual([
    { center_id: 'a', day: '2026-03-04', probes: 1, reachable: 1, down: 0, impaired: 0, inconclusive: 0, errors: 0 },
    { center_id: 'a', day: '2026-03-05', probes: 3, reachable: 0, down: 1, impaired: 1, inconclusive: 0, errors: 1 },
    { center_id: 'b', day: '2026-03-04', probes: 1, reachable: 0, down: 0, impaired: 0, inconclusive: 1, errors: 0 },
  ]);
  const hours = db.prepare(`SELECT hour, probes FROM channel_hours WHERE channel_ref = (SELECT ref FROM channels WHERE id = 'a--web-a-example-kz') ORDER BY hour`).all();
  expect(hours).toEqual([
    { hour: Math.floor(t0 / 3_600_000), probes: 1 },
    { hour: Math.floor(t0 / 3_600_000) + 1, probes: 3 },
  ]);
});

test('history stored before rollups existed is rolled up once, at start', async () => {
  const t0 = Date.UTC(2026, 2, 4, 12, 0);
  const ps = [writer.add(rec('a--web-a-example-kz', t0, 'reachable')), writer.add(rec('a--web-a-example-kz', t0 + 1000, 'closed'))];
  writer.flush();
  await Promise.all(ps);
  // As if these probes predated the rollups: wipe them and mark the history for a backfill.
  db.exec(`DELETE FROM center_days; DELETE FROM channel_hours; INSERT INTO rollup_backfill (id, up_to) VALUES (1, (SELECT MAX(id) FROM probes))`);
  expect(backfillRollups(db, 'UTC', pino({ level: 'silent' }))).toBe(2);
  expect(db.prepare(`SELECT day, reachable, down FROM center_days`).all()).toEqual([{ day: '2026-03-04', reachable: 1, down: 1 }]);
  expect(backfillRollups(db, 'UTC', pino({ level: 'silent' }))).toBe(0);
});
