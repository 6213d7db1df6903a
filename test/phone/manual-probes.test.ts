// Manual probes: a person calls the short number 114 (Twilio cannot dial it) and records what
// happened through POST /api/v1/channels/{id}/manual-probes. A real daemon without telephony, a real
// SQLite file; the operator token comes from the environment given to startDaemon.

import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
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
    { PORT: '0', HOST: '127.0.0.1', REACHWATCH_DATA_DIR: path.join(dir, 'data') },
    null,
    (k) => k.join('.'),
    dir,
  );
  // No TWILIO_* variables: telephony is not configured, manual probes still work.
  daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), { REACHWATCH_OPERATOR_TOKEN: TOKEN });
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
    expect(daemon.monitor.telephony).toBeNull();
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
