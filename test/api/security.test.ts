// HTTP security settings over real sockets: helmet's headers and the strict CSP on the board and
// the API (a relaxed one on /docs only, checked in real Chromium), CORS only for configured origins,
// the per-address rate limit, and the body limit, each refusal in the ErrorReply shape.

import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type App, type AppDeps } from '../../src/api/app.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let cleanup: () => void;
let admin: string;
const apps: App[] = [];

beforeAll(() => {
  const t = tempDir();
  cleanup = t.remove;
  db = openDatabase(path.join(t.dir, 'data'));
  syncRegistry(db, assertLoadable(loadRegistry('config/centers.yaml')), 'config/centers.yaml', 'sha');
  admin = new Tokens(db).create({ name: 'sec.admin', role: 'admin', createdBy: 'test' }).secret;
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  db.close();
  cleanup();
});

async function serve(http?: AppDeps['http']): Promise<string> {
  const app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }), ...(http ? { http } : {}) });
  apps.push(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

const directives = (csp: string | null): Map<string, string> =>
  new Map(
    (csp ?? '')
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(/\s+/)[0] as string, d.split(/\s+/).slice(1).join(' ')]),
  );

describe('helmet: security headers and a strict CSP', () => {
  let base: string;
  beforeAll(async () => {
    base = await serve();
  });

  test.each(['/', '/api/v1/centers', '/api/v1/centers/no-such-center', '/api/v1/tokens'])('%s carries the strict CSP and the other headers', async (p) => {
    const res = await fetch(base + p);
    await res.arrayBuffer();
    const csp = directives(res.headers.get('content-security-policy'));
    expect(Object.fromEntries(csp)).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'frame-ancestors': "'none'",
      'form-action': "'self'",
      'base-uri': "'none'",
      'object-src': "'none'",
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=15552000');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  test('/docs gets its own, relaxed CSP (inline styles for Swagger UI), still not frameable, and works', async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp.get('style-src')).toBe("'self' 'unsafe-inline'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    const bundle = await fetch(`${base}/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    await bundle.arrayBuffer();
    // The API keeps the strict policy: the relaxed one is only on /docs.
    const api = await fetch(`${base}/docs/json`);
    const doc = (await api.json()) as { components: { securitySchemes: { bearer: { type: string; scheme: string } } } };
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  test('Swagger UI renders in Chromium under its CSP without a single violation', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${base}/docs`);
      await page.waitForSelector('.opblock', { timeout: 15_000 });
      for (const summary of (await page.locator('.opblock-summary').all()).slice(0, 5)) await summary.click();
      await page.locator('.authorize').first().click();
      await page.waitForTimeout(500);
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('CORS', () => {
  const BOARD = 'https://board.example.kz';

  test('no origins configured (the default): no CORS headers at all', async () => {
    const base = await serve();
    const res = await fetch(`${base}/api/v1/centers`, { headers: { origin: BOARD } });
    await res.arrayBuffer();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${base}/api/v1/tokens`, { method: 'OPTIONS', headers: { origin: BOARD, 'access-control-request-method': 'DELETE' } });
    await pre.arrayBuffer();
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a configured origin is allowed, any other is not; preflights allow DELETE with a bearer token', async () => {
    const base = await serve({ corsOrigins: [BOARD] });
    const ok = await fetch(`${base}/api/v1/centers`, { headers: { origin: BOARD } });
    await ok.arrayBuffer();
    expect(ok.headers.get('access-control-allow-origin')).toBe(BOARD);
    expect(ok.headers.get('vary')).toMatch(/origin/i);
    const other = await fetch(`${base}/api/v1/centers`, { headers: { origin: 'https://evil.example' } });
    await other.arrayBuffer();
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${base}/api/v1/tokens/tok_0123456789abcdef`, {
      method: 'OPTIONS',
      headers: { origin: BOARD, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
    });
    await pre.arrayBuffer();
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(BOARD);
    expect(pre.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  test('"*" allows any origin', async () => {
    const base = await serve({ corsOrigins: '*' });
    const res = await fetch(`${base}/api/v1/centers`, { headers: { origin: 'https://anyone.example' } });
    await res.arrayBuffer();
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('rate limit', () => {
  test('after max requests from one address: 429 in the ErrorReply shape, with Retry-After; health and metrics stay exempt', async () => {
    const base = await serve({ rateLimit: { max: 5, windowMs: 60_000 } });
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${base}/api/v1/centers/perspective-almaty`);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
      await r.arrayBuffer();
    }
    const limited = await fetch(`${base}/api/v1/centers/perspective-almaty`);
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as Record<string, unknown>;
    expect(body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringMatching(/^Too many requests: at most 5 per 60 s from one address; retry in /) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-security-policy')).toContain("default-src 'self'");
    // Any URL counts, and token guessing is limited before the token is even looked at.
    expect((await fetch(`${base}/nowhere`)).status).toBe(429);
    expect((await fetch(`${base}/api/v1/tokens`, { headers: { authorization: 'Bearer rw_0123456789abcdef_guess' } })).status).toBe(429);
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503); // no scheduler here, but answered
      const m = await fetch(`${base}/metrics`);
      expect(m.status).toBe(200);
      await m.arrayBuffer();
    }
  });

  test('max 0 turns it off', async () => {
    const base = await serve({ rateLimit: { max: 0, windowMs: 60_000 } });
    for (let i = 0; i < 30; i++) {
      const r = await fetch(`${base}/api/v1/self-check-does-not-exist-${i}`);
      expect(r.status).toBe(404);
      expect(r.headers.get('x-ratelimit-limit')).toBeNull();
      await r.arrayBuffer();
    }
  });

  test('the default is 600 a minute', async () => {
    const base = await serve();
    const r = await fetch(`${base}/api/v1/centers/perspective-almaty`);
    await r.arrayBuffer();
    expect(r.headers.get('x-ratelimit-limit')).toBe('600');
  });
});

describe('body limit', () => {
  test('an oversized body gets 413 with a message naming the limit, and nothing is written', async () => {
    const base = await serve({ bodyLimit: 2048 });
    const count = () => (db.prepare('SELECT count(*) AS n FROM api_tokens').get() as { n: number }).n;
    const before = count();
    const big = JSON.stringify({ name: 'x'.repeat(4000), role: 'auditor' });
    const post = (body: string | ReadableStream<Uint8Array>, auth = true, extra: RequestInit = {}) =>
      fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${admin}` } : {}) }, body, ...extra });

    const r = await post(big);
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'The request body is larger than 2048 bytes, the limit of this server (http.body_limit).' });
    // Streamed without a length, it is cut off at the limit all the same.
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '{"name":"' : 'y'.repeat(1000)));
        c.close();
      },
    });
    const streamed = await post(chunks, true, { duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { message: string }).message).toContain('2048 bytes');
    // Without a token the body is not even read.
    const anonymous = await post(big, false);
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    expect(count()).toBe(before);
    const small = await post(JSON.stringify({ name: 'fits', role: 'auditor' }));
    expect(small.status).toBe(201);
    expect(count()).toBe(before + 1);
  });
});
