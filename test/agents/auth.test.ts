// Agents at the central, through the real app on a real SQLite file: an admin creates an agent (its
// token shown once, only its hash stored), the agent enrolls once with its public key (the same key
// again is idempotent, another key is refused), agent tokens work only on /agent/v1 and API tokens
// never there, a revoked agent is refused at once, and each agent has its own request budget.

import { createHash } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { buildConfig } from '../../src/config/config.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

let app: App;
let db: DB;
let admin: string;
let operator: string;
let auditor: string;
const t = tempDir();

beforeAll(async () => {
  db = openDatabase(t.dir);
  const config = buildConfig({ vantage: { points: { kz: { domestic: true }, eu: {} }, agent_rate: 1 } }, {}, null, (k) => k.join('.'), t.dir);
  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }), vantage: config.vantage });
  const tokens = new Tokens(db);
  admin = tokens.create({ name: 'the admin', role: 'admin', createdBy: 'test' }).secret;
  operator = tokens.create({ name: 'an operator', role: 'operator', createdBy: 'test' }).secret;
  auditor = tokens.create({ name: 'an auditor', role: 'auditor', createdBy: 'test' }).secret;
});

afterAll(async () => {
  await app?.close();
  db?.close();
  t.remove();
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

async function call(method: 'GET' | 'POST', url: string, token: string | null, body?: unknown): Promise<Reply> {
  const res = await app.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
}

async function createAgent(name: string, vantage = 'kz'): Promise<{ id: string; token: string }> {
  const r = await call('POST', '/api/v1/agents', admin, { name, vantage });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: (r.body.agent as { id: string }).id, token: r.body.token as string };
}

const enrollBody = (publicKey: string, agentTime = Date.now()) => ({ publicKey, capabilities: ['website'], version: '1.0.0-test', agentTime });
const beat = (agentTime = Date.now()) => ({ queueDepth: 0, oldestQueuedAt: null, agentTime });
const rowOf = (id: string) => db.prepare('SELECT * FROM agents WHERE id = ?').get(id) as Record<string, unknown>;

describe('creating an agent', () => {
  test('the token is shown once and only its SHA-256 is stored; its id is the token id part', async () => {
    const { id, token } = await createAgent('almaty-1');
    const m = /^rwa_([0-9a-f]{16})_([A-Za-z0-9_-]{43,})$/.exec(token);
    expect(m).not.toBeNull();
    expect(id).toBe(`agt_${m?.[1]}`);
    const row = rowOf(id);
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(m?.[2]);
    expect(row).toMatchObject({ vantage: 'kz', created_by: 'the admin', public_key: null, enrolled_at: null });
    const list = await call('GET', '/api/v1/agents', operator);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect((list.body.agents as { id: string; state: string }[]).find((a) => a.id === id)?.state).toBe('not_enrolled');
  });

  test('an unknown point, central, a taken name and a missing role are refused with a sentence, and nothing is stored', async () => {
    const before = (db.prepare('SELECT count(*) AS n FROM agents').get() as { n: number }).n;
    const unknown = await call('POST', '/api/v1/agents', admin, { name: 'x-1', vantage: 'mars' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe('body parameter "vantage": "mars" is not a vantage point; the configured points are kz, eu.');
    const central = await call('POST', '/api/v1/agents', admin, { name: 'x-2', vantage: 'central' });
    expect(central.status).toBe(400);
    expect(central.body.message).toMatch(/^body parameter "vantage": "central" is this daemon itself/);
    await createAgent('taken-name');
    const taken = await call('POST', '/api/v1/agents', admin, { name: 'taken-name', vantage: 'eu' });
    expect(taken.status).toBe(400);
    expect(taken.body.message).toMatch(/^body parameter "name": An agent named "taken-name" already exists/);
    expect((await call('POST', '/api/v1/agents', operator, { name: 'x-3', vantage: 'kz' })).status).toBe(403);
    expect((await call('GET', '/api/v1/agents', auditor)).status).toBe(403);
    expect((await call('GET', '/api/v1/agents', null)).status).toBe(401);
    expect((db.prepare('SELECT count(*) AS n FROM agents').get() as { n: number }).n).toBe(before + 1);
  });
});

describe('enrollment', () => {
  test('once per agent: the same key again is a 200 repeat, another key is 409 and changes nothing', async () => {
    const { id, token } = await createAgent('astana-1');
    const keys = generateAgentKeys();
    const first = await call('POST', '/agent/v1/enroll', token, enrollBody(keys.publicKey));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.agent).toEqual({ id, name: 'astana-1', vantage: 'kz' });
    expect(typeof first.body.serverTime).toBe('number');
    const row = rowOf(id);
    expect(row).toMatchObject({ public_key: keys.publicKey, capabilities: '["website"]', version: '1.0.0-test' });
    const again = await call('POST', '/agent/v1/enroll', token, enrollBody(keys.publicKey));
    expect(again.status).toBe(200);
    expect(rowOf(id).enrolled_at).toBe(row.enrolled_at);
    const other = await call('POST', '/agent/v1/enroll', token, enrollBody(generateAgentKeys().publicKey));
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('agent_key_mismatch');
    expect(other.body.message).toMatch(/a key is never replaced/);
    expect(rowOf(id).public_key).toBe(keys.publicKey);
  });

  test('a key that is not 32 raw bytes is refused naming the parameter', async () => {
    const { id, token } = await createAgent('bad-key-1');
    const r = await call('POST', '/agent/v1/enroll', token, enrollBody(Buffer.alloc(31, 1).toString('base64').padEnd(44, 'A')));
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/publicKey/);
    expect(rowOf(id).public_key).toBeNull();
  });

  test('other agent endpoints refuse an agent that has not enrolled', async () => {
    const { token } = await createAgent('not-yet-1');
    const r = await call('POST', '/agent/v1/heartbeat', token, beat());
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('agent_not_enrolled');
  });
});

describe('tokens are of two kinds', () => {
  test('missing, malformed and unknown agent tokens get 401 with the protocol code and a sentence', async () => {
    for (const [token, text] of [
      [null, /An agent token is required/],
      ['rwa_nothex', /malformed/],
      [`rwa_0123456789abcdef_${'A'.repeat(43)}`, /unknown/],
    ] as const) {
      const r = await call('POST', '/agent/v1/heartbeat', token, beat());
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('agent_token_invalid');
      expect(r.body.message).toMatch(text);
    }
  });

  test('an API token on an agent endpoint is named as such, even an admin one', async () => {
    const r = await call('POST', '/agent/v1/enroll', admin, enrollBody(generateAgentKeys().publicKey));
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/^This is an API token; agent endpoints take an agent token/);
  });

  test('an agent token on an API route is named as such', async () => {
    const { token } = await createAgent('api-try-1');
    for (const url of ['/api/v1/agents', '/api/v1/tokens']) {
      const r = await call('GET', url, token);
      expect(r.status).toBe(401);
      expect(r.body.message).toMatch(/^This is an agent token \("rwa_…"\); it works only on the agent endpoints/);
    }
  });
});

describe('revocation', () => {
  test('a revoked agent is refused with 403 agent_revoked at its next request; its key is kept', async () => {
    const { id, token } = await createAgent('revoke-me');
    const keys = generateAgentKeys();
    expect((await call('POST', '/agent/v1/enroll', token, enrollBody(keys.publicKey))).status).toBe(200);
    expect((await call('POST', '/agent/v1/heartbeat', token, beat())).status).toBe(200);
    const r = await call('POST', `/api/v1/agents/${id}/revoke`, admin);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, state: 'revoked', revokedBy: 'the admin' });
    const refused = await call('POST', '/agent/v1/heartbeat', token, beat());
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('agent_revoked');
    expect((await call('POST', '/agent/v1/enroll', token, enrollBody(keys.publicKey))).status).toBe(403);
    expect(rowOf(id).public_key).toBe(keys.publicKey);
    expect((await call('POST', `/api/v1/agents/${id}/revoke`, admin)).status).toBe(409);
    expect((await call('POST', '/api/v1/agents/agt_0000000000000000/revoke', admin)).status).toBe(404);
    expect((await call('POST', `/api/v1/agents/${id}/revoke`, operator)).status).toBe(403);
    const listed = await call('GET', '/api/v1/agents', operator);
    expect((listed.body.agents as { id: string }[]).some((a) => a.id === id)).toBe(false);
    const all = await call('GET', '/api/v1/agents?revoked=true', operator);
    expect((all.body.agents as { id: string }[]).some((a) => a.id === id)).toBe(true);
  });
});

describe('heartbeat and rate limit', () => {
  test('a heartbeat records queue depth and the clock offset; an offset past max_clock_offset is flagged in the list', async () => {
    const { id, token } = await createAgent('clock-1');
    expect((await call('POST', '/agent/v1/enroll', token, enrollBody(generateAgentKeys().publicKey))).status).toBe(200);
    const ahead = 60_000;
    const r = await call('POST', '/agent/v1/heartbeat', token, { queueDepth: 7, oldestQueuedAt: Date.now() + ahead - 5_000, agentTime: Date.now() + ahead });
    expect(r.status).toBe(200);
    expect(r.body.stale).toBe(false);
    const a = ((await call('GET', '/api/v1/agents', operator)).body.agents as Record<string, unknown>[]).find((x) => x.id === id) as Record<string, unknown>;
    expect(a).toMatchObject({ state: 'fresh', queueDepth: 7, clockFlagged: true });
    // The estimate is low by the request's transit time only.
    expect(a.clockOffsetMs as number).toBeGreaterThan(ahead - 5_000);
    expect(a.clockOffsetMs as number).toBeLessThanOrEqual(ahead);
    // The oldest waiting result is stored in central time.
    expect(Math.abs(Date.parse(a.oldestQueuedAt as string) - (Date.now() - 5_000))).toBeLessThan(5_000);
  });

  test('each agent has its own bucket: past its burst it gets 429 with Retry-After, and another agent is not affected', async () => {
    const one = await createAgent('busy-1');
    const two = await createAgent('calm-1');
    for (const a of [one, two]) expect((await call('POST', '/agent/v1/enroll', a.token, enrollBody(generateAgentKeys().publicKey))).status).toBe(200);
    // agent_rate 1/s: a burst of 10, and the enrollment took one.
    const statuses: number[] = [];
    let limited: Reply | null = null;
    for (let i = 0; i < 30 && !limited; i++) {
      const r = await call('POST', '/agent/v1/heartbeat', one.token, beat());
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(limited, statuses.join(',')).not.toBeNull();
    expect(limited?.body.code).toBe('agent_rate_limited');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(9);
    expect((await call('POST', '/agent/v1/heartbeat', two.token, beat())).status).toBe(200);
  });
});
