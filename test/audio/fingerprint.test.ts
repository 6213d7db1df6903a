// An operator labels an espeak-ng announcement once (through Announcements, on a real SQLite file);
// the next clip with the same announcement, at another level, from another start offset, G.711-coded
// and with a little noise, matches the label; a different announcement, and the Kazakh version of the
// same message, do not. The fingerprint is deterministic and the same announcement cannot be labelled twice.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { analyseAudio } from '../../src/audio/analyse.ts';
import { compareFingerprints, decode, fingerprint, MATCH_SIMILARITY } from '../../src/audio/fingerprint.ts';
import { Announcements, LabelInputError } from '../../src/audio/labels.ts';
import { announcementVerdict } from '../../src/audio/verdict.ts';
import { readWav } from '../../src/audio/wav.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { audioFactory, GREETING_RU, SWITCHED_OFF_KK, SWITCHED_OFF_RU, TEMPORARILY_RU, WRONG_NUMBER_RU, type AudioFactory } from '../helpers/audio.ts';
import { tempDir } from '../helpers/tmp.ts';

let a: AudioFactory;
let db: DB;
let announcements: Announcements;
let cleanup: () => void;
const OUT = ['-r', '8000', '-c', '1', '-b', '16'];

beforeAll(async () => {
  const t = tempDir('reachwatch-fp-');
  cleanup = t.remove;
  a = audioFactory(t.dir);
  db = openDatabase(`${t.dir}/data`);
  announcements = new Announcements(db, `${t.dir}/data`);
  await Promise.all([
    a.speak('off.wav', 'ru', SWITCHED_OFF_RU),
    a.speak('wrong.wav', 'ru', WRONG_NUMBER_RU),
    a.speak('temp.wav', 'ru', TEMPORARILY_RU),
    a.speak('greeting.wav', 'ru', GREETING_RU),
    a.speak('off-kk.wav', 'kk', SWITCHED_OFF_KK),
    a.speak('off-slow.wav', 'ru', SWITCHED_OFF_RU, { speed: 150 }),
    a.sox(['-n', ...OUT, 'lead.wav', 'trim', '0', '0.437']),
    a.sox(['-n', ...OUT, 'lead2.wav', 'trim', '0', '2.003']),
    a.sox(['-n', ...OUT, 'noise.wav', 'synth', '12', 'whitenoise', 'vol', '0.01']),
    a.sox(['-n', ...OUT, 'sit.wav', 'synth', '0.274', 'sine', '913.8', ':', 'synth', '0.274', 'sine', '1370.6', ':', 'synth', '0.38', 'sine', '1776.7']),
  ]);
  // The next call's recording: 437 ms later, at 40 % of the level, A-law, with noise under it all.
  await a.sox(['lead.wav', 'off.wav', 'late.wav']);
  await a.sox(['late.wav', '-e', 'a-law', 'late-quiet-alaw.wav', 'vol', '0.4']);
  await a.sox(['-m', 'late-quiet-alaw.wav', 'noise.wav', '-e', 'a-law', 'next-call.wav']);
  // Early media as a line records it: 2 s of silence, the tone, the announcement twice, µ-law.
  await a.sox(['lead2.wav', 'sit.wav', 'off.wav', 'off.wav', '-e', 'mu-law', 'early-media.wav']);
  await a.sox(['off.wav', 'off-loud.wav', 'vol', '2.5']);
}, 120_000);

afterAll(() => {
  db?.close();
  cleanup?.();
});

const pcmOf = (name: string) => {
  const w = readWav(a.bytes(name));
  return { pcm: w.pcm, rate: w.sampleRate };
};
const analyse = (name: string) => {
  const { pcm, rate } = pcmOf(name);
  return analyseAudio(pcm, rate, announcements.labels());
};

describe('an announcement labelled once', () => {
  let labelId: string;

  beforeAll(async () => {
    const label = await announcements.label({
      name: 'Kcell: switched off', carrier: 'Kcell', outcome: 'unavailable', reason: 'subscriber_switched_off', wav: a.bytes('off.wav'), source: 'file off.wav', by: 'test',
    });
    labelId = label.id;
  });

  test.each([
    ['next-call.wav', 'later, quieter, A-law, with noise'],
    ['early-media.wav', 'after silence and the special information tone, twice, µ-law'],
    ['off-loud.wav', 'louder (clipping)'],
  ])('matches %s (%s)', (name) => {
    const r = analyse(name);
    expect(r.match, name).not.toBeNull();
    expect(r.match?.labelId).toBe(labelId);
    expect(r.match?.similarity).toBeGreaterThanOrEqual(MATCH_SIMILARITY);
    expect(r.match).toMatchObject({ name: 'Kcell: switched off', outcome: 'unavailable', reason: 'subscriber_switched_off' });
    expect(announcementVerdict(r)).toMatchObject({ outcome: 'unavailable', reason: 'subscriber_switched_off' });
  });

  test('finds where the announcement starts in the clip', () => {
    expect(analyse('next-call.wav').match?.offset).toBeCloseTo(0.437, 1);
    // 2 s of silence and the 0.93 s tone come first; the announcement plays twice, either may be the best.
    const offset = analyse('early-media.wav').match?.offset ?? -1;
    const first = 2.003 + 0.928;
    const starts = [first, first + pcmOf('off.wav').pcm.length / 8000];
    expect(starts.some((s) => Math.abs(offset - s) < 0.05), `offset ${offset}, expected one of ${starts.join(', ')}`).toBe(true);
  });

  test.each([
    ['wrong.wav', 'different words: "number dialled wrong"'],
    ['temp.wav', 'different words: "temporarily unavailable"'],
    ['greeting.wav', 'a person\'s greeting'],
    ['off-kk.wav', 'the Kazakh version of the same message'],
    ['noise.wav', 'noise alone'],
    ['sit.wav', 'the tone alone'],
  ])('does not match %s (%s)', (name) => {
    const r = analyse(name);
    expect(r.match).toBeNull();
    // The verdict falls back to the tone only when there is one.
    if (name !== 'sit.wav') expect(announcementVerdict(r)).toBeNull();
  });

  test('the same announcement spoken more slowly is a different recording', () => {
    // Fingerprints recognise the same recording, not the same words: a network plays one recording.
    expect(analyse('off-slow.wav').match).toBeNull();
  });

  test('the same clip cannot be labelled twice, nor the same announcement recorded again', async () => {
    const again = announcements.label({ name: 'again', outcome: 'unavailable', reason: 'subscriber_switched_off', wav: a.bytes('off.wav'), source: 'x', by: 'test' });
    await expect(again).rejects.toThrow(LabelInputError);
    await expect(again).rejects.toThrow(/already labelled "Kcell: switched off"/);
    const other = announcements.label({ name: 'again', outcome: 'unavailable', reason: 'subscriber_switched_off', wav: a.bytes('next-call.wav'), source: 'x', by: 'test' });
    await expect(other).rejects.toThrow(/is the announcement already labelled "Kcell: switched off"/);
    expect(announcements.list(true)).toHaveLength(1);
  });

  test('a removed label no longer matches; its row and history stay, hash-linked', async () => {
    const wrong = await announcements.label({ name: 'Beeline: wrong number', outcome: 'unavailable', reason: 'number_dialled_wrong', wav: a.bytes('wrong.wav'), source: 'file wrong.wav', by: 'op1' });
    expect(analyse('wrong.wav').match?.labelId).toBe(wrong.id);
    expect(announcements.remove(wrong.id, 'op2')).toMatchObject({ result: 'removed' });
    expect(analyse('wrong.wav').match).toBeNull();
    expect(announcements.remove(wrong.id, 'op2')).toMatchObject({ result: 'already_removed' });
    const history = announcements.history(wrong.id);
    expect(history.map((h) => [h.action, h.actor])).toEqual([['label', 'op1'], ['remove', 'op2']]);
    expect(JSON.parse(history[1]?.record ?? '{}')).toMatchObject({ removed_by: 'op2' });
    expect(announcements.verifyHistory()).toBeNull();
  });
});

describe('fingerprints', () => {
  test('are deterministic and recomputable from the kept clip', () => {
    const { pcm, rate } = pcmOf('next-call.wav');
    expect(fingerprint(pcm, rate)).toBe(fingerprint(pcm, rate));
    expect(fingerprint(pcm, rate)).toMatch(/^fp1:[A-Za-z0-9+/]+=*$/);
  });

  test('the same announcement scores well above the threshold, different ones well below', () => {
    const fp = (n: string) => decode(fingerprint(pcmOf(n).pcm, 8000)) as Uint16Array;
    const same = compareFingerprints(fp('next-call.wav'), fp('off.wav'))?.similarity ?? 0;
    const kk = compareFingerprints(fp('off-kk.wav'), fp('off.wav'))?.similarity ?? 0;
    const other = compareFingerprints(fp('temp.wav'), fp('off.wav'))?.similarity ?? 0;
    expect(same).toBeGreaterThan(MATCH_SIMILARITY + 0.05);
    expect(kk).toBeLessThan(MATCH_SIMILARITY - 0.08);
    expect(other).toBeLessThan(MATCH_SIMILARITY - 0.08);
  });

  test('a label needs enough sound, a known class and a reason; nothing is stored otherwise', async () => {
    const before = announcements.list(true).length;
    const bad = (over: Partial<Parameters<Announcements['label']>[0]>) =>
      announcements.label({ name: 'x', outcome: 'unavailable', reason: 'subscriber_switched_off', wav: a.bytes('greeting.wav'), source: 'x', by: 't', ...over });
    await expect(bad({ outcome: 'reachable' })).rejects.toMatchObject({ field: 'outcome' });
    await expect(bad({ outcome: 'gone' })).rejects.toMatchObject({ field: 'outcome' });
    await expect(bad({ reason: 'Switched Off' })).rejects.toMatchObject({ field: 'reason' });
    await expect(bad({ name: '  ' })).rejects.toMatchObject({ field: 'name' });
    await expect(bad({ wav: a.bytes('lead.wav') })).rejects.toThrow(/s of sound; at least 0.8 s/);
    await expect(bad({ wav: new TextEncoder().encode('not a wav file at all') })).rejects.toThrow(/not a WAV file/);
    expect(announcements.list(true)).toHaveLength(before);
  });
});
