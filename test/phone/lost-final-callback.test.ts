// A failed call whose final status callback never reaches us is not the callee's fault. The daemon
// calls the local Twilio-protocol server through the real twilio package; each SIP ending (404 not in
// service, 480 switched off, 503 a carrier failure, 603 rejected) is called three ways:
//   - with its final callback: the reference class;
//   - without it: the daemon fetches the call (no SIP code on the Call resource) and must recover the
//     code from what Twilio keeps (the call's Events log), storing it as evidence: the same class;
//   - without it, and before Twilio's Events log shows the call: no code can be had, so the attempt is
//     inconclusive, never unavailable.

import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.ts';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { startPhoneDaemon } from '../helpers/phone-daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startFakeTwilio, type CallScenario, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

const ACCOUNT = `AC${'7'.repeat(32)}`;
const TOKEN = 'test-auth-token-lost-callback-001';

type Way = 'callback' | 'recovered' | 'unrecoverable';
const WAYS: readonly Way[] = ['callback', 'recovered', 'unrecoverable'];

const ENDINGS: { sip: number; script: CallScenario }[] = [
  { sip: 404, script: { outcome: 'failed', sipResponseCode: 404 } },
  { sip: 480, script: { outcome: 'failed', sipResponseCode: 480, ring: 100 } },
  { sip: 503, script: { outcome: 'failed', sipResponseCode: 503 } },
  { sip: 603, script: { outcome: 'failed', sipResponseCode: 603, ring: 100 } },
];

interface Case {
  sip: number;
  way: Way;
  number: string;
  center: string;
  script: CallScenario;
}

const CASES: Case[] = ENDINGS.flatMap((e, i) =>
  WAYS.map((way, j): Case => {
    const k = i * WAYS.length + j + 1;
    const script: CallScenario =
      way === 'callback' ? e.script : way === 'recovered' ? { ...e.script, dropCallbacks: ['completed'] } : { ...e.script, dropCallbacks: ['completed'], eventsDelayMs: 15 * 60_000 };
    return { sip: e.sip, way, number: `+77172${String(2_000_000 + k).slice(1)}`, center: `lost-${e.sip}-${way}`, script };
  }),
);

const channelId = (c: Case) => `${c.center}--phone-${c.number.slice(1)}`;

let fake: FakeTwilio;
let daemon: Daemon;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, timeScale: 0.01 });
  for (const c of CASES) fake.script(c.number, c.script);
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    CASES.map((c) => `- id: ${c.center}\n  name: ${c.center}\n  kind: rehabilitation_center\n  channels:\n    - {type: phone, value: "${c.number}"}\n`).join(''),
  );
  ({ daemon } = await startPhoneDaemon({ dir, fake, telephony: { ring_timeout: '3s' } }));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const rows = readProbes();
    if (CASES.every((c) => rows.some((r) => r.channel === channelId(c)))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 90_000);

afterAll(async () => {
  await daemon?.stop();
  await fake?.close();
  cleanup?.();
});

interface ProbeRow {
  channel: string;
  outcome: string;
  reason: string;
  evidence: string;
}

function readProbes(): ProbeRow[] {
  const db = new Database(path.join(dir, 'data', DB_FILE_NAME), { readonly: true });
  try {
    return db.prepare("SELECT c.id AS channel, p.outcome, p.reason, p.evidence FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE p.method = 'call' ORDER BY p.id").all() as ProbeRow[];
  } finally {
    db.close();
  }
}

function probeOf(c: Case): ProbeRow {
  const rows = readProbes().filter((r) => r.channel === channelId(c));
  expect(rows, `${c.center}: one call, one probe`).toHaveLength(1);
  return rows[0] as ProbeRow;
}

const caseOf = (sip: number, way: Way) => CASES.find((c) => c.sip === sip && c.way === way) as Case;

interface StoredEvidence {
  final?: { status: string; sip?: number; source: string };
  events: { kind: string; status?: string; sip?: number; errorCode?: number }[];
}

describe.each(ENDINGS.map((e) => e.sip))('a failed call ending with SIP %i', (sip) => {
  test('without its final callback: the SIP code is recovered from Twilio and stored, and the class is the same', () => {
    const reference = probeOf(caseOf(sip, 'callback'));
    const recovered = probeOf(caseOf(sip, 'recovered'));
    expect(JSON.parse(reference.evidence).final).toMatchObject({ source: 'callback', sip });
    expect({ outcome: recovered.outcome, reason: recovered.reason }).toEqual({ outcome: reference.outcome, reason: reference.reason });
    const ev = JSON.parse(recovered.evidence) as StoredEvidence;
    expect(ev.final).toMatchObject({ status: 'failed', source: 'fetch' });
    // The classifier read the code from the stored evidence: it is there, as Twilio's record gave it.
    expect(ev.events).toContainEqual(expect.objectContaining({ kind: 'twilio-event', status: 'failed', sip }));
  });

  test('without its final callback and with nothing recoverable: inconclusive, never unavailable', () => {
    const p = probeOf(caseOf(sip, 'unrecoverable'));
    const ev = JSON.parse(p.evidence) as StoredEvidence;
    expect(ev.final).toMatchObject({ status: 'failed', source: 'fetch' });
    expect(ev.events.some((e) => e.sip !== undefined)).toBe(false);
    expect(p.outcome).toBe('inconclusive');
  });
});

test('nothing counted against a center whose call the daemon could not follow', async () => {
  for (const sip of [404, 480, 503, 603]) {
    const c = caseOf(sip, 'unrecoverable');
    const body = (await (await fetch(`${daemon.url}/api/v1/centers/${c.center}`)).json()) as { channels: { status: string }[] };
    expect(body.channels[0]?.status, c.center).not.toBe('unavailable');
  }
});
