// Compression of text responses (src/api/compress.ts) through the real app over a real socket: the
// board of the default registry (45 centers, with 90 days of history for some) in brotli and gzip,
// decompressed back to the same page; Vary on every compressible answer; nothing compressed that
// the client did not ask for. The bytes before and after are printed for docs/board.md.

import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import { chooseEncoding } from '../../src/api/compress.ts';
import { lastDays } from '../../src/board/data.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config/config.ts';
import { loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { dayStart } from '../../src/util/local-day.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let app: App;
let url: string;
let remove: () => void;

beforeAll(async () => {
  const t = tempDir();
  remove = t.remove;
  const config = loadConfig({}, DEFAULT_CONFIG_FILE);
  db = openDatabase(t.dir);
  const registry = loadRegistry(config.registry.file);
  syncRegistry(db, registry.centers, config.registry.file, 'test');
  const writer = new ProbeWriter(db, { rules: config.status, batchMaxRows: 1000, flushIntervalMs: 5, defaultTz: config.defaultTimezone });
  const now = Date.now();
  const pending: Promise<unknown>[] = [];
  for (const c of registry.centers) {
    const ch = c.channels.find((x) => x.target !== null);
    if (!ch) continue;
    const tz = c.tz ?? config.defaultTimezone;
    lastDays(tz, now, 90).forEach((day, i) => {
      const at = Math.min(dayStart(tz, day) + 4 * 3_600_000, now - 1000);
      const up = i % 7 !== 0;
      pending.push(writer.add({
        channelId: ch.id, jobId: null, dueAt: at, startedAt: at, durationMs: 80, evidence: { method: ch.type === 'phone' ? 'call' : 'http', v: 1 },
        classification: up ? { outcome: 'reachable', reason: 'ok', detail: 'Answered.', flags: [] } : { outcome: 'no_answer', reason: 'no_answer', detail: 'Rang out.', flags: [] },
      }));
    });
  }
  writer.flush();
  await Promise.all(pending);
  writer.close();
  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }), board: { defaultTz: config.defaultTimezone, directoryDays: 30, pageSize: 50 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await app?.close();
  db?.close();
  remove?.();
});

async function get(path: string, encoding: string | null) {
  const res = await request(url + path, { headers: { 'accept-language': 'en', ...(encoding === null ? {} : { 'accept-encoding': encoding }) } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

describe('Accept-Encoding', () => {
  test.each([
    [undefined, null],
    ['', null],
    ['identity', null],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', null],
    ['*', 'br'],
    ['*, br;q=0', 'gzip'],
    ['x-gzip', 'gzip'],
  ] as const)('%s → %s', (accept, want) => {
    expect(chooseEncoding(accept)).toBe(want);
  });
});

describe('responses', () => {
  test('the board of 45 centers in brotli and gzip decompresses to the page; the sizes are printed', async () => {
    const plain = await get('/', null);
    const br = await get('/', 'gzip, deflate, br');
    const gz = await get('/', 'gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    for (const r of [plain, br, gz]) expect(String(r.headers.vary)).toMatch(/Accept-Encoding/);
    const fromBr = brotliDecompressSync(br.body).toString();
    const fromGz = gunzipSync(gz.body).toString();
    for (const page of [fromBr, fromGz]) {
      expect(page.match(/<li class="center"/g)).toHaveLength(45);
      // The same page (only a clock crossing a day between requests could move a bar by a cell).
      expect(Math.abs(page.length - plain.body.length)).toBeLessThan(2000);
    }
    expect(br.body.length).toBeLessThan(plain.body.length / 5);
    expect(gz.body.length).toBeLessThan(plain.body.length / 5);
    console.log(`board of 45 centers: ${plain.body.length} bytes plain, ${gz.body.length} gzip, ${br.body.length} brotli`);
  });

  test('CSS, JSON and CSV are compressed too; a small answer is not, but still says Vary', async () => {
    for (const p of ['/assets/board.css', '/api/v1/centers', '/directory.csv', '/directory.json']) {
      const r = await get(p, 'gzip');
      expect(String(r.headers.vary), p).toMatch(/Accept-Encoding/);
      if (r.body.length > 0 && r.headers['content-encoding'] === 'gzip') expect(() => gunzipSync(r.body), p).not.toThrow();
    }
    expect((await get('/assets/board.css', 'gzip')).headers['content-encoding']).toBe('gzip');
    expect((await get('/api/v1/centers', 'br')).headers['content-encoding']).toBe('br');
    const small = await get('/healthz', 'gzip');
    expect(small.headers['content-encoding']).toBeUndefined();
    // Swagger UI's static files are streams: served as they are, and still whole.
    const docs = await get('/docs/static/swagger-ui.css', 'gzip');
    expect(docs.status).toBe(200);
  });
});
