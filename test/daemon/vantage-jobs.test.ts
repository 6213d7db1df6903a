// The monitor with vantage points (docs/agents.md), on a real database file and a real site on
// 127.0.0.1: a channel probed from several points gets one job per point; the central's is probed as
// before, the others' due slots are opened for their agents (never probed here), each slot once, on
// the job's grid, until the next slot; a restart re-opens nothing and replays nothing; a point that
// leaves the channel's list has its open slots withdrawn; a channel none of whose points' agents can
// probe it says "not probed" with what is missing, and is scheduled once an able agent enrolls.

import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, expect, test } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { buildConfig, type Config } from '../../src/config/config.ts';
import { Monitor } from '../../src/daemon/monitor.ts';
import { loadRegistry, registryOptionsFor } from '../../src/registry/load.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import type { AgentJobRow } from '../../src/store/rows.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0)) await f();
});

const SITE = 'a-site';

function addAgent(db: DB, id: string, vantage: string, capabilities: string[]): void {
  db.prepare(`INSERT INTO agents (id, name, vantage, token_hash, capabilities, created_at, created_by, enrolled_at) VALUES (?, ?, ?, ?, ?, 0, 'test', 0)`).run(
    id,
    id,
    vantage,
    `hash-${id}`,
    JSON.stringify(capabilities),
  );
}

const slotsOf = (db: DB, jobId: string): AgentJobRow[] => db.prepare<[string], AgentJobRow>('SELECT * FROM agent_jobs WHERE job_id = ? ORDER BY slot_at').all(jobId);
const statusOf = (db: DB, channelId: string) =>
  db.prepare<[string], { status: string; status_reason: string | null }>(`SELECT status, status_reason FROM channel_state WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?)`).get(channelId);

async function setup(): Promise<{ dir: string; db: DB; port: number; config: Config; file: string; writeRegistry: (text: string) => void }> {
  const t = tempDir();
  cleanups.push(t.remove);
  const server: Server = createServer((_req, res) => res.end('<html><body>Help line</body></html>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.unshift(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  const db = openDatabase(path.join(t.dir, 'data'));
  cleanups.unshift(() => void (db.open && db.close()));
  const file = path.join(t.dir, 'centers.yaml');
  const config = buildConfig(
    {
      registry: { file, watch: false },
      canaries: { urls: [] },
      website: { resolve: { 'a.example.kz': '127.0.0.1', 'b.example.kz': '127.0.0.1' } },
      vantage: { points: { kz: { domestic: true }, eu: {} } },
    },
    {},
    null,
    (k) => k.join('.'),
    t.dir,
  );
  return { dir: t.dir, db, port, config, file, writeRegistry: (text) => writeFileSync(file, text) };
}

const site = (port: number, vantage: string) =>
  `- id: a\n  name: A\n  kind: hotline\n  channels:\n    - {type: website, id: a-site, value: "http://a.example.kz:${port}/", schedule: 1s${vantage}}\n`;

function startMonitor(db: DB, config: Config, file: string): Monitor {
  const monitor = new Monitor(db, config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
  monitor.applyRegistry(loadRegistry(file, registryOptionsFor(config)));
  monitor.start();
  return monitor;
}

test("a channel probed from three points: the central probes it, the other points' slots are opened once each on the job's grid, and a restart re-opens none", async () => {
  const { db, port, config, file, writeRegistry } = await setup();
  addAgent(db, 'agt_kz1', 'kz', ['website']);
  addAgent(db, 'agt_eu1', 'eu', ['website']);
  writeRegistry(site(port, ', vantage: [central, kz, eu]'));
  let monitor = startMonitor(db, config, file);
  cleanups.unshift(() => monitor.stop(100));
  expect(monitor.scheduler.jobIds().sort()).toEqual([`${SITE}#http`, `${SITE}#http@eu`, `${SITE}#http@kz`]);

  await until('three slots of each point and a central probe', () => slotsOf(db, `${SITE}#http@kz`).length >= 3 && slotsOf(db, `${SITE}#http@eu`).length >= 3 && monitor.probesStored >= 1, 60_000);
  await monitor.stop(100);
  const before = { kz: slotsOf(db, `${SITE}#http@kz`), eu: slotsOf(db, `${SITE}#http@eu`) };
  const stoppedAt = Date.now();

  // The central probed the site itself, as before; nothing was probed for the other points here.
  const probes = db.prepare<[], { method: string; vantage: string | null; outcome: string }>(`SELECT method, vantage, outcome FROM probes`).all();
  expect(probes.length).toBeGreaterThanOrEqual(1);
  expect(probes.every((p) => p.method === 'http' && p.vantage === null && p.outcome === 'reachable')).toBe(true);

  monitor = startMonitor(db, config, file);
  await until('three more slots of each point after the restart', () => slotsOf(db, `${SITE}#http@kz`).length >= before.kz.length + 3 && slotsOf(db, `${SITE}#http@eu`).length >= before.eu.length + 3, 60_000);
  await monitor.stop(100);

  for (const point of ['kz', 'eu']) {
    const rows = slotsOf(db, `${SITE}#http@${point}`);
    const old = point === 'kz' ? before.kz : before.eu;
    // Opened rows are the same rows: the restart changed none of them.
    expect(rows.slice(0, old.length)).toEqual(old);
    for (const r of rows) {
      expect(r).toMatchObject({ vantage: point, method: 'http', agent_id: null, leases: 0, done_at: null });
      // Each slot lasts until the job's next one.
      expect(r.expires_at - r.slot_at).toBe(1000);
    }
    // On one grid, each slot at most once, none replayed from before the restart's own start.
    const at = rows.map((r) => r.slot_at);
    expect(new Set(at).size).toBe(at.length);
    for (let i = 1; i < at.length; i++) expect(((at[i] as number) - (at[0] as number)) % 1000).toBe(0);
    expect(rows.slice(old.length).every((r) => r.slot_at > (old.at(-1)?.slot_at ?? 0))).toBe(true);
    expect(rows.slice(old.length).every((r) => r.slot_at >= stoppedAt - 1000)).toBe(true);
    // The next slot is remembered for the next restart.
    const remembered = db.prepare<[string], { next_slot_at: number }>('SELECT next_slot_at FROM job_slots WHERE job_id = ?').get(`${SITE}#http@${point}`);
    expect(remembered?.next_slot_at).toBe((at.at(-1) as number) + 1000);
  }
}, 180_000);

test('a point that leaves the channel has its open slots withdrawn and gets no more', async () => {
  const { db, port, config, file, writeRegistry } = await setup();
  addAgent(db, 'agt_kz1', 'kz', ['website']);
  writeRegistry(site(port, ', vantage: [central, kz]'));
  const monitor = startMonitor(db, config, file);
  cleanups.unshift(() => monitor.stop(100));
  await until('a slot for kz', () => slotsOf(db, `${SITE}#http@kz`).length >= 1, 60_000);
  writeRegistry(site(port, ', vantage: [central]'));
  monitor.applyRegistry(loadRegistry(file, registryOptionsFor(config)));
  const withdrawnAt = Date.now();
  expect(monitor.scheduler.jobIds()).toEqual([`${SITE}#http`]);
  const after = slotsOf(db, `${SITE}#http@kz`);
  // Withdrawn: none can be leased after now (an expired slot is never leased).
  expect(after.every((r) => r.done_at !== null || r.expires_at <= withdrawnAt)).toBe(true);
  const central = monitor.probesStored;
  await until('the central probing on', () => monitor.probesStored >= central + 2, 60_000);
  expect(slotsOf(db, `${SITE}#http@kz`)).toEqual(after);
}, 120_000);

test("channels whose points' agents cannot probe them say what is missing, and are scheduled once an able agent enrolls", async () => {
  const { db, port, config, file, writeRegistry } = await setup();
  writeRegistry(
    `- id: a\n  name: A\n  kind: hotline\n  channels:\n` +
      `    - {type: website, id: a-site, value: "http://a.example.kz:${port}/", vantage: [eu]}\n` +
      `    - {type: website, id: b-site, value: "http://b.example.kz:${port}/", vantage: [central, eu]}\n` +
      `    - {type: phone, value: "114", methods: [call], vantage: [kz]}\n` +
      `    - {type: phone, value: "+77172000101", vantage: [kz]}\n`,
  );
  const monitor = new Monitor(db, config, pino({ level: 'silent' }));
  cleanups.unshift(() => monitor.stop(100));
  monitor.applyRegistry(loadRegistry(file, registryOptionsFor(config)));
  // No agent anywhere: the central still probes what it can; the rest say why they are not probed.
  expect(monitor.scheduler.jobIds()).toEqual(['b-site#http']);
  expect(statusOf(db, 'a-site')).toEqual({ status: 'not_probed', status_reason: 'not probed: no agent of eu is enrolled' });
  expect(statusOf(db, 'b-site')).toEqual({ status: 'unknown', status_reason: null });
  expect(statusOf(db, 'a--phone-114')).toEqual({ status: 'not_probed', status_reason: 'not probed: no agent of kz is enrolled' });

  // Agents enroll: kz's can probe websites only, eu's websites. Nothing more is needed than the monitor's periodic look.
  addAgent(db, 'agt_kz1', 'kz', ['website']);
  addAgent(db, 'agt_eu1', 'eu', ['website']);
  monitor.refreshVantage();
  expect(monitor.scheduler.jobIds().sort()).toEqual(['a-site#http@eu', 'b-site#http', 'b-site#http@eu']);
  expect(statusOf(db, 'a-site')).toEqual({ status: 'unknown', status_reason: null });
  expect(statusOf(db, 'a--phone-114')).toEqual({
    status: 'not_probed',
    status_reason: 'not probed: no agent of kz has the twilio capability and a line that dials short codes (short_codes)',
  });
  expect(statusOf(db, 'a--phone-77172000101')?.status_reason).toBe('not probed: no agent of kz has the twilio capability');

  // One with a line that dials short codes: the short code's only job is kz's call, never the central's, never a lookup.
  addAgent(db, 'agt_kz2', 'kz', ['twilio', 'short_codes']);
  monitor.refreshVantage();
  expect(monitor.scheduler.jobIds().filter((j) => j.startsWith('a--phone-114'))).toEqual(['a--phone-114#call@kz']);
  expect(statusOf(db, 'a--phone-114')).toEqual({ status: 'unknown', status_reason: null });
  expect(monitor.scheduler.jobIds().filter((j) => j.startsWith('a--phone-77172000101')).sort()).toEqual(['a--phone-77172000101#call@kz', 'a--phone-77172000101#lookup@kz']);

  // A revoked agent takes its capabilities with it.
  db.prepare(`UPDATE agents SET revoked_at = 1 WHERE id = 'agt_kz2'`).run();
  monitor.refreshVantage();
  expect(monitor.scheduler.jobIds().filter((j) => j.includes('phone'))).toEqual([]);
  expect(statusOf(db, 'a--phone-114')?.status).toBe('not_probed');
}, 60_000);

test("probe now opens a slot at once for the agents of the channel's other points, besides the central's own run", async () => {
  const { db, port, config, file, writeRegistry } = await setup();
  addAgent(db, 'agt_kz1', 'kz', ['website']);
  writeRegistry(site(port, ', vantage: [central, kz]').replace('schedule: 1s', 'schedule: 1d'));
  const monitor = startMonitor(db, config, file);
  cleanups.unshift(() => monitor.stop(100));
  const app = await buildApp({ db, monitor, logger: pino({ level: 'silent' }), vantage: config.vantage });
  cleanups.unshift(() => app.close());
  const operator = new Tokens(db).create({ name: 'o.operator', role: 'operator', createdBy: 'test' }).secret;
  const asked = Date.now();
  const r = await app.inject({ method: 'POST', url: `/api/v1/channels/${SITE}/probe-now`, headers: { authorization: `Bearer ${operator}` } });
  expect(r.statusCode, r.body).toBe(202);
  expect((r.json() as { jobs: string[] }).jobs.sort()).toEqual([`${SITE}#http`, `${SITE}#http@kz`]);
  const [slot] = await until('the slot opened now', () => slotsOf(db, `${SITE}#http@kz`).length > 0 && slotsOf(db, `${SITE}#http@kz`), 60_000);
  // A one-off slot: opened for now, open until the job's next regular slot (a day's grid).
  expect(slot?.slot_at).toBeGreaterThanOrEqual(asked);
  expect((slot?.expires_at ?? 0) - (slot?.slot_at ?? 0)).toBeLessThanOrEqual(86_400_000);
  expect(slot?.expires_at).toBeGreaterThan(slot?.slot_at ?? 0);
  await until('the central probe too', () => monitor.probesStored >= 1, 60_000);
}, 120_000);
