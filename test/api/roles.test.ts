// Roles and tokens against the real daemon (in process, real SQLite file, real sockets): every
// guarded route refuses a missing, malformed, unknown, forged or revoked token with 401 and a token
// of another role with 403, before it validates or writes anything; the right role (and admin) gets
// through, and what it writes records who.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { LEGACY_TOKEN_NAME, type Role } from '../../src/auth/tokens.ts';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { page, refusedPort, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';

const LEGACY = 'legacy-operator-token-for-roles-test';
let daemon: Daemon;
let site: LoopbackSite;
let cleanup: () => void;
let hookUrl: string;
let WEB: string; // alpha's website channel
let PHONE: string; // alpha's short number: manual probes only
const T = {} as Record<'operator' | 'auditor' | 'admin' | 'revokedOperator' | 'revokedAuditor' | 'revokedAdmin', string>;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  site = await startSite({ routes: { 'alpha.example.kz/*': page('<title>Alpha</title>') } });
  hookUrl = `http://127.0.0.1:${await refusedPort()}/hook`;
  writeFileSync(
    path.join(t.dir, 'centers.yaml'),
    `- id: alpha
  name: Alpha
  kind: rehabilitation_center
  region_normalized: Almaty
  channels:
    - {type: website, value: "${site.url('alpha.example.kz')}"}
    - {type: phone, value: "114"}
- id: beta
  name: Beta
  kind: rehabilitation_center
  channels:
    - {type: website, value: "${site.url('beta.example.kz')}"}
`,
  );
  const config = buildConfig(
    {
      registry: { file: 'centers.yaml', watch: false },
      scheduler: { defaults: { website: '1h' } },
      website: { resolve: { 'alpha.example.kz': '127.0.0.1', 'beta.example.kz': '127.0.0.1' } },
      canaries: { urls: [] },
      store: { flush_interval: '20ms' },
      alerts: { webhook: { allow_private_addresses: true }, subscriptions: [{ id: 'hook', channel: 'webhook', url: hookUrl, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }] },
    },
    { PORT: '0', HOST: '127.0.0.1', REACHWATCH_DATA_DIR: path.join(t.dir, 'data'), REACHWATCH_OPERATOR_TOKEN: LEGACY },
    null,
    (k) => k.join('.'),
    t.dir,
  );
  daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
  const tokens = daemon.app.tokens;
  for (const role of ['operator', 'auditor', 'admin'] as const) {
    T[role] = tokens.create({ name: `${role[0]}.${role}`, role, createdBy: 'test' }).secret;
    const revoked = tokens.create({ name: `revoked ${role}`, role, createdBy: 'test' });
    tokens.revoke(revoked.token.id);
    T[`revoked${role[0]?.toUpperCase()}${role.slice(1)}` as 'revokedOperator'] = revoked.secret;
  }
  const alpha = (await (await fetch(`${daemon.url}/api/v1/centers/alpha`)).json()) as { channels: { id: string; type: string }[] };
  WEB = alpha.channels.find((c) => c.type === 'website')?.id as string;
  PHONE = alpha.channels.find((c) => c.type === 'phone')?.id as string;
}, 30_000);

afterAll(async () => {
  await daemon?.stop();
  await site?.close();
  cleanup?.();
});

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

async function call(method: string, url: string, opts: { token?: string | null; header?: string; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.header !== undefined) headers.authorization = opts.header;
  else if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${daemon.url}${url}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text && !text.includes('\n{') ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = {};
  }
  return { status: res.status, headers: res.headers, text, body };
}

const one = <R>(sql: string, ...params: unknown[]): R => daemon.db.prepare(sql).get(...params) as R;

/** A failed alert for the outbox routes (the dispatcher leaves failed rows alone). */
function failedAlert(): string {
  const id = `msg_${Math.random().toString(36).slice(2, 12)}`;
  daemon.db
    .prepare(
      `INSERT INTO outbox (id, dedupe_key, subscription_id, channel, event, center_id, message, status, attempts, next_attempt_at, last_error, created_at)
       VALUES (?, ?, 'hook', 'webhook', 'went_dark', 'alpha', ?, 'failed', 3, 0, 'HTTP 400', ?)`,
    )
    .run(id, `test:${id}`, JSON.stringify({ subject: 'Dark: Alpha' }), Date.now());
  return id;
}

const hour = 3_600_000;
const windowBody = () => ({ center: 'alpha', from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + hour).toISOString(), reason: 'Moving' });
const manualBody = { outcome: 'unavailable', note: 'The number is unavailable', recordedBy: 'a.researcher' };

interface Route {
  name: string;
  role: Role;
  method: 'GET' | 'POST' | 'DELETE';
  /** Fresh fixtures for one request: the URL, the body, and what would change if it were let through. */
  prepare: () => Promise<{ url: string; body?: unknown; state?: () => unknown }> | { url: string; body?: unknown; state?: () => unknown };
  ok: number;
  /** A body the route would refuse with 400: without a token it must still be 401. */
  invalid?: unknown;
}

let seq = 0;
const ROUTES: Route[] = [
  {
    name: 'record a manual probe',
    role: 'operator',
    method: 'POST',
    prepare: () => ({ url: `/api/v1/channels/${PHONE}/manual-probes`, body: manualBody, state: () => one('SELECT count(*) AS n FROM probes') }),
    ok: 201,
    invalid: { outcome: 'nonsense' },
  },
  {
    name: 'probe a channel now',
    role: 'operator',
    method: 'POST',
    prepare: () => {
      const spy = vi.spyOn(daemon.monitor.scheduler, 'deferTo');
      return { url: `/api/v1/channels/${WEB}/probe-now`, state: () => spy.mock.calls.length };
    },
    ok: 202,
  },
  {
    name: 'declare maintenance',
    role: 'operator',
    method: 'POST',
    prepare: () => ({ url: '/api/v1/maintenance', body: windowBody(), state: () => one('SELECT count(*) AS n FROM maintenance_windows') }),
    ok: 201,
    invalid: { center: 'alpha' },
  },
  {
    name: 'end maintenance',
    role: 'operator',
    method: 'DELETE',
    prepare: () => {
      const w = daemon.alerting.maintenance.create({ centerId: 'alpha', region: null, startsAt: Date.now() - 60_000, endsAt: Date.now() + hour, reason: 'fixture' }, 'test', Date.now());
      return { url: `/api/v1/maintenance/${w.id}`, state: () => one('SELECT cancelled_at FROM maintenance_windows WHERE id = ?', w.id) };
    },
    ok: 200,
  },
  { name: 'list the outbox', role: 'operator', method: 'GET', prepare: () => ({ url: '/api/v1/outbox?status=failed' }), ok: 200 },
  { name: 'read an alert', role: 'operator', method: 'GET', prepare: () => ({ url: `/api/v1/outbox/${failedAlert()}` }), ok: 200 },
  {
    name: 'retry an alert',
    role: 'operator',
    method: 'POST',
    prepare: () => {
      const id = failedAlert();
      return { url: `/api/v1/outbox/${id}/retry`, state: () => one('SELECT status, attempts, next_attempt_at FROM outbox WHERE id = ?', id) };
    },
    ok: 202,
  },
  { name: 'list subscriptions', role: 'admin', method: 'GET', prepare: () => ({ url: '/api/v1/subscriptions' }), ok: 200 },
  {
    name: 'subscribe',
    role: 'admin',
    method: 'POST',
    prepare: () => ({
      url: '/api/v1/subscriptions',
      body: { id: `sub-${++seq}`, channel: 'webhook', url: hookUrl, centers: ['beta'] },
      state: () => one('SELECT count(*) AS n FROM subscriptions'),
    }),
    ok: 201,
    invalid: { id: 'x', channel: 'pigeon' },
  },
  {
    name: 'unsubscribe',
    role: 'admin',
    method: 'DELETE',
    prepare: async () => {
      const id = `sub-${++seq}`;
      expect((await call('POST', '/api/v1/subscriptions', { token: T.admin, body: { id, channel: 'webhook', url: hookUrl } })).status).toBe(201);
      return { url: `/api/v1/subscriptions/${id}`, state: () => one('SELECT disabled_at FROM subscriptions WHERE id = ?', id) };
    },
    ok: 204,
  },
  { name: 'export the history', role: 'auditor', method: 'GET', prepare: () => ({ url: '/api/v1/history/probes?limit=10' }), ok: 200 },
  { name: 'list tokens', role: 'admin', method: 'GET', prepare: () => ({ url: '/api/v1/tokens' }), ok: 200 },
  {
    name: 'create a token',
    role: 'admin',
    method: 'POST',
    prepare: () => ({ url: '/api/v1/tokens', body: { name: 'new holder', role: 'auditor' }, state: () => one('SELECT count(*) AS n FROM api_tokens') }),
    ok: 201,
    invalid: { name: 'x', role: 'superuser' },
  },
  {
    name: 'revoke a token',
    role: 'admin',
    method: 'DELETE',
    prepare: () => {
      const { token } = daemon.app.tokens.create({ name: 'to revoke', role: 'operator', createdBy: 'test' });
      return { url: `/api/v1/tokens/${token.id}`, state: () => one('SELECT revoked_at FROM api_tokens WHERE id = ?', token.id) };
    },
    ok: 200,
  },
];

const others = (role: Role): Role[] => (role === 'admin' ? ['operator', 'auditor'] : role === 'operator' ? ['auditor'] : ['operator']);
const revokedOf = (role: Role) => T[`revoked${role[0]?.toUpperCase()}${role.slice(1)}` as 'revokedOperator'];

describe.each(ROUTES)('$method $name (role: $role)', (route) => {
  const denied = async (opts: Parameters<typeof call>[2], status: 401 | 403) => {
    const p = await route.prepare();
    const before = p.state?.();
    const r = await call(route.method, p.url, { ...opts, ...(p.body !== undefined ? { body: p.body } : {}) });
    expect(r.status, r.text).toBe(status);
    expect(r.body).toMatchObject({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden' });
    expect(String(r.body.message).length).toBeGreaterThan(10);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    // Nothing was written (a count, or the state of the row the request named).
    if (p.state) expect(p.state()).toEqual(before);
    return r;
  };

  test('no token: 401 naming the role, nothing written', async () => {
    const r = await denied({ token: null }, 401);
    expect(r.body.message).toContain(`An ${route.role} token is required`);
  });

  test.each([
    ['a Basic header', 'Basic dXNlcjpwYXNz'],
    ['a token without the Bearer scheme', 'rw_0123456789abcdef_x'],
    ['an empty bearer', 'Bearer '],
  ])('malformed (%s): 401', async (_what, header) => {
    await denied({ header }, 401);
  });

  test('an unknown token: 401', async () => {
    await denied({ token: `rw_0123456789abcdef_${'A'.repeat(43)}` }, 401);
    await denied({ token: 'not-a-reachwatch-token' }, 401);
  });

  test("a real token's id with a forged secret: 401", async () => {
    const forged = T[route.role].replace(/_[^_]+$/, `_${'B'.repeat(43)}`);
    expect(forged).not.toBe(T[route.role]);
    await denied({ token: forged }, 401);
  });

  test('a revoked token of the right role: 401', async () => {
    const r = await denied({ token: revokedOf(route.role) }, 401);
    expect(r.headers.get('www-authenticate')).toContain('invalid_token');
  });

  test('a token of another role: 403 naming the role needed', async () => {
    for (const other of others(route.role)) {
      const r = await denied({ token: T[other] }, 403);
      expect(r.body.message).toContain(`needs the ${route.role} role`);
      expect(r.body.message).toContain(`has the ${other} role`);
    }
  });

  if (route.invalid !== undefined) {
    test('an invalid body without a token is 401, not 400: auth comes first', async () => {
      const p = await route.prepare();
      const before = p.state?.();
      expect((await call(route.method, p.url, { body: route.invalid })).status).toBe(401);
      expect((await call(route.method, p.url, { body: route.invalid, token: T[others(route.role)[0] as Role] })).status).toBe(403);
      expect(p.state?.()).toEqual(before);
      // With the right role, the same body is refused for what it is.
      expect((await call(route.method, p.url, { body: route.invalid, token: T[route.role] })).status).toBe(400);
    });
  }

  test(`the ${route.role} role gets through${route.role === 'admin' ? '' : ', and so does admin'}`, async () => {
    for (const role of route.role === 'admin' ? (['admin'] as const) : ([route.role, 'admin'] as const)) {
      const p = await route.prepare();
      const before = p.state?.();
      const r = await call(route.method, p.url, { token: T[role], ...(p.body !== undefined ? { body: p.body } : {}) });
      expect(r.status, r.text).toBe(route.ok);
      if (p.state) expect(p.state()).not.toEqual(before);
    }
  });
});

describe('writes record who made them', () => {
  test('maintenance windows and subscriptions carry the token holder; manual probes keep recordedBy and add recordedByToken', async () => {
    const w = await call('POST', '/api/v1/maintenance', { token: T.operator, body: windowBody() });
    expect(w.body.createdBy).toBe('o.operator');
    expect(one<{ created_by: string }>('SELECT created_by FROM maintenance_windows WHERE id = ?', w.body.id).created_by).toBe('o.operator');

    const s = await call('POST', '/api/v1/subscriptions', { token: T.admin, body: { id: 'who-made-it', channel: 'webhook', url: hookUrl } });
    expect(s.body.created_by).toBe('a.admin');

    const m = await call('POST', `/api/v1/channels/${PHONE}/manual-probes`, { token: T.operator, body: manualBody });
    expect(m.status).toBe(201);
    const evidence = JSON.parse(one<{ evidence: string }>('SELECT evidence FROM probes WHERE id = ?', m.body.probeId).evidence) as Record<string, unknown>;
    expect(evidence).toMatchObject({ method: 'manual', recordedBy: 'a.researcher', recordedByToken: 'o.operator' });

    const tok = await call('POST', '/api/v1/tokens', { token: T.admin, body: { name: 'b.auditor', role: 'auditor' } });
    expect(tok.body).toMatchObject({ name: 'b.auditor', role: 'auditor', createdBy: 'a.admin' });
  });

  test('REACHWATCH_OPERATOR_TOKEN still works, as an operator named after it, and only as an operator', async () => {
    const w = await call('POST', '/api/v1/maintenance', { token: LEGACY, body: windowBody() });
    expect(w.status).toBe(201);
    expect(w.body.createdBy).toBe(LEGACY_TOKEN_NAME);
    const m = await call('POST', `/api/v1/channels/${PHONE}/manual-probes`, { token: LEGACY, body: manualBody });
    expect(m.status).toBe(201);
    expect(JSON.parse(one<{ evidence: string }>('SELECT evidence FROM probes WHERE id = ?', m.body.probeId).evidence)).toMatchObject({ recordedByToken: LEGACY_TOKEN_NAME });
    expect((await call('GET', '/api/v1/subscriptions', { token: LEGACY })).status).toBe(403);
    expect((await call('GET', '/api/v1/history/probes', { token: LEGACY })).status).toBe(403);
    const list = await call('GET', '/api/v1/tokens', { token: T.admin });
    expect(list.body.envOperatorToken).toBe(true);
  });
});

describe('tokens through the API', () => {
  test('a created token works at once; the secret is shown once, never listed; revoking it refuses the next request', async () => {
    const created = await call('POST', '/api/v1/tokens', { token: T.admin, body: { name: 'c.operator', role: 'operator' } });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^rw_[0-9a-f]{16}_[A-Za-z0-9_-]{43,}$/);
    expect(created.body.id).toBe(`tok_${secret.slice(3, 19)}`);
    expect((await call('GET', '/api/v1/outbox', { token: secret })).status).toBe(200);

    const list = await call('GET', '/api/v1/tokens', { token: T.admin });
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(one<{ hash: string }>('SELECT hash FROM api_tokens WHERE id = ?', created.body.id).hash);
    const mine = (list.body.tokens as { id: string; lastUsedAt: string | null }[]).find((t) => t.id === created.body.id);
    expect(mine?.lastUsedAt).not.toBeNull();

    expect((await call('DELETE', `/api/v1/tokens/${created.body.id}`, { token: T.admin })).status).toBe(200);
    expect((await call('GET', '/api/v1/outbox', { token: secret })).status).toBe(401);
    expect((await call('DELETE', `/api/v1/tokens/${created.body.id}`, { token: T.admin })).status).toBe(409);
    expect((await call('DELETE', '/api/v1/tokens/tok_0000000000000000', { token: T.admin })).status).toBe(404);
    const all = await call('GET', '/api/v1/tokens?revoked=true', { token: T.admin });
    expect((all.body.tokens as { id: string; revokedAt: string | null }[]).find((t) => t.id === created.body.id)?.revokedAt).not.toBeNull();
    const inForce = await call('GET', '/api/v1/tokens', { token: T.admin });
    expect((inForce.body.tokens as { id: string }[]).map((t) => t.id)).not.toContain(created.body.id);
  });

  test('a name with control characters is refused', async () => {
    const r = await call('POST', '/api/v1/tokens', { token: T.admin, body: { name: 'evil\nname', role: 'operator' } });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('"name"');
  });
});

describe('probe now', () => {
  test("queues each of the channel's jobs now; 404 unknown; 409 when nothing is scheduled", async () => {
    const spy = vi.spyOn(daemon.monitor.scheduler, 'deferTo');
    spy.mockClear();
    const before = Date.now();
    const r = await call('POST', `/api/v1/channels/${WEB}/probe-now`, { token: T.operator });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ channelId: WEB, jobs: [`${WEB}#http`], requestedBy: 'o.operator' });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[0]).toBe(`${WEB}#http`);
    expect(spy.mock.calls[0]?.[1]).toBeGreaterThanOrEqual(before);
    expect(spy.mock.calls[0]?.[1]).toBeLessThanOrEqual(Date.now());

    const missing = await call('POST', '/api/v1/channels/no-such--web-x/probe-now', { token: T.operator });
    expect(missing.status).toBe(404);
    const short = await call('POST', `/api/v1/channels/${PHONE}/probe-now`, { token: T.operator });
    expect(short.status).toBe(409);
    expect(short.body.message).toMatch(/no scheduled probe.*short code/);
  });

  test('the queued run really probes the site', async () => {
    const seen = site.requests.filter((q) => q.host === 'alpha.example.kz').length;
    expect((await call('POST', `/api/v1/channels/${WEB}/probe-now`, { token: T.operator })).status).toBe(202);
    await vi.waitFor(() => expect(site.requests.filter((q) => q.host === 'alpha.example.kz').length).toBeGreaterThan(seen), { timeout: 30_000 });
  });
});

describe('the OpenAPI document', () => {
  test('declares the bearer scheme, and each guarded route its security and role', async () => {
    const doc = (await (await fetch(`${daemon.url}/docs/json`)).json()) as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown; description?: string }>>;
    };
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const guarded: [string, string, Role][] = [
      ['/api/v1/channels/{id}/manual-probes', 'post', 'operator'],
      ['/api/v1/channels/{id}/probe-now', 'post', 'operator'],
      ['/api/v1/maintenance', 'post', 'operator'],
      ['/api/v1/maintenance/{id}', 'delete', 'operator'],
      ['/api/v1/outbox', 'get', 'operator'],
      ['/api/v1/outbox/{id}', 'get', 'operator'],
      ['/api/v1/outbox/{id}/retry', 'post', 'operator'],
      ['/api/v1/subscriptions', 'get', 'admin'],
      ['/api/v1/subscriptions', 'post', 'admin'],
      ['/api/v1/subscriptions/{id}', 'delete', 'admin'],
      ['/api/v1/history/probes', 'get', 'auditor'],
      ['/api/v1/tokens', 'get', 'admin'],
      ['/api/v1/tokens', 'post', 'admin'],
      ['/api/v1/tokens/{id}', 'delete', 'admin'],
    ];
    for (const [p, method, role] of guarded) {
      const op = doc.paths[p]?.[method];
      expect(op, `${method} ${p}`).toBeDefined();
      expect(op?.security, `${method} ${p}`).toEqual([{ bearer: [] }]);
      expect(op?.description, `${method} ${p}`).toContain(`Role: ${role}`);
    }
    expect(doc.paths['/api/v1/centers']?.get?.security).toBeUndefined();
  });
});
