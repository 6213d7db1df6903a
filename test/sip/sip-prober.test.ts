// The sip prober against a callee world built from SIPp (simulators/sip/) on 127.0.0.1: the real
// baresip places each call over the real SIP and RTP, the evidence is read from the wire, the audio it
// received is kept as clips, and the classifier decides from the stored evidence alone. Each case
// asserts the class and the evidence (codes, Q.850 cause, timings' order, clip present with a matching
// hash and a plausible length), never how fast the machine was.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { classify } from '../../src/classifier/classifier.ts';
import type { Channel, Evidence } from '../../src/domain.ts';
import { CallLedger } from '../../src/probers/phone/call-ledger.ts';
import type { SipTrunk } from '../../src/probers/sip/config.ts';
import type { SipEvidence } from '../../src/probers/sip/evidence.ts';
import { createSipProber } from '../../src/probers/sip/prober.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { calleeAudio, freeUdpPort, startCallee, type Callee, type CalleeAudio, type CalleeOptions } from '../../simulators/sip/callee.ts';
import { tempDir } from '../helpers/tmp.ts';

const NUMBER = '+77172000101';
const ALWAYS = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59' };

let dir: string;
let cleanup: () => void;
let db: DB;
let channel: Channel;
let audio: CalleeAudio;
const callees: Callee[] = [];

beforeAll(async () => {
  const t = tempDir('reachwatch-sip-');
  dir = t.dir;
  cleanup = t.remove;
  db = openDatabase(path.join(dir, 'data'));
  const reg = `- id: a\n  name: Center A\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "${NUMBER}", methods: [sip]}\n`;
  const load = assertLoadable(parseRegistry(reg, 'r.yaml'));
  syncRegistry(db, load, 'r.yaml', 'x');
  channel = load[0]!.channels[0]!;
  audio = await calleeAudio(dir);
}, 60_000);

afterAll(async () => {
  await Promise.all(callees.map((c) => c.stop()));
  db?.close();
  cleanup?.();
});

async function callee(o: CalleeOptions): Promise<Callee> {
  const c = await startCallee(o);
  callees.push(c);
  return c;
}

interface Call {
  e: SipEvidence;
  c: ReturnType<typeof classify>;
}

async function call(proxy: string, opts: { password?: string | null; menu?: boolean; ringTimeoutMs?: number; listenMs?: number; transport?: SipTrunk['transport'] } = {}): Promise<Call> {
  const ledger = new CallLedger(db);
  const prober = createSipProber({
    trunk: { name: 'test-trunk', proxy, domain: '127.0.0.1', transport: opts.transport ?? 'udp', user: 'reachwatch', password: opts.password === undefined ? 'right' : opts.password },
    baresip: '/usr/bin/baresip',
    listen: '127.0.0.1:0',
    netInterface: '127.0.0.1',
    dataDir: path.join(dir, 'data'),
    ledger,
    rules: { window: ALWAYS, perNumberPerDay: 1000, perNumberPerWeek: 1000, estimatedCallCost: 0.05, monthlySpendCap: 1000 },
    callsPerSecond: 100,
    maxConcurrentCalls: 10,
    ringTimeoutMs: opts.ringTimeoutMs ?? 6000,
    listenMs: opts.listenMs ?? 3000,
    menuWaitMs: 9000,
    clipCapMs: 20_000,
    menu: opts.menu ?? false,
    tzOf: () => 'Asia/Almaty',
    followUpMs: 4 * 3_600_000,
  });
  const evidence = await prober.probe(channel, { signal: AbortSignal.timeout(60_000) });
  const stored = JSON.parse(JSON.stringify(evidence)) as Evidence; // what the store keeps
  return { e: stored as unknown as SipEvidence, c: classify(stored) };
}

function expectClip(clip: SipEvidence['clips']['early'], minMs: number, maxMs: number): void {
  expect(clip).not.toBeNull();
  const file = path.join(dir, 'data', clip!.path);
  expect(existsSync(file)).toBe(true);
  const bytes = readFileSync(file);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(clip!.sha256);
  expect(bytes.length).toBe(clip!.bytes);
  expect(clip!.durationMs).toBeGreaterThanOrEqual(minMs);
  expect(clip!.durationMs).toBeLessThanOrEqual(maxMs);
  expect(clip!.peak).toBeGreaterThan(1000); // not silence: the callee's audio came through
}

describe('final failure codes', () => {
  test.each([
    ['404', 'Not Found', '1', 'Unallocated number', 'unavailable', 'not_in_service'],
    ['410', 'Gone', '22', 'Number changed', 'unavailable', 'number_changed'],
    ['480', 'Temporarily Unavailable', '20', 'Subscriber absent', 'unavailable', 'switched_off'],
    ['486', 'Busy Here', '17', 'User busy', 'busy', 'busy'],
    ['603', 'Decline', '21', 'Call rejected', 'busy', 'rejected'],
  ])('SIP %s %s is classified from the code, with the Q.850 cause kept', async (code, reason, cause, text, outcome, why) => {
    const c = await callee({ scenario: 'reject', values: { code, reason, cause, text }, calls: 1 });
    const { e, c: verdict } = await call(c.proxy);
    expect(verdict, verdict.detail).toMatchObject({ outcome, reason: why });
    expect(e.trunkResponded).toBe(true);
    expect(e.final).toMatchObject({ code: Number(code), reason, q850: { cause: Number(cause), text } });
    expect(e.provisional.map((p) => p.code)).toEqual([180]);
    expect(e.ringingAtMs).not.toBeNull();
    expect(e.postDialDelayMs).toBe(e.ringingAtMs);
    expect(e.final!.atMs).toBeGreaterThanOrEqual(e.ringingAtMs!);
    expect(e.answeredAtMs).toBeNull();
    expect(e.clips).toEqual({ early: null, answered: null });
    expect(verdict.detail).toContain(`SIP ${code}`);
  }, 60_000);
});
