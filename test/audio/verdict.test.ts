// What a caller heard, weighed: an operator's label first, then the transcript against the shipped
// phrase lists (re-read from the stored transcript, so new phrases reclassify old evidence), then the
// special information tone alone; nothing known, no verdict. The same phrase lists classify Twilio's
// speech transcripts, in Russian and Kazakh (test/classifier/phone.test.ts covers that side).

import { describe, expect, test } from 'vitest';
import type { AudioAnalysis } from '../../src/audio/analyse.ts';
import { ANNOUNCEMENT_PHRASES, matchPhrase, normaliseTranscript } from '../../src/audio/phrases.ts';
import { announcementVerdict, SIT_REASON } from '../../src/audio/verdict.ts';
import { classifyPhone } from '../../src/classifier/phone.ts';

const sit = { at: 0.5, tones: [{ hz: 913.8, at: 0.5, seconds: 0.274 }, { hz: 1370.6, at: 0.774, seconds: 0.274 }, { hz: 1776.7, at: 1.048, seconds: 0.38 }], confidence: 0.98 } as AudioAnalysis['sit'];
const base: AudioAnalysis = { v: 1, seconds: 6, sit: null, fingerprint: 'fp1:', match: null };
const match = { labelId: 'ann_0123456789abcdef', similarity: 0.93, offset: 1.2, name: 'Kcell: switched off', outcome: 'unavailable', reason: 'subscriber_switched_off' } as const;

describe('announcementVerdict', () => {
  test('a label wins over a transcript and the tone', () => {
    const v = announcementVerdict({ ...base, sit, match, speech: { transcript: 'номер набран неверно' } });
    expect(v).toEqual({ outcome: 'unavailable', reason: 'subscriber_switched_off', detail: expect.stringContaining('"Kcell: switched off" (label ann_0123456789abcdef, similarity 0.93)') });
  });

  test('a label that says the trunk ran out of credit makes it our error', () => {
    expect(announcementVerdict({ ...base, match: { ...match, outcome: 'error', reason: 'our_trunk_balance', name: 'Trunk: balance exhausted' } })).toMatchObject({ outcome: 'error', reason: 'our_trunk_balance' });
  });

  test('a transcript wins over the tone', () => {
    expect(announcementVerdict({ ...base, sit, speech: { transcript: 'Номер набран неверно' } })).toMatchObject({ outcome: 'unavailable', reason: 'number_dialled_wrong' });
  });

  test('the tone alone says unavailable, with its tones in the detail', () => {
    const v = announcementVerdict({ ...base, sit, speech: { error: 'the speech hook exited with 1.' } });
    expect(v).toMatchObject({ outcome: 'unavailable', reason: SIT_REASON });
    expect(v?.detail).toContain('913.8 Hz 274 ms, 1370.6 Hz 274 ms, 1776.7 Hz 380 ms');
  });

  test('over several clips: a label in the second wins over the tone in the first', () => {
    expect(announcementVerdict([{ ...base, sit }, { ...base, match }])).toMatchObject({ reason: 'subscriber_switched_off' });
  });

  test('nothing known: null (the call is judged on its SIP codes and the menu)', () => {
    expect(announcementVerdict(base)).toBeNull();
    expect(announcementVerdict({ ...base, speech: { transcript: 'Здравствуйте, центр слушает' } })).toBeNull();
    expect(announcementVerdict([])).toBeNull();
  });
});

describe('the phrase lists', () => {
  test('every phrase matches its own text, in any case and punctuation', () => {
    for (const p of ANNOUNCEMENT_PHRASES) {
      expect(matchPhrase(p.text)?.id, p.id).toBe(p.id);
      expect(matchPhrase(`${p.text.toUpperCase()}!`)?.id, p.id).toBe(p.id);
    }
  });

  test('both languages are covered for the main messages', () => {
    for (const reason of ['subscriber_switched_off', 'subscriber_unavailable', 'number_dialled_wrong', 'not_in_service']) {
      expect(new Set(ANNOUNCEMENT_PHRASES.filter((p) => p.reason === reason).map((p) => p.lang)), reason).toEqual(new Set(['ru', 'kk']));
    }
  });

  test('ё is е, punctuation is space', () => {
    expect(normaliseTranscript('  Номер   изменён! ')).toBe('номер изменен');
    expect(matchPhrase('Номер абонента изменён')?.id).toBe('ru_number_changed');
  });

  test('Twilio transcripts in Kazakh are classified by the same list', () => {
    const e = {
      method: 'call', v: 1, number: '+77001234567', attemptId: 'a', callSid: 'CA1', events: [],
      final: { status: 'completed', source: 'callback', durationSec: 9, answeredBy: 'machine_start' },
      gathers: [{ at: 1, speech: 'Абоненттің аппараты өшірулі немесе желінің қамту аймағынан тыс жерде', confidence: 0.8 }],
    };
    const c = classifyPhone(e);
    expect(c).toMatchObject({ outcome: 'unavailable', reason: 'intercept_announcement' });
    expect(c.detail).toContain('phrase kk_switched_off');
  });
});
