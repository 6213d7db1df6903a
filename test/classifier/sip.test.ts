// The SIP classifier (src/classifier/sip.ts) on evidence built by hand, exactly as the sip prober
// stores it: every row of the code table, our trunk's failures as `error`, the menu's keys, and the
// audio analysis's findings (the `heard` field the audio half fills) telling the network from a person.
// Pure: the same stored evidence gives the same verdict through `classify`, as an audit would recompute it.

import { describe, expect, test } from 'vitest';
import { classify } from '../../src/classifier/classifier.ts';
import type { Evidence } from '../../src/domain.ts';
import type { HeardFinding, SipEvidence } from '../../src/probers/sip/evidence.ts';

function sip(over: Partial<SipEvidence> = {}): SipEvidence {
  return {
    method: 'sip',
    v: 1,
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
    heard: null,
    error: null,
    ...over,
  };
}

const final = (code: number, reason = '', q850: { cause: number; text: string | null } | null = null): SipEvidence['final'] => ({ code, reason, atMs: 3000, sdp: false, q850, reasonHeader: null });
const answered = (over: Partial<SipEvidence> = {}): SipEvidence => sip({ final: final(200, 'OK'), answeredAtMs: 3000, endedAtMs: 11_000, hungUpBy: 'us', menu: { languages: ['ru', 'kk'] }, ...over });
const verdict = (e: SipEvidence) => classify(JSON.parse(JSON.stringify(e)) as Evidence);
const finding = (over: Partial<HeardFinding>): HeardFinding => ({ sit: null, match: null, ...over });

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
    const heard = { early: null, answered: finding({ match: { label: 'operator X: switched off', outcome: 'unavailable' } }) };
    expect(verdict(answered({ heard, keys: [] }))).toMatchObject({ outcome: 'unavailable', reason: 'announcement_after_answer' });
  });

  test('the special information tones after an answer: unavailable, the network', () => {
    expect(verdict(answered({ heard: { early: null, answered: finding({ sit: { atMs: 200 } }) } }))).toMatchObject({ outcome: 'unavailable', reason: 'sit_after_answer' });
  });

  test('a phrase from the lists in a transcript counts only when nobody pressed a key', () => {
    const heard = { early: null, answered: finding({ transcript: 'абонент недоступен', phrase: { phrase: 'абонент недоступен', outcome: 'unavailable' } }) };
    expect(verdict(answered({ heard }))).toMatchObject({ outcome: 'unavailable', reason: 'announcement_after_answer' });
    expect(verdict(answered({ heard, keys: [{ key: '1', atMs: 6000 }] }))).toMatchObject({ outcome: 'reachable' });
  });

  test('early media then a failure: the code decides, and what was heard is in the detail', () => {
    const heard = { early: finding({ sit: { atMs: 0 }, match: { label: 'Beeline: switched off', outcome: 'unavailable' } }), answered: null };
    const v = verdict(sip({ earlyMediaAtMs: 800, final: final(404, 'Not Found'), heard }));
    expect(v).toMatchObject({ outcome: 'unavailable', reason: 'not_in_service' });
    expect(v.detail).toContain('Beeline: switched off');
  });
});
