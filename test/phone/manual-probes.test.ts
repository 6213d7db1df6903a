// Manual probes: a person calls the short number 114 (Twilio cannot dial it) and records what
// happened through POST /api/v1/channels/{id}/manual-probes. A real daemon without telephony, a real
// SQLite file; the operator token comes from the environment given to startDaemon.

import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Tokens } from '../../src/auth/tokens.ts';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import type { ThesisTable } from '../../src/reports/thesis-table.ts';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

const TOKEN = 'operator-token-for-tests-5f1c0a';
const HOTLINE = 'hotline-114--phone-114';
const HELPLINE = 'helpline-150--phone-150';
const DIALLABLE = 'center-1--phone-77172000001';
const DAY = 86_400_000;

let daemon: Daemon;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    [
      '- id: hotline-114\n  name: National hotline 114\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "114"}\n',
      '- id: helpline-150\n  name: Helpline 150\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "150"}\n',
      '- id: center-1\n  name: Center 1\n  kind: rehabilitation_center\n  channels:\n    - {type: phone, value: "+77172000001"}\n',
      '- id: line-1411\n  name: Line 1411\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "1411"}\n',
      '- id: line-1412\n  name: Line 1412\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "1412"}\n',
      '- id: line-1413\n  name: Line 1413\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "1413"}\n',
      '- id: line-1414\n  name: Line 1414\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "1414"}\n',
    ].join(''),
  );
  const config = buildConfig(
    {
      registry: { file: 'centers.yaml', watch: false },
      scheduler: { defaults: { website: '1h', lookup: '1h', call: '1h' } },
      status: { confirmations: 3 },
      canaries: { urls: [] },
      store: { flush_interval: '20ms' },
    },
    { PORT: '0', HOST: '127.0.0.1', REACHWATCH_DATA_DIR: path.join(dir, 'data'), REACHWATCH_OPERATOR_TOKEN: TOKEN },
    null,
    (k) => k.join('.'),
    dir,
  );
  // No TWILIO_* variables: telephony is not configured, manual probes still work.
  daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
}, 30_000);

afterAll(async () => {
  await daemon?.stop();
  cleanup?.();
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function post(channel: string, body: unknown, auth: string | null = `Bearer ${TOKEN}`): Promise<Reply> {
  const res = await fetch(`${daemon.url}/api/v1/channels/${channel}/manual-probes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth !== null ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function probeCount(): number {
  const db = new Database(path.join(dir, 'data', DB_FILE_NAME), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM probes').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function channelStatus(centerId: string): Promise<string> {
  const body = (await (await fetch(`${daemon.url}/api/v1/centers/${centerId}`)).json()) as { channels: { id: string; status: string }[] };
  return body.channels[0]?.status ?? 'missing';
}

const RECORD = { outcome: 'unavailable', note: 'Automatic message: the number is unavailable', recordedBy: 'a.researcher', calledFrom: 'Almaty landline' };

describe('manual probes of a number Twilio cannot dial', () => {
  test('the short code is in the registry, unprobed, and telephony is not configured', async () => {
    expect(daemon.telephony).toBeNull();
    expect(daemon.monitor.channel(HOTLINE)).toMatchObject({ value: '114', target: null });
    expect(await channelStatus('hotline-114')).toBe('not_probed');
    expect(probeCount()).toBe(0);
  });

  test('a missing token gets 401 and nothing is written', async () => {
    const r = await post(HOTLINE, RECORD, null);
    expect(r.status).toBe(401);
    expect(String(r.body.message)).toMatch(/operator token/);
    expect(probeCount()).toBe(0);
  });

  test.each([
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['a token without the Bearer scheme', TOKEN],
    ['a basic-auth header', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
    ['an empty bearer', 'Bearer '],
  ])('%s gets 401 and nothing is written', async (_name, auth) => {
    const r = await post(HOTLINE, RECORD, auth);
    expect(r.status).toBe(401);
    expect(probeCount()).toBe(0);
  });

  test.each(['error', 'nonsense'])('outcome "%s" is refused with 400 naming the parameter', async (outcome) => {
    const r = await post(HOTLINE, { ...RECORD, outcome });
    expect(r.status).toBe(400);
    expect(String(r.body.message)).toContain('"outcome"');
    expect(probeCount()).toBe(0);
  });

  test('a missing recordedBy is refused with 400 naming it', async () => {
    const { recordedBy: _omit, ...rest } = RECORD;
    const r = await post(HOTLINE, rest);
    expect(r.status).toBe(400);
    expect(String(r.body.message)).toContain('recordedBy');
    expect(probeCount()).toBe(0);
  });

  test('an unknown channel gets 404', async () => {
    const r = await post('no-such-center--phone-999', RECORD);
    expect(r.status).toBe(404);
    expect(String(r.body.message)).toContain('no-such-center--phone-999');
    expect(probeCount()).toBe(0);
  });

  test('a call "made" in the future gets 400 naming "at"', async () => {
    const r = await post(HOTLINE, { ...RECORD, at: new Date(Date.now() + DAY).toISOString() });
    expect(r.status).toBe(400);
    expect(String(r.body.message)).toContain('"at"');
    const bad = await post(HOTLINE, { ...RECORD, at: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('at');
    expect(probeCount()).toBe(0);
  });

  test('a valid record is stored as a manual probe with its evidence', async () => {
    const before = Date.now();
    const r = await post(HOTLINE, RECORD);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ channelId: HOTLINE, outcome: 'unavailable', status: 'not_probed' });
    expect(Number.isInteger(r.body.probeId)).toBe(true);
    expect(probeCount()).toBe(1);

    const page = (await (await fetch(`${daemon.url}/api/v1/channels/${HOTLINE}/probes`)).json()) as {
      probes: { id: number; method: string; outcome: string; reason: string; startedAt: string; evidence: Record<string, unknown> }[];
    };
    expect(page.probes).toHaveLength(1);
    const p = page.probes[0];
    expect(p).toMatchObject({ id: r.body.probeId, method: 'manual', outcome: 'unavailable', reason: 'manual' });
    expect(p?.evidence).toMatchObject({
      method: 'manual',
      value: '114',
      outcome: 'unavailable',
      recordedBy: 'a.researcher',
      note: 'Automatic message: the number is unavailable',
      calledFrom: 'Almaty landline',
    });
    const at = Date.parse(p?.startedAt ?? '');
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  test('three manual records (three days apart) confirm the status, citing all three', async () => {
    const now = Date.now();
    const ids: number[] = [];
    const statuses: string[] = [];
    for (const daysAgo of [2, 1, 0]) {
      const r = await post(HELPLINE, { ...RECORD, note: `Day -${daysAgo}: the number is unavailable`, at: new Date(now - daysAgo * DAY - 60_000).toISOString() });
      expect(r.status).toBe(201);
      ids.push(r.body.probeId as number);
      statuses.push(r.body.status as string);
    }
    expect(statuses).toEqual(['not_probed', 'not_probed', 'unavailable']);
    expect(await channelStatus('helpline-150')).toBe('unavailable');
    const changes = (await (await fetch(`${daemon.url}/api/v1/channels/${HELPLINE}/status-changes`)).json()) as { changes: { from: string; to: string; probeIds: number[] }[] };
    expect(changes.changes).toEqual([expect.objectContaining({ from: 'not_probed', to: 'unavailable', probeIds: ids })]);
    // The other short code, with one record, is untouched by these.
    expect(await channelStatus('hotline-114')).toBe('not_probed');
  });

  test('a manual record on a number the daemon would dial is accepted too', async () => {
    expect(await channelStatus('center-1')).toBe('not_probed'); // telephony not configured
    const r = await post(DIALLABLE, { outcome: 'reachable', note: 'Answered: "Center 1, hello"', recordedBy: 'b.researcher' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ outcome: 'reachable' });
  });

  test('a call recorded late (backdated "at") does not become the channel\'s latest probe', async () => {
    type View = { lastProbeAt: string | null; lastOutcome: string | null; lastVerifiedAt: string | null; lastReachableAt: string | null };
    const view = async () => ((await (await fetch(`${daemon.url}/api/v1/centers/center-1`)).json()) as { channels: View[] }).channels[0] as View;
    expect((await post(DIALLABLE, { outcome: 'reachable', note: 'Answered today', recordedBy: 'c.researcher' })).status).toBe(201);
    const before = await view();
    expect(before.lastOutcome).toBe('reachable');
    const old = new Date(Date.now() - 2 * DAY).toISOString();
    const r = await post(DIALLABLE, { outcome: 'unavailable', note: 'Two days ago: the number was unavailable', recordedBy: 'c.researcher', at: old });
    expect(r.status).toBe(201);
    // The record is in the history at its own time...
    const page = (await (await fetch(`${daemon.url}/api/v1/channels/${DIALLABLE}/probes?order=asc`)).json()) as { probes: { startedAt: string; outcome: string }[] };
    expect(page.probes[0]).toMatchObject({ startedAt: old, outcome: 'unavailable' });
    // ...but the newest evidence about the channel is still the call made today.
    const after = await view();
    expect({ lastProbeAt: after.lastProbeAt, lastOutcome: after.lastOutcome, lastVerifiedAt: after.lastVerifiedAt }).toEqual({
      lastProbeAt: before.lastProbeAt,
      lastOutcome: 'reachable',
      lastVerifiedAt: before.lastVerifiedAt,
    });
  });
});

// The 2018 protocol by hand: the researcher called a line three times over two days and writes one
// record of what she observed, saying which calls it stands for.
describe('one manual record standing for several calls', () => {
  const LINE = 'line-1411--phone-1411';
  const SAME_MORNING = 'line-1412--phone-1412';
  const CHECKED = 'line-1413--phone-1413';
  const localDate = (t: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty', year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
  // Almaty is UTC+5 all year: 04:00Z and 05:00Z are 09:00 and 10:00 there, one morning.
  const morning = (daysAgo: number, hourUtc: number) => {
    const d = new Date(Date.now() - daysAgo * DAY);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hourUtc);
  };

  test('three calls over two days in one record confirm the status, and the calls are in its evidence', async () => {
    const first = Date.now() - DAY - 3 * 3_600_000;
    const last = Date.now() - 60_000;
    const r = await post(LINE, {
      ...RECORD,
      note: 'Three calls over two days: the number is unavailable each time',
      attempts: { count: 3, first: new Date(first).toISOString(), last: new Date(last).toISOString() },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ channelId: LINE, outcome: 'unavailable', attempts: 3, status: 'unavailable' });
    expect(await channelStatus('line-1411')).toBe('unavailable');

    // One probe, dated by its last call, whose raw evidence holds all three.
    const page = (await (await fetch(`${daemon.url}/api/v1/channels/${LINE}/probes`)).json()) as {
      probes: { id: number; startedAt: string; evidence: Record<string, unknown> }[];
    };
    expect(page.probes).toHaveLength(1);
    expect(page.probes[0]?.startedAt).toBe(new Date(last).toISOString());
    expect(page.probes[0]?.evidence).toMatchObject({ method: 'manual', at: last, attempts: { count: 3, first, last } });

    // The status change cites the one record; the outage began with the first call.
    const changes = (await (await fetch(`${daemon.url}/api/v1/channels/${LINE}/status-changes`)).json()) as {
      changes: { from: string; to: string; probeIds: number[]; evidence: { probes: { firstAt?: number; detail: string }[] } }[];
    };
    expect(changes.changes).toEqual([expect.objectContaining({ from: 'not_probed', to: 'unavailable', probeIds: [r.body.probeId] })]);
    expect(changes.changes[0]?.evidence.probes[0]).toMatchObject({ firstAt: first, detail: expect.stringContaining('3 calls from') });
    const center = (await (await fetch(`${daemon.url}/api/v1/centers/line-1411`)).json()) as { channels: { statusSince: string; lastDetail: string }[] };
    expect(center.channels[0]?.statusSince).toBe(new Date(first).toISOString());
    expect(center.channels[0]?.lastDetail).toContain(`(3 calls from ${new Date(first).toISOString()} to ${new Date(last).toISOString()})`);
  });

  test('the board shows the record as three attempts, from its first call to its last', async () => {
    const html = await (await fetch(`${daemon.url}/centers/line-1411?lang=en`)).text();
    const row = /<table class="history">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(row).toContain('(3 attempts)');
    expect(row.match(/<time datetime=/g)).toHaveLength(2);
    // The figures count the three attempts too (0 % of 3 over 7 days).
    expect(html).toMatch(/<td>0%<\/td><td>3 attempts<\/td>/);
    const ru = await (await fetch(`${daemon.url}/centers/line-1411?lang=ru`)).text();
    expect(ru).toContain('(3 попытки)');
  });

  test("the thesis table over the record's days counts its three attempts", async () => {
    const db = new Database(path.join(dir, 'data', DB_FILE_NAME));
    const auditor = (() => {
      try {
        return new Tokens(db).create({ name: 'an.auditor', role: 'auditor', createdBy: 'test' }).secret;
      } finally {
        db.close();
      }
    })();
    const probe = (await (await fetch(`${daemon.url}/api/v1/channels/${LINE}/probes`)).json()) as { probes: { evidence: { attempts: { first: number; last: number } } }[] };
    const { first, last } = probe.probes[0]?.evidence.attempts ?? { first: 0, last: 0 };
    const res = await fetch(`${daemon.url}/api/v1/reports/thesis-table?date=${localDate(first)}&until=${localDate(last)}&center=line-1411&lang=en`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(res.status).toBe(200);
    const table = (await res.json()) as ThesisTable;
    expect(table.rows[0]?.channels[0]).toMatchObject({ verdict: 'down', attempts: { unavailable: 3 } });
    expect(table.rows[0]?.channels[0]?.words).toMatch(/1411: .*\(3\)$/);
  });

  test('three calls in one morning are three attempts but one half-day: the 2018 protocol does not confirm them', async () => {
    const r = await post(SAME_MORNING, {
      ...RECORD,
      attempts: { count: 3, first: new Date(morning(3, 4)).toISOString(), last: new Date(morning(3, 5)).toISOString() },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ attempts: 3, status: 'not_probed' });
    const center = (await (await fetch(`${daemon.url}/api/v1/centers/line-1412`)).json()) as { channels: { status: string; confirming: unknown }[] };
    expect(center.channels[0]).toMatchObject({ status: 'not_probed', confirming: { outcome: 'unavailable', count: 3 } });
    // A call the next afternoon is a second slot: now it is confirmed.
    const next = await post(SAME_MORNING, { ...RECORD, at: new Date(morning(2, 10)).toISOString() });
    expect(next.body).toMatchObject({ attempts: 1, status: 'unavailable' });
  });

  test('a record whose first call came before another stored probe counts only its last call toward the status', async () => {
    const OVERLAPPING = 'line-1414--phone-1414';
    // Someone reached the line yesterday; a second person's record says three calls from two days ago
    // to now all found it unavailable. Which of those calls followed the answered one is unknown.
    const answered = await post(OVERLAPPING, { ...RECORD, outcome: 'reachable', note: 'Answered', at: new Date(Date.now() - DAY).toISOString() });
    expect(answered.status).toBe(201);
    const r = await post(OVERLAPPING, {
      ...RECORD,
      attempts: { count: 3, first: new Date(Date.now() - 2 * DAY).toISOString(), last: new Date(Date.now() - 60_000).toISOString() },
    });
    expect(r.status).toBe(201);
    // Three attempts over two days would confirm it (see the first test); one after the answer does not,
    // and no status dates from before the answered call.
    // Neither the one answer nor the one unavailable call after it confirms anything: the line keeps
    // the status it had before both (not 'unavailable', and not dated from before the answer).
    expect(r.body).toMatchObject({ attempts: 3, status: 'not_probed' });
    const center = (await (await fetch(`${daemon.url}/api/v1/centers/line-1414`)).json()) as { channels: { status: string; confirming: unknown }[] };
    expect(center.channels[0]).toMatchObject({ status: 'not_probed', confirming: { outcome: 'unavailable', count: 1 } });
  });

  test('inconsistent attempts are refused with 400 naming the field, and nothing is stored', async () => {
    const before = probeCount();
    const iso = (t: number) => new Date(t).toISOString();
    const now = Date.now();
    const cases: [string, Record<string, unknown>, string][] = [
      ['count 0', { count: 0, first: iso(now - DAY), last: iso(now - 1000) }, '"attempts.count"'],
      ['count 21', { count: 21, first: iso(now - DAY), last: iso(now - 1000) }, '"attempts.count"'],
      ['count 2.5', { count: 2.5, first: iso(now - DAY), last: iso(now - 1000) }, '"attempts.count"'],
      ['a missing last', { count: 2, first: iso(now - DAY) }, 'attempts'],
      ['first after last', { count: 2, first: iso(now - 1000), last: iso(now - DAY) }, '"attempts.first"'],
      ['one call at two times', { count: 1, first: iso(now - DAY), last: iso(now - 1000) }, '"attempts.last"'],
      ['three calls at one instant', { count: 3, first: iso(now - 1000), last: iso(now - 1000) }, '"attempts.last"'],
      ['a last call in the future', { count: 2, first: iso(now - DAY), last: iso(now + DAY) }, '"attempts.last"'],
      ['a first call in the future', { count: 2, first: iso(now + DAY), last: iso(now + 2 * DAY) }, '"attempts.first"'],
      ['calls spread over a month', { count: 3, first: iso(now - 30 * DAY), last: iso(now - 1000) }, '"attempts.last"'],
      ['a first that is not a date', { count: 2, first: 'the day before', last: iso(now - 1000) }, 'attempts.first'],
      ['an unknown field', { count: 2, first: iso(now - DAY), last: iso(now - 1000), firts: iso(now - DAY) }, 'attempts'],
    ];
    for (const [name, attempts, field] of cases) {
      const r = await post(CHECKED, { ...RECORD, attempts });
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
      expect(String(r.body.message), name).toContain(field);
    }
    // "at" names the record's time: with attempts it must be the last call.
    const at = await post(CHECKED, { ...RECORD, at: iso(now - 2 * DAY), attempts: { count: 2, first: iso(now - 3 * DAY), last: iso(now - DAY) } });
    expect(at.status).toBe(400);
    expect(String(at.body.message)).toContain('"at"');
    expect(probeCount()).toBe(before);
    expect(await channelStatus('line-1413')).toBe('not_probed');
  });

  test('a record of one call stated as attempts is the same as one without', async () => {
    const t = new Date(Date.now() - 5 * 60_000).toISOString();
    const r = await post(CHECKED, { ...RECORD, attempts: { count: 1, first: t, last: t } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ attempts: 1, status: 'not_probed' });
    const center = (await (await fetch(`${daemon.url}/api/v1/centers/line-1413`)).json()) as { channels: { confirming: unknown; lastProbeAt: string }[] };
    expect(center.channels[0]).toMatchObject({ confirming: { outcome: 'unavailable', count: 1 }, lastProbeAt: t });
  });
});
