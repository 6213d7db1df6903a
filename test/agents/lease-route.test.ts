// POST /agent/v1/lease through the real app, its agent-auth hook and a real SQLite file: an enrolled
// agent gets the open slots of its own point that it can probe, with the channel's facts, and its
// heartbeat is recorded; what one agent holds the next does not get; an API token, no token, a
// revoked agent or a bad body leases nothing.

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
import type { AgentJobRow } from '../../src/store/rows.ts';
import { tempDir } from '../helpers/tmp.ts';

let app: App;
let db: DB;
let admin: string;
let jobs: AgentJobs;
const t = tempDir();
const config = buildConfig({ vantage: { points: { kz: { domestic: true }, eu: {} }, lease_margin: '30s' }, website: { total_timeout: '20s' } }, {}, null, (k) => k.join('.'), t.dir);
const REGISTRY = `- id: a
  name: Center A
  kind: hotline
  tz_iana: Asia/Almaty
  channels:
    - {type: website, id: a-site, value: "https://a.example.kz/", expect_text: Welcome, vantage: [central, kz, eu]}
    - {type: phone, id: a-phone, value: "+77172000101", vantage: [kz]}
`;

beforeAll(async () => {
  db = openDatabase(t.dir);
  syncRegistry(db, assertLoadable(parseRegistry(REGISTRY, 'r.yaml', registryOptionsFor(config))), 'r.yaml', 'x');
  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }), vantage: config.vantage, leaseDurations: leaseDurations(config), board: { defaultTz: 'Asia/Almaty', directoryDays: 30, pageSize: 50 } });
  admin = new Tokens(db).create({ name: 'the admin', role: 'admin', createdBy: 'test' }).secret;
  jobs = new AgentJobs(db);
});

afterAll(async () => {
  await app?.close();
  db?.close();
  t.remove();
});

async function call(url: string, token: string | null, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

async function enrolledAgent(name: string, vantage: string, capabilities: string[]): Promise<{ id: string; token: string }> {
  const created = await call('/api/v1/agents', admin, { name, vantage });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const token = created.body.token as string;
  const enrolled = await call('/agent/v1/enroll', token, { publicKey: generateAgentKeys().publicKey, capabilities, version: '1.0.0-test', agentTime: Date.now() });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(200);
  return { id: (created.body.agent as { id: string }).id, token };
}

const ask = (max = 10, agentTime = Date.now()) => ({ max, queueDepth: 3, oldestQueuedAt: agentTime - 60_000, agentTime });
const slotRows = (): AgentJobRow[] => db.prepare('SELECT * FROM agent_jobs ORDER BY job_id').all() as AgentJobRow[];
interface Leased {
  jobId: string;
  method: string;
  slotAt: number;
  leaseUntil: number;
  deadlineMs: number;
  channel: Record<string, unknown>;
}

test("an agent leases its own point's due jobs that it can probe, with the channel's facts; its heartbeat is recorded; the next agent gets what is left", async () => {
  const kz1 = await enrolledAgent('almaty-1', 'kz', ['website']);
  const kz2 = await enrolledAgent('astana-1', 'kz', ['website', 'twilio']);
  const eu1 = await enrolledAgent('frankfurt-1', 'eu', ['website']);
  const slotAt = Date.now() - 1000;
  const open = (channelId: string, method: string, point: string) =>
    ({ jobId: `${channelId}#${method}@${point}`, channelId, method, vantage: point, slotAt, expiresAt: slotAt + 300_000, nextSlotAt: slotAt + 300_000 });
  expect(jobs.openSlots([open('a-site', 'http', 'kz'), open('a-site', 'http', 'eu'), open('a-phone', 'lookup', 'kz')])).toEqual(['opened', 'opened', 'opened']);

  const before = Date.now();
  const r1 = await call('/agent/v1/lease', kz1.token, ask(10, Date.now() + 2000));
  expect(r1.status, JSON.stringify(r1.body)).toBe(200);
  const leased = r1.body.jobs as Leased[];
  // Only the website: almaty-1 has no Twilio; nothing of eu.
  expect(leased).toEqual([
    {
      jobId: 'a-site#http@kz',
      method: 'http',
      slotAt,
      leaseUntil: expect.any(Number),
      deadlineMs: 25_000,
      channel: { id: 'a-site', centerId: 'a', type: 'website', value: 'https://a.example.kz/', target: 'https://a.example.kz/', options: { expectText: 'Welcome', vantage: ['central', 'kz', 'eu'] }, tz: 'Asia/Almaty' },
    },
  ]);
  const serverTime = r1.body.serverTime as number;
  expect(serverTime).toBeGreaterThanOrEqual(before);
  expect(leased[0]?.leaseUntil).toBe(serverTime + 25_000 + 30_000);
  expect(r1.body.retryAfterMs).toBeGreaterThan(0);
  // The lease was also a heartbeat: seen, queue depth, and a clock about 2 s ahead.
  const row = db.prepare('SELECT last_seen_at, queue_depth, clock_offset_ms FROM agents WHERE id = ?').get(kz1.id) as { last_seen_at: number; queue_depth: number; clock_offset_ms: number };
  expect(row.last_seen_at).toBeGreaterThanOrEqual(before);
  expect(row.queue_depth).toBe(3);
  expect(row.clock_offset_ms).toBeGreaterThan(1000);

  // astana-1 (same point, with Twilio) gets the lookup, not the website almaty-1 holds.
  const r2 = await call('/agent/v1/lease', kz2.token, ask());
  expect((r2.body.jobs as Leased[]).map((j) => j.jobId)).toEqual(['a-phone#lookup@kz']);
  expect((await call('/agent/v1/lease', kz2.token, ask())).body.jobs).toEqual([]);
  const r3 = await call('/agent/v1/lease', eu1.token, ask());
  expect((r3.body.jobs as Leased[]).map((j) => j.jobId)).toEqual(['a-site#http@eu']);
  expect(slotRows().map((r) => [r.job_id, r.agent_id, r.leases])).toEqual([
    ['a-phone#lookup@kz', kz2.id, 1],
    ['a-site#http@eu', eu1.id, 1],
    ['a-site#http@kz', kz1.id, 1],
  ]);
});

test('an API token, no token, a revoked agent or a bad body leases nothing', async () => {
  const kz = await enrolledAgent('shymkent-1', 'kz', ['website']);
  const slotAt = Date.now() - 500;
  jobs.openSlot({ jobId: 'a-site#http@kz', channelId: 'a-site', method: 'http', vantage: 'kz', slotAt, expiresAt: slotAt + 300_000, nextSlotAt: slotAt + 300_000 });
  const untouched = () => db.prepare('SELECT leases, agent_id FROM agent_jobs WHERE job_id = ? AND slot_at = ?').get('a-site#http@kz', slotAt);
  expect(untouched()).toEqual({ leases: 0, agent_id: null });

  expect((await call('/agent/v1/lease', admin, ask())).status).toBe(401);
  expect((await call('/agent/v1/lease', null, ask())).status).toBe(401);
  const bad = await call('/agent/v1/lease', kz.token, { ...ask(), max: 0 });
  expect(bad.status, JSON.stringify(bad.body)).toBe(400);
  expect(bad.body.message).toMatch(/max/);
  expect(untouched()).toEqual({ leases: 0, agent_id: null });

  const revoked = await call(`/api/v1/agents/${kz.id}/revoke`, admin, {});
  expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
  const refused = await call('/agent/v1/lease', kz.token, ask());
  expect(refused.status).toBe(403);
  expect(refused.body.code).toBe('agent_revoked');
  expect(untouched()).toEqual({ leases: 0, agent_id: null });
});
