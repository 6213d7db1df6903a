// readWav reads what sox writes (16-bit PCM, A-law, µ-law, stereo, 16 kHz) exactly as sox decodes it,
// writeWav's A-law and µ-law are what sox encodes (without dither, -D), and a file it cannot read is refused with a
// sentence naming the field.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readWav, to8k, WavError, writeWav } from '../../src/audio/wav.ts';
import { audioFactory, SWITCHED_OFF_RU, type AudioFactory } from '../helpers/audio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { writeFileSync } from 'node:fs';

let a: AudioFactory;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir('reachwatch-wav-');
  cleanup = t.remove;
  a = audioFactory(t.dir);
  await a.speak('pcm.wav', 'ru', SWITCHED_OFF_RU);
  await Promise.all([
    a.sox(['-D', 'pcm.wav', '-e', 'a-law', 'alaw.wav']),
    a.sox(['-D', 'pcm.wav', '-e', 'mu-law', 'ulaw.wav']),
    a.sox(['pcm.wav', '-c', '2', 'stereo.wav']),
    a.sox(['pcm.wav', '-r', '16000', 'wide.wav']),
  ]);
  await Promise.all([
    a.sox(['alaw.wav', '-e', 'signed-integer', '-b', '16', 'alaw-by-sox.wav']),
    a.sox(['ulaw.wav', '-e', 'signed-integer', '-b', '16', 'ulaw-by-sox.wav']),
  ]);
}, 60_000);

afterAll(() => cleanup?.());

describe('readWav', () => {
  test('16-bit PCM at 8 kHz', () => {
    const w = readWav(a.bytes('pcm.wav'));
    expect(w).toMatchObject({ sampleRate: 8000, coding: 'pcm16', channels: 1 });
    expect(w.pcm.length).toBeGreaterThan(8000 * 3);
  });

  test.each([['alaw.wav', 'alaw-by-sox.wav', 'alaw'], ['ulaw.wav', 'ulaw-by-sox.wav', 'ulaw']])('%s decodes to exactly what sox decodes it to', (coded, decoded, coding) => {
    const ours = readWav(a.bytes(coded));
    expect(ours.coding).toBe(coding);
    expect(Array.from(ours.pcm)).toEqual(Array.from(readWav(a.bytes(decoded)).pcm));
  });

  test('stereo is mixed to one channel; 16 kHz is brought to 8 kHz for analysis', () => {
    const mono = readWav(a.bytes('pcm.wav')).pcm;
    const stereo = readWav(a.bytes('stereo.wav'));
    expect(stereo.channels).toBe(2);
    expect(Array.from(stereo.pcm)).toEqual(Array.from(mono));
    const wide = readWav(a.bytes('wide.wav'));
    expect(wide.sampleRate).toBe(16000);
    expect(Math.abs(to8k(wide.pcm, 16000).length - mono.length)).toBeLessThanOrEqual(2);
  });

  test.each([
    [new TextEncoder().encode('hello'), /not a WAV file: bytes 0-11/],
    [new Uint8Array([...new TextEncoder().encode('RIFF'), 4, 0, 0, 0, ...new TextEncoder().encode('WAVE')]), /no "fmt " chunk/],
  ])('refuses what is not a WAV file, saying why', (bytes, message) => {
    expect(() => readWav(bytes)).toThrow(WavError);
    expect(() => readWav(bytes)).toThrow(message);
  });

  test('refuses a coding it does not read, naming it', () => {
    const b = writeWav(new Int16Array(100), 8000, 'pcm16');
    new DataView(b.buffer).setUint16(20, 3, true); // IEEE float
    expect(() => readWav(b)).toThrow(/format 3 with 16 bits a sample; only 16-bit PCM \(1\), A-law \(6\) and µ-law \(7\)/);
  });
});

describe('writeWav', () => {
  test.each(['alaw', 'ulaw'] as const)('%s: sox reads our file as we do', async (coding) => {
    const pcm = readWav(a.bytes('pcm.wav')).pcm;
    const ours = writeWav(pcm, 8000, coding);
    writeFileSync(a.path(`ours-${coding}.wav`), ours);
    await a.sox([`ours-${coding}.wav`, '-e', 'signed-integer', '-b', '16', `ours-${coding}-by-sox.wav`]);
    expect(Array.from(readWav(a.bytes(`ours-${coding}-by-sox.wav`)).pcm)).toEqual(Array.from(readWav(ours).pcm));
  });

  test.each(['alaw', 'ulaw'] as const)('%s: codes are stable, monotonic, and as faithful as sox\'s', (coding) => {
    // Every code's level codes back to that code (µ-law's two zeros aside).
    const codes = writeWav(new Int16Array(256), 8000, coding);
    codes.set(Uint8Array.from({ length: 256 }, (_, i) => i), codes.length - 256);
    const levels = readWav(codes).pcm;
    const again = writeWav(levels, 8000, coding).subarray(codes.length - 256);
    const unstable = [];
    for (let c = 0; c < 256; c++) if ((levels[c] as number) !== 0 && again[c] !== c) unstable.push(c);
    expect(unstable).toEqual([]);
    // Louder in, never quieter out.
    const ramp = readWav(writeWav(Int16Array.from({ length: 65536 }, (_, i) => i - 32768), 8000, coding)).pcm;
    let falls = 0;
    for (let i = 1; i < ramp.length; i++) if ((ramp[i] as number) < (ramp[i - 1] as number)) falls++;
    expect(falls).toBe(0);
    // On speech, about as little coding noise as sox's own coder (the reference algorithm truncates
    // where sox rounds: µ-law measured 0.2 % more noise, A-law less).
    const pcm = readWav(a.bytes('pcm.wav')).pcm;
    const ours = readWav(writeWav(pcm, 8000, coding)).pcm;
    const sox = readWav(a.bytes(`${coding}-by-sox.wav`)).pcm;
    const noise = (x: Int16Array) => x.reduce((s, v, i) => s + (v - (pcm[i] as number)) ** 2, 0);
    expect(noise(ours)).toBeLessThanOrEqual(noise(sox) * 1.01);
  });

  test('PCM round-trips exactly', () => {
    const pcm = Int16Array.from({ length: 1000 }, (_, i) => Math.round(20000 * Math.sin(i / 7)));
    expect(Array.from(readWav(writeWav(pcm, 8000, 'pcm16')).pcm)).toEqual(Array.from(pcm));
  });
});
