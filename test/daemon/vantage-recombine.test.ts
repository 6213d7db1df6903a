// Combining a channel's vantage points again without a probe, on a real database file and a real
// Monitor: when a point's agents go silent or are heard again (the daemon's agent health watch sets
// `isPointStale` and calls recombineVantage), a silent point stops counting and never turns a channel
// down, one heard again counts again, and any change is chained and handed to the centers' tracker.
// Without points configured nothing changes.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, expect, test } from 'vitest';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { buildConfig } from '../../src/config/config.ts';
import { createAlerting } from '../../src/daemon/alerting.ts';
import { Monitor } from '../../src/daemon/monitor.ts';
import type { ProbeRecord } from '../../src/domain.ts';
import { loadRegistry } from '../../src/registry/load.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import type { RecombinedChange } from '../../src/store/probe-writer.ts';
import { agentRecord, insertAgent, type TestAgent } from '../helpers/agent-results.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

const WEB = 'a--web-a-example-kz';
const T0 = Date.UTC(2026, 5, 1, 6);
const MIN = 60_000;
const almaty: TestAgent = { id: 'agt_00000000000000a1', name: 'almaty-1', point: 'kz', keys: generateAgentKeys() };

async function setup(vantage: Record<string, unknown> | null, withAlerting = false) {
  const t = tempDir();
  cleanups.push(t.remove);
  const db = openDatabase(path.join(t.dir, 'data'));
  cleanups.unshift(() => db.open && db.close());
  const file = path.join(t.dir, 'centers.yaml');
  writeFileSync(file, `- id: a\n  name: A\n  kind: hotline\n  channels:\n    - {type: website, value: "https://a.example.kz/"}\n`);
  const config = buildConfig({ registry: { file, watch: false }, canaries: { urls: [] }, ...(vantage ? { vantage } : {}) }, {}, null, (k) => k.join('.'), t.dir);
  const recombined: RecombinedChange[][] = [];
  const log = pino({ level: 'silent' });
  // As the daemon wires it: batches and recombinations reach the centers' tracker.
  const alerting = withAlerting ? await createAlerting(db, config, log, null) : null;
  const monitor = new Monitor(db, config, log, {
    ...(alerting ? { afterBatch: (stored) => alerting.afterBatch(stored) } : {}),
    afterRecombine: (c) => {
      recombined.push(c);
      alerting?.tracker.channelsChanged(c.map((x) => x.channelId));
    },
  });
  monitor.applyRegistry(loadRegistry(file));
  alerting?.tracker.loadCenters();
  cleanups.unshift(() => monitor.writer.close());
  if (alerting) cleanups.unshift(() => void alerting.stop());
  return { db, monitor, recombined, alerting };
}

const central = (at: number): ProbeRecord => ({
  channelId: WEB, jobId: `${WEB}#http`, dueAt: at, startedAt: at, durationMs: 30, evidence: { method: 'http', v: 1 },
  classification: { outcome: 'unavailable', reason: 'connection_reset', detail: 'reset', flags: [] },
});
async function write(monitor: Monitor, records: ProbeRecord[]) {
  const all = records.map((r) => monitor.writer.add(r));
  monitor.writer.flush();
  await Promise.all(all);
}
const stateOf = (db: DB) =>
  db.prepare<[string], { status: string; vantage_flags: string | null }>('SELECT status, vantage_flags FROM channel_state WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?)').get(WEB);

test("a point whose agent is silent does not count and turns nothing down; heard again, the channel's status is combined again and the tracker told", async () => {
  const { db, monitor, recombined, alerting } = await setup({ points: { kz: { domestic: true } }, defaults: { website: ['central', 'kz'] } }, true);
  const centerStatus = () => db.prepare<[], { status: string }>("SELECT status FROM center_state WHERE center_id = 'a'").get()?.status ?? 'unknown';
  expect(monitor.vantagePointsOf?.(WEB, 'website')).toEqual([{ name: 'central', domestic: false }, { name: 'kz', domestic: true }]);
  // The only agent of kz is silent when its buffered results arrive.
  insertAgent(db, almaty, T0 - 60 * MIN, { staleSince: T0 - 30 * MIN });
  const stale = new Set(['kz']);
  monitor.isPointStale = (p) => stale.has(p);
  expect(monitor.recombineVantage(T0)).toEqual([]);
  const slots = [0, 5, 10, 15].map((m) => T0 + m * MIN);
  await write(monitor, slots.map((at) => agentRecord(almaty, { channelId: WEB, slotAt: at, outcome: 'reachable' })));
  await write(monitor, slots.map(central));
  // The central fails, kz's last word says it answers: nothing is marked down while kz is silent.
  expect(stateOf(db)).toEqual({ status: 'unknown', vantage_flags: 'stale_hold' });
  expect(recombined).toEqual([]);
  await alerting?.tracker.settle();
  expect(centerStatus()).toBe('unknown');
  // The agent is heard again: kz counts, the site answers where its callers are.
  db.prepare('UPDATE agents SET stale_since = NULL, last_seen_at = ? WHERE id = ?').run(T0 + 20 * MIN, almaty.id);
  stale.clear();
  const changes = monitor.recombineVantage(T0 + 20 * MIN);
  expect(changes).toEqual([{ channelId: WEB, change: expect.objectContaining({ from: 'unknown', to: 'reachable' }) }]);
  expect(recombined).toEqual([changes]);
  expect(stateOf(db)).toEqual({ status: 'reachable', vantage_flags: 'geo_restricted' });
  // The center is evaluated again without waiting for a probe.
  await alerting?.tracker.settle();
  expect(centerStatus()).toBe('reachable');
  // Nothing changed since: no second combination.
  expect(monitor.recombineVantage(T0 + 21 * MIN)).toEqual([]);
  expect(recombined).toHaveLength(1);
});

test('without configured points the writer keeps the single-point path and recombining does nothing', async () => {
  const { db, monitor } = await setup(null);
  expect(monitor.vantagePointsOf(WEB, 'website')).toEqual([{ name: 'central', domestic: false }]);
  await write(monitor, [0, 5, 10].map((m) => central(T0 + m * MIN)));
  expect(monitor.recombineVantage(T0 + 20 * MIN)).toEqual([]);
  expect(db.prepare('SELECT COUNT(*) AS n FROM vantage_state').get()).toEqual({ n: 0 });
  expect(stateOf(db)?.vantage_flags).toBeNull();
});
