// The SIP classifier (src/classifier/sip.ts) on evidence built by hand, exactly as the sip prober
// stores it: every row of the code table, our trunk's failures as `error`, the menu's keys, and the
// stored audio analyses (evidence v2's `audio`, weighed by announcementVerdict) telling the network from
// a person, and v1 evidence (no analyses) still read.
// Pure: the same stored evidence gives the same verdict through `classify`, as an audit would recompute it.

import { describe, expect, test } from 'vitest';
import { classify } from '../../src/classifier/classifier.ts';
import type { Evidence, Outcome } from '../../src/domain.ts';
import type { AudioAnalysis } from '../../src/audio/analyse.ts';
import type { SipEvidence } from '../../src/probers/sip/evidence.ts';

function sip(over: Partial<SipEvidence> = {}): SipEvidence {
  return {
    method: 'sip',
    v: 2,
    attempt: 'sip-000000000000000000000001',
    number: '114',
    requestUri: 'sip:114@trunk.test',
    trunk: { name: 'trunk', proxy: 'trunk.test:5060', transport: 'udp' },
    ua: 'baresip 1.0',
    startedAt: Date.UTC(2026, 11, 7, 5, 0),
    trunkResponded: true,
    challenges: [],
    provisional: [{ code: 180, reason: 'Ringing', atMs: 900, sdp: false }],
    postDialDelayMs: 900,
    ringingAtMs: 900,
    earlyMediaAtMs: null,
    final: null,
    answeredAtMs: null,
    hungUpBy: null,
    endedAtMs: null,
    gaveUp: null,
    uaError: null,
    menu: null,
    keys: [],
    clips: { early: null, answered: null },
    audio: { early: null, answered: null },
    audioError: null,
    error: null,
    ...over,
  };
}

const final = (code: number, reason = '', q850: { cause: number; text: string | null } | null = null): SipEvidence['final'] => ({ code, reason, atMs: 3000, sdp: false, q850, reasonHeader: null });
const answered = (over: Partial<SipEvidence> = {}): SipEvidence => sip({ final: final(200, 'OK'), answeredAtMs: 3000, endedAtMs: 11_000, hungUpBy: 'us', menu: { languages: ['ru', 'kk'] }, ...over });
const verdict = (e: SipEvidence) => classify(JSON.parse(JSON.stringify(e)) as Evidence);
const finding = (over: Partial<AudioAnalysis>): AudioAnalysis => ({ v: 1, seconds: 6, sit: null, fingerprint: 'fp1:', match: null, ...over });
const SIT = { at: 0.2, tones: [{ hz: 913.8, at: 0.2, seconds: 0.274 }, { hz: 1370.6, at: 0.474, seconds: 0.274 }, { hz: 1776.7, at: 0.748, seconds: 0.38 }], confidence: 0.97 } as AudioAnalysis['sit'];
const label = (name: string, outcome: Outcome, reason: string): AudioAnalysis['match'] => ({ labelId: 'ann_0123456789abcdef', similarity: 0.91, offset: 0.1, name, outcome, reason });

describe('the SIP code decides, with the same outcomes as Twilio calls', () => {
  test.each([
    [404, 'unavailable', 'not_in_service'],
    [484, 'unavailable', 'not_in_service'],
    [604, 'unavailable', 'not_in_service'],
    [410, 'unavailable', 'number_changed'],
    [480, 'unavailable', 'switched_off'],
    [486, 'busy', 'busy'],
    [600, 'busy', 'busy'],
    [603, 'busy', 'rejected'],
    [408, 'no_answer', 'no_answer'],
    [487, 'no_answer', 'no_answer'],
    [302, 'redirected', 'sip_redirect'],
  ])('%i -> %s (%s)', (code, outcome, reason) => {
    expect(verdict(sip({ final: final(code, 'x') }))).toMatchObject({ outcome, reason });
  });

  test('the Q.850 cause is named in the detail', () => {
    expect(verdict(sip({ final: final(480, 'Temporarily Unavailable', { cause: 20, text: 'Subscriber absent' }) })).detail).toContain('Q.850 cause 20 "Subscriber absent"');
  });

  test('another 4xx says nothing about the number: inconclusive and not confirming', () => {
    expect(verdict(sip({ final: final(488, 'Not Acceptable Here') }))).toMatchObject({ outcome: 'inconclusive', reason: 'sip_failed', confirming: false });
  });

  test('ringing and then nothing, cancelled by us: no answer', () => {
    expect(verdict(sip({ gaveUp: 'ring_timeout', hungUpBy: 'us' }))).toMatchObject({ outcome: 'no_answer' });
  });
});

describe('our trunk failing is our error, never the center', () => {
  test.each([
    [{ trunkResponded: false, provisional: [], ringingAtMs: null, postDialDelayMs: null, gaveUp: 'ring_timeout' as const }, 'trunk_unreachable'],
    [{ trunkResponded: false, provisional: [], ringingAtMs: null, uaError: 'Connection refused' }, 'trunk_unreachable'],
    [{ final: final(401, 'Unauthorized'), challenges: [401] }, 'trunk_auth'],
    [{ final: final(407, 'Proxy Authentication Required') }, 'trunk_auth'],
    [{ final: final(403, 'Forbidden') }, 'trunk_forbidden'],
    [{ final: final(503, 'Service Unavailable', { cause: 34, text: null }) }, 'carrier_error'],
    [{ final: final(500, 'Server Internal Error') }, 'carrier_error'],
    [{ error: 'the user agent stopped before it was ready' }, 'sip_ua_failed'],
    [{ provisional: [], ringingAtMs: null, uaError: 'Connection timed out' }, 'no_final_response'],
  ])('%o -> error %s', (over, reason) => {
    expect(verdict(sip(over))).toMatchObject({ outcome: 'error', reason });
  });

  test('malformed SIP evidence is an error, not a guess', () => {
    expect(classify({ method: 'sip', v: 1 })).toMatchObject({ outcome: 'error', reason: 'malformed_evidence' });
  });
});

describe('answered: the menu, or what was heard', () => {
  test.each([
    ['1', 'reachable', 'confirmed'],
    ['2', 'wrong_number', 'not_the_center'],
    ['3', 'closed', 'center_closed'],
    ['4', 'redirected', 'center_moved'],
    ['9', 'inconclusive', 'opted_out'],
  ])('key %s -> %s', (key, outcome, reason) => {
    expect(verdict(answered({ keys: [{ key, atMs: 6000 }] }))).toMatchObject({ outcome, reason });
  });

  test('a key outside the menu is skipped for the next one', () => {
    expect(verdict(answered({ keys: [{ key: '7', atMs: 6000 }, { key: '1', atMs: 7000 }] }))).toMatchObject({ outcome: 'reachable' });
  });

  test('no key and nothing recognised: answered, inconclusive (as a Twilio call nobody answered the menu of)', () => {
    expect(verdict(answered())).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
  });

  test('a network that answers and plays a labelled announcement is the network: the label decides', () => {
    const audio = { early: null, answered: finding({ match: label('operator X: switched off', 'unavailable', 'switched_off') }) };
    const v = verdict(answered({ audio, keys: [] }));
    expect(v).toMatchObject({ outcome: 'unavailable', reason: 'switched_off' });
    expect(v.detail).toContain('not the center');
    expect(v.detail).toContain('"operator X: switched off"');
  });

  test('the special information tones after an answer: unavailable, the network', () => {
    expect(verdict(answered({ audio: { early: null, answered: finding({ sit: SIT }) } }))).toMatchObject({ outcome: 'unavailable', reason: 'special_information_tone' });
  });

  test('a phrase from the lists in a transcript counts only when nobody pressed a key', () => {
    const audio = { early: null, answered: finding({ speech: { transcript: 'Аппарат абонента выключен или находится вне зоны действия сети' } }) };
    expect(verdict(answered({ audio }))).toMatchObject({ outcome: 'unavailable', reason: expect.stringMatching(/switched_off/) });
    expect(verdict(answered({ audio, keys: [{ key: '1', atMs: 6000 }] }))).toMatchObject({ outcome: 'reachable' });
  });

  test('audio we failed to keep or analyse is said in the detail, and changes nothing else', () => {
    const v = verdict(answered({ audioError: 'the answered audio could not be kept or analysed: ENOSPC' }));
    expect(v).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
    expect(v.detail).toContain('What was heard is not known: the answered audio could not be kept or analysed: ENOSPC');
  });

  test('the speech hook failing is not the center: nothing heard, the call is judged as without it', () => {
    const audio = { early: null, answered: finding({ speech: { error: 'the speech hook exited with 1.' } }) };
    expect(verdict(answered({ audio }))).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
  });

  test('early media then a failure: the code decides, and the tones heard are named in the detail', () => {
    const audio = { early: finding({ sit: SIT }), answered: null };
    const v = verdict(sip({ earlyMediaAtMs: 800, final: final(404, 'Not Found'), audio }));
    expect(v).toMatchObject({ outcome: 'unavailable', reason: 'not_in_service' });
    expect(v.detail).toContain('special information tone');
  });

  test('early media an operator labelled decides over the code (carriers pick codes inconsistently)', () => {
    const audio = { early: finding({ sit: SIT, match: label('Beeline: number not in service', 'wrong_number', 'number_dialled_wrong') }), answered: null };
    const v = verdict(sip({ earlyMediaAtMs: 800, final: final(480, 'Temporarily Unavailable'), audio }));
    expect(v).toMatchObject({ outcome: 'wrong_number', reason: 'number_dialled_wrong' });
    expect(v.detail).toContain('SIP 480');
  });

  test('early media with the tones, then we gave up at the ring timeout: the network said why, not "no answer"', () => {
    const audio = { early: finding({ sit: SIT }), answered: null };
    expect(verdict(sip({ earlyMediaAtMs: 800, final: final(487, 'Request Terminated'), hungUpBy: 'us', gaveUp: 'ring_timeout', audio }))).toMatchObject({ outcome: 'unavailable', reason: 'special_information_tone' });
    expect(verdict(sip({ earlyMediaAtMs: 800, gaveUp: 'ring_timeout', hungUpBy: 'us', audio }))).toMatchObject({ outcome: 'unavailable', reason: 'special_information_tone' });
  });
});

describe('v1 evidence (before the audio analysis was connected) is still read', () => {
  test('a v1 answered call with its PCM16 clip and heard: null classifies as it did', () => {
    const v1 = { ...answered({ keys: [{ key: '4', atMs: 6000 }] }), v: 1, heard: null, audio: undefined, audioError: undefined, clips: { early: null, answered: { path: 'sip/sip-1/answered.wav', sha256: 'a'.repeat(64), durationMs: 7000, bytes: 112_044, sampleRate: 8000, truncated: false, peak: 9000 } } };
    const c = classify(JSON.parse(JSON.stringify(v1)) as Evidence);
    expect(c).toMatchObject({ outcome: 'redirected', reason: 'center_moved' });
    expect(c.detail).toContain('7 s');
    expect(classify(JSON.parse(JSON.stringify({ ...v1, keys: [] })) as Evidence)).toMatchObject({ outcome: 'inconclusive', reason: 'answered_silent' });
  });
});
