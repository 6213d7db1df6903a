// The auditor's history export: NDJSON over a real socket from a real SQLite file, every probe of a
// period exactly once, in (startedAt, id) order across channels, with the raw evidence as stored.

import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let app: App;
let base: string;
let cleanup: () => void;
let auditor: string;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const A = 'perspective-almaty--web-www-perspektiva-group-kz';
interface Line {
  id: number;
  channelId: string;
  centerId: string;
  startedAt: string;
  outcome: string;
  evidence: { method: string; n: number; text: string };
}
const expected: { id: number; startedAt: number; channelId: string; centerId: string }[] = [];

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  db = openDatabase(path.join(t.dir, 'data'));
  syncRegistry(db, assertLoadable(loadRegistry('config/centers.yaml')), 'config/centers.yaml', 'sha');
  const channels = db.prepare('SELECT ref, id, center_id FROM channels ORDER BY ref LIMIT 6').all() as { ref: number; id: string; center_id: string }[];
  const perspective = db.prepare('SELECT ref, id, center_id FROM channels WHERE id = ?').get(A) as { ref: number; id: string; center_id: string };
  channels.push(perspective);
  const insert = db.prepare(
    `INSERT INTO probes (channel_ref, due_at, started_at, duration_ms, method, outcome, reason, flags, classifier_version, evidence)
     VALUES (?, ?, ?, 12.5, 'http', ?, 'http_2xx', ?, 1, ?)`,
  );
  // 1,500 probes over 7 channels, written out of time order, with ties on started_at: the export
  // must sort by (started_at, id) whatever the insertion order.
  db.transaction(() => {
    for (let i = 0; i < 1500; i++) {
      const ch = channels[(i * 5) % channels.length] as { ref: number; id: string; center_id: string };
      const at = T0 + ((i * 7919) % 1500) * 60_000;
      const evidence = JSON.stringify({ method: 'http', n: i, text: 'Помощь "quoted"\tand\u2028separated' });
      const info = insert.run(ch.ref, at, at, i % 10 === 0 ? 'unavailable' : 'reachable', i % 10 === 0 ? 'slow' : null, evidence);
      expected.push({ id: Number(info.lastInsertRowid), startedAt: at, channelId: ch.id, centerId: ch.center_id });
      if (i % 100 === 0) {
        const tie = insert.run(ch.ref, at, at, 'reachable', null, JSON.stringify({ method: 'http', n: -i, text: '' }));
        expected.push({ id: Number(tie.lastInsertRowid), startedAt: at, channelId: ch.id, centerId: ch.center_id });
      }
    }
  })();
  expected.sort((a, b) => a.startedAt - b.startedAt || a.id - b.id);
  const tokens = new Tokens(db);
  auditor = tokens.create({ name: 'a.auditor', role: 'auditor', createdBy: 'test' }).secret;
  app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }) });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  db.close();
  cleanup();
});

async function exportOf(query: string): Promise<{ status: number; type: string | null; lines: Line[]; text: string }> {
  const res = await fetch(`${base}/api/v1/history/probes${query}`, { headers: { authorization: `Bearer ${auditor}` } });
  const text = await res.text();
  const lines = res.status === 200 ? text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) : [];
  return { status: res.status, type: res.headers.get('content-type'), lines, text };
}

describe('GET /api/v1/history/probes', () => {
  test('streams every probe once, as NDJSON, ordered by startedAt then id across channels, with raw evidence', async () => {
    const r = await exportOf('');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/x-ndjson/);
    expect(r.text.endsWith('\n')).toBe(true);
    expect(r.lines.map((l) => l.id)).toEqual(expected.map((e) => e.id));
    const first = r.lines[0] as Line;
    expect(first.startedAt).toBe(new Date(expected[0]?.startedAt as number).toISOString());
    expect(first.channelId).toBe(expected[0]?.channelId);
    expect(typeof first.centerId).toBe('string');
    const stored = db.prepare('SELECT evidence FROM probes WHERE id = ?').get(first.id) as { evidence: string };
    expect(first.evidence).toEqual(JSON.parse(stored.evidence));
    // The evidence is spliced in as stored: the line holds its exact bytes.
    expect(r.text).toContain(stored.evidence);
  });

  test('from (inclusive) and to (exclusive) select a period; ISO or epoch ms', async () => {
    const from = T0 + 100 * 60_000;
    const to = T0 + 200 * 60_000;
    const want = expected.filter((e) => e.startedAt >= from && e.startedAt < to).map((e) => e.id);
    expect(want.length).toBeGreaterThan(50);
    expect((await exportOf(`?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`)).lines.map((l) => l.id)).toEqual(want);
    expect((await exportOf(`?from=${from}&to=${to}`)).lines.map((l) => l.id)).toEqual(want);
  });

  test('limit and after page through the export without loss or repeat', async () => {
    const seen: number[] = [];
    let after: number | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const r = await exportOf(`?limit=400${after ? `&after=${after}` : ''}`);
      seen.push(...r.lines.map((l) => l.id));
      if (r.lines.length < 400) break;
      after = r.lines.at(-1)?.id ?? null;
    }
    expect(seen).toEqual(expected.map((e) => e.id));
  });

  test("center= keeps one center's channels, in the same order", async () => {
    const r = await exportOf('?center=perspective-almaty');
    expect(r.lines.length).toBeGreaterThan(100);
    expect(new Set(r.lines.map((l) => l.centerId))).toEqual(new Set(['perspective-almaty']));
    expect(r.lines.map((l) => l.id)).toEqual(expected.filter((e) => e.centerId === 'perspective-almaty').map((e) => e.id));
    expect(new Set(r.lines.map((l) => l.channelId)).size).toBeGreaterThan(1);
    // Paging within a center too.
    const page1 = await exportOf('?center=perspective-almaty&limit=150');
    const page2 = await exportOf(`?center=perspective-almaty&limit=1000&after=${page1.lines.at(-1)?.id}`);
    expect([...page1.lines, ...page2.lines].map((l) => l.id)).toEqual(r.lines.map((l) => l.id));
  });

  test.each([
    ['?from=yesterday', 400, '"from"'],
    ['?to=2026-13-45', 400, '"to"'],
    ['?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 400, '"from"'],
    ['?limit=0', 400, '"limit"'],
    ['?after=999999999', 400, '"after"'],
    ['?center=BAD!', 400, '"center"'],
    ['?center=no-such-center', 404, 'no-such-center'],
  ])('%s is refused with %i naming the parameter', async (query, status, text) => {
    const r = await exportOf(query);
    expect(r.status).toBe(status);
    expect((JSON.parse(r.text) as { message: string }).message).toContain(text);
  });
});
