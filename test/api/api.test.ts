import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pino from 'pino';
import { buildApp, type App } from '../../src/api/app.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import type { Outcome } from '../../src/domain.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let app: App;
let base: string;
let cleanup: () => void;
const CH = 'perspective-almaty--web-www-perspektiva-group-kz';
const T0 = Date.parse('2026-11-01T00:00:00Z');

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  db = openDatabase(path.join(t.dir, 'data'));
  syncRegistry(db, assertLoadable(loadRegistry('config/centers.yaml')), 'config/centers.yaml', 'sha');
  const writer = new ProbeWriter(db, { rules: { confirmations: 3 }, batchMaxRows: 1000, flushIntervalMs: 10 });
  // 250 probes, one every 5 minutes: reachable, then 4 x 500 (confirmed down), then reachable again.
  const pending = [];
  for (let i = 0; i < 250; i++) {
    const outcome: Outcome = i >= 100 && i < 104 ? 'unavailable' : 'reachable';
    pending.push(
      writer.add({
        channelId: CH, dueAt: T0 + i * 300_000, startedAt: T0 + i * 300_000 + 5, durationMs: 12.5,
        evidence: { method: 'http', v: 1, url: 'http://www.perspektiva-group.kz/', hops: [{ status: outcome === 'reachable' ? 200 : 500 }] },
        classification: { outcome, reason: outcome === 'reachable' ? 'http_2xx' : 'http_5xx', detail: 'x', flags: [] },
      }),
    );
  }
  writer.flush();
  await Promise.all(pending);
  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }) });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  db.close();
  cleanup();
});

const get = async (p: string) => {
  const res = await fetch(base + p);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('API', () => {
  test('health and readiness', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    // Without a running scheduler the daemon is not ready, and says why.
    const r = await get('/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ ready: false, checks: { database: 'no writer in this process', scheduler: 'not started' } });
  });

  test('centers with channels and status; unprobeable channels say why', async () => {
    const { status, body } = await get('/api/v1/centers');
    expect(status).toBe(200);
    const centers = body.centers as { id: string; channels: { id: string; status: string; statusReason: string | null; probeable: boolean }[] }[];
    expect(centers).toHaveLength(45);
    const hotline = centers.find((c) => c.id === 'hotline-114');
    const short = hotline?.channels.find((c) => c.id === 'hotline-114--phone-114');
    expect(short).toMatchObject({ status: 'not_probed', probeable: false });
    expect(short?.statusReason).toContain('short code');
    const persp = centers.find((c) => c.id === 'perspective-almaty');
    expect(persp?.channels.find((c) => c.id === CH)).toMatchObject({ status: 'reachable' });
    const byRegion = await get('/api/v1/centers?region=atyrau%20region');
    expect((byRegion.body.centers as unknown[]).length).toBe(4);
  });

  test('one center, and a clear 404', async () => {
    const ok = await get('/api/v1/centers/perspective-almaty');
    expect(ok.status).toBe(200);
    expect((ok.body.channels as unknown[]).length).toBe(3);
    const missing = await get('/api/v1/centers/no-such-center');
    expect(missing).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'No center with id "no-such-center".' } });
  });

  test('probe history pages through every probe exactly once, with raw evidence', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/v1/channels/${CH}/probes?limit=60${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get(q);
      expect(status).toBe(200);
      const probes = body.probes as { id: number; startedAt: string; evidence: { hops: { status: number }[] } }[];
      seen.push(...probes.map((p) => p.id));
      if (probes[0]) expect(probes[0].evidence.hops[0]?.status).toBeGreaterThanOrEqual(200);
      cursor = body.nextCursor as string | null;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen); // newest first
  });

  test('from/to select a period; order=asc reads forward', async () => {
    const from = new Date(T0 + 100 * 300_000).toISOString();
    const to = new Date(T0 + 104 * 300_000).toISOString();
    const { body } = await get(`/api/v1/channels/${CH}/probes?from=${from}&to=${to}&order=asc`);
    const probes = body.probes as { outcome: string; startedAt: string }[];
    expect(probes.map((p) => p.outcome)).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable']);
    expect(probes[0]?.startedAt).toBe(new Date(T0 + 100 * 300_000 + 5).toISOString());
    const epoch = await get(`/api/v1/channels/${CH}/probes?from=${T0 + 100 * 300_000}&to=${T0 + 104 * 300_000}`);
    expect((epoch.body.probes as unknown[]).length).toBe(4);
  });

  test('status changes cite the confirming probes', async () => {
    const { body } = await get(`/api/v1/channels/${CH}/status-changes`);
    const changes = body.changes as { from: string; to: string; probeIds: number[] }[];
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['unavailable->reachable', 'reachable->unavailable', 'unknown->reachable']);
    expect(changes[1]?.probeIds).toHaveLength(3);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=5000', 'limit'],
    ['limit=ten', 'limit'],
    ['from=yesterday', 'from'],
    ['to=2026-13-45', 'to'],
    ['from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 'from'],
    ['cursor=not-a-cursor', 'cursor'],
    ['order=sideways', 'order'],
  ])('bad parameter %s gets 400 naming "%s"', async (query, param) => {
    const { status, body } = await get(`/api/v1/channels/${CH}/probes?${query}`);
    expect(status).toBe(400);
    expect(body.message).toContain(`"${param}"`);
  });

  test('a malformed id gets 400 and an unknown one 404, never 500', async () => {
    expect((await get('/api/v1/channels/BAD%20ID!/probes')).status).toBe(400);
    expect((await get('/api/v1/channels/no-such-channel/probes')).status).toBe(404);
    expect((await get('/api/v1/nowhere')).status).toBe(404);
  });

  test('the OpenAPI document covers every route', async () => {
    const { status, body } = await get('/docs/json');
    expect(status).toBe(200);
    const paths = Object.keys(body.paths as object);
    expect(paths).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/api/v1/centers', '/api/v1/centers/{id}', '/api/v1/channels/{id}/probes', '/api/v1/channels/{id}/status-changes']));
  });
});
