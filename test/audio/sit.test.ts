// The special information tone as networks play it (the North American IC, NC and VC encodings and
// ITU-T E.180's 950/1400/1800 Hz), after silence, before an announcement, G.711-coded, quiet and
// with noise, is found with its three tones in order; speech in Russian and Kazakh, silence, noise,
// a dial tone, ringback and tones in the wrong order or too short are not a SIT.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { detectSit } from '../../src/audio/sit.ts';
import { readWav } from '../../src/audio/wav.ts';
import { audioFactory, GREETING_RU, SWITCHED_OFF_KK, SWITCHED_OFF_RU, TEMPORARILY_RU, WRONG_NUMBER_RU, type AudioFactory } from '../helpers/audio.ts';
import { tempDir } from '../helpers/tmp.ts';

let a: AudioFactory;
let cleanup: () => void;
const OUT = ['-r', '8000', '-c', '1', '-b', '16'];

const tone = (hz: number, s: number) => ['synth', String(s), 'sine', String(hz)];
/** Three segments as sox effect chains joined with ":" (sox plays them one after another). */
const tones = (segs: [number, number][]) => segs.flatMap((seg, i) => [...(i ? [':'] : []), ...tone(seg[0], seg[1])]);

beforeAll(async () => {
  const t = tempDir('reachwatch-sit-');
  cleanup = t.remove;
  a = audioFactory(t.dir);
  await Promise.all([
    a.sox(['-n', ...OUT, 'ic.wav', ...tones([[913.8, 0.274], [1370.6, 0.274], [1776.7, 0.38]])]),
    a.sox(['-n', ...OUT, 'nc.wav', ...tones([[985.2, 0.38], [1428.5, 0.38], [1776.7, 0.38]])]),
    a.sox(['-n', ...OUT, 'vc.wav', ...tones([[985.2, 0.38], [1370.6, 0.274], [1776.7, 0.38]])]),
    a.sox(['-n', ...OUT, 'e180.wav', ...tones([[950, 0.33], [1400, 0.33], [1800, 0.33]])]),
    a.sox(['-n', ...OUT, 'silence.wav', 'trim', '0', '1.3']),
    a.sox(['-n', ...OUT, 'white.wav', 'synth', '5', 'whitenoise', 'vol', '0.3']),
    a.sox(['-n', ...OUT, 'pink.wav', 'synth', '5', 'pinknoise', 'vol', '0.3']),
    a.sox(['-n', ...OUT, 'quiet-noise.wav', 'synth', '8', 'whitenoise', 'vol', '0.01']),
    a.sox(['-n', ...OUT, 'dial.wav', ...tone(425, 3)]),
    a.sox(['-n', ...OUT, 'ringback.wav', ...tone(425, 1), 'pad', '0', '4', 'repeat', '2']),
    a.sox(['-n', ...OUT, 'descending.wav', ...tones([[1776.7, 0.38], [1370.6, 0.274], [913.8, 0.274]])]),
    a.sox(['-n', ...OUT, 'short.wav', ...tones([[913.8, 0.1], [1370.6, 0.1], [1776.7, 0.1]])]),
    a.sox(['-n', ...OUT, 'long.wav', ...tones([[913.8, 1], [1370.6, 1], [1776.7, 1]])]),
    a.speak('ru-off.wav', 'ru', SWITCHED_OFF_RU),
    a.speak('ru-wrong.wav', 'ru', WRONG_NUMBER_RU),
    a.speak('ru-temp.wav', 'ru', TEMPORARILY_RU),
    a.speak('ru-greeting.wav', 'ru', GREETING_RU),
    a.speak('kk-off.wav', 'kk', SWITCHED_OFF_KK),
  ]);
  // What a line records: silence, the tone, the announcement; then coded as G.711, with noise.
  await a.sox(['silence.wav', 'ic.wav', 'ru-off.wav', 'early-media.wav']);
  await Promise.all([
    a.sox(['early-media.wav', '-e', 'a-law', 'early-media-alaw.wav']),
    a.sox(['early-media.wav', '-e', 'mu-law', 'early-media-ulaw.wav']),
    a.sox(['early-media.wav', 'early-media-quiet.wav', 'vol', '0.05']),
    a.sox(['-m', 'early-media.wav', 'quiet-noise.wav', '-e', 'a-law', 'early-media-noisy.wav']),
  ]);
}, 120_000);

afterAll(() => cleanup?.());

const sitOf = (name: string) => {
  const w = readWav(a.bytes(name));
  return detectSit(w.pcm, w.sampleRate);
};

describe('a special information tone is found', () => {
  test.each([
    ['ic.wav', [913.8, 1370.6, 1776.7], [274, 274, 380]],
    ['nc.wav', [985.2, 1428.5, 1776.7], [380, 380, 380]],
    ['vc.wav', [985.2, 1370.6, 1776.7], [380, 274, 380]],
    ['e180.wav', [950, 1400, 1800], [330, 330, 330]],
  ])('%s: its three tones in order, with their lengths', (name, hz, ms) => {
    const sit = sitOf(name);
    expect(sit).not.toBeNull();
    expect(sit?.tones.map((t) => t.hz)).toEqual(hz);
    sit?.tones.forEach((t, i) => expect(Math.abs(t.seconds * 1000 - (ms[i] as number))).toBeLessThanOrEqual(25));
    expect(sit?.at).toBeLessThanOrEqual(0.02);
    expect(sit?.confidence).toBeGreaterThan(0.9);
  });

  test.each(['early-media.wav', 'early-media-alaw.wav', 'early-media-ulaw.wav', 'early-media-quiet.wav', 'early-media-noisy.wav'])(
    '%s: after 1.3 s of silence and before an announcement, G.711-coded, quiet or noisy',
    (name) => {
      const sit = sitOf(name);
      expect(sit, name).not.toBeNull();
      expect(sit?.at).toBeGreaterThanOrEqual(1.27);
      expect(sit?.at).toBeLessThanOrEqual(1.33);
      expect(sit?.tones.map((t) => t.hz)).toEqual([913.8, 1370.6, 1776.7]);
    },
  );
});

describe('no special information tone', () => {
  test.each([
    ['ru-off.wav', 'a Russian announcement'],
    ['ru-wrong.wav', 'another Russian announcement'],
    ['ru-temp.wav', 'a third Russian announcement'],
    ['ru-greeting.wav', 'a person\'s greeting'],
    ['kk-off.wav', 'a Kazakh announcement'],
    ['silence.wav', 'silence'],
    ['white.wav', 'white noise'],
    ['pink.wav', 'pink noise'],
    ['dial.wav', 'a 425 Hz dial tone'],
    ['ringback.wav', 'ringback'],
    ['descending.wav', 'the three tones in descending order'],
    ['short.wav', 'the three tones, 100 ms each'],
    ['long.wav', 'the three tones, 1 s each'],
  ])('%s (%s)', (name) => {
    expect(sitOf(name)).toBeNull();
  });
});
