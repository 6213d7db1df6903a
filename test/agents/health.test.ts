// Agent health is not center health. The pure policy: silent longer than stale_after → stale (counted
// from the daemon's own start, so our outage is not the agent's), heard again → back, revoked or never
// enrolled → nothing. Then the real daemon: an agent that goes silent raises exactly one operator
// notice (self_check), is listed stale, and does not make the daemon degraded: the centers the central
// itself sees keep changing status and alerting; heard again, exactly one "back" notice.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { agentHealthView, judgeAgentHealth } from '../../src/agents/health.ts';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { refusedPort } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

describe('the policy', () => {
  const limits = { staleAfterMs: 60_000, maxClockOffsetMs: 5_000 };
  const agent = { last_seen_at: 1_000_000, stale_since: null, revoked_at: null, enrolled_at: 900_000, clock_offset_ms: 0 };

  test('silent longer than stale_after: stale since the moment it crossed it; not a moment before', () => {
    expect(judgeAgentHealth(agent, 1_060_000, limits)).toEqual({ kind: 'none' });
    expect(judgeAgentHealth(agent, 1_060_001, limits)).toEqual({ kind: 'stale', since: 1_060_000 });
  });

  test('silence while the central itself was down counts from its start', () => {
    expect(judgeAgentHealth(agent, 5_000_000, limits, 4_990_000)).toEqual({ kind: 'none' });
    expect(judgeAgentHealth(agent, 5_060_001, limits, 5_000_000)).toEqual({ kind: 'stale', since: 5_060_000 });
  });

  test('stale and heard after it went stale: back; stale and still silent: nothing more', () => {
    const stale = { ...agent, stale_since: 1_060_000 };
    expect(judgeAgentHealth(stale, 2_000_000, limits)).toEqual({ kind: 'none' });
    expect(judgeAgentHealth({ ...stale, last_seen_at: 1_500_000 }, 2_000_000, limits)).toEqual({ kind: 'back', staleSince: 1_060_000, heardAt: 1_500_000 });
  });

  test('revoked or never enrolled agents raise nothing', () => {
    expect(judgeAgentHealth({ ...agent, revoked_at: 950_000 }, 9_000_000, limits)).toEqual({ kind: 'none' });
    expect(judgeAgentHealth({ ...agent, enrolled_at: null, last_seen_at: null }, 9_000_000, limits)).toEqual({ kind: 'none' });
  });

  test('the list flags a clock beyond max_clock_offset either way', () => {
    expect(agentHealthView({ ...agent, clock_offset_ms: 5_001 }, 1_000_100, limits)).toEqual({ state: 'fresh', clockFlagged: true });
    expect(agentHealthView({ ...agent, clock_offset_ms: -5_001 }, 1_000_100, limits)).toEqual({ state: 'fresh', clockFlagged: true });
    expect(agentHealthView({ ...agent, clock_offset_ms: 4_999 }, 1_000_100, limits)).toEqual({ state: 'fresh', clockFlagged: false });
    expect(agentHealthView(agent, 1_060_001, limits).state).toBe('stale');
  });
});

describe('the daemon', () => {
  let daemon: Daemon;
  let cleanup: () => void;
  let admin: string;
  let operator: string;

  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.remove;
    const dead = await refusedPort();
    const hook = await refusedPort();
    writeFileSync(
      path.join(t.dir, 'centers.yaml'),
      `- id: dead-center\n  name: Dead center\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "http://dead.example.kz:${dead}/"}\n`,
    );
    const config = buildConfig(
      {
        registry: { file: 'centers.yaml', watch: false },
        scheduler: { defaults: { website: '1s' }, jitter: '10ms' },
        website: { resolve: { 'dead.example.kz': '127.0.0.1' }, total_timeout: '2s' },
        status: { confirmations: 2 },
        canaries: { urls: [] },
        store: { flush_interval: '20ms' },
        centers: { dark_after: 0 },
        vantage: { points: { kz: { domestic: true } }, stale_after: '2s' },
        alerts: { webhook: { allow_private_addresses: true }, subscriptions: [{ id: 'ops', channel: 'webhook', url: `http://127.0.0.1:${hook}/hook`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', events: ['went_dark', 'self_check'] }] },
      },
      { PORT: '0', HOST: '127.0.0.1', REACHWATCH_DATA_DIR: path.join(t.dir, 'data') },
      null,
      (k) => k.join('.'),
      t.dir,
    );
    daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
    admin = daemon.app.tokens.create({ name: 'the admin', role: 'admin', createdBy: 'test' }).secret;
    operator = daemon.app.tokens.create({ name: 'an operator', role: 'operator', createdBy: 'test' }).secret;
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    cleanup?.();
  });

  const post = async (url: string, token: string, body: unknown) => {
    const res = await fetch(`${daemon.url}${url}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const keys = (prefix: string) => (daemon.db.prepare('SELECT DISTINCT dedupe_key AS k, event FROM outbox WHERE dedupe_key LIKE ?').all(`${prefix}%`) as { k: string; event: string }[]);
  const stateOf = async (id: string) => {
    const res = await fetch(`${daemon.url}/api/v1/agents`, { headers: { authorization: `Bearer ${operator}` } });
    return ((await res.json()) as { agents: { id: string; state: string }[] }).agents.find((a) => a.id === id)?.state;
  };

  test('a silent agent: one operator notice, listed stale, the daemon not degraded and the central still alerting; heard again: one notice', async () => {
    const created = await post('/api/v1/agents', admin, { name: 'almaty-1', vantage: 'kz' });
    const id = (created.body.agent as { id: string }).id;
    const token = created.body.token as string;
    expect((await post('/agent/v1/enroll', token, { publicKey: generateAgentKeys().publicKey, capabilities: ['website'], version: 'test', agentTime: Date.now() })).status).toBe(200);

    await until('the stale notice', () => keys(`agent_stale:${id}:`).length > 0, 30_000);
    expect(await stateOf(id)).toBe('stale');
    expect(keys(`agent_stale:${id}:`).every((k) => k.event === 'self_check')).toBe(true);
    // Not our self-check: nothing is frozen, readiness is untouched.
    expect(daemon.alerting.selfCheck.degraded).toBe(false);
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
    // The central's own evidence still moves a center and alerts about it while the agent is silent.
    await until('the dead center confirmed dark and alerted', () => daemon.db.prepare("SELECT 1 FROM outbox WHERE event = 'went_dark'").get(), 60_000);

    const beat = await post('/agent/v1/heartbeat', token, { queueDepth: 0, oldestQueuedAt: null, agentTime: Date.now() });
    expect(beat.status).toBe(200);
    await until('the back notice', () => keys(`agent_back:${id}:`).length > 0, 30_000);
    expect(await stateOf(id)).toBe('fresh');
    expect(keys(`agent_stale:${id}:`)).toHaveLength(1);
    expect(keys(`agent_back:${id}:`)).toHaveLength(1);
    const message = JSON.parse((daemon.db.prepare('SELECT message FROM outbox WHERE dedupe_key LIKE ?').get(`agent_stale:${id}:%`) as { message: string }).message) as { subject: string; text: string };
    expect(`${message.subject}\n${message.text}`).toMatch(/almaty-1/);
    expect(daemon.alerting.selfCheck.degraded).toBe(false);
  }, 120_000);
});
