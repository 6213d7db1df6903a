// kill -9 of the central in the middle of an ingest. The daemon runs as a real process with a small
// write batch (store.batch_max_rows: 50), so a batch of 500 results is committed in ten transactions;
// the test kills it with SIGKILL as soon as the first of them is visible in the file, restarts it, and
// the agent resends the identical batch (as its pusher does after a lost response). Whatever the crash
// left, the batch ends stored exactly once: every slot has one probe by the agent, each slot is
// closed by it, the batch is recorded once, and the hash chains verify.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateAgentKeys, type AgentKeyPair } from '../../src/agents/protocol.ts';
import { Agents } from '../../src/agents/registry.ts';
import { AgentJobs } from '../../src/store/agent-jobs.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/store/db.ts';
import { verifyDatabase } from '../../src/store/verify.ts';
import { startDaemonProcess, writeConfig, type RunningDaemon } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { signBatch, signResult } from './ingest-helpers.ts';

const CHANNELS = 50;
const RESULTS = 500;
let dir: string;
let dataDir: string;
let config: string;
let cleanup: () => void;
let daemon: RunningDaemon | null = null;

beforeAll(() => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  dataDir = path.join(dir, 'data');
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    Array.from({ length: CHANNELS }, (_, i) => `- id: c${i}\n  name: C${i}\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "http://c${i}.example.kz:9/"}\n`).join(''),
  );
  config = writeConfig(
    dir,
    'registry: {file: centers.yaml, watch: false}\ncanaries: {urls: []}\nscheduler: {defaults: {website: 24h}}\nstore: {batch_max_rows: 50, flush_interval: 20ms}\n' +
      "website: {resolve: {'*.example.kz': 127.0.0.1}}\nvantage:\n  points:\n    kz: {domestic: true}\n  agent_rate: 1000\n",
  );
});

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
  cleanup?.();
});

const start = async () => (daemon = await startDaemonProcess({ config, dataDir, env: { LOG_LEVEL: 'warn' }, waitFor: /"level":40|reachwatch is running|"msg"/ }));

test('a batch whose ingest was cut by kill -9 is, once resent, stored exactly once and the chains verify', async () => {
  let d = await start();
  await until('the daemon answers', async () => (await fetch(`${d.url}/healthz`).catch(() => null))?.ok, 60_000);

  // The admin's and the scheduler's parts, on the same file from this process (WAL).
  const db = openDatabase(dataDir);
  const { token, agent } = new Agents(db, { points: ['central', 'kz'] }).create({ name: 'almaty-1', vantage: 'kz', createdBy: 'test' });
  const channelIds = (db.prepare('SELECT id FROM channels ORDER BY ref').all() as { id: string }[]).map((r) => r.id);
  expect(channelIds).toHaveLength(CHANNELS);
  const base = Date.now() - 3_600_000;
  const slots = Array.from({ length: RESULTS }, (_, i) => {
    const channelId = channelIds[i % CHANNELS] as string;
    const slotAt = base + Math.floor(i / CHANNELS) * 60_000;
    return { jobId: `${channelId}#http@kz`, channelId, method: 'http', vantage: 'kz', slotAt, expiresAt: slotAt + 86_400_000, nextSlotAt: slotAt + 60_000 };
  });
  new AgentJobs(db).openSlots(slots);
  db.close();

  const keys: AgentKeyPair = generateAgentKeys();
  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post(`${d.url}/agent/v1/enroll`, { publicKey: keys.publicKey, capabilities: ['website'], version: 'test', agentTime: Date.now() })).status).toBe(200);

  const evidence = { method: 'http', v: 1, url: 'http://c0.example.kz:9/', hops: [{ url: 'http://c0.example.kz:9/', status: 200, timings: { totalMs: 40 } }], title: 'C', bodySha256: 'ab'.repeat(32) };
  const batch = signBatch(agent.id, keys, {
    seq: 1,
    results: slots.map((s) => signResult(agent.id, keys, { jobId: s.jobId, channelId: s.channelId, method: 'http', slotAt: s.slotAt, startedAt: s.slotAt + 500, durationMs: 40, evidence })),
  });

  // Watch the file from here; kill the central the moment the batch's first transaction is visible.
  const watcher = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
  const storedNow = () => (watcher.prepare('SELECT count(*) AS n FROM probes WHERE agent_id = ?').get(agent.id) as { n: number }).n;
  const sent = post(`${d.url}/agent/v1/results`, batch).then(
    (r) => r.status,
    () => 'connection lost' as const,
  );
  let killedAt: number | null = null;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const n = storedNow();
    if (n > 0) {
      d.child.kill('SIGKILL');
      killedAt = n;
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  expect(killedAt, 'the ingest started').not.toBeNull();
  await d.exited;
  const firstReply = await sent;
  const leftByCrash = storedNow();
  watcher.close();
  // Whatever was committed stays committed: nothing the crash left is lost.
  expect(leftByCrash).toBeGreaterThanOrEqual(killedAt as number);

  // Restarted, the agent resends the identical batch until the central acknowledges it.
  d = await start();
  await until('the daemon answers again', async () => (await fetch(`${d.url}/healthz`).catch(() => null))?.ok, 60_000);
  const resent = await post(`${d.url}/agent/v1/results`, batch);
  const reply = (await resent.json()) as { code?: string; results?: { verdict: string }[] };
  if (leftByCrash === RESULTS) {
    // The crash came after the last transaction, which also recorded the batch.
    expect(resent.status).toBe(409);
    expect(reply.code).toBe('batch_already_ingested');
  } else {
    expect(resent.status, JSON.stringify(reply)).toBe(200);
    const verdicts = reply.results?.map((r) => r.verdict) ?? [];
    expect(verdicts.filter((v) => v === 'duplicate')).toHaveLength(leftByCrash);
    expect(verdicts.filter((v) => v === 'stored')).toHaveLength(RESULTS - leftByCrash);
  }
  // A third delivery is a repeat, whatever happened before.
  expect((await post(`${d.url}/agent/v1/results`, batch)).status).toBe(409);

  d.child.kill('SIGTERM');
  await d.exited;
  const check = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
  const perSlot = check.prepare('SELECT channel_ref, due_at, count(*) AS n FROM probes WHERE agent_id = ? GROUP BY channel_ref, due_at').all(agent.id) as { n: number }[];
  expect(perSlot).toHaveLength(RESULTS);
  expect(perSlot.every((s) => s.n === 1)).toBe(true);
  const open = (check.prepare("SELECT count(*) AS n FROM agent_jobs WHERE vantage = 'kz' AND (done_at IS NULL OR probe_id IS NULL)").get() as { n: number }).n;
  expect(open).toBe(0);
  expect(check.prepare('SELECT seq, results FROM agent_batches WHERE agent_id = ?').all(agent.id)).toEqual([{ seq: 1, results: RESULTS }]);
  check.close();
  const chains = await verifyDatabase(path.join(dataDir, DB_FILE_NAME));
  expect(chains.every((c) => c.ok), JSON.stringify(chains)).toBe(true);
  // For the record: where the crash fell (the property above holds wherever it fell).
  expect(typeof firstReply === 'number' || firstReply === 'connection lost').toBe(true);
}, 240_000);
