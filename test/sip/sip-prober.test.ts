// The sip prober against a callee world built from SIPp (simulators/sip/) on 127.0.0.1: the real
// baresip places each call over the real SIP and RTP, the evidence is read from the wire, the audio it
// received is kept as A-law clips (src/audio) and analysed as kept, and the classifier decides from the
// stored evidence alone. Each case asserts the class and the evidence (codes, Q.850 cause, timings'
// order, clip present with a matching hash and a plausible length, what the analysis found), never how
// fast the machine was. The last block labels an announcement once with the CLI, from a call's clip,
// as an operator would, and shows the next calls classified by it (and a different one not).

import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readWav } from '../../src/audio/wav.ts';
import { Announcements } from '../../src/audio/labels.ts';
import type { SpeechHook } from '../../src/audio/speech.ts';
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
import { runBin, writeConfig } from '../helpers/daemon.ts';
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
  const reg = `- id: a\n  name: Center A\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "${NUMBER}", methods: [sip]}\n    - {type: phone, value: "+77172000109", methods: [sip]}\n`;
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

async function call(proxy: string, opts: { password?: string | null; menu?: boolean; ringTimeoutMs?: number; listenMs?: number; transport?: SipTrunk['transport']; speech?: SpeechHook; caFile?: string } = {}, ch: Channel = channel): Promise<Call> {
  const ledger = new CallLedger(db);
  const prober = createSipProber({
    trunk: { name: 'test-trunk', proxy, domain: '127.0.0.1', transport: opts.transport ?? 'udp', user: 'reachwatch', password: opts.password === undefined ? 'right' : opts.password, caFile: opts.caFile ?? null },
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
    labels: () => new Announcements(db, path.join(dir, 'data')).labels(),
    speech: opts.speech ?? null,
    menu: opts.menu ?? false,
    tzOf: () => 'Asia/Almaty',
    followUpMs: 4 * 3_600_000,
  });
  const evidence = await prober.probe(ch, { signal: AbortSignal.timeout(60_000) });
  const stored = JSON.parse(JSON.stringify(evidence)) as Evidence; // what the store keeps
  return { e: stored as unknown as SipEvidence, c: classify(stored) };
}

/** The clip is kept once, as A-law under clips/<day>/, its hash and length as the evidence says; baresip's folder is gone. */
function expectClip(e: SipEvidence, which: 'early' | 'answered', minS: number, maxS: number): void {
  const clip = e.clips[which];
  expect(clip).not.toBeNull();
  expect(clip).toMatchObject({ path: expect.stringMatching(/^clips\/\d{4}-\d{2}-\d{2}\/[0-9a-f]{64}\.wav$/), kind: which === 'early' ? 'early_media' : 'after_answer' });
  const file = path.join(dir, 'data', clip!.path);
  const bytes = readFileSync(file);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(clip!.sha256);
  expect(bytes.length).toBe(clip!.bytes);
  const wav = readWav(bytes);
  expect(wav.coding).toBe('alaw');
  const seconds = 'seconds' in clip! ? clip.seconds : 0;
  expect(seconds).toBeGreaterThanOrEqual(minS);
  expect(seconds).toBeLessThanOrEqual(maxS);
  let peak = 0;
  for (const x of wav.pcm) peak = Math.max(peak, Math.abs(x));
  expect(peak).toBeGreaterThan(1000); // not silence: the callee's audio came through
  // Analysed as kept: the analysis's length is the clip's.
  expect(e.audio?.[which]?.seconds).toBe(seconds);
  // The one copy: the user agent's folder (its PCM16 recordings, its configuration with our password) is gone.
  expect(existsSync(path.join(dir, 'data', 'sip', e.attempt))).toBe(false);
}

describe.concurrent('final failure codes', () => {
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
    expect(e.audio).toEqual({ early: null, answered: null });
    expect(verdict.detail).toContain(`SIP ${code}`);
  }, 60_000);
});

describe.concurrent('ringing, early media, answers', () => {
  test('a call that rings out is cancelled by us at the ring timeout: 487, no answer', async () => {
    const c = await callee({ scenario: 'ring-forever', calls: 1 });
    const { e, c: verdict } = await call(c.proxy, { ringTimeoutMs: 2500 });
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'no_answer', reason: 'no_answer' });
    expect(e.final).toMatchObject({ code: 487 });
    expect(e.gaveUp).toBe('ring_timeout');
    expect(e.hungUpBy).toBe('us');
    expect(e.ringingAtMs).not.toBeNull();
    expect(e.final!.atMs).toBeGreaterThanOrEqual(2500);
  }, 60_000);

  test.each([
    ['480', 'Temporarily Unavailable', '20', 'Subscriber absent', 'switched_off'],
    ['404', 'Not Found', '1', 'Unallocated number', 'not_in_service'],
  ])('183 with early media (tones and an announcement), then %s: the code decides, the tones are found and named, the early audio is kept', async (code, reason, cause, text, why) => {
    const c = await callee({ scenario: 'early-media-fail', values: { code, reason, cause, text }, audio: { 'early.wav': [audio.sit, audio.switchedOffRu] }, calls: 1 });
    const { e, c: verdict } = await call(c.proxy);
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'unavailable', reason: why });
    expect(e.provisional[0]).toMatchObject({ code: 183, sdp: true });
    expect(e.earlyMediaAtMs).not.toBeNull();
    expect(e.final).toMatchObject({ code: Number(code), q850: { cause: Number(cause) } });
    // SIPp plays for 3 s before the failure; what arrived of it is in the clip.
    expectClip(e, 'early', 1.5, 4.5);
    expect(e.clips.answered).toBeNull();
    // The special information tone in the 183's early media is named in the evidence and the verdict's detail.
    expect(e.audio?.early?.sit).toMatchObject({ tones: [{ hz: 913.8 }, { hz: 1370.6 }, { hz: 1776.7 }] });
    expect(e.audio?.early?.sit?.at).toBeLessThan(1);
    expect(verdict.detail).toContain('special information tone');
  }, 60_000);

  test('200, an announcement, and BYE from the callee: answered, they hung up, the audio after the answer is kept', async () => {
    const c = await callee({ scenario: 'answer-announce-bye', audio: { 'announcement.wav': [audio.wrongNumberKk] }, calls: 1 });
    const { e, c: verdict } = await call(c.proxy, { listenMs: 8000 });
    // No label, no speech hook and no tones: nothing says it was a recording; answered, nobody used the menu.
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
    expect(e.audio?.answered).toMatchObject({ sit: null, match: null, fingerprint: expect.stringMatching(/^fp1:/) });
    expect(e.final).toMatchObject({ code: 200 });
    expect(e.answeredAtMs).not.toBeNull();
    expect(e.hungUpBy).toBe('them');
    expect(e.endedAtMs! - e.answeredAtMs!).toBeGreaterThanOrEqual(3000);
    expectClip(e, 'answered', 1, 6);
  }, 60_000);

  test('200, a greeting, and key 1 (RFC 4733) after our menu prompt: the center confirmed', async () => {
    const c = await callee({ scenario: 'answer-greeting-key', values: { key: '1' }, audio: { 'greeting.wav': [audio.greeting] }, calls: 1 });
    const { e, c: verdict } = await call(c.proxy, { menu: true, listenMs: 3000 });
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'reachable', reason: 'confirmed' });
    expect(e.keys.map((k) => k.key)).toEqual(['1']);
    expect(e.keys[0]!.atMs).toBeGreaterThan(e.answeredAtMs!);
    expect(e.menu).toEqual({ languages: ['ru', 'kk'] });
    expect(e.hungUpBy).toBe('us');
    expectClip(e, 'answered', 1, 12);
  }, 60_000);

  test('key 9 after our menu: the number is opted out at once, in the ledger every calling gate reads', async () => {
    const c = await callee({ scenario: 'answer-greeting-key', values: { key: '9' }, audio: { 'greeting.wav': [audio.greeting] }, calls: 1 });
    const other: Channel = { ...channel, id: 'a--phone-77172000109', target: '+77172000109' };
    const { e, c: verdict } = await call(c.proxy, { menu: true, listenMs: 3000 }, other);
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'inconclusive', reason: 'opted_out' });
    expect(e.keys.map((k) => k.key)).toEqual(['9']);
    const ledger = new CallLedger(db);
    expect(ledger.isOptedOut('+77172000109')).toBe(true);
    expect(ledger.isOptedOut(NUMBER)).toBe(false);
  }, 60_000);

  test('200 and silence: answered, nobody used the menu; we hang up after listening', async () => {
    const c = await callee({ scenario: 'answer-silence', calls: 1 });
    const { e, c: verdict } = await call(c.proxy, { listenMs: 2000 });
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
    expect(e.hungUpBy).toBe('us');
    expect(e.keys).toEqual([]);
  }, 60_000);
});

describe.concurrent('the trunk: our side', () => {
  test('a trunk that challenges (401 digest) gets our credentials, and the call goes on to its real answer', async () => {
    const c = await callee({ scenario: 'digest-auth', values: { user: 'reachwatch', password: 'right', code: '486', reason: 'Busy Here', cause: '17', text: 'User busy' }, calls: 1 });
    const { e, c: verdict } = await call(c.proxy);
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'busy', reason: 'busy' });
    expect(e.challenges).toEqual([401]);
    expect(e.final).toMatchObject({ code: 486 });
  }, 60_000);

  test('wrong credentials: the trunk refuses us, an error of ours', async () => {
    const c = await callee({ scenario: 'digest-auth', values: { user: 'reachwatch', password: 'other', code: '486', reason: 'Busy Here', cause: '17', text: 'User busy' }, calls: 1 });
    const { e, c: verdict } = await call(c.proxy, { password: 'wrong' });
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'error', reason: 'trunk_auth' });
    expect(e.final).toMatchObject({ code: 401 });
  }, 60_000);

  test('a trunk that is down (nothing listening): no SIP response at all, an error of ours', async () => {
    const port = await freeUdpPort();
    const { e, c: verdict } = await call(`127.0.0.1:${port}`, { ringTimeoutMs: 2000 });
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'error', reason: 'trunk_unreachable' });
    expect(e.trunkResponded).toBe(false);
    expect(e.final).toBeNull();
  }, 60_000);

  test('a trunk over TCP that refuses the connection: an error of ours', async () => {
    const port = await freeUdpPort();
    const { e, c: verdict } = await call(`127.0.0.1:${port}`, { ringTimeoutMs: 2000, transport: 'tcp' });
    expect(verdict, verdict.detail).toMatchObject({ outcome: 'error', reason: 'trunk_unreachable' });
    expect(e.trunkResponded).toBe(false);
  }, 60_000);
});

describe('labelled once, recognised after: announcements through the SIP line', () => {
  let env: Record<string, string>;
  beforeAll(() => {
    writeFileSync(path.join(dir, 'centers.yaml'), `- id: a\n  name: Center A\n  kind: hotline\n  channels:\n    - {type: phone, value: "${NUMBER}"}\n`);
    env = { REACHWATCH_CONFIG: writeConfig(dir, 'registry: {file: centers.yaml, watch: false}\ncanaries: {urls: []}\n'), REACHWATCH_DATA_DIR: path.join(dir, 'data') };
  });

  const label = async (clipPath: string, name: string, outcome: string, reason: string): Promise<string> => {
    const r = await runBin(['announcements', 'label', path.join(dir, 'data', clipPath), '--name', name, '--outcome', outcome, '--reason', reason], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return /Labelled (ann_[0-9a-f]{16})/.exec(r.stdout)?.[1] as string;
  };

  test('after the answer: an operator labels the announcement from one call\'s clip; the next call playing it is the network (the label\'s class), a different announcement is not', async () => {
    const kk: CalleeOptions = { scenario: 'answer-announce-bye', audio: { 'announcement.wav': [audio.wrongNumberKk] }, calls: 1 };
    const first = await call((await callee(kk)).proxy, { listenMs: 8000 });
    expect(first.c).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
    const id = await label(first.e.clips.answered!.path, 'Kcell: number dialled wrong (kk)', 'wrong_number', 'number_dialled_wrong');
    expect(id).toBeDefined();

    const again = await call((await callee(kk)).proxy, { listenMs: 8000 });
    expect(again.c, again.c.detail).toMatchObject({ outcome: 'wrong_number', reason: 'number_dialled_wrong' });
    expect(again.c.detail).toContain('not the center');
    expect(again.e.audio?.answered?.match).toMatchObject({ labelId: id, name: 'Kcell: number dialled wrong (kk)' });
    expect(again.e.hungUpBy).toBe('them');

    const other = await call((await callee({ scenario: 'answer-announce-bye', audio: { 'announcement.wav': [audio.switchedOffRu] }, calls: 1 })).proxy, { listenMs: 8000 });
    expect(other.c, other.c.detail).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
    expect(other.e.audio?.answered?.match).toBeNull();
  }, 180_000);

  test('in early media: a labelled announcement before a 404 is classified by its label, the code named', async () => {
    const early = (code: string, reason: string) => callee({ scenario: 'early-media-fail', values: { code, reason, cause: '1', text: 'Unallocated number' }, audio: { 'early.wav': [audio.switchedOffRu] }, calls: 1 });
    const first = await call((await early('404', 'Not Found')).proxy);
    expect(first.c).toMatchObject({ outcome: 'unavailable', reason: 'not_in_service' });
    const id = await label(first.e.clips.early!.path, 'Kcell: switched off (ru)', 'unavailable', 'subscriber_switched_off');
    const again = await call((await early('404', 'Not Found')).proxy);
    expect(again.c, again.c.detail).toMatchObject({ outcome: 'unavailable', reason: 'subscriber_switched_off' });
    expect(again.c.detail).toContain('SIP 404');
    expect(again.e.audio?.early?.match).toMatchObject({ labelId: id });
    expect(new Announcements(db, path.join(dir, 'data')).labels().map((l) => l.id)).toContain(id);
  }, 180_000);

  test('the speech hook: its transcript is matched against the phrase lists; a hook that fails is ours, never the center\'s', async () => {
    const hook = path.join(dir, 'stt.sh');
    writeFileSync(hook, '#!/bin/sh\ncase "$1" in *fail*) echo "model missing" >&2; exit 3;; esac\necho "Аппарат абонента выключен или находится вне зоны действия сети"\n');
    chmodSync(hook, 0o755);
    const ok = await call((await callee({ scenario: 'answer-announce-bye', audio: { 'announcement.wav': [audio.greeting] }, calls: 1 })).proxy, { listenMs: 8000, speech: { command: [hook, '{wav}'], timeoutMs: 30_000, maxInputBytes: 1_000_000 } });
    expect(ok.e.audio?.answered?.speech).toEqual({ transcript: 'Аппарат абонента выключен или находится вне зоны действия сети' });
    expect(ok.c, ok.c.detail).toMatchObject({ outcome: 'unavailable', reason: 'subscriber_switched_off' });
    const failing = await call((await callee({ scenario: 'answer-announce-bye', audio: { 'announcement.wav': [audio.greeting] }, calls: 1 })).proxy, { listenMs: 8000, speech: { command: [hook, 'fail', '{wav}'], timeoutMs: 30_000, maxInputBytes: 1_000_000 } });
    expect(failing.e.audio?.answered?.speech).toMatchObject({ error: expect.stringContaining('exited with 3') });
    expect(failing.c, failing.c.detail).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
    expect(readdirSync(path.join(dir, 'data', 'clips')).length).toBeGreaterThan(0);
  }, 180_000);
});
