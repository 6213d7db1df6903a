// Which vantage point saw what, through the real API and the board over a real SQLite file: agents'
// results are written through the ProbeWriter as the central's ingest writes them (signed, with their
// `vantage` block), and the center and channel routes, the probe history, the auditors' export and the
// board's center page (ru, kk, en) show each point's status, its agent, "no data from <point>" with
// the reason, geo_restricted explained, and late results marked. A central-only channel is shown
// exactly as before.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import type { ProbeRecord } from '../../src/domain.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { ProbeWriter, type VantageWiring } from '../../src/store/probe-writer.ts';
import { agentRecord, insertAgent, type TestAgent } from '../helpers/agent-results.ts';
import { buildTestApp, type TestApp } from '../helpers/api-app.ts';

const REG = `- id: a
  name: Center A
  kind: rehabilitation_center
  channels:
    - {type: website, value: "https://geo.example.kz/"}
    - {type: website, value: "https://far.example.kz/"}
    - {type: website, value: "https://plain.example.kz/"}
`;
const GEO = 'a--web-geo-example-kz';
const FAR = 'a--web-far-example-kz';
const PLAIN = 'a--web-plain-example-kz';
const T0 = Date.UTC(2026, 5, 1, 6);
const MIN = 60_000;

const POINTS: Record<string, { name: string; domestic: boolean }[]> = {
  [GEO]: [{ name: 'central', domestic: false }, { name: 'kz', domestic: true }],
  [FAR]: [{ name: 'central', domestic: false }, { name: 'kz', domestic: true }, { name: 'eu', domestic: false }, { name: 'us', domestic: false }],
};
const pointsOf = (id: string) => POINTS[id] ?? [{ name: 'central', domestic: false }];

const almaty: TestAgent = { id: 'agt_00000000000000a1', name: 'almaty-1', point: 'kz', keys: generateAgentKeys() };
const berlin: TestAgent = { id: 'agt_00000000000000b1', name: 'berlin-1', point: 'eu', keys: generateAgentKeys() };

let t: TestApp;
let auditor: string;
const ids: Record<string, number> = {};

beforeAll(async () => {
  t = await buildTestApp({ vantagePointsOf: pointsOf });
  syncRegistry(t.db, assertLoadable(parseRegistry(REG, 'r.yaml')), 'r.yaml', 'x');
  insertAgent(t.db, almaty);
  // berlin went silent: its point says nothing.
  insertAgent(t.db, berlin, T0 - 60 * MIN, { staleSince: T0 - 30 * MIN, lastSeenAt: T0 - 60 * MIN });
  const wiring: VantageWiring = { pointsOf, isStale: (p) => p === 'eu', quorum: 0 };
  const writer = new ProbeWriter(t.db, { rules: { confirmations: 2 }, batchMaxRows: 50, flushIntervalMs: 5, vantage: wiring });
  const write = async (name: string, r: ProbeRecord) => {
    const p = writer.add(r);
    writer.flush();
    ids[name] = (await p).probeId;
  };
  const central = (channelId: string, at: number, ok: boolean): ProbeRecord => ({
    channelId, jobId: `${channelId}#http`, dueAt: at, startedAt: at + 10, durationMs: 40, evidence: { method: 'http', v: 1 },
    classification: ok ? { outcome: 'reachable', reason: 'ok', detail: 'HTTP 200', flags: [] } : { outcome: 'unavailable', reason: 'connection_reset', detail: 'The connection was reset.', flags: [] },
  });
  // The slots' lease windows, as the scheduler opens them (one interval, 5 min): one result came in
  // time, one long after its window closed.
  const job = t.db.prepare(`INSERT INTO agent_jobs (job_id, channel_ref, method, vantage, slot_at, expires_at, agent_id, done_at) VALUES (?, (SELECT ref FROM channels WHERE id = ?), 'http', 'kz', ?, ?, ?, ?)`);
  job.run(`${GEO}#http@kz`, GEO, T0, T0 + 5 * MIN, almaty.id, T0 + MIN);
  job.run(`${GEO}#http@kz`, GEO, T0 + 5 * MIN, T0 + 10 * MIN, almaty.id, T0 + 6 * MIN);
  await write('kz1', agentRecord(almaty, { channelId: GEO, slotAt: T0, outcome: 'reachable', receivedAt: T0 + MIN }));
  await write('c1', central(GEO, T0, false));
  await write('kz2', agentRecord(almaty, { channelId: GEO, slotAt: T0 + 5 * MIN, outcome: 'reachable', receivedAt: T0 + 40 * MIN, clockOffsetMs: 8000 }));
  await write('c2', central(GEO, T0 + 5 * MIN, false));
  // FAR: berlin's last results say "unavailable", then it went silent; kz and the central fail alike.
  await write('eu1', agentRecord(berlin, { channelId: FAR, slotAt: T0, outcome: 'unavailable' }));
  for (const at of [T0, T0 + 5 * MIN]) {
    await write(`far-c${at}`, central(FAR, at, false));
    await write(`far-kz${at}`, agentRecord(almaty, { channelId: FAR, slotAt: at, outcome: 'unavailable' }));
  }
  await write('plain', central(PLAIN, T0, true));
  await write('plain2', central(PLAIN, T0 + MIN, true));
  writer.close();
  auditor = new Tokens(t.db).create({ name: 'a.auditor', role: 'auditor', createdBy: 'test' }).secret;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const get = async (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('the API', () => {
  test("a center's channels: each point's status, agent and why a point says nothing; flags explained", async () => {
    const res = await get("/api/v1/centers/a");
    expect(res.statusCode).toBe(200);
    const channels = Object.fromEntries((res.json() as { channels: { id: string }[] }).channels.map((c) => [c.id, c])) as Record<string, Record<string, unknown>>;
    expect(channels[GEO]).toMatchObject({
      status: 'reachable',
      vantage: {
        flags: ['geo_restricted'],
        points: [
          { point: 'central', domestic: false, status: 'unavailable', agent: null, noData: null, lastProbeId: ids.c2, lastOutcome: 'unavailable' },
          { point: 'kz', domestic: true, status: 'reachable', agent: { id: almaty.id, name: 'almaty-1' }, noData: null, lastProbeId: ids.kz2 },
        ],
      },
    });
    const far = channels[FAR] as { status: string; vantage: { points: { point: string; noData: string | null; status: string }[] } };
    expect(far.status).toBe('unavailable');
    expect(far.vantage.points.map((p) => [p.point, p.status, p.noData])).toEqual([
      ['central', 'unavailable', null],
      ['kz', 'unavailable', null],
      ['eu', 'unknown', 'agents_stale'],
      ['us', 'unknown', 'no_agents'],
    ]);
    // A channel the central alone probes is shown as it always was: no vantage key at all.
    expect(channels[PLAIN]).not.toHaveProperty('vantage');
    expect(channels[PLAIN]).toMatchObject({ status: 'reachable' });
    // The list of centers says the same.
    const list = (await get('/api/v1/centers')).json() as { centers: { id: string; channels: { id: string; vantage?: { flags: string[] } }[] }[] };
    expect(list.centers.find((c) => c.id === 'a')?.channels.find((c) => c.id === GEO)?.vantage?.flags).toEqual(['geo_restricted']);
  });

  test("a channel's probes name their point and agent; a result received after its slot's window is late", async () => {
    const res = await get(`/api/v1/channels/${GEO}/probes?order=asc`);
    expect(res.statusCode).toBe(200);
    const probes = (res.json() as { probes: { id: number; vantage?: unknown; evidence: { vantage?: unknown } }[] }).probes;
    const byId = new Map(probes.map((p) => [p.id, p]));
    expect(byId.get(ids.kz1 as number)?.vantage).toEqual({ point: 'kz', agentId: almaty.id, agentName: 'almaty-1', receivedAt: new Date(T0 + MIN).toISOString(), late: false, clockOffsetMs: null });
    expect(byId.get(ids.kz2 as number)?.vantage).toMatchObject({ point: 'kz', late: true, clockOffsetMs: 8000, receivedAt: new Date(T0 + 40 * MIN).toISOString() });
    // The raw evidence keeps the block with the signature.
    expect(byId.get(ids.kz2 as number)?.evidence.vantage).toMatchObject({ point: 'kz', agentId: almaty.id, signature: expect.any(String), agentStartedAt: expect.any(Number) });
    expect(byId.get(ids.c1 as number)).not.toHaveProperty('vantage');
  });

  test("the auditors' history export names the point and agent of an agent's probe, and only then", async () => {
    const res = await get(`/api/v1/history/probes?from=${T0 - MIN}&to=${T0 + 60 * MIN}&limit=1000`, { authorization: `Bearer ${auditor}` });
    expect(res.statusCode).toBe(200);
    const lines = res.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: number; vantage?: string; agentId?: string; evidence: { vantage?: { signature: string } } });
    const kz1 = lines.find((l) => l.id === ids.kz1);
    expect(kz1).toMatchObject({ vantage: 'kz', agentId: almaty.id, evidence: { vantage: { signature: expect.any(String) } } });
    const c1 = lines.find((l) => l.id === ids.c1);
    expect(c1).toBeDefined();
    expect(c1).not.toHaveProperty('vantage');
    expect(c1).not.toHaveProperty('agentId');
  });
});

describe("the auditors' availability report", () => {
  test('a channel seen from several points says what each saw; a central-only channel has no such list', async () => {
    const day = new Date(T0).toISOString().slice(0, 10);
    const res = await get(`/api/v1/reports/availability?from=${day}&to=${day}&center=a`, { authorization: `Bearer ${auditor}` });
    expect(res.statusCode).toBe(200);
    type Ch = { id: string; vantage?: { point: string; probes: number; outcomes: Record<string, number>; availability: number | null }[] };
    const channels = (res.json() as { centers: { channels: Ch[] }[] }).centers[0]?.channels ?? [];
    const geo = channels.find((c) => c.id === GEO);
    // Reachable inside the country, failing from the central: the report shows both, central first.
    expect(geo?.vantage).toEqual([
      { point: 'central', probes: 2, outcomes: { reachable: 0, down: 2, impaired: 0, inconclusive: 0, errors: 0 }, availability: 0 },
      { point: 'kz', probes: 2, outcomes: { reachable: 2, down: 0, impaired: 0, inconclusive: 0, errors: 0 }, availability: 1 },
    ]);
    expect(channels.find((c) => c.id === FAR)?.vantage?.map((v) => v.point)).toEqual(['central', 'eu', 'kz']);
    expect(channels.find((c) => c.id === PLAIN)).not.toHaveProperty('vantage');
    const html = await get(`/api/v1/reports/availability?from=${day}&to=${day}&center=a&format=html&lang=ru`, { authorization: `Bearer ${auditor}` });
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain('Откуда проверяли');
    expect(html.body).toMatch(/data-point="kz">kz: 100 %/);
  });
});

describe("the board's center page", () => {
  const page = async (lang: string) => {
    const res = await get(`/centers/a?lang=${lang}`);
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const section = (html: string, channelHost: string) => {
    const at = html.indexOf(channelHost);
    expect(at).toBeGreaterThan(0);
    return html.slice(at, html.indexOf('</ul></div>', at) + 11);
  };

  test.each([
    ['en', 'answers inside Kazakhstan, not from abroad', 'Seen from', 'no data from eu: its agents are silent', 'no data from us: it has no enrolled agent', 'agent almaty-1'],
    ['ru', 'отвечает внутри Казахстана, но не из-за рубежа', 'Откуда проверяли', 'нет данных от точки «eu»: её агенты не выходят на связь', 'нет данных от точки «us»: у неё нет подключённых агентов', 'агент almaty-1'],
    ['kk', 'Қазақстан ішінде жауап береді, шетелден жауап бермейді', 'Қайдан тексерілді', '«eu» нүктесінен дерек жоқ: оның агенттері байланысқа шықпай тұр', '«us» нүктесінен дерек жоқ: оған қосылған агент жоқ', 'almaty-1 агенті'],
  ])('%s: which point saw what, geo_restricted explained, "no data from" a silent point', async (lang, geo, heading, stale, none, agent) => {
    const html = await page(lang);
    const g = section(html, 'geo.example.kz');
    expect(g).toContain(geo);
    expect(g).toContain(heading);
    expect(g).toMatch(/data-point="central">[^]*?c-unavailable/);
    expect(g).toMatch(/data-point="kz">[^]*?c-reachable/);
    expect(g).toContain(agent);
    const f = section(html, 'far.example.kz');
    expect(f).toContain(stale);
    expect(f).toContain(none);
    expect(f).not.toContain(geo);
    // The probe history names the point of each agent's probe.
    expect(html).toMatch(/geo\.example\.kz\/ <span class="vp-name">\(kz\)<\/span>/);
  });

  test('a central-only channel has no per-point list', async () => {
    const html = await page('en');
    const at = html.indexOf('plain.example.kz');
    const line = html.slice(at, html.indexOf('</li>', at));
    expect(line).not.toContain('Seen from');
    expect(line).not.toContain('vantage');
  });
});
