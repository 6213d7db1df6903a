// The report routes over a real socket, on the known history (history.ts): auditor tokens only, the
// three formats, and every bad parameter answered with a 400 (or 404) that names it, never a 500.

import pino from 'pino';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import { installAuth } from '../../src/api/auth.ts';
import { reportRoutes } from '../../src/api/routes/reports.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import type { AvailabilityReport } from '../../src/reports/report-types.ts';
import type { ThesisTable } from '../../src/reports/thesis-table.ts';
import { tempDir } from '../helpers/tmp.ts';
import { csvRecords } from './csv.ts';
import { dataDirOf, isoAt, writeHistory, type History } from './history.ts';

let h: History;
let app: App;
let base: string;
let cleanup: () => void;
const T = {} as Record<'auditor' | 'operator' | 'admin', string>;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  h = await writeHistory(dataDirOf(t.dir), t.dir);
  const tokens = new Tokens(h.db);
  for (const role of ['auditor', 'operator', 'admin'] as const) T[role] = tokens.create({ name: `a.${role}`, role, createdBy: 'test' }).secret;
  app = await buildApp({ db: h.db, monitor: null, logger: pino({ level: 'silent' }), reports: h.settings });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
  await h.stop();
  h.db.close();
  cleanup();
});

async function get(path: string, token: string | null = T.auditor): Promise<{ status: number; type: string; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

const AVAILABILITY = '/api/v1/reports/availability?from=2026-03-02&to=2026-03-15&granularity=week';
const THESIS = '/api/v1/reports/thesis-table?date=2026-03-03';

describe('roles', () => {
  test('no token 401, an operator token 403, auditor and admin 200', async () => {
    for (const path of [AVAILABILITY, THESIS]) {
      const anonymous = await get(path, null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const operator = await get(path, T.operator);
      expect(operator.status).toBe(403);
      expect((operator.json() as { message: string }).message).toMatch(/auditor role/);
      expect((await get(path, T.auditor)).status).toBe(200);
      expect((await get(path, T.admin)).status).toBe(200);
    }
    // Refused before validation: a bad parameter without a token is still a 401.
    expect((await get('/api/v1/reports/availability?from=yesterday', null)).status).toBe(401);
  });
});

describe('GET /api/v1/reports/availability', () => {
  test('JSON: the report, dates read as local days in Asia/Almaty (the "to" date included)', async () => {
    const r = await get(`${AVAILABILITY}&center=alpha&center=gamma`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = r.json() as AvailabilityReport;
    expect(body.period).toMatchObject({ from: '2026-03-01T19:00:00.000Z', to: '2026-03-15T19:00:00.000Z', requested: { from: '2026-03-02', to: '2026-03-15' }, granularity: 'week' });
    expect(body.filter).toEqual({ centers: ['alpha', 'gamma'], region: null, kind: null });
    expect(body.centers.map((c) => c.id)).toEqual(['alpha', 'gamma']);
    // Hand-computed in availability.test.ts: 9 reachable of 16 counted; maintenance 48 h; the dark spell of 23 h.
    expect(body.centers[0]?.total).toMatchObject({ probes: 19, availability: 9 / 16, maintenance: { hours: 48, probes: 2 }, longestOutage: { kind: 'dark', durationMs: 23 * 3_600_000 } });
    expect(body.centers[0]?.channels[0]?.buckets[0]?.firstReachableAt).toBe(isoAt('03-02 10:00'));
    expect(body.centers[1]?.total.availability).toBeNull();
    expect(body.rules.statements.length).toBeGreaterThan(10);
    // Region and kind filters; an instant with its offset.
    const akmola = (await get('/api/v1/reports/availability?from=2026-03-02T00:00:00%2B05:00&to=2026-03-09T00:00:00%2B05:00&region=Akmola%20Region')).json() as AvailabilityReport;
    expect(akmola.centers.map((c) => c.id)).toEqual(['beta']);
    expect(akmola.buckets).toEqual([{ key: '2026-03', from: '2026-03-01T19:00:00.000Z', to: '2026-03-08T19:00:00.000Z' }]);
    expect(((await get(`${AVAILABILITY}&kind=hotline`)).json() as AvailabilityReport).centers.map((c) => c.id)).toEqual(['beta']);
  });

  test('CSV: a download, parsed back', async () => {
    const r = await get(`${AVAILABILITY}&format=csv`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="reachwatch-availability-2026-03-01_2026-03-15.csv"');
    const { header, records } = csvRecords(r.text);
    expect(header[0]).toBe('level');
    expect(records).toHaveLength(21);
    expect(records.find((x) => x.level === 'center' && x.center_id === 'alpha' && x.period === 'total')).toMatchObject({ center_name: 'Alpha "Hope", Almaty', availability: '0.5625' });
  });

  test('excel=1 with lang=ru: byte-order mark, ";" and decimal commas, CRLF; the same rows; a CSV option with another format is refused', async () => {
    const res = await fetch(`${base}${AVAILABILITY}&excel=1&lang=ru`, { headers: { authorization: `Bearer ${T.auditor}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    // fetch's text() drops a byte-order mark: read the bytes.
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = bytes.subarray(3).toString('utf8');
    expect(text.startsWith('level;center_id;')).toBe(true);
    expect(text.split('\r\n').length).toBeGreaterThan(20);
    const { records } = csvRecords(text, ';');
    expect(records).toHaveLength(21);
    expect(records.find((x) => x.level === 'center' && x.center_id === 'alpha' && x.period === 'total')).toMatchObject({ center_name: 'Alpha "Hope", Almaty', availability: '0,5625' });
    for (const [query, message] of [
      ['&format=json&excel=1', /^querystring parameter "excel" goes with CSV, not json/],
      ['&format=html&sep=;', /^querystring parameter "sep" goes with CSV, not html/],
      ['&excel=perhaps', /^querystring parameter "excel" must be 1 or true/],
    ] as const) {
      const bad = await get(`${AVAILABILITY}${query}`);
      expect(bad.status, query).toBe(400);
      // A report asked for as a page is refused with a page (the same sentence), never with JSON.
      if (query.includes('format=html')) expect(bad.text.replace(/&quot;/g, '"'), query).toMatch(new RegExp(message.source.replace(/^\^/, '')));
      else expect((bad.json() as { message: string }).message, query).toMatch(message);
    }
  });

  test('HTML: a printable page in the chosen language, under a CSP that allows its one style block and nothing else', async () => {
    const r = await get(`${AVAILABILITY}&format=html&lang=ru`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(r.text).toContain('Как считаются показатели');
    expect(r.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Beta');
    expect(r.text).not.toMatch(/<script/i);
  });

  test('bad parameters: 400 naming the parameter; an unknown center 404; never a 500', async () => {
    const cases: [string, RegExp][] = [
      ['to=2026-03-15', /^querystring parameter "from" is required/],
      ['from=yesterday&to=2026-03-15', /^querystring parameter "from" must be a date \(YYYY-MM-DD.*not "yesterday"/],
      ['from=2026-03-02T10:00&to=2026-03-15', /^querystring parameter "from" must be/], // no offset: its zone would be a guess
      ['from=2026-02-30&to=2026-03-15', /^querystring parameter "from" must be/],
      ['from=9999999999999999&to=2026-03-15', /^querystring parameter "from" must be/], // beyond what a Date can hold
      ['from=2026-03-02&to=9999-12-31', /^querystring parameter "to" must be/],
      ['from=2026-03-02', /^querystring parameter "to" is required/],
      ['from=2026-03-15&to=2026-03-02', /^querystring parameter "from" must be earlier than "to"/],
      ['from=2023-01-01&to=2026-03-02', /^querystring parameter "to" must be at most two years \(731 days\) after "from"/],
      ['from=2026-03-02&to=2026-03-15&granularity=year', /^querystring parameter "granularity" must be day, week or month, not "year"/],
      ['from=2026-03-02&to=2026-03-15&format=pdf', /^querystring parameter "format" must be json, csv or html, not "pdf"/],
      ['from=2026-03-02&to=2026-03-15&lang=de', /^querystring parameter "lang" must be ru, kk or en, not "de"/],
      ['from=2026-03-02&to=2026-03-15&center=Not%20An%20Id', /^querystring parameter "center" must be a center id/],
      ['from=2026-03-02&to=2026-03-15&region=', /^querystring parameter "region" must not be empty/],
    ];
    for (const [query, message] of cases) {
      const r = await get(`/api/v1/reports/availability?${query}`);
      expect(r.status, query).toBe(400);
      expect((r.json() as { message: string }).message, query).toMatch(message);
    }
    const unknown = await get(`${AVAILABILITY}&center=alpha&center=nowhere`);
    expect(unknown.status).toBe(404);
    expect((unknown.json() as { message: string }).message).toBe('querystring parameter "center": No center with id "nowhere".');
  });

  test('a report too large for the daemon is refused, naming granularity', async () => {
    // The same route with a cap of 20 rows: 3 centers + 4 channels = 7 rows × (2 weeks + total) = 21.
    const small = Fastify({ logger: false });
    installAuth(small as unknown as App, new Tokens(h.db));
    await small.register(reportRoutes, { db: h.db, settings: h.settings, maxRows: 20, prefix: '/api/v1' });
    const r = await small.inject({ url: AVAILABILITY, headers: { authorization: `Bearer ${T.auditor}` } });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/^querystring parameter "granularity": this report would have 21 rows \(3 centers and 4 channels × 3 periods\); the API builds at most 20/);
    expect((await small.inject({ url: `${AVAILABILITY}&center=beta`, headers: { authorization: `Bearer ${T.auditor}` } })).statusCode).toBe(200);
    await small.close();
  });
});

describe('GET /api/v1/reports/thesis-table', () => {
  test('the table for a day in each format and language', async () => {
    const json = (await get(THESIS)).json() as ThesisTable;
    expect(json.rows.map((r) => r.accessibility)).toEqual([
      ['Accessibility: dark', 'Website https://alpha.example.kz/: unavailable (2), failure on our side (1)', 'Phone +7 727 261 95 80: no answer (1)'],
      ['Accessibility: reachable', 'Website https://beta.example.kz/: answers (1)'],
      ['Accessibility: no data', 'Website https://gamma.example.kz/: no data: failure on our side (2)'],
    ]);
    const kk = (await get(`${THESIS}&lang=kk&center=alpha`)).json() as ThesisTable;
    expect(kk.rows[0]?.accessibility).toEqual(['Қолжетімділік: қолжетімсіз', 'Сайт https://alpha.example.kz/: қолжетімсіз (2), біз жақтағы ақау (1)', 'Телефон +7 727 261 95 80: жауап бермейді (1)']);
    const csv = await get(`${THESIS}&format=csv&lang=ru`);
    expect(csv.type).toMatch(/^text\/csv/);
    expect(csvRecords(csv.text).records[0]?.accessibility).toBe('Доступность: недоступен\nСайт https://alpha.example.kz/: недоступен (2), сбой на нашей стороне (1)\nТелефон +7 727 261 95 80: не отвечает (1)');
    const html = await get(`${THESIS}&format=html`);
    expect(html.text).toContain('<th>Name</th><th>Address/Region</th><th>Accessibility</th>');
    expect(html.text).not.toMatch(/<script/i);
  });

  test('a range of days with until: both days counted, the range in the title and the file name', async () => {
    const two = (await get(`${THESIS}&until=2026-03-04&center=alpha`)).json() as ThesisTable;
    expect(two).toMatchObject({ date: '2026-03-03', until: '2026-03-04', title: 'Accessibility of the centers from 2026-03-03 to 2026-03-04' });
    // Hand-computed in availability.test.ts: Tuesday's failures and Wednesday's answer.
    expect(two.rows[0]?.channels.map((c) => c.attempts)).toEqual([{ unavailable: 2, error: 1, reachable: 1 }, { no_answer: 2 }]);
    expect(two.rows[0]).toMatchObject({ from: isoAt('03-03 00:00'), to: isoAt('03-05 00:00') });
    const one = (await get(`${THESIS}&center=alpha`)).json() as ThesisTable;
    expect(one).toMatchObject({ until: '2026-03-03', title: 'Accessibility of the centers on 2026-03-03' });
    expect((await get(`${THESIS}&format=csv`)).headers.get('content-disposition')).toBe('attachment; filename="reachwatch-thesis-table-2026-03-03.csv"');
    expect((await get(`${THESIS}&until=2026-03-04&format=csv`)).headers.get('content-disposition')).toBe('attachment; filename="reachwatch-thesis-table-2026-03-03_2026-03-04.csv"');
  });

  test('bad parameters name themselves', async () => {
    for (const [query, message] of [
      ['', /^querystring parameter "date" is required/],
      ['date=2026-03-03&until=2026-03-02', /^querystring parameter "until" must not be before "date": "2026-03-02" is before "2026-03-03"/],
      ['date=2026-03-03&until=2026-04-04', /^querystring parameter "until" must be at most 31 days after "date": "2026-04-04" is 32 days after "2026-03-03"/],
      ['date=2026-03-03&until=2026-3-4', /^querystring parameter "until" must be a calendar date written YYYY-MM-DD, not "2026-3-4"/],
      ['date=9999-12-30&until=9999-12-31', /^querystring parameter "until" must be a calendar date/],
      ['date=2026-03-03&until=', /^querystring parameter "until" must be the last day/],
      ['date=03.03.2026', /^querystring parameter "date" must be a calendar date written YYYY-MM-DD, not "03.03.2026"/],
      ['date=2026-02-29', /^querystring parameter "date" must be a calendar date/],
      ['date=9999-12-31', /^querystring parameter "date" must be a calendar date/],
      ['date=0001-01-01', /^querystring parameter "date" must be a calendar date/],
      ['date=2026-03-03&lang=fr', /^querystring parameter "lang" must be ru, kk or en/],
    ] as const) {
      const r = await get(`/api/v1/reports/thesis-table?${query}`);
      expect(r.status, query).toBe(400);
      expect((r.json() as { message: string }).message).toMatch(message);
    }
    expect((await get(`${THESIS}&center=nowhere`)).status).toBe(404);
  });
});

test('the OpenAPI document describes both routes, their role and their formats', async () => {
  const doc = (await get('/docs/json', null)).json() as { paths: Record<string, { get: { summary: string; description: string; security: unknown; responses: Record<string, { content?: Record<string, unknown> }> } }> };
  for (const p of ['/api/v1/reports/availability', '/api/v1/reports/thesis-table']) {
    const op = doc.paths[p]?.get;
    expect(op?.security).toEqual([{ bearer: [] }]);
    expect(op?.description).toContain('Role: auditor');
    expect(op?.summary).toMatch(/role: auditor/);
    expect(Object.keys(op?.responses['200']?.content ?? {})).toEqual(['application/json', 'text/csv', 'text/html']);
  }
  const thesis = doc.paths['/api/v1/reports/thesis-table']?.get as unknown as { summary: string; description: string; parameters: { name: string; in: string; description?: string; example?: unknown }[] };
  expect(thesis.summary).toMatch(/for a day or a short range of days/);
  expect(thesis.description).toMatch(/from `date` to `until` \(both included, at most 31 days apart\)/);
  const until = thesis.parameters.find((p) => p.name === 'until' && p.in === 'query');
  expect(until?.description).toMatch(/last day, YYYY-MM-DD, included: not before date and at most 31 days after it/);
  expect(until?.example).toBe('2026-03-06');
});
