// The verified public directory and the board over HTTP: only channels verified reachable within the
// window are listed, with when; CSV through a CSV library; bad parameters are a 400 naming them.

import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import type { Outcome, ProbeRecord } from '../../src/domain.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let app: App;
let cleanup: () => void;
const DAY = 86_400_000;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  db = openDatabase(t.dir);
  const reg = `- id: fresh
  name: "Центр \\"Fresh\\", Алматы"
  kind: rehabilitation_center
  region_normalized: Almaty Region
  channels:
    - {type: website, value: "https://fresh.example.kz/"}
    - {type: website, value: "https://fresh-old.example.kz/"}
- id: stale
  name: Stale
  kind: hotline
  channels:
    - {type: website, value: "https://stale.example.kz/"}
`;
  syncRegistry(db, assertLoadable(parseRegistry(reg, 'r.yaml')), 'r.yaml', 'x');
  const writer = new ProbeWriter(db, { rules: { confirmations: 1 }, batchMaxRows: 100, flushIntervalMs: 5 });
  const rec = (channelId: string, at: number, outcome: Outcome): ProbeRecord => ({
    channelId, jobId: null, dueAt: at, startedAt: at, durationMs: 1, evidence: { method: 'http', v: 1 }, classification: { outcome, reason: 'r', detail: 'd', flags: [] },
  });
  const now = Date.now();
  const ps = [
    writer.add(rec('fresh--web-fresh-example-kz', now - 2 * DAY, 'reachable')),
    writer.add(rec('fresh--web-fresh-old-example-kz', now - 2 * DAY, 'closed')),
    writer.add(rec('stale--web-stale-example-kz', now - 45 * DAY, 'reachable')),
  ];
  writer.flush();
  await Promise.all(ps);
  writer.close();
  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await app.close();
  db.close();
  cleanup();
});

test('directory.json lists the channels verified reachable in the window, with the date', async () => {
  const res = await app.inject('/directory.json');
  expect(res.statusCode).toBe(200);
  const body = res.json() as { verified_within_days: number; centers: { id: string; channels: { id: string; last_verified_at: string }[] }[] };
  expect(body.verified_within_days).toBe(30);
  expect(body.centers.map((c) => c.id)).toEqual(['fresh']);
  expect(body.centers[0]?.channels.map((c) => c.id)).toEqual(['fresh--web-fresh-example-kz']);
  expect(Date.now() - Date.parse(body.centers[0]?.channels[0]?.last_verified_at ?? '')).toBeGreaterThan(DAY);
  const wider = (await app.inject('/directory.json?days=60')).json() as { centers: { id: string }[] };
  expect(wider.centers.map((c) => c.id).sort()).toEqual(['fresh', 'stale']);
});

test('directory.csv quotes names with commas and quotes correctly', async () => {
  const res = await app.inject('/directory.csv');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  const lines = res.body.trim().split('\n');
  expect(lines[0]).toBe('center_id,center_name,kind,region,city,channel_type,value,target,last_verified_at');
  expect(lines[1]).toMatch(/^fresh,"Центр ""Fresh"", Алматы",rehabilitation_center,Almaty Region,,website,https:\/\/fresh\.example\.kz\/,https:\/\/fresh\.example\.kz\/,\d{4}-/);
  expect(lines).toHaveLength(2);
});

test('bad parameters are a 400 naming them (JSON for the directory, the page with a note for the board); unknown centers are a 404 page', async () => {
  for (const [path, param] of [['/directory.json?days=0', 'days'], ['/directory.csv?days=x', 'days']] as const) {
    const res = await app.inject(path);
    expect(res.statusCode, path).toBe(400);
    expect((res.json() as { message: string }).message).toContain(`"${param}"`);
  }
  for (const [path, param] of [['/?status=sleeping', 'status'], ['/?page=0', 'page']] as const) {
    const res = await app.inject({ url: path, headers: { 'accept-language': 'en' } });
    expect(res.statusCode, path).toBe(400);
    expect(res.headers['content-type'], path).toMatch(/^text\/html/);
    expect(res.body, path).toContain(`data-param="${param}"`);
  }
  const missing = await app.inject({ url: '/centers/nope', headers: { 'accept-language': 'en' } });
  expect(missing.statusCode).toBe(404);
  expect(missing.body).toContain('There is no such center.');
});

test('the board is one server-rendered page, in the language asked for, and remembers a chosen one', async () => {
  const ru = await app.inject({ url: '/', headers: { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' } });
  expect(ru.statusCode).toBe(200);
  expect(ru.headers['content-language']).toBe('ru');
  expect(ru.body).toContain('<html lang="ru">');
  expect(ru.body).toContain('1 из 2 центров справочника были доступны за последние 7 дней.');
  const kk = await app.inject({ url: '/?lang=kk' });
  expect(kk.headers['set-cookie']).toMatch(/^lang=kk;/);
  const again = await app.inject({ url: '/', headers: { cookie: 'lang=kk', 'accept-language': 'en' } });
  expect(again.body).toContain('<html lang="kk">');
  // Search, filters and pages are plain links and forms.
  const filtered = await app.inject({ url: '/?kind=hotline&lang=en' });
  expect(filtered.body).toContain('Showing 1 of 1');
});
