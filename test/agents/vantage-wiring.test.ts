// The daemon's wiring of vantage points into the probe writer, through the real daemon (in process,
// real SQLite file and sockets): a domestic agent's results ingested over HTTP count in the channel's
// combined status (a site that fails from the central and answers in the country is reachable, flagged
// geo_restricted), and once every agent of the point is stale they stop counting without turning the
// channel down (the status is held, flagged stale_hold).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateAgentKeys, type AgentKeyPair } from '../../src/agents/protocol.ts';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { AgentJobs } from '../../src/store/agent-jobs.ts';
import { page, refusedPort, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { signBatch, signResult } from './ingest-helpers.ts';

let daemon: Daemon;
let site: LoopbackSite;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  site = await startSite({ routes: { 'ok.example.kz/*': page('<title>Ok</title>') } });
  const dead = await refusedPort();
  writeFileSync(
    path.join(t.dir, 'centers.yaml'),
    `- id: geo\n  name: Geo\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "http://geo.example.kz:${dead}/", vantage: [central, kz]}\n` +
      `- id: ok\n  name: Ok\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "${site.url('ok.example.kz')}"}\n`,
  );
  const config = buildConfig(
    {
      registry: { file: 'centers.yaml', watch: false },
      scheduler: { defaults: { website: '1s' }, jitter: '10ms' },
      website: { resolve: { 'geo.example.kz': '127.0.0.1', 'ok.example.kz': '127.0.0.1' }, total_timeout: '2s' },
      status: { confirmations: 2 },
      canaries: { urls: [] },
      store: { flush_interval: '20ms' },
      vantage: { points: { kz: { domestic: true } }, stale_after: '3s', agent_rate: 1000 },
    },
    { PORT: '0', HOST: '127.0.0.1', REACHWATCH_DATA_DIR: path.join(t.dir, 'data') },
    null,
    (k) => k.join('.'),
    t.dir,
  );
  daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await site?.close();
  cleanup?.();
});

test("a domestic agent's answer makes a site the central cannot reach geo_restricted, not down; a stale point holds, never turns it down", async () => {
  const admin = daemon.app.tokens.create({ name: 'the admin', role: 'admin', createdBy: 'test' }).secret;
  const post = async (url: string, token: string, body: unknown) => {
    const res = await fetch(`${daemon.url}${url}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const created = await post('/api/v1/agents', admin, { name: 'almaty-1', vantage: 'kz' });
  const agentId = (created.body.agent as { id: string }).id;
  const token = created.body.token as string;
  const keys: AgentKeyPair = generateAgentKeys();
  expect((await post('/agent/v1/enroll', token, { publicKey: keys.publicKey, capabilities: ['website'], version: 'test', agentTime: Date.now() })).status).toBe(200);

  const state = () =>
    daemon.db.prepare("SELECT s.status, s.vantage_flags AS flags FROM channel_state s JOIN channels c ON c.ref = s.channel_ref WHERE c.id LIKE 'geo%'").get() as { status: string; flags: string | null } | undefined;
  const central = () =>
    daemon.db.prepare("SELECT v.status FROM vantage_state v JOIN channels c ON c.ref = v.channel_ref WHERE c.id LIKE 'geo%' AND v.vantage = 'central'").get() as { status: string } | undefined;
  await until('the central confirmed the site down from where it stands', () => central()?.status === 'unavailable', 60_000);

  // Real reachable evidence, as a prober writes it (the central's own probe of a site that answers).
  const okEvidence = await until('an answering site probed', () => {
    const r = daemon.db.prepare("SELECT evidence FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE c.id LIKE 'ok%' AND p.outcome = 'reachable'").get() as { evidence: string } | undefined;
    return r ? (JSON.parse(r.evidence) as Record<string, unknown>) : null;
  }, 60_000);
  const channelId = (daemon.db.prepare("SELECT id FROM channels WHERE id LIKE 'geo%'").get() as { id: string }).id;
  const jobs = new AgentJobs(daemon.db);
  let seq = 0;
  const pushAnswer = async () => {
    const slotAt = Date.now() - 500;
    jobs.openSlot({ jobId: `${channelId}#http@kz`, channelId, method: 'http', vantage: 'kz', slotAt, expiresAt: slotAt + 60_000, nextSlotAt: slotAt + 60_000 });
    const r = signResult(agentId, keys, { jobId: `${channelId}#http@kz`, channelId, method: 'http', slotAt, startedAt: Date.now(), durationMs: 30, evidence: okEvidence });
    const reply = await post('/agent/v1/results', token, signBatch(agentId, keys, { seq: ++seq, results: [r] }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  };
  await pushAnswer();
  await pushAnswer();
  await until('reachable for the people it serves, flagged geo_restricted', () => state()?.status === 'reachable' && state()?.flags?.includes('geo_restricted'), 30_000);

  // The agent goes silent: once it is stale its point no longer counts, yet its silence does not let
  // the central's view alone turn the channel down: the status is held (stale_hold), as in our own outage.
  await until('the point stale: its view held, not counted', () => state()?.flags?.includes('stale_hold'), 60_000);
  expect(state()?.status).toBe('reachable');
  expect(state()?.flags ?? '').not.toContain('geo_restricted');
}, 180_000);
