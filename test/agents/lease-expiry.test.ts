// The lease-expiry property through the real app and the real clock: an agent leases a slot and dies
// (it never sends a result); while its lease runs no agent of the point gets the slot; once it ran out
// exactly one other agent gets it; its result closes the slot, and no agent ever gets it again.
// Leases are short here (a 1 s probe deadline + 5 s, and a 1 s margin); nothing asserts how long
// anything took, only who got the slot and how often.

import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { leaseDurations } from '../../src/agents/leasing.ts';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { buildConfig } from '../../src/config/config.ts';
import { assertLoadable, parseRegistry, registryOptionsFor } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { AgentJobs } from '../../src/store/agent-jobs.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

let app: App;
let db: DB;
let admin: string;
const t = tempDir();
const config = buildConfig({ vantage: { points: { kz: { domestic: true } }, lease_margin: '1s' }, website: { total_timeout: '1s', headers_timeout: '1s' } }, {}, null, (k) => k.join('.'), t.dir);

beforeAll(async () => {
  db = openDatabase(t.dir);
  const reg = `- id: a\n  name: A\n  kind: hotline\n  channels:\n    - {type: website, id: a-site, value: "https://a.example.kz/", vantage: [kz]}\n`;
  syncRegistry(db, assertLoadable(parseRegistry(reg, 'r.yaml', registryOptionsFor(config))), 'r.yaml', 'x');
  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }), vantage: config.vantage, leaseDurations: leaseDurations(config) });
  admin = new Tokens(db).create({ name: 'the admin', role: 'admin', createdBy: 'test' }).secret;
});

afterAll(async () => {
  await app?.close();
  db?.close();
  t.remove();
});

async function call(url: string, token: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

async function enrolledAgent(name: string): Promise<{ id: string; token: string }> {
  const created = await call('/api/v1/agents', admin, { name, vantage: 'kz' });
  const token = created.body.token as string;
  expect((await call('/agent/v1/enroll', token, { publicKey: generateAgentKeys().publicKey, capabilities: ['website'], version: 't', agentTime: Date.now() })).status).toBe(200);
  return { id: (created.body.agent as { id: string }).id, token };
}

const lease = async ({ token }: { token: string }): Promise<{ jobId: string; slotAt: number; leaseUntil: number }[]> => {
  const r = await call('/agent/v1/lease', token, { max: 5, queueDepth: 0, oldestQueuedAt: null, agentTime: Date.now() });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.jobs as { jobId: string; slotAt: number; leaseUntil: number }[];
};

test("a dead agent's lease runs out and another agent of the point takes the slot, exactly once", async () => {
  const dead = await enrolledAgent('almaty-1');
  const alive = await enrolledAgent('astana-1');
  const jobs = new AgentJobs(db);
  const slotAt = Date.now();
  jobs.openSlot({ jobId: 'a-site#http@kz', channelId: 'a-site', method: 'http', vantage: 'kz', slotAt, expiresAt: slotAt + 600_000, nextSlotAt: slotAt + 600_000 });

  const first = await lease(dead);
  expect(first.map((j) => [j.jobId, j.slotAt])).toEqual([['a-site#http@kz', slotAt]]);
  const leaseUntil = (first[0] as { leaseUntil: number }).leaseUntil;
  // almaty-1 dies here. astana-1 keeps asking, as the agent's loop does; so would almaty-1 after a restart.
  const taken = await until(
    'the slot leased again after the dead lease ran out',
    async () => (await lease(alive))[0],
    120_000,
  );
  expect(taken).toMatchObject({ jobId: 'a-site#http@kz', slotAt });
  // Granted (by the server's clock) only once the dead agent's lease had ended.
  expect(taken.leaseUntil - (leaseDurations(config).leaseMs.http as number)).toBeGreaterThanOrEqual(leaseUntil);
  // Held by astana-1 now: almaty-1, back, gets nothing; astana-1's result closes the slot.
  expect(await lease(dead)).toEqual([]);
  expect(jobs.complete('a-site#http@kz', slotAt, 1, Date.now())).toBe(true);
  // Past the end of astana-1's lease too, nobody gets the done slot again.
  const row = () => db.prepare('SELECT agent_id, leases, probe_id FROM agent_jobs WHERE job_id = ? AND slot_at = ?').get('a-site#http@kz', slotAt) as { agent_id: string; leases: number; probe_id: number };
  await until('the second lease to have run out', () => Date.now() > taken.leaseUntil + 50, 60_000);
  expect([...(await lease(dead)), ...(await lease(alive))]).toEqual([]);
  expect(row()).toEqual({ agent_id: alive.id, leases: 2, probe_id: 1 });
}, 240_000);
