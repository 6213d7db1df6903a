// The daemon places real calls through the real twilio package against the local Twilio-protocol
// server, which plays each number's script and sends signed callbacks back to the daemon's webhooks.
// Every scripted outcome must be classified and stored, with the channel's status following.

import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.ts';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { startPhoneDaemon } from '../helpers/phone-daemon.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startFakeTwilio, type CallScenario, type FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const TOKEN = 'test-auth-token-0123456789abcdef';

interface Case {
  name: string;
  number: string;
  script?: CallScenario;
  expect: { outcome: string; reason: string; status?: string };
}

// One KZ number per scenario (+7 7172 xx xx xx: Astana landlines, all fictitious).
const n = (i: number) => `+77172${String(1_000_000 + i).slice(1)}`;
const CASES: Case[] = [
  { name: 'busy (486)', number: n(1), script: { outcome: 'busy', sipResponseCode: 486 }, expect: { outcome: 'busy', reason: 'busy' } },
  { name: 'no answer (487 after the ring timeout)', number: n(2), script: { outcome: 'no-answer', sipResponseCode: 487 }, expect: { outcome: 'no_answer', reason: 'no_answer' } },
  { name: 'not in service (failed 404)', number: n(3), script: { outcome: 'failed', sipResponseCode: 404 }, expect: { outcome: 'unavailable', reason: 'not_in_service' } },
  { name: 'not in service (failed 13224)', number: n(4), script: { outcome: 'failed', sipResponseCode: 500, errorCode: 13224 }, expect: { outcome: 'unavailable', reason: 'not_in_service' } },
  { name: 'switched off (480)', number: n(5), script: { outcome: 'failed', sipResponseCode: 480 }, expect: { outcome: 'unavailable', reason: 'switched_off' } },
  { name: 'answered, key 1', number: n(6), script: { outcome: 'completed', press: '1' }, expect: { outcome: 'reachable', reason: 'confirmed', status: 'reachable' } },
  { name: 'answered, key 2', number: n(7), script: { outcome: 'completed', press: '2' }, expect: { outcome: 'wrong_number', reason: 'not_the_center', status: 'wrong_number' } },
  { name: 'answered, key 3', number: n(8), script: { outcome: 'completed', press: '3' }, expect: { outcome: 'closed', reason: 'center_closed', status: 'closed' } },
  {
    name: 'answered, key 4 and a message',
    number: n(9),
    script: { outcome: 'completed', press: '4', recording: { url: 'https://api.twilio.com/rec/RE1', durationSec: 7 } },
    expect: { outcome: 'redirected', reason: 'center_moved', status: 'redirected' },
  },
  { name: 'answered, key 9 (opt-out)', number: n(10), script: { outcome: 'completed', press: '9' }, expect: { outcome: 'inconclusive', reason: 'opted_out', status: 'opted_out' } },
  { name: 'answered, Russian speech "да"', number: n(11), script: { outcome: 'completed', speech: 'да, это центр' }, expect: { outcome: 'reachable', reason: 'confirmed' } },
  { name: 'voicemail', number: n(12), script: { outcome: 'completed', answeredBy: 'machine_start' }, expect: { outcome: 'voicemail', reason: 'voicemail' } },
  { name: 'answered and silent', number: n(13), script: { outcome: 'completed', press: null }, expect: { outcome: 'inconclusive', reason: 'answered_silent' } },
  {
    name: 'the final callback never arrives (fetched from Twilio)',
    number: n(14),
    script: { outcome: 'busy', sipResponseCode: 486, dropCallbacks: ['completed'] },
    expect: { outcome: 'busy', reason: 'busy' },
  },
  {
    name: 'duplicate and out-of-order callbacks',
    number: n(15),
    script: { outcome: 'completed', press: '1', duplicate: true, shuffle: true },
    expect: { outcome: 'reachable', reason: 'confirmed' },
  },
  { name: 'geo permissions refuse the call (ours)', number: n(16), script: { outcome: 'completed', reject: { status: 400, code: 21215 } }, expect: { outcome: 'error', reason: 'twilio_permissions', status: 'unknown' } },
  { name: 'rate limited (429, ours)', number: n(17), script: { outcome: 'completed', reject: { status: 429, code: 20429 } }, expect: { outcome: 'error', reason: 'twilio_rate_limited', status: 'unknown' } },
  { name: 'our auth rejected (401, 20003)', number: n(18), script: { outcome: 'completed', reject: { status: 401, code: 20003 } }, expect: { outcome: 'error', reason: 'twilio_auth', status: 'unknown' } },
];

let fake: FakeTwilio;
let daemon: Daemon;
let dir: string;
let cleanup: () => void;

const centerId = (i: number) => `center-${i}`;
const channelId = (c: Case) => `${centerId(CASES.indexOf(c))}--phone-${c.number.slice(1)}`;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, timeScale: 0.01 });
  for (const c of CASES) if (c.script) fake.script(c.number, c.script);
  writeFileSync(
    path.join(dir, 'centers.yaml'),
    CASES.map((c, i) => `- id: ${centerId(i)}\n  name: Center ${i}\n  kind: rehabilitation_center\n  channels:\n    - {type: phone, value: "${c.number}"}\n`).join(''),
  );
  ({ daemon } = await startPhoneDaemon({ dir, fake, telephony: { time_limit: '120s' } }));
  // Wait until every number has its probe stored.
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    const rows = readProbes();
    if (CASES.every((c) => rows.some((r) => r.channel === channelId(c)))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await fake?.close();
  cleanup?.();
});

function readProbes(): { channel: string; outcome: string; reason: string; evidence: string }[] {
  const db = new Database(path.join(dir, 'data', DB_FILE_NAME), { readonly: true });
  try {
    return db
      .prepare("SELECT c.id AS channel, p.outcome, p.reason, p.evidence FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE p.method = 'call' ORDER BY p.id")
      .all() as { channel: string; outcome: string; reason: string; evidence: string }[];
  } finally {
    db.close();
  }
}

function read<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(dir, 'data', DB_FILE_NAME), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The probes stored for one call, found by its CallSid in their evidence. */
const probesOfCall = (callSid: string) =>
  read((db) => db.prepare("SELECT id, outcome, reason, evidence FROM probes WHERE json_extract(evidence, '$.callSid') = ? ORDER BY id").all(callSid));

async function channelStatus(c: Case): Promise<string> {
  const body = (await (await fetch(`${daemon.url}/api/v1/centers/${centerId(CASES.indexOf(c))}`)).json()) as { channels: { status: string }[] };
  return body.channels[0]?.status ?? 'missing';
}

describe('phone calls through the local Twilio-protocol server', () => {
  test.each(CASES)('$name', async (c) => {
    const probes = readProbes().filter((r) => r.channel === channelId(c));
    // A call that was placed counts against the number's daily cap; one Twilio refused to place does not.
    if (c.expect.outcome === 'error') expect(probes.length).toBeGreaterThanOrEqual(1);
    else expect(probes.length, 'one call per number (the daily cap holds)').toBe(1);
    expect({ outcome: probes[0]?.outcome, reason: probes[0]?.reason }).toEqual({ outcome: c.expect.outcome, reason: c.expect.reason });
    if (c.expect.status) expect(await channelStatus(c)).toBe(c.expect.status);
  });

  test('the raw signals are stored with the probe', () => {
    const busy = readProbes().find((r) => r.channel === channelId(CASES[0] as Case));
    const ev = JSON.parse(busy?.evidence ?? '{}') as { callSid: string; final: { status: string; sip: number; source: string }; events: { kind: string; seq?: number }[] };
    expect(ev.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(ev.final).toMatchObject({ status: 'busy', sip: 486, source: 'callback' });
    expect(ev.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['initiated', 'busy']));
    const moved = JSON.parse(readProbes().find((r) => r.channel === channelId(CASES[8] as Case))?.evidence ?? '{}') as { recording: { url: string; durationSec: number } };
    expect(moved.recording).toEqual({ url: 'https://api.twilio.com/rec/RE1', durationSec: 7 });
  });

  test('a dropped final callback is recovered from Twilio', () => {
    const ev = JSON.parse(readProbes().find((r) => r.channel === channelId(CASES[13] as Case))?.evidence ?? '{}') as { final: { source: string } };
    expect(ev.final.source).toBe('fetch');
  });

  test('duplicate deliveries are applied once', async () => {
    const c = CASES[14] as Case;
    const attempt = read((db) => db.prepare('SELECT a.id, a.call_sid FROM call_attempts a JOIN channels c ON c.ref = a.channel_ref WHERE c.id = ?').get(channelId(c)) as { id: string; call_sid: string });
    // The probe is stored on the first final status; the late duplicates may still be on their way.
    const call = await fake.waitForCall(attempt.call_sid, 'terminal');
    const db = new Database(path.join(dir, 'data', DB_FILE_NAME), { readonly: true });
    try {
      const stored = (db.prepare("SELECT count(*) AS n FROM call_events WHERE attempt_id = ? AND key LIKE 'status:%'").get(attempt.id) as { n: number }).n;
      const sent = call.callbacks.filter((cb) => cb.kind === 'status');
      expect(sent.length).toBeGreaterThan(stored); // every status callback was sent twice...
      expect(stored).toBe(new Set(sent.map((cb) => cb.sequenceNumber)).size); // ...and stored once
    } finally {
      db.close();
    }
  });

  test('the opted-out number is recorded for good and never called again', async () => {
    const db = new Database(path.join(dir, 'data', DB_FILE_NAME), { readonly: true });
    try {
      expect(db.prepare('SELECT via FROM opt_outs WHERE number = ?').get(n(10))).toEqual({ via: 'key_9' });
    } finally {
      db.close();
    }
    const calls = [...fake.calls.values()].filter((c) => c.to === n(10));
    expect(calls).toHaveLength(1);
  });

  test('a forged or unsigned callback gets 403 and changes nothing', async () => {
    // The daemon keeps calling other numbers meanwhile, so "nothing changed" is judged on this call
    // alone, by its CallSid and its attempt: never on a count of every probe stored.
    const c = CASES[5] as Case; // answered, key 1
    const attempt = read(
      (db) =>
        db.prepare('SELECT a.id, a.call_sid, a.status FROM call_attempts a JOIN channels c ON c.ref = a.channel_ref WHERE c.id = ?').get(channelId(c)) as {
          id: string;
          call_sid: string;
          status: string;
        },
    );
    expect(attempt.status).toBe('completed');
    // Its own callbacks are all in before we look (the probe is stored on the first final one).
    await fake.waitForCall(attempt.call_sid, 'terminal');
    await fake.settled();
    const eventKeys = () => read((db) => (db.prepare('SELECT key FROM call_events WHERE attempt_id = ? ORDER BY key').all(attempt.id) as { key: string }[]).map((r) => r.key));
    const keysBefore = eventKeys();
    const probesBefore = probesOfCall(attempt.call_sid);
    expect(probesBefore).toHaveLength(1);
    const url = `${daemon.url}/twilio/status/${attempt.id}`;
    const forged = await fake.sendCallback(attempt.call_sid, { CallStatus: 'busy', SequenceNumber: '99' }, { url, signature: 'bad' });
    const unsigned = await fake.sendCallback(attempt.call_sid, { CallStatus: 'busy', SequenceNumber: '98' }, { url, signature: 'none' });
    const wrongToken = await fake.sendCallback(attempt.call_sid, { CallStatus: 'busy', SequenceNumber: '97' }, { url, authToken: 'not-our-token' });
    expect([forged.status, unsigned.status, wrongToken.status]).toEqual([403, 403, 403]);
    // A correctly signed but late "busy" cannot move a completed call backwards either.
    const late = await fake.sendCallback(attempt.call_sid, { CallStatus: 'busy', SequenceNumber: '96' }, { url });
    expect(late.status).toBe(204);
    expect(read((db) => db.prepare('SELECT status FROM call_attempts WHERE id = ?').get(attempt.id))).toEqual({ status: 'completed' });
    // The signed one is kept as evidence (and applied as a no-op); none of the refused ones is. Judged
    // on the status callbacks only: the daemon may still add what it fetches of this call later.
    const keysAfter = eventKeys();
    expect(keysAfter).toEqual(expect.arrayContaining(keysBefore));
    expect(keysAfter.filter((k) => !keysBefore.includes(k) && k.startsWith('status:'))).toEqual(['status:96']);
    expect(probesOfCall(attempt.call_sid)).toEqual(probesBefore);
    expect(await channelStatus(c)).toBe('reachable');
  });
});
